package audit_test

import (
	"context"
	"fmt"
	"time"

	"github.com/pramaan/pramaan/internal/audit"
)

// Events are appended to one chain; Verify walks it and counts them. The
// data names the claim and its source, never its value.
func ExampleLog() {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC) }
	log := audit.New(&memStore{}, now) // a deployment passes its SQLite or Postgres store

	first, _ := log.Append(ctx, audit.Event{Type: "digilocker.login", Subject: "urn:pramaan:subject:abc", Actor: "citizen"})
	second, _ := log.Append(ctx, audit.Event{Type: "record.claim_set", Subject: "urn:pramaan:subject:abc", Actor: "system",
		Data: map[string]string{"name": "birth_date", "source": "digilocker_eaadhaar", "verified": "true"}})
	fmt.Println(first.Seq, second.Seq, string(second.Prev) == string(first.Hash))
	fmt.Println(second)

	n, err := log.Verify(ctx)
	fmt.Println(n, err)
	// Output:
	// 1 2 true
	// #2 2026-12-04T10:00:00Z record.claim_set subject=urn:pramaan:subject:abc data=[name,source,verified]
	// 2 <nil>
}
