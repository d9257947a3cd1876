package wellknown

// Paths of the issuer's endpoints, appended to the Credential Issuer
// Identifier (the HTTP routes of ../shared/DESIGN.md).
const (
	PathCredential         = "/credential"
	PathNonce              = "/nonce"
	PathDeferredCredential = "/deferred_credential"
	PathNotification       = "/notification"
	PathToken              = "/token"
	PathJWKS               = "/.well-known/jwks.json"
)

// Config is the plain input from which a Builder makes the metadata. Slices
// are copied by NewBuilder; later changes to them have no effect.
type Config struct {
	// IssuerURL is the Credential Issuer Identifier: https, a host, an
	// optional port and path, no query, no fragment, no trailing slash
	// (OpenID4VCI 1.0 Section 12.2.1). Endpoint URLs are derived from it.
	IssuerURL string
	// AllowInsecureLoopback accepts an http IssuerURL whose host is
	// localhost or a loopback address, for local development only.
	AllowInsecureLoopback bool
	// AuthorizationServers lists external authorization servers; empty
	// means the issuer is its own (Section 12.2.4).
	AuthorizationServers []string
	// DeferredEndpoint and NotificationEndpoint publish the Deferred
	// Credential and Notification endpoints. The Nonce Endpoint is always
	// published: every configuration binds a key, and HAIP 1.0 Section 4.1
	// then requires nonce_endpoint.
	DeferredEndpoint     bool
	NotificationEndpoint bool
	// Display is the issuer's display data, one entry per locale.
	Display []IssuerDisplay
	// BatchSize is the largest number of proofs per Credential Request: 0
	// for no batch issuance, else at least 2 (Section 12.2.4).
	BatchSize int
	// RequestEncryption, when set, publishes credential_request_encryption.
	RequestEncryption *RequestEncryptionConfig
	// ResponseEncryption, when set, publishes credential_response_encryption;
	// it needs RequestEncryption (Section 8.2: a request that asks for an
	// encrypted response must itself be encrypted).
	ResponseEncryption *ResponseEncryptionConfig
	// Configurations are the credentials offered; at least one.
	Configurations []CredentialConfig

	// AnonymousPreAuthorizedAccess is published as
	// pre-authorized_grant_anonymous_access_supported (Section 12.3).
	AnonymousPreAuthorizedAccess bool
	// DPoPSigningAlgs is published as dpop_signing_alg_values_supported
	// (RFC 9449 Section 5.1); empty means DPoP is not offered.
	DPoPSigningAlgs []string
	// PublishJWKSURI adds jwks_uri (IssuerURL + PathJWKS) to the
	// authorization server metadata, for verifying its JWT access tokens.
	PublishJWKSURI bool
}

// RequestEncryptionConfig describes credential request encryption (Section
// 12.2.4, credential_request_encryption).
type RequestEncryptionConfig struct {
	// Keys are the issuer's public key-agreement keys. Each needs Alg
	// (Section 10: the alg parameter MUST be present); Use defaults to
	// "enc" and KeyID to the RFC 7638 thumbprint.
	Keys      []KeySpec
	EncValues []string // e.g. A128GCM, A256GCM
	ZipValues []string // empty, or DEF
	Required  bool
}

// ResponseEncryptionConfig describes credential response encryption
// (Section 12.2.4, credential_response_encryption).
type ResponseEncryptionConfig struct {
	AlgValues []string // e.g. ECDH-ES, RSA-OAEP-256
	EncValues []string // e.g. A128GCM, A256GCM
	ZipValues []string // empty, or DEF
	Required  bool
}

// CredentialConfig is the input for one entry of
// credential_configurations_supported.
type CredentialConfig struct {
	ID     string // the configuration identifier used in offers
	Format string // FormatSDJWTVC or FormatMDoc
	// Scope defaults to ID; HAIP 1.0 Section 4.1 requires a scope for
	// every configuration.
	Scope   string
	VCT     string // dc+sd-jwt only, required
	Doctype string // mso_mdoc only, required
	// Namespaces are the mdoc namespaces claim paths may start with;
	// defaults to Doctype. mso_mdoc only.
	Namespaces []string
	// SigningAlgs are JOSE names for dc+sd-jwt; default ES256.
	SigningAlgs []string
	// COSESigningAlgs are COSE numbers for mso_mdoc; default -7, -9.
	COSESigningAlgs []int64
	// ProofSigningAlgs are the jwt proof algorithms; default ES256.
	ProofSigningAlgs []string
	// KeyAttestationsRequired, when set, asks for key attestations.
	KeyAttestationsRequired *KeyAttestationsRequired
	// ProofTypes are the advertised proof types (jwt, attestation,
	// android_keystore_attestation); empty means jwt. The attestation type
	// signs with ProofSigningAlgs; android_keystore_attestation keys are
	// ES256. Both always advertise key_attestations_required.
	ProofTypes []string
	Display    []CredentialDisplay
	Claims     []ClaimDescription
}
