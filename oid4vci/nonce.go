package oid4vci

import (
	"errors"
	"fmt"
)

// ErrInvalidNonceResponse is wrapped by every error about a Nonce Response.
var ErrInvalidNonceResponse = errors.New("oid4vci: invalid nonce response")

// NonceResponse is the Nonce Endpoint's response (§7.2), sent with
// Cache-Control: no-store and optionally a DPoP-Nonce header.
type NonceResponse struct {
	// CNonce is the unpredictable challenge for key proofs. REQUIRED.
	CNonce string `json:"c_nonce"`
}

// ParseNonceResponse reads a Nonce Response body, as a wallet receives it.
func ParseNonceResponse(data []byte, l Limits) (*NonceResponse, error) {
	l = l.withDefaults()
	m, err := decodeObject(data, l)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidNonceResponse, err)
	}
	r := &NonceResponse{}
	if err := m.str("c_nonce", &r.CNonce); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidNonceResponse, err)
	}
	if r.CNonce == "" {
		return nil, fmt.Errorf("%w: c_nonce is missing", ErrInvalidNonceResponse)
	}
	if len(r.CNonce) > l.MaxStringBytes {
		return nil, fmt.Errorf("%w: c_nonce is longer than %d bytes", ErrInvalidNonceResponse, l.MaxStringBytes)
	}
	return r, nil
}
