package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"golang.org/x/term"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/printers"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// startFlags are the flags of start, run and rerun.
type startFlags struct {
	params     []string
	workspaces []string
	sa         string
	showlog    bool
	dryRun     bool
	print      *genericclioptions.PrintFlags
}

func (f *startFlags) add(cmd *cobra.Command, withInputs bool) {
	if withInputs {
		cmd.Flags().StringArrayVarP(&f.params, "param", "p", nil, "a parameter, name=value (name=a,b for an array)")
		cmd.Flags().StringArrayVarP(&f.workspaces, "workspace", "w", nil,
			"a workspace: name=ws,emptyDir= | claimName=pvc | config=cm | secret=s")
		cmd.Flags().StringVar(&f.sa, "serviceaccount", "", "the run's ServiceAccount")
	}
	cmd.Flags().BoolVar(&f.showlog, "showlog", false, "follow the run's logs; the exit code is the run's")
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "print the run instead of creating it")
	f.print = genericclioptions.NewPrintFlags("created")
	f.print.AddFlags(cmd)
}

func (e *env) startCmd() *cobra.Command {
	f := &startFlags{}
	cmd := &cobra.Command{
		Use:       "start task|pipeline NAME",
		Short:     "Start a TaskRun of a Task or a PipelineRun of a Pipeline",
		Args:      cobra.ExactArgs(2),
		ValidArgs: []string{"task", "pipeline"},
		RunE: func(cmd *cobra.Command, args []string) error {
			obj, err := newRun(args[0], args[1], f)
			if err != nil {
				return err
			}
			return e.create(cmd.Context(), obj, f)
		},
	}
	f.add(cmd, true)
	return cmd
}

// newRun builds the run that start creates.
func newRun(kind, name string, f *startFlags) (client.Object, error) {
	params, err := parseParams(f.params)
	if err != nil {
		return nil, err
	}
	ws, err := parseWorkspaces(f.workspaces)
	if err != nil {
		return nil, err
	}
	meta := metav1.ObjectMeta{GenerateName: name + "-run-"}
	switch kind {
	case "task", "tasks":
		return &v1.TaskRun{
			TypeMeta:   metav1.TypeMeta{APIVersion: "tekton.dev/v1", Kind: "TaskRun"},
			ObjectMeta: meta,
			Spec: v1.TaskRunSpec{TaskRef: &v1.TaskRef{Name: name}, Params: params, Workspaces: ws,
				ServiceAccountName: f.sa},
		}, nil
	case "pipeline", "pipelines":
		pr := &v1.PipelineRun{
			TypeMeta:   metav1.TypeMeta{APIVersion: "tekton.dev/v1", Kind: "PipelineRun"},
			ObjectMeta: meta,
			Spec:       v1.PipelineRunSpec{PipelineRef: &v1.PipelineRef{Name: name}, Params: params, Workspaces: ws},
		}
		if f.sa != "" {
			pr.Spec.TaskRunTemplate.ServiceAccountName = f.sa
		}
		return pr, nil
	}
	return nil, fmt.Errorf("start %s: say task or pipeline", kind)
}

// parseParams reads name=value; a value with commas is an array.
func parseParams(in []string) (v1.Params, error) {
	var out v1.Params
	for _, p := range in {
		name, value, ok := strings.Cut(p, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("parameter %q: want name=value", p)
		}
		v := *v1.NewStructuredValues(value)
		if strings.Contains(value, ",") {
			v = *v1.NewStructuredValues(strings.Split(value, ",")[0], strings.Split(value, ",")[1:]...)
		}
		out = append(out, v1.Param{Name: name, Value: v})
	}
	return out, nil
}

// parseWorkspaces reads tkn's name=ws,emptyDir= form.
func parseWorkspaces(in []string) ([]v1.WorkspaceBinding, error) {
	var out []v1.WorkspaceBinding
	for _, w := range in {
		b := v1.WorkspaceBinding{}
		for _, kv := range strings.Split(w, ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "name":
				b.Name = v
			case "emptyDir":
				b.EmptyDir = &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMedium(v)}
			case "claimName":
				b.PersistentVolumeClaim = &corev1.PersistentVolumeClaimVolumeSource{ClaimName: v}
			case "config":
				b.ConfigMap = &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: v}}
			case "secret":
				b.Secret = &corev1.SecretVolumeSource{SecretName: v}
			case "subPath":
				b.SubPath = v
			default:
				return nil, fmt.Errorf("workspace %q: unknown key %q (name, emptyDir, claimName, config, secret, subPath)", w, k)
			}
		}
		if b.Name == "" {
			return nil, fmt.Errorf("workspace %q: name= is required", w)
		}
		out = append(out, b)
	}
	return out, nil
}

// create creates obj (or prints it with --dry-run) and, with --showlog,
// follows it to its end.
func (e *env) create(ctx context.Context, obj client.Object, f *startFlags) error {
	if f.dryRun {
		return e.dryRun(obj)
	}
	c, ns, err := e.scoped()
	if err != nil {
		return err
	}
	obj.SetNamespace(ns)
	if err := c.Create(ctx, obj); err != nil {
		return err
	}
	if err := e.print(obj, f.print); err != nil {
		return err
	}
	if !f.showlog {
		return nil
	}
	t := target{}
	switch o := obj.(type) {
	case *v1.PipelineRun:
		t.pr = o
	case *v1.TaskRun:
		t.tr = o
	default:
		return errors.New("--showlog follows TaskRuns and PipelineRuns only")
	}
	return e.showLogs(ctx, t, true)
}

// dryRun prints the run that would be created, without its empty status.
func (e *env) dryRun(obj client.Object) error {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return err
	}
	delete(u, "status")
	b, err := yaml.Marshal(u)
	if err != nil {
		return err
	}
	_, err = e.Out.Write(b)
	return err
}

// print writes obj as -o asks: the kubectl-like "kind/name created" by
// default; a list as one object (yaml, json) or item by item (name).
func (e *env) print(obj runtime.Object, pf *genericclioptions.PrintFlags) error {
	p, err := pf.ToPrinter()
	if err != nil {
		return err
	}
	printer := printers.NewTypeSetter(e.scheme).ToPrinter(p)
	if pf.OutputFormat == nil || *pf.OutputFormat != "name" || !meta.IsListType(obj) {
		return printer.PrintObj(obj, e.Out)
	}
	items, err := meta.ExtractList(obj)
	if err != nil {
		return err
	}
	for _, item := range items {
		if err := printer.PrintObj(item, e.Out); err != nil {
			return err
		}
	}
	return nil
}

// isTerminal reports whether w is a terminal (colours, progress lines).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
