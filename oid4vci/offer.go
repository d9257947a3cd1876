package oid4vci

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// ErrInvalidCredentialOffer is wrapped by every error about a Credential
// Offer or an offer link.
var ErrInvalidCredentialOffer = errors.New("oid4vci: invalid credential offer")

// MaxTxCodeDescription is the limit on tx_code.description in characters (§4.1.1).
const MaxTxCodeDescription = 300

// CredentialOffer is the Credential Offer object (§4.1.1). Unrecognised
// parameters are ignored when parsing, as §4.1.1 requires of the wallet.
type CredentialOffer struct {
	// CredentialIssuer is the Credential Issuer Identifier (§12.2.1). REQUIRED.
	CredentialIssuer string `json:"credential_issuer"`
	// CredentialConfigurationIDs is a non-empty array of unique keys of
	// credential_configurations_supported. REQUIRED.
	CredentialConfigurationIDs []string `json:"credential_configuration_ids"`
	// Grants lists the grants the Authorization Server will accept. OPTIONAL.
	Grants *Grants `json:"grants,omitempty"`
}

// Grants is the grants object of a Credential Offer (§4.1.1). Grant types
// other than these two are ignored.
type Grants struct {
	AuthorizationCode *AuthorizationCodeGrant `json:"authorization_code,omitempty"`
	PreAuthorizedCode *PreAuthorizedCodeGrant `json:"urn:ietf:params:oauth:grant-type:pre-authorized_code,omitempty"`
}

// AuthorizationCodeGrant holds the parameters of the authorization_code
// grant in an offer (§4.1.1).
type AuthorizationCodeGrant struct {
	// IssuerState binds the Authorization Request to the offer. OPTIONAL.
	IssuerState string `json:"issuer_state,omitempty"`
	// AuthorizationServer picks one of the issuer's authorization_servers. OPTIONAL.
	AuthorizationServer string `json:"authorization_server,omitempty"`
}

// PreAuthorizedCodeGrant holds the parameters of the Pre-Authorized Code
// grant in an offer (§4.1.1).
type PreAuthorizedCodeGrant struct {
	// PreAuthorizedCode is short-lived and single-use. REQUIRED.
	PreAuthorizedCode string `json:"pre-authorized_code"`
	// TxCode, when present (even empty), means a Transaction Code must be
	// sent with the Token Request. OPTIONAL.
	TxCode *TxCode `json:"tx_code,omitempty"`
	// AuthorizationServer picks one of the issuer's authorization_servers. OPTIONAL.
	AuthorizationServer string `json:"authorization_server,omitempty"`
}

// TxCode describes the Transaction Code the wallet must collect (§4.1.1).
type TxCode struct {
	// Length of the code; zero means not given. OPTIONAL.
	Length int `json:"length,omitempty"`
	// InputMode is numeric (the default when empty) or text. OPTIONAL.
	InputMode InputMode `json:"input_mode,omitempty"`
	// Description tells the holder where the code comes from; at most 300
	// characters. OPTIONAL.
	Description string `json:"description,omitempty"`
}

// InputMode is the character set of a Transaction Code (§4.1.1).
type InputMode string

// Input modes of a Transaction Code (§4.1.1).
const (
	InputModeNumeric InputMode = "numeric"
	InputModeText    InputMode = "text"
)

// ParseCredentialOffer parses and validates the JSON Credential Offer object,
// as received by value or fetched from a credential_offer_uri (§4.1.3).
func ParseCredentialOffer(data []byte, l Limits) (*CredentialOffer, error) {
	l = l.withDefaults()
	m, err := decodeObject(data, l)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCredentialOffer, err)
	}
	o, err := offerFromMembers(m)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCredentialOffer, err)
	}
	if err := o.validate(l); err != nil {
		return nil, err
	}
	return o, nil
}

// offerFromMembers reads the recognised members of an offer.
func offerFromMembers(m members) (*CredentialOffer, error) {
	o := &CredentialOffer{}
	if err := m.str("credential_issuer", &o.CredentialIssuer); err != nil {
		return nil, err
	}
	if err := m.strs("credential_configuration_ids", &o.CredentialConfigurationIDs); err != nil {
		return nil, err
	}
	g, err := m.object("grants")
	if err != nil {
		return nil, err
	}
	if g == nil {
		return o, nil
	}
	o.Grants = &Grants{}
	ac, err := g.object(GrantTypeAuthorizationCode)
	if err != nil {
		return nil, fmt.Errorf("grants: %w", err)
	}
	if ac != nil {
		o.Grants.AuthorizationCode = &AuthorizationCodeGrant{}
		if err := ac.str("issuer_state", &o.Grants.AuthorizationCode.IssuerState); err != nil {
			return nil, fmt.Errorf("grants.authorization_code: %w", err)
		}
		if err := ac.str("authorization_server", &o.Grants.AuthorizationCode.AuthorizationServer); err != nil {
			return nil, fmt.Errorf("grants.authorization_code: %w", err)
		}
	}
	pa, err := g.object(GrantTypePreAuthorizedCode)
	if err != nil {
		return nil, fmt.Errorf("grants: %w", err)
	}
	if pa != nil {
		p := &PreAuthorizedCodeGrant{}
		o.Grants.PreAuthorizedCode = p
		if err := pa.str("pre-authorized_code", &p.PreAuthorizedCode); err != nil {
			return nil, fmt.Errorf("grants.pre-authorized_code: %w", err)
		}
		if err := pa.str("authorization_server", &p.AuthorizationServer); err != nil {
			return nil, fmt.Errorf("grants.pre-authorized_code: %w", err)
		}
		tc, err := pa.object("tx_code")
		if err != nil {
			return nil, fmt.Errorf("grants.pre-authorized_code: %w", err)
		}
		if tc != nil {
			p.TxCode = &TxCode{}
			var length int64
			if err := tc.integer("length", &length); err != nil {
				return nil, fmt.Errorf("tx_code: %w", err)
			}
			if tc.present("length") && (length < 1 || length > maxTxCodeLength) {
				return nil, fmt.Errorf("tx_code: length %d is not between 1 and %d", length, maxTxCodeLength)
			}
			p.TxCode.Length = int(length)
			var mode string
			if err := tc.str("input_mode", &mode); err != nil {
				return nil, fmt.Errorf("tx_code: %w", err)
			}
			p.TxCode.InputMode = InputMode(mode)
			if err := tc.str("description", &p.TxCode.Description); err != nil {
				return nil, fmt.Errorf("tx_code: %w", err)
			}
		}
	}
	return o, nil
}

// maxTxCodeLength bounds tx_code.length; no human types more.
const maxTxCodeLength = 64

// Validate checks the offer as §4.1.1 defines it, with default limits.
func (o *CredentialOffer) Validate() error { return o.validate(Limits{}.withDefaults()) }

func (o *CredentialOffer) validate(l Limits) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidCredentialOffer, fmt.Sprintf(format, args...))
	}
	if err := ValidateCredentialIssuer(o.CredentialIssuer); err != nil {
		return bad("credential_issuer: %v", err)
	}
	ids := o.CredentialConfigurationIDs
	if len(ids) == 0 {
		return bad("credential_configuration_ids is missing or empty")
	}
	if len(ids) > l.MaxItems {
		return fmt.Errorf("%w: credential_configuration_ids: %w: %d, limit %d", ErrInvalidCredentialOffer, ErrTooMany, len(ids), l.MaxItems)
	}
	seen := make(map[string]struct{}, len(ids))
	for i, id := range ids {
		if id == "" {
			return bad("credential_configuration_ids[%d] is empty", i)
		}
		if len(id) > l.MaxStringBytes {
			return bad("credential_configuration_ids[%d] is longer than %d bytes", i, l.MaxStringBytes)
		}
		if _, dup := seen[id]; dup {
			return bad("credential_configuration_ids[%d] %q repeats an earlier entry", i, id)
		}
		seen[id] = struct{}{}
	}
	if o.Grants == nil {
		return nil
	}
	if ac := o.Grants.AuthorizationCode; ac != nil {
		if len(ac.IssuerState) > l.MaxStringBytes {
			return bad("issuer_state is longer than %d bytes", l.MaxStringBytes)
		}
		if err := validateAuthorizationServer(ac.AuthorizationServer); err != nil {
			return bad("authorization_code.authorization_server: %v", err)
		}
	}
	if pa := o.Grants.PreAuthorizedCode; pa != nil {
		if pa.PreAuthorizedCode == "" {
			return bad("pre-authorized_code is missing or empty")
		}
		if len(pa.PreAuthorizedCode) > l.MaxStringBytes {
			return bad("pre-authorized_code is longer than %d bytes", l.MaxStringBytes)
		}
		if err := validateAuthorizationServer(pa.AuthorizationServer); err != nil {
			return bad("pre-authorized_code.authorization_server: %v", err)
		}
		if tc := pa.TxCode; tc != nil {
			if err := tc.Validate(); err != nil {
				return fmt.Errorf("%w: %w", ErrInvalidCredentialOffer, err)
			}
		}
	}
	return nil
}

// Validate checks the Transaction Code description (§4.1.1).
func (t *TxCode) Validate() error {
	if t.Length < 0 || t.Length > maxTxCodeLength {
		return fmt.Errorf("tx_code: length %d is not between 1 and %d", t.Length, maxTxCodeLength)
	}
	switch t.InputMode {
	case "", InputModeNumeric, InputModeText:
	default:
		return fmt.Errorf("tx_code: input_mode %q is neither numeric nor text", string(t.InputMode))
	}
	if n := utf8.RuneCountInString(t.Description); n > MaxTxCodeDescription {
		return fmt.Errorf("tx_code: description has %d characters, more than %d", n, MaxTxCodeDescription)
	}
	return nil
}

// EffectiveInputMode returns the input mode, numeric when none is given (§4.1.1).
func (t *TxCode) EffectiveInputMode() InputMode {
	if t.InputMode == "" {
		return InputModeNumeric
	}
	return t.InputMode
}

// validateAuthorizationServer checks an optional authorization_server value:
// an issuer identifier of an Authorization Server (RFC 8414 §2) when present.
func validateAuthorizationServer(s string) error {
	if s == "" {
		return nil
	}
	return ValidateCredentialIssuer(s)
}

// MarshalJSON validates the offer before writing it, so that an issuer never
// publishes an offer a wallet must refuse.
func (o *CredentialOffer) MarshalJSON() ([]byte, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	type plain CredentialOffer
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep '&', '<', '>' readable in descriptions
	if err := enc.Encode((*plain)(o)); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
