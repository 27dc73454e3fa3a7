package resources

import (
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// builder accumulates one Pod. It lives for a single MakePod call.
type builder struct {
	in  PodInput
	pod *corev1.Pod
	// volumes are the names of the pod's volumes, to catch clashes.
	volumes map[string]bool
	// wsMounts mount the bound workspaces, in every step and sidecar,
	// except the isolated ones; wsNames are their workspaces' names.
	wsMounts []corev1.VolumeMount
	wsNames  []string
	// isolated are the workspaces some step or sidecar names in its own
	// workspaces: only those get them (Tekton's isolated workspaces).
	isolated map[string]bool
	// credMounts mount ServiceAccount credentials in every step (D8).
	credMounts []corev1.VolumeMount
	// results are the Task's result names, given to every step's shim.
	results []string
	// stepsDir: the Task uses /tekton/steps (exit code files, step
	// results), so every step mounts it and records its exit code there.
	stepsDir bool
	// termBudget is each step's share of the pod's termination messages,
	// set by addSteps.
	termBudget int
}

func newBuilder(in PodInput) *builder {
	results := make([]string, len(in.Spec.Results))
	for i, r := range in.Spec.Results {
		results[i] = r.Name
	}
	return &builder{in: in, volumes: map[string]bool{}, results: results, stepsDir: usesStepsDir(in.Spec), isolated: isolatedWorkspaces(in.Spec)}
}

func (b *builder) build() error {
	tr, cfg := b.in.TaskRun, b.in.Config
	sa := tr.Spec.ServiceAccountName
	if sa == "" {
		sa = cfg.DefaultServiceAccount
	}
	b.pod = &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: objectMeta(tr, b.in.Retry),
		Spec: corev1.PodSpec{
			ServiceAccountName:    sa,
			RestartPolicy:         corev1.RestartPolicyNever,
			ActiveDeadlineSeconds: activeDeadline(tr, cfg),
		},
	}
	for _, step := range []func() error{
		b.addInternalVolumes,
		b.addCredentials,
		b.addWorkspaces,
		b.addTaskVolumes,
		b.addPodTemplate,
		b.addPrepare,
		b.addSidecars,
		b.addRelease,
		b.addDebug,
		b.addSteps,
		b.checkMounts,
	} {
		if err := step(); err != nil {
			return err
		}
	}
	pullOncePerImage(&b.pod.Spec)
	return nil
}

func (b *builder) addVolume(v corev1.Volume, from string) error {
	if b.volumes[v.Name] {
		return fmt.Errorf("%s: volume name %q is used twice", from, v.Name)
	}
	b.volumes[v.Name] = true
	b.pod.Spec.Volumes = append(b.pod.Spec.Volumes, v)
	return nil
}

func (b *builder) addTaskVolumes() error {
	for _, v := range b.in.Spec.Volumes {
		if err := b.addVolume(*v.DeepCopy(), "Task volumes"); err != nil {
			return err
		}
	}
	return nil
}

// overrides indexes the TaskRun's stepSpecs or sidecarSpecs by name.
func overrides[T any](items []T, name func(T) string, res func(T) corev1.ResourceRequirements) map[string]corev1.ResourceRequirements {
	if len(items) == 0 {
		return nil
	}
	m := make(map[string]corev1.ResourceRequirements, len(items))
	for _, it := range items {
		m[name(it)] = res(it)
	}
	return m
}

func stepSpecs(tr *v1.TaskRun) map[string]corev1.ResourceRequirements {
	return overrides(tr.Spec.StepSpecs,
		func(s v1.TaskRunStepSpec) string { return s.Name },
		func(s v1.TaskRunStepSpec) corev1.ResourceRequirements { return s.ComputeResources })
}

func sidecarSpecs(tr *v1.TaskRun) map[string]corev1.ResourceRequirements {
	return overrides(tr.Spec.SidecarSpecs,
		func(s v1.TaskRunSidecarSpec) string { return s.Name },
		func(s v1.TaskRunSidecarSpec) corev1.ResourceRequirements { return s.ComputeResources })
}

// applyOverride sets a container's resources from stepSpecs/sidecarSpecs
// and records that the override was used.
func applyOverride(ov map[string]corev1.ResourceRequirements, used map[string]bool, name string, c *corev1.Container) {
	if r, ok := ov[name]; ok {
		c.Resources = *r.DeepCopy()
		used[name] = true
	}
}

func checkOverridesUsed(ov map[string]corev1.ResourceRequirements, used map[string]bool, field string) error {
	for name := range ov {
		if !used[name] {
			return fmt.Errorf("TaskRun spec.%s names %q, which is not in the Task", field, name)
		}
	}
	return nil
}
