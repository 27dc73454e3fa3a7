package substitution_test

import (
	"fmt"

	"github.com/slipway-ci/slipway/pkg/substitution"
)

func ExampleValues_String() {
	v := substitution.NewValues()
	v.Strings["params.who"] = "world"
	v.Arrays["params.flags"] = []string{"-a", "-b"}
	v.Objects["params.repo"] = map[string]string{"url": "https://example.com/r.git"}

	fmt.Println(v.String(`hello $(params["who"]) from $(params.repo.url), first flag $(params.flags[0]), $(HOME) untouched`))
	fmt.Println(v.Expand([]string{"run", "$(params.flags[*])"}))
	// Output:
	// hello world from https://example.com/r.git, first flag -a, $(HOME) untouched
	// [run -a -b]
}
