package wellknown

import (
	"fmt"
	"net/url"
	"slices"
)

// Builder holds validated metadata. It is immutable and safe for concurrent
// use; every method returns a fresh value the caller may change.
type Builder struct {
	issuer   *CredentialIssuerMetadata
	as       *AuthorizationServerMetadata
	issuerID string
}

// NewBuilder validates cfg and builds the documents once. Errors are
// *ConfigError values wrapping ErrInvalidConfig.
func NewBuilder(cfg Config) (*Builder, error) {
	if err := checkIdentifier(cfg.IssuerURL, cfg.AllowInsecureLoopback); err != nil {
		return nil, &ConfigError{Field: "IssuerURL", Reason: err.Error()}
	}
	iss := cfg.IssuerURL
	md := &CredentialIssuerMetadata{
		CredentialIssuer:   iss,
		CredentialEndpoint: iss + PathCredential,
		NonceEndpoint:      iss + PathNonce,
	}
	if cfg.DeferredEndpoint {
		md.DeferredCredentialEndpoint = iss + PathDeferredCredential
	}
	if cfg.NotificationEndpoint {
		md.NotificationEndpoint = iss + PathNotification
	}
	seenAS := map[string]bool{}
	for i, as := range cfg.AuthorizationServers {
		field := fmt.Sprintf("AuthorizationServers[%d]", i)
		if err := checkIdentifier(as, cfg.AllowInsecureLoopback); err != nil {
			return nil, &ConfigError{Field: field, Reason: err.Error()}
		}
		if seenAS[as] {
			return nil, configErr(field, "%q is listed twice", as)
		}
		seenAS[as] = true
	}
	md.AuthorizationServers = slices.Clone(cfg.AuthorizationServers)

	if err := buildEncryption(cfg, md); err != nil {
		return nil, err
	}
	switch {
	case cfg.BatchSize == 0:
	case cfg.BatchSize >= 2:
		md.BatchCredentialIssuance = &BatchCredentialIssuance{BatchSize: cfg.BatchSize}
	default:
		return nil, configErr("BatchSize", "is %d; batch_size must be 2 or greater (Section 12.2.4), or 0 for no batch issuance", cfg.BatchSize)
	}
	if err := checkIssuerDisplay(cfg.Display); err != nil {
		return nil, err
	}
	md.Display = cloneIssuerDisplay(cfg.Display)

	if len(cfg.Configurations) == 0 {
		return nil, configErr("Configurations", "none given; credential_configurations_supported is required (Section 12.2.4)")
	}
	md.CredentialConfigurations = make(map[string]CredentialConfiguration, len(cfg.Configurations))
	for i, cc := range cfg.Configurations {
		field := fmt.Sprintf("Configurations[%d]", i)
		if cc.ID == "" {
			return nil, configErr(field+".ID", "is empty")
		}
		if _, dup := md.CredentialConfigurations[cc.ID]; dup {
			return nil, configErr(field+".ID", "%q is used twice", cc.ID)
		}
		conf, err := buildConfiguration(field, cc)
		if err != nil {
			return nil, err
		}
		md.CredentialConfigurations[cc.ID] = conf
	}

	as, err := buildAuthorizationServer(cfg)
	if err != nil {
		return nil, err
	}
	return &Builder{issuer: md, as: as, issuerID: iss}, nil
}

// CredentialIssuer returns the Credential Issuer Identifier.
func (b *Builder) CredentialIssuer() string { return b.issuerID }

// CredentialIssuerMetadata returns a copy of the Credential Issuer Metadata
// with every language; see CredentialIssuerMetadata.Localize.
func (b *Builder) CredentialIssuerMetadata() *CredentialIssuerMetadata { return b.issuer.Clone() }

func buildEncryption(cfg Config, md *CredentialIssuerMetadata) error {
	if re := cfg.RequestEncryption; re != nil {
		if len(re.Keys) == 0 {
			return configErr("RequestEncryption.Keys", "none given; jwks must hold one or more keys (Section 12.2.4)")
		}
		specs := make([]KeySpec, len(re.Keys))
		for i, k := range re.Keys {
			if k.Alg == "" {
				return configErr(fmt.Sprintf("RequestEncryption.Keys[%d].Alg", i), "is empty; an encryption JWK must carry alg (Section 10)")
			}
			if _, ok := keyAgreementAlgKey[k.Alg]; !ok {
				return configErr(fmt.Sprintf("RequestEncryption.Keys[%d].Alg", i), "%q is not a supported key management algorithm", k.Alg)
			}
			if k.Use == "" {
				k.Use = UseEnc
			}
			specs[i] = k
		}
		set, err := NewJWKSet(specs...)
		if err != nil {
			return &ConfigError{Field: "RequestEncryption.Keys", Reason: "cannot publish the keys", Err: err}
		}
		if err := checkAllowed(re.EncValues, jweEncs, "enc"); err != nil {
			return configErr("RequestEncryption.EncValues", "%v", err)
		}
		if len(re.ZipValues) > 0 {
			if err := checkAllowed(re.ZipValues, jweZips, "zip"); err != nil {
				return configErr("RequestEncryption.ZipValues", "%v", err)
			}
		}
		md.CredentialRequestEncryption = &CredentialRequestEncryption{
			JWKS:               set,
			EncValuesSupported: slices.Clone(re.EncValues),
			ZipValuesSupported: slices.Clone(re.ZipValues),
			EncryptionRequired: re.Required,
		}
	}
	if re := cfg.ResponseEncryption; re != nil {
		if cfg.RequestEncryption == nil {
			return configErr("ResponseEncryption", "needs RequestEncryption: a request asking for an encrypted response must be encrypted (Section 8.2)")
		}
		if re.Required && !cfg.RequestEncryption.Required {
			return configErr("RequestEncryption.Required", "is false while ResponseEncryption.Required is true; every request then carries credential_response_encryption and must be encrypted (Section 8.2)")
		}
		if err := checkAllowed(re.AlgValues, jweAlgs, "alg"); err != nil {
			return configErr("ResponseEncryption.AlgValues", "%v", err)
		}
		if err := checkAllowed(re.EncValues, jweEncs, "enc"); err != nil {
			return configErr("ResponseEncryption.EncValues", "%v", err)
		}
		if len(re.ZipValues) > 0 {
			if err := checkAllowed(re.ZipValues, jweZips, "zip"); err != nil {
				return configErr("ResponseEncryption.ZipValues", "%v", err)
			}
		}
		md.CredentialResponseEncryption = &CredentialResponseEncryption{
			AlgValuesSupported: slices.Clone(re.AlgValues),
			EncValuesSupported: slices.Clone(re.EncValues),
			ZipValuesSupported: slices.Clone(re.ZipValues),
			EncryptionRequired: re.Required,
		}
	}
	return nil
}

func checkIssuerDisplay(ds []IssuerDisplay) error {
	locales := make([]string, len(ds))
	for i, d := range ds {
		field := fmt.Sprintf("Display[%d]", i)
		if d.Name == "" {
			return configErr(field+".Name", "is empty")
		}
		if d.Logo != nil {
			if err := checkImageURI(d.Logo.URI); err != nil {
				return configErr(field+".Logo.URI", "%v", err)
			}
		}
		locales[i] = d.Locale
	}
	if err := checkLocales(locales); err != nil {
		return configErr("Display", "%v", err)
	}
	return nil
}

func buildConfiguration(field string, cc CredentialConfig) (CredentialConfiguration, error) {
	conf := CredentialConfiguration{Format: cc.Format, Scope: cc.Scope}
	if conf.Scope == "" {
		conf.Scope = cc.ID
	}
	proofAlgs := cc.ProofSigningAlgs
	if len(proofAlgs) == 0 {
		proofAlgs = []string{"ES256"}
	}
	if err := checkAllowed(proofAlgs, jwsAlgs, "proof signing algorithm"); err != nil {
		return conf, configErr(field+".ProofSigningAlgs", "%v", err)
	}
	if ka := cc.KeyAttestationsRequired; ka != nil {
		if err := checkAttackPotential(ka.KeyStorage); err != nil {
			return conf, configErr(field+".KeyAttestationsRequired.KeyStorage", "%v", err)
		}
		if err := checkAttackPotential(ka.UserAuthentication); err != nil {
			return conf, configErr(field+".KeyAttestationsRequired.UserAuthentication", "%v", err)
		}
	}
	types := cc.ProofTypes
	if len(types) == 0 {
		types = []string{ProofTypeJWT}
	}
	conf.ProofTypesSupported = make(map[string]ProofType, len(types))
	for _, t := range types {
		required := cloneKeyAttestations(cc.KeyAttestationsRequired)
		pt := ProofType{ProofSigningAlgValuesSupported: slices.Clone(proofAlgs), KeyAttestationsRequired: required}
		switch t {
		case ProofTypeJWT:
		case ProofTypeAttestation:
			// The proof is a key attestation: always required (Section
			// 12.2.4: {} means required without constraints).
			if pt.KeyAttestationsRequired == nil {
				pt.KeyAttestationsRequired = &KeyAttestationsRequired{}
			}
		case ProofTypeAndroidKeystoreAttestation:
			// Google's vendor type: the attested KeyStore key is ES256;
			// the Android policy, not Appendix D levels, constrains it.
			pt = ProofType{ProofSigningAlgValuesSupported: []string{"ES256"}, KeyAttestationsRequired: &KeyAttestationsRequired{}}
		default:
			return conf, configErr(field+".ProofTypes", "%q is not jwt, attestation or android_keystore_attestation", t)
		}
		if _, dup := conf.ProofTypesSupported[t]; dup {
			return conf, configErr(field+".ProofTypes", "%q is listed twice", t)
		}
		conf.ProofTypesSupported[t] = pt
	}

	switch cc.Format {
	case FormatSDJWTVC:
		if cc.VCT == "" {
			return conf, configErr(field+".VCT", "is empty; vct is required for dc+sd-jwt (Appendix A.3.2)")
		}
		if cc.Doctype != "" || len(cc.Namespaces) > 0 || len(cc.COSESigningAlgs) > 0 {
			return conf, configErr(field, "Doctype, Namespaces and COSESigningAlgs belong to mso_mdoc, not dc+sd-jwt")
		}
		algs := cc.SigningAlgs
		if len(algs) == 0 {
			algs = []string{"ES256"}
		}
		if err := checkAllowed(algs, jwsAlgs, "credential signing algorithm"); err != nil {
			return conf, configErr(field+".SigningAlgs", "%v", err)
		}
		for _, a := range algs {
			conf.CredentialSigningAlgValuesSupported = append(conf.CredentialSigningAlgValuesSupported, JOSEAlgorithm(a))
		}
		conf.VCT = cc.VCT
		conf.CryptographicBindingMethodsSupported = []string{BindingJWK}
	case FormatMDoc:
		if cc.Doctype == "" {
			return conf, configErr(field+".Doctype", "is empty; doctype is required for mso_mdoc (Appendix A.2.2)")
		}
		if cc.VCT != "" || len(cc.SigningAlgs) > 0 {
			return conf, configErr(field, "VCT and SigningAlgs belong to dc+sd-jwt, not mso_mdoc (use COSESigningAlgs)")
		}
		algs := cc.COSESigningAlgs
		if len(algs) == 0 {
			algs = []int64{-7, -9}
		}
		seen := map[int64]bool{}
		for _, a := range algs {
			if !coseAlgs[a] {
				return conf, configErr(field+".COSESigningAlgs", "COSE algorithm %d is not supported", a)
			}
			if seen[a] {
				return conf, configErr(field+".COSESigningAlgs", "COSE algorithm %d is listed twice", a)
			}
			seen[a] = true
			conf.CredentialSigningAlgValuesSupported = append(conf.CredentialSigningAlgValuesSupported, COSEAlgorithm(a))
		}
		conf.Doctype = cc.Doctype
		conf.CryptographicBindingMethodsSupported = []string{BindingCOSEKey}
	default:
		return conf, configErr(field+".Format", "%q is not a format this issuer can issue (want %q or %q)", cc.Format, FormatSDJWTVC, FormatMDoc)
	}

	if err := checkCredentialDisplay(field, cc.Display); err != nil {
		return conf, err
	}
	if err := checkClaims(field, cc); err != nil {
		return conf, err
	}
	if len(cc.Display) > 0 || len(cc.Claims) > 0 {
		conf.CredentialMetadata = &CredentialMetadata{
			Display: cloneCredentialDisplay(cc.Display),
			Claims:  cloneClaims(cc.Claims),
		}
	}
	return conf, nil
}

// checkAttackPotential accepts the Appendix D.2 values and, for values of
// other ecosystems, absolute URLs (as Appendix D.2 recommends).
func checkAttackPotential(values []string) error {
	if values == nil {
		return nil
	}
	if len(values) == 0 {
		return fmt.Errorf("is empty; the array must be non-empty or absent (Section 12.2.4)")
	}
	for _, v := range values {
		if apValues[v] {
			continue
		}
		if u, err := url.Parse(v); err != nil || !u.IsAbs() || u.Host == "" {
			return fmt.Errorf("%q is neither an Appendix D.2 value nor an absolute URL", v)
		}
	}
	return nil
}

func checkCredentialDisplay(field string, ds []CredentialDisplay) error {
	locales := make([]string, len(ds))
	for i, d := range ds {
		f := fmt.Sprintf("%s.Display[%d]", field, i)
		if d.Name == "" {
			return configErr(f+".Name", "is empty; name is required (Section 12.2.4)")
		}
		if d.Logo != nil {
			if err := checkImageURI(d.Logo.URI); err != nil {
				return configErr(f+".Logo.URI", "%v", err)
			}
		}
		if d.BackgroundImage != nil {
			if err := checkImageURI(d.BackgroundImage.URI); err != nil {
				return configErr(f+".BackgroundImage.URI", "%v", err)
			}
		}
		locales[i] = d.Locale
	}
	if err := checkLocales(locales); err != nil {
		return configErr(field+".Display", "%v", err)
	}
	return nil
}

func checkClaims(field string, cc CredentialConfig) error {
	namespaces := cc.Namespaces
	if cc.Format == FormatMDoc && len(namespaces) == 0 {
		namespaces = []string{cc.Doctype}
	}
	for i, cd := range cc.Claims {
		f := fmt.Sprintf("%s.Claims[%d]", field, i)
		if err := cd.Path.checkComponents(cc.Format); err != nil {
			return configErr(f+".Path", "%v", err)
		}
		if cc.Format == FormatMDoc {
			if ns := cd.Path[0].(string); !slices.Contains(namespaces, ns) {
				return configErr(f+".Path", "namespace %q is not one of %q", ns, namespaces)
			}
		}
		locales := make([]string, len(cd.Display))
		for j, d := range cd.Display {
			if d.Name == "" {
				return configErr(fmt.Sprintf("%s.Display[%d].Name", f, j), "is empty")
			}
			locales[j] = d.Locale
		}
		if err := checkLocales(locales); err != nil {
			return configErr(f+".Display", "%v", err)
		}
	}
	if err := checkClaimsConsistency(cc.Format, cc.Claims); err != nil {
		return configErr(field+".Claims", "%v", err)
	}
	return nil
}
