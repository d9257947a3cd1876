// Command pramaan is the Pramaan credential issuance gateway and its tools.
//
// Usage:
//
//	pramaan conformance [--vectors DIR]
//	pramaan verify sdjwt FILE (--jwks FILE|URL | --trust PEM | --issuer-metadata) [--nonce N --aud A] [--at RFC3339]
//	pramaan verify mdoc FILE --trust IACA.pem [--at RFC3339] [--allow-self-signed-ds]
//	pramaan keys export [--data-dir DIR]
//
// The service itself (`pramaan serve`) arrives with the OpenID4VCI issuer.
// This package holds flags, wiring and output only; protocol logic lives in
// the sdjwt, mdoc and testvectors packages.
package main
