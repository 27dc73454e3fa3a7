//go:build chaos

package chaos

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

var (
	reportPath = flag.String("report", "", "write the results table to this file (docs/reliability.md)")
	runs       = flag.Int("runs", 100, "PipelineRuns in the controller-kill scenario")
	state      = flag.String("state", "/var/lib/slipway-cluster", "the local cluster's state directory (hack/)")
	root       = flag.String("root", "../..", "the repository, for hack/cluster/up.sh")
)

// row is one line of the report.
type row struct {
	scenario, outcome, figures string
}

var report struct {
	sync.Mutex
	rows []row
}

func record(scenario, outcome, figures string) {
	report.Lock()
	defer report.Unlock()
	report.rows = append(report.rows, row{scenario, outcome, figures})
}

func TestMain(m *testing.M) {
	flag.Parse()
	ctrllog.SetLogger(logr.Discard())
	started := time.Now()
	code := m.Run()
	if *reportPath != "" && len(report.rows) > 0 {
		if err := writeReport(*reportPath, started, code); err != nil {
			fmt.Fprintln(os.Stderr, "writing report:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// writeReport writes the table, keeping the rows of earlier runs for the
// scenarios this run did not cover (go test -run picks some).
func writeReport(path string, started time.Time, code int) error {
	rows := previousRows(path)
	for _, r := range report.rows {
		rows[r.scenario] = r
	}
	var b strings.Builder
	b.WriteString("# Reliability\n\nWritten by `make chaos` (test/chaos) on the local cluster; do not edit by hand.\n")
	fmt.Fprintf(&b, "Last run %s, %s, exit %d.\n\n", started.UTC().Format("2006-01-02 15:04 MST"), time.Since(started).Round(time.Second), code)
	b.WriteString("| scenario | outcome | figures |\n|---|---|---|\n")
	keys := make([]string, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r := rows[k]
		fmt.Fprintf(&b, "| %s | %s | %s |\n", r.scenario, r.outcome, r.figures)
	}
	b.WriteString("\nHow each is done: docs/design.md D18 and the tests in test/chaos.\n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// previousRows reads the table of an earlier report, by scenario.
func previousRows(path string) map[string]row {
	rows := map[string]row{}
	b, err := os.ReadFile(path)
	if err != nil {
		return rows
	}
	for _, line := range strings.Split(string(b), "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if !strings.HasPrefix(line, "| ") || len(cells) != 3 || cells[0] == "scenario" {
			continue
		}
		rows[cells[0]] = row{cells[0], cells[1], cells[2]}
	}
	return rows
}

// env is a client and a fresh namespace.
type env struct {
	t    *testing.T
	c    client.Client
	kube kubernetes.Interface
	ns   string
}

func newEnv(t *testing.T, name string) *env {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))
	if err != nil {
		t.Fatalf("KUBECONFIG: %v", err)
	}
	cfg.QPS, cfg.Burst = 200, 400
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = pipelinev1.AddToScheme(s)
	c, err := client.New(cfg, client.Options{Scheme: s})
	if err != nil {
		t.Fatal(err)
	}
	kube := kubernetes.NewForConfigOrDie(cfg)
	ns := fmt.Sprintf("chaos-%s-%d", name, time.Now().Unix()%100000)
	if err := c.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			_ = c.Delete(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
		}
	})
	e := &env{t: t, c: c, kube: kube, ns: ns}
	e.waitFor("the default ServiceAccount", time.Minute, func() bool {
		var sa corev1.ServiceAccount
		return c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "default"}, &sa) == nil
	})
	return e
}

// waitFor polls ok every 200 ms until it holds or timeout passes.
func (e *env) waitFor(what string, timeout time.Duration, ok func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stats is min/median/max of durations, for the report.
func stats(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	r := func(d time.Duration) string { return d.Round(10 * time.Millisecond).String() }
	return fmt.Sprintf("min %s / median %s / max %s (n=%d)", r(s[0]), r(s[len(s)/2]), r(s[len(s)-1]), len(s))
}
