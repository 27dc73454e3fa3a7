package task

import (
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/slipway-ci/slipway/pkg/config"
	"github.com/slipway-ci/slipway/pkg/resources"
)

func TestKeepLogArchive(t *testing.T) {
	archived := map[string]string{resources.AnnotationLogArchive: "r", resources.AnnotationLogKey: "k"}
	cases := []struct {
		name      string
		pod, have map[string]string
		want      map[string]string
	}{
		{"pod without an archive", nil, nil, nil},
		{"copied from the pod", archived, nil, archived},
		{"other annotations kept", archived, map[string]string{"x": "y"},
			map[string]string{"x": "y", resources.AnnotationLogArchive: "r", resources.AnnotationLogKey: "k"}},
		{"never replaced", map[string]string{resources.AnnotationLogArchive: "r2", resources.AnnotationLogKey: "k2"}, archived, archived},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := &v1.TaskRun{}
			tr.Status.Annotations = tc.have
			keepLogArchive(tr, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: tc.pod}})
			if len(tr.Status.Annotations) != len(tc.want) {
				t.Fatalf("annotations = %v, want %v", tr.Status.Annotations, tc.want)
			}
			for k, v := range tc.want {
				if tr.Status.Annotations[k] != v {
					t.Errorf("annotations = %v, want %v", tr.Status.Annotations, tc.want)
				}
			}
		})
	}
}

func TestLogArchiveKeyIsShared(t *testing.T) {
	cfg := config.Default()
	cfg.LogArchiveRepository = "192.0.2.2:5000/logs"
	cfg.InsecureRegistries = []string{"192.0.2.2:5000"}
	tr := &v1.TaskRun{ObjectMeta: metav1.ObjectMeta{Name: "tr", Namespace: "ns"}}
	first, err := logArchive(&run{tr: tr, cfg: cfg})
	if err != nil || first == nil {
		t.Fatalf("logArchive = %v, %v", first, err)
	}
	if first.Repository != "http://192.0.2.2:5000/logs/ns/tr" || first.Key == "" {
		t.Errorf("first attempt: %+v", first)
	}
	keepLogArchive(tr, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{
		resources.AnnotationLogArchive: first.Repository, resources.AnnotationLogKey: first.Key}}})
	retry, err := logArchive(&run{tr: tr, cfg: cfg})
	if err != nil || *retry != *first {
		t.Errorf("a retry's archive = %+v, %v; want the first attempt's %+v", retry, err, first)
	}
	cfg.LogArchiveRepository = ""
	if none, _ := logArchive(&run{tr: tr, cfg: cfg}); none != nil {
		t.Errorf("without a repository: %+v, want none", none)
	}
}
