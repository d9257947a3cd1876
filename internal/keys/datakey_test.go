package keys_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/pramaan/pramaan/internal/keys"
)

func testDataKey(t testing.TB) *keys.DataKey {
	t.Helper()
	k, err := keys.NewDataKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestDataKeySealOpen(t *testing.T) {
	k := testDataKey(t)
	aad := []byte("table=claims;id=42")
	pt := []byte(`{"name":"Asha Devi"}`)
	sealed, err := k.Seal(pt, aad)
	if err != nil {
		t.Fatal(err)
	}
	if len(sealed) != 1+12+len(pt)+16 || sealed[0] != 0x01 {
		t.Fatalf("sealed form: %d bytes, version 0x%02x", len(sealed), sealed[0])
	}
	again, _ := k.Seal(pt, aad)
	if bytes.Equal(again[1:13], sealed[1:13]) {
		t.Fatal("two seals used the same nonce")
	}
	got, err := k.Open(sealed, aad)
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("ok/round trip: %q, %v", got, err)
	}
	empty, err := k.Seal(nil, aad)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k.Open(empty, aad); err != nil || len(got) != 0 {
		t.Fatalf("ok/empty plaintext: %q, %v", got, err)
	}

	other, _ := keys.NewDataKey(bytes.Repeat([]byte{8}, 32))
	tests := []struct {
		name   string
		key    *keys.DataKey
		sealed []byte
		aad    []byte
		want   error
		msg    string
	}{
		{"fail/wrong aad", k, sealed, []byte("table=claims;id=43"), keys.ErrDecrypt, "keys: decryption failed"},
		{"fail/no aad", k, sealed, nil, keys.ErrAADRequired, "keys: associated data is required"},
		{"fail/wrong key", other, sealed, aad, keys.ErrDecrypt, "keys: decryption failed"},
		{"fail/unknown version", k, append([]byte{0x02}, sealed[1:]...), aad, keys.ErrSealedFormat, "keys: malformed sealed data: unknown version 0x02"},
		{"fail/truncated", k, sealed[:28], aad, keys.ErrSealedFormat, "keys: malformed sealed data: 28 bytes, version 1 needs at least 29"},
		{"fail/empty", k, nil, aad, keys.ErrSealedFormat, "keys: malformed sealed data: empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.key.Open(tc.sealed, tc.aad)
			if !errors.Is(err, tc.want) || err.Error() != tc.msg {
				t.Fatalf("error = %v, want %q", err, tc.msg)
			}
		})
	}
	// fail/flipped byte: every single-bit change anywhere is rejected.
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x01
		want := keys.ErrDecrypt
		if i == 0 {
			want = keys.ErrSealedFormat
		}
		if _, err := k.Open(bad, aad); !errors.Is(err, want) {
			t.Fatalf("fail/flipped byte %d: error = %v, want %v", i, err, want)
		}
	}
	if _, err := k.Seal(pt, nil); !errors.Is(err, keys.ErrAADRequired) {
		t.Fatalf("Seal without aad: %v", err)
	}
}

func TestNewDataKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := keys.NewDataKey(make([]byte, n)); !errors.Is(err, keys.ErrDataKey) {
			t.Fatalf("fail/%d-byte key: error = %v", n, err)
		}
	}
}

func TestDeriveKeyIsStablePerPurposeAndIndependentAcrossPurposes(t *testing.T) {
	raw := make([]byte, keys.DataKeySize)
	for i := range raw {
		raw[i] = byte(i)
	}
	a, err := keys.NewDataKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	b, err := keys.NewDataKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	k1, err := a.DeriveKey("dpop-nonce")
	if err != nil {
		t.Fatal(err)
	}
	k2, err := b.DeriveKey("dpop-nonce")
	if err != nil {
		t.Fatal(err)
	}
	if len(k1) != 32 || !bytes.Equal(k1, k2) {
		t.Fatalf("same key and purpose derived %x and %x", k1, k2)
	}
	k3, err := a.DeriveKey("other")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(k1, k3) {
		t.Fatal("two purposes derived the same key")
	}
	if bytes.Equal(k1, raw) {
		t.Fatal("derived key equals the data key")
	}
	if _, err := a.DeriveKey(""); !errors.Is(err, keys.ErrDataKey) {
		t.Fatalf("empty purpose: %v, want ErrDataKey", err)
	}
}
