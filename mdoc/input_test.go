package mdoc

import (
	"bytes"
	"errors"
	"testing"
)

func TestDecodeInput(t *testing.T) {
	p := newTestPKI(t)
	issued := p.issue(t)
	tests := map[string]struct {
		in   []byte
		want []byte
		err  error
	}{
		"ok/raw CBOR":                   {in: issued, want: issued},
		"ok/hex with newline":           {in: []byte("a16161f5\n"), want: []byte{0xa1, 0x61, 0x61, 0xf5}},
		"ok/base64url credential":       {in: []byte(EncodeCredential(issued)), want: issued},
		"ok/base64url with padding":     {in: []byte("oWFh9Q=="), want: []byte{0xa1, 0x61, 0x61, 0xf5}},
		"fail/empty":                    {in: []byte(" \n"), err: ErrMalformed},
		"fail/text neither hex nor b64": {in: []byte("not*base64"), err: ErrMalformed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := DecodeInput(tc.in)
			if !errors.Is(err, tc.err) || !bytes.Equal(got, tc.want) {
				t.Fatalf("got % x, %v; want % x, %v", got[:min(len(got), 8)], err, tc.want[:min(len(tc.want), 8)], tc.err)
			}
		})
	}
	if doc, err := p.verifier.VerifyIssuerSigned(mustDecode(t, []byte(EncodeCredential(issued)))); err != nil || doc.DocType != aadhaarDocType {
		t.Fatalf("ok/credential string verifies: %v", err)
	}
}

func mustDecode(t *testing.T, b []byte) []byte {
	t.Helper()
	out, err := DecodeInput(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
