package ekyc_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pramaan/pramaan/identity/ekyc"
	"github.com/pramaan/pramaan/identity/ekyc/ekyctest"
	"github.com/pramaan/pramaan/testvectors"
)

// FuzzOpen: no archive makes Open panic, and what it returns is within
// the limits.
func FuzzOpen(f *testing.F) {
	p := getPKI(f)
	doc := signed(f, p.signer, made, ekyctest.Signing{})
	code := ekyctest.DefaultPerson().ShareCode
	for _, o := range []ekyctest.ZipOptions{{}, {Stored: true}, {DataDescriptor: true}, {AES: true}, {NoEncryption: true},
		{Extra: map[string][]byte{"b.xml": []byte("<a/>")}}} {
		f.Add(zipped(f, doc, o), code)
	}
	f.Add([]byte("PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), "1")
	lim := ekyc.Limits{MaxXMLBytes: 64 << 10}
	f.Fuzz(func(t *testing.T, z []byte, code string) {
		xml, err := ekyc.Open(z, code, lim)
		if err == nil && len(xml) > lim.MaxXMLBytes {
			t.Fatalf("%d bytes returned over the limit", len(xml))
		}
	})
}

// FuzzVerify: no document makes Verify panic, and nothing it accepts
// differs from what the pinned signer signed.
func FuzzVerify(f *testing.F) {
	p := getPKI(f)
	for _, how := range []ekyctest.Signing{{}, {SHA256: true}, {Exclusive: true}, {NoKeyInfo: true, Wrap76: true}} {
		f.Add(signed(f, p.signer, made, how))
	}
	f.Add(signed(f, p.other, made, ekyctest.Signing{}))
	if root, err := testvectors.Locate(); err == nil {
		files, _ := filepath.Glob(filepath.Join(root, "xmldsig", "*", "*.xml"))
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	opts := options(p.signer.Cert)
	f.Fuzz(func(t *testing.T, doc []byte) {
		r, err := ekyc.Verify(doc, opts)
		if err == nil && (r.Claims.Name != ekyctest.DefaultPerson().Name || !r.Signer.Equal(p.signer.Cert)) {
			t.Fatalf("accepted a document the signer did not sign: %q", r.Claims.Name)
		}
	})
}
