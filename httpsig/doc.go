// Package httpsig signs and verifies HTTP messages with HTTP Message
// Signatures (RFC 9421) using ecdsa-p256-sha256 (Section 3.3.4), and
// computes and checks Content-Digest (RFC 9530).
//
// It implements the part of RFC 9421 Pramaan needs for its signed
// wallet-backend callbacks: the derived components @method, @target-uri,
// @authority, @path, @query and @status, plain header fields, and the
// created, expires, keyid, alg, nonce and tag parameters. Component
// parameters (sf, key, bs, req, name) are refused with a clear error, not
// ignored.
//
// A Signer turns a Message into Signature-Input and Signature header
// values; a Verifier parses them strictly (RFC 8941 structured fields,
// with size limits), rebuilds the signature base and checks the signature
// against the key its resolver returns for the keyid, the components it
// requires and the age of created.
package httpsig
