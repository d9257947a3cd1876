package issuer

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/outbox"
	"github.com/pramaan/pramaan/wellknown"
)

// Formats a CredentialConfiguration may have.
const (
	FormatSDJWTVC = oid4vci.FormatSDJWTVC
	FormatMDoc    = oid4vci.FormatMsoMdoc
)

// CredentialConfiguration is what the issuer needs of one
// credential_configuration_id to issue it.
type CredentialConfiguration struct {
	Format string // FormatSDJWTVC or FormatMDoc
	// VCT is the SD-JWT VC type (dc+sd-jwt).
	VCT string
	// Doctype and Namespace are the mdoc document type and the namespace
	// of its data elements (mso_mdoc).
	Doctype, Namespace string
	// Validity is the lifetime of an issued credential.
	Validity time.Duration
	// Deferred issues through the Deferred Credential Endpoint (Section 9)
	// once an operator approves.
	Deferred bool
	// ProofAlgs are the proof_signing_alg_values_supported; empty: ES256.
	ProofAlgs []string
	// ProofTypes are the accepted proof types; empty means jwt only.
	ProofTypes []string
	// KeyAttestationRequired, when set, binds only attested keys meeting
	// it (key_attestations_required, Section 12.2.4).
	KeyAttestationRequired *KeyAttestationRequirement
	// Claims are the credential's claims and where their values come from.
	Claims []Claim
}

// Claim is one claim of a credential: its claims path pointer (Appendix
// C; for mso_mdoc it starts with the namespace) and the name of the
// subject claim it takes its value from, dotted for nested members.
type Claim struct {
	Path                   []any
	Source                 string
	Mandatory              bool
	SelectivelyDisclosable bool // dc+sd-jwt only
}

// Sealer encrypts personal data at rest; keys.DataKey is one.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// Limits bound one-time values and requests. Zero values take the
// defaults named in each field.
type Limits struct {
	PreAuthorizedCodeTTL time.Duration // 10 min
	OfferTTL             time.Duration // PreAuthorizedCodeTTL
	CNonceTTL            time.Duration // 5 min
	TxCodeMaxAttempts    int           // 5
	AccessTokenTTL       time.Duration // 10 min
	ProofMaxAge          time.Duration // 5 min
	ClockSkew            time.Duration // 30 s
	BatchSize            int           // 1 (no batch)
	IdempotencyWindow    time.Duration // 60 s
	DeferredTTL          time.Duration // 24 h
	DeferredInterval     time.Duration // 5 s, the interval told to wallets
}

func (l Limits) withDefaults() Limits {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&l.PreAuthorizedCodeTTL, 10*time.Minute)
	def(&l.OfferTTL, l.PreAuthorizedCodeTTL)
	if l.OfferTTL > l.PreAuthorizedCodeTTL {
		l.OfferTTL = l.PreAuthorizedCodeTTL
	}
	def(&l.CNonceTTL, 5*time.Minute)
	def(&l.AccessTokenTTL, 10*time.Minute)
	def(&l.ProofMaxAge, 5*time.Minute)
	def(&l.ClockSkew, 30*time.Second)
	def(&l.IdempotencyWindow, 60*time.Second)
	def(&l.DeferredTTL, 24*time.Hour)
	def(&l.DeferredInterval, 5*time.Second)
	if l.TxCodeMaxAttempts <= 0 {
		l.TxCodeMaxAttempts = 5
	}
	if l.BatchSize <= 0 {
		l.BatchSize = 1
	}
	return l
}

// Store is every store interface the Service consumes.
type Store interface {
	OfferStore
	NonceStore
	ReplayStore
	IssuanceStore
	ReplyStore
	DeferredStore
	RegistryStore
	outbox.Store
}

// Config is everything a Service needs. Every field is required unless
// it says otherwise.
type Config struct {
	// CredentialIssuer is the Credential Issuer Identifier (Section 12.2.1).
	CredentialIssuer string
	// Configurations maps credential_configuration_id to configuration.
	Configurations map[string]CredentialConfiguration
	Store          Store
	// CredentialSigner signs SD-JWT VCs and access tokens (ES256); its
	// certificate chain goes into the x5c header (HAIP 1.0 Section 6.1.1).
	CredentialSigner *keys.SigningKey
	// DocumentSigner signs mdoc MSOs; its chain (without the IACA root)
	// goes into the COSE x5chain.
	DocumentSigner *keys.SigningKey
	// RequestKey decrypts encrypted credential requests; nil disables
	// request encryption.
	RequestKey *keys.RequestKey
	// Encryption is the JWE policy (zero value: the defaults).
	Encryption EncryptionPolicy
	// EncryptionEnabled switches credential response (and with it,
	// request) encryption on.
	EncryptionEnabled bool
	// DataKey seals offer claims and stored replies.
	DataKey Sealer
	// Metadata builds the well-known documents; MetadataSigner signs the
	// issuer metadata for Accept: application/jwt.
	Metadata       *wellknown.Builder
	MetadataSigner *wellknown.MetadataSigner
	// JWKS is the issuer's public key set (jwks_uri, jwt-vc-issuer).
	JWKS wellknown.JWKSet
	// DPoPNonceKey keys the stateless DPoP-Nonce values (RFC 9449 Section
	// 8); nil disables server nonces. Every instance must share it.
	DPoPNonceKey []byte
	// KeyAttestations verifies key attestation JWTs (the attestation proof
	// type and key_attestation headers); nil refuses them.
	KeyAttestations KeyAttestationVerifier
	// Android verifies android_keystore_attestation chains; nil refuses them.
	Android AndroidAttestationVerifier
	// Subjects supplies a recorded subject's verified claims for offers
	// that name a subject_id; nil refuses such offers.
	Subjects SubjectClaims
	Limits   Limits
	// Status, when set, gives every issued credential (each member of a
	// batch) a Token Status List entry: a status claim in an SD-JWT VC,
	// the MSO's status in an mdoc.
	Status StatusAllocator
	// Deleted, when set, is told of every credential_deleted notification.
	Deleted DeletionHandler
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the randomness of codes, ids and salts; nil means crypto/rand.
	Rand io.Reader
}

// Service is the OpenID4VCI 1.0 issuer. Its endpoint methods take an
// *Request and return a *Response or an error that ErrorResponse maps to
// the protocol's answer. It is safe for concurrent use and holds no state
// that another instance on the same database needs.
type Service struct {
	cfg        Config
	limits     Limits
	now        func() time.Time
	proofs     map[string]*ProofChecker // by configuration id
	dpop       *DPoPChecker             // protected resources: server nonce required
	tokenDPoP  *DPoPChecker             // token endpoint: server nonce checked when sent
	metaJSON   metadataCache
	tokenAlg   string
	tokenPub   *ecdsa.PublicKey
	docChain   []*x509.Certificate
	credX5C    [][]byte
	asMetadata []byte
	jwtVCMeta  []byte
	jwksJSON   []byte
}

// ErrConfig is wrapped by the errors of New.
var ErrConfig = errors.New("issuer: invalid configuration")

// New checks cfg and returns a Service.
func New(cfg Config) (*Service, error) {
	if err := oid4vci.ValidateCredentialIssuer(cfg.CredentialIssuer); err != nil {
		return nil, fmt.Errorf("%w: credential issuer: %w", ErrConfig, err)
	}
	switch {
	case len(cfg.Configurations) == 0:
		return nil, fmt.Errorf("%w: no credential configurations", ErrConfig)
	case cfg.Store == nil:
		return nil, fmt.Errorf("%w: Store is required", ErrConfig)
	case cfg.CredentialSigner == nil || cfg.DocumentSigner == nil:
		return nil, fmt.Errorf("%w: CredentialSigner and DocumentSigner are required", ErrConfig)
	case cfg.DataKey == nil:
		return nil, fmt.Errorf("%w: DataKey is required", ErrConfig)
	case cfg.Metadata == nil:
		return nil, fmt.Errorf("%w: Metadata is required", ErrConfig)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{cfg: cfg, limits: cfg.Limits.withDefaults(), now: cfg.Now}
	pub, ok := cfg.CredentialSigner.Public().(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: the credential signer must be an ECDSA key", ErrConfig)
	}
	s.tokenPub = pub
	s.tokenAlg = cfg.CredentialSigner.Algorithm()
	s.credX5C = cfg.CredentialSigner.X5C()
	s.docChain = cfg.DocumentSigner.Chain()
	s.proofs = make(map[string]*ProofChecker, len(cfg.Configurations))
	for id, cc := range cfg.Configurations {
		if err := checkConfiguration(id, cc); err != nil {
			return nil, err
		}
		pc, err := NewProofChecker(ProofConfig{
			CredentialIssuer: cfg.CredentialIssuer,
			Algorithms:       cc.ProofAlgs,
			Now:              cfg.Now,
			MaxAge:           s.limits.ProofMaxAge,
			ClockSkew:        s.limits.ClockSkew,
			RequireNonce:     true,
			Nonces:           cfg.Store,
			MaxProofs:        s.limits.BatchSize,

			ProofTypes:             cc.ProofTypes,
			KeyAttestationRequired: cc.KeyAttestationRequired,
			KeyAttestations:        cfg.KeyAttestations,
			Android:                cfg.Android,
		})
		if err != nil {
			return nil, fmt.Errorf("%w: configuration %s: %w", ErrConfig, id, err)
		}
		s.proofs[id] = pc
	}
	// RFC 9449 Section 8 lets a server require its nonce in DPoP proofs.
	// The token endpoint does not: its request redeems a single-use code
	// within minutes, the proof's jti is remembered and its iat bounded,
	// and requiring the nonce there costs every wallet a refused request
	// first. The protected resources (credential, deferred, notification)
	// require it (Section 9); the wallet has it from the token response's
	// DPoP-Nonce header, so no request is refused for it in the normal flow.
	dc := DPoPConfig{Now: cfg.Now, Replay: cfg.Store, MaxAge: s.limits.ProofMaxAge, ClockSkew: s.limits.ClockSkew}
	td, err := NewDPoPChecker(dc)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	s.tokenDPoP = td
	if len(cfg.DPoPNonceKey) > 0 {
		if len(cfg.DPoPNonceKey) < 32 {
			return nil, fmt.Errorf("%w: DPoPNonceKey must have at least 32 bytes", ErrConfig)
		}
		dc.Nonce = s.validDPoPNonce
	}
	d, err := NewDPoPChecker(dc)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	s.dpop = d
	if err := s.prepareMetadata(); err != nil {
		return nil, err
	}
	return s, nil
}

func checkConfiguration(id string, cc CredentialConfiguration) error {
	switch cc.Format {
	case FormatSDJWTVC:
		if cc.VCT == "" {
			return fmt.Errorf("%w: configuration %s: vct is required", ErrConfig, id)
		}
	case FormatMDoc:
		if cc.Doctype == "" || cc.Namespace == "" {
			return fmt.Errorf("%w: configuration %s: doctype and namespace are required", ErrConfig, id)
		}
		for _, c := range cc.Claims {
			if len(c.Path) < 2 || c.Path[0] != cc.Namespace {
				return fmt.Errorf("%w: configuration %s: mdoc claim path %v must start with the namespace and name an element", ErrConfig, id, c.Path)
			}
		}
	default:
		return fmt.Errorf("%w: configuration %s: unsupported format %q", ErrConfig, id, cc.Format)
	}
	if cc.Validity <= 0 {
		return fmt.Errorf("%w: configuration %s: validity must be positive", ErrConfig, id)
	}
	for _, c := range cc.Claims {
		if c.Source == "" || len(c.Path) == 0 {
			return fmt.Errorf("%w: configuration %s: a claim needs a path and a source", ErrConfig, id)
		}
		for _, p := range c.Path {
			if _, ok := p.(string); !ok {
				return fmt.Errorf("%w: configuration %s: claim path %v: only object member names are supported", ErrConfig, id, c.Path)
			}
		}
	}
	return nil
}

// noStore returns the headers of a response that must not be cached
// (Sections 6.2, 7.2, 8.3; RFC 6749 Section 5.1).
func noStore() http.Header {
	h := http.Header{}
	h.Set("Cache-Control", "no-store")
	return h
}

func jsonResponse(status int, body []byte, h http.Header) *Response {
	if h == nil {
		h = http.Header{}
	}
	return &Response{Status: status, ContentType: oid4vci.MediaTypeJSON, Header: h, Body: body}
}

// signer is the crypto.Signer seam for the JWTs the service signs.
var _ crypto.Signer = (*keys.SigningKey)(nil)
