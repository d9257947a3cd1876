package issuer

import (
	"testing"

	"github.com/pramaan/pramaan/oid4vci"
)

func TestRequireEncryptedRequest(t *testing.T) {
	enc := &oid4vci.ResponseEncryption{JWK: []byte(`{"kty":"EC"}`), Enc: "A256GCM"}
	required := encTestPolicy(t, EncryptionConfig{RequestRequired: true})
	tests := []struct {
		name      string
		encrypted bool
		enc       *oid4vci.ResponseEncryption
		policy    EncryptionPolicy
		wantErr   bool
	}{
		{"ok/plain-request-plain-response", false, nil, EncryptionPolicy{}, false},
		{"ok/encrypted-request-encrypted-response", true, enc, EncryptionPolicy{}, false},
		{"ok/encrypted-request-plain-response", true, nil, EncryptionPolicy{}, false},
		{"ok/encrypted-request-when-required", true, nil, required, false},
		{"fail/plain-request-asks-encrypted-response", false, enc, EncryptionPolicy{}, true},
		{"fail/plain-request-when-required", false, nil, required, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := RequireEncryptedRequest(tc.encrypted, tc.enc, tc.policy)
			if !tc.wantErr {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			encTestAssertCode(t, err, oid4vci.CodeInvalidEncryptionParameters, ErrEncryptionRequired)
		})
	}
}

func TestRequireEncryptedResponse(t *testing.T) {
	enc := &oid4vci.ResponseEncryption{JWK: []byte(`{"kty":"EC"}`), Enc: "A256GCM"}
	required := encTestPolicy(t, EncryptionConfig{ResponseRequired: true})
	if err := RequireEncryptedResponse(nil, EncryptionPolicy{}); err != nil {
		t.Errorf("ok/optional-and-absent: %v", err)
	}
	if err := RequireEncryptedResponse(enc, required); err != nil {
		t.Errorf("ok/required-and-present: %v", err)
	}
	t.Run("fail/required-and-absent", func(t *testing.T) {
		encTestAssertCode(t, RequireEncryptedResponse(nil, required), oid4vci.CodeInvalidEncryptionParameters, ErrEncryptionRequired)
	})
}
