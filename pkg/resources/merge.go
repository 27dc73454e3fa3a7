package resources

import (
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
)

// mergeStepTemplate returns the step as a container (a deep copy), with
// the template filling what the step leaves empty: scalars and lists when
// unset, env by name, volumeMounts by mountPath, volumeDevices by
// devicePath, resources by resource name, securityContext as a whole.
func mergeStepTemplate(t *v1.StepTemplate, st *v1.Step) corev1.Container {
	c := *st.DeepCopy().ToK8sContainer()
	if t == nil {
		return c
	}
	tc := *t.DeepCopy().ToK8sContainer()
	if c.Image == "" {
		c.Image = tc.Image
	}
	if len(c.Command) == 0 {
		c.Command = tc.Command
	}
	if len(c.Args) == 0 {
		c.Args = tc.Args
	}
	if c.WorkingDir == "" {
		c.WorkingDir = tc.WorkingDir
	}
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = tc.ImagePullPolicy
	}
	if c.SecurityContext == nil {
		c.SecurityContext = tc.SecurityContext
	}
	c.EnvFrom = append(tc.EnvFrom, c.EnvFrom...)
	c.Env = mergeEnv(tc.Env, c.Env)
	c.VolumeMounts = mergeBy(tc.VolumeMounts, c.VolumeMounts, func(m corev1.VolumeMount) string { return m.MountPath })
	c.VolumeDevices = mergeBy(tc.VolumeDevices, c.VolumeDevices, func(d corev1.VolumeDevice) string { return d.DevicePath })
	c.Resources.Requests = mergeList(tc.Resources.Requests, c.Resources.Requests)
	c.Resources.Limits = mergeList(tc.Resources.Limits, c.Resources.Limits)
	if len(c.Resources.Claims) == 0 {
		c.Resources.Claims = tc.Resources.Claims
	}
	return c
}

// mergeEnv returns base with over's variables replacing those of the same
// name, and over's new ones appended.
func mergeEnv(base, over []corev1.EnvVar) []corev1.EnvVar {
	return mergeBy(base, over, func(e corev1.EnvVar) string { return e.Name })
}

// mergeBy merges two lists by key: an item of over replaces the base item
// with its key in place; new ones follow in their order.
func mergeBy[T any](base, over []T, key func(T) string) []T {
	if len(base) == 0 {
		return over
	}
	if len(over) == 0 {
		return base
	}
	out := append(make([]T, 0, len(base)+len(over)), base...)
	at := make(map[string]int, len(base))
	for i, it := range base {
		at[key(it)] = i
	}
	for _, it := range over {
		if i, ok := at[key(it)]; ok {
			out[i] = it
			continue
		}
		at[key(it)] = len(out)
		out = append(out, it)
	}
	return out
}

func mergeList(base, over corev1.ResourceList) corev1.ResourceList {
	if len(base) == 0 {
		return over
	}
	out := make(corev1.ResourceList, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}
