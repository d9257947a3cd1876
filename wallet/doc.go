// Package wallet is Pramaan's OpenID4VCI 1.0 holder client: the wallet
// side of the Pre-Authorized Code flow, used as a product by integrators
// and as the client the end-to-end tests trust.
//
// A Client parses offers in every form (openid-credential-offer://,
// haip-vci://, https links, by value or by reference, or the JSON itself),
// discovers the issuer (credential issuer and authorization server
// metadata, checked to name the offer's issuer), redeems the
// pre-authorized code with the tx_code, binds the access token to a
// per-session DPoP key (retrying once on use_dpop_nonce), fetches c_nonces,
// signs one jwt key proof per holder key (batch issuance), encrypts the
// request and asks for an encrypted response when told to, polls deferred
// issuances and sends notifications. Every credential is verified before
// it is returned: SD-JWT VCs with package sdjwt (issuer key from the x5c
// chain up to Client.Roots, cnf.jwk equal to the holder key), mdocs with
// package mdoc (document signer chain up to Client.Roots, deviceKey equal
// to the holder key).
//
// Holder keys live behind the KeyStore interface (memory and file
// implementations here; hardware-backed stores implement the same two
// methods). SaveCredential keeps one JSON file per credential.
//
// The package does not import package issuer: it speaks only the wire
// protocol, which is what keeps the end-to-end tests honest.
package wallet
