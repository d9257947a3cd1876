package record_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/pramaan/pramaan/identity/record"
)

// sharing is what one documents sharing records: about 25 claims.
func sharing() []record.Observation {
	var obs []record.Observation
	for i := range 25 {
		obs = append(obs, verified(fmt.Sprintf("education.class_xii.f%02d", i), fmt.Sprintf("value %d", i), "digilocker_document:HSCER"))
	}
	return obs
}

// BenchmarkRecordSharingFirst writes 25 new verified claims (sealed, one
// transaction, 25 audit events) for a new subject each time, on SQLite.
func BenchmarkRecordSharingFirst(b *testing.B) {
	e := newEnv(&testing.T{})
	ctx := context.Background()
	obs := sharing()
	b.ResetTimer()
	for i := range b.N {
		id, _, err := e.rec.Subject(ctx, "digilocker", fmt.Sprint("dl-", i))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.rec.Record(ctx, id, obs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecordSharingAgain re-records the same 25 claims: every one
// opened and compared, nothing written.
func BenchmarkRecordSharingAgain(b *testing.B) {
	e := newEnv(&testing.T{})
	ctx := context.Background()
	id, _, _ := e.rec.Subject(ctx, "digilocker", "dl-again")
	obs := sharing()
	if _, err := e.rec.Record(ctx, id, obs); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if out, err := e.rec.Record(ctx, id, obs); err != nil || len(out.Unchanged) != 25 {
			b.Fatal(out, err)
		}
	}
}

// BenchmarkCredentialClaims reads and nests a subject's 25 claims.
func BenchmarkCredentialClaims(b *testing.B) {
	e := newEnv(&testing.T{})
	ctx := context.Background()
	id, _, _ := e.rec.Subject(ctx, "digilocker", "dl-read")
	e.rec.Record(ctx, id, sharing())
	b.ResetTimer()
	for range b.N {
		if _, err := e.rec.CredentialClaims(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFloorES256SignVerify is the floor the others are read against.
func BenchmarkFloorES256SignVerify(b *testing.B) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	h := sha256.Sum256([]byte("floor"))
	for range b.N {
		sig, err := ecdsa.SignASN1(rand.Reader, k, h[:])
		if err != nil || !ecdsa.VerifyASN1(&k.PublicKey, h[:], sig) {
			b.Fatal("floor")
		}
	}
}
