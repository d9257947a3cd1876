package mdoc

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var annexDTime = time.Date(2021, 9, 30, 0, 0, 0, 0, time.UTC)

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

// The MSO fields, disclosed items and claims of Annex D are compared with
// expected_decoded.json by the testvectors suite (testvectors/mdoc_suites.go),
// which also runs in go test; the tests here cover the edges of validity and
// device authentication.

func TestAnnexDIssuerSigned(t *testing.T) {
	roots := readRoots(t, "iso18013-5-annexD/iaca_root_utopia_iaca.pem")
	in := readVector(t, "iso18013-5-annexD/issuer_signed.hex")

	t.Run("ok/valid at 2021-09-30", func(t *testing.T) {
		doc, err := (&Verifier{Roots: roots, At: annexDTime}).VerifyIssuerSigned(in)
		if err != nil {
			t.Fatal(err)
		}
		if len(doc.Elements) != 6 || doc.DocType != "org.iso.18013.5.1.mDL" {
			t.Fatalf("%s with %d elements, want org.iso.18013.5.1.mDL with 6", doc.DocType, len(doc.Elements))
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
