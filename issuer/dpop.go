package issuer

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pramaan/pramaan/oid4vci"
)

// Defaults of DPoPConfig.
const (
	DefaultDPoPMaxAge    = 5 * time.Minute
	DefaultDPoPClockSkew = 60 * time.Second
	DefaultMaxDPoPBytes  = 8 << 10
	// TypDPoPJWT is the typ of a DPoP proof (RFC 9449 §4.2).
	TypDPoPJWT = "dpop+jwt"
	// DPoPReplayScope is the ReplayStore scope of DPoP proof jtis.
	DPoPReplayScope = "dpop"
	maxJTIBytes     = 256
)

// DPoPNonceFunc reports whether nonce is one the server recently supplied
// in a DPoP-Nonce header (RFC 9449 §8, §9). An error is a server failure.
type DPoPNonceFunc func(ctx context.Context, nonce string, now time.Time) (bool, error)

// DPoPConfig configures a DPoPChecker.
type DPoPConfig struct {
	// Algorithms is the allow-list, dpop_signing_alg_values_supported;
	// empty means ES256 only. Allowed: ES256, ES384, ES512, EdDSA, PS256.
	Algorithms []string
	// Now is the clock. REQUIRED.
	Now func() time.Time
	// MaxAge is how old iat may be; zero means DefaultDPoPMaxAge.
	MaxAge time.Duration
	// ClockSkew is the tolerance both ways; zero means DefaultDPoPClockSkew.
	ClockSkew time.Duration
	// Replay remembers jtis (RFC 9449 §11.1). REQUIRED.
	Replay ReplayStore
	// Nonce, when set, makes a server-provided nonce mandatory (RFC 9449 §8).
	Nonce DPoPNonceFunc
	// MaxProofBytes bounds a DPoP proof; zero means DefaultMaxDPoPBytes.
	MaxProofBytes int
}

// DPoPChecker verifies DPoP proofs (RFC 9449 §4.3). It is safe for
// concurrent use.
type DPoPChecker struct {
	cfg  DPoPConfig
	algs algAllowList
}

// NewDPoPChecker validates cfg and fills in its defaults.
func NewDPoPChecker(cfg DPoPConfig) (*DPoPChecker, error) {
	algs, err := newAlgAllowList(cfg.Algorithms)
	if err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		return nil, fmt.Errorf("%w: Now (the clock) is required", ErrProofCheckerConfig)
	}
	if cfg.Replay == nil {
		return nil, fmt.Errorf("%w: a ReplayStore is required", ErrProofCheckerConfig)
	}
	if cfg.MaxAge < 0 || cfg.ClockSkew < 0 || cfg.MaxProofBytes < 0 {
		return nil, fmt.Errorf("%w: negative limit", ErrProofCheckerConfig)
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = DefaultDPoPMaxAge
	}
	if cfg.ClockSkew == 0 {
		cfg.ClockSkew = DefaultDPoPClockSkew
	}
	if cfg.MaxProofBytes == 0 {
		cfg.MaxProofBytes = DefaultMaxDPoPBytes
	}
	return &DPoPChecker{cfg: cfg, algs: algs}, nil
}

// Check verifies the DPoP proof sent with an HTTP request (RFC 9449 §4.3)
// and returns the RFC 7638 SHA-256 thumbprint (jkt) of its key. method
// and requestURL are the request's as the server sees them; accessToken is
// the access token presented with the request, "" at the token endpoint.
// The caller compares jkt with the access token's cnf.jkt (§4.3 step 12).
//
// The jti is recorded last, after every other check passed, so a bad proof
// never burns a jti. Errors are *oid4vci.Error values: invalid_dpop_proof,
// or use_dpop_nonce when a server nonce is required and missing or stale;
// both default to HTTP 400, and a protected resource answers 401 (§7.1, §9)
// through WithStatus. Store failures are returned as plain wrapped errors.
func (c *DPoPChecker) Check(ctx context.Context, proof, method, requestURL, accessToken string) (string, error) {
	now := c.cfg.Now()
	v, err := c.verify(ctx, proof, method, requestURL, accessToken, now)
	if err != nil {
		var oe *oid4vci.Error
		if errors.As(err, &oe) || !isProofCause(err) {
			return "", err
		}
		return "", oid4vci.WrapError(oid4vci.CodeInvalidDPoPProof, err, strings.TrimPrefix(err.Error(), "issuer: "))
	}
	// §11.1: a jti is accepted once while its proof could be accepted, that
	// is until iat + MaxAge + ClockSkew. The id joins the key's thumbprint
	// so one client cannot block another's jti.
	until := v.iat.Add(c.cfg.MaxAge + c.cfg.ClockSkew)
	sum := sha256.Sum256([]byte(v.jkt + "\x00" + v.jti))
	id := base64.RawURLEncoding.EncodeToString(sum[:])
	if err := c.cfg.Replay.Remember(ctx, DPoPReplayScope, id, now, until); err != nil {
		if errors.Is(err, ErrAlreadyExists) {
			return "", oid4vci.WrapError(oid4vci.CodeInvalidDPoPProof, err, "DPoP proof jti was already used")
		}
		return "", fmt.Errorf("issuer: remember DPoP jti: %w", err)
	}
	return v.jkt, nil
}

// isProofCause reports whether err is one of the proof check causes
// rather than a server failure.
func isProofCause(err error) bool {
	for _, e := range [...]error{ErrMalformedJWT, ErrAlgorithmNotAllowed, ErrKeyNotAccepted, ErrSignatureInvalid, ErrClaimInvalid} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// verifiedDPoP is what a DPoP proof yields before its jti is recorded.
type verifiedDPoP struct {
	jkt string
	jti string
	iat time.Time
}

// verify applies RFC 9449 §4.3 steps 2 to 11 without touching the store.
func (c *DPoPChecker) verify(ctx context.Context, proof, method, requestURL, accessToken string, now time.Time) (verifiedDPoP, error) {
	// Steps 2 and 4–5: one well-formed JWT, typ dpop+jwt, alg allowed.
	jwt, err := parseCompactJWS(proof, c.cfg.MaxProofBytes)
	if err != nil {
		return verifiedDPoP{}, err
	}
	alg, err := jwt.checkCommonHeader(TypDPoPJWT, c.algs)
	if err != nil {
		return verifiedDPoP{}, err
	}
	// Steps 3 and 7: the jwk header, a public key.
	if !jwt.header.has("jwk") {
		return verifiedDPoP{}, fmt.Errorf("%w: jwk header is missing", ErrKeyNotAccepted)
	}
	key, err := parsePublicJWK(jwt.header["jwk"], alg)
	if err != nil {
		return verifiedDPoP{}, err
	}
	// Step 6: the signature verifies with that key.
	if err := jwt.verifySignature(alg, key.pub); err != nil {
		return verifiedDPoP{}, err
	}
	claims, err := decodeJOSEObject(jwt.payload)
	if err != nil {
		return verifiedDPoP{}, fmt.Errorf("%w: claims: %v", ErrMalformedJWT, err)
	}
	// Step 3: jti, htm, htu and iat are required (§4.2).
	jti, _, err := claims.str("jti")
	if err != nil || jti == "" || len(jti) > maxJTIBytes {
		return verifiedDPoP{}, fmt.Errorf("%w: jti must be a non-empty string of at most %d bytes", ErrClaimInvalid, maxJTIBytes)
	}
	// Step 8: htm matches the method (case-sensitive, RFC 9110 §9.1).
	htm, _, err := claims.str("htm")
	if err != nil || htm != method {
		return verifiedDPoP{}, fmt.Errorf("%w: htm does not match the request method", ErrClaimInvalid)
	}
	// Step 9: htu matches the request URI, ignoring query and fragment.
	htu, _, err := claims.str("htu")
	if err != nil || htu == "" {
		return verifiedDPoP{}, fmt.Errorf("%w: htu is missing or not a string", ErrClaimInvalid)
	}
	same, err := sameHTU(htu, requestURL)
	if err != nil {
		return verifiedDPoP{}, err
	}
	if !same {
		return verifiedDPoP{}, fmt.Errorf("%w: htu does not match the request URL", ErrClaimInvalid)
	}
	// Step 11: iat within the window.
	iat, present, err := claims.numericDate("iat")
	if err != nil {
		return verifiedDPoP{}, fmt.Errorf("%w: %v", ErrClaimInvalid, err)
	}
	if !present {
		return verifiedDPoP{}, fmt.Errorf("%w: iat is missing", ErrClaimInvalid)
	}
	if err := checkIssuedAt(iat, now, c.cfg.MaxAge, c.cfg.ClockSkew); err != nil {
		return verifiedDPoP{}, err
	}
	// Step 12 (first half): ath is the hash of the presented access token
	// (§4.2: base64url of its SHA-256 over the ASCII octets).
	if accessToken != "" {
		ath, _, err := claims.str("ath")
		if err != nil || ath == "" {
			return verifiedDPoP{}, fmt.Errorf("%w: ath is missing with an access token", ErrClaimInvalid)
		}
		sum := sha256.Sum256([]byte(accessToken))
		want := base64.RawURLEncoding.EncodeToString(sum[:])
		if subtle.ConstantTimeCompare([]byte(ath), []byte(want)) != 1 {
			return verifiedDPoP{}, fmt.Errorf("%w: ath does not match the access token", ErrClaimInvalid)
		}
	}
	// Step 10: the server's nonce, when it requires one (§8, §9).
	if c.cfg.Nonce != nil {
		nonce, present, err := claims.str("nonce")
		if err != nil || !present || nonce == "" {
			return verifiedDPoP{}, oid4vci.WrapError(oid4vci.CodeUseDPoPNonce, ErrClaimInvalid, "DPoP proof must carry the server nonce from DPoP-Nonce")
		}
		ok, err := c.cfg.Nonce(ctx, nonce, now)
		if err != nil {
			return verifiedDPoP{}, fmt.Errorf("issuer: check DPoP nonce: %w", err)
		}
		if !ok {
			return verifiedDPoP{}, oid4vci.WrapError(oid4vci.CodeUseDPoPNonce, ErrClaimInvalid, "DPoP nonce is not current; use the one in DPoP-Nonce")
		}
	}
	return verifiedDPoP{jkt: key.thumbprint, jti: jti, iat: iat}, nil
}
