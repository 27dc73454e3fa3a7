package hub

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Artifact Hub's catalogs use semantic versions (0.6.0), the Tekton Hub
// major.minor (0.6); like Tekton, either form is accepted and rewritten to
// the form of the hub asked. A version constraint is chosen among the
// versions the hub lists, as Tekton does with hashicorp/go-version.

var (
	plainVersion = regexp.MustCompile(`^v?[0-9]+(\.[0-9]+)*$`)
	// semver is a plain version with a prerelease and build suffix.
	semver = regexp.MustCompile(`^v?[0-9]+(\.[0-9]+)*(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)
)

// segments are the numbers of a plain version; ok is false for any other.
func segments(s string) (segs []int, ok bool) {
	if !plainVersion.MatchString(s) {
		return nil, false
	}
	for _, f := range strings.Split(strings.TrimPrefix(s, "v"), ".") {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, false
		}
		segs = append(segs, n)
	}
	return segs, true
}

// compare orders two versions' segments, missing ones counting as 0.
func compare(a, b []int) int {
	for i := range max(len(a), len(b)) {
		if c := segment(a, i) - segment(b, i); c != 0 {
			return c
		}
	}
	return 0
}

func segment(segs []int, i int) int {
	if i < len(segs) {
		return segs[i]
	}
	return 0
}

// hubVersion writes version as the hub of type typ names it: a plain
// version padded to major.minor.patch for Artifact Hub, cut to
// major.minor for the Tekton Hub; any other version is left as is.
func hubVersion(version, typ string) string {
	segs, ok := segments(version)
	if !ok {
		return version
	}
	for len(segs) < 3 {
		segs = append(segs, 0)
	}
	if typ == TypeTekton {
		segs = segs[:2]
	}
	parts := make([]string, len(segs))
	for i, n := range segs {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ".")
}

// pinnable tells whether version names one immutable release (not, say,
// "latest").
func pinnable(version string) bool { return semver.MatchString(version) }

// term is one comparison of a constraint, e.g. ">= 0.5".
type term struct {
	op   string
	segs []int
}

// constraint is a version constraint: all its terms must hold. It is nil
// when the version param is a version, not a constraint.
type constraint []term

// operators, longest first so that ">=" is not read as ">".
var operators = []string{"~>", ">=", "<=", "!=", ">", "<", "="}

// parseConstraint reads s as a constraint if it has an operator or a comma.
func parseConstraint(s string) (constraint, error) {
	if !strings.ContainsAny(s, "<>=~!,") {
		return nil, nil
	}
	var c constraint
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		t := term{op: "="}
		for _, op := range operators {
			if strings.HasPrefix(part, op) {
				t.op, part = op, strings.TrimSpace(strings.TrimPrefix(part, op))
				break
			}
		}
		segs, ok := segments(part)
		if !ok {
			return nil, fmt.Errorf("%q is neither a version nor a constraint such as \">= 0.5.0, < 1.0.0\"", s)
		}
		t.segs = segs
		c = append(c, t)
	}
	return c, nil
}

// allows tells whether the plain version segs meets every term.
func (c constraint) allows(segs []int) bool {
	for _, t := range c {
		order := compare(segs, t.segs)
		var ok bool
		switch t.op {
		case "=":
			ok = order == 0
		case "!=":
			ok = order != 0
		case ">":
			ok = order > 0
		case "<":
			ok = order < 0
		case ">=":
			ok = order >= 0
		case "<=":
			ok = order <= 0
		case "~>":
			// At least t, and the same release series: every segment t
			// gives but the last is equal ("~> 1.2" is >= 1.2, < 2).
			ok = order >= 0 && slices.Equal(pad(segs, len(t.segs)-1), t.segs[:len(t.segs)-1])
		}
		if !ok {
			return false
		}
	}
	return true
}

// pad returns the first n segments of segs, missing ones as 0.
func pad(segs []int, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = segment(segs, i)
	}
	return out
}

// choose returns the highest of versions that c allows, skipping
// prereleases and versions that are not plain.
func (c constraint) choose(versions []string) (string, bool) {
	var best string
	var bestSegs []int
	for _, v := range versions {
		segs, ok := segments(v)
		if !ok || !c.allows(segs) {
			continue
		}
		if best == "" || compare(segs, bestSegs) > 0 {
			best, bestSegs = v, segs
		}
	}
	return best, best != ""
}
