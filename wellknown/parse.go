package wellknown

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// Limits of ParseCredentialIssuerMetadata.
const (
	MaxMetadataSize       = 1 << 20 // bytes
	MaxMetadataDepth      = 16      // nesting of objects and arrays
	MaxConfigurations     = 256     // entries of credential_configurations_supported
	MaxClaimsPerConfig    = 1024    // claims of one configuration
	MaxDisplayEntries     = 64      // entries of one display array
	maxAlgorithmsPerArray = 64
)

// ParseCredentialIssuerMetadata parses Credential Issuer Metadata (OpenID4VCI
// 1.0 Section 12.2.4) as a wallet receives it, within the limits above, and
// checks the rules of the specification: required members, https
// identifiers, per-format members (Appendix A), proof types present exactly
// when binding methods are, batch_size of at least 2, one display entry per
// locale, and the claims rules of Appendices B.3 and C. Duplicate object
// members are refused. Unknown members are ignored, as Section 12.2.4 asks.
// Errors wrap ErrMalformed.
func ParseCredentialIssuerMetadata(data []byte) (*CredentialIssuerMetadata, error) {
	if len(data) > MaxMetadataSize {
		return nil, malformed("%d bytes, limit %d", len(data), MaxMetadataSize)
	}
	if err := checkJSONShape(data, MaxMetadataDepth); err != nil {
		return nil, err
	}
	var m CredentialIssuerMetadata
	if err := json.Unmarshal(data, &m); err != nil {
		if errors.Is(err, ErrMalformed) {
			return nil, err
		}
		return nil, malformed("%v", err)
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

func (m *CredentialIssuerMetadata) validate() error {
	// A wallet accepts http only on a loopback host, where an issuer under
	// development runs (RFC 8252 Section 8.3); anything else needs https.
	if err := checkIdentifier(m.CredentialIssuer, true); err != nil {
		return malformed("credential_issuer %v (Section 12.2.1)", err)
	}
	if m.CredentialEndpoint == "" {
		return malformed("credential_endpoint is missing (Section 12.2.4)")
	}
	for name, v := range map[string]string{
		"credential_endpoint": m.CredentialEndpoint, "nonce_endpoint": m.NonceEndpoint,
		"deferred_credential_endpoint": m.DeferredCredentialEndpoint, "notification_endpoint": m.NotificationEndpoint,
	} {
		if v != "" && !strings.HasPrefix(v, "https://") && !loopbackHTTP(v) {
			return malformed("%s %.80q does not use https (Section 12.2.4)", name, v)
		}
	}
	if m.AuthorizationServers != nil && len(m.AuthorizationServers) == 0 {
		return malformed("authorization_servers is an empty array (Section 12.2.4)")
	}
	if re := m.CredentialRequestEncryption; re != nil {
		if len(re.JWKS.Keys) == 0 {
			return malformed("credential_request_encryption.jwks has no keys (Section 12.2.4)")
		}
		for i, k := range re.JWKS.Keys {
			if k.Kid == "" {
				return malformed("credential_request_encryption.jwks key %d has no kid (Section 12.2.4)", i)
			}
		}
		if len(re.EncValuesSupported) == 0 {
			return malformed("credential_request_encryption.enc_values_supported is missing or empty (Section 12.2.4)")
		}
	}
	if re := m.CredentialResponseEncryption; re != nil {
		if len(re.AlgValuesSupported) == 0 || len(re.EncValuesSupported) == 0 {
			return malformed("credential_response_encryption needs non-empty alg_values_supported and enc_values_supported (Section 12.2.4)")
		}
	}
	if b := m.BatchCredentialIssuance; b != nil && b.BatchSize < 2 {
		return malformed("batch_credential_issuance.batch_size is %d, must be 2 or greater (Section 12.2.4)", b.BatchSize)
	}
	if len(m.Display) > MaxDisplayEntries {
		return malformed("display has %d entries, limit %d", len(m.Display), MaxDisplayEntries)
	}
	if err := checkLocales(localesOf(m.Display, func(d IssuerDisplay) string { return d.Locale })); err != nil {
		return malformed("display%v", err)
	}
	if m.CredentialConfigurations == nil {
		return malformed("credential_configurations_supported is missing (Section 12.2.4)")
	}
	if len(m.CredentialConfigurations) > MaxConfigurations {
		return malformed("credential_configurations_supported has %d entries, limit %d", len(m.CredentialConfigurations), MaxConfigurations)
	}
	for id, conf := range m.CredentialConfigurations {
		if err := conf.validate(); err != nil {
			return fmt.Errorf("credential configuration %.80q: %w", id, err)
		}
	}
	return nil
}

func (c CredentialConfiguration) validate() error {
	if c.Format == "" {
		return malformed("format is missing (Section 12.2.4)")
	}
	switch c.Format {
	case FormatSDJWTVC:
		if c.VCT == "" {
			return malformed("vct is missing for dc+sd-jwt (Appendix A.3.2)")
		}
	case FormatMDoc:
		if c.Doctype == "" {
			return malformed("doctype is missing for mso_mdoc (Appendix A.2.2)")
		}
	}
	if c.CredentialSigningAlgValuesSupported != nil && len(c.CredentialSigningAlgValuesSupported) == 0 {
		return malformed("credential_signing_alg_values_supported is an empty array (Section 12.2.4)")
	}
	if len(c.CredentialSigningAlgValuesSupported) > maxAlgorithmsPerArray {
		return malformed("credential_signing_alg_values_supported has %d entries, limit %d", len(c.CredentialSigningAlgValuesSupported), maxAlgorithmsPerArray)
	}
	// proof_types_supported is omitted when cryptographic binding methods
	// are (Section 12.2.4). The converse ("MUST be present if ...") is not
	// enforced here: the specification's own mso_mdoc and ldp_vc examples
	// break it, and the Builder enforces it for what we publish.
	if len(c.CryptographicBindingMethodsSupported) == 0 && len(c.ProofTypesSupported) > 0 {
		return malformed("proof_types_supported without cryptographic_binding_methods_supported (Section 12.2.4)")
	}
	for name, pt := range c.ProofTypesSupported {
		if len(pt.ProofSigningAlgValuesSupported) == 0 {
			return malformed("proof_types_supported.%.40s.proof_signing_alg_values_supported is missing or empty (Section 12.2.4)", name)
		}
		for _, a := range pt.ProofSigningAlgValuesSupported {
			if a == "none" || strings.HasPrefix(a, "HS") {
				return malformed("proof_types_supported.%.40s lists %q; proofs are never unsigned or MACed (Appendix F.1)", name, a)
			}
		}
	}
	cm := c.CredentialMetadata
	if cm == nil {
		return nil
	}
	if len(cm.Display) > MaxDisplayEntries {
		return malformed("credential_metadata.display has %d entries, limit %d", len(cm.Display), MaxDisplayEntries)
	}
	for i, d := range cm.Display {
		if d.Name == "" {
			return malformed("credential_metadata.display[%d].name is missing (Section 12.2.4)", i)
		}
	}
	if err := checkLocales(localesOf(cm.Display, func(d CredentialDisplay) string { return d.Locale })); err != nil {
		return malformed("credential_metadata.display%v", err)
	}
	if len(cm.Claims) > MaxClaimsPerConfig {
		return malformed("credential_metadata.claims has %d entries, limit %d", len(cm.Claims), MaxClaimsPerConfig)
	}
	for i, cd := range cm.Claims {
		if err := cd.Path.checkComponents(c.Format); err != nil {
			return malformed("credential_metadata.claims[%d].path: %v", i, err)
		}
		if len(cd.Display) > MaxDisplayEntries {
			return malformed("credential_metadata.claims[%d].display has %d entries, limit %d", i, len(cd.Display), MaxDisplayEntries)
		}
		if err := checkLocales(localesOf(cd.Display, func(d ClaimDisplay) string { return d.Locale })); err != nil {
			return malformed("credential_metadata.claims[%d].display%v", i, err)
		}
	}
	if err := checkClaimsConsistency(c.Format, cm.Claims); err != nil {
		return malformed("credential_metadata.%v", err)
	}
	return nil
}

func localesOf[T any](entries []T, locale func(T) string) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = locale(e)
	}
	return out
}

// checkJSONShape walks data once with a tokenizer: one JSON value, nesting
// at most maxDepth, no duplicate member names in any object.
func checkJSONShape(data []byte, maxDepth int) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		object  bool
		wantKey bool
		keys    map[string]bool
	}
	var stack []*frame
	values := 0
	afterValue := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		} else if n == 0 {
			values++
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return malformed("%v", err)
		}
		if len(stack) == 0 && values > 0 {
			return malformed("trailing data after the JSON value")
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
			top := stack[n-1]
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:n-1]
				afterValue()
				continue
			}
			key, _ := tok.(string)
			if top.keys[key] {
				return malformed("member %.60q appears twice in one object", key)
			}
			top.keys[key] = true
			top.wantKey = false
			continue
		}
		switch d, _ := tok.(json.Delim); d {
		case '{', '[':
			if len(stack) == maxDepth {
				return malformed("nesting deeper than %d", maxDepth)
			}
			f := &frame{object: d == '{', wantKey: d == '{'}
			if f.object {
				f.keys = map[string]bool{}
			}
			stack = append(stack, f)
		case ']':
			stack = stack[:len(stack)-1]
			afterValue()
		default:
			afterValue()
		}
	}
	if values != 1 {
		return malformed("incomplete JSON: want exactly one JSON value")
	}
	return nil
}

// loopbackHTTP reports whether v is an http URL on a loopback host.
func loopbackHTTP(v string) bool {
	u, err := url.Parse(v)
	return err == nil && u.Scheme == "http" && isLoopback(u.Hostname())
}
