package oid4vci

import (
	"encoding/json"
	"fmt"
)

// ResponseEncryption is the credential_response_encryption object of a
// Credential or Deferred Credential Request (§8.2, §9.1).
type ResponseEncryption struct {
	// JWK is the wallet's public key, as raw JSON; it must carry alg (§10).
	JWK json.RawMessage `json:"jwk"`
	// Enc is the JWE content encryption algorithm. REQUIRED.
	Enc string `json:"enc"`
	// Zip is the JWE compression algorithm; absent means none. OPTIONAL.
	Zip string `json:"zip,omitempty"`
}

// jwkPrivateMembers are the JWK members that only a private or symmetric
// key carries (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2).
var jwkPrivateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// parseResponseEncryption reads and checks the object; errors are plain and
// the caller turns them into invalid_encryption_parameters.
func parseResponseEncryption(m members) (*ResponseEncryption, error) {
	e := &ResponseEncryption{}
	if err := m.str("enc", &e.Enc); err != nil {
		return nil, err
	}
	if err := m.str("zip", &e.Zip); err != nil {
		return nil, err
	}
	if m.present("jwk") {
		e.JWK = append(json.RawMessage(nil), m["jwk"]...)
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return e, nil
}

// Validate checks the shape §8.2 and §10 require: a public JWK object with
// kty and alg, a non-empty enc, and zip either absent or DEF (RFC 7516
// §4.1.3). Whether the issuer supports alg and enc is its own policy check.
func (e *ResponseEncryption) Validate() error {
	if len(e.JWK) == 0 {
		return fmt.Errorf("jwk is missing")
	}
	jwk, err := asObject(e.JWK)
	if err != nil {
		return fmt.Errorf("jwk must be a JSON object, not %s", jsonKind(e.JWK))
	}
	var kty, alg string
	if err := jwk.str("kty", &kty); err != nil || kty == "" {
		return fmt.Errorf("jwk has no kty")
	}
	// §10: "The alg parameter MUST be present."
	if err := jwk.str("alg", &alg); err != nil || alg == "" {
		return fmt.Errorf("jwk has no alg")
	}
	for _, p := range jwkPrivateMembers {
		if _, ok := jwk[p]; ok {
			return fmt.Errorf("jwk carries private key member %q", p)
		}
	}
	if e.Enc == "" {
		return fmt.Errorf("enc is missing")
	}
	if e.Zip != "" && e.Zip != ZipDeflate {
		return fmt.Errorf("zip %q is not %s", e.Zip, ZipDeflate)
	}
	return nil
}

// JWKAlg returns the alg member of JWK, which the JWE alg must equal (§10).
func (e *ResponseEncryption) JWKAlg() string { return jwkMember(e.JWK, "alg") }

// JWKKeyID returns the kid member of JWK, which the JWE header must repeat (§10).
func (e *ResponseEncryption) JWKKeyID() string { return jwkMember(e.JWK, "kid") }

// jwkMember returns a string member of a JWK by its exact name, or "".
func jwkMember(raw json.RawMessage, name string) string {
	m, err := asObject(raw)
	if err != nil {
		return ""
	}
	var v string
	if m.str(name, &v) != nil {
		return ""
	}
	return v
}
