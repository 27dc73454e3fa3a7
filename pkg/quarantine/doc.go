// Package quarantine keeps one undecodable object from stopping a whole
// informer. Objects stored while a CRD's schema was open (or written past
// it) can hold a field of the wrong JSON type; decoding a list that holds
// one fails, and an informer that cannot list reconciles nothing of its
// kind again, in any namespace.
//
// Transport wraps the controller's HTTP transport: in list, watch and get
// responses of the groups it guards, each object that does not decode into
// its Go type is replaced by a stub that does: its apiVersion, kind and
// metadata, whichever of spec and status still decode, and the annotation
// Annotation carrying the decoding error. The reconcilers fail such a run
// with that error; a run that references such a Task or Pipeline fails
// naming it. Nothing is ever written back to the stored object by this
// package, and objects that decode pass through byte for byte.
//
// The package knows no reconciler and no Tekton type: it decodes with the
// scheme it is given.
package quarantine
