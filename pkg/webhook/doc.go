// Package webhook is Slipway's admission and conversion webhook for
// tekton.dev objects, served by controller-runtime's webhook server in
// every controller replica:
//
//   - /default (mutating): strict decoding, so an unknown or mistyped field
//     is refused with its path, then defaults.Apply, answered as a patch;
//   - /validate: Tekton's own Validate, with Tekton's wording;
//   - /convert: v1beta1 ⇄ v1 with the Tekton types' own conversion.
//
// Certificates come from pkg/webhook/certs. The package never reconciles
// runs; it reads the controller's Config for defaults.
package webhook
