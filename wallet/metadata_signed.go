package wallet

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/pramaan/pramaan/wellknown"
)

// ErrSignedMetadata is wrapped when signed issuer metadata does not verify.
var ErrSignedMetadata = errors.New("wallet: signed issuer metadata does not verify")

// maxMetadataChain bounds the x5c of signed metadata.
const maxMetadataChain = 5

// verifySignedMetadata checks signed Credential Issuer Metadata (OpenID4VCI
// 1.0 Section 12.2.3): typ openidvci-issuer-metadata+jwt, an ES256/384/512
// signature by the leaf of x5c, the chain valid at now up to one of roots,
// sub equal to the issuer, iat present and exp (when present) not passed.
// It returns the metadata the payload carries.
func verifySignedMetadata(token []byte, issuer string, roots []*x509.Certificate, now time.Time) (*wellknown.CredentialIssuerMetadata, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrSignedMetadata, fmt.Sprintf(format, args...))
	}
	if len(roots) == 0 {
		return nil, fail("no trust roots configured")
	}
	parts := strings.Split(string(token), ".")
	if len(parts) != 3 {
		return nil, fail("not a compact JWS")
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, fail("header is not base64url")
	}
	var h struct {
		Alg  string   `json:"alg"`
		Typ  string   `json:"typ"`
		X5c  []string `json:"x5c"`
		Crit []string `json:"crit"`
	}
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, fail("header: %v", err)
	}
	if h.Typ != wellknown.SignedMetadataType || h.Crit != nil {
		return nil, fail("typ %q (want %s) or crit present", h.Typ, wellknown.SignedMetadataType)
	}
	alg, ok := map[string]jwa.SignatureAlgorithm{"ES256": jwa.ES256(), "ES384": jwa.ES384(), "ES512": jwa.ES512()}[h.Alg]
	if !ok {
		return nil, fail("alg %q is not accepted", h.Alg)
	}
	if len(h.X5c) == 0 || len(h.X5c) > maxMetadataChain {
		return nil, fail("x5c has %d certificates", len(h.X5c))
	}
	certs := make([]*x509.Certificate, len(h.X5c))
	for i, c := range h.X5c {
		der, err := base64.StdEncoding.DecodeString(c)
		if err != nil {
			return nil, fail("x5c[%d] is not base64", i)
		}
		if certs[i], err = x509.ParseCertificate(der); err != nil {
			return nil, fail("x5c[%d]: %v", i, err)
		}
	}
	pool, inter := x509.NewCertPool(), x509.NewCertPool()
	for _, r := range roots {
		pool.AddCert(r)
	}
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := certs[0].Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return nil, fail("certificate chain: %v", err)
	}
	pub, ok := certs[0].PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return nil, fail("the leaf certificate has no ECDSA key")
	}
	payload, err := jws.Verify(token, jws.WithKey(alg, pub))
	if err != nil {
		return nil, fail("signature")
	}
	var claims struct {
		Sub string `json:"sub"`
		Iat *int64 `json:"iat"`
		Exp *int64 `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, fail("payload: %v", err)
	}
	switch {
	case claims.Sub != issuer:
		return nil, fail("sub %q is not the issuer %q", claims.Sub, issuer)
	case claims.Iat == nil:
		return nil, fail("iat is missing")
	case claims.Exp != nil && !now.Before(time.Unix(*claims.Exp, 0)):
		return nil, fail("expired")
	}
	md, err := wellknown.ParseCredentialIssuerMetadata(payload)
	if err != nil {
		return nil, fail("%v", err)
	}
	return md, nil
}
