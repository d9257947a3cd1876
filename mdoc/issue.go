package mdoc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// Element is one data element to issue: its namespace, identifier and value.
// Values may be string, bool, integers, []byte (e.g. portrait), FullDate
// (tag 1004, e.g. birth_date), time.Time (tdate, tag 0, UTC, whole seconds),
// and map[string]any / []any of these.
type Element struct {
	Namespace  string
	Identifier string
	Value      any
}

// Request describes one mdoc to issue.
type Request struct {
	DocType  string
	Elements []Element
	// DeviceKey is the holder's key, bound in the MSO as a COSE_Key.
	DeviceKey *ecdsa.PublicKey
	// ValidFrom defaults to the signing time; ValidUntil is required.
	ValidFrom, ValidUntil time.Time
	// ExpectedUpdate is optional (zero: omitted).
	ExpectedUpdate time.Time
	// Status, when set, is the mdoc's Token Status List entry.
	Status *StatusRef
}

// Issuer issues IssuerSigned structures (ISO/IEC 18013-5 §8.3.2.1.2.2)
// signed by a document signer.
type Issuer struct {
	// Signer is the document signer's key (any crypto.Signer with an ECDSA
	// public key: file, HSM or KMS).
	Signer crypto.Signer
	// Chain is the document signer certificate first, then any intermediates;
	// never the IACA root (ISO 18013-5 §9.1.2.4).
	Chain []*x509.Certificate
	// DigestAlgorithm is SHA256 (default), SHA384 or SHA512.
	DigestAlgorithm string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the source of item randoms and digest-ID permutations; nil
	// means crypto/rand. Set it only in tests that reproduce outputs.
	Rand io.Reader
}

// Issue builds and signs an IssuerSigned and returns its CBOR encoding. Each
// item is encoded once, its tag-24 bytes are digested and embedded as is.
// Digest IDs are a random permutation of 0..n-1 across the whole document.
func (is *Issuer) Issue(req Request) ([]byte, error) {
	alg := is.DigestAlgorithm
	if alg == "" {
		alg = SHA256
	}
	h, err := digestHash(alg)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if is.Now != nil {
		now = is.Now
	}
	signed := now().UTC().Truncate(time.Second)
	validity, err := req.validity(signed)
	if err != nil {
		return nil, err
	}
	if err := is.checkSigner(validity); err != nil {
		return nil, err
	}
	if err := req.check(); err != nil {
		return nil, err
	}
	deviceKey, err := newCOSEKey(req.DeviceKey)
	if err != nil {
		return nil, err
	}

	r := is.Rand
	if r == nil {
		r = rand.Reader
	}
	n := len(req.Elements)
	randoms := make([]byte, n*randomSize)
	if _, err := io.ReadFull(r, randoms); err != nil {
		return nil, fmt.Errorf("mdoc: reading item randoms: %w", err)
	}
	ids, err := permutation(r, n)
	if err != nil {
		return nil, err
	}

	nameSpaces := map[string][][]byte{}
	digests := map[string]map[uint64][]byte{}
	hh := h.New()
	size := 0
	var scratch [9]byte
	for i, e := range req.Elements {
		head, value, err := encodeValue(e.Value, scratch[:])
		if err != nil {
			return nil, fmt.Errorf("%w: element %s/%s: %v", ErrInvalidInput, e.Namespace, e.Identifier, err)
		}
		item := encodeItemParts(ids[i], randoms[i*randomSize:(i+1)*randomSize], e.Identifier, head, value)
		hh.Reset()
		hh.Write(item)
		if digests[e.Namespace] == nil {
			digests[e.Namespace] = map[uint64][]byte{}
		}
		digests[e.Namespace][ids[i]] = hh.Sum(nil)
		nameSpaces[e.Namespace] = append(nameSpaces[e.Namespace], item)
		size += len(item) + len(e.Namespace)
	}

	msoBytes := encodeMSO(req.DocType, alg, digests, deviceKey, validity, req.Status)
	auth, err := signIssuerAuth(is.Signer, is.Chain, wrapEncodedCBOR(msoBytes))
	if err != nil {
		return nil, err
	}
	return encodeIssuerSigned(nameSpaces, auth, size), nil
}

// encodeIssuerSigned writes {"issuerAuth": auth, "nameSpaces": {ns: [items]}}
// in core deterministic order without re-validating the embedded bytes
// (all produced here). It equals encMode.Marshal(issuerSignedOut{…}).
func encodeIssuerSigned(nameSpaces map[string][][]byte, auth []byte, size int) []byte {
	out := make([]byte, 0, len(auth)+size+64)
	out = appendHead(out, 5, 2)
	out = appendText(out, "issuerAuth")
	out = append(out, auth...)
	out = appendText(out, "nameSpaces")
	out = appendHead(out, 5, uint64(len(nameSpaces)))
	// RFC 8949 §4.2.1: keys in bytewise order of their encodings, which for
	// text strings is shorter first, then bytewise.
	for _, ns := range sortedTextKeys(nameSpaces) {
		out = appendText(out, ns)
		out = appendHead(out, 4, uint64(len(nameSpaces[ns])))
		for _, item := range nameSpaces[ns] {
			out = append(out, item...)
		}
	}
	return out
}

// validity computes validityInfo with whole seconds in UTC and checks the
// ordering rules of ISO 18013-5 §9.1.2.4.
func (req Request) validity(signed time.Time) (Validity, error) {
	v := Validity{Signed: signed, ValidFrom: signed}
	if !req.ValidFrom.IsZero() {
		v.ValidFrom = req.ValidFrom.UTC().Truncate(time.Second)
	}
	v.ValidUntil = req.ValidUntil.UTC().Truncate(time.Second)
	if !req.ExpectedUpdate.IsZero() {
		eu := req.ExpectedUpdate.UTC().Truncate(time.Second)
		v.ExpectedUpdate = &eu
	}
	if v.ValidFrom.Before(v.Signed) {
		return v, fmt.Errorf("%w: validFrom %s is before signed %s (ISO 18013-5 §9.1.2.4)", ErrInvalidInput, v.ValidFrom.Format(tdateLayout), v.Signed.Format(tdateLayout))
	}
	if !v.ValidUntil.After(v.ValidFrom) {
		return v, fmt.Errorf("%w: validUntil %s is not after validFrom %s (ISO 18013-5 §9.1.2.4)", ErrInvalidInput, v.ValidUntil.Format(tdateLayout), v.ValidFrom.Format(tdateLayout))
	}
	return v, nil
}

func (req Request) check() error {
	if req.DocType == "" {
		return fmt.Errorf("%w: docType is empty", ErrInvalidInput)
	}
	if len(req.Elements) == 0 || len(req.Elements) > MaxElements {
		return fmt.Errorf("%w: %d elements, want 1 to %d", ErrInvalidInput, len(req.Elements), MaxElements)
	}
	seen := make(map[[2]string]bool, len(req.Elements))
	for _, e := range req.Elements {
		if e.Namespace == "" || e.Identifier == "" {
			return fmt.Errorf("%w: element with empty namespace or identifier (%q/%q)", ErrInvalidInput, e.Namespace, e.Identifier)
		}
		k := [2]string{e.Namespace, e.Identifier}
		if seen[k] {
			return fmt.Errorf("%w: element %s/%s given twice", ErrInvalidInput, e.Namespace, e.Identifier)
		}
		seen[k] = true
	}
	return nil
}

// checkSigner refuses to issue unless the chain starts with the signer's
// certificate, holds no self-signed root, and the document signer
// certificate covers [signed, validUntil].
func (is *Issuer) checkSigner(v Validity) error {
	if is.Signer == nil || len(is.Chain) == 0 || is.Chain[0] == nil {
		return fmt.Errorf("%w: Issuer needs a Signer and its certificate Chain", ErrInvalidInput)
	}
	ds := is.Chain[0]
	pub, ok := is.Signer.Public().(*ecdsa.PublicKey)
	if !ok || !pub.Equal(ds.PublicKey) {
		return fmt.Errorf("%w: Chain[0] %q does not certify the Signer's public key", ErrInvalidInput, ds.Subject.CommonName)
	}
	for i, c := range is.Chain {
		if c == nil || (i > 0 && c.CheckSignatureFrom(c) == nil) {
			return fmt.Errorf("%w: Chain[%d] is nil or a self-signed root; ISO 18013-5 §9.1.2.4 excludes the IACA", ErrInvalidInput, i)
		}
	}
	if v.Signed.Before(ds.NotBefore) || v.ValidUntil.After(ds.NotAfter) {
		return fmt.Errorf("%w: document signer certificate valid %s..%s does not cover signed %s .. validUntil %s", ErrInvalidInput,
			ds.NotBefore.UTC().Format(tdateLayout), ds.NotAfter.UTC().Format(tdateLayout), v.Signed.Format(tdateLayout), v.ValidUntil.Format(tdateLayout))
	}
	return nil
}

// permutation returns a uniformly shuffled 0..n-1 (Fisher-Yates). Each draw
// reduces 64 random bits modulo i+1; the bias is below 2^-50 for any
// realistic element count.
func permutation(r io.Reader, n int) ([]uint64, error) {
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = uint64(i)
	}
	if n < 2 {
		return ids, nil
	}
	buf := make([]byte, 8*(n-1))
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("mdoc: reading digest-ID permutation: %w", err)
	}
	for i := n - 1; i > 0; i-- {
		j := binary.BigEndian.Uint64(buf[8*(i-1):]) % uint64(i+1)
		ids[i], ids[j] = ids[j], ids[i]
	}
	return ids, nil
}
