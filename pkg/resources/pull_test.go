package resources

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestImageTag(t *testing.T) {
	for ref, want := range map[string]string{
		"busybox":                       "latest",
		"busybox:1.36":                  "1.36",
		"docker.io/library/bash:latest": "latest",
		"localhost:5000/app":            "latest",
		"localhost:5000/app:v2":         "v2",
		"gcr.io/x/y@sha256:abcd":        "",
		"gcr.io/x/y:v1@sha256:abcd":     "",
	} {
		if got := imageTag(ref); got != want {
			t.Errorf("imageTag(%q) = %q, want %q", ref, got, want)
		}
	}
}

func TestPullOncePerImage(t *testing.T) {
	c := func(image string, p corev1.PullPolicy) corev1.Container {
		return corev1.Container{Image: image, ImagePullPolicy: p}
	}
	tests := []struct {
		name             string
		init, containers []corev1.Container
		wantInit, want   []corev1.PullPolicy
	}{{
		name:       "untagged image pulled by the first step only",
		containers: []corev1.Container{c("busybox", ""), c("busybox", ""), c("busybox", "")},
		want:       []corev1.PullPolicy{"", corev1.PullIfNotPresent, corev1.PullIfNotPresent},
	}, {
		name:       "explicit Always, and different images each pulled once",
		containers: []corev1.Container{c("a:latest", corev1.PullAlways), c("b", ""), c("a:latest", corev1.PullAlways), c("b", corev1.PullAlways)},
		want:       []corev1.PullPolicy{corev1.PullAlways, "", corev1.PullIfNotPresent, corev1.PullIfNotPresent},
	}, {
		name:       "tagged, digest and Never images are left alone",
		containers: []corev1.Container{c("a:1", ""), c("a:1", ""), c("a@sha256:00", ""), c("a@sha256:00", ""), c("b", corev1.PullNever), c("b", corev1.PullNever)},
		want:       []corev1.PullPolicy{"", "", "", "", corev1.PullNever, corev1.PullNever},
	}, {
		name:       "a sidecar's pull serves the steps after it",
		init:       []corev1.Container{c("busybox", "")},
		containers: []corev1.Container{c("busybox", ""), c("busybox", corev1.PullAlways)},
		wantInit:   []corev1.PullPolicy{""},
		want:       []corev1.PullPolicy{corev1.PullIfNotPresent, corev1.PullIfNotPresent},
	}, {
		name:       "same name, other tag is another image",
		containers: []corev1.Container{c("bash", ""), c("bash:latest", "")},
		want:       []corev1.PullPolicy{"", ""},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := &corev1.PodSpec{InitContainers: tt.init, Containers: tt.containers}
			pullOncePerImage(spec)
			for i, w := range tt.wantInit {
				if got := spec.InitContainers[i].ImagePullPolicy; got != w {
					t.Errorf("init container %d: policy %q, want %q", i, got, w)
				}
			}
			for i, w := range tt.want {
				if got := spec.Containers[i].ImagePullPolicy; got != w {
					t.Errorf("container %d: policy %q, want %q", i, got, w)
				}
			}
		})
	}
}
