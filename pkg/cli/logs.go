package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/entrypoint"
	"github.com/slipway-ci/slipway/pkg/logs"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// pollEvery is how often a follow re-reads runs and steps.
const pollEvery = 500 * time.Millisecond

func (e *env) logsCmd() *cobra.Command {
	var follow, lastRun bool
	cmd := &cobra.Command{
		Use:   "logs [RUN]",
		Short: "Print the logs of every step of a run, in order, [task:step] before each line",
		Long: "Print the logs of every step of every task of a PipelineRun (or of a TaskRun), " +
			"in execution order, from the pods while they live and from the log archive after. " +
			"With -f, follow new tasks as they start and end with the run's outcome; " +
			"the exit code is then the run's.",
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: e.completeRuns,
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := e.target(cmd.Context(), args, lastRun)
			var gone *noRunError
			if errors.As(err, &gone) {
				return e.logsOfDeleted(cmd.Context(), gone)
			}
			if err != nil {
				return err
			}
			return e.showLogs(cmd.Context(), t, follow)
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "follow the run until it ends")
	cmd.Flags().BoolVarP(&lastRun, "last", "L", false, "the most recently created run")
	return cmd
}

// target is the run named by args, or the last one.
func (e *env) target(ctx context.Context, args []string, lastRun bool) (target, error) {
	c, ns, err := e.scoped()
	if err != nil {
		return target{}, err
	}
	switch {
	case len(args) == 1:
		return find(ctx, c, ns, args[0])
	case lastRun:
		return last(ctx, c, ns)
	default:
		return target{}, errors.New("name a run, or give --last")
	}
}

// showLogs prints t's logs and, when following or when t has finished,
// its outcome; it returns errRunFailed when t did not succeed.
func (e *env) showLogs(ctx context.Context, t target, follow bool) error {
	c, kube, err := e.clients()
	if err != nil {
		return err
	}
	lr := e.logReader(c, kube, follow)
	p := lr.p
	stop := lr.ticker()
	if t.pr != nil {
		t, err = lr.pipelineRun(ctx, t)
	} else {
		t, err = lr.taskRun(ctx, t.tr, "")
	}
	stop()
	p.finish()
	if err != nil {
		return err
	}
	finished, ok := t.done()
	if !finished {
		return nil
	}
	p.text(outcome(t.kind(), t.object().GetName(), t.condition()))
	for _, line := range resultLines(t) {
		p.text(line)
	}
	if !ok {
		return errRunFailed
	}
	return nil
}

// logReader returns the reader of step logs to e.Out, following or not
// (a terminal that follows also gets progress lines).
func (e *env) logReader(c client.Client, kube kubernetes.Interface, follow bool) *logReader {
	lr := &logReader{c: c, kube: kube, store: e.store, p: newPrinter(e.Out, follow && isTerminal(e.Out)), follow: follow}
	lr.openLog = lr.open
	if e.openLog != nil {
		lr.openLog = e.openLog
	}
	return lr
}

// logReader reads the step logs of runs.
type logReader struct {
	c      client.Client
	kube   kubernetes.Interface
	store  logs.Store
	p      *printer
	follow bool
	order  *printOrder // while following a PipelineRun
	// openLog opens a step's log; tests replace it.
	openLog func(ctx context.Context, tr *v1.TaskRun, s v1.StepState) (io.ReadCloser, error)
}

// ticker redraws the progress lines until the returned func is called.
func (lr *logReader) ticker() func() {
	if !lr.p.tty {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				lr.p.tick()
			}
		}
	}()
	return func() { close(done) }
}

// pipelineRun prints the logs of each of t's TaskRuns: one after another
// when not following; as they start, side by side, when following.
func (lr *logReader) pipelineRun(ctx context.Context, t target) (target, error) {
	seen := map[string]bool{}
	if lr.follow {
		lr.order = newPrintOrder(t.pr)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	for {
		trs, err := children(ctx, lr.c, t.pr)
		if err != nil {
			return t, err
		}
		for i := range trs {
			tr := trs[i]
			if seen[tr.Name] {
				continue
			}
			seen[tr.Name] = true
			task := tr.Labels[resources.LabelPipelineTask]
			if !lr.follow {
				if _, err := lr.taskRun(ctx, &tr, task); err != nil {
					return t, err
				}
				continue
			}
			lr.follow1(ctx, &wg, errs, &tr, task)
		}
		if finished, _ := t.done(); finished || !lr.follow {
			break
		}
		if err := sleep(ctx, pollEvery); err != nil {
			return t, err
		}
		if t, err = refresh(ctx, lr.c, t); err != nil {
			return t, err
		}
	}
	wg.Wait()
	select {
	case err := <-errs:
		return t, err
	default:
		return t, nil
	}
}

// follow1 follows tr's log in a goroutine of wg; its error, the first,
// goes to errs.
func (lr *logReader) follow1(ctx context.Context, wg *sync.WaitGroup, errs chan error, tr *v1.TaskRun, task string) {
	wg.Add(1)
	printed := lr.order.start(tr.Name)
	go func() {
		defer wg.Done()
		defer printed()
		if _, err := lr.taskRun(ctx, tr, task); err != nil {
			select {
			case errs <- err:
			default:
			}
		}
	}()
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// taskRun prints tr's steps one after another, each from the time it
// starts; task is the pipeline task's name ("" for a lone TaskRun).
func (lr *logReader) taskRun(ctx context.Context, tr *v1.TaskRun, task string) (target, error) {
	if !lr.follow {
		lr.earlierAttempts(ctx, tr, task)
	}
	for i := 0; ; i++ {
		var step *v1.StepState
		var err error
		tr, step, err = lr.waitStep(ctx, tr, i)
		if err == nil && step != nil && i == 0 && lr.follow {
			err = lr.waitAncestors(ctx, tr.Name, task)
		}
		if err != nil || step == nil {
			lr.p.setProgress(task, 0, 0, "", time.Time{})
			return target{tr: tr}, err
		}
		since := time.Now()
		if step.Running != nil {
			since = step.Running.StartedAt.Time
		}
		lr.p.setProgress(task, i+1, len(tr.Status.Steps), step.Name, since)
		lr.step(ctx, tr, task, *step)
	}
}

// earlierAttempts prints the steps of tr's failed attempts (retries), each
// line's step named "<step> (attempt N)".
func (lr *logReader) earlierAttempts(ctx context.Context, tr *v1.TaskRun, task string) {
	for n, rs := range tr.Status.RetriesStatus {
		attempt := &v1.TaskRun{ObjectMeta: tr.ObjectMeta}
		attempt.Status.TaskRunStatusFields = rs.TaskRunStatusFields
		attempt.Status.Annotations = tr.Status.Annotations // the key all attempts share
		for _, s := range rs.Steps {
			if s.Running == nil && s.Terminated == nil {
				continue
			}
			s.Container = containerOf(s)
			s.Name = fmt.Sprintf("%s (attempt %d)", s.Name, n+1)
			lr.step(ctx, attempt, task, s)
		}
	}
}

// containerOf is a step's container, named in the status or derived.
func containerOf(s v1.StepState) string {
	if s.Container != "" {
		return s.Container
	}
	return resources.StepPrefix + s.Name
}

// waitStep returns tr's step i once it has started, nil when tr has no
// step i (or, when not following, it has not started).
func (lr *logReader) waitStep(ctx context.Context, tr *v1.TaskRun, i int) (*v1.TaskRun, *v1.StepState, error) {
	for {
		if i < len(tr.Status.Steps) {
			s := tr.Status.Steps[i]
			if s.Running != nil || s.Terminated != nil {
				return tr, &s, nil
			}
		}
		if !lr.follow || tr.IsDone() {
			return tr, nil, nil // no such step, or it never ran
		}
		if err := sleep(ctx, pollEvery); err != nil {
			return tr, nil, err
		}
		t, err := refresh(ctx, lr.c, target{tr: tr})
		if err != nil {
			return tr, nil, err
		}
		tr = t.tr
	}
}

// step prints one step's log, from its pod or else from the archive.
func (lr *logReader) step(ctx context.Context, tr *v1.TaskRun, task string, s v1.StepState) {
	rc, err := lr.openLog(ctx, tr, s)
	if err != nil {
		lr.p.line(task, s.Name, fmt.Sprintf("(no log: %v)", err))
		return
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	for {
		l, err := br.ReadString('\n')
		if l != "" {
			lr.p.line(task, s.Name, l)
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				lr.p.line(task, s.Name, fmt.Sprintf("(log interrupted: %v)", err))
			}
			return
		}
	}
}

// open reads the step's log from the pod while it lives, from the archive
// once it is gone.
func (lr *logReader) open(ctx context.Context, tr *v1.TaskRun, s v1.StepState) (io.ReadCloser, error) {
	container := containerOf(s)
	pod := tr.Status.PodName
	opts := &corev1.PodLogOptions{Container: container, Follow: lr.follow && s.Terminated == nil}
	rc, podErr := lr.kube.CoreV1().Pods(tr.Namespace).GetLogs(pod, opts).Stream(ctx)
	if podErr == nil {
		// Without the results block the shim may have left at the end
		// (D22); the archive holds the log without it already.
		return entrypoint.FilterResults(rc), nil
	}
	la := resources.LogArchiveOf(tr.Status.Annotations)
	if la == nil {
		return nil, fmt.Errorf("pod %s: %v; and the run has no log archive", pod, strings.TrimSpace(podErr.Error()))
	}
	rc, err := logs.Read(ctx, lr.store, logs.Location{Repository: la.Repository, Tag: pod}, la.Key, container)
	if err != nil {
		return nil, fmt.Errorf("pod %s: %v; archive: %w", pod, strings.TrimSpace(podErr.Error()), err)
	}
	return rc, nil
}
