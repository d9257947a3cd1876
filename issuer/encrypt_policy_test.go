package issuer

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/wellknown"
)

func TestEncryptionPolicy_Defaults(t *testing.T) {
	built := encTestPolicy(t, EncryptionConfig{})
	for name, p := range map[string]EncryptionPolicy{"ok/zero-value": {}, "ok/built-from-empty-config": built} {
		t.Run(name, func(t *testing.T) {
			check := func(what string, got, want any) {
				t.Helper()
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %v, want %v", what, got, want)
				}
			}
			check("ResponseAlgs", p.ResponseAlgs(), []string{"ECDH-ES", "RSA-OAEP-256"})
			check("ResponseEncs", p.ResponseEncs(), []string{"A128GCM", "A256GCM"})
			check("RequestEncs", p.RequestEncs(), []string{"A128GCM", "A256GCM"})
			check("ResponseZips", p.ResponseZips(), []string(nil))
			check("RequestZips", p.RequestZips(), []string(nil))
			check("ResponseEncryptionRequired", p.ResponseEncryptionRequired(), false)
			check("RequestEncryptionRequired", p.RequestEncryptionRequired(), false)
			check("MinRSABits", p.MinRSABits(), 2048)
			check("MaxRequestPlaintext", p.MaxRequestPlaintext(), oid4vci.DefaultMaxBytes)
			check("MaxRequestJWE", p.MaxRequestJWE(), 4*((oid4vci.DefaultMaxBytes+2)/3)+8<<10)
		})
	}
}

func TestEncryptionPolicy_FromConfig(t *testing.T) {
	p := encTestPolicy(t, EncryptionConfig{
		ResponseAlgs: []string{"ECDH-ES"}, ResponseEncs: []string{"A256GCM"}, ResponseDeflate: true, ResponseRequired: true,
		RequestEncs: []string{"A128GCM"}, RequestDeflate: true, RequestRequired: true,
		MinRSABits: 3072, MaxRequestPlaintext: 1000, MaxRequestJWE: 2000,
	})
	resp := p.ResponseMetadata()
	want := wellknown.ResponseEncryptionConfig{AlgValues: []string{"ECDH-ES"}, EncValues: []string{"A256GCM"}, ZipValues: []string{"DEF"}, Required: true}
	if !reflect.DeepEqual(resp, want) {
		t.Errorf("ResponseMetadata = %+v, want %+v", resp, want)
	}
	req := p.RequestMetadata(wellknown.KeySpec{KeyID: "k1", Alg: "ECDH-ES"})
	if !reflect.DeepEqual(req.EncValues, []string{"A128GCM"}) || !reflect.DeepEqual(req.ZipValues, []string{"DEF"}) || !req.Required || len(req.Keys) != 1 || req.Keys[0].KeyID != "k1" {
		t.Errorf("RequestMetadata = %+v", req)
	}
	if p.MinRSABits() != 3072 || p.MaxRequestPlaintext() != 1000 || p.MaxRequestJWE() != 2000 {
		t.Errorf("limits = %d %d %d", p.MinRSABits(), p.MaxRequestPlaintext(), p.MaxRequestJWE())
	}
	// The accessors hand out copies: changing one changes nothing inside.
	p.ResponseEncs()[0] = "A128GCM"
	if p.ResponseEncs()[0] != "A256GCM" {
		t.Error("ResponseEncs shares its backing array")
	}
}

func TestNewEncryptionPolicy_Refused(t *testing.T) {
	tests := []struct {
		name string
		cfg  EncryptionConfig
		want string
	}{
		{"fail/unknown-alg", EncryptionConfig{ResponseAlgs: []string{"RSA1_5"}}, `response alg "RSA1_5" is not supported`},
		{"fail/dir-alg", EncryptionConfig{ResponseAlgs: []string{"dir"}}, `response alg "dir"`},
		{"fail/unknown-response-enc", EncryptionConfig{ResponseEncs: []string{"A128CBC-HS256"}}, `response enc "A128CBC-HS256"`},
		{"fail/unknown-request-enc", EncryptionConfig{RequestEncs: []string{"a256gcm"}}, `request enc "a256gcm"`},
		{"fail/duplicate-enc", EncryptionConfig{RequestEncs: []string{"A256GCM", "A256GCM"}}, "listed twice"},
		{"fail/rsa-under-floor", EncryptionConfig{MinRSABits: 1024}, "MinRSABits 1024 is under the floor of 2048"},
		{"fail/negative-plaintext-limit", EncryptionConfig{MaxRequestPlaintext: -1}, "MaxRequestPlaintext -1"},
		{"fail/negative-jwe-limit", EncryptionConfig{MaxRequestJWE: -5}, "MaxRequestJWE -5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewEncryptionPolicy(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			if !reflect.DeepEqual(p, EncryptionPolicy{}) {
				t.Fatalf("a refused config returned a non-zero policy %+v", p)
			}
		})
	}
}
