package mdoc

import (
	"crypto/ecdsa"
	"crypto/subtle"
	"crypto/x509"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// Verifier verifies IssuerSigned structures and DeviceResponses.
type Verifier struct {
	// Roots are the trusted IACA root certificates.
	Roots []*x509.Certificate
	// At is the verification time (certificates and MSO validityInfo are
	// checked at it). It is required: pass time.Now() explicitly for "now".
	At time.Time
	// AllowSelfSignedDS accepts a document signer certificate that is itself
	// one of Roots (byte-identical), as used by test issuers such as the
	// auth0-lab/mdl "NY DMV" certificate. For such a certificate only its
	// validity period is checked: there is no chain to build, and the Annex
	// B.1.4 document-signer profile (not a CA; key usage digitalSignature;
	// EKU 1.0.18013.5.1.2; AKI equal to the IACA SKI; same country) is not
	// applied. Any other certificate is still checked in full. Leave it false
	// in production.
	AllowSelfSignedDS bool
}

// Document is a verified IssuerSigned.
type Document struct {
	DocType         string
	DigestAlgorithm string
	Validity        Validity
	DeviceKey       *ecdsa.PublicKey
	DSCertificate   *x509.Certificate
	MSO             *MSO
	// Elements are the disclosed elements, namespaces in sorted order and
	// items in received order within each.
	Elements []VerifiedElement
}

// VerifiedElement is one disclosed data element whose digest matched the MSO.
type VerifiedElement struct {
	Namespace  string
	Identifier string
	DigestID   uint64
	// Digest is the digest recomputed over the received IssuerSignedItemBytes.
	Digest []byte
	// Value is the decoded elementValue: string, bool, uint64/int64, []byte,
	// FullDate, time.Time, map[string]any, []any.
	Value any
}

// Claims returns namespace → element identifier → value, ready for JSON.
func (d *Document) Claims() map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, e := range d.Elements {
		if out[e.Namespace] == nil {
			out[e.Namespace] = map[string]any{}
		}
		out[e.Namespace][e.Identifier] = e.Value
	}
	return out
}

// issuerSignedWire is IssuerSigned as received (ISO 18013-5 §8.3.2.1.2.2).
type issuerSignedWire struct {
	NameSpaces map[string][]cbor.RawMessage `cbor:"nameSpaces"`
	IssuerAuth cbor.RawMessage              `cbor:"issuerAuth"`
}

func (v *Verifier) check() error {
	if v.At.IsZero() {
		return fmt.Errorf("%w: Verifier.At (verification time) is not set", ErrInvalidInput)
	}
	if len(v.Roots) == 0 {
		return fmt.Errorf("%w: Verifier.Roots (trusted IACA certificates) is empty", ErrInvalidInput)
	}
	return nil
}

// VerifyIssuerSigned verifies CBOR IssuerSigned bytes (the OpenID4VCI
// mso_mdoc credential after base64url decoding): the issuerAuth signature,
// the document signer chain to a trusted root, every element's digest
// against the MSO, and the MSO validity at v.At.
func (v *Verifier) VerifyIssuerSigned(data []byte) (*Document, error) {
	if err := v.check(); err != nil {
		return nil, err
	}
	var w issuerSignedWire
	// ISO 18013-5 §8.3.2.1.2.2: IssuerSigned has exactly nameSpaces and issuerAuth.
	if err := unmarshalClosed(data, &w, "IssuerSigned"); err != nil {
		return nil, err
	}
	return v.verifyIssuerSigned(w, "")
}

func (v *Verifier) verifyIssuerSigned(w issuerSignedWire, docType string) (*Document, error) {
	if len(w.IssuerAuth) == 0 {
		return nil, fmt.Errorf("%w: IssuerSigned.issuerAuth missing", ErrMalformed)
	}
	mso, ds, err := v.verifyIssuerAuth(w.IssuerAuth)
	if err != nil {
		return nil, err
	}
	if docType != "" && docType != mso.DocType {
		return nil, fmt.Errorf("%w: document docType %q, MSO docType %q", ErrDocType, docType, mso.DocType)
	}
	elems, err := verifyNameSpaces(w.NameSpaces, mso)
	if err != nil {
		return nil, err
	}
	// The DS certificate must have been valid when the MSO was signed.
	if mso.Validity.Signed.Before(ds.NotBefore) || mso.Validity.Signed.After(ds.NotAfter) {
		return nil, fmt.Errorf("%w: MSO signed %s outside the document signer certificate validity %s..%s", ErrUntrustedChain,
			mso.Validity.Signed.Format(tdateLayout), ds.NotBefore.UTC().Format(tdateLayout), ds.NotAfter.UTC().Format(tdateLayout))
	}
	if err := mso.Validity.checkAt(v.At); err != nil {
		return nil, err
	}
	return &Document{
		DocType:         mso.DocType,
		DigestAlgorithm: mso.DigestAlgorithm,
		Validity:        mso.Validity,
		DeviceKey:       mso.DeviceKey,
		DSCertificate:   ds,
		MSO:             mso,
		Elements:        elems,
	}, nil
}

// verifyIssuerAuth checks the COSE_Sign1 IssuerAuth (ISO 18013-5 §9.1.2.4,
// §9.3.1 steps 1-2) and returns the MSO it signs and the DS certificate.
func (v *Verifier) verifyIssuerAuth(raw []byte) (*MSO, *x509.Certificate, error) {
	const what = "issuerAuth"
	m, h, err := parseCOSE(raw, what)
	if err != nil {
		return nil, nil, err
	}
	if m.Payload == nil {
		return nil, nil, fmt.Errorf("%w: issuerAuth payload is nil; it must carry MobileSecurityObjectBytes", ErrMalformed)
	}
	chain, err := h.x5chain(what)
	if err != nil {
		return nil, nil, err
	}
	ds := chain[0]
	if err := verifySign1(m, h, m.Payload, ds.PublicKey, what, ErrSignature); err != nil {
		return nil, nil, err
	}
	if err := v.verifyChain(chain); err != nil {
		return nil, nil, err
	}
	msoBytes, err := unwrapEncodedCBOR(m.Payload, "issuerAuth payload (MobileSecurityObjectBytes)")
	if err != nil {
		return nil, nil, err
	}
	mso, err := parseMSO(msoBytes)
	if err != nil {
		return nil, nil, err
	}
	return mso, ds, nil
}

// verifyNameSpaces recomputes each item's digest over the received tag-24
// bytes (never re-encoded) and compares it with the MSO's (§9.3.1 step 3).
func verifyNameSpaces(nss map[string][]cbor.RawMessage, mso *MSO) ([]VerifiedElement, error) {
	h, err := digestHash(mso.DigestAlgorithm)
	if err != nil {
		return nil, err
	}
	var out []VerifiedElement
	for _, ns := range slices.Sorted(maps.Keys(nss)) {
		items := nss[ns]
		if len(items) == 0 {
			return nil, fmt.Errorf("%w: nameSpaces[%q] is empty (ISO 18013-5 §8.3.2.1.2.2 needs at least one item)", ErrMalformed, ns)
		}
		digests := mso.ValueDigests[ns]
		seenID := make(map[uint64]bool, len(items))
		seenName := make(map[string]bool, len(items))
		for i, raw := range items {
			it, err := parseItem(raw, fmt.Sprintf("nameSpaces[%q][%d]", ns, i))
			if err != nil {
				return nil, err
			}
			name := ns + "/" + it.Identifier
			if seenID[it.DigestID] || seenName[it.Identifier] {
				return nil, fmt.Errorf("%w: %s: digestID %d or identifier repeated in the namespace", ErrMalformed, name, it.DigestID)
			}
			seenID[it.DigestID], seenName[it.Identifier] = true, true
			want, ok := digests[it.DigestID]
			if !ok {
				return nil, fmt.Errorf("%w: %s: the MSO has no digest with ID %d", ErrDigestMismatch, name, it.DigestID)
			}
			hh := h.New()
			hh.Write(it.Raw)
			got := hh.Sum(nil)
			if subtle.ConstantTimeCompare(got, want) != 1 {
				return nil, fmt.Errorf("%w: %s (digestID %d)", ErrDigestMismatch, name, it.DigestID)
			}
			val, err := decodeValue(it.Value, name)
			if err != nil {
				return nil, err
			}
			out = append(out, VerifiedElement{Namespace: ns, Identifier: it.Identifier, DigestID: it.DigestID, Digest: got, Value: val})
		}
	}
	return out, nil
}
