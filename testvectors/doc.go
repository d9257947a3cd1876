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
//
// The folder independent/ holds a small pinned npm project whose scripts
// check our own output with independent implementations (@sd-jwt/sd-jwt-vc
// for SD-JWT VC, @auth0/mdl for mdoc); this package's tests issue a
// credential with sdjwt and mdoc, run those scripts, and also require that
// a one-byte change is rejected.
package testvectors
