package entrypoint

// Paths inside a step pod. The /tekton/... ones are Tekton's contract that
// catalog tasks in the wild rely on; Slipway's own live under /slipway/.
const (
	// BinDir holds the entrypoint binary, shared by every step container.
	BinDir = "/slipway/bin"
	// BinPath is the entrypoint binary that every step container runs.
	BinPath = BinDir + "/entrypoint"
	// CELWhenPath is cmd/celwhen, installed next to the entrypoint: the
	// shim runs it for a step's when expression with cel.
	CELWhenPath = BinDir + "/" + CELWhenName
	// CELWhenName is celwhen's file name, beside the entrypoint's wherever
	// it is installed.
	CELWhenName = "celwhen"
	// RunDir holds one directory per step with its marker files.
	RunDir = "/slipway/run"
	// ScriptsDir is where the shim writes a step's script before running it.
	ScriptsDir = "/slipway/scripts"

	// ResultsDir is where steps write task results (Tekton's path).
	ResultsDir = "/tekton/results"
	// HomeDir is the steps' HOME (Tekton's path).
	HomeDir = "/tekton/home"
	// StepsDir holds per-step directories (Tekton's path).
	StepsDir = "/tekton/steps"
	// WorkspaceDir is the default working directory and the parent of
	// workspace mounts (Tekton's path).
	WorkspaceDir = "/workspace"

	// CredsDir receives the credential files written from ServiceAccount
	// secrets; $(credentials.path) (Tekton's path).
	CredsDir = "/tekton/creds"
	// CredsSecretsDir holds one mounted secret per directory (Tekton's path).
	CredsSecretsDir = "/tekton/creds-secrets"

	// TerminationPath is where the shim writes its Termination message.
	TerminationPath = "/dev/termination-log"
	// MaxTerminationBytes is the kubelet's limit for one container's
	// termination message.
	MaxTerminationBytes = 4096
	// MaxPodTerminationBytes is the kubelet's limit for all containers'
	// termination messages of one pod together.
	MaxPodTerminationBytes = 12 * 1024
)
