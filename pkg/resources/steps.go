package resources

import (
	"fmt"
	"strconv"
	"strings"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/slipway-ci/slipway/pkg/entrypoint"
	"github.com/slipway-ci/slipway/pkg/substitution"
)

// StepName is the name of step i as the entrypoint and the status report
// it: its own name, or "unnamed-<i>".
func StepName(i int, st *v1.Step) string { return substitution.StepName(i, st) }

// StepDir is step i's directory under /tekton/steps, named after its
// container as in Tekton: $(steps.step-<name>.exitCode.path) is its
// exitCode file.
func StepDir(i int, st *v1.Step) string { return substitution.StepDir(i, st) }

// usesStepsDir reports whether any step or sidecar refers to /tekton/steps
// (after substitution, $(steps.<step>.exitCode.path) is such a path) or to
// a step's results ($(steps.<step>.results.<r>), resolved by the shim), or
// a step declares results. Only then does the pod get the volume: most pods
// do not need it, and every volume costs the API server and the kubelet.
func usesStepsDir(spec *v1.TaskSpec) bool {
	var found bool
	see := func(s string) {
		found = found || strings.Contains(s, entrypoint.StepsDir) || strings.Contains(s, "$(steps.")
	}
	for i := range spec.Steps {
		st := &spec.Steps[i]
		found = found || len(st.Results) > 0
		walkText(st.Script, st.Command, st.Args, st.Env, st.WorkingDir, see)
	}
	for i := range spec.Sidecars {
		sc := &spec.Sidecars[i]
		walkText(sc.Script, sc.Command, sc.Args, sc.Env, sc.WorkingDir, see)
	}
	if t := spec.StepTemplate; t != nil {
		walkText("", t.Command, t.Args, t.Env, t.WorkingDir, see)
	}
	return found
}

func walkText(script string, command, args []string, env []corev1.EnvVar, dir string, see func(string)) {
	see(script)
	see(dir)
	for _, s := range command {
		see(s)
	}
	for _, s := range args {
		see(s)
	}
	for _, e := range env {
		see(e.Value)
	}
}

// terminationBudget is what each of a pod's containers may put in its
// termination message: the kubelet cuts every one to an equal share of
// MaxPodTerminationBytes (at most MaxTerminationBytes each), so results in
// a pod of more than three containers would be cut short without it (D22).
func terminationBudget(containers int) int {
	return min(entrypoint.MaxTerminationBytes, entrypoint.MaxPodTerminationBytes/max(containers, 1))
}

// postFile is where step i posts that it is done (D1).
func postFile(i int) string {
	return entrypoint.RunDir + "/" + strconv.Itoa(i) + "/out"
}

func (b *builder) addSteps() error {
	if len(b.in.Spec.Steps) == 0 {
		return fmt.Errorf("the Task has no steps")
	}
	ov, used := stepSpecs(b.in.TaskRun), map[string]bool{}
	b.termBudget = terminationBudget(len(b.pod.Spec.InitContainers) + len(b.pod.Spec.Containers) + len(b.in.Spec.Steps))
	for i := range b.in.Spec.Steps {
		c, err := b.stepContainer(i, &b.in.Spec.Steps[i])
		if err != nil {
			return fmt.Errorf("step %q: %w", StepName(i, &b.in.Spec.Steps[i]), err)
		}
		applyOverride(ov, used, b.in.Spec.Steps[i].Name, &c)
		b.pod.Spec.Containers = append(b.pod.Spec.Containers, c)
	}
	return checkOverridesUsed(ov, used, "stepSpecs")
}

func (b *builder) stepContainer(i int, st *v1.Step) (corev1.Container, error) {
	if err := checkStep(st); err != nil {
		return corev1.Container{}, err
	}
	name := StepName(i, st)
	c := mergeStepTemplate(b.in.Spec.StepTemplate, st)
	if c.Image == "" {
		return c, fmt.Errorf("no image (set the step's image or the stepTemplate's)")
	}
	cmd, err := b.command(st.Script, &c)
	if err != nil {
		return c, err
	}
	opts := b.stepOptions(i, st, name, cmd)
	c.Name = StepPrefix + name
	c.Command = []string{entrypoint.BinPath}
	c.Args = opts.Args()
	if c.WorkingDir == "" {
		c.WorkingDir = entrypoint.WorkspaceDir
	}
	c.Env = withHome(mergeEnv(c.Env, b.templateEnv()))
	c.VolumeMounts = b.mounts(b.stepInternalMounts(), c.VolumeMounts, st.Workspaces)
	c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
	return c, nil
}

// stepOptions is what step i's shim is told.
func (b *builder) stepOptions(i int, st *v1.Step, name string, cmd []string) entrypoint.Options {
	opts := entrypoint.Options{
		Step:     name,
		PostFile: postFile(i),
		Results:  b.results,
		OnError:  string(st.OnError),
		Script:   st.Script,
		Command:  cmd,
		Stdout:   outputPath(st.StdoutConfig),
		Stderr:   outputPath(st.StderrConfig),

		Credentials: b.stepCredentials(),
		ReleaseFile: b.stepRelease(),
	}
	if n := b.in.Config.MaxResultBytes; n != entrypoint.DefaultMaxResultBytes && (len(b.results) > 0 || len(st.Results) > 0) {
		opts.MaxResultBytes = n
	}
	if b.termBudget < entrypoint.MaxTerminationBytes {
		opts.TerminationBudget = b.termBudget
	}
	if i > 0 {
		opts.WaitFile = postFile(i - 1)
	}
	if b.stepsDir {
		opts.StepDir = StepDir(i, st)
		for _, r := range st.Results {
			opts.StepResults = append(opts.StepResults, r.Name)
		}
	}
	if st.Timeout != nil {
		opts.Timeout = st.Timeout.Duration
	}
	opts.BreakOnFailure, opts.BreakBefore = stepBreakpoints(b.in.TaskRun, st.Name)
	for _, w := range st.When {
		opts.When = append(opts.When, entrypoint.When{Input: w.Input, Operator: string(w.Operator), Values: w.Values, CEL: w.CEL})
	}
	return opts
}

func outputPath(c *v1.StepOutputConfig) string {
	if c == nil {
		return ""
	}
	return c.Path
}

// checkStep rejects step fields that Slipway does not implement yet.
func checkStep(st *v1.Step) error {
	switch {
	case st.Ref != nil || len(st.Params) > 0:
		// The TaskRun reconciler inlines StepActions before MakePod.
		return fmt.Errorf("ref: the StepAction was not inlined")
	case st.Script != "" && len(st.Command) > 0:
		return fmt.Errorf("script and command cannot both be set")
	}
	return nil
}

// command is what the shim runs: the step's command and args; for a script
// its args; else the image's ENTRYPOINT with the args or the image's CMD,
// and for an image without ENTRYPOINT its CMD with the args (as Tekton's
// entrypoint lookup does: busybox's CMD is ["sh"]).
func (b *builder) command(script string, c *corev1.Container) ([]string, error) {
	if script != "" {
		return c.Args, nil
	}
	if len(c.Command) > 0 {
		return append(append([]string{}, c.Command...), c.Args...), nil
	}
	img, ok := b.in.Images[c.Image]
	if !ok {
		return nil, fmt.Errorf("no command, and the ENTRYPOINT/CMD of image %q was not resolved", c.Image)
	}
	ep, rest := img.Entrypoint, img.Cmd
	if len(c.Args) > 0 {
		rest = c.Args
		if len(ep) == 0 {
			ep = img.Cmd
		}
	}
	cmd := append(append([]string{}, ep...), rest...)
	if len(cmd) == 0 {
		return nil, fmt.Errorf("no command, and image %q has neither ENTRYPOINT nor CMD", c.Image)
	}
	return cmd, nil
}

// templateEnv is the podTemplate's env, which wins over the steps' (as in
// Tekton).
func (b *builder) templateEnv() []corev1.EnvVar {
	if t := b.in.TaskRun.Spec.PodTemplate; t != nil {
		return t.Env
	}
	return nil
}

// mounts returns the internal mounts, then the workspaces', then the
// container's own. A mount of the container's own at the path of an
// internal or workspace mount replaces it, as in Tekton (a user's volume
// at /tekton/home or /workspace wins).
func (b *builder) mounts(internal, own []corev1.VolumeMount, usage []v1.WorkspaceUsage) []corev1.VolumeMount {
	taken := make(map[string]bool, len(own))
	for _, m := range own {
		taken[m.MountPath] = true
	}
	out := make([]corev1.VolumeMount, 0, len(internal)+len(b.wsMounts)+len(own))
	for _, set := range [][]corev1.VolumeMount{internal, b.workspaceMounts(usage)} {
		for _, m := range set {
			if !taken[m.MountPath] || keepMount(m.MountPath) {
				out = append(out, m)
			}
		}
	}
	return append(out, own...)
}

// workspaceMounts are the workspace mounts of a step or sidecar that names
// usage in its own workspaces: every workspace no step or sidecar isolates,
// and those it names, at the mountPath it gives if any. An optional
// workspace left unbound is not mounted.
func (b *builder) workspaceMounts(usage []v1.WorkspaceUsage) []corev1.VolumeMount {
	if len(b.isolated) == 0 {
		return b.wsMounts
	}
	out := make([]corev1.VolumeMount, 0, len(b.wsMounts))
	for i, m := range b.wsMounts {
		if !b.isolated[b.wsNames[i]] {
			out = append(out, m)
			continue
		}
		for _, u := range usage {
			if u.Name == b.wsNames[i] {
				if u.MountPath != "" {
					m.MountPath = u.MountPath
				}
				out = append(out, m)
			}
		}
	}
	return out
}

// isolatedWorkspaces are the workspaces some step or sidecar names.
func isolatedWorkspaces(spec *v1.TaskSpec) map[string]bool {
	var out map[string]bool
	add := func(us []v1.WorkspaceUsage) {
		for _, u := range us {
			if out == nil {
				out = map[string]bool{}
			}
			out[u.Name] = true
		}
	}
	for i := range spec.Steps {
		add(spec.Steps[i].Workspaces)
	}
	for i := range spec.Sidecars {
		add(spec.Sidecars[i].Workspaces)
	}
	return out
}

// keepMount: Slipway's own paths and the credentials are never given up
// to a user's mount (the shim writes there); a clash stays an error.
func keepMount(path string) bool {
	return strings.HasPrefix(path, "/slipway/") || strings.HasPrefix(path, entrypoint.CredsDir)
}

func withHome(env []corev1.EnvVar) []corev1.EnvVar {
	for _, e := range env {
		if e.Name == "HOME" {
			return env
		}
	}
	return append(env, corev1.EnvVar{Name: "HOME", Value: entrypoint.HomeDir})
}
