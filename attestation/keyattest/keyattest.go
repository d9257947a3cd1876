package keyattest

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/pramaan/pramaan/internal/jose"
	"github.com/pramaan/pramaan/sdjwt"
)

// Typ is the typ of a key attestation JWT (Appendix D.1).
const Typ = "key-attestation+jwt"

// Attack potential resistance levels (Appendix D.2, ISO/IEC 18045).
const (
	LevelHigh          = "iso_18045_high"
	LevelModerate      = "iso_18045_moderate"
	LevelEnhancedBasic = "iso_18045_enhanced-basic"
	LevelBasic         = "iso_18045_basic"
)

// Defaults and limits.
const (
	DefaultMaxBytes  = 16 << 10
	DefaultClockSkew = 60 * time.Second
	DefaultMaxAge    = 24 * time.Hour
	MaxAttestedKeys  = 100
	MaxX5C           = 4
	maxLevels        = 16
	maxStringBytes   = 512
)

// Errors; every verification error wraps exactly one.
var (
	ErrMalformed      = errors.New("keyattest: malformed key attestation")
	ErrAlgorithm      = errors.New("keyattest: algorithm not allowed")
	ErrKeySource      = errors.New("keyattest: the signer must be conveyed by x5c")
	ErrSelfSigned     = errors.New("keyattest: the x5c signing certificate is self-signed")
	ErrAnchorIncluded = errors.New("keyattest: x5c includes the trust anchor")
	ErrUntrusted      = errors.New("keyattest: x5c does not chain to a wallet-provider trust anchor")
	ErrSignature      = errors.New("keyattest: signature does not verify")
	ErrExpired        = errors.New("keyattest: key attestation expired")
	ErrIssuedAt       = errors.New("keyattest: iat missing, in the future or too old")
	ErrNonce          = errors.New("keyattest: nonce is not the expected c_nonce")
	ErrAttestedKeys   = errors.New("keyattest: attested_keys invalid")
	ErrStatus         = errors.New("keyattest: status check failed")
)

// StatusReference is a Token Status List reference (the status claim's
// status_list member: idx and uri).
type StatusReference struct {
	Index int64  `json:"idx"`
	URI   string `json:"uri"`
}

// StatusChecker decides whether the referenced status is valid; an error
// rejects the attestation.
type StatusChecker interface {
	CheckStatus(ctx context.Context, ref StatusReference) error
}

// Config configures a Verifier.
type Config struct {
	// TrustAnchors are the wallet-provider CA certificates. REQUIRED.
	TrustAnchors []*x509.Certificate
	// Algorithms is the allow-list; empty means ES256. Allowed: ES256,
	// ES384, ES512, EdDSA, PS256.
	Algorithms []string
	// Now is the clock. REQUIRED.
	Now func() time.Time
	// ClockSkew tolerates wallet and provider clocks; zero means 60 s.
	ClockSkew time.Duration
	// MaxAge bounds iat when the attestation has no exp; zero means 24 h.
	MaxAge time.Duration
	// MaxBytes bounds the JWT; zero means 16 KiB.
	MaxBytes int
	// Status checks status references. Without it a status claim is
	// reported in the result and not checked.
	Status StatusChecker
	// RequireStatus refuses attestations without a status claim.
	RequireStatus bool
}

// Verifier verifies key attestations. It is safe for concurrent use.
type Verifier struct {
	cfg     Config
	anchors *x509.CertPool
	algs    []string
}

// NewVerifier validates cfg.
func NewVerifier(cfg Config) (*Verifier, error) {
	if len(cfg.TrustAnchors) == 0 {
		return nil, errors.New("keyattest: at least one trust anchor is required")
	}
	if cfg.Now == nil {
		return nil, errors.New("keyattest: the clock (Now) is required")
	}
	if cfg.RequireStatus && cfg.Status == nil {
		return nil, errors.New("keyattest: RequireStatus needs a StatusChecker")
	}
	algs, err := allowList(cfg.Algorithms)
	if err != nil {
		return nil, err
	}
	if cfg.ClockSkew <= 0 {
		cfg.ClockSkew = DefaultClockSkew
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	pool := x509.NewCertPool()
	for _, a := range cfg.TrustAnchors {
		pool.AddCert(a)
	}
	cfg.TrustAnchors = slices.Clone(cfg.TrustAnchors)
	return &Verifier{cfg: cfg, anchors: pool, algs: algs}, nil
}

func allowList(algs []string) ([]string, error) {
	if len(algs) == 0 {
		return []string{"ES256"}, nil
	}
	for _, a := range algs {
		if !slices.Contains([]string{"ES256", "ES384", "ES512", "EdDSA", "PS256"}, a) {
			return nil, fmt.Errorf("%w: %.20q is not one of ES256, ES384, ES512, EdDSA, PS256", ErrAlgorithm, a)
		}
	}
	return slices.Clone(algs), nil
}

// Options are the caller's expectations of one attestation.
type Options struct {
	// Nonce, when not empty, must equal the attestation's nonce.
	Nonce string
	// RequireExp is set when the attestation travels inside a jwt proof
	// (Appendix D.1: exp is then REQUIRED).
	RequireExp bool
	// Algorithms narrows the verifier's allow-list (the proof type's
	// proof_signing_alg_values_supported); empty keeps it.
	Algorithms []string
}

// AttestedKey is one key of attested_keys.
type AttestedKey struct {
	PublicKey crypto.PublicKey
	// JWK holds the RFC 7638 members only.
	JWK map[string]any
	// Thumbprint is the RFC 7638 SHA-256 thumbprint, base64url.
	Thumbprint string
}

// Attestation is a verified key attestation.
type Attestation struct {
	Keys               []AttestedKey
	KeyStorage         []string
	UserAuthentication []string
	Certification      string
	Nonce              string
	IssuedAt           time.Time
	ExpiresAt          time.Time // zero when absent
	Status             *StatusReference
	// Chain is the verified x5c chain, signing certificate first, ending
	// at the anchor.
	Chain []*x509.Certificate
}

// Index returns the position of pub among the attested keys, or -1.
func (a *Attestation) Index(pub crypto.PublicKey) int {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	for i, k := range a.Keys {
		if e, ok := k.PublicKey.(equaler); ok && e.Equal(pub) {
			return i
		}
	}
	return -1
}

// Satisfies reports whether attested values meet a key_attestations_required
// list (Section 12.2.4): an empty requirement is met by anything, else one
// of the required values must be attested.
func Satisfies(have, required []string) bool {
	if len(required) == 0 {
		return true
	}
	return slices.ContainsFunc(have, func(v string) bool { return slices.Contains(required, v) })
}

// Verify checks token and returns what it attests.
func (v *Verifier) Verify(ctx context.Context, token string, o Options) (*Attestation, error) {
	c, err := jose.ParseCompact(token, v.cfg.MaxBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	h := c.Header
	// Appendix D.1: typ key-attestation+jwt.
	var typ, alg string
	if err := json.Unmarshal(h["typ"], &typ); err != nil || typ != Typ {
		return nil, fmt.Errorf("%w: typ must be %s", ErrMalformed, Typ)
	}
	// Appendix D.1: alg asymmetric, not none or a MAC; Appendix F.1/F.3:
	// one of proof_signing_alg_values_supported.
	if err := json.Unmarshal(h["alg"], &alg); err != nil {
		return nil, fmt.Errorf("%w: alg is missing", ErrMalformed)
	}
	algs := v.algs
	if len(o.Algorithms) > 0 {
		algs = o.Algorithms
	}
	if !slices.Contains(algs, alg) || !slices.Contains(v.algs, alg) {
		return nil, fmt.Errorf("%w: alg %.20q (allowed: %v)", ErrAlgorithm, alg, algs)
	}
	// RFC 7515 Section 4.1.11: refuse extensions we do not understand.
	if _, ok := h["crit"]; ok {
		return nil, fmt.Errorf("%w: crit extensions are not understood", ErrMalformed)
	}
	// HAIP 1.0 Section "Key Attestation": the key is in x5c.
	for _, m := range []string{"jwk", "kid", "trust_chain", "x5u", "jku"} {
		if _, ok := h[m]; ok {
			return nil, fmt.Errorf("%w: %s is not accepted, only x5c", ErrKeySource, m)
		}
	}
	raw, ok := h["x5c"]
	if !ok {
		return nil, fmt.Errorf("%w: x5c is missing", ErrKeySource)
	}
	chain, err := v.verifyX5C(raw)
	if err != nil {
		return nil, err
	}
	if err := c.Verify(alg, chain[0].PublicKey); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	a, err := v.claims(c.Payload, o)
	if err != nil {
		return nil, err
	}
	a.Chain = chain
	if a.Status != nil && v.cfg.Status != nil {
		if err := v.cfg.Status.CheckStatus(ctx, *a.Status); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrStatus, err)
		}
	}
	if a.Status == nil && v.cfg.RequireStatus {
		return nil, fmt.Errorf("%w: the attestation has no status", ErrStatus)
	}
	return a, nil
}

// VerifyChain verifies an x5c header value as Verify does for
// attestations (HAIP 1.0: chained to a wallet-provider anchor, the signing
// certificate not self-signed, the anchor left out) and returns the chain,
// signing certificate first: for other objects the wallet providers sign,
// such as the Token Status Lists their attestations reference.
func (v *Verifier) VerifyChain(x5c json.RawMessage) ([]*x509.Certificate, error) {
	if len(x5c) == 0 {
		return nil, fmt.Errorf("%w: x5c is missing", ErrKeySource)
	}
	return v.verifyX5C(x5c)
}

// verifyX5C decodes x5c (RFC 7515 Section 4.1.6: standard base64 DER) and
// verifies it to an anchor, as HAIP requires: the signing certificate is
// not self-signed and the anchor is not in x5c.
func (v *Verifier) verifyX5C(raw json.RawMessage) ([]*x509.Certificate, error) {
	var x5c []string
	if err := json.Unmarshal(raw, &x5c); err != nil || len(x5c) == 0 {
		return nil, fmt.Errorf("%w: x5c must be a non-empty array of strings", ErrMalformed)
	}
	if len(x5c) > MaxX5C {
		return nil, fmt.Errorf("%w: x5c has more than %d certificates", ErrMalformed, MaxX5C)
	}
	certs := make([]*x509.Certificate, len(x5c))
	for i, s := range x5c {
		der, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%w: x5c[%d] is not base64", ErrMalformed, i)
		}
		if certs[i], err = x509.ParseCertificate(der); err != nil {
			return nil, fmt.Errorf("%w: x5c[%d] is not a certificate", ErrMalformed, i)
		}
	}
	for i, c := range certs {
		for _, a := range v.cfg.TrustAnchors {
			if c.Equal(a) || (string(c.RawSubject) == string(a.RawSubject) && string(c.RawSubjectPublicKeyInfo) == string(a.RawSubjectPublicKeyInfo)) {
				return nil, fmt.Errorf("%w: x5c[%d] is the anchor %.80s", ErrAnchorIncluded, i, a.Subject.String())
			}
		}
	}
	leaf := certs[0]
	if string(leaf.RawIssuer) == string(leaf.RawSubject) && leaf.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature) == nil {
		return nil, ErrSelfSigned
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{Roots: v.anchors, Intermediates: inter, CurrentTime: v.cfg.Now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUntrusted, err)
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return nil, fmt.Errorf("%w: the signing certificate does not allow digital signatures", ErrUntrusted)
	}
	return chains[0], nil
}

// wireClaims is the payload of Appendix D.1.
type wireClaims struct {
	Iat                *json.Number      `json:"iat"`
	Exp                *json.Number      `json:"exp"`
	AttestedKeys       []json.RawMessage `json:"attested_keys"`
	KeyStorage         []string          `json:"key_storage"`
	UserAuthentication []string          `json:"user_authentication"`
	Certification      string            `json:"certification"`
	Nonce              *string           `json:"nonce"`
	Status             *struct {
		StatusList *StatusReference `json:"status_list"`
	} `json:"status"`
}

func (v *Verifier) claims(payload []byte, o Options) (*Attestation, error) {
	if _, err := jose.DecodeObject(payload); err != nil {
		return nil, fmt.Errorf("%w: claims: %v", ErrMalformed, err)
	}
	var w wireClaims
	dec := json.NewDecoder(bytesReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("%w: claims: %v", ErrMalformed, err)
	}
	now := v.cfg.Now()
	a := &Attestation{KeyStorage: w.KeyStorage, UserAuthentication: w.UserAuthentication, Certification: w.Certification}
	// Appendix D.1: iat REQUIRED.
	iat, err := numericDate(w.Iat)
	if err != nil || w.Iat == nil {
		return nil, fmt.Errorf("%w: iat is missing or not a number", ErrIssuedAt)
	}
	if iat.After(now.Add(v.cfg.ClockSkew)) {
		return nil, fmt.Errorf("%w: iat is in the future", ErrIssuedAt)
	}
	a.IssuedAt = iat
	if w.Exp != nil {
		exp, err := numericDate(w.Exp)
		if err != nil {
			return nil, fmt.Errorf("%w: exp is not a number", ErrMalformed)
		}
		// RFC 7519 Section 4.1.4.
		if !now.Before(exp.Add(v.cfg.ClockSkew)) {
			return nil, fmt.Errorf("%w: exp %s has passed", ErrExpired, exp.UTC().Format(time.RFC3339))
		}
		a.ExpiresAt = exp
	} else if o.RequireExp {
		return nil, fmt.Errorf("%w: exp is required inside a jwt proof (Appendix D.1)", ErrMalformed)
	} else if iat.Before(now.Add(-v.cfg.MaxAge - v.cfg.ClockSkew)) {
		return nil, fmt.Errorf("%w: iat is older than %s and there is no exp", ErrIssuedAt, v.cfg.MaxAge)
	}
	for _, list := range [][]string{w.KeyStorage, w.UserAuthentication} {
		if len(list) > maxLevels {
			return nil, fmt.Errorf("%w: more than %d key_storage or user_authentication values", ErrMalformed, maxLevels)
		}
		for _, s := range list {
			if s == "" || len(s) > maxStringBytes {
				return nil, fmt.Errorf("%w: empty or overlong key_storage or user_authentication value", ErrMalformed)
			}
		}
	}
	if len(w.Certification) > 2048 {
		return nil, fmt.Errorf("%w: certification is too long", ErrMalformed)
	}
	if w.Nonce != nil {
		if len(*w.Nonce) > maxStringBytes {
			return nil, fmt.Errorf("%w: nonce is too long", ErrNonce)
		}
		a.Nonce = *w.Nonce
	}
	if o.Nonce != "" && subtle.ConstantTimeCompare([]byte(a.Nonce), []byte(o.Nonce)) != 1 {
		return nil, ErrNonce
	}
	if w.Status != nil {
		if w.Status.StatusList == nil || w.Status.StatusList.URI == "" || w.Status.StatusList.Index < 0 || len(w.Status.StatusList.URI) > 2048 {
			return nil, fmt.Errorf("%w: status must be {\"status_list\": {\"idx\": n, \"uri\": …}}", ErrMalformed)
		}
		ref := *w.Status.StatusList
		a.Status = &ref
	}
	// Appendix D.1: attested_keys REQUIRED, non-empty, JWKs.
	if len(w.AttestedKeys) == 0 {
		return nil, fmt.Errorf("%w: attested_keys is missing or empty", ErrAttestedKeys)
	}
	if len(w.AttestedKeys) > MaxAttestedKeys {
		return nil, fmt.Errorf("%w: more than %d attested keys", ErrAttestedKeys, MaxAttestedKeys)
	}
	seen := map[string]int{}
	for i, raw := range w.AttestedKeys {
		k, err := parseJWK(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: attested_keys[%d]: %v", ErrAttestedKeys, i, err)
		}
		if j, dup := seen[k.Thumbprint]; dup {
			return nil, fmt.Errorf("%w: attested_keys[%d] repeats attested_keys[%d]", ErrAttestedKeys, i, j)
		}
		seen[k.Thumbprint] = i
		a.Keys = append(a.Keys, k)
	}
	return a, nil
}

func numericDate(n *json.Number) (time.Time, error) {
	if n == nil {
		return time.Time{}, nil
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f > 1e11 {
		return time.Time{}, errors.New("not a NumericDate")
	}
	return time.Unix(int64(f), 0), nil
}

// parseJWK reads a public JWK (RFC 7517): EC P-256/384/521, OKP Ed25519 or
// RSA of 2048 bits or more (sdjwt.ParseJWK), refusing private members.
func parseJWK(raw json.RawMessage) (AttestedKey, error) {
	m, err := jose.DecodeObject(raw)
	if err != nil {
		return AttestedKey{}, err
	}
	for _, p := range []string{"d", "p", "q", "dp", "dq", "qi", "k", "oth"} {
		if _, ok := m[p]; ok {
			return AttestedKey{}, fmt.Errorf("carries private member %s", p)
		}
	}
	var members map[string]any
	if err := json.Unmarshal(raw, &members); err != nil {
		return AttestedKey{}, err
	}
	pub, err := sdjwt.ParseJWK(members)
	if err != nil {
		return AttestedKey{}, err
	}
	// RFC 7638 Section 3: the required members, lexicographic, no spaces
	// (encoding/json sorts map keys); PublicJWK gives exactly those.
	tp, err := sdjwt.PublicJWK(pub)
	if err != nil {
		return AttestedKey{}, err
	}
	canon, err := json.Marshal(tp)
	if err != nil {
		return AttestedKey{}, err
	}
	sum := sha256.Sum256(canon)
	return AttestedKey{PublicKey: pub, JWK: tp, Thumbprint: base64.RawURLEncoding.EncodeToString(sum[:])}, nil
}
