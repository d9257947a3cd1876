// Package audit is Pramaan's append-only, hash-chained audit log: every
// state change that matters to a citizen (sign-in, consent, a claim set or
// kept, a document downloaded, an offer made, an erasure) is one Event.
// Each event's Hash covers its fields and the previous event's hash, so an
// edited, removed or reordered row breaks the chain at that row, and
// Verify names it.
//
// Events carry no personal values: claim names, sources, evidence hashes,
// identifiers of offers, never a name, a date of birth or a token.
package audit
