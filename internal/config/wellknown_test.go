package config_test

import (
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/pramaan/pramaan/internal/config"
	"github.com/pramaan/pramaan/wellknown"
)

func requestEncryptionKey(t testing.TB) wellknown.KeySpec {
	t.Helper()
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return wellknown.KeySpec{Key: priv.PublicKey(), KeyID: "req-enc-1", Alg: "ECDH-ES"}
}

func TestWellKnownBuildsDefaultMetadata(t *testing.T) {
	wk, err := config.Default().WellKnown(requestEncryptionKey(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := wellknown.NewBuilder(wk)
	if err != nil {
		t.Fatalf("NewBuilder(Default().WellKnown()) = %v", err)
	}
	md := b.CredentialIssuerMetadata()
	if md.CredentialIssuer != "http://127.0.0.1:8080" {
		t.Errorf("credential_issuer = %q", md.CredentialIssuer)
	}
	if md.BatchCredentialIssuance == nil || md.BatchCredentialIssuance.BatchSize != 10 {
		t.Errorf("batch_credential_issuance = %+v", md.BatchCredentialIssuance)
	}
	if md.CredentialRequestEncryption == nil || md.CredentialResponseEncryption == nil ||
		len(md.CredentialRequestEncryption.JWKS.Keys) != 1 {
		t.Errorf("encryption metadata = %+v / %+v", md.CredentialRequestEncryption, md.CredentialResponseEncryption)
	}
	if got := md.Locales(); len(got) != 2 || got[0] != "en" || got[1] != "hi" {
		t.Errorf("Locales() = %v, want [en hi]", got)
	}
	if len(md.Display) != 2 || md.Display[0].Name != "Pramaan" || md.Display[1].Name != "प्रमाण" {
		t.Errorf("issuer display = %+v", md.Display)
	}
	tests := []struct {
		id, format, vct, doctype, alg string
		firstClaim                    string
		name, hindi                   string
		claims                        int
	}{
		{"aadhaar_sd_jwt", wellknown.FormatSDJWTVC, config.AadhaarVCT, "", "ES256", `["name"]`, "Aadhaar", "आधार", 14},
		{"aadhaar_mdoc", wellknown.FormatMDoc, "", config.AadhaarDoctype, "-7", `["in.gov.uidai.aadhaar.1","name"]`, "Aadhaar", "आधार", 14},
		{"education_sd_jwt", wellknown.FormatSDJWTVC, config.EducationVCT, "", "ES256", `["name"]`, "School education", "स्कूली शिक्षा", 15},
		{"face_enrollment_sd_jwt", wellknown.FormatSDJWTVC, config.FaceEnrollmentVCT, "", "ES256", `["name"]`, "Face enrollment", "चेहरा नामांकन", 5},
	}
	if len(md.CredentialConfigurations) != len(tests) {
		t.Errorf("%d configurations, want %d", len(md.CredentialConfigurations), len(tests))
	}
	for _, tt := range tests {
		t.Run("ok/"+tt.id, func(t *testing.T) {
			cc, ok := md.CredentialConfigurations[tt.id]
			if !ok {
				t.Fatalf("%s missing", tt.id)
			}
			if cc.Format != tt.format || cc.VCT != tt.vct || cc.Doctype != tt.doctype || cc.Scope != tt.id {
				t.Errorf("format/vct/doctype/scope = %q %q %q %q", cc.Format, cc.VCT, cc.Doctype, cc.Scope)
			}
			if len(cc.CredentialSigningAlgValuesSupported) != 1 || cc.CredentialSigningAlgValuesSupported[0].String() != tt.alg {
				t.Errorf("credential_signing_alg_values_supported = %v", cc.CredentialSigningAlgValuesSupported)
			}
			if algs := cc.ProofTypesSupported["jwt"].ProofSigningAlgValuesSupported; len(algs) != 1 || algs[0] != "ES256" {
				t.Errorf("jwt proof algs = %v", algs)
			}
			d := cc.CredentialMetadata.Display
			if len(d) != 2 || d[0].Locale != "en" || d[0].Name != tt.name || d[1].Locale != "hi" || d[1].Name != tt.hindi {
				t.Errorf("display = %+v", d)
			}
			claims := cc.CredentialMetadata.Claims
			if len(claims) != tt.claims || claims[0].Path.String() != tt.firstClaim || !claims[0].Mandatory {
				t.Fatalf("claims = %+v", claims)
			}
			for _, cl := range claims {
				if len(cl.Display) != 2 || cl.Display[0].Locale != "en" || cl.Display[1].Locale != "hi" {
					t.Errorf("claim %s display = %+v", cl.Path, cl.Display)
				}
			}
		})
	}
	hindi, langs := md.Localize("hi")
	if len(langs) != 1 || langs[0] != "hi" || hindi.CredentialConfigurations["aadhaar_mdoc"].CredentialMetadata.Claims[0].Display[0].Name != "नाम" {
		t.Errorf("Localize(hi) = %v, claim display %+v", langs, hindi.CredentialConfigurations["aadhaar_mdoc"].CredentialMetadata.Claims[0].Display)
	}
}

func TestWellKnownOutcomes(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *config.Config)
		keys   int
		check  func(t *testing.T, wk wellknown.Config, err error)
	}{
		{"fail/request encryption without a key", func(*config.Config) {}, 0, func(t *testing.T, _ wellknown.Config, err error) {
			if !errors.Is(err, config.ErrNoRequestEncryptionKey) {
				t.Errorf("err = %v, want ErrNoRequestEncryptionKey", err)
			}
		}},
		{"ok/encryption off needs no key", func(c *config.Config) { c.Encryption = config.Encryption{} }, 0, func(t *testing.T, wk wellknown.Config, err error) {
			if err != nil || wk.RequestEncryption != nil || wk.ResponseEncryption != nil {
				t.Fatalf("err = %v, request %v, response %v", err, wk.RequestEncryption, wk.ResponseEncryption)
			}
			if _, err := wellknown.NewBuilder(wk); err != nil {
				t.Error(err)
			}
		}},
		{"ok/batch size 1 publishes no batch issuance", func(c *config.Config) { c.Limits.BatchSize = 1 }, 1, func(t *testing.T, wk wellknown.Config, err error) {
			if err != nil || wk.BatchSize != 0 {
				t.Fatalf("err = %v, BatchSize = %d", err, wk.BatchSize)
			}
			b, err := wellknown.NewBuilder(wk)
			if err != nil || b.CredentialIssuerMetadata().BatchCredentialIssuance != nil {
				t.Errorf("NewBuilder = %v", err)
			}
		}},
		{"ok/https public url is not loopback-insecure", func(c *config.Config) { c.Server.PublicURL = "https://issuer.example.in" }, 1, func(t *testing.T, wk wellknown.Config, err error) {
			if err != nil || wk.AllowInsecureLoopback || wk.IssuerURL != "https://issuer.example.in" {
				t.Errorf("err = %v, %+v", err, wk)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Default()
			tt.change(c)
			var keys []wellknown.KeySpec
			for range tt.keys {
				keys = append(keys, requestEncryptionKey(t))
			}
			wk, err := c.WellKnown(keys...)
			tt.check(t, wk, err)
		})
	}
}
