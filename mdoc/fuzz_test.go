package mdoc

import (
	"crypto/ecdh"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fuzzSeeds adds every hex file of the mdoc vectors as a seed. Without the
// vectors (and PRAMAAN_REQUIRE_VECTORS unset) the targets still run on the
// seeds of our own issuance.
func fuzzSeeds(f *testing.F) {
	dir, ok := findVectors(f)
	if !ok {
		if os.Getenv("PRAMAAN_REQUIRE_VECTORS") != "" {
			f.Fatal("shared test vectors not found and PRAMAAN_REQUIRE_VECTORS is set")
		}
		return
	}
	hexFiles, err := filepath.Glob(filepath.Join(dir, "*", "*.hex"))
	if err != nil || len(hexFiles) == 0 {
		f.Fatalf("no vector hex files in %s: %v", dir, err)
	}
	for _, path := range hexFiles {
		rel, _ := filepath.Rel(dir, path)
		f.Add(readVector(f, rel))
	}
}

// fuzzVerifier trusts the Annex D IACA and the auth0 issuer (when the
// vectors are present), at a time when the auth0 examples are valid.
func fuzzVerifier(f *testing.F) *Verifier {
	var roots []*x509.Certificate
	if _, ok := findVectors(f); ok {
		roots = append(readRoots(f, "iso18013-5-annexD/iaca_root_utopia_iaca.pem"), readRoots(f, "auth0-mdl-examples/issuer_ny_dmv.pem")...)
	}
	return &Verifier{Roots: roots, At: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), AllowSelfSignedDS: true}
}

// sentinels lists every error the package may return on received data.
var sentinels = []error{ErrMalformed, ErrDuplicateKey, ErrIndefiniteLength, ErrTooDeep, ErrTooLarge, ErrWrongTag,
	ErrUnsupported, ErrDigestMismatch, ErrSignature, ErrUntrustedChain, ErrNotYetValid, ErrExpired, ErrDocType, ErrDeviceAuth, ErrInvalidInput}

func checkSentinel(t *testing.T, err error) {
	if err == nil {
		return
	}
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("error wraps no sentinel: %v", err)
}

func FuzzDecodeIssuerSigned(f *testing.F) {
	fuzzSeeds(f)
	p := newTestPKI(f)
	f.Add(p.issue(f))
	lax := fuzzVerifier(f)
	lax.Roots = append(lax.Roots, p.iaca)
	strict := *lax
	strict.AllowSelfSignedDS = false
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, v := range []*Verifier{lax, &strict} {
			doc, err := v.VerifyIssuerSigned(data)
			checkSentinel(t, err)
			if err == nil && (doc == nil || doc.MSO == nil) {
				t.Fatal("nil document without error")
			}
		}
		_, _ = DecodeInput(data)
	})
}

func FuzzDecodeDeviceResponse(f *testing.F) {
	fuzzSeeds(f)
	v := fuzzVerifier(f)
	resp := readVector(f, "auth0-mdl-examples/example1.deviceResponse.hex")
	st := readVector(f, "auth0-mdl-examples/example1.encodedSessionTranscript.hex")
	stD := readVector(f, "iso18013-5-annexD/session_transcript_bytes.hex")
	reader, err := ecdh.P256().NewPrivateKey(mustHexString(f, "de3b4b9e5f72dd9b58406ae3091434da48a6f9fd010d88fcb0958e2cebec947c"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, s := range [][]byte{st, stD} {
			r, err := v.VerifyDeviceResponse(data, DeviceAuthInput{SessionTranscript: s, ReaderKey: reader})
			checkSentinel(t, err)
			if err == nil && (r == nil || len(r.Documents) == 0) {
				t.Fatal("empty response without error")
			}
		}
		// The SessionTranscript is outside input too.
		_, err := v.VerifyDeviceResponse(resp, DeviceAuthInput{SessionTranscript: data})
		checkSentinel(t, err)
	})
}

func mustHexString(tb testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
