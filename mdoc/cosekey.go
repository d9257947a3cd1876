package mdoc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// COSE_Key labels and values (RFC 9052 §7, RFC 9053 §7.1).
const (
	coseKeyKty  = 1
	coseKeyCrv  = -1
	coseKeyX    = -2
	coseKeyY    = -3
	coseKeyD    = -4
	coseKtyEC2  = 2
	coseCrvP256 = 1
	coseCrvP384 = 2
	coseCrvP521 = 3
)

// coseKeyEC2 is the encoded form of an EC2 public key: {1:2, -1:crv, -2:x, -3:y}.
type coseKeyEC2 struct {
	Kty int64  `cbor:"1,keyasint"`
	Crv int64  `cbor:"-1,keyasint"`
	X   []byte `cbor:"-2,keyasint"`
	Y   []byte `cbor:"-3,keyasint"`
}

var coseCurves = map[int64]elliptic.Curve{
	coseCrvP256: elliptic.P256(),
	coseCrvP384: elliptic.P384(),
	coseCrvP521: elliptic.P521(),
}

// newCOSEKey converts an ECDSA public key to a COSE_Key map with coordinates
// left-padded to the field size (RFC 9053 §7.1.1).
func newCOSEKey(pub *ecdsa.PublicKey) (coseKeyEC2, error) {
	if pub == nil {
		return coseKeyEC2{}, fmt.Errorf("%w: device key is nil", ErrInvalidInput)
	}
	var crv int64
	switch pub.Curve {
	case elliptic.P256():
		crv = coseCrvP256
	case elliptic.P384():
		crv = coseCrvP384
	case elliptic.P521():
		crv = coseCrvP521
	default:
		return coseKeyEC2{}, fmt.Errorf("%w: device key curve %s", ErrUnsupported, pub.Curve.Params().Name)
	}
	b, err := pub.Bytes() // 04 || x || y, fixed width
	if err != nil {
		return coseKeyEC2{}, fmt.Errorf("%w: device key: %v", ErrInvalidInput, err)
	}
	n := (len(b) - 1) / 2
	return coseKeyEC2{Kty: coseKtyEC2, Crv: crv, X: b[1 : 1+n], Y: b[1+n:]}, nil
}

// parseCOSEKey decodes a COSE_Key map holding an EC2 public key on P-256,
// P-384 or P-521 and checks that the point is on the curve. A key carrying a
// private part (-4) is refused.
func parseCOSEKey(raw []byte, what string) (*ecdsa.PublicKey, error) {
	var m map[int64]cbor.RawMessage
	if err := unmarshal(raw, &m, what); err != nil {
		return nil, err
	}
	var kty, crv int64
	if err := intLabel(m, coseKeyKty, &kty, what+" kty (1)"); err != nil {
		return nil, err
	}
	if kty != coseKtyEC2 {
		return nil, fmt.Errorf("%w: %s: kty %d, want 2 (EC2)", ErrUnsupported, what, kty)
	}
	if _, ok := m[coseKeyD]; ok {
		return nil, fmt.Errorf("%w: %s: carries a private key (-4)", ErrMalformed, what)
	}
	if err := intLabel(m, coseKeyCrv, &crv, what+" crv (-1)"); err != nil {
		return nil, err
	}
	curve, ok := coseCurves[crv]
	if !ok {
		return nil, fmt.Errorf("%w: %s: crv %d", ErrUnsupported, what, crv)
	}
	size := (curve.Params().BitSize + 7) / 8
	var x, y []byte
	if err := bytesLabel(m, coseKeyX, &x, what+" x (-2)"); err != nil {
		return nil, err
	}
	if err := bytesLabel(m, coseKeyY, &y, what+" y (-3)"); err != nil {
		return nil, err // a bool y (compressed point) is refused here too
	}
	if len(x) != size || len(y) != size {
		return nil, fmt.Errorf("%w: %s: coordinates of %d and %d bytes, want %d", ErrMalformed, what, len(x), len(y), size)
	}
	point := make([]byte, 0, 1+2*size)
	point = append(append(append(point, 4), x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(curve, point)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
	}
	return pub, nil
}

func intLabel(m map[int64]cbor.RawMessage, label int64, v *int64, what string) error {
	raw, ok := m[label]
	if !ok {
		return fmt.Errorf("%w: %s missing", ErrMalformed, what)
	}
	return unmarshal(raw, v, what)
}

func bytesLabel(m map[int64]cbor.RawMessage, label int64, v *[]byte, what string) error {
	raw, ok := m[label]
	if !ok {
		return fmt.Errorf("%w: %s missing", ErrMalformed, what)
	}
	return unmarshal(raw, v, what)
}
