package wellknown_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/wellknown"
)

func mustBuilder(t *testing.T, cfg wellknown.Config) *wellknown.Builder {
	t.Helper()
	b, err := wellknown.NewBuilder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func indent(t *testing.T, v any) []byte {
	t.Helper()
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

func TestBuilderGoldenAadhaar(t *testing.T) {
	b := mustBuilder(t, aadhaarConfig(t))
	md := b.CredentialIssuerMetadata()
	got := indent(t, md)
	golden(t, "aadhaar_credential_issuer_metadata.json", got)
	golden(t, "aadhaar_oauth_authorization_server.json", indent(t, b.AuthorizationServerMetadata()))

	// The document we publish passes our own wallet-side parser.
	parsed, err := wellknown.ParseCredentialIssuerMetadata(got)
	if err != nil {
		t.Fatalf("parse of our own metadata: %v", err)
	}
	if again := indent(t, parsed); string(again) != string(got) {
		t.Errorf("parse and re-encode changed the document:\n%s", again)
	}
	// mso_mdoc algorithms are COSE numbers, dc+sd-jwt algorithms JOSE names.
	if !strings.Contains(string(got), "\"credential_signing_alg_values_supported\": [\n        -7,\n        -9\n      ]") {
		t.Error("mso_mdoc credential_signing_alg_values_supported is not [-7, -9]")
	}
	if md.CredentialConfigurations["aadhaar_sd_jwt"].CredentialSigningAlgValuesSupported[0].String() != "ES256" {
		t.Error("dc+sd-jwt signing algorithm is not ES256")
	}
}

func TestBuilderReturnsIndependentCopies(t *testing.T) {
	b := mustBuilder(t, aadhaarConfig(t))
	first := b.CredentialIssuerMetadata()
	first.CredentialConfigurations["aadhaar_mdoc"].CredentialMetadata.Claims[0].Display[0].Name = "changed"
	first.Display[0].Logo.URI = "changed"
	second := b.CredentialIssuerMetadata()
	if second.CredentialConfigurations["aadhaar_mdoc"].CredentialMetadata.Claims[0].Display[0].Name != "Name" || second.Display[0].Logo.URI == "changed" {
		t.Fatal("changing a returned document changed the builder")
	}
}

func TestBuilderMinimal(t *testing.T) {
	b := mustBuilder(t, wellknown.Config{
		IssuerURL:             "http://127.0.0.1:8080",
		AllowInsecureLoopback: true,
		Configurations:        []wellknown.CredentialConfig{{ID: "pid", Format: wellknown.FormatSDJWTVC, VCT: "urn:eudi:pid:1"}},
	})
	want := `{"credential_issuer":"http://127.0.0.1:8080","credential_endpoint":"http://127.0.0.1:8080/credential",` +
		`"nonce_endpoint":"http://127.0.0.1:8080/nonce","credential_configurations_supported":{"pid":{"format":"dc+sd-jwt",` +
		`"scope":"pid","credential_signing_alg_values_supported":["ES256"],"cryptographic_binding_methods_supported":["jwk"],` +
		`"proof_types_supported":{"jwt":{"proof_signing_alg_values_supported":["ES256"]}},"vct":"urn:eudi:pid:1"}}}`
	got, err := json.Marshal(b.CredentialIssuerMetadata())
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	wantAS := `{"issuer":"http://127.0.0.1:8080","token_endpoint":"http://127.0.0.1:8080/token",` +
		`"grant_types_supported":["urn:ietf:params:oauth:grant-type:pre-authorized_code"],` +
		`"authorization_details_types_supported":["openid_credential"],"pre-authorized_grant_anonymous_access_supported":false}`
	gotAS, _ := json.Marshal(b.AuthorizationServerMetadata())
	if string(gotAS) != wantAS {
		t.Errorf("got  %s\nwant %s", gotAS, wantAS)
	}
}

func TestNewBuilderRejects(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		mutate func(*wellknown.Config)
		field  string
		reason string
	}{
		{"fail/issuer empty", func(c *wellknown.Config) { c.IssuerURL = "" }, "IssuerURL", "is empty"},
		{"fail/issuer http", func(c *wellknown.Config) { c.IssuerURL = "http://issuer.example" }, "IssuerURL", "does not use the https scheme"},
		{"fail/issuer http loopback without opt-in", func(c *wellknown.Config) { c.IssuerURL = "http://127.0.0.1:8080" }, "IssuerURL", "does not use the https scheme"},
		{"fail/issuer http non-loopback with opt-in", func(c *wellknown.Config) { c.IssuerURL = "http://10.0.0.1"; c.AllowInsecureLoopback = true }, "IssuerURL", "does not use the https scheme"},
		{"fail/issuer query", func(c *wellknown.Config) { c.IssuerURL = "https://issuer.example?x=1" }, "IssuerURL", "query or fragment"},
		{"fail/issuer fragment", func(c *wellknown.Config) { c.IssuerURL = "https://issuer.example#f" }, "IssuerURL", "query or fragment"},
		{"fail/issuer trailing slash", func(c *wellknown.Config) { c.IssuerURL = "https://issuer.example/" }, "IssuerURL", "ends with a slash"},
		{"fail/issuer userinfo", func(c *wellknown.Config) { c.IssuerURL = "https://u:p@issuer.example" }, "IssuerURL", "user information"},
		{"fail/issuer no host", func(c *wellknown.Config) { c.IssuerURL = "https:///path" }, "IssuerURL", "has no host"},
		{"fail/authorization server twice", func(c *wellknown.Config) {
			c.AuthorizationServers = []string{"https://as.example", "https://as.example"}
		}, "AuthorizationServers[1]", "listed twice"},
		{"fail/batch size 1", func(c *wellknown.Config) { c.BatchSize = 1 }, "BatchSize", "must be 2 or greater"},
		{"fail/batch size negative", func(c *wellknown.Config) { c.BatchSize = -3 }, "BatchSize", "must be 2 or greater"},
		{"fail/issuer display duplicate locale", func(c *wellknown.Config) { c.Display[1].Locale = "EN" }, "Display", `locale "EN" repeats entry 0`},
		{"fail/issuer display bad locale", func(c *wellknown.Config) { c.Display[1].Locale = "hindi_IN" }, "Display", "not a BCP 47 language tag"},
		{"fail/logo scheme", func(c *wellknown.Config) { c.Display[0].Logo.URI = "http://x.example/l.png" }, "Display[0].Logo.URI", "neither https nor data"},
		{"fail/no configurations", func(c *wellknown.Config) { c.Configurations = nil }, "Configurations", "none given"},
		{"fail/duplicate id", func(c *wellknown.Config) { c.Configurations[1].ID = "aadhaar_sd_jwt" }, "Configurations[1].ID", "used twice"},
		{"fail/empty id", func(c *wellknown.Config) { c.Configurations[0].ID = "" }, "Configurations[0].ID", "is empty"},
		{"fail/unknown format", func(c *wellknown.Config) { c.Configurations[0].Format = "jwt_vc_json" }, "Configurations[0].Format", "not a format this issuer can issue"},
		{"fail/sd-jwt without vct", func(c *wellknown.Config) { c.Configurations[0].VCT = "" }, "Configurations[0].VCT", "vct is required"},
		{"fail/sd-jwt with doctype", func(c *wellknown.Config) { c.Configurations[0].Doctype = "x" }, "Configurations[0]", "belong to mso_mdoc"},
		{"fail/mdoc without doctype", func(c *wellknown.Config) { c.Configurations[1].Doctype = "" }, "Configurations[1].Doctype", "doctype is required"},
		{"fail/mdoc with JOSE algs", func(c *wellknown.Config) { c.Configurations[1].SigningAlgs = []string{"ES256"} }, "Configurations[1]", "belong to dc+sd-jwt"},
		{"fail/mdoc unknown COSE alg", func(c *wellknown.Config) { c.Configurations[1].COSESigningAlgs = []int64{-7, 5} }, "Configurations[1].COSESigningAlgs", "COSE algorithm 5 is not supported"},
		{"fail/sd-jwt alg none", func(c *wellknown.Config) { c.Configurations[0].SigningAlgs = []string{"none"} }, "Configurations[0].SigningAlgs", `"none" is not supported`},
		{"fail/proof alg HS256", func(c *wellknown.Config) { c.Configurations[0].ProofSigningAlgs = []string{"HS256"} }, "Configurations[0].ProofSigningAlgs", `"HS256" is not supported`},
		{"fail/key attestation empty", func(c *wellknown.Config) {
			c.Configurations[0].KeyAttestationsRequired = &wellknown.KeyAttestationsRequired{KeyStorage: []string{}}
		}, "Configurations[0].KeyAttestationsRequired.KeyStorage", "must be non-empty"},
		{"fail/credential display without name", func(c *wellknown.Config) {
			c.Configurations[0].Display = []wellknown.CredentialDisplay{{Locale: "en"}}
		}, "Configurations[0].Display[0].Name", "name is required"},
		{"fail/claim path empty", func(c *wellknown.Config) { c.Configurations[0].Claims[2].Path = nil }, "Configurations[0].Claims[2].Path", "is empty"},
		{"fail/claim path empty key", func(c *wellknown.Config) {
			c.Configurations[0].Claims[2].Path = wellknown.ClaimPath{"address", ""}
		}, "Configurations[0].Claims[2].Path", "component 1 is an empty string"},
		{"fail/claim path bad type", func(c *wellknown.Config) {
			c.Configurations[0].Claims[2].Path = wellknown.ClaimPath{"address", 1.5}
		}, "Configurations[0].Claims[2].Path", "component 1 has type float64"},
		{"fail/mdoc path one component", func(c *wellknown.Config) {
			c.Configurations[1].Claims[0].Path = wellknown.ClaimPath{aadhaarDoctype}
		}, "Configurations[1].Claims[0].Path", "needs a namespace and a data element identifier"},
		{"fail/mdoc path without namespace", func(c *wellknown.Config) {
			c.Configurations[1].Claims[0].Path = wellknown.ClaimPath{"name", "given"}
		}, "Configurations[1].Claims[0].Path", `namespace "name" is not one of`},
		{"fail/claim described twice", func(c *wellknown.Config) {
			c.Configurations[0].Claims[2].Path = wellknown.ClaimPath{"name"}
		}, "Configurations[0].Claims", "is described twice"},
		{"fail/claim object and array", func(c *wellknown.Config) {
			c.Configurations[0].Claims[2].Path = wellknown.ClaimPath{"address", 0}
		}, "Configurations[0].Claims", "claims[4] path [\"address\",\"house\"] addresses an array as an object"},
		{"fail/claim null and index", func(c *wellknown.Config) {
			c.Configurations[0].Claims = append(c.Configurations[0].Claims,
				wellknown.ClaimDescription{Path: wellknown.ClaimPath{"nationalities", nil}},
				wellknown.ClaimDescription{Path: wellknown.ClaimPath{"nationalities", 0}})
		}, "Configurations[0].Claims", "uses an index where another path uses null"},
		{"fail/claim display duplicate locale", func(c *wellknown.Config) {
			c.Configurations[0].Claims[0].Display = []wellknown.ClaimDisplay{en("Name"), en("Full name")}
		}, "Configurations[0].Claims[0].Display", `locale "en" repeats entry 0`},
		{"fail/response encryption without request encryption", func(c *wellknown.Config) { c.RequestEncryption = nil }, "ResponseEncryption", "needs RequestEncryption"},
		{"fail/response required but request optional", func(c *wellknown.Config) { c.ResponseEncryption.Required = true }, "RequestEncryption.Required", "must be encrypted"},
		{"fail/response enc unknown", func(c *wellknown.Config) { c.ResponseEncryption.EncValues = []string{"A128CTR"} }, "ResponseEncryption.EncValues", `enc "A128CTR" is not supported`},
		{"fail/response alg RSA1_5", func(c *wellknown.Config) { c.ResponseEncryption.AlgValues = []string{"RSA1_5"} }, "ResponseEncryption.AlgValues", `alg "RSA1_5" is not supported`},
		{"fail/response zip unknown", func(c *wellknown.Config) { c.ResponseEncryption.ZipValues = []string{"GZIP"} }, "ResponseEncryption.ZipValues", `zip "GZIP" is not supported`},
		{"fail/request enc empty", func(c *wellknown.Config) { c.RequestEncryption.EncValues = nil }, "RequestEncryption.EncValues", "must be non-empty"},
		{"fail/request key without alg", func(c *wellknown.Config) { c.RequestEncryption.Keys[0].Alg = "" }, "RequestEncryption.Keys[0].Alg", "must carry alg"},
		{"fail/request key signature alg", func(c *wellknown.Config) { c.RequestEncryption.Keys[0].Alg = "ES256" }, "RequestEncryption.Keys[0].Alg", "not a supported key management algorithm"},
		{"fail/request key private", func(c *wellknown.Config) { c.RequestEncryption.Keys[0].Key = ecKey }, "RequestEncryption.Keys", "is a private key"},
		{"fail/request no keys", func(c *wellknown.Config) { c.RequestEncryption.Keys = nil }, "RequestEncryption.Keys", "none given"},
		{"fail/dpop alg none", func(c *wellknown.Config) { c.DPoPSigningAlgs = []string{"none"} }, "DPoPSigningAlgs", `"none" is not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := aadhaarConfig(t)
			tt.mutate(&cfg)
			_, err := wellknown.NewBuilder(cfg)
			var ce *wellknown.ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, wellknown.ErrInvalidConfig) {
				t.Fatalf("err = %v, want a *ConfigError", err)
			}
			if ce.Field != tt.field || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("err = %v (field %q), want field %q and reason containing %q", err, ce.Field, tt.field, tt.reason)
			}
		})
	}
}

func TestNewBuilderAccepts(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*wellknown.Config)
		check  func(*testing.T, *wellknown.CredentialIssuerMetadata)
	}{
		{"ok/issuer with path and port", func(c *wellknown.Config) { c.IssuerURL = "https://issuer.example:8443/tenant" },
			func(t *testing.T, m *wellknown.CredentialIssuerMetadata) {
				if m.CredentialEndpoint != "https://issuer.example:8443/tenant/credential" {
					t.Errorf("credential_endpoint = %q", m.CredentialEndpoint)
				}
			}},
		{"ok/no batch", func(c *wellknown.Config) { c.BatchSize = 0 },
			func(t *testing.T, m *wellknown.CredentialIssuerMetadata) {
				if m.BatchCredentialIssuance != nil {
					t.Error("batch_credential_issuance present")
				}
			}},
		{"ok/key attestation with URL value", func(c *wellknown.Config) {
			c.Configurations[0].KeyAttestationsRequired = &wellknown.KeyAttestationsRequired{
				KeyStorage: []string{wellknown.ISO18045High, "https://trust.example/ap/high"}}
		}, func(t *testing.T, m *wellknown.CredentialIssuerMetadata) {
			ka := m.CredentialConfigurations["aadhaar_sd_jwt"].ProofTypesSupported["jwt"].KeyAttestationsRequired
			if ka == nil || len(ka.KeyStorage) != 2 {
				t.Errorf("key_attestations_required = %+v", ka)
			}
		}},
		{"ok/mdoc extra namespace", func(c *wellknown.Config) {
			c.Configurations[1].Namespaces = []string{aadhaarDoctype, "in.gov.uidai.aadhaar.ext"}
			c.Configurations[1].Claims = append(c.Configurations[1].Claims,
				wellknown.ClaimDescription{Path: wellknown.ClaimPath{"in.gov.uidai.aadhaar.ext", "mobile"}})
		}, func(t *testing.T, m *wellknown.CredentialIssuerMetadata) {
			if n := len(m.CredentialConfigurations["aadhaar_mdoc"].CredentialMetadata.Claims); n != 12 {
				t.Errorf("%d claims", n)
			}
		}},
		{"ok/mdoc integer map key beside string key", func(c *wellknown.Config) {
			c.Configurations[1].Claims = append(c.Configurations[1].Claims,
				wellknown.ClaimDescription{Path: wellknown.ClaimPath{aadhaarDoctype, "codes", "a"}},
				wellknown.ClaimDescription{Path: wellknown.ClaimPath{aadhaarDoctype, "codes", 1}})
		}, func(t *testing.T, m *wellknown.CredentialIssuerMetadata) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := aadhaarConfig(t)
			tt.mutate(&cfg)
			b, err := wellknown.NewBuilder(cfg)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, b.CredentialIssuerMetadata())
		})
	}
}
