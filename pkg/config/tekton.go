package config

import (
	"context"

	tektonconfig "github.com/tektoncd/pipeline/pkg/apis/config"
)

// Tekton returns ctx carrying the settings that Tekton's SetDefaults and
// Validate read from a context, taken from c, so that Tekton's code and
// Slipway's agree (the matrix limit, the default service account and
// timeout). It is the only place that builds Tekton's context config.
func (c *Config) Tekton(ctx context.Context) context.Context {
	tc := *tektonconfig.FromContextOrDefaults(ctx)
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
