package resources

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

func TestPodName(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 70)
	for _, tc := range []struct {
		name  string
		tr    string
		retry int
		want  string
	}{
		{"first", "build", 0, "build-pod"},
		{"retry", "build", 3, "build-pod-retry3"},
		{"exactly 63", strings.Repeat("a", 59), 0, strings.Repeat("a", 59) + "-pod"},
		{"long", long, 0, strings.Repeat("x", 48) + "-" + shortHash(long+"-pod") + "-pod"},
		{"long retry", long, 1, strings.Repeat("x", 41) + "-" + shortHash(long+"-pod-retry1") + "-pod-retry1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := PodName(tc.tr, tc.retry)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("PodName (-want +got):\n%s", diff)
			}
			if errs := validation.IsDNS1123Label(got); len(errs) > 0 {
				t.Errorf("PodName %q is not a DNS label: %v", got, errs)
			}
		})
	}
}

func TestChildNameLongSuffixAndDashes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ parent, suffix string }{
		{"p", strings.Repeat("s", 80)},
		{strings.Repeat("ab-", 30), "task"},
		{strings.Repeat("a", 47) + "-----------", "pod"},
	} {
		got := ChildName(tc.parent, tc.suffix)
		if errs := validation.IsDNS1123Label(got); len(errs) > 0 {
			t.Errorf("ChildName(%q, %q) = %q: %v", tc.parent, tc.suffix, got, errs)
		}
		if got != ChildName(tc.parent, tc.suffix) {
			t.Errorf("ChildName is not deterministic")
		}
	}
}

func TestWorkspacePVCName(t *testing.T) {
	t.Parallel()
	tr := &v1.TaskRun{ObjectMeta: metav1.ObjectMeta{Name: "tr", Namespace: "ns", UID: "u"}}
	a := WorkspacePVCName(tr, v1.WorkspaceBinding{Name: "w"})
	if a != WorkspacePVCName(tr, v1.WorkspaceBinding{Name: "w"}) || !strings.HasPrefix(a, "pvc-") || len(a) != 14 {
		t.Errorf("WorkspacePVCName = %q, want a stable pvc-<10 hex>", a)
	}
	if a == WorkspacePVCName(tr, v1.WorkspaceBinding{Name: "other"}) {
		t.Error("different workspaces share a PVC name")
	}
}

func TestImagesToResolve(t *testing.T) {
	t.Parallel()
	spec := &v1.TaskSpec{
		StepTemplate: &v1.StepTemplate{Image: "tmpl"},
		Steps: []v1.Step{
			{Image: "b"},
			{Image: "a", Args: []string{"x"}},
			{Image: "b"},
			{},
			{Image: "c", Command: []string{"run"}},
			{Image: "d", Script: "echo"},
		},
		Sidecars: []v1.Sidecar{{Image: "e"}},
	}
	if diff := cmp.Diff([]string{"a", "b", "tmpl"}, ImagesToResolve(spec)); diff != "" {
		t.Errorf("ImagesToResolve (-want +got):\n%s", diff)
	}
	spec.StepTemplate.Command = []string{"sh"}
	if diff := cmp.Diff([]string{}, ImagesToResolve(spec)); diff != "" {
		t.Errorf("with a template command, ImagesToResolve (-want +got):\n%s", diff)
	}
}

func BenchmarkMakePod(b *testing.B) {
	tr, spec := doneWhen()
	in := PodInput{TaskRun: tr, Spec: spec, Config: nodeConfig()}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MakePod(in); err != nil {
			b.Fatal(err)
		}
	}
}
