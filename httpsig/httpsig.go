package httpsig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pramaan/pramaan/internal/jose"
)

// AlgECDSAP256SHA256 is the algorithm of RFC 9421 Section 3.3.4.
const AlgECDSAP256SHA256 = "ecdsa-p256-sha256"

// Errors a Verifier wraps; the message names the detail.
var (
	ErrNoSignature      = errors.New("httpsig: no usable signature")
	ErrInvalidSignature = errors.New("httpsig: signature does not verify")
	ErrStale            = errors.New("httpsig: signature is expired or too old")
	ErrUnknownKey       = errors.New("httpsig: unknown keyid")
	ErrMissingComponent = errors.New("httpsig: a required component is not covered")
	ErrDigest           = errors.New("httpsig: Content-Digest does not match the content")
)

// Message is what a signature covers: a request (Method and URL) or a
// response (Status), and its header.
type Message struct {
	Method string
	URL    *url.URL // the absolute target URI of a request
	Status int      // a response's status code; 0 for a request
	Header http.Header
}

// RequestMessage returns the Message of an outgoing or incoming request.
// For an incoming request (req.URL without a host) the target URI is
// rebuilt from scheme and req.Host.
func RequestMessage(req *http.Request, scheme string) Message {
	u := *req.URL
	if u.Host == "" {
		u.Host = req.Host
	}
	if u.Scheme == "" {
		u.Scheme = scheme
	}
	return Message{Method: req.Method, URL: &u, Header: req.Header}
}

// component returns the value of one covered component (RFC 9421
// Sections 2.1 and 2.2).
func (m Message) component(name string) (string, error) {
	request := func() error {
		if m.URL == nil || m.Method == "" {
			return fmt.Errorf("httpsig: %s needs a request", name)
		}
		return nil
	}
	switch name {
	case "@method":
		if err := request(); err != nil {
			return "", err
		}
		return m.Method, nil // Section 2.2.1: as is, case-sensitive
	case "@target-uri":
		if err := request(); err != nil {
			return "", err
		}
		return m.URL.String(), nil
	case "@authority":
		if err := request(); err != nil {
			return "", err
		}
		return authority(m.URL), nil
	case "@scheme":
		if err := request(); err != nil {
			return "", err
		}
		return strings.ToLower(m.URL.Scheme), nil
	case "@path":
		if err := request(); err != nil {
			return "", err
		}
		if p := m.URL.EscapedPath(); p != "" {
			return p, nil
		}
		return "/", nil // Section 2.2.6: an empty path is "/"
	case "@query":
		if err := request(); err != nil {
			return "", err
		}
		return "?" + m.URL.RawQuery, nil // Section 2.2.7
	case "@status":
		if m.Status < 100 || m.Status > 999 {
			return "", errors.New("httpsig: @status needs a response")
		}
		return strconv.Itoa(m.Status), nil
	}
	if strings.HasPrefix(name, "@") {
		return "", fmt.Errorf("httpsig: derived component %q is not supported", name)
	}
	if name != strings.ToLower(name) || name == "" {
		return "", fmt.Errorf("httpsig: component %q must be a lower-case field name", name)
	}
	vals, ok := m.Header[http.CanonicalHeaderKey(name)]
	if !ok {
		return "", fmt.Errorf("%w: the message has no %s field", ErrMissingComponent, name)
	}
	// Section 2.1: each field line's value trimmed, then joined by ", ".
	trimmed := make([]string, len(vals))
	for i, v := range vals {
		trimmed[i] = strings.Trim(v, " \t")
	}
	return strings.Join(trimmed, ", "), nil
}

// authority is the host (Section 2.2.3): lower-cased, default port removed.
func authority(u *url.URL) string {
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port == "" || (port == "443" && u.Scheme == "https") || (port == "80" && u.Scheme == "http") {
		return host
	}
	return host + ":" + port
}

// signatureParams is one signature's covered components and parameters,
// kept in their order: the @signature-params line is their serialization.
type signatureParams struct {
	components []string
	params     []param
}

func (sp signatureParams) serialize() (string, error) {
	var b strings.Builder
	b.WriteByte('(')
	for i, c := range sp.components {
		if i > 0 {
			b.WriteByte(' ')
		}
		q, err := quote(c)
		if err != nil {
			return "", err
		}
		b.WriteString(q)
	}
	b.WriteByte(')')
	for _, p := range sp.params {
		b.WriteByte(';')
		b.WriteString(p.key)
		switch v := p.value.(type) {
		case bool:
			if !v {
				b.WriteString("=?0")
			}
		case int64:
			b.WriteString("=" + strconv.FormatInt(v, 10))
		case string:
			q, err := quote(v)
			if err != nil {
				return "", err
			}
			b.WriteString("=" + q)
		case []byte:
			b.WriteString("=:" + base64.StdEncoding.EncodeToString(v) + ":")
		}
	}
	return b.String(), nil
}

func (sp signatureParams) str(key string) string {
	for _, p := range sp.params {
		if p.key == key {
			if s, ok := p.value.(string); ok {
				return s
			}
		}
	}
	return ""
}

func (sp signatureParams) time(key string) (time.Time, bool) {
	for _, p := range sp.params {
		if p.key == key {
			if n, ok := p.value.(int64); ok {
				return time.Unix(n, 0), true
			}
		}
	}
	return time.Time{}, false
}

// base builds the signature base (RFC 9421 Section 2.5).
func (m Message) base(sp signatureParams) ([]byte, string, error) {
	var b strings.Builder
	seen := map[string]bool{}
	for _, c := range sp.components {
		if seen[c] {
			return nil, "", fmt.Errorf("httpsig: component %q covered twice", c) // Section 2.5 step 2.4
		}
		seen[c] = true
		v, err := m.component(c)
		if err != nil {
			return nil, "", err
		}
		if strings.ContainsAny(v, "\r\n") {
			return nil, "", fmt.Errorf("httpsig: component %q has a line break", c)
		}
		q, _ := quote(c)
		b.WriteString(q + ": " + v + "\n")
	}
	params, err := sp.serialize()
	if err != nil {
		return nil, "", err
	}
	b.WriteString(`"@signature-params": ` + params)
	return []byte(b.String()), params, nil
}

// Signer signs messages with a P-256 key.
type Signer struct {
	// Key is the P-256 signing key (crypto.Signer: a software key, an HSM).
	Key crypto.Signer
	// KeyID names the key for the verifier (the keyid parameter).
	KeyID string
	// Label is the signature's dictionary key; empty: "sig1".
	Label string
	// Components are the covered components, in order.
	Components []string
	// Tag, when set, is the tag parameter (Section 2.3): the application.
	Tag string
	// Expires, when positive, sets expires to created + Expires.
	Expires time.Duration
	// Nonce, when set, returns a fresh nonce parameter per signature.
	Nonce func() (string, error)
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

// Sign returns the Signature-Input and Signature values for m.
func (s *Signer) Sign(m Message) (signatureInput, signature string, err error) {
	pub, ok := s.Key.Public().(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return "", "", errors.New("httpsig: the signing key must be ECDSA P-256")
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	created := now()
	sp := signatureParams{components: slices.Clone(s.Components)}
	sp.params = append(sp.params, param{"created", created.Unix()})
	if s.Expires > 0 {
		sp.params = append(sp.params, param{"expires", created.Add(s.Expires).Unix()})
	}
	if s.Nonce != nil {
		n, err := s.Nonce()
		if err != nil {
			return "", "", fmt.Errorf("httpsig: nonce: %w", err)
		}
		sp.params = append(sp.params, param{"nonce", n})
	}
	sp.params = append(sp.params, param{"keyid", s.KeyID}, param{"alg", AlgECDSAP256SHA256})
	if s.Tag != "" {
		sp.params = append(sp.params, param{"tag", s.Tag})
	}
	base, params, err := m.base(sp)
	if err != nil {
		return "", "", err
	}
	digest := sha256.Sum256(base)
	der, err := s.Key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return "", "", fmt.Errorf("httpsig: sign: %w", err)
	}
	// Section 3.3.4: the signature is r || s, 32 bytes each.
	raw, err := jose.ECDSARaw(der, 32)
	if err != nil {
		return "", "", fmt.Errorf("httpsig: sign: %w", err)
	}
	label := s.Label
	if label == "" {
		label = "sig1"
	}
	return label + "=" + params, label + "=:" + base64.StdEncoding.EncodeToString(raw) + ":", nil
}

// SignRequest sets Content-Digest (sha-256 of body, RFC 9530) when the
// signer covers it, then Signature-Input and Signature on req.
func (s *Signer) SignRequest(req *http.Request, body []byte) error {
	if slices.Contains(s.Components, "content-digest") {
		req.Header.Set("Content-Digest", ContentDigest(body))
	}
	in, sig, err := s.Sign(RequestMessage(req, "https"))
	if err != nil {
		return err
	}
	req.Header.Set("Signature-Input", in)
	req.Header.Set("Signature", sig)
	return nil
}

// ContentDigest returns the RFC 9530 Content-Digest value of body, SHA-256.
func ContentDigest(body []byte) string {
	h := sha256.Sum256(body)
	return "sha-256=:" + base64.StdEncoding.EncodeToString(h[:]) + ":"
}

// CheckContentDigest checks a Content-Digest value against body: every
// sha-256 and sha-512 member must match and at least one must be present
// (RFC 9530 Section 2; other algorithms are ignored).
func CheckContentDigest(value string, body []byte) error {
	members, err := parseDictionary(value)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrDigest, err)
	}
	checked := 0
	for _, m := range members {
		var sum []byte
		switch m.key {
		case "sha-256":
			h := sha256.Sum256(body)
			sum = h[:]
		case "sha-512":
			h := sha512.Sum512(body)
			sum = h[:]
		default:
			continue
		}
		if m.inner || subtle.ConstantTimeCompare(sum, m.bytes) != 1 {
			return fmt.Errorf("%w (%s)", ErrDigest, m.key)
		}
		checked++
	}
	if checked == 0 {
		return fmt.Errorf("%w: no sha-256 or sha-512 digest", ErrDigest)
	}
	return nil
}

// KeyResolver returns the P-256 public key named by keyid, or an error
// wrapping ErrUnknownKey.
type KeyResolver func(keyID string) (*ecdsa.PublicKey, error)

// Verifier checks message signatures.
type Verifier struct {
	// Keys resolves keyid to a public key. Required.
	Keys KeyResolver
	// Required are components every accepted signature must cover.
	Required []string
	// Tag, when set, selects the signature with this tag parameter.
	Tag string
	// MaxAge bounds now - created; zero: 5 minutes. Negative: no bound
	// (for fixed vectors only).
	MaxAge time.Duration
	// Skew is the tolerated clock difference; zero: 30 s.
	Skew time.Duration
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

// Result describes an accepted signature.
type Result struct {
	Label      string
	KeyID      string
	Created    time.Time
	Components []string
}

// Verify checks the signatures of m: the first (in Signature-Input order)
// that matches the Tag is checked, and must hold.
func (v *Verifier) Verify(m Message) (*Result, error) {
	inputs := m.Header.Values("Signature-Input")
	sigs := m.Header.Values("Signature")
	if len(inputs) == 0 || len(sigs) == 0 {
		return nil, fmt.Errorf("%w: Signature-Input and Signature are required", ErrNoSignature)
	}
	inMembers, err := parseDictionary(strings.Join(inputs, ", "))
	if err != nil {
		return nil, fmt.Errorf("%w: Signature-Input: %w", ErrNoSignature, err)
	}
	sigMembers, err := parseDictionary(strings.Join(sigs, ", "))
	if err != nil {
		return nil, fmt.Errorf("%w: Signature: %w", ErrNoSignature, err)
	}
	for _, in := range inMembers {
		if !in.inner {
			return nil, fmt.Errorf("%w: Signature-Input member %q is not an inner list", ErrNoSignature, in.key)
		}
		sp := signatureParams{components: in.items, params: in.params}
		if v.Tag != "" && sp.str("tag") != v.Tag {
			continue
		}
		var raw []byte
		for _, s := range sigMembers {
			if s.key == in.key && !s.inner {
				raw = s.bytes
			}
		}
		if raw == nil {
			return nil, fmt.Errorf("%w: no Signature for label %q", ErrNoSignature, in.key)
		}
		return v.check(m, in.key, sp, raw)
	}
	return nil, fmt.Errorf("%w: no signature with tag %q", ErrNoSignature, v.Tag)
}

func (v *Verifier) check(m Message, label string, sp signatureParams, raw []byte) (*Result, error) {
	for _, r := range v.Required {
		if !slices.Contains(sp.components, r) {
			return nil, fmt.Errorf("%w: %s", ErrMissingComponent, r)
		}
	}
	if alg := sp.str("alg"); alg != "" && alg != AlgECDSAP256SHA256 {
		return nil, fmt.Errorf("%w: alg %q is not accepted", ErrInvalidSignature, alg)
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	skew, maxAge := v.Skew, v.MaxAge
	if skew == 0 {
		skew = 30 * time.Second
	}
	if maxAge == 0 {
		maxAge = 5 * time.Minute
	}
	t := now()
	created, hasCreated := sp.time("created")
	if maxAge > 0 {
		if !hasCreated {
			return nil, fmt.Errorf("%w: created is required", ErrStale)
		}
		if created.After(t.Add(skew)) || t.Sub(created) > maxAge+skew {
			return nil, fmt.Errorf("%w: created %s", ErrStale, created.UTC().Format(time.RFC3339))
		}
		if exp, ok := sp.time("expires"); ok && t.After(exp.Add(skew)) {
			return nil, fmt.Errorf("%w: expired %s", ErrStale, exp.UTC().Format(time.RFC3339))
		}
	}
	keyID := sp.str("keyid")
	pub, err := v.Keys(keyID)
	if err != nil {
		return nil, err
	}
	if pub == nil || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%w: key %q is not P-256", ErrUnknownKey, keyID)
	}
	base, _, err := m.base(sp)
	if err != nil {
		return nil, err
	}
	if len(raw) != 64 {
		return nil, fmt.Errorf("%w: an ecdsa-p256-sha256 signature is 64 bytes", ErrInvalidSignature)
	}
	digest := sha256.Sum256(base)
	r, s := new(big.Int).SetBytes(raw[:32]), new(big.Int).SetBytes(raw[32:])
	if !ecdsa.Verify(pub, digest[:], r, s) {
		return nil, ErrInvalidSignature
	}
	return &Result{Label: label, KeyID: keyID, Created: created, Components: slices.Clone(sp.components)}, nil
}

// VerifyRequest verifies an incoming request's signature and, when the
// signature covers content-digest, that Content-Digest matches body.
func (v *Verifier) VerifyRequest(req *http.Request, scheme string, body []byte) (*Result, error) {
	res, err := v.Verify(RequestMessage(req, scheme))
	if err != nil {
		return nil, err
	}
	if slices.Contains(res.Components, "content-digest") {
		if err := CheckContentDigest(req.Header.Get("Content-Digest"), body); err != nil {
			return nil, err
		}
	}
	return res, nil
}
