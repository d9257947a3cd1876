package wellknown

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pramaan/pramaan/internal/jose"
)

// SignedMetadataType is the typ of signed Credential Issuer Metadata
// (OpenID4VCI 1.0 Section 12.2.3).
const SignedMetadataType = "openidvci-issuer-metadata+jwt"

// SignerConfig configures a MetadataSigner.
type SignerConfig struct {
	// Signer holds the private key: ECDSA P-256, P-384, P-521 or Ed25519.
	Signer crypto.Signer
	// Algorithm is ES256, ES384, ES512 or EdDSA; empty picks the one that
	// suits the key (ES256 for P-256).
	Algorithm string
	// Certificates is the x5c chain, leaf first; the leaf certifies Signer's
	// key. HAIP 1.0 Section 4.1: the trust anchor is left out and the leaf is
	// not self-signed.
	Certificates []*x509.Certificate
	// AllowSelfSigned accepts a self-signed leaf, against HAIP; for tests
	// and local development only.
	AllowSelfSigned bool
	// Issuer, when set, becomes the iss claim (the party attesting to the
	// metadata, Section 12.2.3).
	Issuer string
	// Lifetime, when positive, sets exp to iat + Lifetime.
	Lifetime time.Duration
	// Clock gives the time for iat; nil means time.Now.
	Clock func() time.Time
}

// MetadataSigner turns Credential Issuer Metadata into a signed JWT
// (Section 12.2.3). It is safe for concurrent use.
//
// It writes the compact JWS itself rather than through a JOSE library: only
// signing with ECDSA and Ed25519 through a crypto.Signer is needed, and the
// exact header and claim order stay under the package's control.
type MetadataSigner struct {
	signer   crypto.Signer
	alg      string
	hash     crypto.Hash
	size     int // bytes per ECDSA coordinate; 0 for EdDSA
	x5c      []string
	issuer   string
	lifetime time.Duration
	clock    func() time.Time
}

// NewMetadataSigner checks cfg: the algorithm suits the key, the leaf
// certificate holds the signer's public key, each certificate is signed by
// the next, no trust anchor and (unless allowed) no self-signed leaf.
func NewMetadataSigner(cfg SignerConfig) (*MetadataSigner, error) {
	if cfg.Signer == nil {
		return nil, fmt.Errorf("%w: no signer", ErrInvalidKey)
	}
	s := &MetadataSigner{signer: cfg.Signer, alg: cfg.Algorithm, issuer: cfg.Issuer, lifetime: cfg.Lifetime, clock: cfg.Clock}
	if s.clock == nil {
		s.clock = time.Now
	}
	pub := cfg.Signer.Public()
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		jwk, err := publicJWK(k)
		if err != nil {
			return nil, err
		}
		want := map[string]string{"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}[jwk.Crv]
		if s.alg == "" {
			s.alg = want
		}
		if s.alg != want {
			return nil, fmt.Errorf("%w: algorithm %q does not suit a %s key (want %s)", ErrInvalidKey, s.alg, jwk.Crv, want)
		}
		s.hash = map[string]crypto.Hash{"ES256": crypto.SHA256, "ES384": crypto.SHA384, "ES512": crypto.SHA512}[s.alg]
		s.size = (k.Curve.Params().BitSize + 7) / 8
	case ed25519.PublicKey:
		if s.alg == "" {
			s.alg = "EdDSA"
		}
		if s.alg != "EdDSA" {
			return nil, fmt.Errorf("%w: algorithm %q does not suit an Ed25519 key (want EdDSA)", ErrInvalidKey, s.alg)
		}
	default:
		return nil, fmt.Errorf("%w: signer key %T is not ECDSA or Ed25519", ErrInvalidKey, pub)
	}
	if err := checkChain(pub, cfg.Certificates, cfg.AllowSelfSigned); err != nil {
		return nil, err
	}
	x5c, err := encodeChain(cfg.Certificates)
	if err != nil {
		return nil, err
	}
	s.x5c = x5c
	return s, nil
}

func checkChain(pub crypto.PublicKey, chain []*x509.Certificate, allowSelfSigned bool) error {
	if len(chain) == 0 {
		return fmt.Errorf("%w: no x5c certificate (HAIP 1.0 Section 4.1 resolves the key through x5c)", ErrInvalidKey)
	}
	for i, c := range chain {
		if c == nil || len(c.Raw) == 0 {
			return fmt.Errorf("%w: certificate %d of the chain is empty", ErrInvalidKey, i)
		}
	}
	want, err := publicJWK(pub)
	if err != nil {
		return err
	}
	got, err := publicJWK(chain[0].PublicKey)
	if err != nil || got.thumbprintInput() != want.thumbprintInput() {
		return fmt.Errorf("%w: the x5c leaf %q does not certify the signing key", ErrInvalidKey, chain[0].Subject)
	}
	for i := 0; i+1 < len(chain); i++ {
		if err := chain[i].CheckSignatureFrom(chain[i+1]); err != nil {
			return fmt.Errorf("%w: x5c certificate %d is not signed by certificate %d: %v", ErrInvalidKey, i, i+1, err)
		}
	}
	if selfSigned(chain[0]) && !allowSelfSigned {
		return fmt.Errorf("%w: the x5c leaf %q is self-signed (HAIP 1.0 Section 4.1)", ErrInvalidKey, chain[0].Subject)
	}
	if last := chain[len(chain)-1]; len(chain) > 1 && selfSigned(last) {
		return fmt.Errorf("%w: x5c includes the trust anchor %q (HAIP 1.0 Section 4.1)", ErrInvalidKey, last.Subject)
	}
	return nil
}

func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// Algorithm returns the JWS alg the signer uses.
func (s *MetadataSigner) Algorithm() string { return s.alg }

type signedMetadataHeader struct {
	Alg string   `json:"alg"`
	Typ string   `json:"typ"`
	X5c []string `json:"x5c"`
}

// Sign returns the compact JWS of m: header alg, typ and x5c; payload sub (=
// credential_issuer), iat, iss and exp when configured, then every metadata
// member as a top-level claim (Section 12.2.3).
func (s *MetadataSigner) Sign(m *CredentialIssuerMetadata) (string, error) {
	if m == nil || m.CredentialIssuer == "" {
		return "", fmt.Errorf("%w: metadata without credential_issuer", ErrSigning)
	}
	header, err := json.Marshal(signedMetadataHeader{Alg: s.alg, Typ: SignedMetadataType, X5c: s.x5c})
	if err != nil {
		return "", fmt.Errorf("%w: header: %v", ErrSigning, err)
	}
	body, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("%w: metadata: %v", ErrSigning, err)
	}
	now := s.clock()
	var claims bytes.Buffer
	claims.WriteString(`{"sub":`)
	sub, _ := json.Marshal(m.CredentialIssuer)
	claims.Write(sub)
	fmt.Fprintf(&claims, `,"iat":%d`, now.Unix())
	if s.issuer != "" {
		iss, _ := json.Marshal(s.issuer)
		claims.WriteString(`,"iss":`)
		claims.Write(iss)
	}
	if s.lifetime > 0 {
		fmt.Fprintf(&claims, `,"exp":%d`, now.Add(s.lifetime).Unix())
	}
	claims.WriteByte(',')
	claims.Write(body[1:]) // the members of the metadata object and its closing brace

	enc := base64.RawURLEncoding
	input := enc.EncodeToString(header) + "." + enc.EncodeToString(claims.Bytes())
	sig, err := s.sign([]byte(input))
	if err != nil {
		return "", err
	}
	return input + "." + enc.EncodeToString(sig), nil
}

func (s *MetadataSigner) sign(input []byte) ([]byte, error) {
	if s.size == 0 {
		sig, err := s.signer.Sign(rand.Reader, input, crypto.Hash(0))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrSigning, err)
		}
		if pub := s.signer.Public().(ed25519.PublicKey); !ed25519.Verify(pub, input, sig) {
			return nil, fmt.Errorf("%w: the signer produced a signature that does not verify", ErrSigning)
		}
		return sig, nil
	}
	h := s.hash.New()
	h.Write(input)
	digest := h.Sum(nil)
	der, err := s.signer.Sign(rand.Reader, digest, s.hash)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSigning, err)
	}
	if !ecdsa.VerifyASN1(s.signer.Public().(*ecdsa.PublicKey), digest, der) {
		return nil, fmt.Errorf("%w: the signer produced a signature that does not verify", ErrSigning)
	}
	// JWS ECDSA signatures are R || S, each padded to the curve size
	// (RFC 7518 Section 3.4).
	out, err := jose.ECDSARaw(der, s.size)
	if err != nil {
		return nil, fmt.Errorf("%w: the signer returned a malformed ECDSA signature", ErrSigning)
	}
	return out, nil
}
