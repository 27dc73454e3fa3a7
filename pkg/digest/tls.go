package digest

import (
	"crypto/tls"
	"net/http"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// TLS mirrors kaniko's push-side registry flags, so that the check reaches
// the registry the same way kaniko pushed to it.
type TLS struct {
	// Insecure allows plain HTTP for every registry (--insecure).
	Insecure bool
	// SkipVerify skips certificate checks for every registry
	// (--skip-tls-verify).
	SkipVerify bool
	// InsecureRegistries allow plain HTTP (--insecure-registry).
	InsecureRegistries []string
	// SkipVerifyRegistries skip certificate checks
	// (--skip-tls-verify-registry).
	SkipVerifyRegistries []string
}

// ParseKanikoArgs picks the TLS flags out of kaniko arguments (EXTRA_ARGS)
// and ignores every other argument. Both "--flag=value" and "--flag value"
// forms are understood, as kaniko accepts both.
func ParseKanikoArgs(args []string) TLS {
	var t TLS
	for i := 0; i < len(args); i++ {
		flag, value, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") {
			continue
		}
		next := func() string {
			if hasValue {
				return value
			}
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return ""
		}
		switch flag {
		case "insecure":
			t.Insecure = boolValue(hasValue, value)
		case "skip-tls-verify":
			t.SkipVerify = boolValue(hasValue, value)
		case "insecure-registry":
			t.InsecureRegistries = appendNonEmpty(t.InsecureRegistries, next())
		case "skip-tls-verify-registry":
			t.SkipVerifyRegistries = appendNonEmpty(t.SkipVerifyRegistries, next())
		}
	}
	return t
}

// boolValue reads a boolean flag: bare means true, "=false" means false.
func boolValue(hasValue bool, v string) bool {
	return !hasValue || !strings.EqualFold(v, "false")
}

func appendNonEmpty(list []string, v string) []string {
	if v == "" {
		return list
	}
	return append(list, v)
}

// nameOptions lets ggcr use plain HTTP for the image's registry when the
// flags allow it. The registry is read from a first, permissive parse.
func (t TLS) nameOptions(image string) []name.Option {
	if t.Insecure {
		return []name.Option{name.Insecure}
	}
	ref, err := name.ParseReference(image)
	if err == nil && slices.Contains(t.InsecureRegistries, ref.Context().RegistryStr()) {
		return []name.Option{name.Insecure}
	}
	return nil
}

func (t TLS) skipVerify(registry string) bool {
	return t.SkipVerify || slices.Contains(t.SkipVerifyRegistries, registry)
}

// insecureTransport is remote.DefaultTransport without certificate checks.
func insecureTransport() http.RoundTripper {
	tr := remote.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for by --skip-tls-verify
	return tr
}
