package mdoc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"fmt"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
)

// COSE header labels (RFC 9052 §3.1, RFC 9360 §2).
const (
	headerAlg     = 1
	headerCrit    = 2
	headerX5Chain = 33
)

// maxChainCerts bounds the certificates accepted in an x5chain.
const maxChainCerts = 8

// coseMessage is a COSE_Sign1 or COSE_Mac0 as received (RFC 9052 §4.2,
// §6.2): [protected: bstr, unprotected: map, payload: bstr / nil,
// signature-or-tag: bstr]. It is never tagged inside mdoc structures.
type coseMessage struct {
	_           struct{} `cbor:",toarray"`
	Protected   []byte
	Unprotected map[any]cbor.RawMessage
	Payload     []byte
	Tag         []byte
}

// coseHeaders are the decoded header maps of a received message.
type coseHeaders struct {
	protected, unprotected map[any]cbor.RawMessage
}

func parseCOSE(raw []byte, what string) (*coseMessage, coseHeaders, error) {
	if len(raw) > 0 && raw[0]>>5 == 6 {
		return nil, coseHeaders{}, fmt.Errorf("%w: %s: tagged; ISO 18013-5 §9.1.2.4 uses the untagged COSE structure", ErrWrongTag, what)
	}
	var m coseMessage
	if err := unmarshal(raw, &m, what); err != nil {
		return nil, coseHeaders{}, err
	}
	if m.Protected == nil || m.Unprotected == nil || m.Tag == nil {
		return nil, coseHeaders{}, fmt.Errorf("%w: %s: not a 4-element COSE array [bstr, map, bstr/nil, bstr]", ErrMalformed, what)
	}
	h := coseHeaders{protected: map[any]cbor.RawMessage{}, unprotected: m.Unprotected}
	if len(m.Protected) > 0 { // RFC 9052 §3: an empty protected map is h''
		if err := unmarshal(m.Protected, &h.protected, what+" protected header"); err != nil {
			return nil, coseHeaders{}, err
		}
	}
	for k := range h.protected {
		if _, both := h.unprotected[k]; both {
			return nil, coseHeaders{}, fmt.Errorf("%w: %s: header label %v in both buckets (RFC 9052 §3)", ErrMalformed, what, k)
		}
	}
	if _, ok := lookup(h.protected, headerCrit); ok {
		return nil, coseHeaders{}, fmt.Errorf("%w: %s: critical header parameters are not supported (RFC 9052 §3.1)", ErrUnsupported, what)
	}
	if _, ok := lookup(h.unprotected, headerCrit); ok {
		return nil, coseHeaders{}, fmt.Errorf("%w: %s: crit in the unprotected header (RFC 9052 §3.1)", ErrMalformed, what)
	}
	return &m, h, nil
}

// lookup finds an integer header label, decoded by the generic decoder as
// uint64 (>= 0) or int64 (< 0).
func lookup(m map[any]cbor.RawMessage, label int64) (cbor.RawMessage, bool) {
	if label >= 0 {
		v, ok := m[uint64(label)]
		return v, ok
	}
	v, ok := m[label]
	return v, ok
}

// algorithm returns the protected alg (RFC 9052 §3.1: it must be protected).
func (h coseHeaders) algorithm(what string) (int64, error) {
	raw, ok := lookup(h.protected, headerAlg)
	if !ok {
		return 0, fmt.Errorf("%w: %s: no alg (1) in the protected header", ErrMalformed, what)
	}
	var alg int64
	if err := unmarshal(raw, &alg, what+" alg"); err != nil {
		return 0, err
	}
	return alg, nil
}

// x5chain returns the certificates of header 33, looked up in the
// unprotected bucket first (where ISO 18013-5 §9.1.2.4 puts it) and then in
// the protected one. One certificate is a bstr, several an array (RFC 9360
// §2); a one-element array is accepted for interoperability.
func (h coseHeaders) x5chain(what string) ([]*x509.Certificate, error) {
	raw, ok := lookup(h.unprotected, headerX5Chain)
	if !ok {
		if raw, ok = lookup(h.protected, headerX5Chain); !ok {
			return nil, fmt.Errorf("%w: %s: no x5chain (33) header", ErrMalformed, what)
		}
	}
	var ders [][]byte
	if len(raw) > 0 && raw[0]>>5 == 2 {
		var one []byte
		if err := unmarshal(raw, &one, what+" x5chain"); err != nil {
			return nil, err
		}
		ders = [][]byte{one}
	} else if err := unmarshal(raw, &ders, what+" x5chain"); err != nil {
		return nil, err
	}
	if len(ders) == 0 || len(ders) > maxChainCerts {
		return nil, fmt.Errorf("%w: %s: x5chain holds %d certificates, want 1 to %d", ErrMalformed, what, len(ders), maxChainCerts)
	}
	certs := make([]*x509.Certificate, len(ders))
	for i, der := range ders {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: x5chain[%d]: %v", ErrMalformed, what, i, err)
		}
		certs[i] = c
	}
	return certs, nil
}

// ecdsaAlgorithm maps a curve to its COSE ECDSA algorithm (RFC 9053 §2.1).
func ecdsaAlgorithm(curve elliptic.Curve) (cose.Algorithm, error) {
	switch curve {
	case elliptic.P256():
		return cose.AlgorithmES256, nil
	case elliptic.P384():
		return cose.AlgorithmES384, nil
	case elliptic.P521():
		return cose.AlgorithmES512, nil
	}
	return 0, fmt.Errorf("%w: curve %s", ErrUnsupported, curve.Params().Name)
}

// verifySign1 checks a COSE_Sign1 signature with pub over payload (the
// message's own payload or, when detached, the one given). The protected
// alg must be the ECDSA algorithm of pub's curve. external_aad is h”.
func verifySign1(m *coseMessage, h coseHeaders, payload []byte, pub crypto.PublicKey, what string, sentinel error) error {
	alg, err := h.algorithm(what)
	if err != nil {
		return err
	}
	ec, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return fmt.Errorf("%w: %s: key type %T (only ECDSA)", ErrUnsupported, what, pub)
	}
	want, err := ecdsaAlgorithm(ec.Curve)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if alg != int64(want) {
		return fmt.Errorf("%w: %s: alg %d does not match the %s key (want %d)", ErrUnsupported, what, alg, ec.Curve.Params().Name, want)
	}
	// RFC 9052 §4.4 Sig_structure.
	tbs, err := encMode.Marshal([]any{"Signature1", m.Protected, []byte{}, payload})
	if err != nil {
		return fmt.Errorf("%w: %s: Sig_structure: %v", ErrMalformed, what, err)
	}
	v, err := cose.NewVerifier(want, ec)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUnsupported, what, err)
	}
	if err := v.Verify(tbs, m.Tag); err != nil {
		return fmt.Errorf("%w: %s: %v", sentinel, what, err)
	}
	return nil
}

// signIssuerAuth builds the untagged COSE_Sign1 IssuerAuth: protected {1: alg}
// only, unprotected {33: x5chain}, payload = MobileSecurityObjectBytes,
// external_aad h”.
func signIssuerAuth(signer crypto.Signer, chain []*x509.Certificate, payload []byte) ([]byte, error) {
	pub, ok := signer.Public().(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: document signer key is %T, want ECDSA", ErrUnsupported, signer.Public())
	}
	alg, err := ecdsaAlgorithm(pub.Curve)
	if err != nil {
		return nil, fmt.Errorf("document signer: %w", err)
	}
	cs, err := cose.NewSigner(alg, signer)
	if err != nil {
		return nil, fmt.Errorf("%w: document signer: %v", ErrInvalidInput, err)
	}
	var x5 any = chain[0].Raw // RFC 9360 §2: one certificate is a bstr
	if len(chain) > 1 {
		ders := make([][]byte, len(chain))
		for i, c := range chain {
			ders[i] = c.Raw
		}
		x5 = ders
	}
	msg := cose.UntaggedSign1Message{
		Headers: cose.Headers{
			Protected:   cose.ProtectedHeader{cose.HeaderLabelAlgorithm: alg},
			Unprotected: cose.UnprotectedHeader{cose.HeaderLabelX5Chain: x5},
		},
		Payload: payload,
	}
	// ECDSA signing takes its randomness from crypto/rand; the injectable
	// Rand is for item randoms and digest IDs only.
	if err := msg.Sign(rand.Reader, []byte{}, cs); err != nil {
		return nil, fmt.Errorf("mdoc: signing issuerAuth: %w", err)
	}
	out, err := msg.MarshalCBOR()
	if err != nil {
		return nil, fmt.Errorf("mdoc: encoding issuerAuth: %w", err)
	}
	return out, nil
}
