// Package testvectors loads the public conformance vectors kept in
// ../shared/testvectors (see its README.md and PROVENANCE.md) and runs
// Pramaan's format libraries against them.
//
// Each folder of the vector set is one Suite. A Suite returns one Case per
// vector it checked; a Case passes when the vector gave exactly the result
// its provenance records (byte-exact disclosures, a valid signature, a digest
// mismatch where upstream tampered with the data, and so on).
//
// The same suites run in two places: inside `go test ./...` (this package's
// tests) and from the command line as `pramaan conformance`.
package testvectors
