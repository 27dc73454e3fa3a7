package shard

import (
	"fmt"
	"testing"
)

func TestPreferredSpreadsAndMovesLittle(t *testing.T) {
	t.Parallel()
	three := []string{"a", "b", "c"}
	count := map[string]int{}
	for i := range 300 {
		count[Preferred(i, three)]++
	}
	for _, id := range three {
		if count[id] < 70 || count[id] > 130 {
			t.Errorf("replica %s preferred for %d of 300 shards, want about 100: %v", id, count[id], count)
		}
	}
	moved := 0
	for i := range 300 {
		if before, after := Preferred(i, three), Preferred(i, []string{"a", "b"}); before != "c" && before != after {
			moved++
		}
	}
	if moved != 0 {
		t.Errorf("%d shards moved between the replicas that stayed when c left, want 0", moved)
	}
	if Preferred(3, nil) != "" {
		t.Error("no replica alive: want none preferred")
	}
}

func TestOfIsStable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ns     string
		shards int
	}{{"default", 1}, {"team-a", 4}, {"e2e-x-1234", 16}} {
		first := Of(tc.ns, tc.shards)
		for range 10 {
			if got := Of(tc.ns, tc.shards); got != first || got < 0 || got >= tc.shards {
				t.Fatalf("Of(%q, %d) = %d then %d", tc.ns, tc.shards, first, got)
			}
		}
	}
	seen := map[int]bool{}
	for i := range 100 {
		seen[Of(fmt.Sprintf("ns-%d", i), 4)] = true
	}
	if len(seen) != 4 {
		t.Errorf("100 namespaces fell into %d of 4 shards", len(seen))
	}
}
