package config

import (
	"fmt"
	"strings"

	"github.com/pramaan/pramaan/wellknown"
)

// dpopSigningAlg is published as dpop_signing_alg_values_supported: HAIP
// 1.0 Section 4 makes ES256 the algorithm every party supports.
const dpopSigningAlg = "ES256"

// WellKnown returns the wellknown.Config that wellknown.NewBuilder turns into
// the issuer's metadata. requestEncryptionKeys are the public
// key-agreement keys published in credential_request_encryption; at least
// one is needed when request encryption is enabled (ErrNoRequestEncryptionKey).
// Call it on a configuration that Validate accepted: display entries follow
// the order of Languages and configurations are sorted by id.
func (c *Config) WellKnown(requestEncryptionKeys ...wellknown.KeySpec) (wellknown.Config, error) {
	out := wellknown.Config{
		IssuerURL:             c.Server.PublicURL,
		AllowInsecureLoopback: strings.HasPrefix(c.Server.PublicURL, "http://"),
		// The endpoints exist whatever the configurations: a wallet may
		// be told of them before any deferred configuration is added.
		DeferredEndpoint:             true,
		NotificationEndpoint:         true,
		AnonymousPreAuthorizedAccess: true,
		DPoPSigningAlgs:              []string{dpopSigningAlg},
		PublishJWKSURI:               true,
	}
	// Section 12.2.4: batch_size is at least 2; 1 means no batch issuance.
	if c.Limits.BatchSize >= 2 {
		out.BatchSize = c.Limits.BatchSize
	}
	for _, lang := range c.Languages {
		name, ok := lookupLocale(c.Issuer.Display, lang)
		if !ok {
			continue
		}
		d := wellknown.IssuerDisplay{Name: name, Locale: lang}
		if c.Issuer.LogoURI != "" {
			d.Logo = &wellknown.Logo{URI: c.Issuer.LogoURI, AltText: name}
		}
		out.Display = append(out.Display, d)
	}
	if req := c.Encryption.Request; req.Enabled {
		if len(requestEncryptionKeys) == 0 {
			return wellknown.Config{}, ErrNoRequestEncryptionKey
		}
		out.RequestEncryption = &wellknown.RequestEncryptionConfig{
			Keys:      append([]wellknown.KeySpec(nil), requestEncryptionKeys...),
			EncValues: append([]string(nil), req.Enc...),
			ZipValues: append([]string(nil), req.Zip...),
			Required:  req.Required,
		}
	}
	if resp := c.Encryption.Response; resp.Enabled {
		out.ResponseEncryption = &wellknown.ResponseEncryptionConfig{
			AlgValues: append([]string(nil), resp.Alg...),
			EncValues: append([]string(nil), resp.Enc...),
			ZipValues: append([]string(nil), resp.Zip...),
			Required:  resp.Required,
		}
	}
	for _, id := range sortedKeys(c.CredentialConfigurations) {
		cc, err := c.credentialConfig(id)
		if err != nil {
			return wellknown.Config{}, err
		}
		out.Configurations = append(out.Configurations, cc)
	}
	return out, nil
}

func (c *Config) credentialConfig(id string) (wellknown.CredentialConfig, error) {
	cc := c.CredentialConfigurations[id]
	out := wellknown.CredentialConfig{
		ID:     id,
		Format: cc.Format,
		Scope:  cc.ScopeOrID(id),
	}
	switch cc.Format {
	case FormatSDJWTVC:
		out.VCT = cc.VCT
		out.SigningAlgs = []string{cc.SigningAlg}
	case FormatMDoc:
		out.Doctype = cc.Doctype
		out.Namespaces = []string{cc.Namespace}
		out.COSESigningAlgs = []int64{cc.COSEAlg}
	default:
		return wellknown.CredentialConfig{}, fmt.Errorf("%w: credential_configurations.%s.format %q", ErrInvalid, id, cc.Format)
	}
	out.ProofTypes, out.ProofSigningAlgs = cc.ProofTypeList()
	if r := cc.KeyAttestationsRequired; r != nil {
		out.KeyAttestationsRequired = &wellknown.KeyAttestationsRequired{
			KeyStorage:         append([]string(nil), r.KeyStorage...),
			UserAuthentication: append([]string(nil), r.UserAuthentication...),
		}
	}
	for _, lang := range c.Languages {
		if d, ok := lookupLocale(cc.Display, lang); ok {
			out.Display = append(out.Display, wellknown.CredentialDisplay{
				Name: d.Name, Locale: lang, Description: d.Description,
				BackgroundColor: cc.BackgroundColor, TextColor: cc.TextColor,
			})
		}
	}
	for _, cl := range cc.Claims {
		desc := wellknown.ClaimDescription{
			Path:      append(wellknown.ClaimPath(nil), cl.Path...),
			Mandatory: cl.Mandatory,
		}
		for _, lang := range c.Languages {
			if name, ok := lookupLocale(cl.Display, lang); ok {
				desc.Display = append(desc.Display, wellknown.ClaimDisplay{Name: name, Locale: lang})
			}
		}
		out.Claims = append(out.Claims, desc)
	}
	return out, nil
}

// ProofTypeList lists the configured proof types in a stable order and the
// signing algorithms of the JWT-based ones (jwt first, else attestation).
func (cc CredentialConfiguration) ProofTypeList() (types, algs []string) {
	pt := cc.ProofTypes
	if pt.JWT != nil {
		types = append(types, wellknown.ProofTypeJWT)
		algs = append(algs, pt.JWT.SigningAlgs...)
	}
	if pt.Attestation != nil {
		types = append(types, wellknown.ProofTypeAttestation)
		if algs == nil {
			algs = append(algs, pt.Attestation.SigningAlgs...)
		}
	}
	if pt.AndroidKeystoreAttestation != nil {
		types = append(types, wellknown.ProofTypeAndroidKeystoreAttestation)
	}
	return types, algs
}
