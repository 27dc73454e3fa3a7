package events

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/rand"
	clientgoevents "k8s.io/client-go/tools/events"
	"k8s.io/client-go/tools/reference"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// maxNote is the API server's limit on an event's note, in bytes.
const maxNote = 1024

// Options configure a Sink.
type Options struct {
	// Controller is the reportingController of every event.
	Controller string
	// Instance is the reportingInstance (the controller's pod name).
	Instance string
	// Queue bounds the events waiting to be posted; beyond it events are
	// dropped and counted. Default 1000.
	Queue int
	// Workers post events concurrently. Default 4.
	Workers int
	// Timeout bounds one post. Default 10 s.
	Timeout time.Duration
}

// Sink implements client-go's events.EventRecorder. Eventf never blocks:
// it builds the event and queues it; Start posts the queue until its
// context ends.
type Sink struct {
	c       client.Client
	scheme  *runtime.Scheme
	opts    Options
	queue   chan *eventsv1.Event
	log     logr.Logger
	dropped atomic.Int64
	now     func() time.Time
}

// New returns a Sink posting with c; scheme resolves the kinds of the
// objects events are about.
func New(c client.Client, scheme *runtime.Scheme, log logr.Logger, opts Options) *Sink {
	if opts.Queue <= 0 {
		opts.Queue = 1000
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	return &Sink{c: c, scheme: scheme, opts: opts, queue: make(chan *eventsv1.Event, opts.Queue), log: log, now: time.Now}
}

// Eventf queues an event about regarding. related is optional.
func (s *Sink) Eventf(regarding, related runtime.Object, eventtype, reason, action, note string, args ...any) {
	ev, err := s.build(regarding, related, eventtype, reason, action, fmt.Sprintf(note, args...))
	if err != nil {
		s.log.Error(err, "event not recorded", "reason", reason)
		return
	}
	select {
	case s.queue <- ev:
	default:
		if n := s.dropped.Add(1); n == 1 || n%1000 == 0 {
			s.log.Info("event queue full, events dropped", "dropped", n, "reason", reason, "regarding", ev.Regarding.Name)
		}
	}
}

// Dropped returns how many events were dropped because the queue was full.
func (s *Sink) Dropped() int64 { return s.dropped.Load() }

// Start posts queued events until ctx ends. It implements
// controller-runtime's manager.Runnable.
func (s *Sink) Start(ctx context.Context) error {
	done := make(chan struct{})
	for range s.opts.Workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				select {
				case <-ctx.Done():
					return
				case ev := <-s.queue:
					s.post(ctx, ev)
				}
			}
		}()
	}
	for range s.opts.Workers {
		<-done
	}
	return nil
}

func (s *Sink) post(ctx context.Context, ev *eventsv1.Event) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	if err := s.c.Create(ctx, ev); err != nil {
		s.log.V(1).Info("posting event failed", "reason", ev.Reason, "regarding", ev.Regarding.Name, "error", err.Error())
	}
}

// build makes the event; its name is the regarded object's plus a random
// suffix, as the API server requires unique names.
func (s *Sink) build(regarding, related runtime.Object, eventtype, reason, action, note string) (*eventsv1.Event, error) {
	ref, err := reference.GetReference(s.scheme, regarding)
	if err != nil {
		return nil, fmt.Errorf("referencing the event's object: %w", err)
	}
	ev := &eventsv1.Event{
		ObjectMeta: metav1.ObjectMeta{
			Name:      fmt.Sprintf("%s.%s", ref.Name, rand.String(10)),
			Namespace: ref.Namespace,
		},
		EventTime:           metav1.NewMicroTime(s.now()),
		ReportingController: s.opts.Controller,
		ReportingInstance:   s.opts.Instance,
		Action:              action,
		Reason:              reason,
		Regarding:           *ref,
		Note:                truncate(note, maxNote),
		Type:                eventtype,
	}
	if ev.Namespace == "" {
		ev.Namespace = metav1.NamespaceDefault
	}
	if related != nil {
		if rel, err := reference.GetReference(s.scheme, related); err == nil {
			ev.Related = rel
		}
	}
	return ev, nil
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "..."
	cut := n - len(ellipsis)
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + ellipsis
}

var _ clientgoevents.EventRecorder = (*Sink)(nil)
