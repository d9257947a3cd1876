package wellknown

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// AlgorithmID is one entry of credential_signing_alg_values_supported: a
// case-sensitive JOSE algorithm name (dc+sd-jwt, OpenID4VCI 1.0 Appendix A.3.2)
// or a numeric COSE algorithm identifier (mso_mdoc, Appendix A.2.2). The zero
// value is invalid.
type AlgorithmID struct {
	name   string
	cose   int64
	isCOSE bool
}

// JOSEAlgorithm returns the AlgorithmID for a JOSE name such as "ES256".
func JOSEAlgorithm(name string) AlgorithmID { return AlgorithmID{name: name} }

// COSEAlgorithm returns the AlgorithmID for a COSE number such as -7 (ES256)
// or -9 (ESP256, ECDSA on P-256 with SHA-256, fully specified).
func COSEAlgorithm(id int64) AlgorithmID { return AlgorithmID{cose: id, isCOSE: true} }

// COSE returns the COSE number and true when a is numeric.
func (a AlgorithmID) COSE() (int64, bool) { return a.cose, a.isCOSE }

// JOSE returns the JOSE name and true when a is a string.
func (a AlgorithmID) JOSE() (string, bool) { return a.name, !a.isCOSE && a.name != "" }

// String returns the JOSE name or the decimal COSE number.
func (a AlgorithmID) String() string {
	if a.isCOSE {
		return strconv.FormatInt(a.cose, 10)
	}
	return a.name
}

// MarshalJSON encodes a JSON string or a JSON integer.
func (a AlgorithmID) MarshalJSON() ([]byte, error) {
	if a.isCOSE {
		return []byte(strconv.FormatInt(a.cose, 10)), nil
	}
	if a.name == "" {
		return nil, fmt.Errorf("%w: empty algorithm identifier", ErrMalformed)
	}
	return json.Marshal(a.name)
}

// UnmarshalJSON accepts a non-empty JSON string or a JSON integer.
func (a *AlgorithmID) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return malformed("algorithm identifier: %v", err)
		}
		if s == "" {
			return malformed("algorithm identifier is an empty string")
		}
		*a = JOSEAlgorithm(s)
		return nil
	}
	n, err := strconv.ParseInt(string(data), 10, 64)
	if err != nil {
		return malformed("algorithm identifier %.40q is neither a string nor an integer", data)
	}
	*a = COSEAlgorithm(n)
	return nil
}
