package issuer

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/pramaan/pramaan/internal/jose"
	"github.com/pramaan/pramaan/oid4vci"
)

// TypAccessToken is the typ of JWT access tokens (RFC 9068 Section 2.1).
const TypAccessToken = "at+jwt"

// maxAccessTokenBytes bounds an access token presented to the issuer.
const maxAccessTokenBytes = 8 << 10

// accessTokenClaims are the claims of the issuer's access tokens
// (RFC 9068 Section 2.2), with the offer they redeem.
type accessTokenClaims struct {
	Issuer   string `json:"iss"`
	Expiry   int64  `json:"exp"`
	Audience string `json:"aud"`
	Subject  string `json:"sub"`
	ClientID string `json:"client_id"`
	IssuedAt int64  `json:"iat"`
	JTI      string `json:"jti"`
	Offer    string `json:"offer"`
	Confirm  *struct {
		JKT string `json:"jkt"`
	} `json:"cnf,omitempty"`
	AuthorizationDetails []oid4vci.AuthorizationDetail `json:"authorization_details"`
}

// anonymousClient is the client_id of tokens issued to wallets without
// one: RFC 9068 Section 2.2 requires the claim, and anonymous
// pre-authorized access (Section 6.1) has no client.
const anonymousClient = "urn:pramaan:anonymous-wallet"

// issueAccessToken signs an access token for a redeemed offer.
func (s *Service) issueAccessToken(o Offer, clientID, jkt string, details []oid4vci.AuthorizationDetail, now time.Time) (string, error) {
	jti, err := s.randomString(16)
	if err != nil {
		return "", err
	}
	if clientID == "" {
		clientID = anonymousClient
	}
	c := accessTokenClaims{
		Issuer:               s.cfg.CredentialIssuer,
		Expiry:               now.Add(s.limits.AccessTokenTTL).Unix(),
		Audience:             s.cfg.CredentialIssuer,
		Subject:              o.Subject,
		ClientID:             clientID,
		IssuedAt:             now.Unix(),
		JTI:                  jti,
		Offer:                o.ID,
		AuthorizationDetails: details,
	}
	if jkt != "" {
		c.Confirm = &struct {
			JKT string `json:"jkt"`
		}{jkt}
	}
	header := map[string]any{"typ": TypAccessToken, "kid": s.cfg.CredentialSigner.KeyID()}
	return jose.SignCompact(s.cfg.CredentialSigner, header, c)
}

// verifyAccessToken checks an access token's signature, type and claims
// (RFC 9068 Section 4) and returns its claims.
func (s *Service) verifyAccessToken(token string, now time.Time) (*accessTokenClaims, error) {
	j, err := parseCompactJWS(token, maxAccessTokenBytes)
	if err != nil {
		return nil, err
	}
	alg, err := j.checkCommonHeader(TypAccessToken, algAllowList{s.tokenAlg: true})
	if err != nil {
		return nil, err
	}
	if err := j.verifySignature(alg, s.tokenPub); err != nil {
		return nil, err
	}
	var c accessTokenClaims
	if err := json.Unmarshal(j.payload, &c); err != nil {
		return nil, fmt.Errorf("%w: claims: %v", ErrMalformedJWT, err)
	}
	switch {
	case c.Issuer != s.cfg.CredentialIssuer:
		return nil, fmt.Errorf("%w: iss", ErrClaimInvalid)
	case c.Audience != s.cfg.CredentialIssuer:
		return nil, fmt.Errorf("%w: aud", ErrClaimInvalid)
	case c.Offer == "":
		return nil, fmt.Errorf("%w: offer", ErrClaimInvalid)
	case !now.Before(time.Unix(c.Expiry, 0)):
		return nil, fmt.Errorf("%w: the access token expired", ErrClaimInvalid)
	}
	return &c, nil
}

// DPoP server nonces (RFC 9449 Section 8) are stateless: the minute they
// were made in and an HMAC of it under a key every instance derives from
// the data key. A nonce is good for dpopNonceWindows minutes.
const (
	dpopNonceStep    = time.Minute
	dpopNonceWindows = 5
)

func (s *Service) dpopNonceAt(window int64) string {
	var w [8]byte
	binary.BigEndian.PutUint64(w[:], uint64(window))
	mac := hmac.New(sha256.New, s.cfg.DPoPNonceKey)
	mac.Write([]byte("dpop-nonce"))
	mac.Write(w[:])
	return base64.RawURLEncoding.EncodeToString(append(w[:], mac.Sum(nil)[:16]...))
}

// newDPoPNonce returns the current DPoP-Nonce value, or "" when server
// nonces are off.
func (s *Service) newDPoPNonce() string {
	if len(s.cfg.DPoPNonceKey) == 0 {
		return ""
	}
	return s.dpopNonceAt(s.now().UnixNano() / int64(dpopNonceStep))
}

// validDPoPNonce is the DPoPNonceFunc of the checker.
func (s *Service) validDPoPNonce(_ context.Context, nonce string, now time.Time) (bool, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(nonce)
	if err != nil || len(b) != 24 {
		return false, nil
	}
	w := int64(binary.BigEndian.Uint64(b[:8]))
	cur := now.UnixNano() / int64(dpopNonceStep)
	if w > cur || cur-w >= dpopNonceWindows {
		return false, nil
	}
	return hmac.Equal([]byte(s.dpopNonceAt(w)), []byte(nonce)), nil
}

// authScheme splits an Authorization header into scheme and token.
func authScheme(h string) (scheme, token string) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok {
		return "", ""
	}
	return scheme, strings.TrimLeft(token, " ")
}
