package httpsig

import (
	"net/http"
	"os"
	"testing"
)

// FuzzVerify feeds arbitrary Signature-Input, Signature and
// Content-Digest values to the verifier: it must answer with an error or
// a result, never panic. Seeded from RFC 9421 Appendix B.2.4.
func FuzzVerify(f *testing.F) {
	v := loadRFCVector(f)
	f.Add(v.msg.Header.Get("Signature-Input"), v.msg.Header.Get("Signature"), v.msg.Header.Get("Content-Digest"))
	f.Add(`sig1=("@method" "@target-uri" "@authority" "@path" "@query" "@scheme" "x");created=1;expires=2;nonce="n";tag="t";alg="ecdsa-p256-sha256"`, `sig1=:AAAA:`, `sha-256=:AAAA:`)
	f.Add(`a=(), b=("@status";sf)`, `a=:YQ==:;x=?1`, `sha-512=("x")`)
	if _, err := os.Stat("testdata"); err != nil {
		f.Fatal(err)
	}
	ver := rfcVerifier(v)
	f.Fuzz(func(t *testing.T, input, sig, digest string) {
		m := Message{Status: 200, Method: "POST", URL: mustURL("https://example.com/a?b=c"), Header: http.Header{}}
		for k, vals := range v.msg.Header {
			m.Header[k] = vals
		}
		m.Header.Set("Signature-Input", input)
		m.Header.Set("Signature", sig)
		_, _ = ver.Verify(m)
		_ = CheckContentDigest(digest, v.body)
	})
}
