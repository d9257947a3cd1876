package sdjwt

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// KeyRequest is what a KeyResolver gets to find the issuer's key.
type KeyRequest struct {
	Header Header    // protected header (kid may also come from the unprotected header)
	Issuer string    // the iss claim, empty when absent
	Time   time.Time // the verifier's clock, for certificate validity
}

// KeyResolver finds and validates the public key of the issuer of an
// SD-JWT (RFC 9901 Section 7.1 step 2.3; SD-JWT VC draft 18 Section 2.5).
// Errors should wrap ErrUntrustedKey (or ErrIssuerMismatch).
type KeyResolver interface {
	IssuerKey(ctx context.Context, req KeyRequest) (crypto.PublicKey, error)
}

// KeyResolverFunc adapts a function to KeyResolver.
type KeyResolverFunc func(ctx context.Context, req KeyRequest) (crypto.PublicKey, error)

// IssuerKey calls f.
func (f KeyResolverFunc) IssuerKey(ctx context.Context, req KeyRequest) (crypto.PublicKey, error) {
	return f(ctx, req)
}

// StaticKey trusts exactly one key, whatever the header says.
func StaticKey(pub crypto.PublicKey) KeyResolver {
	return KeyResolverFunc(func(context.Context, KeyRequest) (crypto.PublicKey, error) { return pub, nil })
}

// JWKS is a JSON Web Key Set (RFC 7517 Section 5) used as a KeyResolver:
// the key is chosen by kid, or is the only signing key when the header has
// no kid.
type JWKS struct {
	keys []jwksEntry
}

type jwksEntry struct {
	kid string
	alg string
	pub crypto.PublicKey
}

// maxJWKSKeys bounds a key set read from outside.
const maxJWKSKeys = 100

// ParseJWKS parses a JWK Set document {"keys": [...]}. Keys with
// "use": "enc" are skipped; keys of unsupported types fail.
func ParseJWKS(data []byte) (*JWKS, error) {
	if len(data) > DefaultLimits.MaxSize {
		return nil, fmt.Errorf("%w: JWKS of %d bytes", ErrTooLarge, len(data))
	}
	m, err := decodeObjectJSON(data, DefaultLimits.MaxDepth, "JWKS")
	if err != nil {
		return nil, err
	}
	return jwksFromMap(m)
}

func jwksFromMap(m map[string]any) (*JWKS, error) {
	arr, ok := m["keys"].([]any)
	if !ok {
		return nil, fmt.Errorf("%w: JWKS has no keys array", ErrMalformed)
	}
	if len(arr) > maxJWKSKeys {
		return nil, fmt.Errorf("%w: JWKS has %d keys (max %d)", ErrTooLarge, len(arr), maxJWKSKeys)
	}
	set := &JWKS{}
	for i, e := range arr {
		jwk, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: JWKS key %d is not an object", ErrMalformed, i)
		}
		if use, _ := jwk["use"].(string); use == "enc" {
			continue
		}
		pub, err := ParseJWK(jwk)
		if err != nil {
			return nil, fmt.Errorf("JWKS key %d: %w", i, err)
		}
		kid, _ := jwk["kid"].(string)
		alg, _ := jwk["alg"].(string)
		set.keys = append(set.keys, jwksEntry{kid: kid, alg: alg, pub: pub})
	}
	return set, nil
}

// NewJWKS builds a key set from public keys by kid.
func NewJWKS(keys map[string]crypto.PublicKey) *JWKS {
	set := &JWKS{}
	for kid, pub := range keys {
		set.keys = append(set.keys, jwksEntry{kid: kid, pub: pub})
	}
	return set
}

// Len returns the number of signing keys in the set.
func (s *JWKS) Len() int { return len(s.keys) }

// IssuerKey selects the key by kid, or the single key when there is no kid.
func (s *JWKS) IssuerKey(_ context.Context, req KeyRequest) (crypto.PublicKey, error) {
	var match *jwksEntry
	switch {
	case req.Header.Kid != "":
		for i := range s.keys {
			if s.keys[i].kid == req.Header.Kid {
				match = &s.keys[i]
				break
			}
		}
		if match == nil {
			return nil, fmt.Errorf("%w: no key with kid %q in the key set", ErrUntrustedKey, req.Header.Kid)
		}
	case len(s.keys) == 1:
		match = &s.keys[0]
	default:
		return nil, fmt.Errorf("%w: header has no kid and the key set holds %d keys", ErrUntrustedKey, len(s.keys))
	}
	if match.alg != "" && match.alg != req.Header.Alg {
		return nil, fmt.Errorf("%w: key %q is for %s, header says %s", ErrAlgorithmNotAllowed, match.kid, match.alg, req.Header.Alg)
	}
	return match.pub, nil
}

// X5CResolver takes the issuer key from the x5c header and validates the
// chain against trust anchors (SD-JWT VC draft 18 Section 2.5, "Inline X.509
// Certificates").
type X5CResolver struct {
	Roots *x509.CertPool
	// AllowIssuerMismatch turns off the check that a present iss claim is
	// named by the leaf certificate. Draft 18 Section 2.5 makes the leaf's
	// subject the issuer; so that an iss claim can never contradict it we
	// require, by default, iss to equal a URI SAN of the leaf or, for an
	// https iss, its host to equal a DNS SAN.
	AllowIssuerMismatch bool
}

// NewX5CResolverFromPEM builds an X5CResolver trusting the PEM certificates.
func NewX5CResolverFromPEM(pemData []byte) (*X5CResolver, error) {
	pool := x509.NewCertPool()
	n := 0
	for rest := pemData; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: trust anchor %d: %v", ErrMalformed, n, err)
		}
		pool.AddCert(cert)
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: no CERTIFICATE block in the trust anchor PEM", ErrMalformed)
	}
	return &X5CResolver{Roots: pool}, nil
}

// maxChain bounds the x5c length.
const maxChain = 10

// IssuerKey validates the x5c chain and returns the leaf's public key.
func (r *X5CResolver) IssuerKey(_ context.Context, req KeyRequest) (crypto.PublicKey, error) {
	if r.Roots == nil {
		return nil, fmt.Errorf("%w: X5CResolver has no roots", ErrConfig)
	}
	if len(req.Header.X5C) == 0 {
		return nil, fmt.Errorf("%w: header has no x5c", ErrUntrustedKey)
	}
	if len(req.Header.X5C) > maxChain {
		return nil, fmt.Errorf("%w: x5c of %d certificates (max %d)", ErrTooLarge, len(req.Header.X5C), maxChain)
	}
	certs := make([]*x509.Certificate, len(req.Header.X5C))
	for i, der := range req.Header.X5C {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("%w: x5c[%d]: %v", ErrMalformed, i, err)
		}
		certs[i] = c
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	at := req.Time
	if at.IsZero() {
		at = time.Now()
	}
	leaf := certs[0]
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: r.Roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return nil, fmt.Errorf("%w: x5c chain: %v", ErrUntrustedKey, err)
	}
	if req.Issuer != "" && !r.AllowIssuerMismatch && !certNamesIssuer(leaf, req.Issuer) {
		return nil, fmt.Errorf("%w: iss %q is not a URI or DNS subject alternative name of the x5c leaf", ErrIssuerMismatch, req.Issuer)
	}
	return leaf.PublicKey, nil
}

func certNamesIssuer(c *x509.Certificate, iss string) bool {
	for _, u := range c.URIs {
		if u.String() == iss {
			return true
		}
	}
	if u, err := url.Parse(iss); err == nil && u.Scheme == "https" {
		return slices.Contains(c.DNSNames, u.Hostname())
	}
	return false
}

// FetchFunc retrieves a document by URL (an HTTP GET in production, a map
// in tests); it keeps this package free of HTTP. It should bound the size
// of what it returns.
type FetchFunc func(ctx context.Context, url string) ([]byte, error)

// MetadataResolver finds the issuer key through JWT VC Issuer Metadata
// (SD-JWT VC draft 18 Section 3).
type MetadataResolver struct {
	Fetch FetchFunc
}

// IssuerMetadata is a JWT VC Issuer Metadata document (draft 18 Section 3.2).
type IssuerMetadata struct {
	Issuer  string
	JWKSURI string
	JWKS    *JWKS // inline jwks, nil when jwks_uri is used
}

// ParseIssuerMetadata parses and checks a JWT VC Issuer Metadata document:
// issuer is required; exactly one of jwks and jwks_uri (Section 3.2).
func ParseIssuerMetadata(data []byte) (*IssuerMetadata, error) {
	if len(data) > DefaultLimits.MaxSize {
		return nil, fmt.Errorf("%w: issuer metadata of %d bytes", ErrTooLarge, len(data))
	}
	m, err := decodeObjectJSON(data, DefaultLimits.MaxDepth, "JWT VC issuer metadata")
	if err != nil {
		return nil, err
	}
	md := &IssuerMetadata{}
	var ok bool
	if md.Issuer, ok = m["issuer"].(string); !ok || md.Issuer == "" {
		return nil, fmt.Errorf("%w: issuer metadata: issuer missing or not a string", ErrMalformed)
	}
	jwks, hasJWKS := m["jwks"]
	uri, hasURI := m["jwks_uri"]
	switch {
	case hasJWKS == hasURI:
		return nil, fmt.Errorf("%w: issuer metadata must have exactly one of jwks and jwks_uri", ErrMalformed)
	case hasJWKS:
		jm, ok := jwks.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: issuer metadata: jwks is not an object", ErrMalformed)
		}
		if md.JWKS, err = jwksFromMap(jm); err != nil {
			return nil, fmt.Errorf("issuer metadata: %w", err)
		}
	default:
		if md.JWKSURI, ok = uri.(string); !ok || !strings.HasPrefix(md.JWKSURI, "https://") {
			return nil, fmt.Errorf("%w: issuer metadata: jwks_uri is not an https URL", ErrMalformed)
		}
	}
	return md, nil
}

// IssuerMetadataURL returns the well-known URL of the JWT VC Issuer Metadata
// for iss: /.well-known/jwt-vc-issuer inserted between the host and the path,
// the path's terminating "/" removed (draft 18 Sections 3 and 3.1). iss must
// be an https URL without query or fragment.
func IssuerMetadataURL(iss string) (string, error) {
	u, err := url.Parse(iss)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" {
		return "", fmt.Errorf("%w: iss %q is not an https URL without query or fragment", ErrUntrustedKey, iss)
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	return "https://" + u.Host + "/.well-known/jwt-vc-issuer" + path, nil
}

// IssuerKey fetches the issuer metadata for iss, checks that its issuer is
// identical to iss (Section 3.3) and selects the key from its JWKS.
func (r *MetadataResolver) IssuerKey(ctx context.Context, req KeyRequest) (crypto.PublicKey, error) {
	if r.Fetch == nil {
		return nil, fmt.Errorf("%w: MetadataResolver.Fetch is nil", ErrConfig)
	}
	if req.Issuer == "" {
		return nil, fmt.Errorf("%w: no iss claim to look up issuer metadata for", ErrUntrustedKey)
	}
	mdURL, err := IssuerMetadataURL(req.Issuer)
	if err != nil {
		return nil, err
	}
	body, err := r.Fetch(ctx, mdURL)
	if err != nil {
		return nil, fmt.Errorf("%w: fetching %s: %w", ErrUntrustedKey, mdURL, err)
	}
	md, err := ParseIssuerMetadata(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUntrustedKey, mdURL, err)
	}
	if md.Issuer != req.Issuer {
		return nil, fmt.Errorf("%w: metadata issuer %q is not iss %q", ErrIssuerMismatch, md.Issuer, req.Issuer)
	}
	set := md.JWKS
	if set == nil {
		raw, err := r.Fetch(ctx, md.JWKSURI)
		if err != nil {
			return nil, fmt.Errorf("%w: fetching %s: %w", ErrUntrustedKey, md.JWKSURI, err)
		}
		if set, err = ParseJWKS(raw); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrUntrustedKey, md.JWKSURI, err)
		}
	}
	return set.IssuerKey(ctx, req)
}
