package record_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pramaan/pramaan/identity/record"
	"github.com/pramaan/pramaan/internal/audit"
	"github.com/pramaan/pramaan/internal/store/sqlite"
)

// A citizen signs in: the profile is recorded as verified, a later
// unverified value does not replace it, and the verified claims come out
// nested for a credential offer.
func ExampleService_Record() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "record-example")
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "pramaan.db"))
	if err != nil {
		panic(err)
	}
	defer st.Close()
	block, _ := aes.NewCipher(make([]byte, 32)) // a real deployment uses the keystore's data key
	aead, _ := cipher.NewGCM(block)
	now := func() time.Time { return time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC) }
	rec, _ := record.New(record.Config{Store: st, Sealer: gcm{aead}, Audit: audit.New(st, now), Now: now})

	id, _, _ := rec.Subject(ctx, "digilocker", "9a1c5e0e-0000-4000-8000-000000000001")
	rec.Record(ctx, id, []record.Observation{
		{Name: "name", Value: "Asha Verma", Source: "digilocker_profile", Evidence: []byte(`{"name":"Asha Verma"}`), Verified: true},
		{Name: "address.city", Value: "Pune", Source: "digilocker_eaadhaar", Evidence: []byte("<Certificate/>"), Verified: true},
	})
	out, _ := rec.Record(ctx, id, []record.Observation{{Name: "name", Value: "A. Verma", Source: "self"}})
	fmt.Println("kept:", out.Kept)
	claims, _ := rec.CredentialClaims(ctx, id)
	b, _ := json.Marshal(claims)
	fmt.Println(string(b))
	// Output:
	// kept: [name]
	// {"address":{"city":"Pune"},"name":"Asha Verma"}
}
