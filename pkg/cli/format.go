package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
)

// duration is how long from start to end (or to now while running),
// rounded for people: "850ms", "12.3s", "4m05s".
func duration(start, end *metav1.Time, now time.Time) string {
	if start == nil {
		return "-"
	}
	stop := now
	if end != nil {
		stop = end.Time
	}
	d := stop.Sub(start.Time)
	switch {
	case d < 0:
		return "0s"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	default:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
}

// status is a condition in a word, with its reason when it says more.
func status(c *apis.Condition) string {
	switch {
	case c == nil:
		return "Pending"
	case c.IsTrue():
		return "Succeeded"
	case c.IsFalse():
		if c.Reason == "" || c.Reason == "Failed" {
			return "Failed"
		}
		return "Failed(" + c.Reason + ")"
	default:
		if c.Reason == "" {
			return "Running"
		}
		return c.Reason
	}
}

// stepStatus is a step's state in a word.
func stepStatus(s v1.StepState) string {
	switch {
	case s.Terminated != nil && s.Terminated.ExitCode == 0:
		return "Succeeded"
	case s.Terminated != nil:
		if s.Terminated.Reason != "" && s.Terminated.Reason != "Error" && s.Terminated.Reason != "Completed" {
			return s.Terminated.Reason
		}
		return "Failed"
	case s.Running != nil:
		return "Running"
	case s.Waiting != nil && s.Waiting.Reason != "":
		return s.Waiting.Reason
	default:
		return "Waiting"
	}
}

// resultValue renders a result for one line.
func resultValue(v v1.ResultValue) string {
	switch v.Type {
	case v1.ParamTypeArray:
		return "[" + strings.Join(v.ArrayVal, ", ") + "]"
	case v1.ParamTypeObject:
		keys := make([]string, 0, len(v.ObjectVal))
		for k := range v.ObjectVal {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + v.ObjectVal[k]
		}
		return "{" + strings.Join(parts, ", ") + "}"
	default:
		return clipLine(v.StringVal, 120)
	}
}

// clipLine keeps the first line of s, at most n characters of it.
func clipLine(s string, n int) string {
	s = strings.TrimRight(s, "\n")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

// linePrefix is "[task:step] ", the prefix of every log line.
func linePrefix(task, step string) string {
	if task == "" {
		return "[" + step + "] "
	}
	return "[" + task + ":" + step + "] "
}

// outcome is the last line of logs and of a wait: the run's condition.
func outcome(kind, name string, c *apis.Condition) string {
	msg := ""
	if c != nil && c.Message != "" {
		msg = ": " + c.Message
	}
	return fmt.Sprintf("%s %s %s%s", kind, name, status(c), msg)
}

func fprintf(w io.Writer, format string, a ...any) { _, _ = fmt.Fprintf(w, format, a...) }

// resultLines are the run's results, one "name = value" line each, what a
// log ends with after the outcome (the URL of a deploy, a digest).
func resultLines(t target) []string {
	var out []string
	if t.pr != nil {
		for _, r := range t.pr.Status.Results {
			out = append(out, r.Name+" = "+resultValue(r.Value))
		}
		return out
	}
	for _, r := range t.tr.Status.Results {
		out = append(out, r.Name+" = "+resultValue(r.Value))
	}
	return out
}
