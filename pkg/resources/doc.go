// Package resources synthesizes the child objects of Slipway's runs: the
// Pod of a TaskRun (MakePod), and the names of children (ChildName,
// PodName, WorkspacePVCName).
//
// It is pure translation: no clients, no logging, no I/O, no config read
// from a context. Everything it needs arrives as arguments (the TaskRun,
// its already-substituted TaskSpec, the Config and resolved image
// configs), and bad input is returned as an error naming the field, never
// dropped. depcheck_test.go keeps client and registry code out.
package resources
