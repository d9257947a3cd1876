package keys_test

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/mdoc"
)

// Neither fmt nor slog output of any secret-holding value contains key
// bytes, in any encoding.
func TestSecretsNeverPrint(t *testing.T) {
	ks, dir := newStore(t)
	var secrets []string
	for _, f := range []string{keys.FileCredentialKey, keys.FileDSKey, keys.FileIACAKey, keys.FileRequestKey} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		k, err := mdoc.ParsePrivateKeyPEM(b)
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, k.D.String())
		secrets = append(secrets, encodings(scalar(t, k))...)
	}
	dk, _ := os.ReadFile(filepath.Join(dir, keys.FileDataKey))
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(string(dk)))
	secrets = append(secrets, strings.TrimSpace(string(dk)))
	secrets = append(secrets, encodings(raw)...)
	secrets = append(secrets, ks.AdminToken().Value())
	secrets = append(secrets, encodings(ks.RequestDecrypter().PrivateKey().Bytes())...)

	values := []any{ks, ks.CredentialSigner(), ks.DocumentSigner(), ks.RequestDecrypter(), ks.DataKey(), ks.AdminToken()}
	var out bytes.Buffer
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%q"} {
			fmt.Fprintf(&out, verb+"\n", v)
		}
		fmt.Fprintln(&out, v)
		fmt.Fprintf(&out, "%v\n", []any{v})
		fmt.Fprintf(&out, "%+v\n", struct{ V any }{v})
	}
	for _, h := range []slog.Handler{slog.NewJSONHandler(&out, nil), slog.NewTextHandler(&out, nil)} {
		l := slog.New(h)
		for _, v := range values {
			l.Info("value", "v", v)
		}
	}
	text := out.String()
	if !strings.Contains(text, keys.Redacted) || !strings.Contains(text, ks.CredentialSigner().KeyID()) {
		t.Fatalf("output lacks the redacted form or the kid:\n%s", text[:200])
	}
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Fatalf("output contains a secret (%d chars)", len(s))
		}
	}
	if got := fmt.Sprint(ks.DataKey()); got != "keys.DataKey{alg:A256GCM secret:REDACTED}" {
		t.Fatalf("DataKey prints %q", got)
	}
	if got := fmt.Sprintf("%#v", ks.AdminToken()); got != "keys.AdminToken{source:file secret:REDACTED}" {
		t.Fatalf("AdminToken prints %q", got)
	}
}

func scalar(t *testing.T, k *ecdsa.PrivateKey) []byte {
	t.Helper()
	b, err := k.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// encodings returns the ways key bytes could show up in text; the 8-byte
// prefixes catch partial dumps.
func encodings(b []byte) []string {
	return []string{
		hex.EncodeToString(b), strings.ToUpper(hex.EncodeToString(b)),
		base64.StdEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b),
		hex.EncodeToString(b[:8]), strings.Trim(fmt.Sprint(b[:8]), "[]"),
	}
}
