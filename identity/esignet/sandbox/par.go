package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

const (
	requestURIPrefix = "urn:ietf:params:oauth:request_uri:"
	maxClaimsParam   = 4 << 10
)

// base64SHA256 is a base64url SHA-256 (code_challenge, dpop_jkt): 43
// characters.
var base64SHA256 = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// authzRequest is an authorization request as pushed, checked.
type authzRequest struct {
	clientID, redirectURI, state, nonce, challenge string
	scopes                                         []string
	acr                                            string
	claims                                         []string // userinfo claims named by the claims parameter
	locales                                        []string // claims_locales the sandbox supports, in order
	dpopJKT                                        string
}

type parRequest struct {
	req     authzRequest
	expires time.Time
}

// par is the pushed authorization request endpoint (RFC 9126; reference
// §3.1, §3.2): the client authenticated by private_key_jwt, the request
// checked, and a single-use request_uri valid 60 s answered with 201.
func (s *Sandbox) par(w http.ResponseWriter, r *http.Request) {
	s.count("par")
	form, err := readForm(w, r)
	if err != nil {
		writeError(w, badRequest("invalid_request", "%v", err))
		return
	}
	if form.Get("client_id") == "" {
		writeError(w, badRequest("invalid_request", "client_id is required"))
		return
	}
	c, e := s.authenticateClient(r, form, s.url(pathPAR), s.url(pathToken), s.issuer)
	if e != nil {
		writeError(w, e)
		return
	}
	req, e := s.checkAuthzRequest(c, form)
	if e != nil {
		writeError(w, e)
		return
	}
	// A DPoP header binds the code to its key as dpop_jkt does (RFC 9449
	// Section 10.1); both must then agree.
	if p, err := s.checkDPoP(r, http.MethodPost, s.url(pathPAR), ""); err == nil {
		if req.dpopJKT != "" && req.dpopJKT != p.jkt {
			writeError(w, badRequest("invalid_dpop_proof", "dpop_jkt is not the thumbprint of the DPoP proof's key"))
			return
		}
		req.dpopJKT = p.jkt
	} else if !errors.Is(err, errNoProof) {
		writeError(w, badRequest("invalid_dpop_proof", "%v", err))
		return
	}
	uri := requestURIPrefix + alphanumeric(25)
	s.mu.Lock()
	now := s.now()
	s.prune(now)
	s.pars[uri] = parRequest{req: req, expires: now.Add(parLifetime)}
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"request_uri": uri, "expires_in": int(parLifetime / time.Second)})
}

// checkAuthzRequest checks the pushed parameters (reference §3.2).
func (s *Sandbox) checkAuthzRequest(c Client, form map[string][]string) (authzRequest, *apiError) {
	get := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	invalid := func(format string, a ...any) (authzRequest, *apiError) {
		return authzRequest{}, badRequest("invalid_request", format, a...)
	}
	req := authzRequest{clientID: c.ID, redirectURI: get("redirect_uri"), state: get("state"), nonce: get("nonce"),
		challenge: get("code_challenge"), dpopJKT: get("dpop_jkt")}
	if _, ok := form["request_uri"]; ok {
		return invalid("request_uri cannot be pushed")
	}
	if _, ok := form["request"]; ok {
		return invalid("request objects are not supported")
	}
	if get("response_type") != "code" {
		return invalid("response_type must be code")
	}
	if !slices.Contains(c.RedirectURIs, req.redirectURI) {
		return invalid("redirect_uri is not registered for the client")
	}
	for _, sc := range strings.Fields(get("scope")) {
		if !slices.Contains(supportedScopes, sc) {
			return invalid("scope %q is not supported", sc)
		}
		if !slices.Contains(req.scopes, sc) {
			req.scopes = append(req.scopes, sc)
		}
	}
	if !slices.Contains(req.scopes, "openid") {
		return invalid("scope must contain openid")
	}
	if req.state == "" {
		return invalid("state is required")
	}
	if req.nonce == "" {
		return invalid("nonce is required")
	}
	if req.challenge == "" {
		return invalid("code_challenge is required")
	}
	if m := get("code_challenge_method"); m != "S256" {
		if m == "" {
			return invalid("code_challenge_method is required")
		}
		return authzRequest{}, badRequest("unsupported_pkce_challenge_method", "code_challenge_method must be S256")
	}
	if !base64SHA256.MatchString(req.challenge) {
		return invalid("code_challenge must be a base64url SHA-256")
	}
	if req.dpopJKT != "" && !base64SHA256.MatchString(req.dpopJKT) {
		return invalid("dpop_jkt must be a base64url SHA-256 thumbprint")
	}
	req.acr = chooseACR(get("acr_values"))
	var err error
	if req.claims, err = parseClaimsParameter(get("claims")); err != nil {
		return invalid("claims: %v", err)
	}
	for _, l := range strings.Fields(get("claims_locales")) {
		if slices.Contains(supportedLocales, l) && !slices.Contains(req.locales, l) {
			req.locales = append(req.locales, l)
		}
	}
	return req, nil
}

// chooseACR is the first requested ACR the sandbox supports; eSignet
// ignores unknown ones, and with none the generated code (OTP) is used.
func chooseACR(values string) string {
	for _, a := range strings.Fields(values) {
		if slices.Contains(supportedACRs, a) {
			return a
		}
	}
	return supportedACRs[0]
}

// parseClaimsParameter reads the claims parameter (OpenID Connect Core
// 1.0 Section 5.5), at most 4 KiB, and returns the userinfo claims it
// names that the sandbox knows. Each member must be null or an object
// whose essential, when present, is a boolean and whose purpose, when
// present, has 3 to 300 characters (eSignet's rule); other members
// (verified_claims, …) are accepted and not answered.
func parseClaimsParameter(param string) ([]string, error) {
	if param == "" {
		return nil, nil
	}
	if len(param) > maxClaimsParam {
		return nil, fmt.Errorf("over %d bytes", maxClaimsParam)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(param), &top); err != nil || top == nil {
		return nil, errors.New("not a JSON object")
	}
	for _, part := range []string{"id_token", "userinfo"} {
		if v, ok := top[part]; ok && !isNull(v) && !isObject(v) {
			return nil, fmt.Errorf("%s must be an object", part)
		}
	}
	var members map[string]json.RawMessage
	if v, ok := top["userinfo"]; ok && !isNull(v) {
		json.Unmarshal(v, &members) // an object: checked above
	}
	var out []string
	for name, v := range members {
		if !slices.Contains(supportedClaims, name) {
			continue
		}
		if !isNull(v) {
			var req struct {
				Essential *json.RawMessage `json:"essential"`
				Purpose   *string          `json:"purpose"`
			}
			if !isObject(v) || json.Unmarshal(v, &req) != nil {
				return nil, fmt.Errorf("userinfo.%s must be null or an object", name)
			}
			if req.Essential != nil && string(*req.Essential) != "true" && string(*req.Essential) != "false" {
				return nil, fmt.Errorf("userinfo.%s.essential must be a boolean", name)
			}
			if req.Purpose != nil && (len([]rune(*req.Purpose)) < 3 || len([]rune(*req.Purpose)) > 300) {
				return nil, fmt.Errorf("userinfo.%s.purpose must have 3 to 300 characters", name)
			}
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out, nil
}

func isNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

func isObject(v json.RawMessage) bool {
	t := bytes.TrimSpace(v)
	return len(t) > 0 && t[0] == '{'
}
