package oid4vci

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// CredentialRequest is a Credential Request (§8.2). Exactly one of
// CredentialIdentifier and CredentialConfigurationID is set.
type CredentialRequest struct {
	// CredentialIdentifier names a Credential Dataset from the Token
	// Response's credential_identifiers (§6.2).
	CredentialIdentifier string `json:"credential_identifier,omitempty"`
	// CredentialConfigurationID names a configuration when the Token
	// Response had no credential_identifiers.
	CredentialConfigurationID string `json:"credential_configuration_id,omitempty"`
	// Proofs holds the key proofs, one per credential asked for. OPTIONAL.
	Proofs *Proofs `json:"proofs,omitempty"`
	// CredentialResponseEncryption asks for an encrypted response. OPTIONAL.
	CredentialResponseEncryption *ResponseEncryption `json:"credential_response_encryption,omitempty"`

	// LegacyProof is set when the request carried the draft-era singular
	// "proof" member, which 1.0 removed. It is ignored as §8.2 requires for
	// unrecognised parameters; an issuer that needs proofs can use it to
	// explain its invalid_proof error.
	LegacyProof bool `json:"-"`
}

// Proofs is the proofs object (§8.2, Appendix F): exactly one proof type,
// with a non-empty array.
type Proofs struct {
	// JWT holds compact key proof JWTs (Appendix F.1).
	JWT []string `json:"jwt,omitempty"`
	// DIVP holds W3C Verifiable Presentations as raw JSON (Appendix F.2).
	DIVP []json.RawMessage `json:"di_vp,omitempty"`
	// Attestation holds exactly one key attestation JWT (Appendix F.3).
	Attestation []string `json:"attestation,omitempty"`
	// AndroidKeystoreAttestation holds Android KeyStore attestation chains,
	// one per key, each leaf first as standard base64 DER (Google's
	// android_keystore_attestation proof type, an additional proof type as
	// Appendix F allows).
	AndroidKeystoreAttestation [][]string `json:"android_keystore_attestation,omitempty"`
}

// Type returns the proof type in use, or "" when none is.
func (p *Proofs) Type() string {
	switch {
	case len(p.JWT) > 0:
		return ProofTypeJWT
	case len(p.DIVP) > 0:
		return ProofTypeDIVP
	case len(p.Attestation) > 0:
		return ProofTypeAttestation
	case len(p.AndroidKeystoreAttestation) > 0:
		return ProofTypeAndroidKeystoreAttestation
	}
	return ""
}

// Len returns the number of proofs.
func (p *Proofs) Len() int {
	return len(p.JWT) + len(p.DIVP) + len(p.Attestation) + len(p.AndroidKeystoreAttestation)
}

// ParseCredentialRequest reads an unencrypted Credential Request body
// (application/json, §8.2). Unrecognised members are ignored (§8.2). Errors
// are [*Error] values with the §8.3.1.2 code:
//   - invalid_credential_request: body over Limits.MaxBytes, not a JSON
//     object, too deep, a repeated member, a member of the wrong type, both
//     or neither of credential_identifier and credential_configuration_id;
//   - invalid_proof: proofs is not an object with exactly one known proof
//     type holding a non-empty array, a proof is malformed, there are more
//     proofs than Limits.MaxBatchSize, or attestation has other than one;
//   - invalid_encryption_parameters: credential_response_encryption is
//     malformed, lacks jwk (with kty and alg) or enc, carries a private key,
//     or names a zip other than DEF.
//
// Whether the identifier or configuration exists, and whether proofs are
// required, are the issuer's checks.
func ParseCredentialRequest(data []byte, l Limits) (*CredentialRequest, error) {
	l = l.withDefaults()
	m, err := decodeObject(data, l)
	if err != nil {
		return nil, WrapError(CodeInvalidCredentialRequest, err, describe(err))
	}
	r := &CredentialRequest{}
	if err := m.str("credential_identifier", &r.CredentialIdentifier); err != nil {
		return nil, WrapError(CodeInvalidCredentialRequest, err, describe(err))
	}
	if err := m.str("credential_configuration_id", &r.CredentialConfigurationID); err != nil {
		return nil, WrapError(CodeInvalidCredentialRequest, err, describe(err))
	}
	if err := r.validateIdentifier(l); err != nil {
		return nil, err
	}
	_, r.LegacyProof = m["proof"]
	if m.present("proofs") {
		p, err := parseProofs(m["proofs"], l)
		if err != nil {
			return nil, err
		}
		r.Proofs = p
	}
	if m.present("credential_response_encryption") {
		enc, err := parseEncryptionMember(m)
		if err != nil {
			return nil, err
		}
		r.CredentialResponseEncryption = enc
	}
	return r, nil
}

// Validate checks a request built in code, as a wallet does before sending,
// with the same rules and codes as ParseCredentialRequest.
func (r *CredentialRequest) Validate(l Limits) error {
	l = l.withDefaults()
	if err := r.validateIdentifier(l); err != nil {
		return err
	}
	if r.Proofs != nil {
		if err := r.Proofs.validate(l); err != nil {
			return err
		}
	}
	if r.CredentialResponseEncryption != nil {
		if err := r.CredentialResponseEncryption.Validate(); err != nil {
			return Errorf(CodeInvalidEncryptionParameters, "credential_response_encryption: %s", describe(err))
		}
	}
	return nil
}

// validateIdentifier enforces credential_identifier XOR
// credential_configuration_id (§8.2).
func (r *CredentialRequest) validateIdentifier(l Limits) error {
	switch {
	case r.CredentialIdentifier != "" && r.CredentialConfigurationID != "":
		return NewError(CodeInvalidCredentialRequest, "credential_identifier and credential_configuration_id must not both be present")
	case r.CredentialIdentifier == "" && r.CredentialConfigurationID == "":
		return NewError(CodeInvalidCredentialRequest, "one of credential_identifier and credential_configuration_id is required")
	case len(r.CredentialIdentifier) > l.MaxStringBytes:
		return Errorf(CodeInvalidCredentialRequest, "credential_identifier is longer than %d bytes", l.MaxStringBytes)
	case len(r.CredentialConfigurationID) > l.MaxStringBytes:
		return Errorf(CodeInvalidCredentialRequest, "credential_configuration_id is longer than %d bytes", l.MaxStringBytes)
	}
	return nil
}

// parseProofs reads the proofs object (§8.2, Appendix F).
func parseProofs(raw json.RawMessage, l Limits) (*Proofs, error) {
	m, err := asObject(raw)
	if err != nil {
		return nil, NewError(CodeInvalidProof, "proofs must be a JSON object")
	}
	if len(m) != 1 {
		return nil, Errorf(CodeInvalidProof, "proofs must hold exactly one proof type, not %d", len(m))
	}
	p := &Proofs{}
	for name, v := range m {
		switch name {
		case ProofTypeJWT:
			err = json.Unmarshal(v, &p.JWT)
		case ProofTypeAttestation:
			err = json.Unmarshal(v, &p.Attestation)
		case ProofTypeAndroidKeystoreAttestation:
			err = json.Unmarshal(v, &p.AndroidKeystoreAttestation)
		case ProofTypeDIVP:
			if err = json.Unmarshal(v, &p.DIVP); err == nil {
				for i := range p.DIVP {
					p.DIVP[i] = append(json.RawMessage(nil), bytes.TrimSpace(p.DIVP[i])...)
				}
			}
		default:
			return nil, Errorf(CodeInvalidProof, "proof type %s is not supported", printable(name, 64))
		}
		if err != nil || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			return nil, Errorf(CodeInvalidProof, "proofs.%s must be an array", name)
		}
	}
	if err := p.validate(l); err != nil {
		return nil, err
	}
	return p, nil
}

// validate checks the proof count and the shape of each proof.
func (p *Proofs) validate(l Limits) error {
	kinds := 0
	for _, n := range []int{len(p.JWT), len(p.DIVP), len(p.Attestation), len(p.AndroidKeystoreAttestation)} {
		if n > 0 {
			kinds++
		}
	}
	if kinds != 1 {
		return Errorf(CodeInvalidProof, "proofs must hold exactly one proof type with a non-empty array")
	}
	if n := p.Len(); n > l.MaxBatchSize {
		return WrapError(CodeInvalidProof, ErrTooMany, fmt.Sprintf("%d proofs exceed the batch size of %d", n, l.MaxBatchSize))
	}
	// Appendix F: attestation holds exactly one JWT.
	if len(p.Attestation) > 1 {
		return Errorf(CodeInvalidProof, "proofs.attestation must hold exactly one key attestation, not %d", len(p.Attestation))
	}
	for i, j := range p.JWT {
		if !looksLikeCompactJWS(j) {
			return Errorf(CodeInvalidProof, "proofs.jwt[%d] is not a compact JWS", i)
		}
	}
	for i, j := range p.Attestation {
		if !looksLikeCompactJWS(j) {
			return Errorf(CodeInvalidProof, "proofs.attestation[%d] is not a compact JWS", i)
		}
	}
	for i, chain := range p.AndroidKeystoreAttestation {
		if len(chain) == 0 || len(chain) > MaxAndroidChainLength {
			return Errorf(CodeInvalidProof, "proofs.android_keystore_attestation[%d] must hold 1 to %d certificates", i, MaxAndroidChainLength)
		}
		for j, c := range chain {
			if !isStdBase64(c) {
				return Errorf(CodeInvalidProof, "proofs.android_keystore_attestation[%d][%d] is not standard base64 DER", i, j)
			}
		}
	}
	for i, vp := range p.DIVP {
		if _, err := asObject(vp); err != nil {
			return Errorf(CodeInvalidProof, "proofs.di_vp[%d] must be a JSON object", i)
		}
	}
	return nil
}

// MaxAndroidChainLength bounds one chain of an android_keystore_attestation
// proof.
const MaxAndroidChainLength = 8

// isStdBase64 reports whether s is non-empty padded standard base64
// (RFC 4648 §4), the "Base64-NoWrap padded" of Google's proof type.
func isStdBase64(s string) bool {
	if s == "" || len(s)%4 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return true
}

// looksLikeCompactJWS reports whether s has three dot-separated parts, the
// first two non-empty, all in the base64url alphabet (RFC 7515 §7.1).
func looksLikeCompactJWS(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return false
	}
	for _, part := range parts {
		for i := 0; i < len(part); i++ {
			c := part[i]
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// parseEncryptionMember reads credential_response_encryption from m.
func parseEncryptionMember(m members) (*ResponseEncryption, error) {
	em, err := m.object("credential_response_encryption")
	if err != nil {
		return nil, NewError(CodeInvalidEncryptionParameters, "credential_response_encryption must be a JSON object")
	}
	enc, err := parseResponseEncryption(em)
	if err != nil {
		return nil, WrapError(CodeInvalidEncryptionParameters, err, "credential_response_encryption: "+describe(err))
	}
	return enc, nil
}

// describe turns an internal error into a client-safe error_description.
func describe(err error) string { return SanitizeDescription(err.Error()) }
