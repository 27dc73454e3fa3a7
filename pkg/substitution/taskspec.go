package substitution

import (
	"sort"
	"strings"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
)

// ApplyToTaskSpec returns a deep copy of spec with v substituted wherever
// Tekton substitutes variables in a Task: steps, sidecars and the step
// template (image, command, args with array expansion, script, workingDir,
// env, envFrom, volumeMounts, onError, stdout/stderr paths), volumes and
// workspace mount paths.
func ApplyToTaskSpec(spec *v1.TaskSpec, v Values) *v1.TaskSpec {
	out := spec.DeepCopy()
	walkTaskSpec(out, v.String, v.Expand)
	return out
}

// Walk calls see on every string of spec where Tekton substitutes
// variables (the same places as ApplyToTaskSpec), in place.
func Walk(spec *v1.TaskSpec, see func(string) string) {
	walkTaskSpec(spec, see, func(in []string) []string {
		for i, s := range in {
			in[i] = see(s)
		}
		return in
	})
}

// UsedWorkspaces are the workspace names spec refers to ($(workspaces.<w>.…)).
func UsedWorkspaces(spec *v1.TaskSpec) map[string]bool {
	used := map[string]bool{}
	Walk(spec.DeepCopy(), func(s string) string {
		for _, ref := range References(s) {
			if rest, ok := strings.CutPrefix(ref, "workspaces."); ok {
				if name, _, ok := strings.Cut(rest, "."); ok {
					used[name] = true
				}
			}
		}
		return s
	})
	return used
}

// PropagateWorkspaces declares in an embedded spec each workspace that the
// run binds and the spec uses without declaring, as Tekton does for
// embedded specs ("propagated workspaces"). It returns spec itself when
// nothing is missing, else a copy.
func PropagateWorkspaces(spec *v1.TaskSpec, bound []v1.WorkspaceBinding) *v1.TaskSpec {
	if len(bound) == 0 {
		return spec
	}
	declared := map[string]bool{}
	for _, w := range spec.Workspaces {
		declared[w.Name] = true
	}
	used := UsedWorkspaces(spec)
	out := spec
	for _, b := range bound {
		if used[b.Name] && !declared[b.Name] {
			if out == spec {
				out = spec.DeepCopy()
			}
			out.Workspaces = append(out.Workspaces, v1.WorkspaceDeclaration{Name: b.Name})
		}
	}
	return out
}

// knownPrefixes are the variable families that TaskRunValues provides; a
// leftover reference with one of them after substitution is an error.
var knownPrefixes = []string{"params.", "context.", "workspaces.", "results.", "credentials."}

// Unresolved returns the sorted, unique variable references in spec (as
// normalized names, e.g. "params.missing") that belong to a family
// TaskRunValues provides but were left unresolved. Call it on the output of
// ApplyToTaskSpec; other references (step results, the kubelet's $(VAR)
// env expansion) are not reported.
func Unresolved(spec *v1.TaskSpec) []string {
	seen := map[string]bool{}
	collect := func(s string) string {
		for _, ref := range References(s) {
			for _, p := range knownPrefixes {
				if strings.HasPrefix(ref, p) || ref+"." == p {
					seen[ref] = true
				}
			}
		}
		return s
	}
	Walk(spec.DeepCopy(), collect)
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

type strFn func(string) string
type strsFn func([]string) []string

// walkTaskSpec rewrites, in place, every field of spec that takes variables.
func walkTaskSpec(spec *v1.TaskSpec, s strFn, a strsFn) {
	for i := range spec.Steps {
		walkStep(&spec.Steps[i], s, a)
	}
	for i := range spec.Sidecars {
		walkSidecar(&spec.Sidecars[i], s, a)
	}
	if t := spec.StepTemplate; t != nil {
		t.Image = s(t.Image)
		t.Command = a(t.Command)
		t.Args = a(t.Args)
		t.WorkingDir = s(t.WorkingDir)
		walkEnv(t.Env, t.EnvFrom, s)
		walkMounts(t.VolumeMounts, s)
	}
	for i := range spec.Volumes {
		walkVolume(&spec.Volumes[i], s)
	}
	for i := range spec.Workspaces {
		spec.Workspaces[i].MountPath = s(spec.Workspaces[i].MountPath)
	}
}

func walkStep(st *v1.Step, s strFn, a strsFn) {
	st.Image = s(st.Image)
	st.Command = a(st.Command)
	st.Args = a(st.Args)
	st.Script = s(st.Script)
	st.WorkingDir = s(st.WorkingDir)
	st.OnError = v1.OnErrorType(s(string(st.OnError)))
	walkEnv(st.Env, st.EnvFrom, s)
	walkMounts(st.VolumeMounts, s)
	if st.StdoutConfig != nil {
		st.StdoutConfig.Path = s(st.StdoutConfig.Path)
	}
	if st.StderrConfig != nil {
		st.StderrConfig.Path = s(st.StderrConfig.Path)
	}
	for i := range st.When {
		w := &st.When[i]
		w.Input, w.Values, w.CEL = s(w.Input), a(w.Values), s(w.CEL)
	}
	// A StepAction ref's params take the Task's values ($(params.x)).
	for i := range st.Params {
		pv := &st.Params[i].Value
		pv.StringVal = s(pv.StringVal)
		pv.ArrayVal = a(pv.ArrayVal)
		for k, v := range pv.ObjectVal {
			pv.ObjectVal[k] = s(v)
		}
	}
}

func walkSidecar(sc *v1.Sidecar, s strFn, a strsFn) {
	sc.Image = s(sc.Image)
	sc.Command = a(sc.Command)
	sc.Args = a(sc.Args)
	sc.Script = s(sc.Script)
	sc.WorkingDir = s(sc.WorkingDir)
	walkEnv(sc.Env, sc.EnvFrom, s)
	walkMounts(sc.VolumeMounts, s)
}

func walkEnv(env []corev1.EnvVar, from []corev1.EnvFromSource, s strFn) {
	for i := range env {
		e := &env[i]
		e.Value = s(e.Value)
		if e.ValueFrom == nil {
			continue
		}
		if r := e.ValueFrom.SecretKeyRef; r != nil {
			r.Name, r.Key = s(r.Name), s(r.Key)
		}
		if r := e.ValueFrom.ConfigMapKeyRef; r != nil {
			r.Name, r.Key = s(r.Name), s(r.Key)
		}
	}
	for i := range from {
		f := &from[i]
		f.Prefix = s(f.Prefix)
		if f.ConfigMapRef != nil {
			f.ConfigMapRef.Name = s(f.ConfigMapRef.Name)
		}
		if f.SecretRef != nil {
			f.SecretRef.Name = s(f.SecretRef.Name)
		}
	}
}

func walkMounts(ms []corev1.VolumeMount, s strFn) {
	for i := range ms {
		m := &ms[i]
		m.Name, m.MountPath, m.SubPath = s(m.Name), s(m.MountPath), s(m.SubPath)
	}
}

func walkVolume(vol *corev1.Volume, s strFn) {
	vol.Name = s(vol.Name)
	src := &vol.VolumeSource
	if c := src.ConfigMap; c != nil {
		c.Name = s(c.Name)
		walkItems(c.Items, s)
	}
	if c := src.Secret; c != nil {
		c.SecretName = s(c.SecretName)
		walkItems(c.Items, s)
	}
	if c := src.PersistentVolumeClaim; c != nil {
		c.ClaimName = s(c.ClaimName)
	}
	if c := src.HostPath; c != nil {
		c.Path = s(c.Path)
	}
	if c := src.CSI; c != nil {
		c.Driver = s(c.Driver)
		for k, val := range c.VolumeAttributes {
			c.VolumeAttributes[k] = s(val)
		}
		if c.NodePublishSecretRef != nil {
			c.NodePublishSecretRef.Name = s(c.NodePublishSecretRef.Name)
		}
	}
	if c := src.Projected; c != nil {
		for i := range c.Sources {
			walkProjection(&c.Sources[i], s)
		}
	}
}

func walkProjection(p *corev1.VolumeProjection, s strFn) {
	if c := p.ConfigMap; c != nil {
		c.Name = s(c.Name)
		walkItems(c.Items, s)
	}
	if c := p.Secret; c != nil {
		c.Name = s(c.Name)
		walkItems(c.Items, s)
	}
	if c := p.ServiceAccountToken; c != nil {
		c.Audience, c.Path = s(c.Audience), s(c.Path)
	}
}

func walkItems(items []corev1.KeyToPath, s strFn) {
	for i := range items {
		items[i].Key, items[i].Path = s(items[i].Key), s(items[i].Path)
	}
}
