package wellknown

// Credential Format Identifiers (OpenID4VCI 1.0 Appendix A).
const (
	FormatSDJWTVC = "dc+sd-jwt" // IETF SD-JWT VC, Appendix A.3
	FormatMDoc    = "mso_mdoc"  // ISO/IEC 18013-5 mdoc, Appendix A.2
)

// Cryptographic binding methods (OpenID4VCI 1.0 Section 12.2.4).
const (
	BindingJWK     = "jwk"
	BindingCOSEKey = "cose_key"
)

// Proof types (OpenID4VCI 1.0 Appendix F).
const (
	// ProofTypeJWT is the jwt proof type (Appendix F.1).
	ProofTypeJWT = "jwt"
	// ProofTypeAttestation is the attestation proof type (Appendix F.3).
	ProofTypeAttestation = "attestation"
	// ProofTypeAndroidKeystoreAttestation is Google's proof type of
	// Android KeyStore attestation chains.
	ProofTypeAndroidKeystoreAttestation = "android_keystore_attestation"
)

// CredentialIssuerMetadata is the Credential Issuer Metadata document
// (OpenID4VCI 1.0 Section 12.2.4). Members are in the order the
// specification lists them.
type CredentialIssuerMetadata struct {
	CredentialIssuer             string                             `json:"credential_issuer"`
	AuthorizationServers         []string                           `json:"authorization_servers,omitempty"`
	CredentialEndpoint           string                             `json:"credential_endpoint"`
	NonceEndpoint                string                             `json:"nonce_endpoint,omitempty"`
	DeferredCredentialEndpoint   string                             `json:"deferred_credential_endpoint,omitempty"`
	NotificationEndpoint         string                             `json:"notification_endpoint,omitempty"`
	CredentialRequestEncryption  *CredentialRequestEncryption       `json:"credential_request_encryption,omitempty"`
	CredentialResponseEncryption *CredentialResponseEncryption      `json:"credential_response_encryption,omitempty"`
	BatchCredentialIssuance      *BatchCredentialIssuance           `json:"batch_credential_issuance,omitempty"`
	Display                      []IssuerDisplay                    `json:"display,omitempty"`
	CredentialConfigurations     map[string]CredentialConfiguration `json:"credential_configurations_supported"`
}

// CredentialRequestEncryption says how a wallet may encrypt its Credential
// Request (Section 12.2.4, credential_request_encryption).
type CredentialRequestEncryption struct {
	// JWKS holds the issuer's public key-agreement keys; each has a kid.
	JWKS               JWKSet   `json:"jwks"`
	EncValuesSupported []string `json:"enc_values_supported"`
	ZipValuesSupported []string `json:"zip_values_supported,omitempty"`
	EncryptionRequired bool     `json:"encryption_required"`
}

// CredentialResponseEncryption says how the issuer can encrypt the Credential
// Response (Section 12.2.4, credential_response_encryption).
type CredentialResponseEncryption struct {
	AlgValuesSupported []string `json:"alg_values_supported"`
	EncValuesSupported []string `json:"enc_values_supported"`
	ZipValuesSupported []string `json:"zip_values_supported,omitempty"`
	EncryptionRequired bool     `json:"encryption_required"`
}

// BatchCredentialIssuance announces batch issuance (Section 12.2.4); BatchSize
// is the maximum number of proofs in one request and is at least 2.
type BatchCredentialIssuance struct {
	BatchSize int `json:"batch_size"`
}

// CredentialConfiguration is one value of credential_configurations_supported
// (Section 12.2.4 and, per format, Appendix A).
type CredentialConfiguration struct {
	Format string `json:"format"`
	Scope  string `json:"scope,omitempty"`
	// CredentialSigningAlgValuesSupported holds JOSE names for dc+sd-jwt
	// (Appendix A.3) and COSE numbers for mso_mdoc (Appendix A.2).
	CredentialSigningAlgValuesSupported  []AlgorithmID        `json:"credential_signing_alg_values_supported,omitempty"`
	CryptographicBindingMethodsSupported []string             `json:"cryptographic_binding_methods_supported,omitempty"`
	ProofTypesSupported                  map[string]ProofType `json:"proof_types_supported,omitempty"`
	// VCT is the SD-JWT VC type (Appendix A.3.2), for dc+sd-jwt only.
	VCT string `json:"vct,omitempty"`
	// Doctype is the ISO 18013-5 document type (Appendix A.2.2), for mso_mdoc only.
	Doctype string `json:"doctype,omitempty"`
	// CredentialDefinition is used by the W3C formats (Appendix A.1); it is
	// modelled so that such metadata survives a parse and re-encode.
	CredentialDefinition *CredentialDefinition `json:"credential_definition,omitempty"`
	CredentialMetadata   *CredentialMetadata   `json:"credential_metadata,omitempty"`
}

// CredentialDefinition is the credential_definition object of the W3C VC
// formats (Appendix A.1.1.2 and A.1.2.2).
type CredentialDefinition struct {
	Context []string `json:"@context,omitempty"`
	Type    []string `json:"type"`
}

// ProofType is one value of proof_types_supported (Section 12.2.4).
type ProofType struct {
	ProofSigningAlgValuesSupported []string `json:"proof_signing_alg_values_supported"`
	// KeyAttestationsRequired is nil when no key attestation is required; an
	// empty non-nil value encodes as {} ("required, no constraints").
	KeyAttestationsRequired *KeyAttestationsRequired `json:"key_attestations_required,omitempty"`
}

// KeyAttestationsRequired lists the attack-potential resistance values the
// issuer accepts (Section 12.2.4, values from Appendix D.2).
type KeyAttestationsRequired struct {
	KeyStorage         []string `json:"key_storage,omitempty"`
	UserAuthentication []string `json:"user_authentication,omitempty"`
}

// Attack potential resistance values (Appendix D.2).
const (
	ISO18045High          = "iso_18045_high"
	ISO18045Moderate      = "iso_18045_moderate"
	ISO18045EnhancedBasic = "iso_18045_enhanced-basic"
	ISO18045Basic         = "iso_18045_basic"
)

// CredentialMetadata wraps the display and claims of a credential
// configuration (Section 12.2.4, credential_metadata; in 1.0 final these no
// longer sit directly in the configuration).
type CredentialMetadata struct {
	Display []CredentialDisplay `json:"display,omitempty"`
	Claims  []ClaimDescription  `json:"claims,omitempty"`
}

// ClaimDescription describes one claim for display (Appendix B.2).
type ClaimDescription struct {
	Path ClaimPath `json:"path"`
	// Mandatory true means the issuer always includes the claim; the
	// default, false, is omitted.
	Mandatory bool           `json:"mandatory,omitempty"`
	Display   []ClaimDisplay `json:"display,omitempty"`
}
