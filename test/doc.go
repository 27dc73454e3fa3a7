// Package test holds Slipway's end-to-end tests (test/e2e, build tag e2e)
// and test-only fixtures. Nothing here is imported by production code.
package test
