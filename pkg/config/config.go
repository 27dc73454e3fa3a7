package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/slipway-ci/slipway/pkg/entrypoint"
	"github.com/slipway-ci/slipway/pkg/queue"
	tektonconfig "github.com/tektoncd/pipeline/pkg/apis/config"
	corev1 "k8s.io/api/core/v1"
)

// ConfigMapName is the ConfigMap in the controller's namespace that holds
// Slipway's settings.
const ConfigMapName = "slipway-config"

// Entrypoint delivery modes: how the entrypoint binary reaches step containers.
const (
	// EntrypointModeNode mounts the binary from a hostPath that the
	// slipway-entrypoint DaemonSet installs on every node. No init
	// container, so no kubelet init-container round trip (≈ 1 s).
	EntrypointModeNode = "node"
	// EntrypointModeInit copies the binary into an emptyDir with an init
	// container, as Tekton does. Works where hostPath volumes are forbidden.
	EntrypointModeInit = "init"
)

// Keys of the ConfigMap.
const (
	keyDefaultTimeout        = "default-timeout"
	keyDefaultServiceAccount = "default-service-account"
	keyEntrypointImage       = "entrypoint-image"
	keyEntrypointMode        = "entrypoint-mode"
	keyEntrypointHostPath    = "entrypoint-host-path"
	keyRegistryMirrors       = "registry-mirrors"
	keyInsecureRegistries    = "insecure-registries"
	keyMaxMatrixCombinations = "max-matrix-combinations"
	keyPodUnschedulable      = "pod-unschedulable-timeout"
	keyLogArchiveRepository  = "log-archive-repository"
	keyConcurrencyLimits     = "concurrency-limits"
	keyPrunePolicies         = "prune-policies"
	keyEagerScheduling       = "eager-scheduling"
	// KeyPruneKeepSuccessful and the other pruning keys are also the
	// names of the run annotations (prefixed slipway.dev/) that override
	// them for a Pipeline's or a Task's runs.
	KeyPruneKeepSuccessful = "prune-keep-successful"
	KeyPruneKeepFailed     = "prune-keep-failed"
	KeyPruneTTL            = "prune-ttl"
	KeyPruneLogsTTL        = "prune-logs-ttl"
)

// Config is Slipway's configuration for one reconcile. Treat it as immutable.
type Config struct {
	// DefaultTimeout applies to TaskRuns and PipelineRuns without a timeout.
	DefaultTimeout time.Duration
	// DefaultServiceAccount is used when a run names none.
	DefaultServiceAccount string
	// EntrypointImage is the image holding the entrypoint binary (init mode).
	EntrypointImage string
	// EntrypointMode is EntrypointModeNode or EntrypointModeInit.
	EntrypointMode string
	// EntrypointHostPath is the node directory holding the binary (node mode).
	EntrypointHostPath string
	// RegistryMirrors maps a registry host (e.g. "index.docker.io") to the
	// host that serves it, for image config lookups.
	RegistryMirrors map[string]string
	// InsecureRegistries are hosts reached over plain HTTP.
	InsecureRegistries []string
	// MaxMatrixCombinations bounds a matrix fan-out.
	MaxMatrixCombinations int
	// PodUnschedulableTimeout is how long a TaskRun's pod may stay
	// unschedulable before the TaskRun fails (0: until its own timeout).
	PodUnschedulableTimeout time.Duration
	// LogArchiveRepository is the registry repository ("host/path") under
	// which step logs are archived as OCI artifacts; "" archives none.
	LogArchiveRepository string
	// MaxResultBytes bounds each result of a TaskRun: Tekton's
	// max-result-size (feature-flags) when set, else 1 MiB. A TaskRun's
	// results together are bounded by entrypoint.MaxResultsBytes (D22).
	MaxResultBytes int
	// EagerScheduling creates a pipeline task's TaskRun and pod while its
	// upstream tasks run, its steps held until their results are known
	// (D25). On unless eager-scheduling is "false".
	EagerScheduling bool
	// ConcurrencyLimits hold runs back (pkg/queue, D23).
	ConcurrencyLimits []queue.Limit
	// Pruning deletes old finished runs (pkg/prune): the defaults, and
	// PrunePolicies over them for the runs they match.
	Pruning       Pruning
	PrunePolicies []PrunePolicy
	// Unimplemented lists the settings of Tekton's ConfigMaps that Slipway
	// does not honour, in words (reported once, never silently ignored).
	Unimplemented []string
	// TektonConfig is Tekton's configuration from its ConfigMaps (nil: defaults).
	TektonConfig *tektonconfig.Config
}

// FromConfigMaps reads Slipway's ConfigMap and Tekton's feature-flags and
// config-defaults over the defaults. Tekton's default timeout, service
// account and matrix limit apply unless Slipway's ConfigMap sets its own
// (default-timeout, default-service-account, max-matrix-combinations),
// which win: default-timeout takes any duration, not only whole minutes.
func FromConfigMaps(cm *corev1.ConfigMap, t TektonConfigMaps) (*Config, error) {
	c, err := FromConfigMap(cm)
	if err != nil {
		return nil, err
	}
	tc, notes, err := parseTekton(t)
	if err != nil {
		return nil, err
	}
	own := data(cm)
	if _, ok := own[keyDefaultTimeout]; !ok {
		c.DefaultTimeout = time.Duration(tc.Defaults.DefaultTimeoutMinutes) * time.Minute
	}
	if _, ok := own[keyDefaultServiceAccount]; !ok {
		c.DefaultServiceAccount = tc.Defaults.DefaultServiceAccount
	}
	if _, ok := own[keyMaxMatrixCombinations]; !ok {
		c.MaxMatrixCombinations = tc.Defaults.DefaultMaxMatrixCombinationsCount
	}
	if _, ok := data(t.FeatureFlags)[keyMaxResultSize]; ok {
		c.MaxResultBytes = tc.FeatureFlags.MaxResultSize
	}
	c.TektonConfig, c.Unimplemented = tc, notes
	return c, nil
}

// set reads one key of the ConfigMap into c.
func (c *Config) set(k, v string) error {
	var err error
	switch k {
	case keyDefaultTimeout:
		c.DefaultTimeout, err = time.ParseDuration(v)
		if err == nil && c.DefaultTimeout <= 0 {
			err = fmt.Errorf("must be positive")
		}
	case keyDefaultServiceAccount:
		c.DefaultServiceAccount = v
	case keyEntrypointImage:
		c.EntrypointImage = v
	case keyEntrypointMode:
		if v != EntrypointModeNode && v != EntrypointModeInit {
			err = fmt.Errorf("must be %q or %q", EntrypointModeNode, EntrypointModeInit)
		}
		c.EntrypointMode = v
	case keyEntrypointHostPath:
		c.EntrypointHostPath = v
	case keyRegistryMirrors:
		c.RegistryMirrors, err = parsePairs(v)
	case keyInsecureRegistries:
		c.InsecureRegistries = strings.Fields(strings.ReplaceAll(v, ",", " "))
	case keyPodUnschedulable:
		c.PodUnschedulableTimeout, err = time.ParseDuration(v)
		if err == nil && c.PodUnschedulableTimeout < 0 {
			err = fmt.Errorf("must not be negative")
		}
	case keyLogArchiveRepository:
		c.LogArchiveRepository, err = repository(v)
	case keyPrunePolicies:
		c.PrunePolicies, err = parsePrunePolicies(v)
	case keyConcurrencyLimits:
		c.ConcurrencyLimits, err = queue.Parse(v)
	case keyEagerScheduling:
		c.EagerScheduling, err = strconv.ParseBool(v)
	case keyMaxMatrixCombinations:
		c.MaxMatrixCombinations, err = strconv.Atoi(v)
		if err == nil && c.MaxMatrixCombinations < 1 {
			err = fmt.Errorf("must be at least 1")
		}
	default:
		var known bool
		if known, err = c.Pruning.Set(k, v); !known {
			err = fmt.Errorf("unknown key")
		}
	}
	return err
}

// Default returns the configuration used when the ConfigMap is absent.
func Default() *Config {
	return &Config{
		DefaultTimeout:        60 * time.Minute,
		DefaultServiceAccount: "default",
		EntrypointImage:       "ghcr.io/slipway-ci/entrypoint:latest",
		EntrypointMode:        EntrypointModeInit,
		EntrypointHostPath:    "/var/lib/slipway/bin",
		MaxMatrixCombinations: 256,
		MaxResultBytes:        entrypoint.DefaultMaxResultBytes,
		EagerScheduling:       true,
		// Long enough for a cluster autoscaler to add a node.
		PodUnschedulableTimeout: 5 * time.Minute,
	}
}

// FromConfigMap reads cm over the defaults. A nil cm yields Default().
// Unknown keys are an error, so that a typo never goes unnoticed.
func FromConfigMap(cm *corev1.ConfigMap) (*Config, error) {
	c := Default()
	if cm == nil {
		return c, nil
	}
	for k, v := range cm.Data {
		v = strings.TrimSpace(v)
		err := c.set(k, v)
		if err != nil {
			return nil, fmt.Errorf("ConfigMap %s key %q (value %q): %w", cm.Name, k, v, err)
		}
	}
	return c, nil
}

// repository checks a registry repository written "host/path".
func repository(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	if strings.Contains(v, "://") {
		return "", fmt.Errorf("must be host/path, without a scheme (list plain-HTTP hosts in %s)", keyInsecureRegistries)
	}
	if _, err := name.NewRepository(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(v, "/"), nil
}

// IsInsecure reports whether the registry of repository is reached over
// plain HTTP.
func (c *Config) IsInsecure(repository string) bool {
	host, _, _ := strings.Cut(repository, "/")
	return slices.Contains(c.InsecureRegistries, host)
}

// parsePairs reads "from=to" pairs separated by commas, spaces or newlines.
func parsePairs(s string) (map[string]string, error) {
	m := map[string]string{}
	for _, f := range strings.Fields(strings.ReplaceAll(s, ",", " ")) {
		from, to, ok := strings.Cut(f, "=")
		if !ok || from == "" || to == "" {
			return nil, fmt.Errorf("%q is not host=mirror", f)
		}
		m[from] = to
	}
	return m, nil
}
