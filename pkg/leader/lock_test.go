package leader

import (
	"context"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// The fake clientset is enough here: Get reads one Lease and one Pod.
func TestLockGet(t *testing.T) {
	t.Parallel()
	now := metav1.NewMicroTime(time.Now())
	lease := func(holder string) *coordinationv1.Lease {
		d := int32(8)
		return &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: "slipway", Name: "lead"},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &d, RenewTime: &now}}
	}
	pod := func(name string, phase corev1.PodPhase) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "slipway", Name: name}, Status: corev1.PodStatus{Phase: phase}}
	}
	tests := []struct {
		name       string
		holder     string
		pods       []*corev1.Pod
		wantHolder string
	}{
		{name: "holder alive", holder: "ctrl-a", pods: []*corev1.Pod{pod("ctrl-a", corev1.PodRunning)}, wantHolder: "ctrl-a"},
		{name: "holder's pod deleted", holder: "ctrl-a", wantHolder: ""},
		{name: "holder's pod failed", holder: "ctrl-a", pods: []*corev1.Pod{pod("ctrl-a", corev1.PodFailed)}, wantHolder: ""},
		{name: "held by me", holder: "ctrl-b", wantHolder: "ctrl-b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := fake.NewClientset(lease(tc.holder))
			for _, p := range tc.pods {
				if _, err := c.CoreV1().Pods("slipway").Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			l := NewLock(c.CoordinationV1(), c.CoreV1(), "slipway", "lead", "ctrl-b")
			rec, _, err := l.Get(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if rec.HolderIdentity != tc.wantHolder {
				t.Errorf("holder = %q, want %q", rec.HolderIdentity, tc.wantHolder)
			}
		})
	}
}
