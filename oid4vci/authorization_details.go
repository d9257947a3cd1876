package oid4vci

import (
	"encoding/json"
	"fmt"
)

// AuthorizationDetail is an authorization_details entry of type
// openid_credential (§5.1.1), as sent in an Authorization or Token Request
// and returned in a Token Response (§6.2). Additional data fields are
// ignored when parsing (§5.1.1, §6.2).
type AuthorizationDetail struct {
	// Type is openid_credential. REQUIRED.
	Type string `json:"type"`
	// Locations holds the Credential Issuer Identifier when the issuer
	// names authorization_servers (§5.1.1; RFC 9396 §2.2). OPTIONAL.
	Locations []string `json:"locations,omitempty"`
	// CredentialConfigurationID names the configuration. REQUIRED.
	CredentialConfigurationID string `json:"credential_configuration_id"`
	// Claims is a non-empty array of claims description objects (Appendix
	// B.1), kept as raw JSON. OPTIONAL.
	Claims json.RawMessage `json:"claims,omitempty"`
	// CredentialIdentifiers lists the Credential Datasets the access token
	// may obtain; REQUIRED in a Token Response (§6.2), absent in requests.
	CredentialIdentifiers []string `json:"credential_identifiers,omitempty"`
}

// parseAuthorizationDetails reads an authorization_details array; inResponse
// requires credential_identifiers (§6.2). Errors name the entry at fault.
func parseAuthorizationDetails(raw json.RawMessage, inResponse bool, l Limits) ([]AuthorizationDetail, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("%w: authorization_details must be an array", ErrMalformed)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("authorization_details is empty")
	}
	if len(items) > l.MaxItems {
		return nil, fmt.Errorf("%w: authorization_details has %d entries, limit %d", ErrTooMany, len(items), l.MaxItems)
	}
	out := make([]AuthorizationDetail, 0, len(items))
	for i, it := range items {
		m, err := asObject(it)
		if err != nil {
			return nil, fmt.Errorf("authorization_details[%d]: %w", i, err)
		}
		var d AuthorizationDetail
		if err := m.str("type", &d.Type); err != nil {
			return nil, fmt.Errorf("authorization_details[%d]: %w", i, err)
		}
		if err := m.strs("locations", &d.Locations); err != nil {
			return nil, fmt.Errorf("authorization_details[%d]: %w", i, err)
		}
		if err := m.str("credential_configuration_id", &d.CredentialConfigurationID); err != nil {
			return nil, fmt.Errorf("authorization_details[%d]: %w", i, err)
		}
		if m.present("claims") {
			d.Claims = append(json.RawMessage(nil), m["claims"]...)
		}
		if err := m.strs("credential_identifiers", &d.CredentialIdentifiers); err != nil {
			return nil, fmt.Errorf("authorization_details[%d]: %w", i, err)
		}
		if err := d.validate(inResponse, l); err != nil {
			return nil, fmt.Errorf("authorization_details[%d]: %w", i, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// validate checks one entry (§5.1.1, §6.2).
func (d *AuthorizationDetail) validate(inResponse bool, l Limits) error {
	if d.Type != AuthorizationDetailsTypeOpenIDCredential {
		return fmt.Errorf("type %q is not %s", d.Type, AuthorizationDetailsTypeOpenIDCredential)
	}
	if d.CredentialConfigurationID == "" {
		return fmt.Errorf("credential_configuration_id is missing")
	}
	if len(d.CredentialConfigurationID) > l.MaxStringBytes {
		return fmt.Errorf("credential_configuration_id is longer than %d bytes", l.MaxStringBytes)
	}
	if d.Claims != nil {
		var claims []json.RawMessage
		if err := json.Unmarshal(d.Claims, &claims); err != nil || len(claims) == 0 {
			return fmt.Errorf("claims must be a non-empty array")
		}
	}
	if inResponse {
		if len(d.CredentialIdentifiers) == 0 {
			return fmt.Errorf("credential_identifiers is missing or empty")
		}
		for j, id := range d.CredentialIdentifiers {
			if id == "" || len(id) > l.MaxStringBytes {
				return fmt.Errorf("credential_identifiers[%d] is empty or longer than %d bytes", j, l.MaxStringBytes)
			}
		}
	}
	return nil
}
