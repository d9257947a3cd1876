// Package store is the home of Pramaan's two storage backends, which
// implement the consumer-side interfaces declared by the packages that use
// them (issuer/store.go):
//
//   - sqlite: the embedded default, a file in the data directory
//     (modernc.org/sqlite, pure Go);
//   - postgres: production, through pgx v5, safe for many instances sharing
//     one database (row locks, single-statement consumption, advisory locks
//     around migrations);
//   - storetest: the one conformance suite both must pass, including the
//     concurrency tests (of 50 racing consumers of a one-time value, exactly
//     one wins).
//
// Each backend embeds its versioned SQL migrations, applied at Open and by
// `pramaan migrate`.
package store
