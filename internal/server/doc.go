// Package server assembles a running issuer from its parts: it opens the
// store the configuration names (SQLite in the data directory, or
// Postgres) and turns a validated internal/config.Config and an open
// internal/keys.Keystore into an issuer.Service, translating the
// operator's configuration into the issuer's own types.
//
// cmd/pramaan serve uses it, and so do the tests that need a complete
// issuer without a process: the wiring is written once.
package server
