package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

const (
	maxProofBytes = 8 << 10
	maxJTIBytes   = 256
)

// dpopAlgs are the discovery's dpop_signing_alg_values_supported.
var dpopAlgs = []string{"ES256", "RS256", "PS256"}

// errNoProof is checkDPoP's answer to a request without a DPoP header.
var errNoProof = errors.New("a DPoP proof is required")

// nonce is a DPoP-Nonce handed out by an endpoint.
type nonce struct {
	endpoint string
	expires  time.Time
}

// proof is what a verified DPoP proof tells: the RFC 7638 thumbprint of
// its key and the nonce it carries ("" for none).
type proof struct {
	jkt, nonce string
}

// checkDPoP verifies the request's DPoP proof as RFC 9449 Section 4.3
// says, but for the nonce, which the caller checks last: typ dpop+jwt,
// alg ES256, RS256 or PS256, a public jwk that verifies the signature,
// htm the method, htu exactly the endpoint URL, iat within 60 s of now, a
// jti not seen before and, when accessToken is given, ath its hash.
func (s *Sandbox) checkDPoP(r *http.Request, method, htu, accessToken string) (proof, error) {
	vals := r.Header.Values("DPoP")
	if len(vals) == 0 {
		return proof{}, errNoProof
	}
	if len(vals) > 1 {
		return proof{}, errors.New("more than one DPoP header")
	}
	tok := vals[0]
	h, err := splitJWS(tok, maxProofBytes)
	if err != nil {
		return proof{}, fmt.Errorf("DPoP proof: %w", err)
	}
	if h.Typ != "dpop+jwt" {
		return proof{}, errors.New("DPoP proof typ must be dpop+jwt")
	}
	if !slices.Contains(dpopAlgs, h.Alg) {
		return proof{}, errors.New("DPoP proof alg must be ES256, RS256 or PS256")
	}
	var members map[string]json.RawMessage
	if len(h.JWK) == 0 || json.Unmarshal(h.JWK, &members) != nil || members == nil {
		return proof{}, errors.New("DPoP proof has no jwk object")
	}
	for _, m := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
		if _, ok := members[m]; ok {
			return proof{}, errors.New("DPoP proof jwk has private key members")
		}
	}
	k, err := jwk.ParseKey(h.JWK)
	if err != nil {
		return proof{}, fmt.Errorf("DPoP proof jwk: %w", err)
	}
	pub, ok := signingKey(k, h.Alg)
	if !ok {
		return proof{}, errors.New("DPoP proof jwk does not fit its alg")
	}
	c, err := verifyWith(tok, h.Alg, pub)
	if err != nil {
		return proof{}, fmt.Errorf("DPoP proof: %w", err)
	}
	now := s.now()
	iat, okIat := c.time("iat")
	jti := c.str("jti")
	switch {
	case c.str("htm") != method:
		return proof{}, fmt.Errorf("DPoP proof htm must be %s", method)
	case c.str("htu") != htu:
		return proof{}, fmt.Errorf("DPoP proof htu must be %s", htu)
	case !okIat:
		return proof{}, errors.New("DPoP proof has no iat")
	case iat.Before(now.Add(-dpopSkew)) || iat.After(now.Add(dpopSkew)):
		return proof{}, errors.New("DPoP proof iat is more than 60 s away from now")
	case jti == "" || len(jti) > maxJTIBytes:
		return proof{}, errors.New("DPoP proof jti is missing or too long")
	case accessToken != "" && c.str("ath") == "":
		return proof{}, errors.New("DPoP proof has no ath")
	case accessToken != "" && c.str("ath") != sha256b64(accessToken):
		return proof{}, errors.New("DPoP proof ath is not the access token's hash")
	}
	jkt, err := thumbprint(k)
	if err != nil {
		return proof{}, fmt.Errorf("DPoP proof jwk: %w", err)
	}
	if !s.once("dpop\x00"+jti, iat.Add(dpopSkew)) {
		return proof{}, errors.New("DPoP proof jti was already used")
	}
	return proof{jkt: jkt, nonce: c.str("nonce")}, nil
}

// newNonce hands out a DPoP-Nonce for endpoint, valid 15 s.
func (s *Sandbox) newNonce(endpoint string) string {
	n := randomB64(24)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.prune(now)
	s.nonces[n] = nonce{endpoint: endpoint, expires: now.Add(nonceLifetime)}
	return n
}

// nonceValid reports whether n is a live nonce of endpoint. A nonce may
// serve several proofs while it lives; their jti keeps each one unique.
func (s *Sandbox) nonceValid(endpoint, n string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.nonces[n]
	return ok && e.endpoint == endpoint && !s.now().After(e.expires)
}
