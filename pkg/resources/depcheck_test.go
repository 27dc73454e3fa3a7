package resources

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps pkg/resources pure. The Tekton API types pull in
// a few client-go helper packages (rest, cache, via knative.dev/pkg), so
// the transitive check forbids the client and I/O packages that matter,
// and the direct-import check forbids any client-go import of our own.
func TestDependencies(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs go list")
	}
	forbidden := []string{
		"k8s.io/client-go/kubernetes",
		"sigs.k8s.io/controller-runtime",
		"github.com/go-git/go-git",
		"github.com/google/go-containerregistry/pkg/v1/remote",
	}
	for _, dep := range goList(t, "{{range .Deps}}{{.}}\n{{end}}") {
		for _, f := range forbidden {
			if dep == f || strings.HasPrefix(dep, f+"/") {
				t.Errorf("pkg/resources depends on %s", dep)
			}
		}
	}
	for _, imp := range goList(t, "{{range .Imports}}{{.}}\n{{end}}") {
		if strings.HasPrefix(imp, "k8s.io/client-go") {
			t.Errorf("pkg/resources imports %s", imp)
		}
	}
}

func goList(t *testing.T, format string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", format, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	return strings.Fields(string(out))
}
