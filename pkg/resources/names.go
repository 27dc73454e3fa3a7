package resources

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
)

// maxNameLength is the longest name a child gets: a DNS label, so that the
// name also fits in label values.
const maxNameLength = 63

// hashLength is how many hex digits of the hash a shortened name keeps.
const hashLength = 10

// ChildName returns "<parent>-<suffix>", shortened to at most 63
// characters when longer: the parent is truncated and a hash of the full
// name keeps it unique, "<truncated parent>-<hash>-<suffix>". The same
// inputs always give the same name.
func ChildName(parent, suffix string) string {
	full := parent + "-" + suffix
	if len(full) <= maxNameLength {
		return full
	}
	h := shortHash(full)
	keep := maxNameLength - len(suffix) - hashLength - 2
	if keep < 1 {
		// The suffix alone is too long: keep what fits of the full name.
		return trimDashes(full[:maxNameLength-hashLength-1]) + "-" + h
	}
	return trimDashes(parent[:keep]) + "-" + h + "-" + suffix
}

// PodName is the Pod of a TaskRun's attempt: "<tr>-pod" for the first,
// "<tr>-pod-retry<N>" for retry N.
func PodName(trName string, retry int) string {
	if retry <= 0 {
		return ChildName(trName, "pod")
	}
	return ChildName(trName, "pod-retry"+strconv.Itoa(retry))
}

// WorkspacePVCName is the PVC that the reconciler creates for a
// volumeClaimTemplate workspace binding of tr: "pvc-<hash>" of the
// workspace name and the owning TaskRun.
func WorkspacePVCName(tr *v1.TaskRun, b v1.WorkspaceBinding) string {
	return "pvc-" + shortHash(b.Name+"/"+tr.Namespace+"/"+tr.Name+"/"+string(tr.UID))
}

// WorkspaceVolumeName is the pod volume backing workspace ws.
func WorkspaceVolumeName(ws string) string {
	return ChildName("ws", ws)
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:hashLength]
}

func trimDashes(s string) string {
	return strings.TrimRight(s, "-.")
}
