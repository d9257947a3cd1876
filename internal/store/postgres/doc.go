// Package postgres is the production store: PostgreSQL through pgx v5,
// safe for many instances of pramaan serve sharing one database. It
// implements the issuer's store interfaces (issuer/store.go) and passes
// storetest.
//
// A pre-authorized code is redeemed under SELECT … FOR UPDATE in one
// transaction; c_nonces are consumed by one conditional UPDATE … RETURNING;
// replay ids and idempotency replies by INSERT … ON CONFLICT that replaces
// only an expired entry; deferred issuances are collected by one conditional
// UPDATE … RETURNING.
// Migrations run under a session advisory lock so that instances starting
// together apply each exactly once. Serialization failures and deadlocks
// (SQLSTATE 40001, 40P01) are retried a bounded number of times.
package postgres
