package wellknown

import "slices"

// GrantTypePreAuthorizedCode is the Pre-Authorized Code grant type
// (OpenID4VCI 1.0 Section 4.1.1).
const GrantTypePreAuthorizedCode = "urn:ietf:params:oauth:grant-type:pre-authorized_code"

// AuthorizationDetailsTypeOpenIDCredential is the authorization_details type of
// OpenID4VCI (Section 5.1.1).
const AuthorizationDetailsTypeOpenIDCredential = "openid_credential"

// AuthorizationServerMetadata is the OAuth 2.0 Authorization Server Metadata
// (RFC 8414 Section 2) of an issuer that only grants pre-authorized codes.
// response_types_supported is left out, as Section 12.2.4 of OpenID4VCI 1.0
// allows for a server that only supports the Pre-Authorized Code grant.
type AuthorizationServerMetadata struct {
	Issuer        string `json:"issuer"`
	TokenEndpoint string `json:"token_endpoint"`
	// JWKSURI locates the keys that sign the JWT access tokens (RFC 9068).
	JWKSURI             string   `json:"jwks_uri,omitempty"`
	GrantTypesSupported []string `json:"grant_types_supported"`
	// TokenEndpointAuthMethodsSupported is ["none"] when anonymous access
	// is on: RFC 8414's default, client_secret_basic, would be wrong.
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported,omitempty"`
	// DPoPSigningAlgValuesSupported is from RFC 9449 Section 5.1.
	DPoPSigningAlgValuesSupported []string `json:"dpop_signing_alg_values_supported,omitempty"`
	// AuthorizationDetailsTypesSupported is from RFC 9396 Section 10; the
	// token response carries openid_credential authorization details.
	AuthorizationDetailsTypesSupported []string `json:"authorization_details_types_supported,omitempty"`
	// PreAuthorizedGrantAnonymousAccessSupported is from OpenID4VCI 1.0
	// Section 12.3; always written, false included.
	PreAuthorizedGrantAnonymousAccessSupported bool `json:"pre-authorized_grant_anonymous_access_supported"`
}

func buildAuthorizationServer(cfg Config) (*AuthorizationServerMetadata, error) {
	as := &AuthorizationServerMetadata{
		Issuer:                             cfg.IssuerURL,
		TokenEndpoint:                      cfg.IssuerURL + PathToken,
		GrantTypesSupported:                []string{GrantTypePreAuthorizedCode},
		AuthorizationDetailsTypesSupported: []string{AuthorizationDetailsTypeOpenIDCredential},
		PreAuthorizedGrantAnonymousAccessSupported: cfg.AnonymousPreAuthorizedAccess,
	}
	if cfg.PublishJWKSURI {
		as.JWKSURI = cfg.IssuerURL + PathJWKS
	}
	if cfg.AnonymousPreAuthorizedAccess {
		as.TokenEndpointAuthMethodsSupported = []string{"none"}
	}
	if len(cfg.DPoPSigningAlgs) > 0 {
		if err := checkAllowed(cfg.DPoPSigningAlgs, jwsAlgs, "DPoP signing algorithm"); err != nil {
			return nil, configErr("DPoPSigningAlgs", "%v", err)
		}
		as.DPoPSigningAlgValuesSupported = slices.Clone(cfg.DPoPSigningAlgs)
	}
	return as, nil
}

// AuthorizationServerMetadata returns the issuer's own OAuth 2.0
// Authorization Server Metadata; its issuer is the Credential Issuer
// Identifier.
func (b *Builder) AuthorizationServerMetadata() *AuthorizationServerMetadata {
	c := *b.as
	c.GrantTypesSupported = slices.Clone(c.GrantTypesSupported)
	c.TokenEndpointAuthMethodsSupported = slices.Clone(c.TokenEndpointAuthMethodsSupported)
	c.DPoPSigningAlgValuesSupported = slices.Clone(c.DPoPSigningAlgValuesSupported)
	c.AuthorizationDetailsTypesSupported = slices.Clone(c.AuthorizationDetailsTypesSupported)
	return &c
}
