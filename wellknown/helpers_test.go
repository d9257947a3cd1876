package wellknown_test

import (
	"crypto/ecdh"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/pramaan/pramaan/testvectors"
	"github.com/pramaan/pramaan/wellknown"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// vectorsDir returns ../shared/testvectors/openid4vci/1.0/examples. It skips
// only when the vectors are absent and PRAMAAN_REQUIRE_VECTORS is unset.
func vectorsDir(t testing.TB) string {
	t.Helper()
	root, err := testvectors.Locate()
	if err != nil {
		if os.Getenv("PRAMAAN_REQUIRE_VECTORS") != "" {
			t.Fatalf("vectors required: %v", err)
		}
		t.Skipf("vectors absent: %v", err)
	}
	return filepath.Join(root, "openid4vci", "1.0", "examples")
}

func readVector(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vectorsDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// golden compares got with testdata/name byte for byte; -update rewrites it.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// fixedEncryptionKey is a P-256 key agreement key from fixed bytes, so the
// golden files are stable.
func fixedEncryptionKey(t testing.TB) *ecdh.PublicKey {
	t.Helper()
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = byte(i + 1)
	}
	priv, err := ecdh.P256().NewPrivateKey(seed)
	if err != nil {
		t.Fatal(err)
	}
	return priv.PublicKey()
}

func en(name string) wellknown.ClaimDisplay { return wellknown.ClaimDisplay{Name: name, Locale: "en"} }
func hi(name string) wellknown.ClaimDisplay { return wellknown.ClaimDisplay{Name: name, Locale: "hi"} }

// aadhaarClaims are the default claims; prefix is the mdoc namespace or nil.
func aadhaarClaims(prefix ...any) []wellknown.ClaimDescription {
	p := func(parts ...any) wellknown.ClaimPath {
		return append(append(wellknown.ClaimPath{}, prefix...), parts...)
	}
	return []wellknown.ClaimDescription{
		{Path: p("name"), Mandatory: true, Display: []wellknown.ClaimDisplay{en("Name"), hi("नाम")}},
		{Path: p("birth_date"), Mandatory: true, Display: []wellknown.ClaimDisplay{en("Date of birth"), hi("जन्म तिथि")}},
		{Path: p("gender"), Display: []wellknown.ClaimDisplay{en("Gender"), hi("लिंग")}},
		{Path: p("address"), Display: []wellknown.ClaimDisplay{en("Address"), hi("पता")}},
		{Path: p("address", "house"), Display: []wellknown.ClaimDisplay{en("House"), hi("मकान")}},
		{Path: p("address", "locality"), Display: []wellknown.ClaimDisplay{en("Locality"), hi("इलाका")}},
		{Path: p("address", "district"), Display: []wellknown.ClaimDisplay{en("District"), hi("ज़िला")}},
		{Path: p("address", "state"), Display: []wellknown.ClaimDisplay{en("State"), hi("राज्य")}},
		{Path: p("address", "pincode"), Display: []wellknown.ClaimDisplay{en("PIN code"), hi("पिन कोड")}},
		{Path: p("aadhaar_last4"), Display: []wellknown.ClaimDisplay{en("Aadhaar (last 4 digits)"), hi("आधार (अंतिम 4 अंक)")}},
		{Path: p("portrait"), Display: []wellknown.ClaimDisplay{en("Photo"), hi("फ़ोटो")}},
	}
}

const aadhaarDoctype = "in.gov.uidai.aadhaar.1"

// aadhaarConfig is a default-like configuration of the issuer.
func aadhaarConfig(t testing.TB) wellknown.Config {
	display := []wellknown.CredentialDisplay{
		{Name: "Aadhaar", Locale: "en", Description: "Aadhaar identity credential", BackgroundColor: "#12107c", TextColor: "#FFFFFF"},
		{Name: "आधार", Locale: "hi", Description: "आधार पहचान क्रेडेंशियल", BackgroundColor: "#12107c", TextColor: "#FFFFFF"},
	}
	return wellknown.Config{
		IssuerURL:            "https://issuer.pramaan.example",
		DeferredEndpoint:     true,
		NotificationEndpoint: true,
		Display: []wellknown.IssuerDisplay{
			{Name: "Pramaan", Locale: "en", Logo: &wellknown.Logo{URI: "https://issuer.pramaan.example/logo.png", AltText: "Pramaan logo"}},
			{Name: "प्रमाण", Locale: "hi", Logo: &wellknown.Logo{URI: "https://issuer.pramaan.example/logo.png", AltText: "प्रमाण लोगो"}},
		},
		BatchSize: 10,
		RequestEncryption: &wellknown.RequestEncryptionConfig{
			Keys:      []wellknown.KeySpec{{Key: fixedEncryptionKey(t), KeyID: "req-enc-1", Alg: "ECDH-ES"}},
			EncValues: []string{"A128GCM", "A256GCM"},
			ZipValues: []string{"DEF"},
		},
		ResponseEncryption: &wellknown.ResponseEncryptionConfig{
			AlgValues: []string{"ECDH-ES", "RSA-OAEP-256"},
			EncValues: []string{"A128GCM", "A256GCM"},
			ZipValues: []string{"DEF"},
		},
		Configurations: []wellknown.CredentialConfig{
			{
				ID: "aadhaar_sd_jwt", Format: wellknown.FormatSDJWTVC,
				VCT:     "https://issuer.pramaan.example/vct/aadhaar",
				Display: display,
				Claims:  aadhaarClaims(),
			},
			{
				ID: "aadhaar_mdoc", Format: wellknown.FormatMDoc,
				Doctype: aadhaarDoctype,
				Display: display,
				Claims:  aadhaarClaims(aadhaarDoctype),
			},
		},
		AnonymousPreAuthorizedAccess: true,
		DPoPSigningAlgs:              []string{"ES256"},
		PublishJWKSURI:               true,
	}
}
