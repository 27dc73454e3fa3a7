package certs

import (
	"bytes"
	"crypto/x509"
	"testing"
	"time"
)

var testHosts = []string{"slipway-webhook.slipway.svc", "127.0.0.1"}

func verify(t *testing.T, b *Bundle, host string, at time.Time) error {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b.CABundle(at)) {
		t.Fatal("CA bundle holds no certificate")
	}
	leaf, err := parseCert(b.Cert)
	if err != nil {
		t.Fatal(err)
	}
	_, err = leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: pool, CurrentTime: at})
	return err
}

func TestNewBundle(t *testing.T) {
	t.Parallel()
	now := time.Now()
	b, err := NewBundle(testHosts, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range testHosts {
		if err := verify(t, b, h, now); err != nil {
			t.Errorf("leaf does not verify for %s: %v", h, err)
		}
	}
	if err := verify(t, b, "elsewhere.example", now); err == nil {
		t.Error("leaf verifies for a host it does not name")
	}
	if _, err := b.TLSCertificate(); err != nil {
		t.Error(err)
	}
}

func TestRenew(t *testing.T) {
	t.Parallel()
	now := time.Now()
	orig, err := NewBundle(testHosts, now)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		at          time.Time
		hosts       []string
		wantChanged bool
		wantNewCA   bool
	}{
		{name: "fresh", at: now.Add(time.Hour), hosts: testHosts},
		{name: "leaf near its end", at: now.Add(LeafLifetime - LeafRenewal + time.Hour), hosts: testHosts, wantChanged: true},
		{name: "a new host", at: now, hosts: append([]string{"other.slipway.svc"}, testHosts...), wantChanged: true},
		{name: "CA near its end", at: now.Add(CALifetime - CARenewal + time.Hour), hosts: testHosts, wantChanged: true, wantNewCA: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, changed, err := orig.Renew(tc.hosts, tc.at)
			if err != nil {
				t.Fatal(err)
			}
			if changed != tc.wantChanged {
				t.Fatalf("changed = %v, want %v", changed, tc.wantChanged)
			}
			if !changed && !got.Equal(orig) {
				t.Error("unchanged bundle differs")
			}
			if newCA := !bytes.Equal(got.CACert, orig.CACert); newCA != tc.wantNewCA {
				t.Errorf("new CA = %v, want %v", newCA, tc.wantNewCA)
			}
			if tc.wantNewCA {
				// Replicas still serving the old leaf stay trusted.
				if !bytes.Contains(got.CABundle(tc.at), orig.CACert) {
					t.Error("CA bundle lacks the previous CA")
				}
			}
			for _, h := range tc.hosts {
				if err := verify(t, got, h, tc.at); err != nil {
					t.Errorf("renewed leaf does not verify for %s: %v", h, err)
				}
			}
		})
	}
}

func TestRenewGarbage(t *testing.T) {
	t.Parallel()
	if _, _, err := (&Bundle{CACert: []byte("junk")}).Renew(testHosts, time.Now()); err == nil {
		t.Error("Renew of an unreadable bundle did not fail")
	}
}
