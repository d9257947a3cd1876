// Package sandbox simulates MOSIP eSignet as an OpenID Connect provider
// (../../../shared/reference/india-identity-rails.md part 3) with
// eSignet's rules, for tests and for the embedded default's "Sign in
// with eSignet (sandbox)":
//
//   - discovery at /.well-known/openid-configuration (and eSignet's own
//     /v1/esignet/oidc/.well-known/openid-configuration), the signing key
//     (one RSA-2048 key, PS256) at /.well-known/jwks.json;
//   - pushed authorization requests only (RFC 9126) at
//     /v1/esignet/oauth/par: 201, request_uri
//     urn:ietf:params:oauth:request_uri:<25 alphanumerics>, 60 s, single
//     use, bound to the client; PKCE S256, state and nonce required;
//     acr_values, the claims parameter, claims_locales and dpop_jkt (or a
//     DPoP header) kept with the request;
//   - the client authenticates only with private_key_jwt (RS256, PS256 or
//     ES256; iss = sub = client_id; aud the endpoint or the issuer; exp
//     and iat with 5 s of leeway; jti never seen before), every failure
//     being 400 invalid_client as eSignet answers;
//   - /authorize shows a consent page (sandbox-labelled, not a real
//     eSignet) listing the synthetic users and redirects with code, state
//     and iss (RFC 9207), or error=access_denied;
//   - the token endpoint /v1/esignet/oauth/v2/token requires DPoP (RFC
//     9449) and always answers the first proof with 400 use_dpop_nonce
//     and a DPoP-Nonce valid 15 s; it issues a PS256 ID token (pairwise
//     sub, nonce, acr, at_hash, 1 h) and a DPoP-bound JWT access token
//     (cnf.jkt);
//   - userinfo at /v1/esignet/oidc/userinfo takes the access token with
//     the DPoP scheme and a proof carrying ath, challenges the first proof
//     with use_dpop_nonce, and answers application/jwt: a PS256 JWS of the
//     consented claims (locale-suffixed, name#en, when claims_locales is
//     asked), nested in a JWE (RSA-OAEP-256, A256GCM, cty JWT) when the
//     client registered an encryption key.
//
// Faults can be injected (Inject) to make the ID token, userinfo, the
// token endpoint or discovery misbehave once, and Requests counts what
// each endpoint received.
//
// State lives in memory: one sandbox serves one process, which is what
// tests and the single-instance embedded default need. Nothing here is a
// real identity or fit for production trust.
package sandbox
