package resources

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/slipway-ci/slipway/pkg/credentials"
	"github.com/slipway-ci/slipway/pkg/entrypoint"
)

// Volume names for ServiceAccount credentials (D8).
const (
	volCreds           = "tekton-creds"
	volCredsSecretBase = "tekton-creds-secret-"
)

// addCredentials mounts the secrets of b.in.Credentials read-only at
// CredsSecretsDir/<secret> and an emptyDir at CredsDir in every step; each
// step's shim writes the credential files (D8). Without credentials the pod
// gets nothing extra.
func (b *builder) addCredentials() error {
	creds := b.in.Credentials
	if len(creds) == 0 {
		return nil
	}
	if err := b.addVolume(corev1.Volume{Name: volCreds,
		VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}, "credentials"); err != nil {
		return err
	}
	b.credMounts = append(b.credMounts, corev1.VolumeMount{Name: volCreds, MountPath: entrypoint.CredsDir})
	seen := map[string]bool{}
	for _, c := range creds {
		if seen[c.Secret] {
			continue
		}
		seen[c.Secret] = true
		name := volCredsSecretBase + strconv.Itoa(len(seen)-1)
		vol := corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{
			Secret: &corev1.SecretVolumeSource{SecretName: c.Secret}}}
		if err := b.addVolume(vol, "credentials"); err != nil {
			return err
		}
		b.credMounts = append(b.credMounts, corev1.VolumeMount{
			Name: name, MountPath: entrypoint.CredsSecretsDir + "/" + c.Secret, ReadOnly: true})
	}
	return nil
}

// stepCredentials are the credentials a step's shim writes.
func (b *builder) stepCredentials() []credentials.Credential {
	if len(b.in.Credentials) == 0 {
		return nil
	}
	return append([]credentials.Credential(nil), b.in.Credentials...)
}

// stepInternalMounts are stepMounts plus the credential mounts.
func (b *builder) stepInternalMounts() []corev1.VolumeMount {
	if len(b.credMounts) == 0 && !b.stepsDir && !b.in.Held && !debugging(b.in.TaskRun) {
		return stepMounts
	}
	out := append([]corev1.VolumeMount(nil), stepMounts...)
	if b.stepsDir {
		out = append(out, corev1.VolumeMount{Name: volSteps, MountPath: entrypoint.StepsDir})
	}
	if b.in.Held {
		out = append(out, releaseMount)
	}
	if debugging(b.in.TaskRun) {
		out = append(out, debugMount)
	}
	return append(out, b.credMounts...)
}
