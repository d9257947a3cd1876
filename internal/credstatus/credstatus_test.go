package credstatus_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/pramaan/pramaan/internal/audit"
	"github.com/pramaan/pramaan/internal/credstatus"
	"github.com/pramaan/pramaan/internal/store/sqlite"
	"github.com/pramaan/pramaan/statuslist"
)

type env struct {
	svc   *credstatus.Service
	st    *sqlite.Store
	key   *ecdsa.PrivateKey
	clock *time.Time
}

func newEnv(t *testing.T, size int) *env {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	e := &env{st: st, key: key, clock: &now}
	clock := func() time.Time { return *e.clock }
	if e.svc, err = credstatus.New(credstatus.Config{Store: st, Audit: audit.New(st, clock), Signer: key, KeyID: "k1",
		BaseURL: "https://pramaan.example/status/", Size: size, Now: clock}); err != nil {
		t.Fatal(err)
	}
	return e
}

// status reads a credential's status as a verifier would: the token
// through statuslist's reader.
func (e *env) status(t *testing.T, a *credstatus.Allocation) statuslist.Status {
	t.Helper()
	listID := a.URI[len("https://pramaan.example/status/"):]
	jwt, _, _, err := e.svc.Token(context.Background(), listID, false)
	if err != nil {
		t.Fatal(err)
	}
	tok := string(jwt)
	c, _ := statuslist.NewClient(statuslist.Config{
		Resolve: func(context.Context, map[string]json.RawMessage) (crypto.PublicKey, error) {
			return &e.key.PublicKey, nil
		},
		Now: func() time.Time { return *e.clock },
	})
	vt, err := c.Verify(context.Background(), tok, a.URI)
	if err != nil {
		t.Fatal(err)
	}
	s, err := vt.List.Get(a.Index)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLifecycle(t *testing.T) {
	e := newEnv(t, 1024)
	ctx := context.Background()
	ref := credstatus.Ref{SubjectID: "sub-1", ConfigurationID: "aadhaar_sd_jwt", Format: "dc+sd-jwt", OfferID: "o1", NotificationID: "n1"}
	a, err := e.svc.Allocate(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if e.status(t, a) != statuslist.Valid {
		t.Fatal("a new credential is not VALID")
	}
	_, etag1, _, _ := e.svc.Token(ctx, a.URI[len("https://pramaan.example/status/"):], false)
	for _, step := range []struct {
		change credstatus.Change
		want   statuslist.Status
		err    error
	}{
		{credstatus.Reinstate, 0, credstatus.ErrTransition}, // not suspended
		{credstatus.Suspend, statuslist.Suspended, nil},
		{credstatus.Reinstate, statuslist.Valid, nil},
		{credstatus.Revoke, statuslist.Invalid, nil},
		{credstatus.Reinstate, 0, credstatus.ErrTransition}, // revoked stays revoked
		{credstatus.Suspend, 0, credstatus.ErrTransition},
		{"delete", 0, credstatus.ErrTransition},
	} {
		_, err := e.svc.Apply(ctx, a.CredentialID, step.change, "test", "admin")
		if step.err != nil {
			if !errors.Is(err, step.err) {
				t.Fatalf("%s: %v, want %v", step.change, err, step.err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := e.status(t, a); got != step.want {
			t.Fatalf("after %s: %v, want %v", step.change, got, step.want)
		}
	}
	_, etag2, _, _ := e.svc.Token(ctx, a.URI[len("https://pramaan.example/status/"):], false)
	if etag1 == etag2 {
		t.Fatal("the ETag did not change with the list")
	}
	if _, err := e.svc.Apply(ctx, "cr_nope", credstatus.Revoke, "", "admin"); !errors.Is(err, credstatus.ErrNotFound) {
		t.Fatalf("unknown credential: %v", err)
	}
	if _, _, _, err := e.svc.Token(ctx, "sl_nope", false); !errors.Is(err, credstatus.ErrNotFound) {
		t.Fatalf("unknown list: %v", err)
	}
	if es, _ := e.svc.Credentials(ctx, "sub-1"); len(es) != 1 || es[0].Status != statuslist.Invalid || es[0].Reason != "test" {
		t.Fatalf("credentials %+v", es)
	}
}

// Indices are random, not sequential, unique; a list rolls over at half.
func TestAllocationIsRandomAndRollsOver(t *testing.T) {
	e := newEnv(t, 1024)
	ctx := context.Background()
	seen := map[string]map[int]bool{}
	ascending := 0
	prev := -1
	for range 700 {
		a, err := e.svc.Allocate(ctx, credstatus.Ref{SubjectID: "s"})
		if err != nil {
			t.Fatal(err)
		}
		if seen[a.URI] == nil {
			seen[a.URI] = map[int]bool{}
		}
		if seen[a.URI][a.Index] {
			t.Fatalf("index %d handed out twice in %s", a.Index, a.URI)
		}
		seen[a.URI][a.Index] = true
		if a.Index == prev+1 {
			ascending++
		}
		prev = a.Index
	}
	if len(seen) != 2 {
		t.Fatalf("%d lists for 700 allocations of 1024-entry lists rolling over at 512", len(seen))
	}
	for uri, idx := range seen {
		if len(idx) != 512 && len(idx) != 700-512 {
			t.Fatalf("%s holds %d", uri, len(idx))
		}
	}
	if ascending > 10 {
		t.Fatalf("%d of 700 indices followed their predecessor: not random", ascending)
	}
}

// A token is reused for one version and signed again after half its
// validity.
func TestTokenCache(t *testing.T) {
	e := newEnv(t, 1024)
	ctx := context.Background()
	a, _ := e.svc.Allocate(ctx, credstatus.Ref{SubjectID: "s"})
	id := a.URI[len("https://pramaan.example/status/"):]
	for _, cwt := range []bool{false, true} {
		t1, _, ttl, _ := e.svc.Token(ctx, id, cwt)
		t2, _, _, _ := e.svc.Token(ctx, id, cwt)
		if string(t1) != string(t2) || ttl != 5*time.Minute {
			t.Fatal("the token was signed again for the same version")
		}
		*e.clock = e.clock.Add(13 * time.Hour)
		t3, _, _, _ := e.svc.Token(ctx, id, cwt)
		if string(t3) == string(t1) {
			t.Fatal("the token was not signed again after half its validity")
		}
		if cwt {
			if _, err := statuslist.VerifyCWT(t3, &e.key.PublicKey, a.URI, *e.clock, 1<<20); err != nil {
				t.Fatalf("the CWT does not verify: %v", err)
			}
		}
	}
}

// RevokeIssuance revokes every credential of one batch (the
// credential_deleted notification), RevokeSubject those of given
// configurations; revoked ones are skipped.
func TestRevokeIssuanceAndSubject(t *testing.T) {
	e := newEnv(t, 1024)
	ctx := context.Background()
	var batch []*credstatus.Allocation
	for range 3 {
		a, _ := e.svc.Allocate(ctx, credstatus.Ref{SubjectID: "s1", ConfigurationID: "aadhaar_sd_jwt", NotificationID: "n-batch"})
		batch = append(batch, a)
	}
	other, _ := e.svc.Allocate(ctx, credstatus.Ref{SubjectID: "s1", ConfigurationID: "education_sd_jwt", NotificationID: "n-other"})
	ids, err := e.svc.RevokeIssuance(ctx, "n-batch", "credential_deleted", "wallet")
	if err != nil || len(ids) != 3 {
		t.Fatalf("revoked %v %v", ids, err)
	}
	for _, a := range batch {
		if e.status(t, a) != statuslist.Invalid {
			t.Fatal("a member of the batch is not INVALID")
		}
	}
	if e.status(t, other) != statuslist.Valid {
		t.Fatal("another issuance was revoked")
	}
	if ids, _ := e.svc.RevokeIssuance(ctx, "n-batch", "again", "wallet"); len(ids) != 0 {
		t.Fatalf("revoked twice: %v", ids)
	}
	if ids, _ := e.svc.RevokeSubject(ctx, "s1", []string{"aadhaar_mdoc"}, "x", "operator"); len(ids) != 0 {
		t.Fatalf("revoked a configuration the subject does not hold: %v", ids)
	}
	if ids, _ := e.svc.RevokeSubject(ctx, "s1", nil, "x", "operator"); len(ids) != 1 || ids[0] != other.CredentialID {
		t.Fatalf("RevokeSubject: %v", ids)
	}
}
