package config

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	tektonconfig "github.com/tektoncd/pipeline/pkg/apis/config"
	corev1 "k8s.io/api/core/v1"
)

func cm(name string, data map[string]string) *corev1.ConfigMap {
	c := &corev1.ConfigMap{Data: data}
	c.Name = name
	return c
}

func TestFromConfigMaps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		slipway     map[string]string
		flags, defs map[string]string
		wantTimeout time.Duration
		wantSA      string
		wantAPI     string
		wantNotes   []string
	}{
		{name: "none", wantTimeout: time.Hour, wantSA: "default", wantAPI: "beta"},
		{
			name:        "Tekton's keys",
			flags:       map[string]string{"enable-api-fields": "alpha", "keep-pod-on-cancel": "true", "_example": "x"},
			defs:        map[string]string{"default-timeout-minutes": "5", "default-service-account": "builder"},
			wantTimeout: 5 * time.Minute, wantSA: "builder", wantAPI: "alpha",
		},
		{
			name:        "Slipway's own keys win",
			slipway:     map[string]string{"default-timeout": "90s"},
			defs:        map[string]string{"default-timeout-minutes": "5"},
			wantTimeout: 90 * time.Second, wantSA: "default", wantAPI: "beta",
		},
		{
			name:        "unimplemented and unknown keys are reported, defaults are not",
			flags:       map[string]string{"enable-provenance-in-status": "false", "disable-creds-init": "false", "enable-api-feilds": "alpha"},
			defs:        map[string]string{"default-forbidden-env": "TOKEN"},
			wantTimeout: time.Hour, wantSA: "default", wantAPI: "beta",
			wantNotes: []string{
				`config-defaults: default-forbidden-env="TOKEN" is not implemented by Slipway (it behaves as with Tekton's default)`,
				`feature-flags: "enable-api-feilds" is not a key Tekton or Slipway knows (ignored)`,
				`feature-flags: enable-provenance-in-status="false" is not implemented by Slipway (it behaves as with Tekton's default)`,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := FromConfigMaps(cm(ConfigMapName, tc.slipway), TektonConfigMaps{
				FeatureFlags: cm(FeatureFlagsName, tc.flags), Defaults: cm(DefaultsName, tc.defs)})
			if err != nil {
				t.Fatal(err)
			}
			if c.DefaultTimeout != tc.wantTimeout || c.DefaultServiceAccount != tc.wantSA {
				t.Errorf("timeout, SA = %v, %q; want %v, %q", c.DefaultTimeout, c.DefaultServiceAccount, tc.wantTimeout, tc.wantSA)
			}
			got := tektonconfig.FromContextOrDefaults(c.Tekton(context.Background()))
			if got.FeatureFlags.EnableAPIFields != tc.wantAPI {
				t.Errorf("enable-api-fields in Tekton's context = %q, want %q", got.FeatureFlags.EnableAPIFields, tc.wantAPI)
			}
			if got.Defaults.DefaultServiceAccount != tc.wantSA {
				t.Errorf("Tekton's default SA = %q, want %q", got.Defaults.DefaultServiceAccount, tc.wantSA)
			}
			if diff := cmp.Diff(tc.wantNotes, c.Unimplemented); diff != "" {
				t.Errorf("Unimplemented (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMaxResultSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		flags map[string]string
		want  int
	}{
		{want: 1 << 20},
		{flags: map[string]string{"results-from": "sidecar-logs"}, want: 1 << 20},
		{flags: map[string]string{"max-result-size": "4096"}, want: 4096},
		{flags: map[string]string{"max-result-size": "1000000", "results-from": "termination-message"}, want: 1000000},
	} {
		c, err := FromConfigMaps(nil, TektonConfigMaps{FeatureFlags: cm(FeatureFlagsName, tc.flags)})
		if err != nil {
			t.Fatal(err)
		}
		if c.MaxResultBytes != tc.want || len(c.Unimplemented) != 0 {
			t.Errorf("%v: MaxResultBytes = %d, notes %q; want %d and none", tc.flags, c.MaxResultBytes, c.Unimplemented, tc.want)
		}
	}
	if _, err := FromConfigMaps(nil, TektonConfigMaps{FeatureFlags: cm(FeatureFlagsName, map[string]string{"max-result-size": "2000000"})}); err == nil {
		t.Error("a max-result-size over 1.5 MB was accepted")
	}
}

func TestFromConfigMapsInvalid(t *testing.T) {
	t.Parallel()
	_, err := FromConfigMaps(nil, TektonConfigMaps{FeatureFlags: cm(FeatureFlagsName, map[string]string{"enable-api-fields": "gamma"})})
	if err == nil {
		t.Error("an invalid enable-api-fields was accepted")
	}
}

func TestPodGraces(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                 string
		defaults             map[string]string
		wantPull, wantCreate time.Duration
	}{
		{name: "Tekton's defaults, Slipway's grace", wantPull: 0, wantCreate: 10 * time.Second},
		{name: "both set", defaults: map[string]string{"default-imagepullbackoff-timeout": "2m", "default-create-container-error-timeout": "1m"},
			wantPull: 2 * time.Minute, wantCreate: time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := FromConfigMaps(nil, TektonConfigMaps{Defaults: cm(DefaultsName, tc.defaults)})
			if err != nil {
				t.Fatal(err)
			}
			if got := c.ImagePullBackOffTimeout(); got != tc.wantPull {
				t.Errorf("ImagePullBackOffTimeout() = %s, want %s", got, tc.wantPull)
			}
			if got := c.CreateContainerErrorTimeout(); got != tc.wantCreate {
				t.Errorf("CreateContainerErrorTimeout() = %s, want %s", got, tc.wantCreate)
			}
		})
	}
	if got := Default().CreateContainerErrorTimeout(); got != 10*time.Second {
		t.Errorf("without Tekton's ConfigMaps: %s", got)
	}
}
