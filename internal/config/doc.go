// Package config is the typed, validated configuration of pramaan serve.
//
// A configuration starts as Default, the embedded default (a development
// issuer on 127.0.0.1:8080 offering aadhaar_sd_jwt and aadhaar_mdoc). Parse
// overlays a YAML document on it, Load does the same for a file and then
// applies the PRAMAAN_* environment variables; the caller applies its
// command-line flags by assigning fields and finally calls Config.Validate,
// which reports every problem at once, each with its YAML path.
//
// # Overlay rule
//
// Scalars present in the YAML replace the default; absent ones keep it.
// Lists replace the default list whole. Two maps replace the default whole
// when present: issuer.display and credential_configurations (so that a file
// can drop the default credentials, not only add to them).
//
// # Errors
//
// Parse errors wrap ErrSyntax and name the YAML line (unknown keys are
// errors: a misspelt key must not silently fall back to a default).
// Validate returns errors.Join of *FieldError values, each wrapping
// ErrInvalid and naming the YAML path, for example
// credential_configurations.aadhaar_mdoc.claims[2].path.
package config
