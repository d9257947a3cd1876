package httpsig

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rfcVector is RFC 9421 Appendix B.2.4, read from testdata.
type rfcVector struct {
	key     *ecdsa.PublicKey
	msg     Message
	body    []byte
	base    string
	created time.Time
}

func loadRFCVector(t testing.TB) rfcVector {
	t.Helper()
	raw, err := os.ReadFile("testdata/rfc9421-b24.txt")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	block, _ := pem.Decode([]byte(text[strings.Index(text, "-----BEGIN"):]))
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	v := rfcVector{key: pub.(*ecdsa.PublicKey), msg: Message{Header: http.Header{}}, created: time.Unix(1618884473, 0)}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		name, value, ok := strings.Cut(l, ": ")
		switch {
		case !ok || strings.HasPrefix(l, "#"):
		case name == "status":
			v.msg.Status, _ = strconv.Atoi(value)
		case name == "body":
			v.body = []byte(value)
		case name == "public-key" || strings.HasPrefix(name, `"`):
		default:
			v.msg.Header.Set(name, value)
		}
		if l == "base:" {
			v.base = strings.TrimRight(strings.Join(lines[i+1:], "\n"), "\n")
			break
		}
	}
	return v
}

func rfcVerifier(v rfcVector) *Verifier {
	return &Verifier{
		Keys: func(id string) (*ecdsa.PublicKey, error) {
			if id != "test-key-ecc-p256" {
				return nil, fmt.Errorf("%w: %q", ErrUnknownKey, id)
			}
			return v.key, nil
		},
		Now: func() time.Time { return v.created.Add(10 * time.Second) },
	}
}

func TestRFC9421AppendixB24VerifiesAndItsBaseIsByteExact(t *testing.T) {
	v := loadRFCVector(t)
	sp := signatureParams{components: []string{"@status", "content-type", "content-digest", "content-length"},
		params: []param{{"created", int64(1618884473)}, {"keyid", "test-key-ecc-p256"}}}
	base, _, err := v.msg.base(sp)
	if err != nil {
		t.Fatal(err)
	}
	if string(base) != v.base {
		t.Fatalf("signature base differs from the RFC's:\n%s\nwant:\n%s", base, v.base)
	}
	res, err := rfcVerifier(v).Verify(v.msg)
	if err != nil {
		t.Fatalf("the RFC's signature does not verify: %v", err)
	}
	if res.Label != "sig-b24" || res.KeyID != "test-key-ecc-p256" || !res.Created.Equal(v.created) {
		t.Fatalf("result = %+v", res)
	}
	if err := CheckContentDigest(v.msg.Header.Get("Content-Digest"), v.body); err != nil {
		t.Fatalf("the RFC's Content-Digest: %v", err)
	}
}

func TestRFC9421VectorFailsWhenAnyCoveredValueChanges(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Message)
		want   error
	}{
		{"status", func(m *Message) { m.Status = 201 }, ErrInvalidSignature},
		{"content-type", func(m *Message) { m.Header.Set("Content-Type", "application/jwt") }, ErrInvalidSignature},
		{"content-length", func(m *Message) { m.Header.Set("Content-Length", "24") }, ErrInvalidSignature},
		{"content-length removed", func(m *Message) { m.Header.Del("Content-Length") }, ErrMissingComponent},
		{"signature byte", func(m *Message) {
			s := m.Header.Get("Signature")
			m.Header.Set("Signature", strings.Replace(s, ":wNm", ":wNn", 1))
		}, ErrInvalidSignature},
		{"created", func(m *Message) {
			m.Header.Set("Signature-Input", strings.Replace(m.Header.Get("Signature-Input"), "1618884473", "1618884474", 1))
		}, ErrInvalidSignature},
		{"keyid", func(m *Message) {
			m.Header.Set("Signature-Input", strings.Replace(m.Header.Get("Signature-Input"), "test-key-ecc-p256", "other", 1))
		}, ErrUnknownKey},
		{"no signature", func(m *Message) { m.Header.Del("Signature") }, ErrNoSignature},
		{"label mismatch", func(m *Message) {
			m.Header.Set("Signature", strings.Replace(m.Header.Get("Signature"), "sig-b24=", "sig1=", 1))
		}, ErrNoSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := loadRFCVector(t)
			tc.change(&v.msg)
			_, err := rfcVerifier(v).Verify(v.msg)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestRFC9421VectorIsStaleToday(t *testing.T) {
	v := loadRFCVector(t)
	ver := rfcVerifier(v)
	ver.Now = func() time.Time { return time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC) }
	if _, err := ver.Verify(v.msg); !errors.Is(err, ErrStale) {
		t.Fatalf("err = %v, want ErrStale", err)
	}
}

func newSigner(t testing.TB, now time.Time) (*Signer, *Verifier) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s := &Signer{Key: key, KeyID: "issuer-key", Tag: "pramaan-callback",
		Components: []string{"@method", "@target-uri", "content-digest", "content-type", "idempotency-key"},
		Expires:    time.Minute, Now: func() time.Time { return now }}
	v := &Verifier{
		Keys: func(id string) (*ecdsa.PublicKey, error) {
			if id != "issuer-key" {
				return nil, ErrUnknownKey
			}
			return &key.PublicKey, nil
		},
		Required: []string{"@method", "@target-uri", "content-digest", "idempotency-key"},
		Tag:      "pramaan-callback",
		Now:      func() time.Time { return now.Add(2 * time.Second) },
	}
	return s, v
}

func signedRequest(t testing.TB, s *Signer, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "https://wallet.example/callbacks/pramaan?x=1", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/jose")
	req.Header.Set("Idempotency-Key", "d-123")
	if err := s.SignRequest(req, body); err != nil {
		t.Fatal(err)
	}
	return req
}

func TestSignedRequestVerifiesAndNamesWhatItCovers(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	s, v := newSigner(t, now)
	body := []byte("eyJhbGciOi.body")
	req := signedRequest(t, s, body)
	want := fmt.Sprintf(`sig1=("@method" "@target-uri" "content-digest" "content-type" "idempotency-key");created=%d;expires=%d;keyid="issuer-key";alg="ecdsa-p256-sha256";tag="pramaan-callback"`, now.Unix(), now.Unix()+60)
	if got := req.Header.Get("Signature-Input"); got != want {
		t.Fatalf("Signature-Input =\n%s\nwant\n%s", got, want)
	}
	res, err := v.VerifyRequest(req, "https", body)
	if err != nil {
		t.Fatal(err)
	}
	if res.KeyID != "issuer-key" || len(res.Components) != 5 {
		t.Fatalf("result = %+v", res)
	}
	// As a server sees it: no host in the URL, Host header instead.
	in := req.Clone(req.Context())
	in.URL.Scheme, in.URL.Host, in.Host = "", "", "wallet.example"
	if _, err := v.VerifyRequest(in, "https", body); err != nil {
		t.Fatalf("server-side view: %v", err)
	}
}

func TestSignedRequestRefusals(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	body := []byte("payload")
	for _, tc := range []struct {
		name   string
		change func(*http.Request, *Verifier) []byte
		want   error
	}{
		{"body changed", func(r *http.Request, _ *Verifier) []byte { return []byte("payloae") }, ErrDigest},
		{"idempotency key changed", func(r *http.Request, _ *Verifier) []byte {
			r.Header.Set("Idempotency-Key", "d-124")
			return body
		}, ErrInvalidSignature},
		{"other target", func(r *http.Request, _ *Verifier) []byte {
			r.URL.Path = "/callbacks/other"
			return body
		}, ErrInvalidSignature},
		{"other method", func(r *http.Request, _ *Verifier) []byte {
			r.Method = http.MethodPut
			return body
		}, ErrInvalidSignature},
		{"expired", func(r *http.Request, v *Verifier) []byte {
			v.Now = func() time.Time { return now.Add(2 * time.Minute) }
			return body
		}, ErrStale},
		{"from the future", func(r *http.Request, v *Verifier) []byte {
			v.Now = func() time.Time { return now.Add(-time.Minute) }
			return body
		}, ErrStale},
		{"required component not covered", func(r *http.Request, v *Verifier) []byte {
			v.Required = append(v.Required, "content-length")
			return body
		}, ErrMissingComponent},
		{"other tag", func(r *http.Request, v *Verifier) []byte {
			v.Tag = "other-app"
			return body
		}, ErrNoSignature},
		{"alg swapped", func(r *http.Request, v *Verifier) []byte {
			r.Header.Set("Signature-Input", strings.Replace(r.Header.Get("Signature-Input"), AlgECDSAP256SHA256, "hmac-sha256", 1))
			return body
		}, ErrInvalidSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, v := newSigner(t, now)
			req := signedRequest(t, s, body)
			got := tc.change(req, v)
			if _, err := v.VerifyRequest(req, "https", got); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestStructuredFieldErrors(t *testing.T) {
	for _, in := range []string{
		`sig1`, `sig1=`, `sig1=("@method"`, `sig1=("@method";req)`, `sig1=(@method)`, `Sig1=("a")`,
		`sig1=("a");created=1.5`, `sig1=("a");created=1234567890123456`, `sig1=("a"), `, `sig1=:not base64!:`,
		`sig1=("a\q")`, "sig1=(\"a\x01\")", strings.Repeat("a", MaxHeaderBytes+1),
	} {
		if _, err := parseDictionary(in); err == nil {
			t.Errorf("parseDictionary(%q) accepted", in)
		}
	}
	m, err := parseDictionary(`a=("x" "y");created=1;keyid="k", b=:AQI=:, a=("z")`)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 2 || m[0].key != "a" || len(m[0].items) != 1 || m[0].items[0] != "z" || !bytes.Equal(m[1].bytes, []byte{1, 2}) {
		t.Fatalf("parsed %+v", m)
	}
}

func TestSignerRefusesNonP256Keys(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	s := &Signer{Key: key, KeyID: "k", Components: []string{"@method"}}
	if _, _, err := s.Sign(Message{Method: "POST"}); err == nil {
		t.Fatal("P-384 key accepted")
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
