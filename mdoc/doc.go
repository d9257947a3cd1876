// Package mdoc issues and verifies ISO/IEC 18013-5:2021 mobile documents
// (mdoc), the mso_mdoc credential format of OpenID4VCI 1.0 Appendix A.2.
//
// Issuing: an [Issuer] (document signer key as a [crypto.Signer] plus its
// certificate chain) turns a [Request] (docType, elements, holder device key,
// validity) into the CBOR IssuerSigned structure of §8.3.2.1.2.2:
//
//   - each IssuerSignedItem is encoded once as #6.24(bstr) with a 32-byte
//     random and a digest ID drawn from a random permutation of the whole
//     document; the digest covers exactly those d8 18 … bytes, which are
//     also the bytes embedded in nameSpaces;
//   - the MobileSecurityObject (§9.1.2.4) carries version "1.0", the digest
//     algorithm, valueDigests, the device key as a COSE_Key map, the docType
//     and validityInfo as tdates (tag 0, UTC, whole seconds);
//   - issuerAuth is an untagged COSE_Sign1 with protected header {1: -7}
//     only, the x5chain (33) unprotected (one certificate as a bstr, several
//     as an array, never the IACA root), payload #6.24(MSO) and an empty
//     external_aad.
//
// [EncodeCredential] gives the base64url form OpenID4VCI sends.
//
// Verifying: a [Verifier] with trusted IACA roots and an explicit
// verification time checks an IssuerSigned ([Verifier.VerifyIssuerSigned])
// or a DeviceResponse with its device authentication, deviceSignature or
// deviceMac, over the SessionTranscript ([Verifier.VerifyDeviceResponse]).
// Digests are recomputed over the received bytes, never over a re-encoding.
//
// Every CBOR input is decoded by one strict mode (cbor.go): duplicate map
// keys, indefinite lengths and trailing bytes are rejected, nesting, sizes
// and counts are limited ([MaxDepth], [MaxElements], [MaxInputSize]), and
// the tags the structures require (24, 0, 1004) are checked. Every error
// wraps one of the exported sentinels (ErrMalformed, ErrDigestMismatch, …)
// and names the namespace, element or field concerned.
//
// [NewIACA] and [NewDocumentSigner] create development certificates with the
// Annex B profiles.
package mdoc
