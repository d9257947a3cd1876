package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/internal/config"
)

func TestDefaultValidates(t *testing.T) {
	if err := config.Default().Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
}

func TestDefaultIsFreshEachCall(t *testing.T) {
	a := config.Default()
	a.Languages[0] = "fr"
	a.CredentialConfigurations["aadhaar_mdoc"].Claims[0].Display["en"] = "changed"
	b := config.Default()
	if b.Languages[0] != "en" || b.CredentialConfigurations["aadhaar_mdoc"].Claims[0].Display["en"] != "Name" {
		t.Fatal("changing one Default() changed the next")
	}
}

func TestExampleFileIsTheDefault(t *testing.T) {
	cfg, err := config.Load(filepath.Join("testdata", "example.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("example.yaml does not validate: %v", err)
	}
	if want := config.Default(); !reflect.DeepEqual(cfg, want) {
		t.Errorf("example.yaml differs from Default():\n got %+v\nwant %+v", cfg, want)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pramaan.yaml")
	if err := os.WriteFile(file, []byte("server:\n  public_url: https://file.example.in\n  data_dir: /var/lib/from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	tests := []struct {
		name string
		path string
		env  map[string]string
		want config.Server
	}{
		{"ok/no file no env is the default", "", nil,
			config.Server{Addr: "127.0.0.1:8080", PublicURL: "http://127.0.0.1:8080", DataDir: "./pramaan-data"}},
		{"ok/file overlays default", file, nil,
			config.Server{Addr: "127.0.0.1:8080", PublicURL: "https://file.example.in", DataDir: "/var/lib/from-file"}},
		{"ok/environment overrides file", file, map[string]string{
			"PRAMAAN_DATABASE_URL": "postgres://pramaan@db.internal:5432/pramaan",
			"PRAMAAN_PUBLIC_URL":   "https://env.example.in",
			"PRAMAAN_ADDR":         "0.0.0.0:9000",
			"PRAMAAN_DATA_DIR":     "/data",
			"PRAMAAN_UNRELATED":    "x",
		}, config.Server{Addr: "0.0.0.0:9000", PublicURL: "https://env.example.in", DataDir: "/data", DatabaseURL: "postgres://pramaan@db.internal:5432/pramaan"}},
		{"ok/empty variable is applied", "", map[string]string{"PRAMAAN_DATABASE_URL": ""},
			config.Server{Addr: "127.0.0.1:8080", PublicURL: "http://127.0.0.1:8080", DataDir: "./pramaan-data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Load(tt.path, env(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Server != tt.want {
				t.Errorf("Server = %+v, want %+v", cfg.Server, tt.want)
			}
			if err := cfg.Validate(); err != nil {
				t.Errorf("Validate() = %v", err)
			}
		})
	}
}

func TestLoadFailures(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("# "+strings.Repeat("x", config.MaxDocumentSize)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		is         error
		contains   string
	}{
		{"fail/missing file", filepath.Join(dir, "absent.yaml"), os.ErrNotExist, "absent.yaml"},
		{"fail/over the size limit", big, config.ErrSyntax, "over the limit of 1048576"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load(tt.path, nil)
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.contains) {
				t.Fatalf("Load() = %v, want %v containing %q", err, tt.is, tt.contains)
			}
		})
	}
}

func TestParseOverlay(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		check func(t *testing.T, c *config.Config)
	}{
		{"ok/empty document is the default", "# nothing\n", func(t *testing.T, c *config.Config) {
			if !reflect.DeepEqual(c, config.Default()) {
				t.Error("not the default")
			}
		}},
		{"ok/limits overlay keeps the other limits", "limits:\n  batch_size: 1\n  offer_ttl: 90s\n", func(t *testing.T, c *config.Config) {
			if c.Limits.BatchSize != 1 || c.Limits.OfferTTL != 90*time.Second || c.Limits.CNonceTTL != 5*time.Minute {
				t.Errorf("Limits = %+v", c.Limits)
			}
		}},
		{"ok/credential_configurations replace the default whole", `credential_configurations:
  pan_sd_jwt:
    format: dc+sd-jwt
    vct: urn:pramaan:pan:1
    signing_alg: ES256
    binding: jwk
    proof_types: {jwt: {signing_algs: [ES256]}}
    validity: 720h
    deferred: true
    display: {en: {name: PAN}, hi: {name: पैन}}
    claims:
      - {path: [pan], source: pan, display: {en: PAN, hi: पैन}}
`, func(t *testing.T, c *config.Config) {
			if len(c.CredentialConfigurations) != 1 || !c.CredentialConfigurations["pan_sd_jwt"].Deferred {
				t.Errorf("CredentialConfigurations = %+v", c.CredentialConfigurations)
			}
			if err := c.Validate(); err != nil {
				t.Error(err)
			}
		}},
		{"ok/issuer display replaced whole with languages", "languages: [en]\nissuer:\n  display: {en: Pramaan Dev}\ncredential_configurations:\n  x:\n    format: mso_mdoc\n    doctype: d\n    namespace: ns\n    cose_alg: -9\n    binding: cose_key\n    proof_types: {jwt: {signing_algs: [ES256]}}\n    validity: 24h\n    display: {en: {name: X}}\n    claims: [{path: [ns, a], source: a, display: {en: A}}]\n", func(t *testing.T, c *config.Config) {
			if !reflect.DeepEqual(c.Issuer.Display, map[string]string{"en": "Pramaan Dev"}) {
				t.Errorf("Issuer.Display = %v", c.Issuer.Display)
			}
			if err := c.Validate(); err != nil {
				t.Error(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Parse([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestParseFailures(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"fail/unknown key names its line", "server:\n  addr: 127.0.0.1:1\n  public_ur1: https://x.example\n",
			"config: cannot parse: yaml: unmarshal errors:\n  line 3: field public_ur1 not found in type config.Server"},
		{"fail/bad duration", "limits:\n  c_nonce_ttl: 5 minutes\n",
			"config: cannot parse: yaml: unmarshal errors:\n  line 2: cannot unmarshal !!str `5 minutes` into time.Duration"},
		{"fail/duplicate configuration id", "credential_configurations:\n  a: {format: dc+sd-jwt}\n  a: {format: mso_mdoc}\n",
			`config: cannot parse: yaml: unmarshal errors:
  line 3: mapping key "a" already defined at line 2`},
		{"fail/not a mapping", "- a\n", "config: cannot parse: line 1: the document must be a mapping"},
		{"fail/two documents", "languages: [en]\n---\nlanguages: [hi]\n", "config: cannot parse: more than one YAML document"},
		{"fail/bad syntax", "server: [\n", "config: cannot parse: yaml: line 1: did not find expected node content"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse([]byte(tt.yaml))
			if !errors.Is(err, config.ErrSyntax) {
				t.Fatalf("Parse() = %v, want ErrSyntax", err)
			}
			if err.Error() != tt.want {
				t.Errorf("Parse() error\n got %q\nwant %q", err.Error(), tt.want)
			}
		})
	}
}
