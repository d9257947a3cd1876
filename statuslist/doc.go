// Package statuslist reads and writes IETF Token Status Lists
// (draft-ietf-oauth-status-list).
//
// An issuer keeps a Bitstring (1, 2, 4 or 8 bits per status, VALID at
// first), hands out indices with RandomIndex, and serves the list signed
// as a Status List Token in JWT format (SignJWT: typ statuslist+jwt, sub,
// iat, exp, ttl, status_list {bits, lst}, x5c).
//
// A reader (Client) fetches a Status List Token
// (statuslist+jwt) from the URI a referenced token names, verifies it
// through a caller-supplied key resolver (for key attestations, the
// wallet-provider x5c chain), decodes the ZLIB-compressed list with bounds
// and answers the status at an index, caching each list until its exp or
// ttl.
//
// Comments cite draft-ietf-oauth-status-list-17 by section title, since
// its numbering moved between drafts.
package statuslist
