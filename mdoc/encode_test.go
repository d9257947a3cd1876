package mdoc

import (
	"bytes"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
)

func TestEncodeItemBytesMatchesGenericEncoder(t *testing.T) {
	for name, tc := range map[string]struct {
		id    uint64
		rnd   []byte
		ident string
		value any
	}{
		"ok/small":                 {0, make([]byte, 16), "x", true},
		"ok/uint16 id, 32B random": {300, bytes.Repeat([]byte{7}, 32), "given_name", "Asha"},
		"ok/8 KiB portrait":        {1 << 20, bytes.Repeat([]byte{1}, 32), "portrait", testPortrait()},
		"ok/long identifier":       {5, make([]byte, 24), string(bytes.Repeat([]byte("e"), 300)), map[string]any{"a": 1}},
		"ok/full-date":             {11, make([]byte, 16), "birth_date", FullDate("1990-05-17")},
		"ok/300-byte string":       {12, make([]byte, 16), "address_line", string(bytes.Repeat([]byte("a"), 300))},
		"ok/tdate":                 {13, make([]byte, 16), "verified_at", testNow},
		"ok/uint":                  {14, make([]byte, 16), "age_in_years", uint64(35)},
	} {
		t.Run(name, func(t *testing.T) {
			value, err := encMode.Marshal(prepareValue(tc.value))
			if err != nil {
				t.Fatal(err)
			}
			inner, err := encMode.Marshal(itemOut{DigestID: tc.id, Random: tc.rnd, ElementIdentifier: tc.ident, ElementValue: prepareValue(tc.value)})
			if err != nil {
				t.Fatal(err)
			}
			want := wrapEncodedCBOR(inner)
			if got := encodeItemBytes(tc.id, tc.rnd, tc.ident, value); !bytes.Equal(got, want) {
				t.Fatalf("hand-encoded item\n% x\nwant\n% x", got[:min(len(got), 80)], want[:min(len(want), 80)])
			}
			head, body, err := encodeValue(tc.value, make([]byte, 9))
			if err != nil {
				t.Fatal(err)
			}
			if got := encodeItemParts(tc.id, tc.rnd, tc.ident, head, body); !bytes.Equal(got, want) {
				t.Fatalf("item from encodeValue\n% x\nwant\n% x", got[:min(len(got), 80)], want[:min(len(want), 80)])
			}
		})
	}
}

func TestEncodeIssuerSignedMatchesGenericEncoder(t *testing.T) {
	items := map[string][][]byte{
		"org.iso.18013.5.1":      {wrapEncodedCBOR([]byte{0xa0}), wrapEncodedCBOR([]byte{0x01})},
		"in.gov.uidai.aadhaar.1": {wrapEncodedCBOR([]byte{0x02})},
		"b":                      {wrapEncodedCBOR([]byte{0x03})},
		"aa":                     {wrapEncodedCBOR([]byte{0x04})},
	}
	raw := map[string][]cbor.RawMessage{}
	size := 0
	for ns, its := range items {
		for _, it := range its {
			raw[ns] = append(raw[ns], it)
			size += len(it)
		}
	}
	auth := []byte{0x84, 0x43, 0xa1, 0x01, 0x26, 0xa0, 0xf6, 0x40}
	want, err := encMode.Marshal(issuerSignedOut{NameSpaces: raw, IssuerAuth: auth})
	if err != nil {
		t.Fatal(err)
	}
	if got := encodeIssuerSigned(items, auth, size); !bytes.Equal(got, want) {
		t.Fatalf("hand-encoded IssuerSigned\n% x\nwant\n% x", got, want)
	}
}

func TestEncodeMSOMatchesGenericEncoder(t *testing.T) {
	p := newTestPKI(t)
	key, err := newCOSEKey(&p.holder.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	digests := map[string]map[uint64][]byte{
		"in.gov.uidai.aadhaar.1": {0: bytes.Repeat([]byte{1}, 32), 23: bytes.Repeat([]byte{2}, 32), 300: bytes.Repeat([]byte{3}, 32)},
		"org.iso.18013.5.1":      {1: bytes.Repeat([]byte{4}, 32)},
		"x":                      {70000: bytes.Repeat([]byte{5}, 32)},
	}
	eu := testNow.Add(48 * time.Hour)
	for name, v := range map[string]Validity{
		"ok/without expectedUpdate": {Signed: testNow, ValidFrom: testNow.Add(time.Hour), ValidUntil: testNow.Add(24 * time.Hour)},
		"ok/with expectedUpdate":    {Signed: testNow, ValidFrom: testNow, ValidUntil: testNow.Add(24 * time.Hour), ExpectedUpdate: &eu},
	} {
		t.Run(name, func(t *testing.T) {
			var m msoOut
			m.Version, m.DigestAlgorithm, m.ValueDigests, m.DocType = MSOVersion, SHA256, digests, aadhaarDocType
			m.DeviceKeyInfo.DeviceKey = key
			m.ValidityInfo.Signed, m.ValidityInfo.ValidFrom, m.ValidityInfo.ValidUntil = tdate(v.Signed), tdate(v.ValidFrom), tdate(v.ValidUntil)
			if v.ExpectedUpdate != nil {
				e := tdate(*v.ExpectedUpdate)
				m.ValidityInfo.ExpectedUpdate = &e
			}
			want, err := encMode.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if got := encodeMSO(aadhaarDocType, SHA256, digests, key, v, nil); !bytes.Equal(got, want) {
				t.Fatalf("hand-encoded MSO\n% x\nwant\n% x", got, want)
			}
			// With a status list entry (draft-ietf-oauth-status-list).
			m.Status = &msoStatusOut{}
			m.Status.StatusList.Idx, m.Status.StatusList.URI = 70123, "https://pramaan.example/status/l-1"
			want, err = encMode.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			got := encodeMSO(aadhaarDocType, SHA256, digests, key, v, &StatusRef{Index: 70123, URI: "https://pramaan.example/status/l-1"})
			if !bytes.Equal(got, want) {
				t.Fatalf("hand-encoded MSO with status\n% x\nwant\n% x", got, want)
			}
			mso, err := parseMSO(got)
			if err != nil || mso.Status == nil || mso.Status.Index != 70123 || mso.Status.URI != "https://pramaan.example/status/l-1" {
				t.Fatalf("parsed status %+v %v", mso, err)
			}
		})
	}
}
