package mdoc_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pramaan/pramaan/mdoc"
)

// Issue an Aadhaar-shaped mdoc for a holder's P-256 device key, then verify
// it as a wallet or verifier would.
func Example() {
	now := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }

	// Development PKI: an IACA root and a document signer under it.
	iaca, iacaKey, err := mdoc.NewIACA(mdoc.CertOptions{CommonName: "Example IACA", NotBefore: now})
	if err != nil {
		panic(err)
	}
	ds, dsKey, err := mdoc.NewDocumentSigner(iaca, iacaKey, mdoc.CertOptions{CommonName: "Example DS", NotBefore: now})
	if err != nil {
		panic(err)
	}
	holder, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader) // in OpenID4VCI: from the proof

	const ns = "in.gov.uidai.aadhaar.1"
	issuer := &mdoc.Issuer{Signer: dsKey, Chain: []*x509.Certificate{ds}, Now: clock}
	issuerSigned, err := issuer.Issue(mdoc.Request{
		DocType: ns,
		Elements: []mdoc.Element{
			{Namespace: ns, Identifier: "given_name", Value: "Asha"},
			{Namespace: ns, Identifier: "birth_date", Value: mdoc.FullDate("1990-05-17")},
			{Namespace: ns, Identifier: "age_over_18", Value: true},
			{Namespace: ns, Identifier: "address", Value: map[string]any{"state": "Karnataka", "pincode": "560001"}},
		},
		DeviceKey:  &holder.PublicKey,
		ValidUntil: now.AddDate(0, 6, 0),
	})
	if err != nil {
		panic(err)
	}
	credential := mdoc.EncodeCredential(issuerSigned) // the OpenID4VCI "credential" value
	_ = credential

	v := &mdoc.Verifier{Roots: []*x509.Certificate{iaca}, At: now.Add(time.Hour)}
	doc, err := v.VerifyIssuerSigned(issuerSigned)
	if err != nil {
		panic(err)
	}
	claims, _ := json.Marshal(doc.Claims())
	fmt.Println(doc.DocType)
	fmt.Println(string(claims))
	fmt.Println(doc.Validity.ValidUntil.Format(time.RFC3339))

	v.At = now.AddDate(1, 0, 0)
	_, err = v.VerifyIssuerSigned(issuerSigned)
	fmt.Println(errors.Is(err, mdoc.ErrExpired))
	// Output:
	// in.gov.uidai.aadhaar.1
	// {"in.gov.uidai.aadhaar.1":{"address":{"pincode":"560001","state":"Karnataka"},"age_over_18":true,"birth_date":"1990-05-17","given_name":"Asha"}}
	// 2026-07-15T10:00:00Z
	// true
}

// A verifier told to trust another IACA rejects the document.
func ExampleVerifier_VerifyIssuerSigned_untrusted() {
	now := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	iaca, iacaKey, _ := mdoc.NewIACA(mdoc.CertOptions{CommonName: "Real IACA", NotBefore: now})
	ds, dsKey, _ := mdoc.NewDocumentSigner(iaca, iacaKey, mdoc.CertOptions{CommonName: "DS", NotBefore: now})
	holder, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	issued, _ := (&mdoc.Issuer{Signer: dsKey, Chain: []*x509.Certificate{ds}, Now: func() time.Time { return now }}).Issue(mdoc.Request{
		DocType:    "org.iso.18013.5.1.mDL",
		Elements:   []mdoc.Element{{Namespace: "org.iso.18013.5.1", Identifier: "family_name", Value: "Verma"}},
		DeviceKey:  &holder.PublicKey,
		ValidUntil: now.AddDate(0, 1, 0),
	})

	other, _, _ := mdoc.NewIACA(mdoc.CertOptions{CommonName: "Other IACA", NotBefore: now})
	_, err := (&mdoc.Verifier{Roots: []*x509.Certificate{other}, At: now}).VerifyIssuerSigned(issued)
	fmt.Println(errors.Is(err, mdoc.ErrUntrustedChain))
	// Output: true
}

// DecodeInput accepts the forms a CLI user may paste: hex, base64url or raw.
func ExampleDecodeInput() {
	for _, in := range []string{"a0", "oA", "\xa0"} {
		b, err := mdoc.DecodeInput([]byte(in))
		fmt.Printf("% x %v\n", b, err)
	}
	// Output:
	// a0 <nil>
	// a0 <nil>
	// a0 <nil>
}

func ExampleEncodeCredential() {
	fmt.Println(mdoc.EncodeCredential([]byte{0xa2, 0x6a}))
	// Output: omo
}
