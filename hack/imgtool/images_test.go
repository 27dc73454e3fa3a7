package main

import (
	"strings"
	"testing"
)

func TestGoBinImageRefuses(t *testing.T) {
	cases := []struct {
		pkgs []string
		want string
	}{
		{nil, "-pkg is required"},
		{[]string{"./cmd/entrypoint", "./test/entrypoint/"}, "would both be /usr/local/bin/entrypoint"},
	}
	for _, tc := range cases {
		if _, err := goBinImage(tc.pkgs); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("goBinImage(%q) error %v, want %q", tc.pkgs, err, tc.want)
		}
	}
}
