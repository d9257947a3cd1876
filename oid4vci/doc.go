// Package oid4vci holds the wire types of OpenID for Verifiable Credential
// Issuance 1.0 (final) shared by the issuer and the wallet: the Credential
// Offer and its links, the Token, Nonce, Credential, Deferred Credential and
// Notification requests and responses, the key proof JWT header and claims,
// and the error codes of every endpoint.
//
// Section numbers in comments refer to OpenID4VCI 1.0 unless another
// document is named (RFC 6749, RFC 6750, RFC 9396, RFC 9449, HAIP 1.0).
//
// Every parser of outside input (ParseCredentialOffer, ParseCredentialOfferLink,
// ParseTokenRequest, ParseCredentialRequest, ParseDeferredCredentialRequest,
// ParseNotificationRequest and the response parsers used by wallets) applies
// the size, depth and count limits of a [Limits] value, rejects duplicate
// JSON members, matches member names case-sensitively as the specification
// requires, ignores unrecognised members as the specification requires, and
// never panics.
//
// Errors that an endpoint returns to a client are [*Error] values carrying
// the specification's error code and HTTP status; match them with
// errors.Is(err, CodeInvalidProof) and friends, or errors.As for the value.
// Parsers that a wallet uses on the issuer's output return errors wrapping
// the sentinels ErrInvalidCredentialOffer, ErrInvalidTokenResponse,
// ErrInvalidNonceResponse and ErrInvalidCredentialResponse.
//
// The package verifies no signature and decrypts nothing: proof checks and
// JWE handling belong to the issuer and the wallet. It imports only the
// standard library.
package oid4vci
