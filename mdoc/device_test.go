package mdoc

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
)

// testTranscript is a SessionTranscript [null, null, handover] as used by
// OpenID4VP-style presentations, wrapped as SessionTranscriptBytes.
func testTranscript(t *testing.T) []byte {
	return wrapEncodedCBOR(mustEncode(t, []any{nil, nil, []any{"pramaan-test", "nonce-123"}}))
}

type deviceOpts struct {
	version   string
	docType   string
	signWith  *ecdsa.PrivateKey // deviceSignature key; nil: deviceMac
	macReader *ecdh.PublicKey
	macAlg    int64
	both      bool
	neither   bool
}

// deviceResponse builds a DeviceResponse around issued as a wallet would.
func deviceResponse(t *testing.T, p *testPKI, issued, st []byte, o deviceOpts) []byte {
	t.Helper()
	if o.version == "" {
		o.version = "1.0"
	}
	if o.docType == "" {
		o.docType = aadhaarDocType
	}
	if o.macAlg == 0 {
		o.macAlg = coseAlgHMAC256
	}
	stInner, err := unwrapEncodedCBOR(st, "st")
	if err != nil {
		t.Fatal(err)
	}
	dns := wrapEncodedCBOR([]byte{0xa0})
	da := wrapEncodedCBOR(mustEncode(t, []any{"DeviceAuthentication", cbor.RawMessage(stInner), o.docType, cbor.RawMessage(dns)}))
	auth := map[string]any{}
	if o.signWith != nil || o.both {
		key := o.signWith
		if key == nil {
			key = p.holder
		}
		prot := []byte{0xa1, 0x01, 0x26}
		signer, err := cose.NewSigner(cose.AlgorithmES256, key)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := signer.Sign(rand.Reader, mustEncode(t, []any{"Signature1", prot, []byte{}, da}))
		if err != nil {
			t.Fatal(err)
		}
		auth["deviceSignature"] = []any{prot, map[any]any{}, nil, sig}
	}
	if o.signWith == nil && !o.neither {
		prot := mustEncode(t, map[int64]int64{1: o.macAlg})
		devPriv, err := p.holder.ECDH()
		if err != nil {
			t.Fatal(err)
		}
		shared, err := devPriv.ECDH(o.macReader)
		if err != nil {
			t.Fatal(err)
		}
		salt := sha256.Sum256(st)
		key, err := hkdf.Key(sha256.New, shared, salt[:], "EMacKey", 32)
		if err != nil {
			t.Fatal(err)
		}
		mac := hmac.New(sha256.New, key)
		mac.Write(mustEncode(t, []any{"MAC0", prot, []byte{}, da}))
		auth["deviceMac"] = []any{prot, map[any]any{}, nil, mac.Sum(nil)}
	}
	return mustEncode(t, map[string]any{
		"version": o.version,
		"status":  0,
		"documents": []any{map[string]any{
			"docType":      o.docType,
			"issuerSigned": cbor.RawMessage(issued),
			"deviceSigned": map[string]any{"nameSpaces": cbor.RawMessage(dns), "deviceAuth": auth},
		}},
	})
}

func TestVerifyDeviceResponse(t *testing.T) {
	p := newTestPKI(t)
	issued := p.issue(t)
	st := testTranscript(t)
	reader, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherReader, _ := ecdh.P256().GenerateKey(rand.Reader)
	tests := map[string]struct {
		opts     deviceOpts
		want     error
		wantAuth string
	}{
		"ok/deviceSignature":                         {opts: deviceOpts{signWith: p.holder}, wantAuth: "deviceSignature"},
		"ok/deviceMac":                               {opts: deviceOpts{macReader: reader.PublicKey()}, wantAuth: "deviceMac"},
		"fail/deviceSignature by another key":        {opts: deviceOpts{signWith: other}, want: ErrDeviceAuth},
		"fail/deviceMac for another reader":          {opts: deviceOpts{macReader: otherReader.PublicKey()}, want: ErrDeviceAuth},
		"fail/deviceMac alg 6":                       {opts: deviceOpts{macReader: reader.PublicKey(), macAlg: 6}, want: ErrUnsupported},
		"fail/document docType differs from MSO":     {opts: deviceOpts{signWith: p.holder, docType: "org.iso.18013.5.1.mDL"}, want: ErrDocType},
		"fail/both deviceSignature and deviceMac":    {opts: deviceOpts{both: true, macReader: reader.PublicKey()}, want: ErrMalformed},
		"fail/neither deviceSignature nor deviceMac": {opts: deviceOpts{neither: true}, want: ErrMalformed},
		"fail/version 2.0":                           {opts: deviceOpts{signWith: p.holder, version: "2.0"}, want: ErrUnsupported},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp := deviceResponse(t, p, issued, st, tc.opts)
			r, err := p.verifier.VerifyDeviceResponse(resp, DeviceAuthInput{SessionTranscript: st, ReaderKey: reader})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want == nil && (len(r.Documents) != 1 || r.Documents[0].DeviceAuth != tc.wantAuth || len(r.Documents[0].Elements) != 12) {
				t.Fatalf("response %+v", r)
			}
		})
	}
	t.Run("fail/SessionTranscript not a 3-array", func(t *testing.T) {
		resp := deviceResponse(t, p, issued, st, deviceOpts{signWith: p.holder})
		_, err := p.verifier.VerifyDeviceResponse(resp, DeviceAuthInput{SessionTranscript: []byte{0x82, 0xf6, 0xf6}})
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("err = %v, want ErrMalformed", err)
		}
	})
}
