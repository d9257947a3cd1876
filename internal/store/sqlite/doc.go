// Package sqlite is the embedded-default store: one SQLite file in the data
// directory, through modernc.org/sqlite (pure Go, no cgo). It implements the
// issuer's store interfaces (issuer/store.go) and passes storetest.
//
// Writes that must exclude each other run in BEGIN IMMEDIATE transactions
// (the _txlock=immediate connection parameter) with a busy timeout, so
// concurrent redeemers of one pre-authorized code queue instead of both
// reading it unredeemed; single-use values (c_nonces, deferred issuances
// collected with UPDATE … RETURNING) are consumed by one conditional UPDATE. Times are stored as Unix nanoseconds (UTC).
package sqlite
