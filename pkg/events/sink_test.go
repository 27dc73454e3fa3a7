package events

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

func testScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := v1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSinkPostsEvents(t *testing.T) {
	s := testScheme(t)
	c := fake.NewClientBuilder().WithScheme(s).Build()
	sink := New(c, s, logr.Discard(), Options{Controller: "slipway.dev/controller", Instance: "pod-1"})
	tr := &v1.TaskRun{ObjectMeta: metav1.ObjectMeta{Name: "build", Namespace: "ci", UID: "u1"}}
	sink.Eventf(tr, nil, corev1.EventTypeWarning, "Failed", "Finish", "step %q failed: %s", "compile", strings.Repeat("x", 2000))

	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { _ = sink.Start(ctx); close(stopped) }()
	var list eventsv1.EventList
	deadline := time.Now().Add(5 * time.Second)
	for len(list.Items) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		if err := c.List(context.Background(), &list); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	<-stopped
	if len(list.Items) != 1 {
		t.Fatalf("got %d events, want 1", len(list.Items))
	}
	ev := list.Items[0]
	if ev.Namespace != "ci" || !strings.HasPrefix(ev.Name, "build.") {
		t.Errorf("event %s/%s: want namespace ci and a name starting with build.", ev.Namespace, ev.Name)
	}
	if ev.Regarding.Kind != "TaskRun" || ev.Regarding.APIVersion != "tekton.dev/v1" || ev.Regarding.UID != "u1" {
		t.Errorf("regarding = %+v, want the TaskRun", ev.Regarding)
	}
	if ev.Type != corev1.EventTypeWarning || ev.Reason != "Failed" || ev.Action != "Finish" ||
		ev.ReportingController != "slipway.dev/controller" || ev.ReportingInstance != "pod-1" || ev.EventTime.IsZero() {
		t.Errorf("event fields wrong: %+v", ev)
	}
	if len(ev.Note) > maxNote || !strings.HasPrefix(ev.Note, `step "compile" failed: xxx`) || !strings.HasSuffix(ev.Note, "...") {
		t.Errorf("note not formatted and truncated to %d bytes: %d bytes", maxNote, len(ev.Note))
	}
}

func TestSinkDropsWhenFull(t *testing.T) {
	s := testScheme(t)
	sink := New(fake.NewClientBuilder().WithScheme(s).Build(), s, logr.Discard(), Options{Queue: 2})
	tr := &v1.TaskRun{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "ci"}}
	for range 5 {
		sink.Eventf(tr, nil, corev1.EventTypeNormal, "Succeeded", "Finish", "done")
	}
	if got := sink.Dropped(); got != 3 {
		t.Errorf("dropped %d events, want 3 (queue of 2, nothing posting)", got)
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdefghij", 8, "abcde..."},
		{"ééééé", 8, "éé..."}, // 2-byte runes are not split
	}
	for _, tt := range tests {
		if got := truncate(tt.in, tt.n); got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
