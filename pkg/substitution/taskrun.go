package substitution

import (
	"strconv"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"github.com/slipway-ci/slipway/pkg/entrypoint"
)

// CredentialsPath is the value of $(credentials.path) (Tekton's path).
const CredentialsPath = "/tekton/creds"

// TaskRunOptions carries what TaskRunValues cannot read from the TaskRun.
type TaskRunOptions struct {
	// Retry is the attempt number: 0 for the first, N for the Nth retry.
	Retry int
	// VolumeName names the pod volume of a workspace, for
	// $(workspaces.<n>.volume). Nil means "ws-<n>".
	VolumeName func(workspace string) string
	// ClaimName names the PVC created for a volumeClaimTemplate binding, for
	// $(workspaces.<n>.claim). Nil leaves such claims empty.
	ClaimName func(tr *v1.TaskRun, b v1.WorkspaceBinding) string
}

// TaskRunValues collects the values a TaskRun provides to its Task: params
// (TaskRun params over the Task's defaults), context, workspaces, results
// and credentials.
func TaskRunValues(spec *v1.TaskSpec, tr *v1.TaskRun, opts TaskRunOptions) Values {
	v := NewValues()
	addParams(v, spec.Params, tr.Spec.Params)
	taskName := tr.Name
	if tr.Spec.TaskRef != nil && tr.Spec.TaskRef.Name != "" {
		taskName = tr.Spec.TaskRef.Name
	}
	v.Strings["context.taskRun.name"] = tr.Name
	v.Strings["context.taskRun.namespace"] = tr.Namespace
	v.Strings["context.taskRun.uid"] = string(tr.UID)
	v.Strings["context.task.name"] = taskName
	v.Strings["context.task.retry-count"] = strconv.Itoa(opts.Retry)
	v.Strings["credentials.path"] = CredentialsPath
	for _, r := range spec.Results {
		v.Strings["results."+r.Name+".path"] = entrypoint.ResultsDir + "/" + r.Name
	}
	for i := range spec.Steps {
		st := &spec.Steps[i]
		v.Strings["steps.step-"+StepName(i, st)+".exitCode.path"] = StepDir(i, st) + "/exitCode"
	}
	addWorkspaces(v, spec.Workspaces, tr, opts)
	return v
}

// StepName is the name of step i as the entrypoint and the status report
// it: its own name, or "unnamed-<i>".
func StepName(i int, st *v1.Step) string {
	if st.Name != "" {
		return st.Name
	}
	return "unnamed-" + strconv.Itoa(i)
}

// StepDir is step i's directory under /tekton/steps, named after its
// container ("step-<name>") as in Tekton.
func StepDir(i int, st *v1.Step) string {
	return entrypoint.StepsDir + "/step-" + StepName(i, st)
}

// addParams adds declared defaults, then the run's values over them.
// Object values merge key by key.
func addParams(v Values, decl v1.ParamSpecs, given v1.Params) {
	for _, p := range decl {
		if p.Default != nil {
			addParam(v, p.Name, *p.Default)
		}
	}
	for _, p := range given {
		addParam(v, p.Name, p.Value)
	}
}

func addParam(v Values, name string, pv v1.ParamValue) {
	v.SetParam("params."+name, pv)
}

// SetParam stores a typed Tekton value under key: strings as strings,
// arrays as arrays, and objects merged key by key over what key held.
func (v Values) SetParam(key string, pv v1.ParamValue) {
	switch pv.Type {
	case v1.ParamTypeArray:
		v.Arrays[key] = pv.ArrayVal
	case v1.ParamTypeObject:
		m := make(map[string]string, len(pv.ObjectVal))
		for k, s := range v.Objects[key] {
			m[k] = s
		}
		for k, s := range pv.ObjectVal {
			m[k] = s
		}
		v.Objects[key] = m
	default:
		v.Strings[key] = pv.StringVal
	}
}

func addWorkspaces(v Values, decl []v1.WorkspaceDeclaration, tr *v1.TaskRun, opts TaskRunOptions) {
	bound := make(map[string]v1.WorkspaceBinding, len(tr.Spec.Workspaces))
	for _, b := range tr.Spec.Workspaces {
		bound[b.Name] = b
	}
	for _, w := range decl {
		pre := "workspaces." + w.Name + "."
		b, ok := bound[w.Name]
		if !ok {
			// Tekton: an unbound optional workspace has an empty path.
			v.Strings[pre+"bound"] = "false"
			v.Strings[pre+"path"] = ""
			v.Strings[pre+"claim"] = ""
			v.Strings[pre+"volume"] = ""
			continue
		}
		v.Strings[pre+"bound"] = "true"
		// A mountPath may itself use params.
		w.MountPath = v.String(w.MountPath)
		v.Strings[pre+"path"] = WorkspaceMountPath(w)
		v.Strings[pre+"volume"] = volumeName(opts, w.Name)
		claim := ""
		switch {
		case b.PersistentVolumeClaim != nil:
			claim = b.PersistentVolumeClaim.ClaimName
		case b.VolumeClaimTemplate != nil && opts.ClaimName != nil:
			claim = opts.ClaimName(tr, b)
		}
		v.Strings[pre+"claim"] = claim
	}
}

func volumeName(opts TaskRunOptions, ws string) string {
	if opts.VolumeName != nil {
		return opts.VolumeName(ws)
	}
	return "ws-" + ws
}

// WorkspaceMountPath is where a declared workspace is mounted: its
// mountPath, or /workspace/<name>.
func WorkspaceMountPath(w v1.WorkspaceDeclaration) string {
	if w.MountPath != "" {
		return w.MountPath
	}
	return entrypoint.WorkspaceDir + "/" + w.Name
}
