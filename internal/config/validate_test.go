package config_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/internal/config"
)

// update applies change to the configuration id of c.
func update(c *config.Config, id string, change func(*config.CredentialConfiguration)) {
	cc := c.CredentialConfigurations[id]
	change(&cc)
	c.CredentialConfigurations[id] = cc
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *config.Config)
		want   []string // every FieldError message, in order
	}{
		{"ok/https public url", func(c *config.Config) { c.Server.PublicURL = "https://issuer.example.in/pramaan" }, nil},
		{"ok/http on localhost", func(c *config.Config) { c.Server.PublicURL = "http://localhost:8080" }, nil},
		{"ok/postgres database url", func(c *config.Config) {
			c.Server.DatabaseURL = "postgres://pramaan:secret@db.internal:5432/pramaan?sslmode=verify-full"
		}, nil},
		{"ok/batch size 1", func(c *config.Config) { c.Limits.BatchSize = 1 }, nil},
		{"ok/digilocker live", func(c *config.Config) {
			c.DigiLocker = config.DigiLocker{Mode: "live", BaseURL: "https://digilocker.meripehchaan.gov.in/public", ClientID: "id", ClientSecret: "s",
				AuthStyle: "form", SessionTTL: time.Hour, RefreshBefore: 5 * time.Minute, Timeout: 10 * time.Second, Offer: []string{"aadhaar_sd_jwt"}}
		}, nil},
		{"ok/digilocker off ignores an unknown offer", func(c *config.Config) {
			c.DigiLocker.Mode = "off"
			c.DigiLocker.Offer = []string{"gone"}
		}, nil},
		{"fail/digilocker live without registration, over http", func(c *config.Config) {
			c.DigiLocker.Mode = "live"
			c.DigiLocker.BaseURL = "http://digilocker.example.in/public"
		}, []string{
			`config: digilocker.base_url: "http://digilocker.example.in/public" must use https (http only on a loopback host, for development)`,
			`config: digilocker.client_id: and client_secret (or $PRAMAAN_DIGILOCKER_CLIENT_SECRET) are required in live mode`,
		}},
		{"fail/digilocker bad values", func(c *config.Config) {
			c.DigiLocker.Mode = "on"
			c.DigiLocker.AuthStyle = "header"
			c.DigiLocker.SessionTTL = time.Second
			c.DigiLocker.RefreshBefore = time.Hour
			c.DigiLocker.Timeout = 0
			c.DigiLocker.DocTypes = []string{"HSC"}
			c.DigiLocker.Offer = []string{"unknown_cred"}
		}, []string{
			`config: digilocker.mode: "on" is not sandbox, live or off`,
			`config: digilocker.auth_style: "header" is not form or basic`,
			`config: digilocker.session_ttl: must be 1m to 24h`,
			`config: digilocker.refresh_before: must be 0 to 30m`,
			`config: digilocker.timeout: must be 1s to 60s`,
			`config: digilocker.doctypes: "HSC" is not a 5-character doctype`,
			`config: digilocker.offer: "unknown_cred" is not a credential configuration`,
		}},
		{"ok/ekyc live with pinned certificates", func(c *config.Config) {
			c.EKYC = config.EKYC{Mode: "live", Pinned: []string{"uidai_offline_publickey_17022026.cer"}, MaxAge: 24 * time.Hour,
				QRMaxAge: 5 * 365 * 24 * time.Hour, MaxZipBytes: 512 << 10, EmailRule: "plain", Offer: []string{"aadhaar_sd_jwt"}}
		}, nil},
		{"fail/ekyc live without pins", func(c *config.Config) { c.EKYC.Mode = "live" }, []string{
			`config: ekyc.pinned: at least one certificate file is required in live mode`,
		}},
		{"fail/ekyc bad values", func(c *config.Config) {
			c.EKYC = config.EKYC{Mode: "on", Pinned: []string{""}, MaxAge: 31 * 24 * time.Hour, QRMaxAge: 0, MaxZipBytes: 9 << 20,
				EmailRule: "sha1", Offer: []string{"unknown_cred", ""}}
		}, []string{
			`config: ekyc.mode: "on" is not sandbox, live or off`,
			`config: ekyc.max_age: must be 1m to 720h`,
			`config: ekyc.qr_max_age: must be 1m to 20 years`,
			`config: ekyc.max_zip_bytes: must be 4096 to 8388608`,
			`config: ekyc.email_rule: "sha1" is not salted_or_plain, salted or plain`,
			`config: ekyc.pinned: has an empty path`,
			`config: ekyc.offer: "unknown_cred" is not a credential configuration`,
			`config: ekyc.offer: "" is not a credential configuration`,
			`config: ekyc.offer: has an empty id`,
		}},
		{"ok/batch size 100", func(c *config.Config) { c.Limits.BatchSize = 100 }, nil},
		{"ok/encryption off", func(c *config.Config) { c.Encryption = config.Encryption{} }, nil},
		{"ok/android proofs only", func(c *config.Config) {
			update(c, "aadhaar_mdoc", func(cc *config.CredentialConfiguration) {
				cc.ProofTypes = config.ProofTypes{AndroidKeystoreAttestation: &config.AndroidProofType{}}
			})
		}, nil},
		{"fail/attestation proofs without wallet providers", func(c *config.Config) {
			update(c, "aadhaar_mdoc", func(cc *config.CredentialConfiguration) {
				cc.ProofTypes.Attestation = &config.JWTProofType{SigningAlgs: []string{"ES256"}}
			})
		}, []string{`config: key_attestation.wallet_providers: is empty, but credential_configurations.aadhaar_mdoc accepts key attestation JWTs`}},
		{"fail/unknown key storage level", func(c *config.Config) {
			c.KeyAttestation.WalletProviders = []string{"p.pem"}
			update(c, "aadhaar_mdoc", func(cc *config.CredentialConfiguration) {
				cc.KeyAttestationsRequired = &config.KeyAttestationsRequired{KeyStorage: []string{"iso_18045_extreme"}}
			})
		}, []string{`config: credential_configurations.aadhaar_mdoc.key_attestations_required.key_storage[0]: "iso_18045_extreme" is not supported (supported: iso_18045_high, iso_18045_moderate, iso_18045_enhanced-basic, iso_18045_basic)`}},
		{"fail/no proof type", func(c *config.Config) {
			update(c, "aadhaar_mdoc", func(cc *config.CredentialConfiguration) { cc.ProofTypes = config.ProofTypes{} })
		}, []string{`config: credential_configurations.aadhaar_mdoc.proof_types: lists no proof type (jwt, attestation and android_keystore_attestation are supported)`}},
		{"fail/http on a public host", func(c *config.Config) { c.Server.PublicURL = "http://issuer.example.in" },
			[]string{`config: server.public_url: "http://issuer.example.in" must use https (http only on a loopback host, for development)`}},
		{"fail/public url with query", func(c *config.Config) { c.Server.PublicURL = "https://issuer.example.in?x=1" },
			[]string{`config: server.public_url: "https://issuer.example.in?x=1" must not have a query or fragment (OpenID4VCI 1.0 Section 12.2.1)`}},
		{"fail/public url with fragment", func(c *config.Config) { c.Server.PublicURL = "https://issuer.example.in#f" },
			[]string{`config: server.public_url: "https://issuer.example.in#f" must not have a query or fragment (OpenID4VCI 1.0 Section 12.2.1)`}},
		{"fail/public url trailing slash", func(c *config.Config) { c.Server.PublicURL = "https://issuer.example.in/" },
			[]string{`config: server.public_url: "https://issuer.example.in/" must not end with a slash`}},
		{"fail/database url not postgres, password not echoed", func(c *config.Config) { c.Server.DatabaseURL = "mysql://u:hunter2@db/x" },
			[]string{`config: server.database_url: must be empty (SQLite in data_dir) or a postgres:// URL`}},
		{"fail/addr without port", func(c *config.Config) { c.Server.Addr = "127.0.0.1" },
			[]string{`config: server.addr: "127.0.0.1" is not host:port`}},
		{"fail/batch size 0", func(c *config.Config) { c.Limits.BatchSize = 0 },
			[]string{`config: limits.batch_size: 0 is outside 1..100`}},
		{"fail/batch size 101", func(c *config.Config) { c.Limits.BatchSize = 101 },
			[]string{`config: limits.batch_size: 101 is outside 1..100`}},
		{"fail/negative duration", func(c *config.Config) { c.Limits.CNonceTTL = -time.Second },
			[]string{`config: limits.c_nonce_ttl: must be positive, got -1s`}},
		{"fail/zero duration", func(c *config.Config) { c.Limits.AccessTokenTTL = 0 },
			[]string{`config: limits.access_token_ttl: must be positive, got 0s`}},
		{"fail/duration over bound", func(c *config.Config) { c.Limits.IdempotencyWindow = 2 * time.Hour },
			[]string{`config: limits.idempotency_window: 2h0m0s is outside 1s..1h0m0s`}},
		{"fail/offer outlives code", func(c *config.Config) { c.Limits.OfferTTL = time.Hour },
			[]string{`config: limits.offer_ttl: 1h0m0s outlives pre_authorized_code_ttl 10m0s`}},
		{"fail/tx_code attempts 0", func(c *config.Config) { c.Limits.TxCodeMaxAttempts = 0 },
			[]string{`config: limits.tx_code_max_attempts: 0 is outside 1..10`}},
		{"fail/language not BCP 47", func(c *config.Config) { c.Languages = []string{"en", "hi", "hi_IN"} },
			[]string{`config: languages[2]: "hi_IN" is not a BCP 47 language tag`}},
		{"fail/language twice", func(c *config.Config) { c.Languages = []string{"en", "hi", "HI"} },
			[]string{`config: languages[2]: "HI" is listed twice`}},
		{"fail/issuer display missing a language", func(c *config.Config) { delete(c.Issuer.Display, "hi") },
			[]string{`config: issuer.display: has no entry for language "hi"`}},
		{"fail/mdoc path without namespace", func(c *config.Config) {
			update(c, "aadhaar_mdoc", func(cc *config.CredentialConfiguration) { cc.Claims[2].Path = []any{"gender"} })
		}, []string{`config: credential_configurations.aadhaar_mdoc.claims[2].path: must start with the namespace "in.gov.uidai.aadhaar.1" (OpenID4VCI 1.0 Appendix A.2.4)`}},
		{"fail/empty claims", func(c *config.Config) {
			update(c, "aadhaar_sd_jwt", func(cc *config.CredentialConfiguration) { cc.Claims = nil })
		}, []string{`config: credential_configurations.aadhaar_sd_jwt.claims: lists no claim`}},
		{"fail/duplicate claim path", func(c *config.Config) {
			update(c, "aadhaar_sd_jwt", func(cc *config.CredentialConfiguration) { cc.Claims[1].Path = []any{"name"} })
		}, []string{`config: credential_configurations.aadhaar_sd_jwt.claims[1].path: repeats claims[0]`}},
		{"fail/reserved sd-jwt claim", func(c *config.Config) {
			update(c, "aadhaar_sd_jwt", func(cc *config.CredentialConfiguration) { cc.Claims[0].Path = []any{"cnf"} })
		}, []string{`config: credential_configurations.aadhaar_sd_jwt.claims[0].path: claim "cnf" is reserved by SD-JWT VC`}},
		{"fail/path with float", func(c *config.Config) {
			update(c, "aadhaar_sd_jwt", func(cc *config.CredentialConfiguration) { cc.Claims[0].Path = []any{"name", 1.5} })
		}, []string{`config: credential_configurations.aadhaar_sd_jwt.claims[0].path: component 1 is a float64, not a string, a non-negative integer or null`}},
		{"fail/unknown format", func(c *config.Config) {
			update(c, "aadhaar_sd_jwt", func(cc *config.CredentialConfiguration) { cc.Format = "jwt_vc_json" })
		}, []string{`config: credential_configurations.aadhaar_sd_jwt.format: "jwt_vc_json" is not a supported format (dc+sd-jwt, mso_mdoc)`}},
		{"fail/wrong binding for mdoc", func(c *config.Config) {
			update(c, "aadhaar_mdoc", func(cc *config.CredentialConfiguration) { cc.Binding = "jwk" })
		}, []string{`config: credential_configurations.aadhaar_mdoc.binding: must be "cose_key" for mso_mdoc (deviceKey)`}},
		{"fail/selectively disclosable on mdoc", func(c *config.Config) {
			update(c, "aadhaar_mdoc", func(cc *config.CredentialConfiguration) { cc.Claims[0].SelectivelyDisclosable = true })
		}, []string{`config: credential_configurations.aadhaar_mdoc.claims[0].selectively_disclosable: applies to dc+sd-jwt only (every mdoc element is disclosed on its own)`}},
		{"fail/claim without source", func(c *config.Config) {
			update(c, "aadhaar_sd_jwt", func(cc *config.CredentialConfiguration) { cc.Claims[3].Source = "" })
		}, []string{`config: credential_configurations.aadhaar_sd_jwt.claims[3].source: "" is not a record claim name (lower-case words, dotted for members)`}},
		{"fail/claim display missing hindi", func(c *config.Config) {
			update(c, "aadhaar_sd_jwt", func(cc *config.CredentialConfiguration) { delete(cc.Claims[4].Display, "hi") })
		}, []string{`config: credential_configurations.aadhaar_sd_jwt.claims[4].display: has no entry for language "hi"`}},
		{"fail/validity zero", func(c *config.Config) {
			update(c, "aadhaar_mdoc", func(cc *config.CredentialConfiguration) { cc.Validity = 0 })
		}, []string{`config: credential_configurations.aadhaar_mdoc.validity: must be positive, got 0s`}},
		{"fail/proof alg none", func(c *config.Config) {
			update(c, "aadhaar_sd_jwt", func(cc *config.CredentialConfiguration) { cc.ProofTypes.JWT.SigningAlgs = []string{"none"} })
		}, []string{`config: credential_configurations.aadhaar_sd_jwt.proof_types.jwt.signing_algs[0]: "none" is not supported (supported: ES256, ES384, ES512, EdDSA)`}},
		{"fail/duplicate scope", func(c *config.Config) {
			update(c, "aadhaar_sd_jwt", func(cc *config.CredentialConfiguration) { cc.Scope = "aadhaar_mdoc" })
		}, []string{`config: credential_configurations.aadhaar_sd_jwt.scope: "aadhaar_mdoc" is also the scope of aadhaar_mdoc`}},
		{"fail/no configurations", func(c *config.Config) { c.CredentialConfigurations = nil },
			[]string{`config: credential_configurations: defines no credential configuration`}},
		{"fail/response encryption without request encryption", func(c *config.Config) { c.Encryption.Request.Enabled = false },
			[]string{`config: encryption.response.enabled: needs encryption.request.enabled (OpenID4VCI 1.0 Section 8.2)`}},
		{"fail/unsupported enc", func(c *config.Config) { c.Encryption.Response.Enc = []string{"A256GCM", "A128CBC-HS256"} },
			[]string{`config: encryption.response.enc[1]: "A128CBC-HS256" is not supported (supported: A128GCM, A256GCM)`}},
		{"fail/two problems at once reported together", func(c *config.Config) {
			c.Limits.BatchSize = 0
			update(c, "aadhaar_mdoc", func(cc *config.CredentialConfiguration) { cc.Claims[2].Path = []any{"gender"} })
		}, []string{
			`config: limits.batch_size: 0 is outside 1..100`,
			`config: credential_configurations.aadhaar_mdoc.claims[2].path: must start with the namespace "in.gov.uidai.aadhaar.1" (OpenID4VCI 1.0 Appendix A.2.4)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Default()
			tt.change(c)
			err := c.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, config.ErrInvalid) {
				t.Fatalf("Validate() = %v, want ErrInvalid", err)
			}
			if got := err.Error(); got != strings.Join(tt.want, "\n") {
				t.Errorf("Validate() error\n got %s\nwant %s", got, strings.Join(tt.want, "\n"))
			}
			var fe *config.FieldError
			if !errors.As(err, &fe) || !strings.HasPrefix(tt.want[0], "config: "+fe.Path+": ") {
				t.Errorf("errors.As FieldError = %+v", fe)
			}
		})
	}
}

func TestValidateFromYAMLNamesPath(t *testing.T) {
	c, err := config.Parse([]byte("limits:\n  batch_size: 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	var fe *config.FieldError
	if err := c.Validate(); !errors.As(err, &fe) || fe.Path != "limits.batch_size" {
		t.Fatalf("Validate() = %v, want a FieldError at limits.batch_size", err)
	}
}
