package sandbox

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwe"
	"github.com/lestrrat-go/jwx/v3/jwk"
)

const maxAccessTokenBytes = 8 << 10

var (
	// supportedClaims are the userinfo claims the sandbox can answer.
	supportedClaims = []string{"name", "gender", "birthdate", "picture", "email", "phone_number", "address", "individual_id"}
	// scopeClaims are the claims each scope asks for (OpenID Connect Core
	// 1.0 Section 5.4).
	scopeClaims = map[string][]string{
		"profile": {"name", "gender", "birthdate", "picture"},
		"email":   {"email"},
		"phone":   {"phone_number"},
		"address": {"address"},
	}
	// localized claims carry a locale suffix (name#en) when
	// claims_locales is asked.
	localized = []string{"name", "gender", "address"}
)

// dataLocale is the language of the users' values: a claim asked in
// another locale has no value and is left out, as eSignet leaves out
// what the identity record does not hold.
const dataLocale = "en"

// consentedClaims are the claims the request asks for and the user
// consents to: the scopes' and the claims parameter's, in
// supportedClaims order.
func consentedClaims(req authzRequest) []string {
	var want []string
	for _, sc := range req.scopes {
		want = append(want, scopeClaims[sc]...)
	}
	want = append(want, req.claims...)
	var out []string
	for _, c := range supportedClaims {
		if slices.Contains(want, c) {
			out = append(out, c)
		}
	}
	return out
}

// userinfo is the UserInfo endpoint (reference §3.5, §3.6): the access
// token with the DPoP scheme, a proof carrying ath by the token's key,
// and a live nonce of this endpoint (the first proof is always answered
// use_dpop_nonce); every refusal is 401 with a WWW-Authenticate DPoP
// challenge. The answer is application/jwt: the signed claims, nested in
// a JWE when the client registered an encryption key.
func (s *Sandbox) userinfo(w http.ResponseWriter, r *http.Request) {
	s.count("userinfo")
	fail := func(code, desc, nonce string) {
		writeError(w, &apiError{status: http.StatusUnauthorized, code: code, desc: desc, dpopNonce: nonce, resourceErr: true})
	}
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if strings.EqualFold(scheme, "Bearer") {
		fail("invalid_token", "the access token is DPoP-bound: use the DPoP authorization scheme", "")
		return
	}
	if !strings.EqualFold(scheme, "DPoP") || tok == "" || len(tok) > maxAccessTokenBytes {
		fail("invalid_token", "a DPoP-bound access token is required", "")
		return
	}
	s.mu.Lock()
	now := s.now()
	g, ok := s.tokens[sha256b64(tok)]
	s.mu.Unlock()
	if !ok || now.After(g.expires) {
		fail("invalid_token", "the access token is unknown or expired", "")
		return
	}
	if _, err := verifyWith(tok, "PS256", &s.key.PublicKey); err != nil {
		fail("invalid_token", "the access token is not signed by the sandbox", "")
		return
	}
	p, err := s.checkDPoP(r, http.MethodGet, s.url(pathUserinfo), tok)
	if err != nil {
		fail("invalid_dpop_proof", err.Error(), "")
		return
	}
	if p.jkt != g.jkt {
		fail("invalid_dpop_proof", "the DPoP proof's key is not the access token's (cnf.jkt)", "")
		return
	}
	if !s.nonceValid(pathUserinfo, p.nonce) {
		fail("use_dpop_nonce", "the DPoP proof must carry the nonce in the DPoP-Nonce header", s.newNonce(pathUserinfo))
		return
	}
	fault := s.takeFault(userinfoFaults...)
	userID := g.userID
	if fault == FaultUserinfoOtherSub {
		userID = s.otherUser(userID)
	}
	body, err := s.userinfoJWT(g, userID, fault == FaultUserinfoBadSignature)
	if err != nil {
		writeError(w, &apiError{status: http.StatusInternalServerError, code: "server_error", desc: err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/jwt")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte(body))
}

// otherUser is a user other than id (FaultUserinfoOtherSub), or a
// made-up one when there is none.
func (s *Sandbox) otherUser(id string) string {
	for _, u := range s.users {
		if u.ID != id {
			return u.ID
		}
	}
	return id + "-other"
}

// userinfoJWT signs the claims userID consented to at g's client, and
// encrypts them when the client registered a key.
func (s *Sandbox) userinfoJWT(g tokenGrant, userID string, corrupt bool) (string, error) {
	out := map[string]any{"sub": s.Subject(userID, g.clientID), "iss": s.issuer, "aud": g.clientID, "iat": s.now().Unix()}
	u, _ := s.user(userID) // a made-up user has no claims
	for _, name := range consentedClaims(authzRequest{scopes: g.scopes, claims: g.claims}) {
		var v any
		switch name {
		case "name":
			v = u.Name
		case "gender":
			v = u.Gender
		case "birthdate":
			v = u.Birthdate
		case "picture":
			v = u.Picture
		case "email":
			v = u.Email
		case "phone_number":
			v = u.Phone
		case "individual_id":
			v = u.IndividualID
		case "address":
			if len(u.Address) > 0 {
				v = maps.Clone(u.Address)
			}
		}
		if v == nil || v == "" {
			continue
		}
		if len(g.locales) == 0 || !slices.Contains(localized, name) {
			out[name] = v
			continue
		}
		for _, l := range g.locales {
			if l == dataLocale {
				out[name+"#"+l] = v
			}
		}
	}
	signed, err := signPS256(s.key, s.kid, "JWT", out)
	if err != nil {
		return "", fmt.Errorf("userinfo: %w", err)
	}
	if corrupt {
		signed = corruptSignature(signed)
	}
	c, _ := s.client(g.clientID)
	if c.UserinfoEncryptionKey == nil {
		return signed, nil
	}
	return encryptNested(signed, c.UserinfoEncryptionKey)
}

// corruptSignature flips a bit of a compact JWS's signature.
func corruptSignature(tok string) string {
	i := strings.LastIndexByte(tok, '.')
	sig := []byte(tok[i+1:])
	if len(sig) == 0 {
		return tok
	}
	// The first character carries 6 whole bits: changing it keeps the
	// encoding valid and the signature wrong.
	if sig[0] == 'A' {
		sig[0] = 'B'
	} else {
		sig[0] = 'A'
	}
	return tok[:i+1] + string(sig)
}

// encryptionKey is the RSA public key (at least 2048 bits) of k.
func encryptionKey(k jwk.Key) (*rsa.PublicKey, error) {
	pk, err := k.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("userinfo encryption key: %w", err)
	}
	var raw any
	if err := jwk.Export(pk, &raw); err != nil {
		return nil, fmt.Errorf("userinfo encryption key: %w", err)
	}
	pub, ok := raw.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("userinfo encryption key must be RSA, not %T", raw)
	}
	if pub.N.BitLen() < 2048 {
		return nil, errors.New("userinfo encryption key must have at least 2048 bits")
	}
	return pub, nil
}

// encryptNested wraps a signed JWT in a compact JWE (RSA-OAEP-256,
// A256GCM, cty JWT, the key's kid when it has one): a nested JWT (RFC
// 7519 Section 5.2).
func encryptNested(signed string, k jwk.Key) (string, error) {
	pub, err := encryptionKey(k)
	if err != nil {
		return "", err
	}
	h := jwe.NewHeaders()
	if err := h.Set(jwe.ContentTypeKey, "JWT"); err != nil {
		return "", err
	}
	if kid, ok := k.KeyID(); ok && kid != "" {
		if err := h.Set(jwe.KeyIDKey, kid); err != nil {
			return "", err
		}
	}
	out, err := jwe.Encrypt([]byte(signed), jwe.WithKey(jwa.RSA_OAEP_256(), pub), jwe.WithContentEncryption(jwa.A256GCM()),
		jwe.WithProtectedHeaders(h), jwe.WithCompact())
	if err != nil {
		return "", fmt.Errorf("userinfo encryption: %w", err)
	}
	return string(out), nil
}
