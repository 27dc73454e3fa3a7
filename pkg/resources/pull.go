package resources

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// pullOncePerImage lets each image be pulled at most once per pod (D9).
// The kubelet pulls for every container whose policy is Always (set, or
// the API server's default for an untagged or ":latest" image), one
// container after another. A 20-step Task of "busybox" steps thus makes
// 20 registry round trips, and past the kubelet's registryBurst (10 by
// default) its registryPullQPS limit (5/s) fails the pulls with "pull QPS
// exceeded" and backs the pod off for about 10 s. The pod's containers
// start in order on one node, so the first pull of an image already
// fetched what the tag names now: later containers of that image get
// IfNotPresent and start from it. Init containers come first, as the
// kubelet starts them first.
func pullOncePerImage(spec *corev1.PodSpec) {
	pulled := map[string]bool{}
	visit := func(c *corev1.Container) {
		if effectivePullPolicy(c) != corev1.PullAlways {
			return
		}
		if pulled[c.Image] {
			c.ImagePullPolicy = corev1.PullIfNotPresent
			return
		}
		pulled[c.Image] = true
	}
	for i := range spec.InitContainers {
		visit(&spec.InitContainers[i])
	}
	for i := range spec.Containers {
		visit(&spec.Containers[i])
	}
}

// effectivePullPolicy is c's pull policy as the API server defaults it:
// Always for an image without a tag or digest or tagged "latest", else
// IfNotPresent.
func effectivePullPolicy(c *corev1.Container) corev1.PullPolicy {
	if c.ImagePullPolicy != "" {
		return c.ImagePullPolicy
	}
	if imageTag(c.Image) == "latest" {
		return corev1.PullAlways
	}
	return corev1.PullIfNotPresent
}

// imageTag returns ref's tag: "latest" when it has neither a tag nor a
// digest, "" when it is pinned by digest.
func imageTag(ref string) string {
	if strings.Contains(ref, "@") {
		return ""
	}
	name := ref[strings.LastIndex(ref, "/")+1:]
	if i := strings.LastIndex(name, ":"); i >= 0 {
		return name[i+1:]
	}
	return "latest"
}
