package sandbox

import (
	"net/http"
	"net/url"
	"slices"
)

const (
	jwtBearer         = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	maxAssertionBytes = 16 << 10
)

// clientAlgs are eSignet's mosip.esignet.supported.client.auth.signing.algorithms.
var clientAlgs = []string{"RS256", "PS256", "ES256"}

// authenticateClient checks private_key_jwt as eSignet's
// TokenServiceImpl.verifyClientAssertionToken does (reference §3.3):
// alg RS256, PS256 or ES256 verified by the client's registered key (by
// kid when the header names one); iss = sub = client_id, the form's
// client_id when given; aud containing one of audiences; exp not passed
// and iat not in the future, with 5 s of leeway; a jti never seen. Every
// failure is 400 invalid_client, as eSignet answers.
func (s *Sandbox) authenticateClient(r *http.Request, form url.Values, audiences ...string) (Client, *apiError) {
	fail := func(desc string) (Client, *apiError) { return Client{}, badRequest("invalid_client", "%s", desc) }
	if _, _, basic := r.BasicAuth(); basic || form.Has("client_secret") {
		return fail("private_key_jwt is the only client authentication eSignet accepts")
	}
	if form.Get("client_assertion_type") != jwtBearer {
		return fail("client_assertion_type must be " + jwtBearer)
	}
	tok := form.Get("client_assertion")
	h, err := splitJWS(tok, maxAssertionBytes)
	if err != nil {
		return fail("client_assertion: " + err.Error())
	}
	if !slices.Contains(clientAlgs, h.Alg) {
		return fail("client_assertion alg must be RS256, PS256 or ES256")
	}
	// The client is named by client_id, or by the (not yet verified)
	// assertion's iss when the token request leaves client_id out.
	id := form.Get("client_id")
	if id == "" {
		if c, err := unverifiedClaims(tok); err == nil {
			id = c.str("iss")
		}
	}
	c, ok := s.client(id)
	if !ok || c.JWKS == nil {
		return fail("unknown client")
	}
	var cl claims
	verified := false
	for i := range c.JWKS.Len() {
		k, _ := c.JWKS.Key(i)
		if kid, _ := k.KeyID(); h.Kid != "" && kid != h.Kid {
			continue
		}
		pub, ok := signingKey(k, h.Alg)
		if !ok {
			continue
		}
		if cl, err = verifyWith(tok, h.Alg, pub); err == nil {
			verified = true
			break
		}
	}
	if !verified {
		return fail("client_assertion is not signed by a registered key of the client")
	}
	now := s.now()
	exp, okExp := cl.time("exp")
	iat, okIat := cl.time("iat")
	nbf, hasNbf := cl.time("nbf")
	aud := cl.audience()
	switch {
	case cl.str("iss") != c.ID || cl.str("sub") != c.ID:
		return fail("client_assertion iss and sub must be the client_id")
	case !slices.ContainsFunc(aud, func(a string) bool { return slices.Contains(audiences, a) }):
		return fail("client_assertion aud must name this endpoint or the issuer")
	case !okExp:
		return fail("client_assertion has no exp")
	case now.After(exp.Add(assertionLeeway)):
		return fail("client_assertion has expired")
	case !okIat:
		return fail("client_assertion has no iat")
	case iat.After(now.Add(assertionLeeway)):
		return fail("client_assertion iat is in the future")
	case hasNbf && nbf.After(now.Add(assertionLeeway)):
		return fail("client_assertion is not valid yet")
	case cl.str("jti") == "":
		return fail("client_assertion has no jti")
	case !s.once("assertion\x00"+c.ID+"\x00"+cl.str("jti"), exp.Add(assertionLeeway)):
		return fail("client_assertion jti was already used")
	}
	return c, nil
}
