package entrypoint

import (
	"fmt"
	"io"
	"strings"
)

// ReportParseError handles args that Parse rejected: it prints err, writes
// an Error termination message and, if the args name a post file, posts its
// failure marker so that later steps are skipped instead of waiting for
// ever. Paths are picked from args leniently, falling back to the defaults.
// It returns the shim's exit code (1).
func ReportParseError(args []string, err error, stderr io.Writer) int {
	o := Options{
		TerminationPath: lookupFlag(args, flagTerminationPath, TerminationPath),
		PostFile:        lookupFlag(args, flagPostFile, ""),
		Step:            lookupFlag(args, flagStep, ""),
	}
	t := Termination{Reason: ReasonError, ExitCode: 1,
		Message: fmt.Sprintf("entrypoint of step %q got bad arguments: %v", o.Step, err)}
	return NewRunner().report(o, stderr, outcome{term: t})
}

// lookupFlag finds -name v, --name v, -name=v or --name=v before "--".
func lookupFlag(args []string, name, def string) string {
	for i, a := range args {
		if a == "--" {
			break
		}
		a = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return def
}
