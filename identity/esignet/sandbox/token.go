package sandbox

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// pkceVerifier is RFC 7636 Section 4.1's code_verifier.
var pkceVerifier = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// tokenGrant is what an access token stands for, kept by the token's
// hash.
type tokenGrant struct {
	clientID, userID, jkt string
	scopes, claims        []string
	locales               []string
	expires               time.Time
}

// token is the v2 token endpoint (reference §3.4, §3.6). In the order
// checked: the form; the grant type; the DPoP proof, mandatory (400
// invalid_request without one, invalid_dpop_proof when bad) and with a
// live nonce of this endpoint (400 use_dpop_nonce with a fresh DPoP-Nonce
// otherwise, which the first request always gets); the client assertion
// (invalid_client); then the code, consumed by any request that reaches
// it (invalid_grant when unknown, used, expired, another client's, for
// another redirect_uri or failing PKCE); last the code's DPoP binding
// (invalid_dpop_proof when the proof's key is not dpop_jkt, as eSignet's
// validateDpopJktThumbprint answers).
func (s *Sandbox) token(w http.ResponseWriter, r *http.Request) {
	s.count("token")
	form, err := readForm(w, r)
	if err != nil {
		writeError(w, badRequest("invalid_request", "%v", err))
		return
	}
	if s.takeFault(FaultTokenInvalidClient) != 0 {
		writeError(w, badRequest("invalid_client", "injected fault"))
		return
	}
	if gt := form.Get("grant_type"); gt != "authorization_code" {
		writeError(w, badRequest("unsupported_grant_type", "grant_type must be authorization_code"))
		return
	}
	p, err := s.checkDPoP(r, http.MethodPost, s.url(pathToken), "")
	if errors.Is(err, errNoProof) {
		writeError(w, badRequest("invalid_request", "a DPoP proof is required"))
		return
	}
	if err != nil {
		writeError(w, badRequest("invalid_dpop_proof", "%v", err))
		return
	}
	if !s.nonceValid(pathToken, p.nonce) {
		s.count("token_use_dpop_nonce")
		e := badRequest("use_dpop_nonce", "the DPoP proof must carry the nonce in the DPoP-Nonce header")
		e.dpopNonce = s.newNonce(pathToken)
		writeError(w, e)
		return
	}
	c, e := s.authenticateClient(r, form, s.url(pathToken), s.issuer)
	if e != nil {
		writeError(w, e)
		return
	}
	code := form.Get("code")
	s.mu.Lock()
	now := s.now()
	g, ok := s.codes[code]
	delete(s.codes, code) // single use, even when refused
	s.mu.Unlock()
	switch {
	case !ok || now.After(g.expires):
		writeError(w, badRequest("invalid_grant", "the code is unknown, used or expired"))
		return
	case g.req.clientID != c.ID:
		writeError(w, badRequest("invalid_grant", "the code was issued to another client"))
		return
	case form.Get("redirect_uri") != g.req.redirectURI:
		writeError(w, badRequest("invalid_grant", "redirect_uri is not the authorization request's"))
		return
	case !pkceVerifier.MatchString(form.Get("code_verifier")):
		writeError(w, badRequest("invalid_grant", "code_verifier is missing or malformed"))
		return
	case subtle.ConstantTimeCompare([]byte(sha256b64(form.Get("code_verifier"))), []byte(g.req.challenge)) != 1:
		writeError(w, badRequest("invalid_grant", "code_verifier does not match the code_challenge"))
		return
	case g.req.dpopJKT != "" && g.req.dpopJKT != p.jkt:
		writeError(w, badRequest("invalid_dpop_proof", "the DPoP proof's key is not the one the code is bound to (dpop_jkt)"))
		return
	}
	resp, err := s.issue(g, p.jkt, now)
	if err != nil {
		writeError(w, &apiError{status: http.StatusInternalServerError, code: "server_error", desc: err.Error()})
		return
	}
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, resp)
}

// issue mints the access token and the ID token of a redeemed code,
// applying an ID token fault when one is queued.
func (s *Sandbox) issue(g codeGrant, jkt string, now time.Time) (map[string]any, error) {
	sub := s.Subject(g.userID, g.req.clientID)
	exp := now.Add(tokenLifetime)
	access, err := signPS256(s.key, s.kid, "JWT", map[string]any{
		"iss": s.issuer, "sub": sub, "aud": g.req.clientID, "azp": g.req.clientID, "client_id": g.req.clientID,
		"iat": now.Unix(), "exp": exp.Unix(), "scope": strings.Join(g.req.scopes, " "),
		"cnf": map[string]string{"jkt": jkt}, "jti": randomB64(16),
	})
	if err != nil {
		return nil, fmt.Errorf("access token: %w", err)
	}
	id := map[string]any{
		"iss": s.issuer, "sub": sub, "aud": g.req.clientID, "iat": now.Unix(), "exp": exp.Unix(),
		"auth_time": g.authTime.Unix(), "nonce": g.req.nonce, "acr": g.req.acr, "at_hash": atHash(access),
	}
	key := s.key
	fault := s.takeFault(idTokenFaults...)
	switch fault {
	case FaultIDTokenExpired:
		id["iat"], id["exp"], id["auth_time"] = now.Add(-2*time.Hour).Unix(), now.Add(-time.Hour).Unix(), now.Add(-2*time.Hour).Unix()
	case FaultIDTokenBadAtHash:
		id["at_hash"] = atHash(access + ".")
	case FaultIDTokenWrongNonce:
		id["nonce"] = randomB64(16)
	case FaultIDTokenUnknownKey:
		if key, err = s.unknownKey(); err != nil {
			return nil, err
		}
	}
	var idToken string
	if fault == FaultIDTokenAlgNone {
		idToken, err = unsigned(s.kid, id)
	} else {
		idToken, err = signPS256(key, s.kid, "JWT", id)
	}
	if err != nil {
		return nil, fmt.Errorf("ID token: %w", err)
	}
	s.mu.Lock()
	s.prune(now)
	s.tokens[sha256b64(access)] = tokenGrant{clientID: g.req.clientID, userID: g.userID, jkt: jkt, scopes: g.req.scopes,
		claims: g.req.claims, locales: g.req.locales, expires: exp}
	s.mu.Unlock()
	return map[string]any{"id_token": idToken, "access_token": access, "token_type": "DPoP", "expires_in": int(tokenLifetime / time.Second)}, nil
}

// atHash is OpenID Connect Core 1.0 Section 3.1.3.6's at_hash for
// PS256: the left half of the SHA-256 of the access token's ASCII,
// base64url.
func atHash(accessToken string) string {
	h := sha256.Sum256([]byte(accessToken))
	return b64(h[:len(h)/2])
}

// unsigned is an "alg":"none" JWT with an empty signature (the
// FaultIDTokenAlgNone ID token).
func unsigned(kid string, claims any) (string, error) {
	h, err := json.Marshal(map[string]string{"alg": "none", "typ": "JWT", "kid": kid})
	if err != nil {
		return "", err
	}
	p, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	return b64(h) + "." + b64(p) + ".", nil
}

// unknownKey is an RSA key outside the JWKS, made on first use.
func (s *Sandbox) unknownKey() (*rsa.PrivateKey, error) {
	s.mu.Lock()
	k := s.otherKey
	s.mu.Unlock()
	if k != nil {
		return k, nil
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("the unknown key: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.otherKey == nil {
		s.otherKey = k
	}
	return s.otherKey, nil
}

// Subject is the pairwise sub (eSignet's partner-specific user token)
// the sandbox gives userID at clientID: base64url of HMAC-SHA256 of the
// sandbox's secret over userID, a NUL and clientID, 43 characters,
// stable for the sandbox's life.
func (s *Sandbox) Subject(userID, clientID string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(userID + "\x00" + clientID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
