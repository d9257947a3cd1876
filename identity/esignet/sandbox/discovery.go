package sandbox

import (
	"encoding/json"
	"net/http"
)

// Scopes, claims and ACRs the sandbox supports.
var (
	supportedScopes  = []string{"openid", "profile", "email", "phone", "address"}
	supportedACRs    = []string{"mosip:idp:acr:generated-code", "mosip:idp:acr:password", "mosip:idp:acr:biometrics"}
	supportedLocales = []string{"en", "hi"}
)

// discovery serves the OpenID Provider metadata (reference §3.4, §3.6,
// §3.8 item 1).
func (s *Sandbox) discovery(w http.ResponseWriter, r *http.Request) {
	s.count("discovery")
	if s.takeFault(FaultDiscoveryUnavailable) != 0 {
		writeError(w, &apiError{status: http.StatusServiceUnavailable, code: "temporarily_unavailable", desc: "injected fault"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                s.issuer,
		"authorization_endpoint":                s.url(pathAuthorize),
		"pushed_authorization_request_endpoint": s.url(pathPAR),
		"token_endpoint":                        s.url(pathToken),
		"userinfo_endpoint":                     s.url(pathUserinfo),
		"jwks_uri":                              s.url(pathJWKS),
		"token_endpoint_auth_methods_supported": []string{"private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported": clientAlgs,
		"subject_types_supported":                          []string{"pairwise"},
		"id_token_signing_alg_values_supported":            []string{"RS256", "PS256"},
		"userinfo_signing_alg_values_supported":            []string{"RS256", "PS256"},
		"userinfo_encryption_alg_values_supported":         []string{"RSA-OAEP-256"},
		"userinfo_encryption_enc_values_supported":         []string{"A256GCM"},
		"code_challenge_methods_supported":                 []string{"S256"},
		"claims_parameter_supported":                       true,
		"claims_supported":                                 supportedClaims,
		"claims_locales_supported":                         supportedLocales,
		"acr_values_supported":                             supportedACRs,
		"dpop_signing_alg_values_supported":                dpopAlgs,
		"require_pushed_authorization_requests":            true,
		"authorization_response_iss_parameter_supported":   true,
		"response_types_supported":                         []string{"code"},
		"response_modes_supported":                         []string{"query"},
		"grant_types_supported":                            []string{"authorization_code"},
		"scopes_supported":                                 supportedScopes,
		"display_values_supported":                         []string{"page"},
		"ui_locales_supported":                             supportedLocales,
	})
}

// serveJWKS serves the public signing keys.
func (s *Sandbox) serveJWKS(w http.ResponseWriter, r *http.Request) {
	s.count("jwks")
	b, err := json.Marshal(s.jwks)
	if err != nil {
		writeError(w, &apiError{status: http.StatusInternalServerError, code: "server_error", desc: "encoding the JWKS"})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "max-age=300")
	w.Write(b)
}
