// Package sdjwt issues, presents and verifies Selective Disclosure JWTs
// (RFC 9901, the text of draft-ietf-oauth-selective-disclosure-jwt-22) and
// SD-JWT-based Verifiable Digital Credentials (draft-ietf-oauth-sd-jwt-vc-18).
//
// Issuing: mark the claims that are selectively disclosable with [SD] (or mark
// them by path with [MarkPaths]) and call [Issuer.Issue] or [Issuer.IssueVC].
// Keys are [crypto.Signer]s; salts come from crypto/rand. Disclosures are
// encoded the way the specification's examples are (Python json.dumps style),
// so re-issuing with the examples' salts reproduces their bytes.
//
// Presenting: [SDJWT.Select] keeps the disclosures for the given claim paths
// (and the parents they need); [SDJWT.AddKeyBinding] appends a KB-JWT.
//
// Verifying: a [Verifier] checks the issuer signature against an algorithm
// allow-list with a key from a [KeyResolver] ([JWKS], [X5CResolver],
// [MetadataResolver]), processes the disclosures (RFC 9901 Section 7.1),
// the key binding (Section 7.3) and, with [Verifier.VerifyVC], the SD-JWT VC
// rules. Every failure wraps one of the exported sentinel errors.
//
// The package knows nothing about HTTP: issuer metadata is fetched through
// an injected [FetchFunc].
package sdjwt
