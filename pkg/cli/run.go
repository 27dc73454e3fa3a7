package cli

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

func (e *env) runCmd() *cobra.Command {
	f := &startFlags{}
	var file string
	cmd := &cobra.Command{
		Use:   "run -f FILE",
		Short: "Create the TaskRun or PipelineRun in FILE (tekton.dev/v1 or v1beta1)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			obj, err := e.decodeRun(file)
			if err != nil {
				return err
			}
			return e.create(cmd.Context(), obj, f)
		},
	}
	cmd.Flags().StringVarP(&file, "filename", "f", "", "the run's YAML or JSON ('-' reads stdin)")
	_ = cmd.MarkFlagRequired("filename")
	f.add(cmd, false)
	return cmd
}

// decodeRun reads one TaskRun or PipelineRun, converted to v1 when the
// file is v1beta1.
func (e *env) decodeRun(file string) (client.Object, error) {
	var b []byte
	var err error
	if file == "-" {
		b, err = io.ReadAll(e.In)
	} else {
		b, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, err
	}
	obj, _, err := serializer.NewCodecFactory(e.scheme, serializer.EnableStrict).UniversalDeserializer().Decode(b, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	switch o := obj.(type) {
	case *v1.TaskRun, *v1.PipelineRun:
		return o.(client.Object), nil
	case client.Object:
		// v1beta1: the API server converts it (the conversion webhook).
		return o, nil
	}
	return nil, fmt.Errorf("%s: not a TaskRun or PipelineRun", file)
}

func (e *env) listCmd() *cobra.Command {
	pf := genericclioptions.NewPrintFlags("")
	cmd := &cobra.Command{
		Use:       "list [pipelineruns|taskruns]",
		Aliases:   []string{"ls"},
		Short:     "List runs, newest first",
		Args:      cobra.MaximumNArgs(1),
		ValidArgs: []string{"pipelineruns", "taskruns"},
		RunE: func(cmd *cobra.Command, args []string) error {
			kind := "pipelineruns"
			if len(args) == 1 {
				kind = args[0]
			}
			c, ns, err := e.scoped()
			if err != nil {
				return err
			}
			rows, list, err := listRows(cmd, c, ns, kindAliases[strings.ToLower(kind)])
			if err != nil {
				return err
			}
			if pf.OutputFormat != nil && *pf.OutputFormat != "" {
				return e.print(list, pf)
			}
			writeList(e.Out, rows, time.Now())
			return nil
		},
	}
	pf.AddFlags(cmd)
	return cmd
}

// listRow is one line of list.
type listRow struct {
	name    string
	created time.Time
	dur     string
	status  string
}

func listRows(cmd *cobra.Command, c client.Client, ns, kind string) ([]listRow, client.ObjectList, error) {
	now := time.Now()
	var rows []listRow
	switch kind {
	case "PipelineRun":
		l := &v1.PipelineRunList{}
		if err := c.List(cmd.Context(), l, client.InNamespace(ns)); err != nil {
			return nil, nil, err
		}
		for _, pr := range l.Items {
			rows = append(rows, rowOf(&pr, pr.Status.StartTime, pr.Status.CompletionTime, pr.Status.GetCondition(apis.ConditionSucceeded), now))
		}
		return rows, l, nil
	case "TaskRun":
		l := &v1.TaskRunList{}
		if err := c.List(cmd.Context(), l, client.InNamespace(ns)); err != nil {
			return nil, nil, err
		}
		for _, tr := range l.Items {
			rows = append(rows, rowOf(&tr, tr.Status.StartTime, tr.Status.CompletionTime, tr.Status.GetCondition(apis.ConditionSucceeded), now))
		}
		return rows, l, nil
	}
	return nil, nil, fmt.Errorf("list pipelineruns or taskruns")
}

func rowOf(o metav1.Object, start, end *metav1.Time, c *apis.Condition, now time.Time) listRow {
	return listRow{name: o.GetName(), created: o.GetCreationTimestamp().Time, dur: duration(start, end, now), status: status(c)}
}

func writeList(w interface{ Write([]byte) (int, error) }, rows []listRow, now time.Time) {
	sortRows(rows)
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fprintf(tw, "NAME\tAGE\tDURATION\tSTATUS\n")
	for _, r := range rows {
		fprintf(tw, "%s\t%s\t%s\t%s\n", r.name, age(now.Sub(r.created)), r.dur, r.status)
	}
	_ = tw.Flush()
}

func sortRows(rows []listRow) {
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].created.After(rows[j].created) })
}

// age is kubectl's short age: 42s, 5m, 3h, 2d.
func age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	default:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
}

func (e *env) cancelCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "cancel RUN",
		Short:             "Cancel a run (spec.status Cancelled), as kubectl patch would",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: e.completeRuns,
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := e.target(cmd.Context(), args, false)
			if err != nil {
				return err
			}
			status := string(v1.TaskRunSpecStatusCancelled)
			if t.pr != nil {
				status = string(v1.PipelineRunSpecStatusCancelled)
			}
			patch := fmt.Appendf(nil, `{"spec":{"status":%q}}`, status)
			if err := e.c.Patch(cmd.Context(), t.object(), client.RawPatch(types.MergePatchType, patch)); err != nil {
				return err
			}
			fprintf(e.Out, "%s/%s cancelled\n", strings.ToLower(t.kind()), t.object().GetName())
			return nil
		},
	}
}

func (e *env) rerunCmd() *cobra.Command {
	f := &startFlags{}
	cmd := &cobra.Command{
		Use:               "rerun RUN",
		Short:             "Start a new run with the spec, labels and annotations of RUN",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: e.completeRuns,
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := e.target(cmd.Context(), args, false)
			if err != nil {
				return err
			}
			return e.create(cmd.Context(), rerunOf(t), f)
		},
	}
	f.add(cmd, false)
	return cmd
}

// rerunOf is a new run with t's spec, its user labels and annotations.
func rerunOf(t target) client.Object {
	gen := generateNameOf(t.object().GetName(), t.object().GetGenerateName())
	if t.pr != nil {
		pr := &v1.PipelineRun{}
		pr.GenerateName, pr.Labels, pr.Annotations = gen, userMeta(t.pr.Labels), userMeta(t.pr.Annotations)
		pr.Spec = *t.pr.Spec.DeepCopy()
		pr.Spec.Status = ""
		return pr
	}
	tr := &v1.TaskRun{}
	tr.GenerateName, tr.Labels, tr.Annotations = gen, userMeta(t.tr.Labels), userMeta(t.tr.Annotations)
	tr.Spec = *t.tr.Spec.DeepCopy()
	tr.Spec.Status = ""
	tr.Spec.StatusMessage = ""
	return tr
}

func generateNameOf(name, generateName string) string {
	if generateName != "" {
		return generateName
	}
	return name + "-"
}

// userMeta drops the labels and annotations that Tekton and kubectl set.
func userMeta(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if strings.HasPrefix(k, "tekton.dev/") || strings.HasPrefix(k, "app.kubernetes.io/managed-by") ||
			strings.HasPrefix(k, "kubectl.kubernetes.io/") {
			continue
		}
		out[k] = v
	}
	return out
}

// completeRuns completes run names for shell completion.
func (e *env) completeRuns(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	c, ns, err := e.scoped()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var names []string
	for _, kind := range []string{"PipelineRun", "TaskRun"} {
		rows, _, err := listRows(cmd, c, ns, kind)
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		for _, r := range rows {
			names = append(names, r.name)
		}
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}
