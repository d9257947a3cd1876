package mdoc

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// EncodeCredential returns the OpenID4VCI 1.0 Appendix A.2.4 form of an
// mso_mdoc credential: base64url without padding of the IssuerSigned bytes.
func EncodeCredential(issuerSigned []byte) string {
	return base64.RawURLEncoding.EncodeToString(issuerSigned)
}

// DecodeInput accepts a CBOR item given as raw bytes, hex, or base64url
// (with or without padding, surrounding white space ignored) and returns the
// raw bytes. Text that is valid hex is read as hex.
func DecodeInput(data []byte) ([]byte, error) {
	if len(data) > 2*MaxInputSize {
		return nil, fmt.Errorf("%w: input of %d bytes", ErrTooLarge, len(data))
	}
	t := bytes.TrimSpace(data)
	if len(t) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrMalformed)
	}
	if !isText(t) {
		return data, nil
	}
	if len(t)%2 == 0 {
		if b, err := hex.DecodeString(string(t)); err == nil {
			return b, nil
		}
	}
	s := string(bytes.TrimRight(t, "="))
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return nil, fmt.Errorf("%w: input is text but neither hex nor base64url", ErrMalformed)
}

// isText reports whether b is printable ASCII only. CBOR IssuerSigned and
// DeviceResponse start with a map head (0xa0..0xbf), never ASCII.
func isText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
