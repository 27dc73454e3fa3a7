package main

import (
	"flag"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOptionsFlags(t *testing.T) {
	t.Parallel()
	o := defaultOptions()
	o.Namespace = ""
	fs := flag.NewFlagSet("controller", flag.ContinueOnError)
	o.bindFlags(fs)
	if err := fs.Parse([]string{"-namespace=slipway", "-workers=8", "-leader-elect=false", "-kube-api-qps=50"}); err != nil {
		t.Fatal(err)
	}
	want := defaultOptions()
	want.Namespace, want.Workers, want.LeaderElect, want.QPS = "slipway", 8, false, 50
	if diff := cmp.Diff(want, o); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
	if err := o.validate(); err != nil {
		t.Errorf("validate: %v", err)
	}
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*Options)
		want   string
	}{
		{"no namespace", func(o *Options) { o.Namespace = "" }, "no namespace: set POD_NAMESPACE or -namespace"},
		{"no workers", func(o *Options) { o.Workers = 0 }, "-workers must be at least 1"},
		{"bad qps", func(o *Options) { o.QPS = 0 }, "-kube-api-qps and -kube-api-burst must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := defaultOptions()
			o.Namespace = "slipway"
			tc.change(&o)
			if err := o.validate(); err == nil || err.Error() != tc.want {
				t.Errorf("validate() = %v, want %q", err, tc.want)
			}
		})
	}
}
