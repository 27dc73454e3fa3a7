package cluster

import (
	"context"
	"strings"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/slipway-ci/slipway/pkg/config"
)

// Reporter tells, once per change, which settings of Tekton's ConfigMaps
// Slipway does not implement: in the controller log and as a Warning event
// on the ConfigMap. It runs on the leader only, so replicas do not repeat
// the events.
type Reporter struct {
	reader    client.Reader
	namespace string
	recorder  events.EventRecorder
	log       logr.Logger
	interval  time.Duration
	reported  map[string]bool
}

var _ manager.Runnable = (*Reporter)(nil)

// NewReporter returns a Reporter that checks every interval.
func NewReporter(reader client.Reader, namespace string, recorder events.EventRecorder, log logr.Logger, interval time.Duration) *Reporter {
	return &Reporter{reader: reader, namespace: namespace, recorder: recorder, log: log, interval: interval, reported: map[string]bool{}}
}

// Start checks now and then every interval until ctx ends.
func (r *Reporter) Start(ctx context.Context) error {
	for {
		r.check(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(r.interval):
		}
	}
}

func (r *Reporter) check(ctx context.Context) {
	maps, err := read(ctx, r.reader, r.namespace)
	if err != nil {
		r.log.Error(err, "reading configuration")
		return
	}
	cfg, err := config.FromConfigMaps(maps[0], config.TektonConfigMaps{FeatureFlags: maps[1], Defaults: maps[2]})
	if err != nil {
		r.log.Error(err, "invalid configuration")
		return
	}
	for _, note := range cfg.Unimplemented {
		name, _, _ := strings.Cut(note, ":")
		var cm *corev1.ConfigMap
		for _, m := range maps {
			if m != nil && m.Name == name {
				cm = m
			}
		}
		key := note
		if cm != nil {
			key = cm.ResourceVersion + "/" + note
		}
		if r.reported[key] {
			continue
		}
		r.reported[key] = true
		r.log.Info("setting not implemented", "configMap", name, "note", note)
		if cm != nil {
			r.recorder.Eventf(cm, nil, corev1.EventTypeWarning, "NotImplemented", "Configure", "%s", note)
		}
	}
}
