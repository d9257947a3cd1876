package sandbox

import "slices"

// Fault is a one-shot misbehaviour. Each injected fault is consumed, in
// the order injected, by the first request that reaches the point where
// it applies: the ID token faults by the next token response issued (not
// by a use_dpop_nonce answer), the userinfo faults by the next userinfo
// response, FaultTokenInvalidClient by the next token request (before
// any other check), FaultDiscoveryUnavailable by the next discovery
// request.
type Fault int

const (
	// FaultIDTokenUnknownKey signs the ID token with a key that is not in
	// the JWKS, under the JWKS key's kid.
	FaultIDTokenUnknownKey Fault = iota + 1
	// FaultIDTokenAlgNone sends the ID token with alg "none" and no
	// signature.
	FaultIDTokenAlgNone
	// FaultIDTokenExpired sends an ID token whose exp has passed (iat
	// further back).
	FaultIDTokenExpired
	// FaultIDTokenBadAtHash sends an at_hash that is not the access
	// token's.
	FaultIDTokenBadAtHash
	// FaultIDTokenWrongNonce sends a nonce other than the one requested.
	FaultIDTokenWrongNonce
	// FaultUserinfoBadSignature corrupts the userinfo JWS's signature.
	FaultUserinfoBadSignature
	// FaultUserinfoOtherSub answers userinfo for another user: that
	// user's pairwise sub and claims.
	FaultUserinfoOtherSub
	// FaultTokenInvalidClient answers the token request 400
	// invalid_client.
	FaultTokenInvalidClient
	// FaultDiscoveryUnavailable answers discovery 503.
	FaultDiscoveryUnavailable
)

var (
	idTokenFaults  = []Fault{FaultIDTokenUnknownKey, FaultIDTokenAlgNone, FaultIDTokenExpired, FaultIDTokenBadAtHash, FaultIDTokenWrongNonce}
	userinfoFaults = []Fault{FaultUserinfoBadSignature, FaultUserinfoOtherSub}
)

// Inject queues faults; each answers one request (see Fault).
func (s *Sandbox) Inject(f ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f...)
}

// takeFault removes and returns the first queued fault among kinds, or 0.
func (s *Sandbox) takeFault(kinds ...Fault) Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if slices.Contains(kinds, f) {
			s.faults = slices.Delete(s.faults, i, i+1)
			return f
		}
	}
	return 0
}
