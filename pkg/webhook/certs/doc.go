// Package certs makes and rotates the webhook's serving certificate without
// cert-manager: a CA and a leaf it signs are kept in one Secret that every
// replica reads, and the CA is injected as caBundle into the webhook
// configurations and the CRDs' conversion webhooks.
//
// Bundle is pure (crypto only); Rotator does the I/O. Nothing here knows
// about Tekton's types.
package certs
