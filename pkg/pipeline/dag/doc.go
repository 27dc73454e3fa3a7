// Package dag builds the dependency graph of a Pipeline's tasks from their
// runAfter lists and the result references in their params, when
// expressions and matrix, and answers which tasks may run next.
//
// It is pure: no clients, no logging, no clock. Finally tasks are kept apart
// from the graph: they depend on every ordinary task having finished, may
// read ordinary tasks' results, and can never be named in runAfter.
package dag
