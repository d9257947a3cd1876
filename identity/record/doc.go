// Package record is the verified-claims record (the golden record): one
// subject per citizen, found by an external key (a DigiLocker id, an
// eSignet pairwise sub), and for each claim its value, source, evidence
// hash, verification flag and time.
//
// Rules: a verified value is never overwritten by an unverified one; a
// value is sealed at rest (the AAD binds subject and claim name), the
// store sees names and sources only; every change, and every refused
// overwrite, is an audit event without the value. CredentialClaims gives
// the verified claims as the nested object the issuer's offers consume:
// claim "address.city" is {"address": {"city": …}}.
package record
