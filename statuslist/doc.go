// Package statuslist reads IETF Token Status Lists
// (draft-ietf-oauth-status-list): it fetches a Status List Token
// (statuslist+jwt) from the URI a referenced token names, verifies it
// through a caller-supplied key resolver (for key attestations, the
// wallet-provider x5c chain), decodes the ZLIB-compressed list with bounds
// and answers the status at an index, caching each list until its exp or
// ttl.
//
// Comments cite draft-ietf-oauth-status-list-17 by section title, since
// its numbering moved between drafts.
package statuslist
