package wellknown_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/testvectors"
	"github.com/pramaan/pramaan/wellknown"
)

func FuzzParseAcceptLanguage(f *testing.F) {
	for _, s := range []string{
		"fr-ch, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", // OpenID4VCI 1.0 Section 12.2.2
		"hi-IN,hi;q=0.9,en-US;q=0.8,en;q=0.7", "", "*", "en;q=0", "en;Q=1.000", " , ,", "en;q=1.5", "x-klingon",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		ranges, err := wellknown.ParseAcceptLanguage(header)
		if err != nil {
			return
		}
		if len(ranges) > wellknown.MaxLanguageRanges {
			t.Fatalf("%d ranges", len(ranges))
		}
		for _, r := range ranges {
			if r.Q < 0 || r.Q > 1000 || r.Range == "" || r.Range != strings.ToLower(r.Range) {
				t.Fatalf("bad range %+v", r)
			}
		}
	})
}

func FuzzParseCredentialIssuerMetadata(f *testing.F) {
	if root, err := testvectors.Locate(); err == nil {
		dir := filepath.Join(root, "openid4vci", "1.0", "examples")
		for _, name := range []string{"credential_issuer_metadata_sd_jwt_long.json", "credential_metadata_sd_jwt_vc.json",
			"credential_metadata_mso_mdoc.json", "credential_metadata_jwt_vc_json.json", "credential_metadata_ldp_vc.json"} {
			if data, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
				f.Add(data)
			}
		}
	}
	if data, err := os.ReadFile(filepath.Join("testdata", "aadhaar_credential_issuer_metadata.json")); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"credential_issuer":"https://i.example","credential_endpoint":"https://i.example/c","credential_configurations_supported":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		md, err := wellknown.ParseCredentialIssuerMetadata(data)
		if err != nil {
			return
		}
		// What parses re-encodes, parses again and localizes without panic.
		out, err := json.Marshal(md)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if _, err := wellknown.ParseCredentialIssuerMetadata(out); err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		md.Localize("hi, en;q=0.5")
	})
}
