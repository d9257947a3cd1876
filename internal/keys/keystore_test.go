package keys_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/mdoc"
)

func TestOpenCreatesEveryFileWithItsMode(t *testing.T) {
	ks, dir := newStore(t)
	st, err := os.Stat(dir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("directory mode = %v, %v; want 0700", st.Mode().Perm(), err)
	}
	want := map[string]os.FileMode{
		keys.FileCredentialKey: 0o600, keys.FileCredentialCert: 0o644,
		keys.FileIACAKey: 0o600, keys.FileIACACert: 0o644,
		keys.FileDSKey: 0o600, keys.FileDSCert: 0o644,
		keys.FileRequestKey: 0o600, keys.FileDataKey: 0o600, keys.FileAdminToken: 0o600,
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		t.Fatalf("directory holds %d entries, want %d (no temporary files)", len(entries), len(want))
	}
	for name, mode := range want {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if st.Mode().Perm() != mode {
			t.Errorf("%s mode = %04o, want %04o", name, st.Mode().Perm(), mode)
		}
	}
	tok, err := os.ReadFile(filepath.Join(dir, keys.FileAdminToken))
	if err != nil || string(tok) != ks.AdminToken().Value()+"\n" {
		t.Fatalf("admin-token file does not hold the token")
	}
	if ks.AdminToken().Source() != keys.SourceFile || ks.AdminToken().Path() != filepath.Join(dir, keys.FileAdminToken) {
		t.Fatalf("admin token source %q path %q", ks.AdminToken().Source(), ks.AdminToken().Path())
	}
	cred := ks.CredentialSigner()
	if cred.Algorithm() != "ES256" || len(cred.Chain()) != 1 {
		t.Fatalf("credential signer alg %s chain %d", cred.Algorithm(), len(cred.Chain()))
	}
	leaf := cred.Chain()[0]
	if leaf.URIs[0].String() != "https://issuer.example.in" || leaf.DNSNames[0] != "issuer.example.in" || leaf.IsCA {
		t.Fatalf("credential certificate names %v %v, CA %v", leaf.URIs, leaf.DNSNames, leaf.IsCA)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ks.IACA())
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: t0.Add(time.Hour),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}, DNSName: "issuer.example.in"}); err != nil {
		t.Fatalf("credential certificate does not verify under the IACA: %v", err)
	}
}

func TestOpenTwiceLoadsTheSameMaterial(t *testing.T) {
	ks1, dir := newStore(t)
	ks2, warns, err := keys.Open(dir, keys.Options{Now: clock(t0.Add(24 * time.Hour)), IssuerURL: "https://issuer.example.in"})
	if err != nil || len(warns) != 0 {
		t.Fatalf("second Open: %v, warnings %v", err, warns)
	}
	if ks1.CredentialSigner().KeyID() != ks2.CredentialSigner().KeyID() ||
		ks1.DocumentSigner().KeyID() != ks2.DocumentSigner().KeyID() ||
		ks1.RequestDecrypter().KeyID() != ks2.RequestDecrypter().KeyID() {
		t.Fatal("key IDs differ after reload")
	}
	if !bytes.Equal(ks1.IACA().Raw, ks2.IACA().Raw) || !bytes.Equal(ks1.DocumentSigner().X5C()[0], ks2.DocumentSigner().X5C()[0]) ||
		!bytes.Equal(ks1.CredentialSigner().X5C()[0], ks2.CredentialSigner().X5C()[0]) {
		t.Fatal("certificates differ after reload")
	}
	if !ks2.AdminToken().Check(ks1.AdminToken().Value()) {
		t.Fatal("admin token differs after reload")
	}
	aad := []byte("citizens/42/name")
	sealed, err := ks1.DataKey().Seal([]byte("Asha"), aad)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := ks2.DataKey().Open(sealed, aad); err != nil || string(pt) != "Asha" {
		t.Fatalf("reloaded data key Open = %q, %v", pt, err)
	}
	// The kid is the RFC 7638 thumbprint of the published JWK.
	jwks := ks2.JWKS()
	for _, j := range jwks.Keys {
		if tp := j.Thumbprint(); tp != j.Kid {
			t.Fatalf("kid %q is not the thumbprint %q", j.Kid, tp)
		}
	}
	if jwks.Keys[0].Use != "sig" || jwks.Keys[0].Alg != "ES256" || len(jwks.Keys[0].X5c) != 1 ||
		jwks.Keys[1].Use != "enc" || jwks.Keys[1].Alg != "ECDH-ES" || jwks.Keys[1].X5c != nil {
		t.Fatalf("JWKS = %+v", jwks)
	}
}

func TestAdminTokenFromEnvironment(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	const tok = "env-token-0123456789abcdefghijklmnopqrstuvwxyz"
	ks, _, err := keys.Open(dir, keys.Options{Now: clock(t0), LookupEnv: env(map[string]string{keys.AdminTokenEnv: tok})})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, keys.FileAdminToken)); !os.IsNotExist(err) {
		t.Fatalf("admin-token written although the environment sets it: %v", err)
	}
	at := ks.AdminToken()
	if !at.Check(tok) || at.Check(tok+"x") || at.Check("") || at.Check(tok[:len(tok)-1]) {
		t.Fatal("Check does not accept exactly the environment token")
	}
	if at.Source() != keys.SourceEnvironment || at.Path() != "" {
		t.Fatalf("source %q path %q", at.Source(), at.Path())
	}
	// An environment token wins over an existing file.
	dir2 := filepath.Join(t.TempDir(), "d2")
	ks1, _, err := keys.Open(dir2, keys.Options{Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	ks2, _, err := keys.Open(dir2, keys.Options{Now: clock(t0), LookupEnv: env(map[string]string{keys.AdminTokenEnv: tok})})
	if err != nil {
		t.Fatal(err)
	}
	if !ks2.AdminToken().Check(tok) || ks2.AdminToken().Check(ks1.AdminToken().Value()) {
		t.Fatal("the environment token does not win over the file")
	}
}

// otherPair makes a DS certificate and key under a different IACA.
func otherPair(t *testing.T) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	iaca, iacaKey, err := mdoc.NewIACA(mdoc.CertOptions{CommonName: "Other IACA", NotBefore: t0})
	if err != nil {
		t.Fatal(err)
	}
	ds, dsKey, err := mdoc.NewDocumentSigner(iaca, iacaKey, mdoc.CertOptions{CommonName: "Other DS", NotBefore: t0})
	if err != nil {
		t.Fatal(err)
	}
	return ds, dsKey
}

func pemKey(t *testing.T, k *ecdsa.PrivateKey) []byte {
	t.Helper()
	b, err := mdoc.EncodePrivateKeyPEM(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpenRefuses(t *testing.T) {
	tests := []struct {
		name     string
		breakIt  func(t *testing.T, dir string)
		opts     keys.Options
		sentinel error
		file     string
		wantErr  string // exact message; "<dir>" stands for the directory
	}{
		{
			name: "fail/world-readable private key",
			breakIt: func(t *testing.T, dir string) {
				if err := os.Chmod(filepath.Join(dir, keys.FileDSKey), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			sentinel: keys.ErrPermissions, file: keys.FileDSKey,
			wantErr: "<dir>/ds-key.pem: keys: insecure file permissions: mode 0644 gives group or others access to a private key file; it must be 0600 (fix: run: chmod 600 <dir>/ds-key.pem)",
		},
		{
			name: "fail/group-readable admin token",
			breakIt: func(t *testing.T, dir string) {
				if err := os.Chmod(filepath.Join(dir, keys.FileAdminToken), 0o640); err != nil {
					t.Fatal(err)
				}
			},
			sentinel: keys.ErrPermissions, file: keys.FileAdminToken,
		},
		{
			name: "fail/tampered credential key",
			breakIt: func(t *testing.T, dir string) {
				writeTestFile(t, filepath.Join(dir, keys.FileCredentialKey), []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), 0o600)
			},
			sentinel: keys.ErrMalformed, file: keys.FileCredentialKey,
		},
		{
			name: "fail/tampered IACA certificate",
			breakIt: func(t *testing.T, dir string) {
				p := filepath.Join(dir, keys.FileIACACert)
				b, _ := os.ReadFile(p)
				writeTestFile(t, p, bytes.Replace(b, []byte("CERTIFICATE"), []byte("CERTIFICATX"), 1), 0o644)
			},
			sentinel: keys.ErrMalformed, file: keys.FileIACACert,
		},
		{
			name: "fail/DS certificate does not match its key",
			breakIt: func(t *testing.T, dir string) {
				k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
				writeTestFile(t, filepath.Join(dir, keys.FileDSKey), pemKey(t, k), 0o600)
			},
			sentinel: keys.ErrKeyMismatch, file: keys.FileDSCert,
			wantErr: "<dir>/ds.pem: keys: certificate does not match its key: the certificate's public key is not the key in <dir>/ds-key.pem (fix: restore the matching pair from backup, or remove <dir>/ds.pem and <dir>/ds-key.pem to create new ones)",
		},
		{
			name: "fail/DS pair from another IACA",
			breakIt: func(t *testing.T, dir string) {
				c, k := otherPair(t)
				writeTestFile(t, filepath.Join(dir, keys.FileDSKey), pemKey(t, k), 0o600)
				writeTestFile(t, filepath.Join(dir, keys.FileDSCert), mdoc.EncodeCertificatePEM(c), 0o644)
			},
			sentinel: keys.ErrChain, file: keys.FileDSCert,
		},
		{
			name: "fail/credential key on P-384",
			breakIt: func(t *testing.T, dir string) {
				k, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
				writeTestFile(t, filepath.Join(dir, keys.FileCredentialKey), pemKey(t, k), 0o600)
			},
			sentinel: keys.ErrMalformed, file: keys.FileCredentialKey,
			wantErr: "<dir>/credential-key.pem: keys: malformed file: key on curve P-384, want P-256 (fix: restore it from backup)",
		},
		{
			name: "fail/DS certificate missing",
			breakIt: func(t *testing.T, dir string) {
				_ = os.Remove(filepath.Join(dir, keys.FileDSCert))
			},
			sentinel: keys.ErrIncomplete, file: keys.FileDSKey,
			wantErr: "<dir>/ds-key.pem: keys: incomplete key material: <dir>/ds.pem is missing (fix: restore <dir>/ds.pem from backup, or remove <dir>/ds-key.pem to create a new pair)",
		},
		{
			name: "fail/IACA missing while its certificates remain",
			breakIt: func(t *testing.T, dir string) {
				_ = os.Remove(filepath.Join(dir, keys.FileIACACert))
				_ = os.Remove(filepath.Join(dir, keys.FileIACAKey))
			},
			sentinel: keys.ErrIncomplete, file: keys.FileDSCert,
		},
		{
			name: "fail/data key of the wrong length",
			breakIt: func(t *testing.T, dir string) {
				writeTestFile(t, filepath.Join(dir, keys.FileDataKey), []byte("AAAA\n"), 0o600)
			},
			sentinel: keys.ErrMalformed, file: keys.FileDataKey,
			wantErr: "<dir>/data-key: keys: malformed file: decodes to 3 bytes, want 32 (fix: restore it from backup: without it, encrypted personal data cannot be read)",
		},
		{
			name: "fail/admin token file too short",
			breakIt: func(t *testing.T, dir string) {
				writeTestFile(t, filepath.Join(dir, keys.FileAdminToken), []byte("short\n"), 0o600)
			},
			sentinel: keys.ErrAdminToken, file: keys.FileAdminToken,
		},
		{
			name:     "fail/weak admin token in the environment",
			breakIt:  func(*testing.T, string) {},
			opts:     keys.Options{LookupEnv: env(map[string]string{keys.AdminTokenEnv: "secret"})},
			sentinel: keys.ErrAdminToken,
			wantErr:  "$PRAMAAN_ADMIN_TOKEN: keys: invalid admin token: 6 characters, want 32 to 512 (fix: set it to at least 32 characters of A-Z a-z 0-9 - . _ ~ + /, or unset it to use admin-token)",
		},
		{
			name:     "fail/document signer expired",
			breakIt:  func(*testing.T, string) {},
			opts:     keys.Options{Now: clock(t0.Add(366 * 24 * time.Hour))},
			sentinel: keys.ErrValidity, file: keys.FileDSCert,
			wantErr: "<dir>/ds.pem: keys: certificate outside its validity period: expired at 2027-03-01T10:00:00Z (now 2027-03-02T10:00:00Z) (fix: remove <dir>/ds.pem and <dir>/ds-key.pem to create a new document signer)",
		},
		{
			name:     "fail/clock before the certificates",
			breakIt:  func(*testing.T, string) {},
			opts:     keys.Options{Now: clock(t0.Add(-time.Hour))},
			sentinel: keys.ErrValidity, file: keys.FileIACACert,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, dir := newStore(t)
			tc.breakIt(t, dir)
			opts := tc.opts
			if opts.Now == nil {
				opts.Now = clock(t0)
			}
			ks, _, err := keys.Open(dir, opts)
			if err == nil {
				t.Fatalf("Open succeeded: %v", ks)
			}
			path := "$" + keys.AdminTokenEnv
			if tc.file != "" {
				path = filepath.Join(dir, tc.file)
			}
			mustFileError(t, err, tc.sentinel, path)
			if tc.wantErr != "" {
				if want := strings.ReplaceAll(tc.wantErr, "<dir>", dir); err.Error() != want {
					t.Fatalf("error:\n got %s\nwant %s", err, want)
				}
			}
		})
	}
}

func TestRotationWarnings(t *testing.T) {
	_, dir := newStore(t)
	at := t0.Add(340 * 24 * time.Hour) // 25 days before the DS and credential certificates expire
	_, warns, err := keys.Open(dir, keys.Options{Now: clock(at), IssuerURL: "https://other.example.in"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range warns {
		got = append(got, string(w.Kind)+" "+filepath.Base(w.File))
	}
	want := []string{"certificate-expiring ds.pem", "certificate-expiring credential.pem", "issuer-name-mismatch credential.pem"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("warnings = %q, want %q", got, want)
	}
	if !warns[0].NotAfter.Equal(t0.Add(365 * 24 * time.Hour)) {
		t.Fatalf("DS NotAfter = %s", warns[0].NotAfter)
	}
	// A custom window of 10 days reports nothing 25 days ahead.
	ks, warns, err := keys.Open(dir, keys.Options{Now: clock(at), RotationWindow: 10 * 24 * time.Hour})
	if err != nil || len(warns) != 0 {
		t.Fatalf("warnings with a 10-day window: %v, %v", warns, err)
	}
	// The IACA window (180 days by default) is reached 10 years minus 179 days on.
	iacaWarn := ks.Warnings(ks.IACA().NotAfter.Add(-179 * 24 * time.Hour))
	if len(iacaWarn) == 0 || iacaWarn[0].Kind != keys.WarnExpiring || filepath.Base(iacaWarn[0].File) != keys.FileIACACert {
		t.Fatalf("IACA warnings = %v", iacaWarn)
	}
}

func TestOpenOptions(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		opts keys.Options
		dir  string
		want string
	}{
		{"fail/negative window", keys.Options{RotationWindow: -1}, dir, "keys: invalid options: RotationWindow is negative"},
		{"fail/issuer URL with query", keys.Options{IssuerURL: "https://x.example/?a=1"}, dir, `keys: invalid options: IssuerURL "https://x.example/?a=1" is not an http(s) URL without query or fragment`},
		{"fail/empty directory", keys.Options{}, "", "keys: invalid options: empty directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := keys.Open(tc.dir, tc.opts)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
		})
	}
}

// An mdoc issued with DocumentSigner verifies against IACA.
func TestDocumentSignerIssuesVerifiableMdoc(t *testing.T) {
	ks, _ := newStore(t)
	device, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := t0.Add(time.Hour)
	is := mdoc.Issuer{Signer: ks.DocumentSigner(), Chain: ks.DocumentSigner().Chain(), Now: clock(now)}
	data, err := is.Issue(mdoc.Request{
		DocType:    "in.gov.uidai.aadhaar.1",
		Elements:   []mdoc.Element{{Namespace: "in.gov.uidai.aadhaar.1", Identifier: "name", Value: "Asha Devi"}},
		DeviceKey:  &device.PublicKey,
		ValidUntil: now.Add(30 * 24 * time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	v := mdoc.Verifier{Roots: []*x509.Certificate{ks.IACA()}, At: now.Add(time.Minute)}
	doc, err := v.VerifyIssuerSigned(data)
	if err != nil {
		t.Fatalf("VerifyIssuerSigned: %v", err)
	}
	if doc.Claims()["in.gov.uidai.aadhaar.1"]["name"] != "Asha Devi" {
		t.Fatalf("claims = %v", doc.Claims())
	}
	// Another keystore's IACA does not trust it.
	other, _ := newStore(t)
	v.Roots = []*x509.Certificate{other.IACA()}
	if _, err := v.VerifyIssuerSigned(data); err == nil {
		t.Fatal("verified against a foreign IACA")
	}
}
