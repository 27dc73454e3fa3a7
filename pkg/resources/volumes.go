package resources

import (
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/slipway-ci/slipway/pkg/config"
	"github.com/slipway-ci/slipway/pkg/entrypoint"
	"github.com/slipway-ci/slipway/pkg/substitution"
)

// Names of the volumes MakePod adds itself.
const (
	volBin       = "slipway-bin"
	volRun       = "slipway-run"
	volScripts   = "slipway-scripts"
	volResults   = "tekton-results"
	volHome      = "tekton-home"
	volWorkspace = "tekton-workspace"
	volSteps     = "tekton-steps"
)

// stepMounts are mounted in every step container, in this order.
var stepMounts = []corev1.VolumeMount{
	{Name: volBin, MountPath: entrypoint.BinDir, ReadOnly: true},
	{Name: volRun, MountPath: entrypoint.RunDir},
	{Name: volScripts, MountPath: entrypoint.ScriptsDir},
	{Name: volResults, MountPath: entrypoint.ResultsDir},
	{Name: volHome, MountPath: entrypoint.HomeDir},
	{Name: volWorkspace, MountPath: entrypoint.WorkspaceDir},
}

func (b *builder) addInternalVolumes() error {
	bin, err := binVolume(b.in.Config)
	if err != nil {
		return err
	}
	b.volumes[volBin] = true
	b.pod.Spec.Volumes = append(b.pod.Spec.Volumes, bin)
	names := []string{volRun, volScripts, volResults, volHome, volWorkspace}
	if b.stepsDir {
		names = append(names, volSteps)
	}
	for _, name := range names {
		b.volumes[name] = true
		b.pod.Spec.Volumes = append(b.pod.Spec.Volumes, corev1.Volume{
			Name:         name,
			VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}},
		})
	}
	return nil
}

// binVolume holds the entrypoint binary (D1).
func binVolume(cfg *config.Config) (corev1.Volume, error) {
	v := corev1.Volume{Name: volBin}
	switch cfg.EntrypointMode {
	case config.EntrypointModeNode:
		if cfg.EntrypointHostPath == "" {
			return v, fmt.Errorf("entrypoint mode %q needs an entrypoint host path", cfg.EntrypointMode)
		}
		t := corev1.HostPathDirectory
		v.HostPath = &corev1.HostPathVolumeSource{Path: cfg.EntrypointHostPath, Type: &t}
	case config.EntrypointModeInit:
		v.EmptyDir = &corev1.EmptyDirVolumeSource{}
	default:
		return v, fmt.Errorf("unknown entrypoint mode %q", cfg.EntrypointMode)
	}
	return v, nil
}

// addPrepare adds the init container that copies the entrypoint (init mode).
func (b *builder) addPrepare() error {
	cfg := b.in.Config
	if cfg.EntrypointMode != config.EntrypointModeInit {
		return nil
	}
	if cfg.EntrypointImage == "" {
		return fmt.Errorf("entrypoint mode %q needs an entrypoint image", cfg.EntrypointMode)
	}
	b.pod.Spec.InitContainers = append(b.pod.Spec.InitContainers, corev1.Container{
		Name:                     PrepareContainer,
		Image:                    cfg.EntrypointImage,
		Args:                     entrypoint.Options{CopyTo: entrypoint.BinPath}.Args(),
		VolumeMounts:             []corev1.VolumeMount{{Name: volBin, MountPath: entrypoint.BinDir}},
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
	})
	return nil
}

// addWorkspaces adds a volume and a mount for each bound workspace.
func (b *builder) addWorkspaces() error {
	tr := b.in.TaskRun
	bound := make(map[string]v1.WorkspaceBinding, len(tr.Spec.Workspaces))
	for _, wb := range tr.Spec.Workspaces {
		bound[wb.Name] = wb
	}
	declared := make(map[string]bool, len(b.in.Spec.Workspaces))
	for _, w := range b.in.Spec.Workspaces {
		declared[w.Name] = true
		wb, ok := bound[w.Name]
		if !ok {
			if w.Optional {
				continue
			}
			return fmt.Errorf("workspace %q is required by the Task but the TaskRun does not bind it", w.Name)
		}
		src, err := workspaceSource(tr, wb)
		if err != nil {
			return err
		}
		vol := corev1.Volume{Name: WorkspaceVolumeName(w.Name), VolumeSource: src}
		if err := b.addVolume(vol, fmt.Sprintf("workspace %q", w.Name)); err != nil {
			return err
		}
		b.wsMounts = append(b.wsMounts, corev1.VolumeMount{
			Name:      vol.Name,
			MountPath: substitution.WorkspaceMountPath(w),
			SubPath:   wb.SubPath,
			ReadOnly:  w.ReadOnly,
		})
		b.wsNames = append(b.wsNames, w.Name)
	}
	for _, wb := range tr.Spec.Workspaces {
		if !declared[wb.Name] {
			return fmt.Errorf("TaskRun binds workspace %q, which the Task does not declare", wb.Name)
		}
	}
	return nil
}

// workspaceSource turns a binding into a volume source. A
// volumeClaimTemplate refers to the PVC the reconciler created first.
func workspaceSource(tr *v1.TaskRun, wb v1.WorkspaceBinding) (corev1.VolumeSource, error) {
	var src corev1.VolumeSource
	n := 0
	if wb.EmptyDir != nil {
		src.EmptyDir, n = wb.EmptyDir.DeepCopy(), n+1
	}
	if wb.PersistentVolumeClaim != nil {
		src.PersistentVolumeClaim, n = wb.PersistentVolumeClaim.DeepCopy(), n+1
	}
	if wb.VolumeClaimTemplate != nil {
		src.PersistentVolumeClaim = &corev1.PersistentVolumeClaimVolumeSource{ClaimName: WorkspacePVCName(tr, wb)}
		n++
	}
	if wb.ConfigMap != nil {
		src.ConfigMap, n = wb.ConfigMap.DeepCopy(), n+1
	}
	if wb.Secret != nil {
		src.Secret, n = wb.Secret.DeepCopy(), n+1
	}
	if wb.Projected != nil {
		src.Projected, n = wb.Projected.DeepCopy(), n+1
	}
	if wb.CSI != nil {
		src.CSI, n = wb.CSI.DeepCopy(), n+1
	}
	if n != 1 {
		return src, fmt.Errorf("workspace binding %q must give exactly one volume source, it gives %d", wb.Name, n)
	}
	return src, nil
}

// checkMounts verifies that every container mounts only existing volumes
// and no path twice, so that bad input fails here with the container's
// name rather than at the API server.
func (b *builder) checkMounts() error {
	all := append(append([]corev1.Container{}, b.pod.Spec.InitContainers...), b.pod.Spec.Containers...)
	for i := range all {
		c := &all[i]
		paths := make(map[string]bool, len(c.VolumeMounts))
		for _, m := range c.VolumeMounts {
			if !b.volumes[m.Name] {
				return fmt.Errorf("container %q mounts volume %q, which does not exist", c.Name, m.Name)
			}
			if paths[m.MountPath] {
				return fmt.Errorf("container %q mounts two volumes at %q", c.Name, m.MountPath)
			}
			paths[m.MountPath] = true
		}
	}
	return nil
}
