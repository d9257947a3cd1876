// Package issuer is the OpenID4VCI 1.0 core of Pramaan: credential offers
// with pre-authorized codes and tx_codes, the token, nonce and credential
// endpoints' protocol logic, proof checks, format dispatch to sdjwt and mdoc,
// request and response encryption, batch, deferred issuance and
// notification.
//
// It knows nothing about HTTP or SQL: internal/httpapi binds requests to the
// typed methods here, and the store interfaces in store.go are implemented
// by internal/store (SQLite and Postgres, both held to internal/store/storetest).
// One-time values (pre-authorized codes, tx_code attempts, c_nonces, DPoP
// jtis) are consumed atomically by the store, so many instances may share
// one database.
package issuer
