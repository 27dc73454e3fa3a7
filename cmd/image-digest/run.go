package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/slipway-ci/slipway/pkg/digest"
)

// list collects a repeatable flag.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(s string) error { *l = append(*l, s); return nil }

const usage = "usage: image-digest docker-config|check [flags] (-help for flags)"

// Main runs one subcommand and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "docker-config":
		err = dockerConfig(args[1:], stdout, stderr)
	case "check":
		err = check(ctx, args[1:], stdout, stderr)
	default:
		err = fmt.Errorf("unknown subcommand %q; %s", args[0], usage)
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "image-digest: %v\n", err)
		return 1
	}
	return 0
}

func dockerConfig(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("docker-config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o digest.DockerConfigOptions
	fs.StringVar(&o.Out, "out", "", "directory that receives config.json (required)")
	fs.Var((*list)(&o.Dirs), "dir", "directory with config.json, .dockerconfigjson or .dockercfg (repeatable, first wins; empty is skipped)")
	fs.Var((*list)(&o.SecretsDirs), "secrets", "directory of mounted secrets, one subdirectory each (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("docker-config: unexpected arguments %q", fs.Args())
	}
	hosts, err := digest.WriteDockerConfig(o)
	if err != nil {
		return fmt.Errorf("docker-config: %w", err)
	}
	fmt.Fprintf(stdout, "docker credentials for %d registries: %s\n", len(hosts), strings.Join(hosts, " "))
	return nil
}

func check(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o digest.VerifyOptions
	fs.StringVar(&o.Image, "image", "", "reference kaniko pushed, its --destination (required)")
	fs.StringVar(&o.DigestFile, "digest-file", "", "kaniko's --digest-file (required)")
	fs.StringVar(&o.DigestResult, "digest-result", "", "file that receives the verified digest")
	fs.StringVar(&o.URLResult, "url-result", "", "file that receives the image reference")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.Image == "" || o.DigestFile == "" {
		return errors.New("check: -image and -digest-file are required")
	}
	// The arguments after the flags are kaniko's own (EXTRA_ARGS): the
	// check reaches the registry the way kaniko did (--insecure, ...).
	o.TLS = digest.ParseKanikoArgs(fs.Args())
	d, err := digest.Verify(ctx, o)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	fmt.Fprintf(stdout, "%s@%s verified against the registry\n", o.Image, d)
	return nil
}
