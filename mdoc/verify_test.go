package mdoc

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
)

// badCase builds an input from a fresh issuance and names the sentinel it
// must be rejected with (and, optionally, a text the error must contain).
type badCase struct {
	build    func(t *testing.T, p *testPKI, issued []byte) []byte
	verifier func(p *testPKI) *Verifier
	want     error
	contains string
}

// mutateMSO decodes the issued MSO generically, lets f change it, and
// returns a validly re-signed IssuerSigned around it.
func mutateMSO(t *testing.T, p *testPKI, issued []byte, f func(m map[any]any)) []byte {
	t.Helper()
	w, mso := parts(t, issued)
	f(mso)
	return p.resign(t, w.NameSpaces, wrapEncodedCBOR(mustEncode(t, mso)))
}

func mutateItems(t *testing.T, p *testPKI, issued []byte, f func(items []cbor.RawMessage) []cbor.RawMessage) []byte {
	t.Helper()
	w, _ := parts(t, issued)
	w.NameSpaces[aadhaarDocType] = f(w.NameSpaces[aadhaarDocType])
	out, err := encMode.Marshal(issuerSignedOut{NameSpaces: w.NameSpaces, IssuerAuth: w.IssuerAuth})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// itemFor returns the index of the element's item.
func itemFor(t *testing.T, items []cbor.RawMessage, id string) int {
	t.Helper()
	for i, raw := range items {
		it, err := parseItem(raw, "item")
		if err != nil {
			t.Fatal(err)
		}
		if it.Identifier == id {
			return i
		}
	}
	t.Fatalf("no item %s", id)
	return -1
}

func deepArray(n int) []byte {
	b := bytes.Repeat([]byte{0x81}, n)
	return append(b, 0x00)
}

func TestVerifyIssuerSignedRejects(t *testing.T) {
	cases := map[string]badCase{
		"fail/duplicate map key in IssuerSigned": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				w, _ := parts(t, issued)
				b := []byte{0xa3}
				b = append(append(b, mustEncode(t, "issuerAuth")...), w.IssuerAuth...)
				b = append(append(b, mustEncode(t, "nameSpaces")...), mustEncode(t, w.NameSpaces)...)
				return append(append(b, mustEncode(t, "issuerAuth")...), w.IssuerAuth...)
			},
			want: ErrDuplicateKey,
		},
		"fail/unknown key in IssuerSigned (a renamed nameSpaces)": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				w, _ := parts(t, issued)
				b := []byte{0xa2}
				b = append(append(b, mustEncode(t, "issuerAuth")...), w.IssuerAuth...)
				return append(append(b, mustEncode(t, "nameSpacer")...), mustEncode(t, w.NameSpaces)...)
			},
			want: ErrMalformed,
		},
		"fail/duplicate map key inside an IssuerSignedItem": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				return mutateItems(t, p, issued, func(items []cbor.RawMessage) []cbor.RawMessage {
					inner := []byte{0xa5}
					for _, kv := range [][2]any{{"digestID", 0}, {"random", make([]byte, 16)}, {"elementIdentifier", "x"}, {"elementValue", 1}, {"digestID", 1}} {
						inner = append(append(inner, mustEncode(t, kv[0])...), mustEncode(t, kv[1])...)
					}
					items[0] = wrapEncodedCBOR(inner)
					return items
				})
			},
			want: ErrDuplicateKey,
		},
		"fail/indefinite-length map": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				b := append([]byte{0xbf}, issued[1:]...)
				return append(b, 0xff)
			},
			want: ErrIndefiniteLength,
		},
		"fail/indefinite-length byte string in an item": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				w, _ := parts(t, issued)
				b := []byte{0xa2}
				b = append(append(b, mustEncode(t, "issuerAuth")...), w.IssuerAuth...)
				b = append(b, mustEncode(t, "nameSpaces")...)
				b = append(append(b, 0xa1), mustEncode(t, aadhaarDocType)...)
				return append(b, 0x81, 0xd8, 0x18, 0x5f, 0x41, 0xa0, 0xff)
			},
			want: ErrIndefiniteLength,
		},
		"fail/nesting deeper than MaxDepth in IssuerSigned": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				w, _ := parts(t, issued)
				b := []byte{0xa2}
				b = append(append(b, mustEncode(t, "issuerAuth")...), w.IssuerAuth...)
				b = append(b, mustEncode(t, "nameSpaces")...)
				b = append(append(b, 0xa1), mustEncode(t, "ns")...)
				return append(b, deepArray(MaxDepth+4)...)
			},
			want: ErrTooDeep,
		},
		"fail/nesting deeper than MaxDepth in an elementValue": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				return mutateItems(t, p, issued, func(items []cbor.RawMessage) []cbor.RawMessage {
					inner := []byte{0xa4}
					for _, kv := range [][2]any{{"digestID", 0}, {"random", make([]byte, 16)}, {"elementIdentifier", "x"}} {
						inner = append(append(inner, mustEncode(t, kv[0])...), mustEncode(t, kv[1])...)
					}
					inner = append(append(inner, mustEncode(t, "elementValue")...), deepArray(MaxDepth+1)...)
					items[0] = wrapEncodedCBOR(inner)
					return items
				})
			},
			want: ErrTooDeep,
		},
		"fail/item bytes without tag 24": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				return mutateItems(t, p, issued, func(items []cbor.RawMessage) []cbor.RawMessage {
					items[0] = items[0][2:] // the bare bstr
					return items
				})
			},
			want: ErrWrongTag, contains: "not tagged",
		},
		"fail/item bytes with tag 25 instead of 24": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				return mutateItems(t, p, issued, func(items []cbor.RawMessage) []cbor.RawMessage {
					items[0] = append([]byte{0xd8, 0x19}, items[0][2:]...)
					return items
				})
			},
			want: ErrWrongTag, contains: "tag 25",
		},
		"fail/validityInfo.signed with tag 1 instead of 0": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				return mutateMSO(t, p, issued, func(m map[any]any) {
					m["validityInfo"].(map[any]any)["signed"] = cbor.Tag{Number: 1, Content: testNow.Unix()}
				})
			},
			want: ErrWrongTag, contains: "validityInfo.signed",
		},
		"fail/validityInfo.validUntil untagged": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				return mutateMSO(t, p, issued, func(m map[any]any) {
					m["validityInfo"].(map[any]any)["validUntil"] = "2026-07-14T10:00:00Z"
				})
			},
			want: ErrWrongTag, contains: "validityInfo.validUntil",
		},
		"fail/validityInfo.validFrom with fractional seconds": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				return mutateMSO(t, p, issued, func(m map[any]any) {
					m["validityInfo"].(map[any]any)["validFrom"] = cbor.Tag{Number: 0, Content: "2026-01-15T10:00:00.5Z"}
				})
			},
			want: ErrMalformed, contains: "validityInfo.validFrom",
		},
		"fail/MSO not wrapped in tag 24": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				w, _ := parts(t, issued)
				return p.resign(t, w.NameSpaces, msoRaw(t, w.IssuerAuth))
			},
			want: ErrWrongTag, contains: "MobileSecurityObjectBytes",
		},
		"fail/MSO version 2.0": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				return mutateMSO(t, p, issued, func(m map[any]any) { m["version"] = "2.0" })
			},
			want: ErrUnsupported, contains: "version",
		},
		"fail/MSO digestAlgorithm SHA-1": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				return mutateMSO(t, p, issued, func(m map[any]any) { m["digestAlgorithm"] = "SHA-1" })
			},
			want: ErrUnsupported, contains: "digestAlgorithm",
		},
		"fail/MSO deviceKey as a bstr-wrapped COSE_Key": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				return mutateMSO(t, p, issued, func(m map[any]any) {
					dki := m["deviceKeyInfo"].(map[any]any)
					dki["deviceKey"] = mustEncode(t, dki["deviceKey"])
				})
			},
			want: ErrMalformed, contains: "deviceKey",
		},
		"fail/MSO deviceKey with a private part": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				return mutateMSO(t, p, issued, func(m map[any]any) {
					m["deviceKeyInfo"].(map[any]any)["deviceKey"].(map[any]any)[int64(-4)] = make([]byte, 32)
				})
			},
			want: ErrMalformed, contains: "private",
		},
		"fail/MSO missing docType": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				return mutateMSO(t, p, issued, func(m map[any]any) { delete(m, "docType") })
			},
			want: ErrMalformed, contains: "docType",
		},
		"fail/COSE signature over other bytes (payload swapped)": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				w, _ := parts(t, issued)
				other, _ := parts(t, p.issue(t))
				var a, b coseMessage
				if err := plainDec.Unmarshal(w.IssuerAuth, &a); err != nil {
					t.Fatal(err)
				}
				if err := plainDec.Unmarshal(other.IssuerAuth, &b); err != nil {
					t.Fatal(err)
				}
				a.Payload = b.Payload
				return mustEncode(t, issuerSignedOut{NameSpaces: other.NameSpaces, IssuerAuth: mustEncode(t, a)})
			},
			want: ErrSignature,
		},
		"fail/COSE_Sign1 tagged 18": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				w, _ := parts(t, issued)
				return mustEncode(t, issuerSignedOut{NameSpaces: w.NameSpaces, IssuerAuth: append([]byte{0xd2}, w.IssuerAuth...)})
			},
			want: ErrWrongTag, contains: "untagged",
		},
		"fail/one byte flipped in an element value": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				return mutateItems(t, p, issued, func(items []cbor.RawMessage) []cbor.RawMessage {
					i := itemFor(t, items, "given_name")
					items[i] = replaceOnce(t, items[i], []byte("Asha"), []byte("Asha"[:3]+"x"))
					return items
				})
			},
			want: ErrDigestMismatch, contains: "in.gov.uidai.aadhaar.1/given_name",
		},
		"fail/item digestID absent from the MSO": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				return mutateMSO(t, p, issued, func(m map[any]any) {
					ds := m["valueDigests"].(map[any]any)[aadhaarDocType].(map[any]any)
					delete(ds, uint64(0))
				})
			},
			want: ErrDigestMismatch, contains: "no digest with ID 0",
		},
		"fail/item moved to another namespace": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				w, _ := parts(t, issued)
				items := w.NameSpaces[aadhaarDocType]
				w.NameSpaces["org.iso.18013.5.1"] = items[:1]
				w.NameSpaces[aadhaarDocType] = items[1:]
				return mustEncode(t, issuerSignedOut{NameSpaces: w.NameSpaces, IssuerAuth: w.IssuerAuth})
			},
			want: ErrDigestMismatch, contains: "org.iso.18013.5.1/",
		},
		"fail/document signer not chaining to the trusted IACA": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte { return issued },
			verifier: func(p *testPKI) *Verifier {
				other, _, err := NewIACA(CertOptions{CommonName: "Other IACA", NotBefore: testNow.Add(-time.Hour)})
				if err != nil {
					t.Fatal(err)
				}
				return &Verifier{Roots: []*x509.Certificate{other}, At: testNow}
			},
			want: ErrUntrustedChain,
		},
		"fail/self-signed DS equal to a root without AllowSelfSignedDS": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte { return issued },
			verifier: func(p *testPKI) *Verifier {
				return &Verifier{Roots: []*x509.Certificate{p.ds}, At: testNow}
			},
			want: ErrUntrustedChain,
		},
		"fail/document signer without the mdoc DS extended key usage": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte {
				ds, key := plainLeaf(t, p)
				is := *p.issuer
				is.Signer, is.Chain = key, []*x509.Certificate{ds}
				out, err := is.Issue(aadhaarRequest(&p.holder.PublicKey))
				if err != nil {
					t.Fatal(err)
				}
				return out
			},
			want: ErrUntrustedChain, contains: "1.0.18013.5.1.2",
		},
		"fail/verification time before validFrom": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte { return issued },
			verifier: func(p *testPKI) *Verifier {
				return &Verifier{Roots: []*x509.Certificate{p.iaca}, At: testNow.Add(-time.Minute)}
			},
			want: ErrNotYetValid, contains: "MSO validFrom",
		},
		"fail/verification time after validUntil": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte { return issued },
			verifier: func(p *testPKI) *Verifier {
				return &Verifier{Roots: []*x509.Certificate{p.iaca}, At: testNow.Add(181 * 24 * time.Hour)}
			},
			want: ErrExpired, contains: "MSO validUntil",
		},
		"fail/verification time after the DS certificate": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte { return issued },
			verifier: func(p *testPKI) *Verifier {
				return &Verifier{Roots: []*x509.Certificate{p.iaca}, At: testNow.Add(400 * 24 * time.Hour)}
			},
			want: ErrExpired, contains: "document signer certificate",
		},
		"fail/trailing bytes": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte { return append(issued, 0x00) },
			want:  ErrMalformed,
		},
		"fail/input over MaxInputSize": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte { return make([]byte, MaxInputSize+1) },
			want:  ErrTooLarge,
		},
		"fail/empty input": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte { return nil },
			want:  ErrMalformed,
		},
		"fail/not a map": {
			build: func(t *testing.T, p *testPKI, issued []byte) []byte { return []byte{0x80} },
			want:  ErrMalformed,
		},
		"fail/verifier without a time": {
			build:    func(t *testing.T, p *testPKI, issued []byte) []byte { return issued },
			verifier: func(p *testPKI) *Verifier { return &Verifier{Roots: []*x509.Certificate{p.iaca}} },
			want:     ErrInvalidInput,
		},
	}
	p := newTestPKI(t)
	issued := p.issue(t)
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := tc.build(t, p, bytes.Clone(issued))
			v := p.verifier
			if tc.verifier != nil {
				v = tc.verifier(p)
			}
			doc, err := v.VerifyIssuerSigned(in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if doc != nil {
				t.Fatal("a document was returned with the error")
			}
			if !strings.Contains(err.Error(), tc.contains) {
				t.Fatalf("err = %q, want it to name %q", err, tc.contains)
			}
		})
	}
}

// plainLeaf issues, under the test IACA, a leaf with digitalSignature but no
// mdoc EKU.
func plainLeaf(t *testing.T, p *testPKI) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "no EKU", Country: []string{"IN"}},
		NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.iaca, &key.PublicKey, p.iacaKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

func TestVerifyAcceptsX5ChainShapes(t *testing.T) {
	p := newTestPKI(t)
	issued := p.issue(t)
	w, _ := parts(t, issued)
	var m coseMessage
	if err := plainDec.Unmarshal(w.IssuerAuth, &m); err != nil {
		t.Fatal(err)
	}
	// A one-element array in the unprotected bucket: the signature does not
	// cover the unprotected header, so it still verifies.
	m.Unprotected = map[any]cbor.RawMessage{uint64(33): mustEncode(t, [][]byte{p.ds.Raw})}
	in := mustEncode(t, issuerSignedOut{NameSpaces: w.NameSpaces, IssuerAuth: mustEncode(t, m)})
	if _, err := p.verifier.VerifyIssuerSigned(in); err != nil {
		t.Fatalf("ok/x5chain as [bstr]: %v", err)
	}
	m.Unprotected = map[any]cbor.RawMessage{}
	in = mustEncode(t, issuerSignedOut{NameSpaces: w.NameSpaces, IssuerAuth: mustEncode(t, m)})
	if _, err := p.verifier.VerifyIssuerSigned(in); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "x5chain") {
		t.Fatalf("fail/no x5chain: %v", err)
	}
}

// signWithHeaders re-signs the issued MSO with custom COSE headers.
func signWithHeaders(t *testing.T, p *testPKI, issued []byte, prot cose.ProtectedHeader, unprot cose.UnprotectedHeader) []byte {
	t.Helper()
	w, _ := parts(t, issued)
	var m coseMessage
	if err := plainDec.Unmarshal(w.IssuerAuth, &m); err != nil {
		t.Fatal(err)
	}
	signer, err := cose.NewSigner(cose.AlgorithmES256, p.dsKey)
	if err != nil {
		t.Fatal(err)
	}
	msg := cose.UntaggedSign1Message{Headers: cose.Headers{Protected: prot, Unprotected: unprot}, Payload: m.Payload}
	if err := msg.Sign(rand.Reader, nil, signer); err != nil {
		t.Fatal(err)
	}
	auth, err := msg.MarshalCBOR()
	if err != nil {
		t.Fatal(err)
	}
	return mustEncode(t, issuerSignedOut{NameSpaces: w.NameSpaces, IssuerAuth: auth})
}

func TestVerifyCOSEHeaders(t *testing.T) {
	p := newTestPKI(t)
	issued := p.issue(t)
	alg := cose.HeaderLabelAlgorithm
	tests := map[string]struct {
		prot   cose.ProtectedHeader
		unprot cose.UnprotectedHeader
		want   error
	}{
		"ok/x5chain in the protected header": {prot: cose.ProtectedHeader{alg: cose.AlgorithmES256, cose.HeaderLabelX5Chain: p.ds.Raw}},
		"fail/critical header":               {prot: cose.ProtectedHeader{alg: cose.AlgorithmES256, cose.HeaderLabelCritical: []any{int64(99)}, int64(99): 1}, unprot: cose.UnprotectedHeader{cose.HeaderLabelX5Chain: p.ds.Raw}, want: ErrUnsupported},
		"fail/alg only unprotected":          {prot: cose.ProtectedHeader{}, unprot: cose.UnprotectedHeader{alg: cose.AlgorithmES256, cose.HeaderLabelX5Chain: p.ds.Raw}, want: ErrMalformed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			in := signWithHeaders(t, p, issued, tc.prot, tc.unprot)
			if _, err := p.verifier.VerifyIssuerSigned(in); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("fail/alg ES384 with a P-256 key", func(t *testing.T) {
		w, _ := parts(t, issued)
		var m coseMessage
		if err := plainDec.Unmarshal(w.IssuerAuth, &m); err != nil {
			t.Fatal(err)
		}
		m.Protected = mustEncode(t, map[int64]int64{1: int64(cose.AlgorithmES384)})
		signer, err := cose.NewSigner(cose.AlgorithmES256, p.dsKey)
		if err != nil {
			t.Fatal(err)
		}
		if m.Tag, err = signer.Sign(rand.Reader, mustEncode(t, []any{"Signature1", m.Protected, []byte{}, m.Payload})); err != nil {
			t.Fatal(err)
		}
		in := mustEncode(t, issuerSignedOut{NameSpaces: w.NameSpaces, IssuerAuth: mustEncode(t, m)})
		if _, err := p.verifier.VerifyIssuerSigned(in); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("err = %v, want ErrUnsupported", err)
		}
	})
}
