// Command image-digest is the helper of the kaniko catalog task:
//
//	image-digest docker-config -out DIR [-dir DIR]... [-secrets DIR]...
//	    merges Docker credentials into DIR/config.json for kaniko
//	image-digest check -image REF -digest-file FILE [-digest-result F] [-url-result F] [-- KANIKO_ARGS...]
//	    fails unless the registry serves kaniko's digest for REF
//
// See package digest.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
