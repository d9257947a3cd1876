package oid4vci

// Credential Format identifiers (Appendix A).
const (
	// FormatSDJWTVC is the IETF SD-JWT VC format (Appendix A.3.1).
	FormatSDJWTVC = "dc+sd-jwt"
	// FormatMsoMdoc is the ISO/IEC 18013-5 mdoc format (Appendix A.2.1).
	FormatMsoMdoc = "mso_mdoc"
	// FormatJWTVCJSON is a W3C VC signed as a JWT without JSON-LD (Appendix A.1.1.1).
	FormatJWTVCJSON = "jwt_vc_json"
	// FormatLDPVC is a W3C VC secured with Data Integrity (Appendix A.1.2.1).
	FormatLDPVC = "ldp_vc"
	// FormatJWTVCJSONLD is a W3C VC signed as a JWT using JSON-LD (Appendix A.1.3.1).
	FormatJWTVCJSONLD = "jwt_vc_json-ld"
)

// Proof types of the proofs parameter (Appendix F).
const (
	// ProofTypeJWT is the jwt proof type (Appendix F.1).
	ProofTypeJWT = "jwt"
	// ProofTypeDIVP is the di_vp proof type (Appendix F.2).
	ProofTypeDIVP = "di_vp"
	// ProofTypeAttestation is the attestation proof type (Appendix F.3).
	ProofTypeAttestation = "attestation"
	// ProofTypeAndroidKeystoreAttestation is Google's proof type carrying
	// Android KeyStore attestation chains, one per key, whose challenge is
	// the c_nonce (developer.android.com, "Implement hardware-backed
	// attestation for digital credentials").
	ProofTypeAndroidKeystoreAttestation = "android_keystore_attestation"
)

// Grant types.
const (
	// GrantTypePreAuthorizedCode is the Pre-Authorized Code grant (§4.1.1, §6.1, Appendix G.1).
	GrantTypePreAuthorizedCode = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
	// GrantTypeAuthorizationCode is the Authorization Code grant (§4.1.1; RFC 6749 §4.1.3).
	GrantTypeAuthorizationCode = "authorization_code"
)

// Token types of the token_type response parameter (RFC 6749 §7.1).
const (
	// TokenTypeBearer is a bearer token (RFC 6750).
	TokenTypeBearer = "Bearer"
	// TokenTypeDPoP is a DPoP-bound token (RFC 9449 §5).
	TokenTypeDPoP = "DPoP"
)

// AuthorizationDetailsTypeOpenIDCredential is the authorization details type
// defined by §5.1.1.
const AuthorizationDetailsTypeOpenIDCredential = "openid_credential"

// JOSE typ header values.
const (
	// TypProofJWT is the typ of a key proof JWT (Appendix F.1).
	TypProofJWT = "openid4vci-proof+jwt"
	// TypKeyAttestationJWT is the typ of a key attestation JWT (Appendix D.1).
	TypKeyAttestationJWT = "key-attestation+jwt"
	// TypSignedIssuerMetadata is the typ of signed Credential Issuer Metadata (§12.2.3).
	TypSignedIssuerMetadata = "openidvci-issuer-metadata+jwt"
)

// Media types.
const (
	// MediaTypeJSON is used for every unencrypted request and response body
	// (§4.1.3, §7.2, §8.2, §8.3, §9, §11.1).
	MediaTypeJSON = "application/json"
	// MediaTypeJWT is used for encrypted requests and responses (§10) and
	// for signed metadata (§12.2.2).
	MediaTypeJWT = "application/jwt"
	// MediaTypeForm is the Token Request body (RFC 6749 §4.1.3).
	MediaTypeForm = "application/x-www-form-urlencoded"
	// MediaTypeProofJWT is registered for key proof JWTs (Appendix G.6.1).
	MediaTypeProofJWT = "application/openid4vci-proof+jwt"
	// MediaTypeKeyAttestationJWT is registered for key attestations (Appendix G.6.2).
	MediaTypeKeyAttestationJWT = "application/key-attestation+jwt"
	// MediaTypeSignedIssuerMetadata is registered for signed metadata (Appendix G.6.3).
	MediaTypeSignedIssuerMetadata = "application/openidvci-issuer-metadata+jwt"
)

// HTTP header names.
const (
	// HeaderDPoP carries a DPoP proof (RFC 9449 §4.1).
	HeaderDPoP = "DPoP"
	// HeaderDPoPNonce carries a server-provided DPoP nonce (RFC 9449 §8, §9; §7.2).
	HeaderDPoPNonce = "DPoP-Nonce"
	// HeaderCacheControl must carry CacheControlNoStore on token (RFC 6749
	// §5.1), nonce (§7.2) and credential responses.
	HeaderCacheControl = "Cache-Control"
	// CacheControlNoStore is the Cache-Control value for those responses.
	CacheControlNoStore = "no-store"
)

// Offer link schemes and query parameters.
const (
	// OfferSchemeOpenID is the base of a Credential Offer link to a native
	// wallet (§4.1.2, §4.1.3; registered in Appendix G.7.1).
	OfferSchemeOpenID = "openid-credential-offer://"
	// OfferSchemeHAIP is the custom scheme HAIP 1.0 §4.2 allows.
	OfferSchemeHAIP = "haip-vci://"
	// ParamCredentialOffer carries an offer by value (§4.1).
	ParamCredentialOffer = "credential_offer"
	// ParamCredentialOfferURI carries an offer by reference (§4.1).
	ParamCredentialOfferURI = "credential_offer_uri"
)

// JWE parameters a wallet may ask for in credential_response_encryption
// (§8.2; RFC 7518 §5.1 and §7.3). Which ones an issuer accepts is its policy,
// published in its metadata (§12.2.4).
const (
	EncA128GCM      = "A128GCM"
	EncA192GCM      = "A192GCM"
	EncA256GCM      = "A256GCM"
	EncA128CBCHS256 = "A128CBC-HS256"
	EncA192CBCHS384 = "A192CBC-HS384"
	EncA256CBCHS512 = "A256CBC-HS512"
	ZipDeflate      = "DEF"
	AlgECDHES       = "ECDH-ES"
	AlgRSAOAEP256   = "RSA-OAEP-256"
)
