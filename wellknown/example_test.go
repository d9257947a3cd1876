package wellknown_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"strings"
	"time"

	"github.com/pramaan/pramaan/wellknown"
)

func exampleConfig() wellknown.Config {
	return wellknown.Config{
		IssuerURL: "https://issuer.example",
		Configurations: []wellknown.CredentialConfig{{
			ID: "aadhaar_sd_jwt", Format: wellknown.FormatSDJWTVC, VCT: "https://issuer.example/vct/aadhaar",
			Display: []wellknown.CredentialDisplay{{Name: "Aadhaar", Locale: "en"}, {Name: "आधार", Locale: "hi"}},
			Claims: []wellknown.ClaimDescription{{Path: wellknown.ClaimPath{"name"}, Mandatory: true,
				Display: []wellknown.ClaimDisplay{{Name: "Name", Locale: "en"}, {Name: "नाम", Locale: "hi"}}}},
		}},
	}
}

func ExampleNewBuilder() {
	b, err := wellknown.NewBuilder(exampleConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	md := b.CredentialIssuerMetadata()
	fmt.Println(md.CredentialEndpoint)
	fmt.Println(md.NonceEndpoint)
	out, _ := json.Marshal(md.CredentialConfigurations["aadhaar_sd_jwt"].ProofTypesSupported)
	fmt.Println(string(out))
	// Output:
	// https://issuer.example/credential
	// https://issuer.example/nonce
	// {"jwt":{"proof_signing_alg_values_supported":["ES256"]}}
}

func ExampleCredentialIssuerMetadata_Localize() {
	b, err := wellknown.NewBuilder(exampleConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	md, contentLanguage := b.CredentialIssuerMetadata().Localize("hi-IN, hi;q=0.9, en;q=0.5")
	cm := md.CredentialConfigurations["aadhaar_sd_jwt"].CredentialMetadata
	for _, d := range cm.Display {
		fmt.Println(d.Locale, d.Name)
	}
	fmt.Println("Content-Language:", strings.Join(contentLanguage, ", "))
	// Output:
	// hi आधार
	// en Aadhaar
	// Content-Language: hi, en
}

func ExampleParseAcceptLanguage() {
	ranges, err := wellknown.ParseAcceptLanguage("fr-ch, fr;q=0.9, *;q=0.5")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range ranges {
		fmt.Printf("%s q=%d/1000\n", r.Range, r.Q)
	}
	_, err = wellknown.ParseAcceptLanguage("en;q=2")
	fmt.Println(err)
	// Output:
	// fr-ch q=1000/1000
	// fr q=900/1000
	// * q=500/1000
	// wellknown: malformed Accept-Language: "en;q=2": q-value "2" must start with 0 or 1
}

func ExampleMetadataSigner_Sign() {
	// A root and a leaf certificate: HAIP wants the leaf not self-signed
	// and the root left out of x5c.
	rootKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := func(cn string, ca bool) *x509.Certificate {
		return &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: ca, BasicConstraintsValid: true}
	}
	rootDER, _ := x509.CreateCertificate(rand.Reader, tmpl("root", true), tmpl("root", true), &rootKey.PublicKey, rootKey)
	root, _ := x509.ParseCertificate(rootDER)
	leafDER, _ := x509.CreateCertificate(rand.Reader, tmpl("issuer.example", false), root, &leafKey.PublicKey, rootKey)
	leaf, _ := x509.ParseCertificate(leafDER)

	signer, err := wellknown.NewMetadataSigner(wellknown.SignerConfig{Signer: leafKey, Certificates: []*x509.Certificate{leaf}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	b, _ := wellknown.NewBuilder(exampleConfig())
	token, err := signer.Sign(b.CredentialIssuerMetadata())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Count(token, "."), signer.Algorithm())
	// Output: 2 ES256
}
