package android_test

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"

	"github.com/pramaan/pramaan/attestation/android"
	"github.com/pramaan/pramaan/attestation/android/androidtest"
	"github.com/pramaan/pramaan/testvectors"
)

// vectorExtensions returns the key attestation extension of every shared
// chain's leaf, when the vectors are present (seeds only: the fuzz targets
// also run without them).
func vectorExtensions(f *testing.F) [][]byte {
	root, err := testvectors.Locate()
	if err != nil {
		return nil
	}
	var files []string
	for _, pattern := range []string{"*/*.pem", "*/*/*.pem", "*/*/*/*.pem"} {
		m, _ := filepath.Glob(filepath.Join(root, "android-key-attestation", pattern))
		files = append(files, m...)
	}
	var out [][]byte
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		certs, err := android.ParsePEMChain(data)
		if err != nil {
			continue
		}
		for _, e := range certs[0].Extensions {
			if e.Id.String() == "1.3.6.1.4.1.11129.2.1.17" {
				out = append(out, e.Value)
			}
		}
	}
	return out
}

func FuzzParseKeyDescription(f *testing.F) {
	for _, ext := range vectorExtensions(f) {
		f.Add(ext)
	}
	synthetic, err := androidtest.KeyDescriptionDER(androidtest.KeyOptions{Challenge: []byte("seed"), Now: synthNow,
		ExtraHardwareTags: []android.UnknownTag{{Tag: 900, DER: []byte{0x05, 0x00}}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(synthetic)
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		kd, err := android.ParseKeyDescription(der)
		if err != nil {
			return
		}
		if len(kd.AttestationChallenge) > android.MaxChallengeBytes {
			t.Fatalf("accepted a %d-byte challenge", len(kd.AttestationChallenge))
		}
		_ = kd.ApplicationID()
	})
}

func FuzzVerify(f *testing.F) {
	ca, err := androidtest.NewCA(synthNow)
	if err != nil {
		f.Fatal(err)
	}
	_, chain, err := ca.NewKey(androidtest.KeyOptions{Challenge: []byte("seed"), Now: synthNow})
	if err != nil {
		f.Fatal(err)
	}
	v, err := android.NewVerifier(android.Config{Roots: ca.Roots(), Policy: android.StrictPolicy(),
		Status: android.StaticStatus{List: &android.StatusList{Entries: map[string]android.StatusEntry{}}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(chain[0], chain[1])
	f.Add([]byte{0x30}, chain[1])
	f.Fuzz(func(t *testing.T, leaf, attestKey []byte) {
		res, err := v.Verify(context.Background(), [][]byte{leaf, attestKey, chain[2], chain[3], chain[4]}, []byte("seed"), synthNow)
		if res == nil {
			t.Fatal("nil result")
		}
		if err == nil {
			// Only the genuine leaf and attestation key certificate can pass.
			if string(leaf) != string(chain[0]) {
				if _, perr := x509.ParseCertificate(leaf); perr != nil {
					t.Fatal("an unparseable leaf passed")
				}
			}
		} else if res.Valid || android.ReasonOf(err) == "" {
			t.Fatalf("a failure without its reason: %v", err)
		}
	})
}

func FuzzParseStatusList(f *testing.F) {
	f.Add([]byte(`{"entries":{"cc66e9a93713b6e643b26c15879786f7":{"status":"SUSPENDED","reason":"KEY_COMPROMISE"}}}`))
	if root, err := testvectors.Locate(); err == nil {
		for _, name := range []string{"status_test_google_android-key-attestation.json", "status_list_example_from_docs.json"} {
			if b, err := os.ReadFile(filepath.Join(root, "android-key-attestation", "status-list", name)); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := android.ParseStatusList(data)
		if err == nil && l.Entries == nil {
			t.Fatal("a list without entries")
		}
	})
}

func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte(`{"min_security_level":"STRONG_BOX","apps":[{"package":"a.b","signing_cert_digests":["` + "00000000000000000000000000000000000000000000000000000000000000ab" + `"]}]}`))
	f.Add([]byte(`{"key_algorithms":["RSA"],"max_patch_age_months":6}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := android.ParsePolicy(data)
		if err != nil {
			return
		}
		if p.MinSecurityLevel < android.TrustedEnvironment {
			t.Fatal("a policy below TEE was accepted")
		}
		if _, err := android.NewVerifier(android.Config{Policy: p, SkipRevocation: true}); err != nil {
			t.Fatalf("a parsed policy does not build a verifier: %v", err)
		}
	})
}
