package resolution

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
)

// IsNetworkError reports a DNS, connection or TLS failure: what resolvers
// report as ErrUnreachable.
func IsNetworkError(err error) bool {
	var (
		dns      *net.DNSError
		op       *net.OpError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
		record   tls.RecordHeaderError
	)
	return errors.As(err, &dns) || errors.As(err, &op) ||
		errors.As(err, &unknown) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &verify) ||
		errors.As(err, &record)
}
