package cli

import (
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"knative.dev/pkg/apis"

	"github.com/slipway-ci/slipway/pkg/resources"
)

func (e *env) describeCmd() *cobra.Command {
	var lastRun bool
	cmd := &cobra.Command{
		Use:               "describe [RUN]",
		Short:             "Show a run: its tasks as a tree with status, duration, results and steps",
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: e.completeRuns,
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := e.target(cmd.Context(), args, lastRun)
			if err != nil {
				return err
			}
			var trs []v1.TaskRun
			if t.pr != nil {
				if trs, err = children(cmd.Context(), e.c, t.pr); err != nil {
					return err
				}
			}
			describe(e.Out, t, trs, time.Now())
			return nil
		},
	}
	cmd.Flags().BoolVarP(&lastRun, "last", "L", false, "the most recently created run")
	return cmd
}

// describe writes t: a PipelineRun's tasks as a tree, or a TaskRun.
func describe(w io.Writer, t target, trs []v1.TaskRun, now time.Time) {
	if t.tr != nil {
		describeTaskRun(w, t.tr, "", now)
		return
	}
	pr := t.pr
	c := pr.Status.GetCondition(apis.ConditionSucceeded)
	fprintf(w, "PipelineRun %s (namespace %s)\n", pr.Name, pr.Namespace)
	if pr.Spec.PipelineRef != nil && pr.Spec.PipelineRef.Name != "" {
		fprintf(w, "Pipeline    %s\n", pr.Spec.PipelineRef.Name)
	}
	fprintf(w, "Status      %s%s\n", status(c), messageOf(c))
	fprintf(w, "Duration    %s\n", duration(pr.Status.StartTime, pr.Status.CompletionTime, now))
	rows := taskRows(pr, trs)
	if len(rows) > 0 {
		fprintf(w, "\nTasks\n")
	}
	for i, row := range rows {
		branch, indent := "├─ ", "│  "
		if i == len(rows)-1 {
			branch, indent = "└─ ", "   "
		}
		writeTaskRow(w, row, branch, indent, now)
	}
	if len(pr.Status.Results) > 0 {
		fprintf(w, "\nResults\n")
		for _, r := range pr.Status.Results {
			fprintf(w, "  %s = %s\n", r.Name, resultValue(r.Value))
		}
	}
}

// taskRow is one pipeline task in the tree: run, or skipped.
type taskRow struct {
	name    string
	tr      *v1.TaskRun
	skipped *v1.SkippedTask
}

// taskRows lists pr's tasks: those that ran in the order they started,
// then the skipped ones.
func taskRows(pr *v1.PipelineRun, trs []v1.TaskRun) []taskRow {
	var rows []taskRow
	for i := range trs {
		rows = append(rows, taskRow{name: trs[i].Labels[resources.LabelPipelineTask], tr: &trs[i]})
	}
	for i := range pr.Status.SkippedTasks {
		s := &pr.Status.SkippedTasks[i]
		rows = append(rows, taskRow{name: s.Name, skipped: s})
	}
	return rows
}

func writeTaskRow(w io.Writer, row taskRow, branch, indent string, now time.Time) {
	if row.skipped != nil {
		fprintf(w, "%s%s  Skipped  %s\n", branch, row.name, skipReason(row.skipped))
		return
	}
	tr := row.tr
	c := tr.Status.GetCondition(apis.ConditionSucceeded)
	fprintf(w, "%s%s  %s  %s  (taskrun %s)\n", branch, row.name, status(c),
		duration(tr.Status.StartTime, tr.Status.CompletionTime, now), tr.Name)
	if c != nil && c.IsFalse() && c.Message != "" {
		fprintf(w, "%s   %s\n", indent, clipLine(c.Message, 160))
	}
	writeDetails(w, tr, indent+"   ", now)
}

func skipReason(s *v1.SkippedTask) string {
	var whens []string
	for _, we := range s.WhenExpressions {
		if we.CEL != "" {
			whens = append(whens, we.CEL)
			continue
		}
		whens = append(whens, we.Input+" "+string(we.Operator)+" ["+strings.Join(we.Values, ", ")+"]")
	}
	if len(whens) == 0 {
		return "(" + string(s.Reason) + ")"
	}
	return "(" + string(s.Reason) + ": " + strings.Join(whens, ", ") + ")"
}

// describeTaskRun writes a TaskRun that no PipelineRun shows.
func describeTaskRun(w io.Writer, tr *v1.TaskRun, indent string, now time.Time) {
	c := tr.Status.GetCondition(apis.ConditionSucceeded)
	fprintf(w, "TaskRun  %s (namespace %s)\n", tr.Name, tr.Namespace)
	if tr.Spec.TaskRef != nil && tr.Spec.TaskRef.Name != "" {
		fprintf(w, "Task     %s\n", tr.Spec.TaskRef.Name)
	}
	fprintf(w, "Status   %s%s\n", status(c), messageOf(c))
	fprintf(w, "Duration %s\n", duration(tr.Status.StartTime, tr.Status.CompletionTime, now))
	writeDetails(w, tr, indent, now)
}

// writeDetails writes a TaskRun's results and its step table.
func writeDetails(w io.Writer, tr *v1.TaskRun, indent string, now time.Time) {
	for _, r := range tr.Status.Results {
		fprintf(w, "%sresult %s = %s\n", indent, r.Name, resultValue(r.Value))
	}
	if len(tr.Status.Steps) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fprintf(tw, "%sSTEP\tSTATUS\tEXIT\tDURATION\n", indent)
	for _, s := range tr.Status.Steps {
		exit, dur := "-", "-"
		if t := s.Terminated; t != nil {
			exit = strconv.Itoa(int(t.ExitCode))
			dur = duration(&t.StartedAt, &t.FinishedAt, now)
		} else if s.Running != nil {
			dur = duration(&s.Running.StartedAt, nil, now)
		}
		fprintf(tw, "%s%s\t%s\t%s\t%s\n", indent, s.Name, stepStatus(s), exit, dur)
	}
	_ = tw.Flush()
}

func messageOf(c *apis.Condition) string {
	if c == nil || c.Message == "" {
		return ""
	}
	return ": " + clipLine(c.Message, 200)
}
