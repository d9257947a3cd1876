// Package credstatus is the lifecycle of issued credentials over IETF
// Token Status Lists (draft-ietf-oauth-status-list): it hands every issued
// credential (each member of a batch too) a random, unused index in the
// current list, serves each list as a signed Status List Token, and
// revokes, suspends and reinstates credentials, each change an audit
// event.
//
// Lists have a fixed size (131,072 entries by default) however few
// credentials they hold, so a list's length does not tell how many were
// issued; indices are drawn at random (crypto/rand), never in sequence; a
// list that has handed out half its indices rolls over to a new one (so a
// random draw rarely collides). Every status change bumps the list's
// version in the same transaction, and a token is signed again for each
// version: every instance on the database serves the change at once. A
// token is also signed again when half its validity has passed.
package credstatus
