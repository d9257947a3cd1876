package statuslist

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
)

// CWT identifiers ("Status List Token in CWT Format"; RFC 8392 for the
// registered claims; RFC 9596 for the typ header).
const (
	// MediaTypeCWT is the CWT form's media type and its typ header.
	MediaTypeCWT = "application/statuslist+cwt"
	// MediaTypeJWT is the JWT form's media type.
	MediaTypeJWT = "application/statuslist+jwt"

	cwtSub        = 2
	cwtExp        = 4
	cwtIat        = 6
	cwtTTL        = 65534
	cwtStatusList = 65533
	coseTyp       = 16
)

// SignCWT signs the list as a Status List Token in CWT format: a
// COSE_Sign1 (tag 18) with alg and typ application/statuslist+cwt
// protected, x5chain (label 33) unprotected, and the claims 2 (sub), 6
// (iat), 4 (exp), 65534 (ttl) and 65533 (status_list {bits, lst}, lst the
// compressed bytes).
func (b *Bitstring) SignCWT(signer crypto.Signer, chain []*x509.Certificate, c TokenClaims) ([]byte, error) {
	if c.Subject == "" || c.IssuedAt.IsZero() {
		return nil, errors.New("statuslist: sub and iat are required")
	}
	pub, ok := signer.Public().(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, errors.New("statuslist: the CWT signer must be a P-256 key (ES256)")
	}
	claims := map[int]any{
		cwtSub:        c.Subject,
		cwtIat:        c.IssuedAt.Unix(),
		cwtStatusList: map[string]any{"bits": b.bits, "lst": b.Compressed()},
	}
	if !c.ExpiresAt.IsZero() {
		claims[cwtExp] = c.ExpiresAt.Unix()
	}
	if c.TTL > 0 {
		claims[cwtTTL] = uint64(c.TTL / time.Second)
	}
	// Core deterministic encoding (RFC 8949 Section 4.2.1).
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		return nil, fmt.Errorf("statuslist: CBOR: %w", err)
	}
	payload, err := em.Marshal(claims)
	if err != nil {
		return nil, fmt.Errorf("statuslist: CWT claims: %w", err)
	}
	cs, err := cose.NewSigner(cose.AlgorithmES256, signer)
	if err != nil {
		return nil, fmt.Errorf("statuslist: %w", err)
	}
	msg := cose.NewSign1Message()
	msg.Headers.Protected = cose.ProtectedHeader{cose.HeaderLabelAlgorithm: cose.AlgorithmES256, coseTyp: MediaTypeCWT}
	if len(chain) == 1 {
		msg.Headers.Unprotected = cose.UnprotectedHeader{cose.HeaderLabelX5Chain: chain[0].Raw} // RFC 9360 §2: one is a bstr
	} else if len(chain) > 1 {
		ders := make([][]byte, len(chain))
		for i, cert := range chain {
			ders[i] = cert.Raw
		}
		msg.Headers.Unprotected = cose.UnprotectedHeader{cose.HeaderLabelX5Chain: ders}
	}
	msg.Payload = payload
	if err := msg.Sign(rand.Reader, nil, cs); err != nil {
		return nil, fmt.Errorf("statuslist: signing the CWT: %w", err)
	}
	return msg.MarshalCBOR()
}

// CWTToken is a verified Status List Token in CWT format.
type CWTToken struct {
	Token
	// Chain is the x5chain of the unprotected header, leaf first.
	Chain []*x509.Certificate
}

// VerifyCWT checks a Status List Token in CWT format signed ES256 by pub:
// the typ header, the signature, sub equal to uri, iat, exp not passed at
// now, and a decodable status_list of at most maxBytes.
func VerifyCWT(data []byte, pub crypto.PublicKey, uri string, now time.Time, maxBytes int) (*CWTToken, error) {
	var msg cose.Sign1Message
	if err := msg.UnmarshalCBOR(data); err != nil {
		return nil, fmt.Errorf("%w: not a COSE_Sign1: %v", ErrMalformed, err)
	}
	if typ, _ := msg.Headers.Protected[int64(coseTyp)].(string); typ != MediaTypeCWT {
		return nil, fmt.Errorf("%w: typ must be %s", ErrMalformed, MediaTypeCWT)
	}
	alg, err := msg.Headers.Protected.Algorithm()
	if err != nil || alg != cose.AlgorithmES256 {
		return nil, fmt.Errorf("%w: alg must be ES256", ErrMalformed)
	}
	v, err := cose.NewVerifier(alg, pub)
	if err != nil {
		return nil, fmt.Errorf("statuslist: %w", err)
	}
	if err := msg.Verify(nil, v); err != nil {
		return nil, fmt.Errorf("statuslist: the CWT's signature does not verify: %w", err)
	}
	var claims struct {
		Sub        string  `cbor:"2,keyasint"`
		Exp        *int64  `cbor:"4,keyasint"`
		Iat        *int64  `cbor:"6,keyasint"`
		TTL        *uint64 `cbor:"65534,keyasint"`
		StatusList *struct {
			Bits int    `cbor:"bits"`
			Lst  []byte `cbor:"lst"`
		} `cbor:"65533,keyasint"`
	}
	if err := cbor.Unmarshal(msg.Payload, &claims); err != nil {
		return nil, fmt.Errorf("%w: CWT claims: %v", ErrMalformed, err)
	}
	if claims.Sub != uri {
		return nil, fmt.Errorf("%w: sub %.200q is not the URI it was fetched from", ErrMalformed, claims.Sub)
	}
	if claims.Iat == nil || claims.StatusList == nil {
		return nil, fmt.Errorf("%w: iat and status_list are required", ErrMalformed)
	}
	t := &CWTToken{Token: Token{Subject: claims.Sub, IssuedAt: time.Unix(*claims.Iat, 0)}}
	if claims.Exp != nil {
		t.ExpiresAt = time.Unix(*claims.Exp, 0)
		if !now.Before(t.ExpiresAt) {
			return nil, fmt.Errorf("statuslist: the token expired at %s", t.ExpiresAt.Format(time.RFC3339))
		}
	}
	if claims.TTL != nil {
		t.TTL = time.Duration(*claims.TTL) * time.Second
	}
	if t.List, err = decodeRaw(claims.StatusList.Bits, claims.StatusList.Lst, maxBytes); err != nil {
		return nil, err
	}
	return t, nil
}
