package config

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	tektonconfig "github.com/tektoncd/pipeline/pkg/apis/config"
	corev1 "k8s.io/api/core/v1"
)

// Tekton's ConfigMaps, read from the controller's namespace with Tekton's
// own parsers.
const (
	FeatureFlagsName = "feature-flags"
	DefaultsName     = "config-defaults"
)

// Keys of Tekton's ConfigMaps that Slipway honours. Any other key of
// Tekton's that is set to something other than Tekton's default is
// reported (Unimplemented), never silently ignored.
var (
	honouredFeatureFlags = map[string]bool{
		// Validation and defaulting read these from the context.
		"enable-api-fields": true, "enable-param-enum": true, "enable-step-actions": true,
		"enable-concise-resolver-syntax": true, "disable-inline-spec": true,
		// CEL in when expressions, evaluated with cel-go as Tekton does.
		"enable-cel-in-whenexpression": true,
		// Slipway never deletes a pod (docs/design.md D4): it behaves as
		// keep-pod-on-cancel: true whatever the value.
		"keep-pod-on-cancel": true,
		// Sidecars are always native sidecars (D2).
		"enable-kubernetes-sidecar": true,
		// Bounds each result (D22). Results travel in the termination
		// message or, when they do not fit, at the end of the step's log,
		// whatever results-from says: no sidecar is needed for either.
		keyMaxResultSize: true, "results-from": true,
	}
	honouredDefaults = map[string]bool{
		"default-timeout-minutes": true, "default-service-account": true,
		"default-managed-by-label-value": true, "default-pod-template": true,
		"default-max-matrix-combinations-count": true,
		// Bounds each remote resolution (pkg/resolution, D15).
		"default-maximum-resolution-timeout": true,
		// A pod in ImagePullBackOff fails its TaskRun (TaskRunImagePullFailed).
		"default-imagepullbackoff-timeout": true,
		// The grace of CreateContainerConfigError and CreateContainerError.
		"default-create-container-error-timeout": true,
	}
	// Every key Tekton v1.15 reads, so that a typo is reported too.
	tektonFeatureFlagKeys = []string{"await-sidecar-readiness", "coschedule", "disable-creds-init",
		"disable-inline-spec", "enable-api-fields", "enable-artifacts", "enable-cel-in-whenexpression",
		"enable-concise-resolver-syntax", "enable-kubernetes-sidecar", "enable-param-enum",
		"enable-provenance-in-status", "enable-step-actions", "enable-tekton-oci-bundles",
		"enable-termination-message-compression", "enable-wait-exponential-backoff",
		"enforce-nonfalsifiability", "keep-pod-on-cancel", "max-result-size",
		"require-git-ssh-secret-known-hosts", "results-from",
		"running-in-environment-with-injected-sidecars", "send-cloudevents-for-runs",
		"set-security-context", "set-security-context-read-only-root-filesystem",
		"trusted-resources-verification-no-match-policy"}
	tektonDefaultsKeys = []string{"default-timeout-minutes", "default-service-account",
		"default-managed-by-label-value", "default-pod-template", "default-affinity-assistant-pod-template",
		"default-cloud-events-sink", "default-task-run-workspace-binding",
		"default-max-matrix-combinations-count", "default-forbidden-env", "default-resolver-type",
		"default-container-resource-requirements", "default-imagepullbackoff-timeout",
		"default-create-container-error-timeout", "default-maximum-resolution-timeout",
		"default-sidecar-log-polling-interval", "default-step-ref-concurrency-limit"}
)

// keyMaxResultSize is Tekton's feature flag bounding each result.
const keyMaxResultSize = "max-result-size"

// TektonConfigMaps are Tekton's two ConfigMaps; either may be nil (absent).
type TektonConfigMaps struct {
	FeatureFlags, Defaults *corev1.ConfigMap
}

// parseTekton reads Tekton's ConfigMaps with Tekton's parsers and lists
// what Slipway does not implement.
func parseTekton(m TektonConfigMaps) (*tektonconfig.Config, []string, error) {
	ff, err := tektonconfig.NewFeatureFlagsFromMap(data(m.FeatureFlags))
	if err != nil {
		return nil, nil, fmt.Errorf("ConfigMap %s: %w", FeatureFlagsName, err)
	}
	d, err := tektonconfig.NewDefaultsFromMap(data(m.Defaults))
	if err != nil {
		return nil, nil, fmt.Errorf("ConfigMap %s: %w", DefaultsName, err)
	}
	notes := unimplemented(FeatureFlagsName, data(m.FeatureFlags), tektonFeatureFlagKeys, honouredFeatureFlags,
		func(k, v string) bool {
			p, err := tektonconfig.NewFeatureFlagsFromMap(map[string]string{k: v})
			return err == nil && reflect.DeepEqual(p, tektonconfig.DefaultFeatureFlags.DeepCopy())
		})
	notes = append(notes, unimplemented(DefaultsName, data(m.Defaults), tektonDefaultsKeys, honouredDefaults,
		func(k, v string) bool {
			p, err := tektonconfig.NewDefaultsFromMap(map[string]string{k: v})
			def, _ := tektonconfig.NewDefaultsFromMap(nil)
			return err == nil && reflect.DeepEqual(p, def)
		})...)
	sort.Strings(notes)
	return &tektonconfig.Config{FeatureFlags: ff, Defaults: d}, notes, nil
}

// unimplemented lists the keys of data that Slipway does not honour and
// that are not at Tekton's default (isDefault), and keys Tekton does not
// know at all. Keys starting with "_" (Tekton's _example) are skipped.
func unimplemented(cm string, data map[string]string, known []string, honoured map[string]bool, isDefault func(k, v string) bool) []string {
	var out []string
	for k, v := range data {
		switch {
		case strings.HasPrefix(k, "_") || honoured[k]:
		case !contains(known, k):
			out = append(out, fmt.Sprintf("%s: %q is not a key Tekton or Slipway knows (ignored)", cm, k))
		case !isDefault(k, v):
			out = append(out, fmt.Sprintf("%s: %s=%q is not implemented by Slipway (it behaves as with Tekton's default)", cm, k, v))
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func data(cm *corev1.ConfigMap) map[string]string {
	if cm == nil {
		return nil
	}
	return cm.Data
}

// ParamEnum reports whether enable-param-enum is on: run param values
// must then be in their param's enum.
func (c *Config) ParamEnum() bool {
	return c.TektonConfig != nil && c.TektonConfig.FeatureFlags.EnableParamEnum
}

// ResolutionTimeout bounds one remote resolution: Tekton's
// default-maximum-resolution-timeout (config-defaults, default 1m).
func (c *Config) ResolutionTimeout() time.Duration {
	if c.TektonConfig != nil && c.TektonConfig.Defaults.DefaultMaximumResolutionTimeout > 0 {
		return c.TektonConfig.Defaults.DefaultMaximumResolutionTimeout
	}
	return tektonconfig.DefaultMaximumResolutionTimeout
}

// ImagePullBackOffTimeout is how long a TaskRun's pod may stay in
// ImagePullBackOff before the TaskRun fails: Tekton's
// default-imagepullbackoff-timeout (config-defaults, default 0: at once).
func (c *Config) ImagePullBackOffTimeout() time.Duration {
	if c.TektonConfig == nil {
		return tektonconfig.DefaultImagePullBackOffTimeout
	}
	return c.TektonConfig.Defaults.DefaultImagePullBackOffTimeout
}

// createContainerGrace is how long a container creation error (a missing
// Secret or ConfigMap) is given when Tekton's key does not say: such an
// object is often created moments after the run by another controller.
const createContainerGrace = 10 * time.Second

// CreateContainerErrorTimeout is how long a step may stay in
// CreateContainerConfigError or CreateContainerError before its TaskRun
// fails: Tekton's default-create-container-error-timeout (config-defaults)
// when set, else 10 s. Tekton fails at once when the key is 0 (its default)
// and uses it only for runtime deadlines; Slipway gives every such error the
// grace (docs/design.md D14).
func (c *Config) CreateContainerErrorTimeout() time.Duration {
	if c.TektonConfig != nil && c.TektonConfig.Defaults.DefaultCreateContainerErrorTimeout > 0 {
		return c.TektonConfig.Defaults.DefaultCreateContainerErrorTimeout
	}
	return createContainerGrace
}

// Tekton returns ctx carrying Tekton's configuration as read from its
// ConfigMaps, with the defaults Slipway's own keys override, so that
// Tekton's SetDefaults and Validate and Slipway agree (the feature gates,
// the matrix limit, the default service account and timeout). It is the
// only place that builds Tekton's context config.
func (c *Config) Tekton(ctx context.Context) context.Context {
	base := c.TektonConfig
	if base == nil {
		base = tektonconfig.FromContextOrDefaults(ctx)
	}
	tc := *base
	d := *tc.Defaults
	d.DefaultMaxMatrixCombinationsCount = c.MaxMatrixCombinations
	// Tekton counts whole minutes; defaults.Apply sets the exact duration
	// first, so this only matters to Tekton code that reads it directly.
	d.DefaultTimeoutMinutes = int(c.DefaultTimeout.Minutes())
	if c.DefaultServiceAccount != "" {
		d.DefaultServiceAccount = c.DefaultServiceAccount
	}
	tc.Defaults = &d
	return tektonconfig.ToContext(ctx, &tc)
}
