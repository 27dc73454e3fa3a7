package task

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/slipway-ci/slipway/pkg/entrypoint"
)

// logReadTimeout bounds one read of a step's log for its results.
const logReadTimeout = 30 * time.Second

// readLogResults reads the results the pod's steps left at the end of
// their logs, once every step has ended (docs/design.md D22). A block that
// is not there or does not match its digest is the step's failure, in
// LogResults.Err; an error reading the log is returned, to retry.
func (r *Reconciler) readLogResults(ctx context.Context, pod *corev1.Pod) (map[string]LogResults, error) {
	need := NeedsLogResults(pod)
	if len(need) == 0 {
		return nil, nil
	}
	out := make(map[string]LogResults, len(need))
	for container, rl := range need {
		if r.logs == nil {
			out[container] = LogResults{Err: errors.New("the controller was started without access to pod logs")}
			continue
		}
		tail := rl.TailLines()
		lr, err := r.decodeLog(ctx, pod, container, rl, &tail)
		if err == nil && errors.Is(lr.Err, entrypoint.ErrResultsIncomplete) {
			// More of the step's output landed after the block than the
			// tail allowed for: read the whole log.
			lr, err = r.decodeLog(ctx, pod, container, rl, nil)
		}
		if err != nil {
			return nil, err
		}
		out[container] = lr
	}
	return out, nil
}

func (r *Reconciler) decodeLog(ctx context.Context, pod *corev1.Pod, container string, rl entrypoint.ResultsLog, tail *int64) (LogResults, error) {
	ctx, cancel := context.WithTimeout(ctx, logReadTimeout)
	defer cancel()
	rc, err := r.logs.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{Container: container, TailLines: tail}).Stream(ctx)
	if err != nil {
		return LogResults{}, fmt.Errorf("reading the log of %s/%s for its results: %w", pod.Name, container, err)
	}
	defer rc.Close()
	res, steps, err := rl.Decode(rc)
	return LogResults{Results: res, StepResults: steps, Err: err}, nil
}
