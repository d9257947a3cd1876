package tpm

import (
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"time"
)

// Limits on the structures a wallet sends. A TPMT_PUBLIC of an RSA-4096 key
// is about 600 bytes and its TPMT_SIGNATURE about 520; an EK certificate a
// few kilobytes.
const (
	MaxStructureBytes   = 4 << 10
	MaxCertificateBytes = 16 << 10
	MaxIntermediates    = 4
	// MinNonceBytes is the least qualifying data VerifyKey accepts as a
	// nonce: 128 bits.
	MinNonceBytes = 16
	// MaxNonceBytes is TPM2B_DATA's bound for a SHA-512 name algorithm.
	MaxNonceBytes = 64
)

// Reason names the one check that failed.
type Reason string

// Reasons.
const (
	ReasonMalformed      Reason = "malformed"
	ReasonEKCertificate  Reason = "ek_certificate"
	ReasonAttestationKey Reason = "attestation_key"
	ReasonActivation     Reason = "activation"
	ReasonCertification  Reason = "certification"
	ReasonNonce          Reason = "nonce"
	ReasonKeyProperties  Reason = "key_properties"
)

// Failure is the error of refused evidence.
type Failure struct {
	Reason Reason
	Detail string
	Err    error
}

func (f *Failure) Error() string { return fmt.Sprintf("tpm: %s: %s", f.Reason, f.Detail) }

// Unwrap returns the underlying error, if any.
func (f *Failure) Unwrap() error { return f.Err }

// ReasonOf returns the reason of a *Failure in err's chain, or "".
func ReasonOf(err error) Reason {
	var f *Failure
	if errors.As(err, &f) {
		return f.Reason
	}
	return ""
}

func fail(r Reason, err error, format string, args ...any) *Failure {
	d := fmt.Sprintf(format, args...)
	if err != nil {
		d += ": " + err.Error()
	}
	return &Failure{Reason: r, Detail: d, Err: err}
}

// Config configures a Verifier.
type Config struct {
	// EKRoots are the TPM vendors' endorsement CA roots the provider
	// trusts (a curated set: Infineon, STMicro, Nuvoton, Intel PTT, AMD
	// fTPM …). REQUIRED unless AllowUncertifiedEK.
	EKRoots []*x509.Certificate
	// EKIntermediates are vendor intermediate CAs known in advance; a
	// request may bring its own.
	EKIntermediates []*x509.Certificate
	// AllowUncertifiedEK enrolls a TPM by its bare EK public key, with no
	// certificate: software TPMs and simulators only. It proves nothing
	// about the hardware and is off by default.
	AllowUncertifiedEK bool
	// ActivationLifetime bounds the time between StartEnrollment and
	// Activation.Complete; zero means 5 minutes.
	ActivationLifetime time.Duration
	// Rand is the randomness of activation secrets; nil means crypto/rand.
	Rand io.Reader
	// Now is the clock. REQUIRED.
	Now func() time.Time
}

// Verifier checks TPM enrollments and key certifications. It is safe for
// concurrent use.
type Verifier struct {
	cfg   Config
	roots *x509.CertPool
}

// NewVerifier validates cfg.
func NewVerifier(cfg Config) (*Verifier, error) {
	if cfg.Now == nil {
		return nil, errors.New("tpm: the clock (Now) is required")
	}
	if len(cfg.EKRoots) == 0 && !cfg.AllowUncertifiedEK {
		return nil, errors.New("tpm: EK roots are required (or AllowUncertifiedEK for software TPMs)")
	}
	if cfg.ActivationLifetime <= 0 {
		cfg.ActivationLifetime = 5 * time.Minute
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	roots := x509.NewCertPool()
	for _, r := range cfg.EKRoots {
		roots.AddCert(r)
	}
	return &Verifier{cfg: cfg, roots: roots}, nil
}
