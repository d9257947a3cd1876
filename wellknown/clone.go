package wellknown

import (
	"maps"
	"slices"
)

// Clone returns a deep copy of m: changing the copy never changes m.
func (m *CredentialIssuerMetadata) Clone() *CredentialIssuerMetadata {
	if m == nil {
		return nil
	}
	c := *m
	c.AuthorizationServers = slices.Clone(m.AuthorizationServers)
	if m.CredentialRequestEncryption != nil {
		re := *m.CredentialRequestEncryption
		re.JWKS = cloneJWKSet(re.JWKS)
		re.EncValuesSupported = slices.Clone(re.EncValuesSupported)
		re.ZipValuesSupported = slices.Clone(re.ZipValuesSupported)
		c.CredentialRequestEncryption = &re
	}
	if m.CredentialResponseEncryption != nil {
		re := *m.CredentialResponseEncryption
		re.AlgValuesSupported = slices.Clone(re.AlgValuesSupported)
		re.EncValuesSupported = slices.Clone(re.EncValuesSupported)
		re.ZipValuesSupported = slices.Clone(re.ZipValuesSupported)
		c.CredentialResponseEncryption = &re
	}
	if m.BatchCredentialIssuance != nil {
		b := *m.BatchCredentialIssuance
		c.BatchCredentialIssuance = &b
	}
	c.Display = cloneIssuerDisplay(m.Display)
	if m.CredentialConfigurations != nil {
		c.CredentialConfigurations = make(map[string]CredentialConfiguration, len(m.CredentialConfigurations))
		for id, conf := range m.CredentialConfigurations {
			c.CredentialConfigurations[id] = conf.clone()
		}
	}
	return &c
}

func (conf CredentialConfiguration) clone() CredentialConfiguration {
	c := conf
	c.CredentialSigningAlgValuesSupported = slices.Clone(conf.CredentialSigningAlgValuesSupported)
	c.CryptographicBindingMethodsSupported = slices.Clone(conf.CryptographicBindingMethodsSupported)
	if conf.ProofTypesSupported != nil {
		c.ProofTypesSupported = maps.Clone(conf.ProofTypesSupported)
		for k, pt := range c.ProofTypesSupported {
			pt.ProofSigningAlgValuesSupported = slices.Clone(pt.ProofSigningAlgValuesSupported)
			pt.KeyAttestationsRequired = cloneKeyAttestations(pt.KeyAttestationsRequired)
			c.ProofTypesSupported[k] = pt
		}
	}
	if conf.CredentialDefinition != nil {
		d := *conf.CredentialDefinition
		d.Context = slices.Clone(d.Context)
		d.Type = slices.Clone(d.Type)
		c.CredentialDefinition = &d
	}
	if conf.CredentialMetadata != nil {
		c.CredentialMetadata = &CredentialMetadata{
			Display: cloneCredentialDisplay(conf.CredentialMetadata.Display),
			Claims:  cloneClaims(conf.CredentialMetadata.Claims),
		}
	}
	return c
}

func cloneKeyAttestations(ka *KeyAttestationsRequired) *KeyAttestationsRequired {
	if ka == nil {
		return nil
	}
	return &KeyAttestationsRequired{
		KeyStorage:         slices.Clone(ka.KeyStorage),
		UserAuthentication: slices.Clone(ka.UserAuthentication),
	}
}

func cloneLogo(l *Logo) *Logo {
	if l == nil {
		return nil
	}
	c := *l
	return &c
}

func cloneIssuerDisplay(ds []IssuerDisplay) []IssuerDisplay {
	out := slices.Clone(ds)
	for i := range out {
		out[i].Logo = cloneLogo(out[i].Logo)
	}
	return out
}

func cloneCredentialDisplay(ds []CredentialDisplay) []CredentialDisplay {
	out := slices.Clone(ds)
	for i := range out {
		out[i].Logo = cloneLogo(out[i].Logo)
		if out[i].BackgroundImage != nil {
			img := *out[i].BackgroundImage
			out[i].BackgroundImage = &img
		}
	}
	return out
}

func cloneClaims(cs []ClaimDescription) []ClaimDescription {
	out := slices.Clone(cs)
	for i := range out {
		out[i].Path = slices.Clone(out[i].Path)
		out[i].Display = slices.Clone(out[i].Display)
	}
	return out
}

func cloneJWKSet(s JWKSet) JWKSet {
	keys := slices.Clone(s.Keys)
	for i := range keys {
		keys[i].X5c = slices.Clone(keys[i].X5c)
	}
	return JWKSet{Keys: keys}
}
