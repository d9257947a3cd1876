package wellknown

import "fmt"

// JWTVCIssuerMetadata is the JWT VC Issuer Metadata document
// (draft-ietf-oauth-sd-jwt-vc-18 Section 3.2); this package always embeds
// the keys (jwks), never jwks_uri, so exactly one of the two is present.
type JWTVCIssuerMetadata struct {
	Issuer string `json:"issuer"`
	JWKS   JWKSet `json:"jwks"`
}

// JWTVCIssuerMetadata returns the JWT VC Issuer Metadata for the issuer
// identifier with the given keys, which verify the issued SD-JWT VCs. The
// issuer is the Credential Issuer Identifier, which is the iss of the
// credentials (Section 3.3 requires them identical).
func (b *Builder) JWTVCIssuerMetadata(keys JWKSet) (*JWTVCIssuerMetadata, error) {
	if len(keys.Keys) == 0 {
		return nil, fmt.Errorf("%w: JWT VC Issuer Metadata needs at least one key", ErrInvalidKey)
	}
	for i, k := range keys.Keys {
		if k.Use == UseEnc {
			return nil, fmt.Errorf("%w: key %d (kid %q) is an encryption key", ErrInvalidKey, i, k.Kid)
		}
	}
	return &JWTVCIssuerMetadata{Issuer: b.issuerID, JWKS: cloneJWKSet(keys)}, nil
}
