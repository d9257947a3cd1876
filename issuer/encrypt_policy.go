package issuer

import (
	"fmt"
	"slices"

	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/wellknown"
)

// EncryptionConfig is the operator's choice of JWE algorithms and limits for
// credential request and response encryption (OpenID4VCI 1.0 §10), as
// internal/config reads it. Empty fields take safe defaults; see
// NewEncryptionPolicy.
type EncryptionConfig struct {
	// ResponseAlgs are the JWE alg values accepted in a wallet's
	// credential_response_encryption.jwk (§8.2, §12.2.4
	// alg_values_supported). Supported: ECDH-ES (EC P-256 keys, HAIP 1.0
	// §5) and RSA-OAEP-256 (RSA keys). Default: both.
	ResponseAlgs []string
	// ResponseEncs are the JWE enc values for responses (§12.2.4
	// enc_values_supported). Supported: A128GCM, A192GCM, A256GCM.
	// Default: A128GCM and A256GCM (HAIP 1.0 §5).
	ResponseEncs []string
	// ResponseDeflate allows a wallet to ask for zip "DEF" (§8.2, RFC 7516
	// §4.1.3). Default false: compression before encryption can leak the
	// plaintext's length structure, so it is opt-in.
	ResponseDeflate bool
	// ResponseRequired publishes encryption_required true for responses:
	// every Credential Request must carry credential_response_encryption.
	ResponseRequired bool

	// RequestEncs are the JWE enc values accepted on encrypted Credential
	// Requests (§12.2.4 credential_request_encryption.enc_values_supported).
	// Default: A128GCM and A256GCM. The alg is always ECDH-ES, the request
	// key's algorithm.
	RequestEncs []string
	// RequestDeflate allows zip "DEF" on encrypted requests. Default false.
	RequestDeflate bool
	// RequestRequired publishes encryption_required true for requests:
	// an unencrypted Credential Request is refused (§8.2, §10).
	RequestRequired bool

	// MinRSABits is the smallest RSA modulus accepted for response
	// encryption; default and floor 2048 (HAIP 1.0 §10.2, NIST SP 800-131A).
	MinRSABits int
	// MaxRequestPlaintext bounds a decrypted (and, with DEF, decompressed)
	// Credential Request in bytes; default oid4vci.DefaultMaxBytes, the
	// bound on an unencrypted request body.
	MaxRequestPlaintext int
	// MaxRequestJWE bounds the compact JWE of an encrypted request in bytes,
	// checked before any parsing; default: the base64url size of
	// MaxRequestPlaintext plus 8 KiB for the header.
	MaxRequestJWE int
}

// Supported JWE values and defaults.
const (
	// MinRSAModulusBits is the floor for RSA-OAEP-256 response keys.
	MinRSAModulusBits = 2048
	// jweHeaderSlack is the allowance for the protected header, encrypted
	// key, IV and tag in the default MaxRequestJWE.
	jweHeaderSlack = 8 << 10
)

var (
	supportedResponseAlgs = []string{oid4vci.AlgECDHES, oid4vci.AlgRSAOAEP256}
	supportedEncs         = []string{oid4vci.EncA128GCM, oid4vci.EncA192GCM, oid4vci.EncA256GCM}
	defaultEncs           = []string{oid4vci.EncA128GCM, oid4vci.EncA256GCM}
)

// EncryptionPolicy is the validated, immutable form of an EncryptionConfig.
// The zero value is the default policy: ECDH-ES and RSA-OAEP-256 (≥ 2048
// bits) with A128GCM or A256GCM, no compression, encryption optional, and
// request size limits matching unencrypted requests.
type EncryptionPolicy struct {
	responseAlgs     []string
	responseEncs     []string
	responseDeflate  bool
	responseRequired bool
	requestEncs      []string
	requestDeflate   bool
	requestRequired  bool
	minRSABits       int
	maxPlaintext     int
	maxJWE           int
}

// NewEncryptionPolicy checks cfg and fills in defaults. Unknown or
// unsupported algorithms, an RSA floor under 2048 bits and negative limits
// are refused, so a typo in configuration never weakens the policy silently.
func NewEncryptionPolicy(cfg EncryptionConfig) (EncryptionPolicy, error) {
	p := EncryptionPolicy{
		responseDeflate:  cfg.ResponseDeflate,
		responseRequired: cfg.ResponseRequired,
		requestDeflate:   cfg.RequestDeflate,
		requestRequired:  cfg.RequestRequired,
	}
	var err error
	if p.responseAlgs, err = allowedValues("response alg", cfg.ResponseAlgs, supportedResponseAlgs); err != nil {
		return EncryptionPolicy{}, err
	}
	if p.responseEncs, err = allowedValues("response enc", cfg.ResponseEncs, supportedEncs); err != nil {
		return EncryptionPolicy{}, err
	}
	if p.requestEncs, err = allowedValues("request enc", cfg.RequestEncs, supportedEncs); err != nil {
		return EncryptionPolicy{}, err
	}
	switch {
	case cfg.MinRSABits != 0 && cfg.MinRSABits < MinRSAModulusBits:
		return EncryptionPolicy{}, fmt.Errorf("issuer: encryption policy: MinRSABits %d is under the floor of %d", cfg.MinRSABits, MinRSAModulusBits)
	case cfg.MaxRequestPlaintext < 0:
		return EncryptionPolicy{}, fmt.Errorf("issuer: encryption policy: MaxRequestPlaintext %d is negative", cfg.MaxRequestPlaintext)
	case cfg.MaxRequestJWE < 0:
		return EncryptionPolicy{}, fmt.Errorf("issuer: encryption policy: MaxRequestJWE %d is negative", cfg.MaxRequestJWE)
	}
	p.minRSABits = cfg.MinRSABits
	p.maxPlaintext = cfg.MaxRequestPlaintext
	p.maxJWE = cfg.MaxRequestJWE
	return p, nil
}

// allowedValues returns a copy of values (or nil for the default) after
// checking each is supported and appears once.
func allowedValues(what string, values, supported []string) ([]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	out := make([]string, 0, len(values))
	for _, v := range values {
		if !slices.Contains(supported, v) {
			return nil, fmt.Errorf("issuer: encryption policy: %s %q is not supported (supported: %v)", what, v, supported)
		}
		if slices.Contains(out, v) {
			return nil, fmt.Errorf("issuer: encryption policy: %s %q is listed twice", what, v)
		}
		out = append(out, v)
	}
	return out, nil
}

// ResponseAlgs returns the accepted response alg values (alg_values_supported).
func (p EncryptionPolicy) ResponseAlgs() []string {
	return slices.Clone(orDefault(p.responseAlgs, supportedResponseAlgs))
}

// ResponseEncs returns the accepted response enc values (enc_values_supported).
func (p EncryptionPolicy) ResponseEncs() []string {
	return slices.Clone(orDefault(p.responseEncs, defaultEncs))
}

// RequestEncs returns the accepted request enc values (enc_values_supported).
func (p EncryptionPolicy) RequestEncs() []string {
	return slices.Clone(orDefault(p.requestEncs, defaultEncs))
}

// ResponseZips returns ["DEF"] when responses may be compressed, else nil
// (zip_values_supported is then omitted: §12.2.4 "If absent then
// compression is not supported").
func (p EncryptionPolicy) ResponseZips() []string { return zipValues(p.responseDeflate) }

// RequestZips returns ["DEF"] when requests may be compressed, else nil.
func (p EncryptionPolicy) RequestZips() []string { return zipValues(p.requestDeflate) }

// ResponseEncryptionRequired reports whether every response must be encrypted.
func (p EncryptionPolicy) ResponseEncryptionRequired() bool { return p.responseRequired }

// RequestEncryptionRequired reports whether every request must be encrypted.
func (p EncryptionPolicy) RequestEncryptionRequired() bool { return p.requestRequired }

// MinRSABits returns the smallest accepted RSA modulus in bits.
func (p EncryptionPolicy) MinRSABits() int {
	if p.minRSABits == 0 {
		return MinRSAModulusBits
	}
	return p.minRSABits
}

// MaxRequestPlaintext returns the bound on a decrypted, decompressed request.
func (p EncryptionPolicy) MaxRequestPlaintext() int {
	if p.maxPlaintext == 0 {
		return oid4vci.DefaultMaxBytes
	}
	return p.maxPlaintext
}

// MaxRequestJWE returns the bound on a compact JWE request body.
func (p EncryptionPolicy) MaxRequestJWE() int {
	if p.maxJWE == 0 {
		n := p.MaxRequestPlaintext()
		return 4*((n+2)/3) + jweHeaderSlack
	}
	return p.maxJWE
}

// ResponseMetadata returns the credential_response_encryption metadata
// input for wellknown (§12.2.4).
func (p EncryptionPolicy) ResponseMetadata() wellknown.ResponseEncryptionConfig {
	return wellknown.ResponseEncryptionConfig{
		AlgValues: p.ResponseAlgs(),
		EncValues: p.ResponseEncs(),
		ZipValues: p.ResponseZips(),
		Required:  p.responseRequired,
	}
}

// RequestMetadata returns the credential_request_encryption metadata input
// for wellknown (§12.2.4), publishing keys (the request key's public JWK
// spec; each gets a kid).
func (p EncryptionPolicy) RequestMetadata(keys ...wellknown.KeySpec) wellknown.RequestEncryptionConfig {
	return wellknown.RequestEncryptionConfig{
		Keys:      slices.Clone(keys),
		EncValues: p.RequestEncs(),
		ZipValues: p.RequestZips(),
		Required:  p.requestRequired,
	}
}

func orDefault(v, def []string) []string {
	if len(v) == 0 {
		return def
	}
	return v
}

func zipValues(deflate bool) []string {
	if deflate {
		return []string{oid4vci.ZipDeflate}
	}
	return nil
}
