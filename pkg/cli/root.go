package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	slipwayv1alpha1 "github.com/slipway-ci/slipway/pkg/apis/slipway/v1alpha1"
	"github.com/slipway-ci/slipway/pkg/logs"
)

// Exit codes.
const (
	ExitOK        = 0
	ExitError     = 1
	ExitRunFailed = 2
)

// errRunFailed is returned by a command whose run did not succeed; the
// run's own condition has been printed already.
var errRunFailed = errors.New("the run did not succeed")

// env is what every command needs: streams, flags and, once asked for,
// the clients.
type env struct {
	genericiooptions.IOStreams
	flags  *genericclioptions.ConfigFlags
	scheme *runtime.Scheme
	// newClients builds the clients; tests replace it.
	newClients func() (client.Client, kubernetes.Interface, error)
	store      logs.Store
	// openLog, when set, replaces reading step logs (tests).
	openLog func(ctx context.Context, tr *v1.TaskRun, s v1.StepState) (io.ReadCloser, error)
	c       client.Client
	kube    kubernetes.Interface
}

// Main runs the command line and returns its exit code.
func Main(args []string, in io.Reader, out, errOut io.Writer) int {
	e := newEnv(genericiooptions.IOStreams{In: in, Out: out, ErrOut: errOut})
	root := e.root()
	root.SetArgs(args)
	err := root.Execute()
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errRunFailed):
		return ExitRunFailed
	default:
		fmt.Fprintln(errOut, "Error:", err)
		return ExitError
	}
}

func newEnv(s genericiooptions.IOStreams) *env {
	scheme := runtime.NewScheme()
	_ = corev1.AddToScheme(scheme)
	_ = v1.AddToScheme(scheme)
	_ = v1beta1.AddToScheme(scheme)
	_ = slipwayv1alpha1.AddToScheme(scheme)
	e := &env{IOStreams: s, flags: genericclioptions.NewConfigFlags(true), scheme: scheme, store: &logs.OCI{}}
	e.newClients = e.realClients
	return e
}

func (e *env) realClients() (client.Client, kubernetes.Interface, error) {
	cfg, err := e.flags.ToRESTConfig()
	if err != nil {
		return nil, nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: e.scheme})
	if err != nil {
		return nil, nil, err
	}
	kube, err := kubernetes.NewForConfig(cfg)
	return c, kube, err
}

// clients returns the clients, building them on first use.
func (e *env) clients() (client.Client, kubernetes.Interface, error) {
	if e.c == nil {
		c, kube, err := e.newClients()
		if err != nil {
			return nil, nil, fmt.Errorf("connecting to the cluster: %w", err)
		}
		e.c, e.kube = c, kube
	}
	return e.c, e.kube, nil
}

// namespace is the -n flag, or the kubeconfig context's namespace.
func (e *env) namespace() (string, error) {
	ns, _, err := e.flags.ToRawKubeConfigLoader().Namespace()
	return ns, err
}

// scoped returns the client and the namespace that commands work in.
func (e *env) scoped() (client.Client, string, error) {
	c, _, err := e.clients()
	if err != nil {
		return nil, "", err
	}
	ns, err := e.namespace()
	return c, ns, err
}

func (e *env) root() *cobra.Command {
	root := &cobra.Command{
		Use:           "slipway",
		Short:         "Start, follow and inspect Tekton runs on Slipway",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(e.Out)
	root.SetErr(e.ErrOut)
	e.flags.AddFlags(root.PersistentFlags())
	root.AddCommand(e.startCmd(), e.runCmd(), e.logsCmd(), e.describeCmd(), e.listCmd(), e.cancelCmd(), e.rerunCmd(), e.approveCmd())
	return root
}
