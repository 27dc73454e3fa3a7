package resources

import (
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/slipway-ci/slipway/pkg/entrypoint"
)

// sidecarScriptMounts are mounted in a sidecar that runs a script.
var sidecarScriptMounts = []corev1.VolumeMount{
	{Name: volBin, MountPath: entrypoint.BinDir, ReadOnly: true},
	{Name: volScripts, MountPath: entrypoint.ScriptsDir},
}

// addSidecars adds the Task's sidecars as native sidecars (D2): init
// containers with restartPolicy Always, started before the steps.
func (b *builder) addSidecars() error {
	ov, used := sidecarSpecs(b.in.TaskRun), map[string]bool{}
	for i := range b.in.Spec.Sidecars {
		sc := &b.in.Spec.Sidecars[i]
		c, err := b.sidecarContainer(sc)
		if err != nil {
			return fmt.Errorf("sidecar %q: %w", sc.Name, err)
		}
		applyOverride(ov, used, sc.Name, &c)
		b.pod.Spec.InitContainers = append(b.pod.Spec.InitContainers, c)
	}
	return checkOverridesUsed(ov, used, "sidecarSpecs")
}

func (b *builder) sidecarContainer(sc *v1.Sidecar) (corev1.Container, error) {
	switch {
	case sc.RestartPolicy != nil && *sc.RestartPolicy != corev1.ContainerRestartPolicyAlways:
		return corev1.Container{}, fmt.Errorf("restartPolicy %q: sidecars always run as native sidecars (Always)", *sc.RestartPolicy)
	case sc.Script != "" && len(sc.Command) > 0:
		return corev1.Container{}, fmt.Errorf("script and command cannot both be set")
	case sc.Image == "":
		return corev1.Container{}, fmt.Errorf("no image")
	}
	c := *sc.DeepCopy().ToK8sContainer()
	always := corev1.ContainerRestartPolicyAlways
	c.Name = SidecarPrefix + sc.Name
	c.RestartPolicy = &always
	if c.StartupProbe == nil && c.ReadinessProbe != nil {
		// The kubelet holds the steps back until the startup probe passes,
		// which is "step 0 waits for the sidecars" (D2).
		c.StartupProbe = c.ReadinessProbe.DeepCopy()
		c.StartupProbe.SuccessThreshold = 1
	}
	var internal []corev1.VolumeMount
	if sc.Script != "" {
		opts := entrypoint.Options{Step: c.Name, Script: sc.Script, Command: c.Args}
		c.Command = []string{entrypoint.BinPath}
		c.Args = opts.Args()
		internal = sidecarScriptMounts
	}
	c.Env = mergeEnv(c.Env, b.templateEnv())
	c.VolumeMounts = b.mounts(internal, c.VolumeMounts, sc.Workspaces)
	return c, nil
}
