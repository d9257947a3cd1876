package mdoc

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

var annexDTime = time.Date(2021, 9, 30, 0, 0, 0, 0, time.UTC)

type expectedDecoded struct {
	MSO struct {
		Version         string                       `json:"version"`
		DigestAlgorithm string                       `json:"digestAlgorithm"`
		ValueDigests    map[string]map[string]string `json:"valueDigests"`
		DeviceKeyInfo   struct {
			DeviceKey map[string]any `json:"deviceKey"`
		} `json:"deviceKeyInfo"`
		DocType      string            `json:"docType"`
		ValidityInfo map[string]string `json:"validityInfo"`
	} `json:"mso"`
	DisclosedItems map[string][]struct {
		DigestID          uint64 `json:"digestID"`
		ElementIdentifier string `json:"elementIdentifier"`
		SHA256            string `json:"sha256_of_tag24_item"`
	} `json:"disclosed_items"`
}

func annexDReaderKey(t *testing.T) *ecdh.PrivateKey {
	t.Helper()
	var keys map[string]map[string]string
	if err := json.Unmarshal(readVector(t, "iso18013-5-annexD/keys.json"), &keys); err != nil {
		t.Fatal(err)
	}
	d, err := hex.DecodeString(keys["ephemeral_reader_key (EReaderKey)"]["d_hex"])
	if err != nil {
		t.Fatal(err)
	}
	k, err := ecdh.P256().NewPrivateKey(d)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// compareMSO checks every MSO field against expected_decoded.json.
func compareMSO(t *testing.T, m *MSO, exp expectedDecoded) {
	t.Helper()
	e := exp.MSO
	if m.Version != e.Version || m.DigestAlgorithm != e.DigestAlgorithm || m.DocType != e.DocType {
		t.Fatalf("MSO %s %s %s, want %s %s %s", m.Version, m.DigestAlgorithm, m.DocType, e.Version, e.DigestAlgorithm, e.DocType)
	}
	if len(m.ValueDigests) != len(e.ValueDigests) {
		t.Fatalf("%d digest namespaces, want %d", len(m.ValueDigests), len(e.ValueDigests))
	}
	for ns, ds := range e.ValueDigests {
		if len(m.ValueDigests[ns]) != len(ds) {
			t.Fatalf("%s: %d digests, want %d", ns, len(m.ValueDigests[ns]), len(ds))
		}
		for id, h := range ds {
			n, _ := strconv.ParseUint(id, 10, 64)
			if got := "h:" + hex.EncodeToString(m.ValueDigests[ns][n]); got != h {
				t.Fatalf("%s[%s] = %s, want %s", ns, id, got, h)
			}
		}
	}
	pub, err := m.DeviceKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	dk := e.DeviceKeyInfo.DeviceKey
	if "h:"+hex.EncodeToString(pub[1:33]) != dk["-2"] || "h:"+hex.EncodeToString(pub[33:]) != dk["-3"] || dk["1"] != 2.0 || dk["-1"] != 1.0 {
		t.Fatalf("deviceKey differs from %v", dk)
	}
	for name, got := range map[string]time.Time{"signed": m.Validity.Signed, "validFrom": m.Validity.ValidFrom, "validUntil": m.Validity.ValidUntil} {
		want, err := time.Parse(time.RFC3339, e.ValidityInfo[name])
		if err != nil || !got.Equal(want) {
			t.Fatalf("validityInfo.%s = %s, want %s", name, got, e.ValidityInfo[name])
		}
	}
}

func TestAnnexDIssuerSigned(t *testing.T) {
	var exp expectedDecoded
	if err := json.Unmarshal(readVector(t, "iso18013-5-annexD/expected_decoded.json"), &exp); err != nil {
		t.Fatal(err)
	}
	roots := readRoots(t, "iso18013-5-annexD/iaca_root_utopia_iaca.pem")
	in := readVector(t, "iso18013-5-annexD/issuer_signed.hex")

	t.Run("ok/valid at 2021-09-30", func(t *testing.T) {
		doc, err := (&Verifier{Roots: roots, At: annexDTime}).VerifyIssuerSigned(in)
		if err != nil {
			t.Fatal(err)
		}
		compareMSO(t, doc.MSO, exp)
		items := exp.DisclosedItems["org.iso.18013.5.1"]
		if len(doc.Elements) != len(items) {
			t.Fatalf("%d elements, want %d", len(doc.Elements), len(items))
		}
		for i, it := range items {
			e := doc.Elements[i]
			if e.DigestID != it.DigestID || e.Identifier != it.ElementIdentifier || hex.EncodeToString(e.Digest) != it.SHA256 {
				t.Fatalf("element %d = %d %s %x, want %d %s %s", i, e.DigestID, e.Identifier, e.Digest, it.DigestID, it.ElementIdentifier, it.SHA256)
			}
		}
		c := doc.Claims()["org.iso.18013.5.1"]
		js, _ := json.Marshal(map[string]any{"family_name": c["family_name"], "issue_date": c["issue_date"], "expiry_date": c["expiry_date"], "document_number": c["document_number"]})
		if want := `{"document_number":"123456789","expiry_date":"2024-10-20","family_name":"Doe","issue_date":"2019-10-20"}`; string(js) != want {
			t.Fatalf("claims %s, want %s", js, want)
		}
		if p, _ := c["portrait"].([]byte); hex.EncodeToString(p) != strings.TrimSpace(string(readVectorText(t, "iso18013-5-annexD/portrait.jpg.hex"))) {
			t.Fatal("portrait differs from portrait.jpg.hex")
		}
	})
	t.Run("fail/expired now", func(t *testing.T) {
		_, err := (&Verifier{Roots: roots, At: time.Now()}).VerifyIssuerSigned(in)
		if !errors.Is(err, ErrExpired) {
			t.Fatalf("err = %v, want ErrExpired", err)
		}
	})
	t.Run("fail/MSO expired after validUntil while inside DS window is impossible: DS ends first", func(t *testing.T) {
		_, err := (&Verifier{Roots: roots, At: time.Date(2021, 10, 1, 0, 0, 1, 0, time.UTC)}).VerifyIssuerSigned(in)
		if !errors.Is(err, ErrExpired) || !strings.Contains(err.Error(), "utopia ds") {
			t.Fatalf("err = %v, want ErrExpired naming the DS", err)
		}
	})
	t.Run("fail/not yet valid before 2020-10-01", func(t *testing.T) {
		_, err := (&Verifier{Roots: roots, At: time.Date(2020, 9, 30, 0, 0, 0, 0, time.UTC)}).VerifyIssuerSigned(in)
		if !errors.Is(err, ErrNotYetValid) {
			t.Fatalf("err = %v, want ErrNotYetValid", err)
		}
	})
}

func readVectorText(t *testing.T, rel string) []byte {
	t.Helper()
	b := readVector(t, strings.TrimSuffix(rel, ".hex")+".hex")
	return []byte(hex.EncodeToString(b))
}

func TestAnnexDDeviceResponse(t *testing.T) {
	roots := readRoots(t, "iso18013-5-annexD/iaca_root_utopia_iaca.pem")
	resp := readVector(t, "iso18013-5-annexD/device_response.hex")
	st := readVector(t, "iso18013-5-annexD/session_transcript_bytes.hex")
	v := &Verifier{Roots: roots, At: annexDTime}

	t.Run("ok/deviceMac with EReaderKey", func(t *testing.T) {
		r, err := v.VerifyDeviceResponse(resp, DeviceAuthInput{SessionTranscript: st, ReaderKey: annexDReaderKey(t)})
		if err != nil {
			t.Fatal(err)
		}
		if r.Version != "1.0" || r.Status != 0 || len(r.Documents) != 1 || r.Documents[0].DeviceAuth != "deviceMac" || len(r.Documents[0].Elements) != 6 {
			t.Fatalf("response %+v", r)
		}
	})
	t.Run("ok/SessionTranscript given untagged", func(t *testing.T) {
		inner, err := unwrapEncodedCBOR(st, "st")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.VerifyDeviceResponse(resp, DeviceAuthInput{SessionTranscript: inner, ReaderKey: annexDReaderKey(t)}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("fail/wrong reader key", func(t *testing.T) {
		other, _ := ecdh.P256().GenerateKey(rand.Reader)
		_, err := v.VerifyDeviceResponse(resp, DeviceAuthInput{SessionTranscript: st, ReaderKey: other})
		if !errors.Is(err, ErrDeviceAuth) {
			t.Fatalf("err = %v, want ErrDeviceAuth", err)
		}
	})
	t.Run("fail/no reader key", func(t *testing.T) {
		_, err := v.VerifyDeviceResponse(resp, DeviceAuthInput{SessionTranscript: st})
		if !errors.Is(err, ErrInvalidInput) {
			t.Fatalf("err = %v, want ErrInvalidInput", err)
		}
	})
	t.Run("fail/other session transcript", func(t *testing.T) {
		other := readVector(t, "auth0-mdl-examples/example1.encodedSessionTranscript.hex")
		_, err := v.VerifyDeviceResponse(resp, DeviceAuthInput{SessionTranscript: other, ReaderKey: annexDReaderKey(t)})
		if !errors.Is(err, ErrDeviceAuth) {
			t.Fatalf("err = %v, want ErrDeviceAuth", err)
		}
	})
	t.Run("fail/expired now", func(t *testing.T) {
		_, err := (&Verifier{Roots: roots, At: time.Now()}).VerifyDeviceResponse(resp, DeviceAuthInput{SessionTranscript: st, ReaderKey: annexDReaderKey(t)})
		if !errors.Is(err, ErrExpired) {
			t.Fatalf("err = %v, want ErrExpired", err)
		}
	})
}

func TestAuth0Examples(t *testing.T) {
	roots := readRoots(t, "auth0-mdl-examples/issuer_ny_dmv.pem")
	v := &Verifier{Roots: roots, At: time.Now(), AllowSelfSignedDS: true}
	wantElements := map[int]int{1: 12, 2: 6, 4: 12}
	for i := 1; i <= 4; i++ {
		resp := readVector(t, fmt.Sprintf("auth0-mdl-examples/example%d.deviceResponse.hex", i))
		st := readVector(t, fmt.Sprintf("auth0-mdl-examples/example%d.encodedSessionTranscript.hex", i))
		is := readVector(t, fmt.Sprintf("auth0-mdl-examples/example%d.issuerSigned.hex", i))
		if i == 3 {
			t.Run("fail/example3 tampered family_name", func(t *testing.T) {
				for _, err := range []error{
					func() error {
						_, err := v.VerifyDeviceResponse(resp, DeviceAuthInput{SessionTranscript: st})
						return err
					}(),
					func() error { _, err := v.VerifyIssuerSigned(is); return err }(),
				} {
					if !errors.Is(err, ErrDigestMismatch) || !strings.Contains(err.Error(), "org.iso.18013.5.1/family_name") {
						t.Fatalf("err = %v, want ErrDigestMismatch naming org.iso.18013.5.1/family_name", err)
					}
				}
			})
			continue
		}
		t.Run(fmt.Sprintf("ok/example%d deviceSignature", i), func(t *testing.T) {
			r, err := v.VerifyDeviceResponse(resp, DeviceAuthInput{SessionTranscript: st})
			if err != nil {
				t.Fatal(err)
			}
			d := r.Documents[0]
			if d.DeviceAuth != "deviceSignature" || len(d.Elements) != wantElements[i] || d.DocType != "org.iso.18013.5.1.mDL" {
				t.Fatalf("%s, %d elements, %s", d.DeviceAuth, len(d.Elements), d.DocType)
			}
		})
		t.Run(fmt.Sprintf("ok/example%d IssuerSigned alone", i), func(t *testing.T) {
			doc, err := v.VerifyIssuerSigned(is)
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Elements) != wantElements[i] {
				t.Fatalf("%d elements", len(doc.Elements))
			}
		})
		t.Run(fmt.Sprintf("fail/example%d without AllowSelfSignedDS", i), func(t *testing.T) {
			_, err := (&Verifier{Roots: roots, At: time.Now()}).VerifyIssuerSigned(is)
			if !errors.Is(err, ErrUntrustedChain) {
				t.Fatalf("err = %v, want ErrUntrustedChain", err)
			}
		})
		t.Run(fmt.Sprintf("fail/example%d under another session transcript", i), func(t *testing.T) {
			other := readVector(t, "iso18013-5-annexD/session_transcript_bytes.hex")
			_, err := v.VerifyDeviceResponse(resp, DeviceAuthInput{SessionTranscript: other})
			if !errors.Is(err, ErrDeviceAuth) {
				t.Fatalf("err = %v, want ErrDeviceAuth", err)
			}
		})
	}
}
