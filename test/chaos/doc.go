// Package chaos is `make chaos`: Slipway on the local cluster while its
// controller, the API server and pods are killed, and fed hostile specs.
// Each test checks the outcome it documents and adds a row to the report
// that TestMain writes to docs/reliability.md (-report). Build tag chaos:
// it kills cluster daemons, so it never runs with the other suites.
package chaos
