package certs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// Lifetimes and renewal margins. The leaf is renewed from the same CA, so
// its rotation never changes caBundle; a CA rotation keeps the previous CA
// in the bundle until it expires, so both old and new leaves are trusted
// while replicas pick up the new Secret.
const (
	CALifetime   = 10 * 365 * 24 * time.Hour
	CARenewal    = 365 * 24 * time.Hour
	LeafLifetime = 365 * 24 * time.Hour
	LeafRenewal  = 30 * 24 * time.Hour
)

// Keys of the Secret that holds a Bundle.
const (
	KeyCACert     = "ca.crt"
	KeyCAKey      = "ca.key"
	KeyPreviousCA = "ca-previous.crt"
	KeyCert       = "tls.crt"
	KeyKey        = "tls.key"
)

// Bundle is a CA, the serving certificate it signed, and the CA it
// replaced (if any), all PEM-encoded.
type Bundle struct {
	CACert, CAKey, Cert, Key []byte
	// PreviousCA is the CA before the last CA rotation, trusted until it expires.
	PreviousCA []byte
}

// NewBundle makes a new CA and a leaf for hosts (DNS names or IP addresses).
func NewBundle(hosts []string, now time.Time) (*Bundle, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating CA key: %w", err)
	}
	tmpl, err := template("slipway-webhook-ca", now, CALifetime)
	if err != nil {
		return nil, err
	}
	tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("signing CA: %w", err)
	}
	b := &Bundle{CACert: pemBlock("CERTIFICATE", der)}
	if b.CAKey, err = keyPEM(caKey); err != nil {
		return nil, err
	}
	return b, b.issue(hosts, now)
}

// issue replaces the leaf with a new one for hosts, signed by b's CA.
func (b *Bundle) issue(hosts []string, now time.Time) error {
	ca, caKey, err := b.ca()
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generating serving key: %w", err)
	}
	tmpl, err := template(hosts[0], now, LeafLifetime)
	if err != nil {
		return err
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("signing serving certificate: %w", err)
	}
	b.Cert = pemBlock("CERTIFICATE", der)
	b.Key, err = keyPEM(key)
	return err
}

// Renew returns b itself when it is good for a while yet, or a renewed
// copy: a new leaf when the leaf nears its end or no longer names every
// host, and a new CA (keeping the old one as PreviousCA) when the CA does.
// The second result says whether anything changed.
func (b *Bundle) Renew(hosts []string, now time.Time) (*Bundle, bool, error) {
	ca, _, err := b.ca()
	if err != nil {
		return nil, false, err
	}
	if now.Add(CARenewal).After(ca.NotAfter) {
		nb, err := NewBundle(hosts, now)
		if err != nil {
			return nil, false, err
		}
		nb.PreviousCA = b.CACert
		return nb, true, nil
	}
	leaf, err := parseCert(b.Cert)
	if err == nil && !now.Add(LeafRenewal).After(leaf.NotAfter) && covers(leaf, hosts) && leaf.CheckSignatureFrom(ca) == nil {
		return b, false, nil
	}
	nb := *b
	if err := nb.issue(hosts, now); err != nil {
		return nil, false, err
	}
	return &nb, true, nil
}

// CABundle is what clients must trust: the CA, plus the previous CA while
// it is still valid.
func (b *Bundle) CABundle(now time.Time) []byte {
	out := append([]byte(nil), b.CACert...)
	if prev, err := parseCert(b.PreviousCA); err == nil && now.Before(prev.NotAfter) {
		out = append(out, b.PreviousCA...)
	}
	return out
}

// TLSCertificate is the leaf for a tls.Config.
func (b *Bundle) TLSCertificate() (*tls.Certificate, error) {
	c, err := tls.X509KeyPair(b.Cert, b.Key)
	if err != nil {
		return nil, fmt.Errorf("loading serving certificate: %w", err)
	}
	return &c, nil
}

// Equal reports whether two bundles hold the same bytes.
func (b *Bundle) Equal(o *Bundle) bool {
	return bytes.Equal(b.CACert, o.CACert) && bytes.Equal(b.CAKey, o.CAKey) &&
		bytes.Equal(b.Cert, o.Cert) && bytes.Equal(b.Key, o.Key) && bytes.Equal(b.PreviousCA, o.PreviousCA)
}

func (b *Bundle) ca() (*x509.Certificate, any, error) {
	ca, err := parseCert(b.CACert)
	if err != nil {
		return nil, nil, fmt.Errorf("reading CA certificate: %w", err)
	}
	blk, _ := pem.Decode(b.CAKey)
	if blk == nil {
		return nil, nil, errors.New("reading CA key: no PEM block")
	}
	key, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("reading CA key: %w", err)
	}
	return ca, key, nil
}

func covers(c *x509.Certificate, hosts []string) bool {
	for _, h := range hosts {
		if c.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}

func template(cn string, now time.Time, life time.Duration) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("generating serial number: %w", err)
	}
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"slipway"}},
		// Tolerate a little clock skew between replicas and the API server.
		NotBefore: now.Add(-time.Hour),
		NotAfter:  now.Add(life),
	}, nil
}

func parseCert(p []byte) (*x509.Certificate, error) {
	blk, _ := pem.Decode(p)
	if blk == nil {
		return nil, errors.New("no PEM block")
	}
	return x509.ParseCertificate(blk.Bytes)
}

func keyPEM(k *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("encoding key: %w", err)
	}
	return pemBlock("PRIVATE KEY", der), nil
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
