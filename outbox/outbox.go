package outbox

import (
	"context"
	"errors"
	"time"
)

// State is where a message is in its life.
type State string

// States of a message.
const (
	StatePending   State = "pending"   // waiting for its next attempt
	StateDelivered State = "delivered" // the backend answered 2xx
	StateDead      State = "dead"      // given up; requeued only by hand
)

// ErrNotFound is returned for an unknown message, or one not in the state
// an operation needs.
var ErrNotFound = errors.New("outbox: no such message in that state")

// Message is one delivery to a wallet backend.
type Message struct {
	// ID is random and unique; it is the Idempotency-Key of every attempt.
	ID string
	// Destination is the wallet backend's client id.
	Destination string
	URL         string
	ContentType string
	// Body is sent as is: for callbacks, a JWE encrypted to the backend.
	Body []byte
	// IssuanceID is the issued_credentials row (the notification_id) the
	// message reports; empty when none.
	IssuanceID string

	State         State
	Attempts      int
	NextAttemptAt time.Time
	LeaseUntil    time.Time // zero unless a worker holds it
	LastStatus    int       // the last HTTP status, 0 for a transport error
	LastError     string
	CreatedAt     time.Time
	DeliveredAt   time.Time
}

// Failure records a failed attempt.
type Failure struct {
	At     time.Time
	Status int    // 0 for a transport error
	Error  string // what went wrong, never the body
	// Next is the next attempt's time; ignored when Dead.
	Next time.Time
	Dead bool
}

// Store keeps the outbox. Messages are added by the producer's own
// transaction (issuer.IssuanceStore.RecordIssuance); the Worker consumes
// them through this interface.
type Store interface {
	// ClaimDue leases up to limit pending messages due at now (NextAttemptAt
	// <= now) that no live lease holds, oldest due first: it sets
	// LeaseUntil = now + lease, increments Attempts and returns them as
	// updated. Concurrent claimers, on any instance, never get the same
	// message while its lease runs.
	ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Message, error)
	// MarkDelivered sets a pending message delivered at now (idempotent for
	// one already delivered); ErrNotFound for an unknown or dead one.
	MarkDelivered(ctx context.Context, id string, now time.Time, status int) error
	// MarkFailed records a failed attempt of a pending message: the lease
	// is released and the message waits until f.Next, or is dead when
	// f.Dead. ErrNotFound when it is not pending.
	MarkFailed(ctx context.Context, id string, f Failure) error
	// Messages lists up to limit messages in state (all states when
	// empty), newest first.
	Messages(ctx context.Context, state State, limit int) ([]Message, error)
	// Requeue makes a dead message pending again, due at now, with its
	// attempts reset; ErrNotFound unless it is dead.
	Requeue(ctx context.Context, id string, now time.Time) error
}
