// Package outbox delivers messages to wallet backends durably: a message
// is written to the store in the same transaction as the issuance it
// reports, and a Worker delivers it by a signed HTTP POST (RFC 9421, with
// Content-Digest and an Idempotency-Key that is the message id) until the
// backend answers 2xx.
//
// Delivery is at least once, made exactly once by the receiver, which
// deduplicates by Idempotency-Key (package wallet/backend does). A worker
// leases the messages it claims; a message whose worker died (a killed
// process, a lost connection) is claimed again when its lease runs out,
// on this instance or another. On Postgres the claim is
// SELECT … FOR UPDATE SKIP LOCKED, so several instances share the outbox
// without delivering one message twice at the same time.
//
// Failures are retried with exponential backoff and jitter, honouring
// Retry-After, up to Policy.MaxAttempts; then, or at once on an answer
// that retrying cannot fix (a 4xx other than 408, 425 and 429), the
// message is dead: kept, visible to the operator, and requeued only by
// hand.
package outbox
