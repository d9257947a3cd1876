// Package keyattest verifies and mints key attestations in the JWT format
// of OpenID4VCI 1.0 Appendix D.1 (typ key-attestation+jwt), as HAIP 1.0
// profiles them (Section "Key Attestation"):
//
//   - the header's typ is key-attestation+jwt, its alg an allowed asymmetric
//     algorithm, and the signer is conveyed by x5c: the signing certificate
//     first, not self-signed, the trust anchor not included, the chain
//     verifying to one of the configured wallet-provider anchors;
//   - the signature verifies before any claim is read;
//   - iat is present and not in the future, exp (required inside a jwt
//     proof) has not passed, attested_keys is a non-empty array of public
//     JWKs without private members or duplicates, key_storage and
//     user_authentication are string arrays, nonce equals the expected
//     c_nonce when one is given, and status (a Token Status List reference)
//     is checked when a StatusChecker is configured.
//
// Mint produces such a JWT for a wallet provider. The issuer consumes
// Verify through its own KeyAttestationVerifier interface.
package keyattest
