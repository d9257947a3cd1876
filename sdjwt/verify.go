package sdjwt

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"math"
	"time"
)

// Default verification windows.
const (
	DefaultClockSkew        = time.Minute
	DefaultKeyBindingMaxAge = 5 * time.Minute
)

// Verifier verifies SD-JWTs and SD-JWT+KB presentations (RFC 9901 Section 7)
// and, with VerifyVC, SD-JWT VCs (draft-ietf-oauth-sd-jwt-vc-18 Section 2.4).
type Verifier struct {
	// Keys finds the issuer's public key. Required.
	Keys KeyResolver
	// Algorithms is the JWS allow-list for the issuer-signed JWT and the
	// KB-JWT; nil means DefaultAlgorithms. none and HMACs never pass.
	Algorithms []string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ClockSkew is the tolerance on exp, nbf and iat; zero means
	// DefaultClockSkew.
	ClockSkew time.Duration
	// Limits bound the input; zero fields take DefaultLimits.
	Limits Limits
	// Type, when set, is the typ header the issuer-signed JWT must carry
	// (RFC 9901 Section 9.11). VerifyVC ignores it and requires dc+sd-jwt
	// (or the legacy vc+sd-jwt).
	Type string

	// RequireKeyBinding makes a presentation without a KB-JWT fail
	// (Section 7.3 step 2). Audience and Nonce must then be set.
	RequireKeyBinding bool
	// Audience and Nonce are the aud and nonce a KB-JWT must carry. When a
	// KB-JWT is present they are checked if set.
	Audience, Nonce string
	// KeyBindingMaxAge bounds how old a KB-JWT iat may be; zero means
	// DefaultKeyBindingMaxAge.
	KeyBindingMaxAge time.Duration
}

// Result is what a successful verification yields.
type Result struct {
	// Claims is the Processed SD-JWT Payload: _sd, "..." and _sd_alg
	// removed, disclosed claims in place (RFC 9901 Section 7.1).
	Claims map[string]any
	// Header is the protected header of the signature that verified.
	Header Header
	// Disclosures are the disclosures used, parents before children.
	Disclosures []DisclosedClaim
	// IssuerKey is the key that verified the issuer signature.
	IssuerKey crypto.PublicKey
	// SDAlg is the _sd_alg in force.
	SDAlg string
	// KeyBinding describes the verified KB-JWT; nil when there was none.
	KeyBinding *KeyBindingResult
	// VC holds the SD-JWT VC claims; set by VerifyVC only.
	VC *VCClaims
}

// KeyBindingResult is the verified content of a KB-JWT.
type KeyBindingResult struct {
	Alg       string
	Audience  string
	Nonce     string
	IssuedAt  time.Time
	HolderKey crypto.PublicKey
}

// Verify parses and verifies an SD-JWT or SD-JWT+KB in any serialization.
func (v *Verifier) Verify(ctx context.Context, data []byte) (*Result, error) {
	s, err := v.Limits.orDefault().Parse(data)
	if err != nil {
		return nil, err
	}
	return v.VerifyParsed(ctx, s)
}

// VerifyParsed verifies an already parsed SD-JWT.
func (v *Verifier) VerifyParsed(ctx context.Context, s *SDJWT) (*Result, error) {
	return v.verify(ctx, s, false)
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) skew() time.Duration {
	if v.ClockSkew > 0 {
		return v.ClockSkew
	}
	return DefaultClockSkew
}

func (v *Verifier) verify(ctx context.Context, s *SDJWT, vc bool) (*Result, error) {
	if v.Keys == nil {
		return nil, fmt.Errorf("%w: Verifier.Keys is nil", ErrConfig)
	}
	if v.RequireKeyBinding && (v.Audience == "" || v.Nonce == "") {
		return nil, fmt.Errorf("%w: key binding required but Audience or Nonce not set", ErrConfig)
	}
	if s == nil || len(s.Signatures) == 0 {
		return nil, fmt.Errorf("%w: no issuer signature", ErrMalformed)
	}
	lim := v.Limits.orDefault()
	now := v.now()
	if len(s.Disclosures) > lim.MaxDisclosures {
		return nil, fmt.Errorf("%w: %d disclosures exceed %d", ErrTooLarge, len(s.Disclosures), lim.MaxDisclosures)
	}
	raw, err := s.payloadClaims(lim)
	if err != nil {
		return nil, err
	}
	iss, _ := raw["iss"].(string)
	// RFC 9901 Section 7.1 step 2 before step 3: nothing unauthenticated
	// is processed.
	header, key, err := v.verifyIssuerSignature(ctx, s, lim, iss, now)
	if err != nil {
		return nil, err
	}
	processed, used, err := s.processRaw(raw, lim)
	if err != nil {
		return nil, err
	}
	if err := v.checkType(header, vc); err != nil {
		return nil, err
	}
	sdAlg, _ := sdAlgOf(raw)
	if err := v.checkTimes(processed, now); err != nil {
		return nil, err
	}
	res := &Result{Claims: processed, Header: header, Disclosures: used, IssuerKey: key, SDAlg: sdAlg}
	switch {
	case s.KeyBinding != "":
		kb, err := v.verifyKeyBinding(s, processed, sdAlg, lim, now)
		if err != nil {
			return nil, err
		}
		res.KeyBinding = kb
	case v.RequireKeyBinding: // Section 7.3 step 2
		return nil, fmt.Errorf("%w: key binding required but the presentation has no KB-JWT", ErrKeyBinding)
	}
	return res, nil
}

func (v *Verifier) checkType(h Header, vc bool) error {
	if vc {
		// SD-JWT VC draft 18 Section 2.2.1: dc+sd-jwt; vc+sd-jwt accepted for
		// the transition period the section asks for.
		if h.Typ != TypeVC && h.Typ != TypeVCLegacy {
			return fmt.Errorf("%w: typ %q, want %q", ErrType, h.Typ, TypeVC)
		}
		return nil
	}
	if v.Type != "" && h.Typ != v.Type {
		return fmt.Errorf("%w: typ %q, want %q", ErrType, h.Typ, v.Type)
	}
	return nil
}

// verifyIssuerSignature checks the signatures in order and returns the
// first that verifies (RFC 7515 Section 7.2.1 leaves the policy to the
// application; any one valid signature from a trusted key suffices).
func (v *Verifier) verifyIssuerSignature(ctx context.Context, s *SDJWT, lim Limits, iss string, now time.Time) (Header, crypto.PublicKey, error) {
	var firstErr error
	for i, sig := range s.Signatures {
		h, key, err := v.verifyOne(ctx, s.Payload, sig, lim, iss, now)
		if err == nil {
			return h, key, nil
		}
		if errors.Is(err, ErrMalformed) || errors.Is(err, ErrAlgorithmNotAllowed) {
			return Header{}, nil, fmt.Errorf("signature %d: %w", i, err)
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return Header{}, nil, firstErr
}

func (v *Verifier) verifyOne(ctx context.Context, payload string, sig Signature, lim Limits, iss string, now time.Time) (Header, crypto.PublicKey, error) {
	h, err := parseHeader(sig.Protected, lim, "issuer-signed JWT header")
	if err != nil {
		return Header{}, nil, err
	}
	info, err := checkAlg(h.Alg, v.Algorithms) // RFC 9901 Section 7.1 step 2.1
	if err != nil {
		return Header{}, nil, fmt.Errorf("issuer-signed JWT: %w", err)
	}
	req := KeyRequest{Header: h, Issuer: iss, Time: now}
	for k, val := range sig.Header {
		// RFC 7515 Section 7.2.1: protected and unprotected names are disjoint.
		if _, dup := h.Raw[k]; dup {
			return Header{}, nil, fmt.Errorf("%w: header parameter %q both protected and unprotected", ErrMalformed, k)
		}
		if kid, ok := val.(string); k == "kid" && ok {
			req.Header.Kid = kid
		}
	}
	sigBytes, err := decodeB64(sig.Value, "issuer-signed JWT signature")
	if err != nil {
		return Header{}, nil, err
	}
	key, err := v.Keys.IssuerKey(ctx, req) // Section 7.1 step 2.3
	if err != nil {
		return Header{}, nil, err
	}
	input := make([]byte, 0, len(sig.Protected)+1+len(payload))
	input = append(append(append(input, sig.Protected...), '.'), payload...)
	if err := verifySignature(info, h.Alg, key, input, sigBytes); err != nil { // step 2.2
		return Header{}, nil, fmt.Errorf("issuer-signed JWT: %w", err)
	}
	return h, key, nil
}

// checkTimes applies RFC 9901 Section 7.1 step 6 (exp, nbf) and rejects an
// iat in the future, each with the clock skew.
func (v *Verifier) checkTimes(claims map[string]any, now time.Time) error {
	skew := v.skew()
	for _, name := range []string{"exp", "nbf", "iat"} {
		t, ok, err := numericDate(claims, name)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		switch {
		case name == "exp" && !now.Before(t.Add(skew)):
			return fmt.Errorf("%w: exp %s is before %s", ErrExpired, t.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		case name != "exp" && now.Add(skew).Before(t):
			return fmt.Errorf("%w: %s %s is after %s", ErrNotYetValid, name, t.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// numericDate reads a NumericDate claim (RFC 7519 Section 2).
func numericDate(claims map[string]any, name string) (time.Time, bool, error) {
	raw, ok := claims[name]
	if !ok {
		return time.Time{}, false, nil
	}
	f, ok := raw.(float64)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e12 {
		return time.Time{}, false, fmt.Errorf("%w: %s is not a NumericDate", ErrMalformed, name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}

// verifyKeyBinding applies RFC 9901 Section 7.3 step 5.
func (v *Verifier) verifyKeyBinding(s *SDJWT, claims map[string]any, sdAlg string, lim Limits, now time.Time) (*KeyBindingResult, error) {
	hdr, payload, sigB64, err := splitJWS(s.KeyBinding, "key binding JWT")
	if err != nil {
		return nil, err
	}
	h, err := parseHeader(hdr, lim, "key binding JWT header")
	if err != nil {
		return nil, err
	}
	if h.Typ != "kb+jwt" { // step 5.4, Section 4.3
		return nil, fmt.Errorf("%w: %w: KB-JWT typ %q, want kb+jwt", ErrKeyBinding, ErrType, h.Typ)
	}
	info, err := checkAlg(h.Alg, v.Algorithms) // step 5.2
	if err != nil {
		return nil, fmt.Errorf("%w: KB-JWT: %w", ErrKeyBinding, err)
	}
	holder, err := cnfKey(claims) // step 5.1, Section 4.1.2
	if err != nil {
		return nil, err
	}
	sig, err := decodeB64(sigB64, "KB-JWT signature")
	if err != nil {
		return nil, err
	}
	if err := verifySignature(info, h.Alg, holder, []byte(s.KeyBinding[:len(hdr)+1+len(payload)]), sig); err != nil { // step 5.3
		return nil, fmt.Errorf("%w: KB-JWT: %w", ErrKeyBinding, err)
	}
	rawPayload, err := decodeB64(payload, "KB-JWT payload")
	if err != nil {
		return nil, err
	}
	p, err := decodeObjectJSON(rawPayload, lim.MaxDepth, "KB-JWT payload")
	if err != nil {
		return nil, err
	}
	kb := &KeyBindingResult{Alg: h.Alg, HolderKey: holder}
	iat, ok, err := numericDate(p, "iat")
	if err != nil || !ok {
		return nil, fmt.Errorf("%w: %w: KB-JWT iat missing or not a NumericDate", ErrKeyBinding, ErrMalformed)
	}
	kb.IssuedAt = iat
	maxAge := v.KeyBindingMaxAge
	if maxAge <= 0 {
		maxAge = DefaultKeyBindingMaxAge
	}
	switch { // step 5.5
	case now.Add(v.skew()).Before(iat):
		return nil, fmt.Errorf("%w: %w: KB-JWT iat %s is in the future", ErrKeyBinding, ErrNotYetValid, iat.UTC().Format(time.RFC3339))
	case now.Sub(iat) > maxAge+v.skew():
		return nil, fmt.Errorf("%w: %w: KB-JWT iat %s is older than %s", ErrKeyBinding, ErrStale, iat.UTC().Format(time.RFC3339), maxAge)
	}
	if kb.Audience, ok = p["aud"].(string); !ok { // step 5.6
		return nil, fmt.Errorf("%w: %w: KB-JWT aud missing or not a string", ErrKeyBinding, ErrAudience)
	}
	if v.Audience != "" && kb.Audience != v.Audience {
		return nil, fmt.Errorf("%w: %w: KB-JWT aud %q, want %q", ErrKeyBinding, ErrAudience, kb.Audience, v.Audience)
	}
	if kb.Nonce, ok = p["nonce"].(string); !ok {
		return nil, fmt.Errorf("%w: %w: KB-JWT nonce missing or not a string", ErrKeyBinding, ErrNonce)
	}
	if v.Nonce != "" && kb.Nonce != v.Nonce {
		return nil, fmt.Errorf("%w: %w: KB-JWT nonce does not match", ErrKeyBinding, ErrNonce)
	}
	got, ok := p["sd_hash"].(string)
	hf, _ := newHash(sdAlg)
	if want := digestOf(hf, s.sdPart()); !ok || got != want { // step 5.7
		return nil, fmt.Errorf("%w: %w: KB-JWT sd_hash does not match the presented SD-JWT", ErrKeyBinding, ErrSDHash)
	}
	return kb, nil
}

// cnfKey returns the holder key from cnf.jwk (RFC 7800 Section 3.2).
func cnfKey(claims map[string]any) (crypto.PublicKey, error) {
	cnf, ok := claims["cnf"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: the SD-JWT has no cnf claim to verify the KB-JWT with", ErrKeyBinding)
	}
	jwk, ok := cnf["jwk"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: cnf has no jwk", ErrKeyBinding)
	}
	key, err := ParseJWK(jwk)
	if err != nil {
		return nil, fmt.Errorf("%w: cnf.jwk: %w", ErrKeyBinding, err)
	}
	return key, nil
}
