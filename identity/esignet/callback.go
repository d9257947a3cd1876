package esignet

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwe"

	"github.com/pramaan/pramaan/internal/jose"
)

// signingAlgs are the algorithms accepted on ID tokens and userinfo: what
// eSignet signs with (RS256, PS256) and ES256; never none or HMAC.
var signingAlgs = map[string]bool{"PS256": true, "RS256": true, "ES256": true}

// Identity is a signed-in citizen: the pairwise subject and the consented
// claims, locale tags folded and verified_claims lifted.
type Identity struct {
	// Subject is the ID token's sub: pairwise, stable for this client.
	Subject  string
	ACR      string
	AuthTime time.Time
	// Claims are userinfo's claims but sub, iss, aud, iat, exp, nbf.
	Claims map[string]any
}

// Callback finishes a sign-in: query is the redirect's query string, p
// the values Start returned (found again by the state).
func (rp *RP) Callback(ctx context.Context, p *Pending, query url.Values) (*Identity, error) {
	if p == nil || p.State == "" {
		return nil, errf(ErrConfig, "no pending sign-in")
	}
	if subtle.ConstantTimeCompare([]byte(query.Get("state")), []byte(p.State)) != 1 {
		return nil, errf(ErrState, "the callback's state is not the pending one")
	}
	md, err := rp.p.metadata(ctx)
	if err != nil {
		return nil, err
	}
	// RFC 9207 Section 2.4: iss, when present, must be the issuer; when
	// the provider announces it, it must be present.
	if iss, ok := query["iss"]; ok || md.ResponseISSParameter {
		if !ok || len(iss) != 1 || iss[0] != rp.cfg.Issuer {
			return nil, errf(ErrProtocol, "the callback's iss parameter is not the issuer")
		}
	}
	if code := query.Get("error"); code != "" {
		return nil, &ProviderError{Endpoint: "authorization", Status: http.StatusFound, Code: code, Description: query.Get("error_description")}
	}
	code := query.Get("code")
	if code == "" {
		return nil, errf(ErrProtocol, "the callback has neither code nor error")
	}
	k, err := x509.ParsePKCS8PrivateKey(p.DPoPKey)
	if err != nil {
		return nil, errf(ErrConfig, "the pending DPoP key: %v", err)
	}
	dpop, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errf(ErrConfig, "the pending DPoP key is not ECDSA")
	}
	r, err := rp.postForm(ctx, "token", md.TokenEndpoint, url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {rp.cfg.RedirectURI},
		"code_verifier": {p.Verifier},
	}, dpop)
	if err != nil {
		return nil, err
	}
	if r.status != http.StatusOK {
		return nil, r.failure("token")
	}
	var tok struct {
		IDToken     string `json:"id_token"`
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal(r.body, &tok); err != nil || tok.IDToken == "" || tok.AccessToken == "" {
		return nil, errf(ErrProtocol, "the token answer lacks id_token or access_token")
	}
	// RFC 9449 Section 5: a DPoP-bound token is of type DPoP.
	if !strings.EqualFold(tok.TokenType, "DPoP") {
		return nil, errf(ErrProtocol, "token_type %.20q, not DPoP", tok.TokenType)
	}
	id, err := rp.validateIDToken(ctx, tok.IDToken, tok.AccessToken, p.Nonce)
	if err != nil {
		return nil, err
	}
	r, err = rp.getDPoP(ctx, md.UserinfoEndpoint, tok.AccessToken, dpop)
	if err != nil {
		return nil, err
	}
	if r.status != http.StatusOK {
		return nil, r.failure("userinfo")
	}
	claims, err := rp.readUserinfo(ctx, r, id.Subject)
	if err != nil {
		return nil, err
	}
	id.Claims = claims
	return id, nil
}

// verifyJWS verifies a compact JWS against the provider's JWKS and returns
// its claims: the algorithm from the allow-list, the key by kid.
func (rp *RP) verifyJWS(ctx context.Context, token string, kind error) (map[string]json.RawMessage, error) {
	c, err := jose.ParseCompact(token, maxTokenBytes)
	if err != nil {
		return nil, errf(kind, "%v", err)
	}
	var alg, kid string
	if raw, ok := c.Header["alg"]; !ok || json.Unmarshal(raw, &alg) != nil || !signingAlgs[alg] {
		return nil, errf(kind, "alg %.20s is not one of PS256, RS256, ES256", string(c.Header["alg"]))
	}
	if raw, ok := c.Header["kid"]; ok && json.Unmarshal(raw, &kid) != nil {
		return nil, errf(kind, "kid is not a string")
	}
	if _, ok := c.Header["crit"]; ok {
		return nil, errf(kind, "crit header parameters are not understood")
	}
	pub, err := rp.p.key(ctx, kid)
	if errors.Is(err, ErrUnavailable) {
		return nil, err
	}
	if err != nil {
		return nil, errf(kind, "%v", err)
	}
	if err := c.Verify(alg, crypto.PublicKey(pub)); err != nil {
		return nil, errf(kind, "signature: %v", err)
	}
	claims, err := jose.DecodeObject(c.Payload)
	if err != nil {
		return nil, errf(kind, "claims: %v", err)
	}
	return claims, nil
}

// validateIDToken checks an ID token (OpenID Connect Core 1.0 Section
// 3.1.3.7, with at_hash per Section 3.1.3.8).
func (rp *RP) validateIDToken(ctx context.Context, token, accessToken, nonce string) (*Identity, error) {
	raw, err := rp.verifyJWS(ctx, token, ErrIDToken)
	if err != nil {
		return nil, err
	}
	var c struct {
		Iss      string          `json:"iss"`
		Sub      string          `json:"sub"`
		Aud      json.RawMessage `json:"aud"`
		Azp      string          `json:"azp"`
		Exp      *float64        `json:"exp"`
		Iat      *float64        `json:"iat"`
		AuthTime *float64        `json:"auth_time"`
		Nonce    string          `json:"nonce"`
		ACR      string          `json:"acr"`
		AtHash   string          `json:"at_hash"`
	}
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, errf(ErrIDToken, "claims: %v", err)
	}
	now, leeway := rp.cfg.Now(), rp.cfg.Leeway
	aud, err := audiences(c.Aud)
	switch {
	case c.Iss != rp.cfg.Issuer:
		return nil, errf(ErrIDToken, "iss %.200q is not the issuer", c.Iss)
	case err != nil || !slices.Contains(aud, rp.cfg.ClientID):
		return nil, errf(ErrIDToken, "aud does not name this client")
	case len(aud) > 1 && c.Azp != rp.cfg.ClientID:
		return nil, errf(ErrIDToken, "several audiences and azp is not this client")
	case c.Sub == "" || len(c.Sub) > 255:
		return nil, errf(ErrIDToken, "sub is empty or over 255 characters")
	case c.Exp == nil || !now.Before(unix(*c.Exp).Add(leeway)):
		return nil, errf(ErrIDToken, "expired (or no exp)")
	case c.Iat == nil || unix(*c.Iat).After(now.Add(leeway)):
		return nil, errf(ErrIDToken, "iat missing or in the future")
	case subtle.ConstantTimeCompare([]byte(c.Nonce), []byte(nonce)) != 1:
		return nil, errf(ErrIDToken, "nonce is not the one sent")
	case c.AtHash == "":
		return nil, errf(ErrIDToken, "no at_hash")
	case c.AuthTime != nil && unix(*c.AuthTime).After(now.Add(leeway)):
		return nil, errf(ErrIDToken, "auth_time in the future")
	}
	// at_hash: the left half of the hash of the access token, base64url;
	// SHA-256 for the three algorithms accepted here.
	h := sha256.Sum256([]byte(accessToken))
	if subtle.ConstantTimeCompare([]byte(c.AtHash), []byte(base64.RawURLEncoding.EncodeToString(h[:16]))) != 1 {
		return nil, errf(ErrIDToken, "at_hash does not match the access token")
	}
	if len(rp.cfg.ACRValues) > 0 && c.ACR != "" && !anyField(c.ACR, rp.cfg.ACRValues) {
		return nil, errf(ErrIDToken, "acr %.100q is none of the requested %v", c.ACR, rp.cfg.ACRValues)
	}
	id := &Identity{Subject: c.Sub, ACR: c.ACR}
	if c.AuthTime != nil {
		id.AuthTime = unix(*c.AuthTime)
	}
	return id, nil
}

// anyField reports whether the space-separated acr holds one of want.
func anyField(acr string, want []string) bool {
	for _, a := range strings.Fields(acr) {
		if slices.Contains(want, a) {
			return true
		}
	}
	return false
}

func unix(f float64) time.Time { return time.Unix(int64(f), 0) }

// audiences reads aud as a string or an array of strings.
func audiences(raw json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, err
	}
	return many, nil
}

// readUserinfo verifies a userinfo answer (OpenID Connect Core 1.0 Section
// 5.3.2): application/jwt, a JWS, or a JWE (five parts) of a JWS opened
// with the relying party's key; its sub must be the ID token's; iss and
// aud, when present, must be the issuer and this client.
func (rp *RP) readUserinfo(ctx context.Context, r *reply, sub string) (map[string]any, error) {
	body := strings.TrimSpace(string(r.body))
	switch strings.Count(body, ".") {
	case 2:
	case 4:
		if rp.cfg.Decrypter == nil {
			return nil, errf(ErrUserinfo, "encrypted userinfo and no decryption key")
		}
		plain, err := jwe.Decrypt([]byte(body), jwe.WithKey(jwa.RSA_OAEP_256(), rp.cfg.Decrypter), jwe.WithMaxDecompressBufferSize(maxTokenBytes))
		if err != nil {
			return nil, errf(ErrUserinfo, "decrypting: %v", err)
		}
		body = strings.TrimSpace(string(plain))
		if strings.Count(body, ".") != 2 {
			return nil, errf(ErrUserinfo, "the decrypted userinfo is not a signed JWT")
		}
	default:
		return nil, errf(ErrUserinfo, "userinfo is not a signed JWT (an unsigned answer is refused)")
	}
	raw, err := rp.verifyJWS(ctx, body, ErrUserinfo)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for k, v := range raw {
		var x any
		if err := json.Unmarshal(v, &x); err != nil {
			return nil, errf(ErrUserinfo, "claim %.40q: %v", k, err)
		}
		out[k] = x
	}
	if s, _ := out["sub"].(string); s != sub {
		return nil, errf(ErrUserinfo, "sub is not the ID token's")
	}
	if iss, ok := out["iss"]; ok && iss != rp.cfg.Issuer {
		return nil, errf(ErrUserinfo, "iss is not the issuer")
	}
	if a, ok := raw["aud"]; ok {
		if aud, err := audiences(a); err != nil || !slices.Contains(aud, rp.cfg.ClientID) {
			return nil, errf(ErrUserinfo, "aud does not name this client")
		}
	}
	for _, k := range []string{"sub", "iss", "aud", "iat", "exp", "nbf"} {
		delete(out, k)
	}
	return rp.fold(out), nil
}

// fold lifts verified_claims (OpenID Connect for Identity Assurance 1.0
// Section 5: an object or an array of objects with claims) and folds
// locale-tagged names (name#en, OpenID Connect Core 1.0 Section 5.2) to
// the untagged name: an untagged value wins, then the first of
// ClaimsLocales, then any.
func (rp *RP) fold(in map[string]any) map[string]any {
	out := map[string]any{}
	var vcs []any
	switch v := in["verified_claims"].(type) {
	case map[string]any:
		vcs = []any{v}
	case []any:
		vcs = v
	}
	delete(in, "verified_claims")
	for _, vc := range vcs {
		if m, ok := vc.(map[string]any); ok {
			if cl, ok := m["claims"].(map[string]any); ok {
				for k, v := range cl {
					in[k] = v
				}
			}
		}
	}
	rank := func(tag string) int {
		for i, l := range rp.cfg.ClaimsLocales {
			if strings.EqualFold(l, tag) {
				return i
			}
		}
		return len(rp.cfg.ClaimsLocales)
	}
	best := map[string]int{}
	for k, v := range in {
		name, tag, tagged := strings.Cut(k, "#")
		r := -1 // untagged
		if tagged {
			r = rank(tag)
		}
		if prev, ok := best[name]; ok && prev <= r {
			continue
		}
		best[name], out[name] = r, v
	}
	return out
}
