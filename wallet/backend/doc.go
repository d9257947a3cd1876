// Package backend is a reference wallet backend: the receiver of
// Pramaan's credential callbacks (issue 4's app-mediated flow, and the
// direct flow when an offer names a wallet backend).
//
// For each POST it, in order: bounds the body; requires an
// Idempotency-Key; checks the RFC 9421 signature (tag pramaan-callback,
// covering @method, @target-uri, content-digest, content-type and
// idempotency-key, created within five minutes) with the issuer's key,
// looked up by keyid in the issuer's JWKS, and the Content-Digest;
// answers a key it has already accepted with the same 200 and nothing
// more (deduplication: the issuer delivers at least once, the receiver
// makes it exactly once); decrypts the JWE with its ECDH-ES key; verifies
// every credential (issuer signature to the trust roots, format rules,
// bound to a holder key); and only then records and answers 200.
//
// A bad signature answers 401 and a credential that does not verify 422:
// the issuer's outbox treats both as final (dead letter), since a retry
// cannot fix them. Accepted keys are kept in a directory when Dir is set,
// so that deduplication survives a restart of the receiver.
package backend
