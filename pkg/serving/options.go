package serving

import (
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Mode is how traffic is split after the rollout.
type Mode string

// The traffic modes.
const (
	// ModeLatest sends all traffic to the latest ready Revision.
	ModeLatest Mode = "latest"
	// ModeCanary sends CanaryPercent to the new Revision under Tag and the
	// rest to the Revision that served before.
	ModeCanary Mode = "canary"
	// ModePromote sends 100% to the new Revision.
	ModePromote Mode = "promote"
)

// DefaultTag is the traffic tag of a canary when Options.Tag is empty.
const DefaultTag = "canary"

// shortSHALen is how many characters of a commit SHA name a Revision, and
// shortDigestLen how many of the image digest follow them: a rebuild of a
// commit that yields another image gets a Revision of its own (Knative
// refuses a changed template under an existing Revision name).
const (
	shortSHALen    = 7
	shortDigestLen = 5
)

var digestRef = regexp.MustCompile(`^[^@\s]+@sha256:[0-9a-f]{64}$`)

// Options say what to deploy.
type Options struct {
	// Service and Namespace name the Knative Service.
	Service, Namespace string
	// Image must be a digest reference (repo@sha256:...).
	Image string
	// Commit names the Revision <service>-<commit 7>-<digest 5> (the first
	// 7 characters of the commit, the first 5 of the image digest), unless
	// RevisionSuffix is set, which names it <service>-<suffix>.
	Commit, RevisionSuffix string
	// Mode is the traffic mode (default ModeLatest).
	Mode Mode
	// CanaryPercent is the new Revision's share in ModeCanary (1..99).
	CanaryPercent int64
	// Tag names the new Revision's traffic target (ModeCanary; default "canary").
	Tag string
	// ContainerPort, when not zero, is the user container's port.
	ContainerPort int32
	// Args, when not empty, replace the user container's arguments (the
	// image's CMD); empty keeps what the Service has.
	Args []string
}

// Validate checks the options and fills in defaults.
func (o *Options) Validate() error {
	if o.Mode == "" {
		o.Mode = ModeLatest
	}
	if o.Mode == ModeCanary && o.Tag == "" {
		o.Tag = DefaultTag
	}
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	if errs := validation.IsDNS1035Label(o.Service); len(errs) > 0 {
		return fmt.Errorf("service name %q: %s", o.Service, strings.Join(errs, "; "))
	}
	if !digestRef.MatchString(o.Image) {
		return fmt.Errorf("image %q is not pinned by digest: want <repository>@sha256:<64 hex digits> (use the IMAGE_DIGEST result of the build)", o.Image)
	}
	if _, err := o.RevisionName(); err != nil {
		return err
	}
	return o.validateTraffic()
}

func (o *Options) validateTraffic() error {
	switch o.Mode {
	case ModeLatest, ModePromote:
	case ModeCanary:
		if o.CanaryPercent < 1 || o.CanaryPercent > 99 {
			return fmt.Errorf("canary percent %d: want 1..99", o.CanaryPercent)
		}
		if errs := validation.IsDNS1035Label(o.Tag); len(errs) > 0 {
			return fmt.Errorf("tag %q: %s", o.Tag, strings.Join(errs, "; "))
		}
	default:
		return fmt.Errorf("traffic mode %q: want %s, %s or %s", o.Mode, ModeLatest, ModeCanary, ModePromote)
	}
	if o.ContainerPort < 0 || o.ContainerPort > 65535 {
		return fmt.Errorf("container port %d: want 1..65535", o.ContainerPort)
	}
	return nil
}

// RevisionName is the BYO Revision name: <service>-<suffix>, the suffix
// being RevisionSuffix, or the commit's first 7 characters and the image
// digest's first 5, lower-cased.
func (o *Options) RevisionName() (string, error) {
	suffix := strings.ToLower(o.RevisionSuffix)
	if suffix == "" {
		c := strings.ToLower(strings.TrimSpace(o.Commit))
		if c == "" {
			return "", fmt.Errorf("a commit or a revision suffix is required to name the revision")
		}
		if len(c) > shortSHALen {
			c = c[:shortSHALen]
		}
		suffix = c
		if _, digest, ok := strings.Cut(o.Image, "@sha256:"); ok && len(digest) >= shortDigestLen {
			suffix += "-" + digest[:shortDigestLen]
		}
	}
	n := o.Service + "-" + suffix
	if errs := validation.IsDNS1035Label(n); len(errs) > 0 {
		return "", fmt.Errorf("revision name %q: %s", n, strings.Join(errs, "; "))
	}
	return n, nil
}
