package gitserver

import (
	"fmt"
	"strings"
)

// SampleApp describes the demo repository built by CreateSampleApp.
type SampleApp struct {
	// V1 is the first commit (page "v1"); main, and tag v1, point to it.
	V1 string
	// V2 is V1's child (page "v2"); branch v2 and tag v2 point to it.
	V2 string
}

// SamplePage is the index.html the sample app serves for version.
func SamplePage(version string) string {
	return fmt.Sprintf("<!doctype html>\n<title>Slipway sample app</title>\n<h1>Hello from Slipway %s</h1>\n", version)
}

// SampleDockerfile is the sample app's Dockerfile: busybox httpd serving
// /www on $PORT (Knative's contract, default 8080).
func SampleDockerfile(baseImage string) string {
	return strings.Join([]string{
		"FROM " + baseImage,
		"COPY index.html /www/index.html",
		"EXPOSE 8080",
		`CMD ["sh", "-c", "exec httpd -f -v -p ${PORT:-8080} -h /www"]`,
		"",
	}, "\n")
}

// CreateSampleApp creates the demo repository in dir: a Dockerfile FROM
// baseImage (which must contain busybox httpd) and an index.html. main is
// at V1; promote the demo to the second page with Repo.SetRef("main", V2).
func CreateSampleApp(dir, baseImage string) (SampleApp, error) {
	r, err := Init(dir)
	if err != nil {
		return SampleApp{}, err
	}
	var app SampleApp
	if app.V1, err = r.Commit("sample app v1", map[string]string{
		"Dockerfile": SampleDockerfile(baseImage),
		"index.html": SamplePage("v1"),
	}); err != nil {
		return SampleApp{}, err
	}
	if app.V2, err = r.Commit("sample app v2", map[string]string{"index.html": SamplePage("v2")}); err != nil {
		return SampleApp{}, err
	}
	steps := []func() error{
		func() error { return r.SetRef("v2", app.V2) },
		func() error { return r.Tag("v1", app.V1, "") },
		func() error { return r.Tag("v2", app.V2, "") },
		func() error { return r.SetRef("main", app.V1) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return SampleApp{}, fmt.Errorf("creating sample app in %s: %w", dir, err)
		}
	}
	return app, nil
}
