// Package ekyc verifies UIDAI Aadhaar Paperless Offline e-KYC packages
// (../../shared/reference/india-identity-rails.md part 2).
//
// The package is a ZIP archive with one XML entry, encrypted with
// traditional PKWARE encryption ("ZipCrypto") under the resident's share
// code. Open decrypts it in memory under Limits (archive size, entry count,
// uncompressed size, compression ratio) and checks the CRC-32 of the
// plaintext; AES (WinZip AE-x) entries are refused.
//
// Verify parses the OfflinePaperlessKyc XML strictly (no DTD, no entities,
// no comments, bounded depth and counts) and verifies its enveloped XML-DSig
// (Reference URI="", enveloped-signature then optionally a C14N transform,
// inclusive or exclusive C14N 1.0, rsa-sha1 or rsa-sha256 over SignedInfo,
// SHA-256 digest) against pinned certificates: the certificate a document
// carries is never trusted by itself, and a pinned certificate must be
// valid at the document's referenceId time. The referenceId (last four
// Aadhaar digits and an IST timestamp) must be fresh at Options.Now. Fields
// are read only from the element that goxmldsig returns as verified.
//
// A Result separates what may be persisted (Masked: the last four digits, a
// keyed name hash, the verification outcome and times) from the verified
// claims needed for issuance (Claims: name, date of birth, gender, address,
// photo, the mobile and e-mail hashes), which are to be held only in
// memory, or sealed, until the offer is redeemed. The share code is never
// kept. VerifyMobile and VerifyEmail check a mobile number or e-mail
// address against the document's hashes (§2.4).
package ekyc
