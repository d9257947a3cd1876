// Package esignet is an OpenID Connect relying party for MOSIP eSignet
// (../../shared/reference/india-identity-rails.md part 3), the way a
// FAPI 2.0-minded eSignet deployment expects one:
//
//   - endpoints come from the discovery document (never hard-coded), whose
//     issuer must be the configured one; the JWKS is cached and fetched
//     again when a token names an unknown kid (rotation), unless the
//     cached set is under ten seconds old;
//   - the client authenticates only with private_key_jwt (RFC 7523: iss =
//     sub = client_id, aud the endpoint, a short exp, a unique jti), signed
//     by the relying party's key through a crypto.Signer;
//   - Start pushes the authorization request (RFC 9126 PAR) with PKCE S256,
//     state, nonce, acr_values, the claims parameter (essential and
//     voluntary claims, verified_claims), claims_locales and dpop_jkt, a
//     fresh DPoP key per sign-in; the caller keeps the Pending values
//     (sealed) until the callback;
//   - Callback checks state and the RFC 9207 iss parameter, redeems the
//     code with a DPoP proof (retrying once on use_dpop_nonce), validates
//     the ID token (signature from the JWKS, never alg none; iss, aud, azp,
//     exp, iat, nonce, at_hash, acr, auth_time), and reads userinfo with a
//     DPoP proof carrying ath: a JWS verified against the JWKS, or a nested
//     JWT decrypted with the relying party's RSA key first; its sub must be
//     the ID token's. Locale-tagged names (name#en) are folded to the
//     preferred locale, and verified_claims are lifted.
//
// Nothing here stores anything: the Identity (the pairwise sub and the
// consented claims) goes to the verified-claims record of the caller.
package esignet
