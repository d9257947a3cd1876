package sdjwt_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/pramaan/pramaan/sdjwt"
)

// Issue an SD-JWT VC, present two claims with key binding, verify it.
func Example() {
	issuerKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	holderKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

	cnf, _ := sdjwt.Cnf(holderKey.Public())
	issuer := &sdjwt.Issuer{Signer: issuerKey, KeyID: "2025-06"}
	credential, err := issuer.IssueVC(map[string]any{
		"iss":        "https://pramaan.example.in",
		"vct":        "https://pramaan.example.in/credentials/identity",
		"iat":        now.Unix(),
		"cnf":        cnf,
		"name":       sdjwt.SD("Asha Kumari"),
		"birth_date": sdjwt.SD("1990-04-12"),
		"address":    sdjwt.SD(map[string]any{"district": sdjwt.SD("Bengaluru Urban"), "pincode": sdjwt.SD("560038")}),
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	presentation, err := credential.Present(&sdjwt.KeyBinding{
		Signer: holderKey, Audience: "https://verifier.example", Nonce: "abc123", IssuedAt: now,
	}, sdjwt.Path{"name"}, sdjwt.Path{"address", "district"})
	if err != nil {
		fmt.Println(err)
		return
	}

	verifier := &sdjwt.Verifier{
		Keys:              sdjwt.NewJWKS(map[string]crypto.PublicKey{"2025-06": issuerKey.Public()}),
		Now:               func() time.Time { return now },
		RequireKeyBinding: true, Audience: "https://verifier.example", Nonce: "abc123",
	}
	res, err := verifier.VerifyVC(context.Background(), []byte(presentation.String()))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Claims["name"], res.Claims["address"], res.Claims["birth_date"])
	fmt.Println(len(res.Disclosures), "disclosures; key bound to", res.KeyBinding.Audience)
	// Output:
	// Asha Kumari map[district:Bengaluru Urban] <nil>
	// 3 disclosures; key bound to https://verifier.example
}

// Verify with keys from a JWKS document, as `pramaan verify sdjwt --jwks` does.
func ExampleParseJWKS() {
	jwks, err := sdjwt.ParseJWKS([]byte(`{"keys":[{"kid":"doc-signer-05-25-2022","kty":"EC","crv":"P-256",
		"x":"b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ","y":"Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8"}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	v := &sdjwt.Verifier{Keys: jwks, Audience: "https://example.com/verifier", Nonce: "1234567890"}
	fmt.Println(jwks.Len(), v.Keys != nil)
	// Output: 1 true
}

func ExampleIssuerMetadataURL() {
	u, _ := sdjwt.IssuerMetadataURL("https://example.com/tenant/1234")
	fmt.Println(u)
	// Output: https://example.com/.well-known/jwt-vc-issuer/tenant/1234
}

func ExampleMarkPaths() {
	claims := map[string]any{"name": "Asha", "address": map[string]any{"pincode": "560038", "state": "KA"}}
	marked, _ := sdjwt.MarkPaths(claims, sdjwt.Path{"name"}, sdjwt.Path{"address", "pincode"})
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s, _ := (&sdjwt.Issuer{Signer: key}).Issue(marked)
	all, _ := s.Claims()
	for _, c := range all {
		fmt.Println(c.Path, c.Disclosure.Value)
	}
	// Output:
	// ["address","pincode"] 560038
	// ["name"] Asha
}
