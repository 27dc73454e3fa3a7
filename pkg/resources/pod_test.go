package resources

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/pod"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/slipway-ci/slipway/pkg/config"
	"github.com/slipway-ci/slipway/pkg/credentials"
	"github.com/slipway-ci/slipway/pkg/substitution"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func nodeConfig() *config.Config {
	c := config.Default()
	c.EntrypointMode = config.EntrypointModeNode
	return c
}

func baseTaskRun(name string) *v1.TaskRun {
	return &v1.TaskRun{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "ns", UID: "uid-1",
			Labels:      map[string]string{"team": "a"},
			Annotations: map[string]string{"note": "x", lastAppliedAnnot: "{}"},
		},
		Spec: v1.TaskRunSpec{TaskRef: &v1.TaskRef{Name: "build"}},
	}
}

// doneWhen is the "done when" TaskRun: three script steps, a
// param, a result and an emptyDir workspace, substituted like the
// reconciler does.
func doneWhen() (*v1.TaskRun, *v1.TaskSpec) {
	tr := baseTaskRun("hello")
	tr.Spec.Params = v1.Params{{Name: "who", Value: *v1.NewStructuredValues("world")}}
	tr.Spec.Workspaces = []v1.WorkspaceBinding{{Name: "src", EmptyDir: &corev1.EmptyDirVolumeSource{}}}
	tr.Spec.Timeout = &metav1.Duration{Duration: 90500 * time.Millisecond}
	spec := &v1.TaskSpec{
		Params:     v1.ParamSpecs{{Name: "who", Type: v1.ParamTypeString}},
		Results:    []v1.TaskResult{{Name: "greeting"}},
		Workspaces: []v1.WorkspaceDeclaration{{Name: "src"}},
		Steps: []v1.Step{
			{Name: "write", Image: "alpine", Script: "echo hello $(params.who) > $(workspaces.src.path)/msg"},
			{Name: "read", Image: "alpine", Script: "#!/bin/sh\ncat $(workspaces.src.path)/msg | tee $(results.greeting.path)"},
			{Name: "done", Image: "alpine", Script: "echo done", Timeout: &metav1.Duration{Duration: time.Minute}, OnError: v1.Continue},
		},
	}
	v := substitution.TaskRunValues(spec, tr, substitution.TaskRunOptions{VolumeName: WorkspaceVolumeName})
	return tr, substitution.ApplyToTaskSpec(spec, v)
}

func goldenCases() []struct {
	name string
	in   func() PodInput
} {
	return []struct {
		name string
		in   func() PodInput
	}{
		{"done-when-node", func() PodInput {
			tr, spec := doneWhen()
			return PodInput{TaskRun: tr, Spec: spec, Config: nodeConfig()}
		}},
		{"done-when-init", func() PodInput {
			tr, spec := doneWhen()
			return PodInput{TaskRun: tr, Spec: spec, Config: config.Default(), Retry: 2}
		}},
		{"step-template", stepTemplateInput},
		{"sidecar", sidecarInput},
		{"image-only", imageOnlyInput},
		{"workspaces", workspacesInput},
		{"pod-template", podTemplateInput},
		{"credentials", credentialsInput},
		{"steps-dir", stepsDirInput},
		{"log-archive", func() PodInput {
			tr, spec := doneWhen()
			return PodInput{TaskRun: tr, Spec: spec, Config: nodeConfig(),
				LogArchive: &LogArchive{Repository: "http://registry:5000/logs/ns/tr", Key: "AGE-SECRET-KEY-1TEST"}}
		}},
		{"held", heldInput},
		{"long-name", func() PodInput {
			tr := baseTaskRun(strings.Repeat("a-very-long-taskrun-name-", 4))
			tr.Spec.TaskRef = nil
			spec := &v1.TaskSpec{Steps: []v1.Step{{Image: "alpine", Command: []string{"true"}}}}
			return PodInput{TaskRun: tr, Spec: spec, Config: nodeConfig(), Retry: 1}
		}},
	}
}

func stepTemplateInput() PodInput {
	tr := baseTaskRun("tmpl")
	runAs := int64(1000)
	spec := &v1.TaskSpec{
		StepTemplate: &v1.StepTemplate{
			Image:            "golang:1.26",
			Env:              []corev1.EnvVar{{Name: "A", Value: "template"}, {Name: "B", Value: "template"}},
			VolumeMounts:     []corev1.VolumeMount{{Name: "cache", MountPath: "/cache"}},
			ComputeResources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")}},
			SecurityContext:  &corev1.SecurityContext{RunAsUser: &runAs},
			WorkingDir:       "/src",
		},
		Volumes: []corev1.Volume{{Name: "cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
		Steps: []v1.Step{
			{Name: "build", Command: []string{"go", "build"}, Args: []string{"./..."},
				Env:              []corev1.EnvVar{{Name: "B", Value: "step"}, {Name: "HOME", Value: "/root"}},
				ComputeResources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}}},
			{Name: "test", Image: "golang:1.25", Command: []string{"go", "test"}, WorkingDir: "/other",
				ImagePullPolicy: corev1.PullIfNotPresent, EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}}}}},
		},
	}
	tr.Spec.StepSpecs = []v1.TaskRunStepSpec{{Name: "test", ComputeResources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}}}}
	return PodInput{TaskRun: tr, Spec: spec, Config: nodeConfig()}
}

func sidecarInput() PodInput {
	tr := baseTaskRun("side")
	probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intOrString(5432)}}, PeriodSeconds: 1, SuccessThreshold: 2}
	spec := &v1.TaskSpec{
		Sidecars: []v1.Sidecar{
			{Name: "db", Image: "postgres", ReadinessProbe: probe, Ports: []corev1.ContainerPort{{ContainerPort: 5432}}, Env: []corev1.EnvVar{{Name: "POSTGRES_PASSWORD", Value: "x"}}},
			{Name: "helper", Image: "alpine", Script: "sleep infinity"},
		},
		Steps: []v1.Step{{Name: "query", Image: "postgres", Command: []string{"psql"}, Args: []string{"-h", "localhost"}}},
	}
	return PodInput{TaskRun: tr, Spec: spec, Config: nodeConfig()}
}

func imageOnlyInput() PodInput {
	tr := baseTaskRun("img")
	spec := &v1.TaskSpec{Steps: []v1.Step{
		{Name: "default-cmd", Image: "registry.local/tool:1"},
		{Name: "with-args", Image: "registry.local/tool:1", Args: []string{"--flag"}},
		{Name: "cmd-only", Image: "registry.local/cmd-only"},
		// Tekton runs CMD with the args when the image has no ENTRYPOINT
		// (busybox: CMD ["sh"]).
		{Name: "cmd-only-args", Image: "registry.local/cmd-only", Args: []string{"--port", "80"}},
	}}
	return PodInput{TaskRun: tr, Spec: spec, Config: nodeConfig(), Images: map[string]ImageConfig{
		"registry.local/tool:1":   {Entrypoint: []string{"/tool"}, Cmd: []string{"--help"}},
		"registry.local/cmd-only": {Cmd: []string{"/bin/app", "serve"}},
	}}
}

func workspacesInput() PodInput {
	tr := baseTaskRun("ws")
	tr.Spec.Workspaces = []v1.WorkspaceBinding{
		{Name: "data", PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "my-pvc"}, SubPath: "sub"},
		{Name: "tmpl", VolumeClaimTemplate: &corev1.PersistentVolumeClaim{}},
		{Name: "conf", ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}}},
		{Name: "creds", Secret: &corev1.SecretVolumeSource{SecretName: "s"}},
		{Name: "proj", Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}}}}}},
	}
	spec := &v1.TaskSpec{
		Workspaces: []v1.WorkspaceDeclaration{
			{Name: "data"}, {Name: "tmpl", MountPath: "/tmpl"}, {Name: "conf", ReadOnly: true},
			{Name: "creds", MountPath: "/creds", ReadOnly: true}, {Name: "proj"}, {Name: "unused", Optional: true},
		},
		Steps: []v1.Step{{Name: "ls", Image: "alpine", Command: []string{"ls", "-R", "/workspace"}}},
	}
	return PodInput{TaskRun: tr, Spec: spec, Config: nodeConfig()}
}

func podTemplateInput() PodInput {
	tr := baseTaskRun("pt")
	tr.Spec.ServiceAccountName = "builder"
	tr.Spec.Timeout = &metav1.Duration{}
	prio, dns, yes := "high", corev1.DNSNone, false
	tr.Spec.PodTemplate = &pod.Template{
		NodeSelector:                 map[string]string{"disk": "ssd"},
		Tolerations:                  []corev1.Toleration{{Key: "ci", Operator: corev1.TolerationOpExists}},
		SecurityContext:              &corev1.PodSecurityContext{FSGroup: ptr(int64(65532))},
		ImagePullSecrets:             []corev1.LocalObjectReference{{Name: "regcred"}},
		HostAliases:                  []corev1.HostAlias{{IP: "10.0.0.1", Hostnames: []string{"reg"}}},
		PriorityClassName:            &prio,
		SchedulerName:                "sched",
		DNSPolicy:                    &dns,
		DNSConfig:                    &corev1.PodDNSConfig{Nameservers: []string{"1.1.1.1"}},
		EnableServiceLinks:           &yes,
		AutomountServiceAccountToken: &yes,
		Env:                          []corev1.EnvVar{{Name: "PROXY", Value: "template"}},
		Volumes:                      []corev1.Volume{{Name: "extra", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
	}
	spec := &v1.TaskSpec{Steps: []v1.Step{{Name: "run", Image: "alpine", Command: []string{"env"},
		Env:          []corev1.EnvVar{{Name: "PROXY", Value: "step"}},
		VolumeMounts: []corev1.VolumeMount{{Name: "extra", MountPath: "/extra"}}}}}
	return PodInput{TaskRun: tr, Spec: spec, Config: nodeConfig()}
}

// credentialsInput: a git basic-auth secret for two URLs, a docker config
// secret and a step that sets its own HOME (D8).
func credentialsInput() PodInput {
	tr := baseTaskRun("creds")
	tr.Spec.ServiceAccountName = "build-bot"
	spec := &v1.TaskSpec{Steps: []v1.Step{
		{Name: "clone", Image: "alpine", Command: []string{"git-init"}},
		{Name: "push", Image: "alpine", Command: []string{"push"}, Env: []corev1.EnvVar{{Name: "HOME", Value: "/root"}}},
	}}
	return PodInput{TaskRun: tr, Spec: spec, Config: nodeConfig(), Credentials: []credentials.Credential{
		{Kind: credentials.BasicGit, Secret: "git-basic", Target: "https://github.com"},
		{Kind: credentials.BasicGit, Secret: "git-basic", Target: "https://gitlab.com"},
		{Kind: credentials.DockerConfig, Secret: "regcred"},
	}}
}

// stepsDirInput: a step reads the previous step's exit code from
// /tekton/steps (as $(steps.step-fail.exitCode.path) becomes), and mounts
// its own volume over /tekton/home, which wins over the internal one.
func stepsDirInput() PodInput {
	tr := baseTaskRun("sd")
	spec := &v1.TaskSpec{
		Volumes: []corev1.Volume{{Name: "home", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
		Steps: []v1.Step{
			{Name: "fail", Image: "busybox", Script: "exit 3", OnError: v1.Continue},
			{Name: "check", Image: "busybox", Script: "cat /tekton/steps/step-fail/exitCode",
				VolumeMounts: []corev1.VolumeMount{{Name: "home", MountPath: "/tekton/home"}}},
		},
	}
	return PodInput{TaskRun: tr, Spec: spec, Config: nodeConfig()}
}

func ptr[T any](v T) *T { return &v }

func TestMakePodGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := tc.in()
			before := in.Spec.DeepCopy()
			p, err := MakePod(in)
			if err != nil {
				t.Fatalf("MakePod: %v", err)
			}
			if diff := cmp.Diff(before, in.Spec); diff != "" {
				t.Fatalf("MakePod modified its input (-before +after):\n%s", diff)
			}
			got, err := yaml.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tc.name+".yaml")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("reading golden file (run with -update to create it): %v", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("pod differs from %s (-want +got):\n%s", path, diff)
			}
		})
	}
}
