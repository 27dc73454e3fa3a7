package resources

import (
	"sort"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
)

// ImageConfig is what MakePod needs from an image's config.
type ImageConfig struct {
	// Entrypoint is the image's ENTRYPOINT.
	Entrypoint []string
	// Cmd is the image's CMD.
	Cmd []string
}

// ImagesToResolve returns the images, sorted and unique, whose
// ENTRYPOINT/CMD MakePod needs: those of steps with neither a command nor
// a script. The step template's image and command count for steps that
// leave them empty. Sidecars run their image as is, so they need none.
func ImagesToResolve(spec *v1.TaskSpec) []string {
	seen := map[string]bool{}
	for i := range spec.Steps {
		st := &spec.Steps[i]
		image, command := st.Image, st.Command
		if t := spec.StepTemplate; t != nil {
			if image == "" {
				image = t.Image
			}
			if len(command) == 0 {
				command = t.Command
			}
		}
		if st.Script == "" && len(command) == 0 && image != "" {
			seen[image] = true
		}
	}
	out := make([]string, 0, len(seen))
	for img := range seen {
		out = append(out, img)
	}
	sort.Strings(out)
	return out
}
