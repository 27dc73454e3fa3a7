package cluster

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/slipway-ci/slipway/pkg/config"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "slipway", Name: config.ConfigMapName},
		Data:       map[string]string{"default-timeout": "5m"},
	}
	tests := []struct {
		name    string
		ns      string
		want    time.Duration
		wantErr bool
	}{
		{name: "ConfigMap present", ns: "slipway", want: 5 * time.Minute},
		{name: "ConfigMap missing means defaults", ns: "elsewhere", want: config.Default().DefaultTimeout},
	}
	c := fake.NewClientBuilder().WithObjects(cm).Build()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Load(context.Background(), c, tc.ns)
			if err != nil {
				t.Fatal(err)
			}
			if got.DefaultTimeout != tc.want {
				t.Errorf("DefaultTimeout = %v, want %v", got.DefaultTimeout, tc.want)
			}
		})
	}
}
