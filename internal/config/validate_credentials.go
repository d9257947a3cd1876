package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Bounds of a credential's validity.
const (
	MinValidity = time.Hour
	MaxValidity = 10 * 365 * 24 * time.Hour
)

// isSDJWTReservedClaim reports whether SD-JWT VC (draft-ietf-oauth-sd-jwt-vc
// Section 3.2.2) or SD-JWT (RFC 9901 Section 4) gives the claim name a
// meaning; a configured claim must not take it.
func isSDJWTReservedClaim(name string) bool {
	switch name {
	case "iss", "nbf", "exp", "iat", "cnf", "vct", "vct#integrity", "status", "sub", "_sd", "_sd_alg", "...":
		return true
	}
	return false
}

func validateConfigurations(p *problems, configs map[string]CredentialConfiguration, languages []string) {
	const path = "credential_configurations"
	if len(configs) == 0 {
		p.add(path, "defines no credential configuration")
		return
	}
	if len(configs) > MaxConfigurations {
		p.add(path, "defines %d configurations, over the limit of %d", len(configs), MaxConfigurations)
	}
	scopes := map[string]string{}
	for _, id := range sortedKeys(configs) {
		cc := configs[id]
		at := path + "." + id
		if len(id) > maxConfigurationID || !identifier.MatchString(id) {
			p.add(at, "id %q must be 1 to %d of A-Z a-z 0-9 _ . : -", id, maxConfigurationID)
		}
		cc.validate(p, at, languages)
		scope := cc.ScopeOrID(id)
		if other, ok := scopes[scope]; ok {
			p.add(at+".scope", "%q is also the scope of %s", scope, other)
		}
		scopes[scope] = id
	}
}

// ScopeOrID returns the configuration's scope, which defaults to its id.
func (cc CredentialConfiguration) ScopeOrID(id string) string {
	if cc.Scope != "" {
		return cc.Scope
	}
	return id
}

func (cc CredentialConfiguration) validate(p *problems, at string, languages []string) {
	if cc.Scope != "" && (len(cc.Scope) > maxConfigurationID || !identifier.MatchString(cc.Scope)) {
		p.add(at+".scope", "%q must be 1 to %d of A-Z a-z 0-9 _ . : -", cc.Scope, maxConfigurationID)
	}
	switch cc.Format {
	case FormatSDJWTVC:
		cc.validateSDJWT(p, at)
	case FormatMDoc:
		cc.validateMDoc(p, at)
	default:
		p.add(at+".format", "%q is not a supported format (%s, %s)", cc.Format, FormatSDJWTVC, FormatMDoc)
	}
	pt := cc.ProofTypes
	if pt.JWT == nil && pt.Attestation == nil && pt.AndroidKeystoreAttestation == nil {
		// Section 12.2.4: proof_types_supported is required when binding
		// methods are, and every configuration here binds a key.
		p.add(at+".proof_types", "lists no proof type (jwt, attestation and android_keystore_attestation are supported)")
	}
	if pt.JWT != nil {
		checkValues(p, at+".proof_types.jwt.signing_algs", pt.JWT.SigningAlgs, true, "ES256", "ES384", "ES512", "EdDSA")
	}
	if pt.Attestation != nil {
		checkValues(p, at+".proof_types.attestation.signing_algs", pt.Attestation.SigningAlgs, true, "ES256", "ES384", "ES512", "EdDSA")
		if pt.JWT != nil && !slices.Equal(pt.JWT.SigningAlgs, pt.Attestation.SigningAlgs) {
			p.add(at+".proof_types.attestation.signing_algs", "must equal proof_types.jwt.signing_algs (one proof_signing_alg_values_supported list is enforced)")
		}
	}
	if r := cc.KeyAttestationsRequired; r != nil {
		levels := []string{"iso_18045_high", "iso_18045_moderate", "iso_18045_enhanced-basic", "iso_18045_basic"}
		checkValues(p, at+".key_attestations_required.key_storage", r.KeyStorage, false, levels...)
		checkValues(p, at+".key_attestations_required.user_authentication", r.UserAuthentication, false, levels...)
	}
	checkDuration(p, at+".validity", cc.Validity, MinValidity, MaxValidity)
	checkDisplayLocales(p, at+".display", cc.Display, languages)
	for _, locale := range sortedKeys(cc.Display) {
		d := cc.Display[locale]
		checkDisplayName(p, at+".display."+locale, d.Name)
		if len(d.Description) > maxStringLength {
			p.add(at+".display."+locale+".description", "is longer than %d bytes", maxStringLength)
		}
	}
	if cc.BackgroundColor != "" && !color.MatchString(cc.BackgroundColor) {
		p.add(at+".background_color", "%q is not a CSS hex colour", cc.BackgroundColor)
	}
	if cc.TextColor != "" && !color.MatchString(cc.TextColor) {
		p.add(at+".text_color", "%q is not a CSS hex colour", cc.TextColor)
	}
	cc.validateClaims(p, at, languages)
}

func (cc CredentialConfiguration) validateSDJWT(p *problems, at string) {
	switch {
	case cc.VCT == "":
		p.add(at+".vct", "is required for %s (OpenID4VCI 1.0 Appendix A.3.2)", FormatSDJWTVC)
	case len(cc.VCT) > maxStringLength:
		p.add(at+".vct", "is longer than %d bytes", maxStringLength)
	case strings.Contains(cc.VCT, ":"):
		// A StringOrURI containing ":" must be a URI (RFC 7519 Section 2).
		if u, err := url.Parse(cc.VCT); err != nil || u.Scheme == "" {
			p.add(at+".vct", "%q contains a colon but is not a URI", cc.VCT)
		}
	}
	for _, f := range []struct{ name, value string }{{"doctype", cc.Doctype}, {"namespace", cc.Namespace}} {
		if f.value != "" {
			p.add(at+"."+f.name, "applies to %s only", FormatMDoc)
		}
	}
	if cc.COSEAlg != 0 {
		p.add(at+".cose_alg", "applies to %s only", FormatMDoc)
	}
	switch cc.SigningAlg {
	case "ES256", "ES384", "ES512":
	default:
		p.add(at+".signing_alg", "%q is not supported (ES256, ES384, ES512)", cc.SigningAlg)
	}
	if cc.Binding != BindingJWK {
		p.add(at+".binding", "must be %q for %s (cnf.jwk)", BindingJWK, FormatSDJWTVC)
	}
}

func (cc CredentialConfiguration) validateMDoc(p *problems, at string) {
	if cc.Doctype == "" {
		p.add(at+".doctype", "is required for %s (OpenID4VCI 1.0 Appendix A.2.2)", FormatMDoc)
	} else if len(cc.Doctype) > maxStringLength {
		p.add(at+".doctype", "is longer than %d bytes", maxStringLength)
	}
	if cc.Namespace == "" {
		p.add(at+".namespace", "is required for %s", FormatMDoc)
	} else if len(cc.Namespace) > maxStringLength {
		p.add(at+".namespace", "is longer than %d bytes", maxStringLength)
	}
	if cc.VCT != "" {
		p.add(at+".vct", "applies to %s only", FormatSDJWTVC)
	}
	if cc.SigningAlg != "" {
		p.add(at+".signing_alg", "applies to %s only; use cose_alg", FormatSDJWTVC)
	}
	switch cc.COSEAlg {
	case -7, -35, -36, -9: // ES256, ES384, ES512 (RFC 9053), ESP256 (RFC 9864)
	default:
		p.add(at+".cose_alg", "%d is not supported (-7, -35, -36, -9)", cc.COSEAlg)
	}
	if cc.Binding != BindingCOSEKey {
		p.add(at+".binding", "must be %q for %s (deviceKey)", BindingCOSEKey, FormatMDoc)
	}
}

func (cc CredentialConfiguration) validateClaims(p *problems, at string, languages []string) {
	if len(cc.Claims) == 0 {
		p.add(at+".claims", "lists no claim")
		return
	}
	if len(cc.Claims) > MaxClaims {
		p.add(at+".claims", "lists %d claims, over the limit of %d", len(cc.Claims), MaxClaims)
		return
	}
	seen := make(map[string]int, len(cc.Claims))
	for i, cl := range cc.Claims {
		cat := fmt.Sprintf("%s.claims[%d]", at, i)
		if reason := cc.checkClaimPath(cl.Path); reason != "" {
			p.add(cat+".path", "%s", reason)
		} else {
			key := fmt.Sprintf("%#v", cl.Path)
			if j, ok := seen[key]; ok {
				p.add(cat+".path", "repeats claims[%d]", j)
			} else {
				seen[key] = i
			}
		}
		if !sourceName.MatchString(cl.Source) || len(cl.Source) > maxConfigurationID {
			p.add(cat+".source", "%q is not a record claim name (lower-case words, dotted for members)", cl.Source)
		}
		if cl.SelectivelyDisclosable && cc.Format == FormatMDoc {
			p.add(cat+".selectively_disclosable", "applies to %s only (every mdoc element is disclosed on its own)", FormatSDJWTVC)
		}
		checkDisplayLocales(p, cat+".display", cl.Display, languages)
		for _, locale := range sortedKeys(cl.Display) {
			checkDisplayName(p, cat+".display."+locale, cl.Display[locale])
		}
	}
}

// checkClaimPath applies OpenID4VCI 1.0 Appendix C (a non-empty array of
// strings, non-negative integers and nulls) and, per format, Appendix A.2.4
// (mso_mdoc: namespace, then data element) or the reserved SD-JWT VC claim
// names. It returns "" when the path is acceptable.
func (cc CredentialConfiguration) checkClaimPath(path []any) string {
	if len(path) == 0 {
		return "is empty"
	}
	if len(path) > MaxClaimPathLength {
		return fmt.Sprintf("has %d components, over the limit of %d", len(path), MaxClaimPathLength)
	}
	for i, elem := range path {
		switch v := elem.(type) {
		case string:
			if v == "" || len(v) > maxConfigurationID {
				return fmt.Sprintf("component %d must be 1 to %d bytes", i, maxConfigurationID)
			}
		case int:
			if v < 0 {
				return fmt.Sprintf("component %d is negative", i)
			}
		case nil:
		default:
			return fmt.Sprintf("component %d is a %T, not a string, a non-negative integer or null", i, elem)
		}
	}
	first, _ := path[0].(string)
	switch cc.Format {
	case FormatMDoc:
		// Appendix A.2.4: the first component is the namespace, the
		// second the data element identifier.
		if first != cc.Namespace {
			return fmt.Sprintf("must start with the namespace %q (OpenID4VCI 1.0 Appendix A.2.4)", cc.Namespace)
		}
		if len(path) < 2 {
			return "names the namespace but no data element"
		}
		if _, ok := path[1].(string); !ok {
			return "component 1 must be a data element identifier (a string)"
		}
	case FormatSDJWTVC:
		if first == "" {
			return "component 0 must be a claim name (a string)"
		}
		if isSDJWTReservedClaim(first) {
			return fmt.Sprintf("claim %q is reserved by SD-JWT VC", first)
		}
	}
	return ""
}
