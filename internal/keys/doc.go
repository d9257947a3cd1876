// Package keys is Pramaan's key registry and file keystore.
//
// Open(dir, opts) opens a data directory (./pramaan-data by default in
// `pramaan serve`). On the first run it creates, with crypto/rand:
//
//   - credential-key.pem: the ES256 (P-256) key that signs SD-JWT VCs and
//     signed issuer metadata, and credential.pem, its certificate issued by
//     the IACA. HAIP 1.0 §6.1.1 (issuer key resolution) and §4.1 (signed
//     metadata, OpenID4VCI 1.0 §12.2.3) require key resolution through an
//     x5c chain whose leaf is not self-signed, hence a certificate under the
//     IACA root;
//   - iaca-key.pem and iaca.pem: a development IACA root (ISO/IEC 18013-5
//     Annex B.1.2, made by mdoc.NewIACA);
//   - ds-key.pem and ds.pem: the mdoc document signer (Annex B.1.4, made by
//     mdoc.NewDocumentSigner);
//   - request-key.pem: the P-256 key with which the issuer decrypts JWE
//     credential requests (ECDH-ES, OpenID4VCI 1.0 §10 and §12.2.4
//     credential_request_encryption);
//   - data-key: the AES-256 key that encrypts personal data at rest;
//   - admin-token: the bearer token of the admin API, unless the injected
//     environment sets PRAMAAN_ADMIN_TOKEN (then nothing is written).
//
// The directory is created with mode 0700, private files with 0600 and
// certificates with 0644. Each file is written to a temporary file, synced,
// and linked into place, so a crash never leaves a partial file, and an
// existing file is never overwritten.
//
// Later runs load the same material and refuse to start, with an error that
// names the file and says how to fix it, when a file is unreadable or
// malformed, when a private file is readable or writable by group or others,
// when a certificate does not match its key or does not chain to the IACA,
// when a certificate is expired or not yet valid, or when only one half of a
// key/certificate pair is present. Every such error is a *FileError wrapping
// one of the exported sentinels (ErrMalformed, ErrPermissions, …).
//
// Open also returns warnings: a certificate within the rotation window of
// its expiry, a credential certificate that does not name the configured
// issuer URL, a directory open to group or others. Keystore.Warnings
// re-evaluates them at any time.
//
// Secrets never print: every type that holds one implements fmt.Formatter,
// fmt.Stringer, fmt.GoStringer and slog.LogValuer with a redacted form.
// Signing keys are handed out as crypto.Signer (the seam where an HSM or KMS
// will plug in); key IDs are RFC 7638 JWK thumbprints.
//
// DataKey seals personal data with AES-256-GCM, a random 96-bit nonce and
// mandatory associated data, in a versioned format (see DataKey.Seal).
package keys
