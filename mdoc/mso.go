package mdoc

import (
	"cmp"
	"crypto"
	"crypto/ecdsa"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"

	_ "crypto/sha256" // SHA-256 for digests
	_ "crypto/sha512" // SHA-384 and SHA-512 for digests
)

// MSOVersion is the only MobileSecurityObject version defined by ISO/IEC
// 18013-5:2021 §9.1.2.4.
const MSOVersion = "1.0"

// Digest algorithm names of ISO/IEC 18013-5 §9.1.2.5.
const (
	SHA256 = "SHA-256"
	SHA384 = "SHA-384"
	SHA512 = "SHA-512"
)

func digestHash(name string) (crypto.Hash, error) {
	switch name {
	case SHA256:
		return crypto.SHA256, nil
	case SHA384:
		return crypto.SHA384, nil
	case SHA512:
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("%w: digestAlgorithm %q (ISO 18013-5 §9.1.2.5 allows SHA-256, SHA-384, SHA-512)", ErrUnsupported, name)
}

// Validity is the MSO validityInfo (ISO/IEC 18013-5 §9.1.2.4).
type Validity struct {
	Signed         time.Time  `json:"signed"`
	ValidFrom      time.Time  `json:"validFrom"`
	ValidUntil     time.Time  `json:"validUntil"`
	ExpectedUpdate *time.Time `json:"expectedUpdate,omitempty"`
}

// MSO is a decoded MobileSecurityObject (ISO/IEC 18013-5 §9.1.2.4).
type MSO struct {
	// Status is the Token Status List entry, when the MSO has one.
	Status          *StatusRef                   `json:"status,omitempty"`
	Version         string                       `json:"version"`
	DigestAlgorithm string                       `json:"digestAlgorithm"`
	ValueDigests    map[string]map[uint64][]byte `json:"valueDigests"`
	DeviceKey       *ecdsa.PublicKey             `json:"-"`
	DocType         string                       `json:"docType"`
	Validity        Validity                     `json:"validityInfo"`
}

// msoWire is the MSO as encoded; dates and the device key stay raw so each
// can be checked for its exact tag and shape.
type msoWire struct {
	Status          *statusWire                  `cbor:"status,omitempty"`
	Version         string                       `cbor:"version"`
	DigestAlgorithm string                       `cbor:"digestAlgorithm"`
	ValueDigests    map[string]map[uint64][]byte `cbor:"valueDigests"`
	DeviceKeyInfo   deviceKeyInfoWire            `cbor:"deviceKeyInfo"`
	DocType         string                       `cbor:"docType"`
	ValidityInfo    validityWire                 `cbor:"validityInfo"`
}

// StatusRef is a Referenced Token's entry in a Token Status List: the
// MSO's status member {"status_list": {"idx": uint, "uri": tstr}}
// (draft-ietf-oauth-status-list, "Referenced Token in COSE"; ISO/IEC
// 18013-5 second edition's MSO status).
type StatusRef struct {
	Index uint64 `json:"idx"`
	URI   string `json:"uri"`
}

type statusWire struct {
	StatusList *struct {
		Idx *uint64 `cbor:"idx"`
		URI string  `cbor:"uri"`
	} `cbor:"status_list"`
}

type deviceKeyInfoWire struct {
	DeviceKey cbor.RawMessage `cbor:"deviceKey"`
}

type validityWire struct {
	Signed         cbor.RawMessage `cbor:"signed"`
	ValidFrom      cbor.RawMessage `cbor:"validFrom"`
	ValidUntil     cbor.RawMessage `cbor:"validUntil"`
	ExpectedUpdate cbor.RawMessage `cbor:"expectedUpdate,omitempty"`
}

// encodeMSO writes the MobileSecurityObject in core deterministic order
// (RFC 8949 §4.2.1: keys sorted by their encodings, shorter first): docType,
// version, validityInfo, valueDigests, deviceKeyInfo, digestAlgorithm, and
// status first when there is one (the shortest key). It
// equals the generic encoding of the same structure (checked by
// TestEncodeMSOMatchesGenericEncoder) without reflection.
func encodeMSO(docType, alg string, digests map[string]map[uint64][]byte, key coseKeyEC2, v Validity, status *StatusRef) []byte {
	size := 256 + len(docType)
	for ns, ds := range digests {
		size += len(ns) + 4 + len(ds)*(12+len(alg)*2)
	}
	out := make([]byte, 0, size)
	if status == nil {
		out = appendHead(out, 5, 6)
	} else {
		out = appendHead(out, 5, 7)
		out = appendText(out, "status")
		out = appendText(appendHead(out, 5, 1), "status_list")
		out = appendHead(appendText(appendHead(out, 5, 2), "idx"), 0, status.Index)
		out = appendText(appendText(out, "uri"), status.URI)
	}
	out = appendText(appendText(out, "docType"), docType)
	out = appendText(appendText(out, "version"), MSOVersion)

	out = appendText(out, "validityInfo")
	n := uint64(3)
	if v.ExpectedUpdate != nil {
		n++
	}
	out = appendHead(out, 5, n)
	out = appendTDate(appendText(out, "signed"), v.Signed)
	out = appendTDate(appendText(out, "validFrom"), v.ValidFrom)
	out = appendTDate(appendText(out, "validUntil"), v.ValidUntil)
	if v.ExpectedUpdate != nil {
		out = appendTDate(appendText(out, "expectedUpdate"), *v.ExpectedUpdate)
	}

	out = appendText(out, "valueDigests")
	out = appendHead(out, 5, uint64(len(digests)))
	for _, ns := range sortedTextKeys(digests) {
		out = appendText(out, ns)
		ds := digests[ns]
		out = appendHead(out, 5, uint64(len(ds)))
		for _, id := range slices.Sorted(maps.Keys(ds)) { // uints: numeric order is encoding order
			out = appendHead(out, 0, id)
			out = append(appendHead(out, 2, uint64(len(ds[id]))), ds[id]...)
		}
	}

	out = appendText(out, "deviceKeyInfo")
	out = appendHead(out, 5, 1)
	out = appendText(out, "deviceKey")
	out = appendHead(out, 5, 4) // {1: kty, -1: crv, -2: x, -3: y}
	out = appendHead(appendHead(out, 0, coseKeyKty), 0, uint64(key.Kty))
	out = appendHead(appendHead(out, 1, -1-coseKeyCrv), 0, uint64(key.Crv))
	out = append(appendHead(appendHead(out, 1, -1-coseKeyX), 2, uint64(len(key.X))), key.X...)
	out = append(appendHead(appendHead(out, 1, -1-coseKeyY), 2, uint64(len(key.Y))), key.Y...)

	out = appendText(appendText(out, "digestAlgorithm"), alg)
	return out
}

// appendTDate appends 0("YYYY-MM-DDThh:mm:ssZ"); t is UTC, whole seconds.
func appendTDate(dst []byte, t time.Time) []byte {
	dst = appendHead(appendHead(dst, 6, tagTDate), 3, uint64(len(tdateLayout)))
	return t.UTC().AppendFormat(dst, tdateLayout)
}

// sortedTextKeys returns the keys in RFC 8949 §4.2.1 order for text keys:
// shorter first, then bytewise.
func sortedTextKeys[V any](m map[string]V) []string {
	return slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
	})
}

// parseMSO decodes MobileSecurityObject bytes (the content of the tag-24
// payload) and checks every required field (§9.1.2.4).
func parseMSO(b []byte) (*MSO, error) {
	var w msoWire
	if err := unmarshal(b, &w, "MSO"); err != nil {
		return nil, err
	}
	if w.Version != MSOVersion {
		return nil, fmt.Errorf("%w: MSO version %q, want %q (ISO 18013-5 §9.1.2.4)", ErrUnsupported, w.Version, MSOVersion)
	}
	h, err := digestHash(w.DigestAlgorithm)
	if err != nil {
		return nil, fmt.Errorf("MSO: %w", err)
	}
	if w.DocType == "" {
		return nil, fmt.Errorf("%w: MSO docType missing", ErrMalformed)
	}
	if len(w.ValueDigests) == 0 {
		return nil, fmt.Errorf("%w: MSO valueDigests missing or empty", ErrMalformed)
	}
	for ns, ds := range w.ValueDigests {
		if len(ds) == 0 {
			return nil, fmt.Errorf("%w: MSO valueDigests[%q] is empty", ErrMalformed, ns)
		}
		for id, d := range ds {
			if len(d) != h.Size() {
				return nil, fmt.Errorf("%w: MSO valueDigests[%q][%d] is %d bytes, %s needs %d", ErrMalformed, ns, id, len(d), w.DigestAlgorithm, h.Size())
			}
		}
	}
	if len(w.DeviceKeyInfo.DeviceKey) == 0 {
		return nil, fmt.Errorf("%w: MSO deviceKeyInfo.deviceKey missing", ErrMalformed)
	}
	dk, err := parseCOSEKey(w.DeviceKeyInfo.DeviceKey, "MSO deviceKeyInfo.deviceKey")
	if err != nil {
		return nil, err
	}
	v, err := parseValidity(w.ValidityInfo)
	if err != nil {
		return nil, err
	}
	var status *StatusRef
	if w.Status != nil {
		sl := w.Status.StatusList
		if sl == nil || sl.Idx == nil || sl.URI == "" {
			return nil, fmt.Errorf("%w: MSO status has no status_list with idx and uri", ErrMalformed)
		}
		status = &StatusRef{Index: *sl.Idx, URI: sl.URI}
	}
	return &MSO{
		Status:          status,
		Version:         w.Version,
		DigestAlgorithm: w.DigestAlgorithm,
		ValueDigests:    w.ValueDigests,
		DeviceKey:       dk,
		DocType:         w.DocType,
		Validity:        v,
	}, nil
}

func parseValidity(w validityWire) (Validity, error) {
	var v Validity
	for _, f := range []struct {
		raw  cbor.RawMessage
		dst  *time.Time
		name string
	}{
		{w.Signed, &v.Signed, "signed"},
		{w.ValidFrom, &v.ValidFrom, "validFrom"},
		{w.ValidUntil, &v.ValidUntil, "validUntil"},
	} {
		if len(f.raw) == 0 {
			return v, fmt.Errorf("%w: MSO validityInfo.%s missing", ErrMalformed, f.name)
		}
		t, err := parseTDate(f.raw, "MSO validityInfo."+f.name)
		if err != nil {
			return v, err
		}
		*f.dst = t
	}
	if len(w.ExpectedUpdate) != 0 {
		t, err := parseTDate(w.ExpectedUpdate, "MSO validityInfo.expectedUpdate")
		if err != nil {
			return v, err
		}
		v.ExpectedUpdate = &t
	}
	// §9.1.2.4: validFrom shall be equal or later than signed; validUntil
	// shall be later than validFrom.
	if v.ValidFrom.Before(v.Signed) {
		return v, fmt.Errorf("%w: MSO validityInfo.validFrom %s before signed %s", ErrMalformed, v.ValidFrom.Format(tdateLayout), v.Signed.Format(tdateLayout))
	}
	if !v.ValidUntil.After(v.ValidFrom) {
		return v, fmt.Errorf("%w: MSO validityInfo.validUntil %s not after validFrom %s", ErrMalformed, v.ValidUntil.Format(tdateLayout), v.ValidFrom.Format(tdateLayout))
	}
	return v, nil
}

// checkAt reports whether t lies in [validFrom, validUntil] (§9.3.1 step 5).
func (v Validity) checkAt(t time.Time) error {
	if t.Before(v.ValidFrom) {
		return fmt.Errorf("%w: MSO validFrom %s is after the verification time %s", ErrNotYetValid, v.ValidFrom.Format(tdateLayout), t.UTC().Format(time.RFC3339))
	}
	if t.After(v.ValidUntil) {
		return fmt.Errorf("%w: MSO validUntil %s is before the verification time %s", ErrExpired, v.ValidUntil.Format(tdateLayout), t.UTC().Format(time.RFC3339))
	}
	return nil
}
