package resolution

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/quarantine"
)

// reader is a hand-written fake client.Reader holding Tasks by name.
type reader struct {
	tasks map[string]v1.Task
	err   error
}

func (r reader) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	if r.err != nil {
		return r.err
	}
	t, ok := r.tasks[key.Namespace+"/"+key.Name]
	if !ok {
		return apierrors.NewNotFound(schema.GroupResource{Group: "tekton.dev", Resource: "tasks"}, key.Name)
	}
	*obj.(*v1.Task) = t
	return nil
}

func (reader) List(context.Context, client.ObjectList, ...client.ListOption) error {
	return errors.New("not implemented")
}

func TestTask(t *testing.T) {
	t.Parallel()
	build := v1.Task{ObjectMeta: metav1.ObjectMeta{Name: "build", Namespace: "ns"},
		Spec: v1.TaskSpec{Steps: []v1.Step{{Name: "s", Image: "alpine"}}}}
	r := reader{tasks: map[string]v1.Task{"ns/build": build}}
	undecodable := v1.Task{ObjectMeta: metav1.ObjectMeta{Name: "bad", Namespace: "ns",
		Annotations: map[string]string{quarantine.Annotation: "json: cannot unmarshal number"}}}
	tests := []struct {
		name     string
		r        reader
		ref      *v1.TaskRef
		want     *v1.TaskSpec
		wantErr  string
		userErr  bool
		sentinel error
	}{
		{name: "found", r: r, ref: &v1.TaskRef{Name: "build"}, want: &build.Spec},
		{name: "found with kind", r: r, ref: &v1.TaskRef{Name: "build", Kind: "Task"}, want: &build.Spec},
		{name: "missing", r: r, ref: &v1.TaskRef{Name: "nope"}, userErr: true, sentinel: ErrNotFound,
			wantErr: `Task "nope" not found in namespace "ns"`},
		{name: "no name", r: r, ref: &v1.TaskRef{}, userErr: true, wantErr: `resolving Task "": taskRef has no name`},
		{name: "undecodable", r: reader{tasks: map[string]v1.Task{"ns/bad": undecodable}}, ref: &v1.TaskRef{Name: "bad"}, userErr: true,
			sentinel: ErrUndecodable, wantErr: `resolving Task "bad": cannot be decoded: json: cannot unmarshal number`},
		{name: "cluster task", r: r, ref: &v1.TaskRef{Name: "build", Kind: "ClusterTask"}, userErr: true,
			sentinel: ErrUnsupported, wantErr: `resolving Task "build": ClusterTasks are not supported (they were removed from Tekton v1): use a namespaced Task`},
		{name: "custom task", r: r, ref: &v1.TaskRef{Name: "x", Kind: "Wait", APIVersion: "custom.dev/v1"}, userErr: true,
			sentinel: ErrUnsupported, wantErr: `resolving Task "x": custom task kind "Wait" (apiVersion "custom.dev/v1") is not supported`},
		{name: "api down", r: reader{err: errors.New("boom")}, ref: &v1.TaskRef{Name: "build"},
			wantErr: "getting Task ns/build: boom"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Task(context.Background(), tc.r, "ns", tc.ref)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				if IsUserError(err) != tc.userErr {
					t.Errorf("IsUserError = %v, want %v", !tc.userErr, tc.userErr)
				}
				if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
					t.Errorf("errors.Is(%v) = false", tc.sentinel)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("spec (-want +got):\n%s", diff)
			}
		})
	}
}
