package issuer_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"net/http"
	"testing"
)

// BenchmarkFloorES256SignVerify is the floor the issuer benchmarks are
// read against: one raw ES256 signature and one verification.
func BenchmarkFloorES256SignVerify(b *testing.B) {
	k := newKey(b)
	d := sha256.Sum256([]byte("floor"))
	for b.Loop() {
		sig, _ := ecdsa.SignASN1(rand.Reader, k, d[:])
		if !ecdsa.VerifyASN1(&k.PublicKey, d[:], sig) {
			b.Fatal("floor signature does not verify")
		}
	}
}

// BenchmarkCredentialEndpoint measures POST /credential in the issuer
// (no HTTP) on SQLite: access token and proof verification, c_nonce
// consumption, issuance record, signing, reply storage. The holder's
// proof is made outside the timed section; each iteration has its own
// token and nonce.
func BenchmarkCredentialEndpoint(b *testing.B) {
	for _, id := range []string{"aadhaar_sd_jwt", "aadhaar_mdoc"} {
		b.Run(id, func(b *testing.B) {
			h := newHarness(b)
			holder := newKey(b)
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				token := h.bearer(id)
				body := credentialBody(b, map[string]any{"credential_identifier": id, "proofs": map[string]any{"jwt": []string{h.proof(holder, h.nonce())}}})
				hd := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + token}}
				req := h.request(http.MethodPost, "/credential", hd, body)
				b.StartTimer()
				resp, err := h.svc.Credential(ctx, req)
				if err != nil || resp.Status != http.StatusOK {
					b.Fatalf("credential: %v", err)
				}
			}
		})
	}
}
