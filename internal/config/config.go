package config

import "time"

// Config is the whole configuration of pramaan serve. Its YAML form is
// documented in testdata/example.yaml.
type Config struct {
	Server    Server   `yaml:"server"`
	Limits    Limits   `yaml:"limits"`
	Languages []string `yaml:"languages"` // BCP 47 tags; every display names each of them
	Issuer    Issuer   `yaml:"issuer"`
	// CredentialConfigurations are keyed by credential_configuration_id.
	CredentialConfigurations map[string]CredentialConfiguration `yaml:"credential_configurations"`
	Encryption               Encryption                         `yaml:"encryption"`
	Callbacks                Callbacks                          `yaml:"callbacks"`
	KeyAttestation           KeyAttestation                     `yaml:"key_attestation"`
	DigiLocker               DigiLocker                         `yaml:"digilocker"`
	EKYC                     EKYC                               `yaml:"ekyc"`
	ESignet                  ESignet                            `yaml:"esignet"`
	Face                     Face                               `yaml:"face"`
	Status                   Status                             `yaml:"status"`
}

// KeyAttestation configures how attested holder keys are checked.
type KeyAttestation struct {
	// WalletProviders are PEM files of wallet-provider CA certificates, the
	// trust anchors of key-attestation+jwt x5c chains (the attestation
	// proof type and jwt proofs with key_attestation). Relative paths are
	// resolved against the data directory.
	WalletProviders []string `yaml:"wallet_providers"`
	// Android configures the android_keystore_attestation proof type.
	Android AndroidAttestation `yaml:"android"`
	// Status configures the checks of key attestations' status claims.
	Status AttestationStatus `yaml:"status"`
}

// AttestationStatus configures Token Status List checks of key
// attestations. By default a status claim is checked: its list is
// fetched (https), verified under the wallet-provider anchors, cached for
// its ttl, and a list that cannot be had refuses the attestation.
type AttestationStatus struct {
	// Skip leaves status claims unchecked.
	Skip bool `yaml:"skip"`
	// Require refuses attestations without a status claim.
	Require bool `yaml:"require"`
	// AllowHTTP permits http:// list URIs (local testing only).
	AllowHTTP bool `yaml:"allow_http"`
}

// AndroidAttestation configures Android key attestation chain checks.
type AndroidAttestation struct {
	// StatusList is the attestation revocation status list: an https URL
	// (Google's by default) or a file. An unavailable list fails chains.
	StatusList string `yaml:"status_list"`
	// StatusListTTL is how long a fetched list is used (default 1h).
	StatusListTTL time.Duration `yaml:"status_list_ttl"`
	// Policy is a JSON policy file overlaying the built-in strict policy
	// (see pramaan attest verify); empty means the strict policy.
	Policy string `yaml:"policy"`
	// AllowTestDevices accepts unlocked devices with unverified boot and
	// any patch level. Never in production.
	AllowTestDevices bool `yaml:"allow_test_devices"`
	// Roots are PEM files of extra roots pinned by public key besides
	// Google's (a private attestation PKI, or tests).
	Roots []string `yaml:"roots"`
}

// Callbacks tunes the delivery of credentials to wallet backends (the
// outbox). Zero values take the defaults of Default.
type Callbacks struct {
	// MaxAttempts is how many times a callback is tried before it is dead.
	MaxAttempts int `yaml:"max_attempts"`
	// BaseDelay is the wait after the first failure; it doubles each time,
	// with jitter, up to MaxDelay.
	BaseDelay time.Duration `yaml:"base_delay"`
	MaxDelay  time.Duration `yaml:"max_delay"`
	// Timeout bounds one attempt; Lease (longer) is how long a claimed
	// callback is held before another worker may take it over.
	Timeout time.Duration `yaml:"timeout"`
	Lease   time.Duration `yaml:"lease"`
	// Poll is how often an idle worker looks for due callbacks.
	Poll time.Duration `yaml:"poll"`
}

// Server says where pramaan listens, who it is and where it keeps its data.
type Server struct {
	// Addr is the host:port to listen on.
	Addr string `yaml:"addr"`
	// PublicURL is the Credential Issuer Identifier (OpenID4VCI 1.0
	// Section 12.2.1): https, no query or fragment. http is accepted only
	// for a loopback host, the development default.
	PublicURL string `yaml:"public_url"`
	// DataDir holds the SQLite database, generated keys and the admin token.
	DataDir string `yaml:"data_dir"`
	// DatabaseURL is empty for SQLite in DataDir, or a postgres:// URL.
	DatabaseURL string `yaml:"database_url"`
}

// Limits bound what one client can ask for and how long one-time values live.
type Limits struct {
	MaxBodyBytes         int64         `yaml:"max_body_bytes"`
	PreAuthorizedCodeTTL time.Duration `yaml:"pre_authorized_code_ttl"`
	// OfferTTL is how long an offer by reference can be fetched; at most
	// PreAuthorizedCodeTTL, since an offer whose code has expired is useless.
	OfferTTL          time.Duration `yaml:"offer_ttl"`
	CNonceTTL         time.Duration `yaml:"c_nonce_ttl"`
	TxCodeMaxAttempts int           `yaml:"tx_code_max_attempts"`
	AccessTokenTTL    time.Duration `yaml:"access_token_ttl"`
	// ProofMaxAge is how old the iat of a key proof may be; ClockSkew is
	// how far in the future it may be (Appendix F.1 leaves the window to
	// the issuer).
	ProofMaxAge time.Duration `yaml:"proof_max_age"`
	ClockSkew   time.Duration `yaml:"clock_skew"`
	// BatchSize is the largest number of proofs in one Credential Request;
	// 1 means no batch issuance.
	BatchSize int `yaml:"batch_size"`
	// IdempotencyWindow is how long an identical Credential Request returns
	// the stored response instead of issuing again.
	IdempotencyWindow time.Duration `yaml:"idempotency_window"`
}

// Issuer is the issuer's display data.
type Issuer struct {
	// Display maps a language tag to the issuer's name in that language.
	Display map[string]string `yaml:"display"`
	// LogoURI is an optional https or data: URI of the issuer's logo.
	LogoURI string `yaml:"logo_uri"`
}

// Format identifiers (OpenID4VCI 1.0 Appendix A).
const (
	FormatSDJWTVC = "dc+sd-jwt"
	FormatMDoc    = "mso_mdoc"
)

// Cryptographic binding methods (OpenID4VCI 1.0 Section 12.2.4).
const (
	BindingJWK     = "jwk"
	BindingCOSEKey = "cose_key"
)

// CredentialConfiguration is one credential the issuer offers.
type CredentialConfiguration struct {
	Format string `yaml:"format"` // FormatSDJWTVC or FormatMDoc
	// Scope defaults to the configuration id.
	Scope string `yaml:"scope"`
	// VCT is the SD-JWT VC type (dc+sd-jwt only).
	VCT string `yaml:"vct"`
	// Doctype and Namespace are the ISO 18013-5 document type and the
	// namespace of its data elements (mso_mdoc only); every claim path
	// starts with Namespace.
	Doctype   string `yaml:"doctype"`
	Namespace string `yaml:"namespace"`
	// SigningAlg is the JOSE algorithm of the credential (dc+sd-jwt only).
	SigningAlg string `yaml:"signing_alg"`
	// COSEAlg is the COSE algorithm number of the MSO (mso_mdoc only).
	COSEAlg int64 `yaml:"cose_alg"`
	// Binding is jwk for dc+sd-jwt and cose_key for mso_mdoc.
	Binding    string     `yaml:"binding"`
	ProofTypes ProofTypes `yaml:"proof_types"`
	// KeyAttestationsRequired, when set, binds credentials only to attested
	// keys meeting it.
	KeyAttestationsRequired *KeyAttestationsRequired `yaml:"key_attestations_required"`
	// Validity is the lifetime of an issued credential.
	Validity time.Duration `yaml:"validity"`
	// Deferred issues through the Deferred Credential Endpoint (Section 9)
	// after an operator approves.
	Deferred        bool               `yaml:"deferred"`
	Display         map[string]Display `yaml:"display"`
	BackgroundColor string             `yaml:"background_color"`
	TextColor       string             `yaml:"text_color"`
	Claims          []Claim            `yaml:"claims"`
}

// ProofTypes lists the accepted key proof types (Appendix F).
type ProofTypes struct {
	JWT *JWTProofType `yaml:"jwt"`
	// Attestation accepts a key-attestation+jwt without proof of
	// possession (Appendix F.3); needs key_attestation.wallet_providers.
	Attestation *JWTProofType `yaml:"attestation"`
	// AndroidKeystoreAttestation accepts Android KeyStore chains whose
	// challenge is the c_nonce (Google's android_keystore_attestation).
	AndroidKeystoreAttestation *AndroidProofType `yaml:"android_keystore_attestation"`
}

// AndroidProofType configures the android_keystore_attestation proof type.
type AndroidProofType struct{}

// KeyAttestationsRequired is key_attestations_required (Section 12.2.4):
// the attack-potential levels (Appendix D.2) an attestation must list one
// of. Setting it, even empty, requires key attestation for jwt proofs.
type KeyAttestationsRequired struct {
	KeyStorage         []string `yaml:"key_storage"`
	UserAuthentication []string `yaml:"user_authentication"`
}

// JWTProofType configures the jwt proof type (Appendix F.1).
type JWTProofType struct {
	SigningAlgs []string `yaml:"signing_algs"`
}

// Display is a credential's name and description in one language.
type Display struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
}

// Claim is one claim of a credential.
type Claim struct {
	// Path is the claims path pointer (Appendix C): strings, non-negative
	// integers and null (every array element).
	Path []any `yaml:"path"`
	// Source is the record claim the value comes from, dotted for nested
	// members (address.house).
	Source string `yaml:"source"`
	// Mandatory claims are always issued (Appendix B.2).
	Mandatory bool `yaml:"mandatory"`
	// SelectivelyDisclosable makes the claim a disclosure (dc+sd-jwt only;
	// every mdoc data element is selectively disclosable by construction).
	SelectivelyDisclosable bool `yaml:"selectively_disclosable"`
	// Display maps a language tag to the claim's name in that language.
	Display map[string]string `yaml:"display"`
}

// Encryption configures credential request and response encryption
// (Section 10).
type Encryption struct {
	Request  RequestEncryption  `yaml:"request"`
	Response ResponseEncryption `yaml:"response"`
}

// RequestEncryption is published as credential_request_encryption.
type RequestEncryption struct {
	Enabled  bool     `yaml:"enabled"`
	Enc      []string `yaml:"enc"`
	Zip      []string `yaml:"zip"`
	Required bool     `yaml:"required"`
}

// ResponseEncryption is published as credential_response_encryption.
type ResponseEncryption struct {
	Enabled  bool     `yaml:"enabled"`
	Alg      []string `yaml:"alg"`
	Enc      []string `yaml:"enc"`
	Zip      []string `yaml:"zip"`
	Required bool     `yaml:"required"`
}
