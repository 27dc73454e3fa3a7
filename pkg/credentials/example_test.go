package credentials_test

import (
	"fmt"

	"github.com/slipway-ci/slipway/pkg/credentials"
)

func ExamplePlan() {
	creds, err := credentials.Plan([]credentials.Secret{
		{
			Name: "git-basic", Type: credentials.TypeBasicAuth,
			Annotations: map[string]string{"tekton.dev/git-0": "https://github.com"},
			Keys:        []string{"username", "password"},
		},
		{Name: "regcred", Type: credentials.TypeDockerConfigJSON, Keys: []string{".dockerconfigjson"}},
		{Name: "token", Type: "kubernetes.io/service-account-token"},
	})
	if err != nil {
		panic(err)
	}
	for _, c := range creds {
		fmt.Println(c) // the entrypoint's -creds values
	}
	// Output:
	// basic-git=git-basic=https://github.com
	// docker-config=regcred
}
