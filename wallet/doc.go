// Package wallet is Pramaan's OpenID4VCI 1.0 holder client: the wallet
// side of the Pre-Authorized Code flow, used as a product by integrators
// and as the client the end-to-end tests trust.
//
// # Flow
//
// A Client runs the flow step by step, so that a benchmark can time each
// step, or all at once with Receive:
//
//   - ParseOffer reads an offer in every form (openid-credential-offer://,
//     haip-vci:// or haip://, an https link of a Credential Offer Endpoint,
//     by value or by reference, or the JSON itself) and fetches an offer by
//     reference (Section 4.1.3: only 200 application/json, MaxOfferBytes).
//   - Discover fetches the Credential Issuer Metadata and the Authorization
//     Server Metadata and checks that each names the identifier it was
//     fetched for (Section 12.2.4, RFC 8414 Section 3.3); with
//     SignedMetadata it asks for the signed JWT and verifies its x5c chain
//     against Roots (Section 12.2.3).
//   - Token redeems the pre-authorized code with the tx_code (Section 6),
//     binding the access token to a fresh P-256 DPoP key of the session
//     (RFC 9449) and retrying once on use_dpop_nonce.
//   - Nonce fetches a c_nonce (Section 7); Credential signs one jwt key
//     proof per holder key (Appendix F.1; several keys make a batch,
//     Section 8.2), asks for an ECDH-ES encrypted response when told to or
//     when the issuer requires it, and then encrypts the request to the
//     issuer's request key as Section 8.2 demands (Section 10).
//   - Deferred polls a pending issuance (Section 9), Notify sends
//     credential_accepted, credential_failure or credential_deleted
//     (Section 11).
//
// # Verification
//
// Verify, which Receive applies to every credential before it stores or
// returns it, checks an SD-JWT VC with package sdjwt (issuer key from the
// x5c header, chained to Roots; vct as configured; cnf.jwk equal to the
// holder key) and an mdoc with package mdoc (document signer chained to
// Roots; digests; validity; doctype as configured; MSO deviceKey equal to
// the holder key). A credential that fails is never stored, and the
// issuer is told credential_failure.
//
// # Keys and storage
//
// Holder keys live behind the KeyStore interface: MemoryKeyStore and
// FileKeyStore (PKCS#8 PEM files of mode 0600 named by the key's RFC 7638
// thumbprint) are software implementations; a hardware-backed store
// implements the same two methods. Keys are used as crypto.Signer, so a
// store may keep the private key out of reach. FileStore keeps one JSON
// file of mode 0600 per credential.
//
// # Limits
//
// Every answer of an issuer is read within MaxResponseBytes and Timeout
// and parsed by the strict parsers of packages oid4vci and wellknown;
// failures wrap ErrResponse, ErrIssuerMismatch, ErrEncryption,
// ErrSignedMetadata, ErrVerification or ErrUnsupported, and error
// responses of the issuer come back as *IssuerError.
//
// The package imports neither package issuer nor anything internal: it
// speaks only the wire protocol, which is what keeps the end-to-end tests
// honest. Package wallettest provides a fake issuer to test against.
package wallet
