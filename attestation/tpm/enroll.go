package tpm

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"encoding/asn1"
	"slices"
	"time"

	"github.com/google/go-attestation/attest"
)

// EnrollRequest is what a wallet installation sends to enroll its TPM.
type EnrollRequest struct {
	// EKCertificate is the endorsement key certificate as read from the
	// TPM's NV index: DER, with or without the TCG NV header.
	EKCertificate []byte
	// EKIntermediates are DER certificates between the EK certificate and
	// a root (Intel PTT and AMD fTPM chains come from the vendor's service).
	EKIntermediates [][]byte
	// EKPublic is a bare EK public key (PKIX DER), accepted only without an
	// EKCertificate and only when Config.AllowUncertifiedEK is set.
	EKPublic []byte
	// AK is the new attestation key: attest.AK.AttestationParameters().
	AK attest.AttestationParameters
}

// EndorsementKey is the TPM identity an enrollment was checked against.
// The EK is a stable hardware identifier: the provider keeps it to itself.
type EndorsementKey struct {
	Public crypto.PublicKey
	// Certificate and Root are nil for an uncertified EK.
	Certificate, Root *x509.Certificate
}

// Activation is the provider's side of a pending enrollment. Keep it on
// the server (Secret opens the enrollment) until the wallet answers.
type Activation struct {
	AKPublic []byte
	Secret   []byte
	EK       EndorsementKey
	Expires  time.Time
}

// AK is an enrolled attestation key: an AK proven to live in the TPM that
// holds EK. The provider stores it and passes Public to VerifyKey.
type AK struct {
	Public []byte
	EK     EndorsementKey
}

// StartEnrollment checks the EK and the AK and returns the pending
// activation to keep and the challenge (attest.EncryptedCredential) to send
// to the wallet, whose TPM opens it with attest.AK.ActivateCredential.
func (v *Verifier) StartEnrollment(r EnrollRequest) (*Activation, *attest.EncryptedCredential, error) {
	now := v.cfg.Now()
	ek, err := v.endorsementKey(r, now)
	if err != nil {
		return nil, nil, err
	}
	if err := checkAKShape(r.AK); err != nil {
		return nil, nil, err
	}
	ap := attest.ActivationParameters{EK: ek.Public, AK: r.AK, Rand: v.cfg.Rand}
	// CheckAKParameters (run by Generate): restricted, fixedTPM,
	// fixedParent, sensitiveDataOrigin, TPM_GENERATED magic, creation data
	// digest, name match and the AK's own signature over its creation.
	secret, challenge, err := ap.Generate()
	if err != nil {
		return nil, nil, fail(ReasonAttestationKey, err, "attestation key refused")
	}
	return &Activation{
		AKPublic: slices.Clone(r.AK.Public), Secret: secret, EK: ek,
		Expires: now.Add(v.cfg.ActivationLifetime),
	}, challenge, nil
}

// CompleteEnrollment compares the wallet's answer with the activation's
// secret in constant time: equal, the AK shares a TPM with the EK.
func (v *Verifier) CompleteEnrollment(a *Activation, answer []byte) (*AK, error) {
	if a == nil || len(a.Secret) == 0 {
		return nil, fail(ReasonActivation, nil, "no pending activation")
	}
	if !v.cfg.Now().Before(a.Expires) {
		return nil, fail(ReasonActivation, nil, "activation expired at %s", a.Expires.Format(time.RFC3339))
	}
	if subtle.ConstantTimeCompare(a.Secret, answer) != 1 {
		return nil, fail(ReasonActivation, nil, "the answer does not open the challenge")
	}
	return &AK{Public: slices.Clone(a.AKPublic), EK: a.EK}, nil
}

// oidSubjectAltName is left unhandled by crypto/x509 when it holds only a
// directoryName, as the TCG EK Credential Profile (§3.2.9) prescribes: a
// critical SAN naming the TPM manufacturer, model and version.
var oidSubjectAltName = asn1.ObjectIdentifier{2, 5, 29, 17}

func (v *Verifier) endorsementKey(r EnrollRequest, now time.Time) (EndorsementKey, error) {
	if len(r.EKCertificate) == 0 {
		if !v.cfg.AllowUncertifiedEK {
			return EndorsementKey{}, fail(ReasonEKCertificate, nil, "an EK certificate is required")
		}
		if len(r.EKPublic) == 0 || len(r.EKPublic) > MaxStructureBytes {
			return EndorsementKey{}, fail(ReasonMalformed, nil, "EK public key: 1 to %d bytes", MaxStructureBytes)
		}
		pub, err := x509.ParsePKIXPublicKey(r.EKPublic)
		if err != nil {
			return EndorsementKey{}, fail(ReasonMalformed, err, "EK public key")
		}
		if err := checkEKKey(pub); err != nil {
			return EndorsementKey{}, err
		}
		return EndorsementKey{Public: pub}, nil
	}
	if len(r.EKCertificate) > MaxCertificateBytes {
		return EndorsementKey{}, fail(ReasonMalformed, nil, "EK certificate over %d bytes", MaxCertificateBytes)
	}
	if len(r.EKIntermediates) > MaxIntermediates {
		return EndorsementKey{}, fail(ReasonMalformed, nil, "more than %d EK intermediates", MaxIntermediates)
	}
	if len(v.cfg.EKRoots) == 0 {
		return EndorsementKey{}, fail(ReasonEKCertificate, nil, "no EK roots are configured")
	}
	cert, err := attest.ParseEKCertificate(r.EKCertificate)
	if err != nil {
		return EndorsementKey{}, fail(ReasonMalformed, err, "EK certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range v.cfg.EKIntermediates {
		inter.AddCert(c)
	}
	for i, der := range r.EKIntermediates {
		if len(der) > MaxCertificateBytes {
			return EndorsementKey{}, fail(ReasonMalformed, nil, "EK intermediate %d over %d bytes", i, MaxCertificateBytes)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return EndorsementKey{}, fail(ReasonMalformed, err, "EK intermediate %d", i)
		}
		inter.AddCert(c)
	}
	leaf := *cert
	leaf.UnhandledCriticalExtensions = slices.DeleteFunc(slices.Clone(cert.UnhandledCriticalExtensions),
		func(o asn1.ObjectIdentifier) bool { return o.Equal(oidSubjectAltName) })
	// EK certificates carry tcg-kp-EKCertificate (2.23.133.8.1), which
	// crypto/x509 does not know: any extended key usage is accepted here.
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots: v.roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return EndorsementKey{}, fail(ReasonEKCertificate, err, "EK certificate does not chain to a configured root")
	}
	if err := checkEKKey(cert.PublicKey); err != nil {
		return EndorsementKey{}, err
	}
	chain := chains[0]
	return EndorsementKey{Public: cert.PublicKey, Certificate: cert, Root: chain[len(chain)-1]}, nil
}

// checkEKKey accepts the EK types of the TCG EK Credential Profile's
// templates: RSA 2048 (or larger) and ECC NIST P-256 / P-384.
func checkEKKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return fail(ReasonEKCertificate, nil, "RSA EK of %d bits", k.N.BitLen())
		}
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() && k.Curve != elliptic.P384() {
			return fail(ReasonEKCertificate, nil, "EK on curve %s", k.Curve.Params().Name)
		}
	default:
		return fail(ReasonEKCertificate, nil, "EK of type %T", pub)
	}
	return nil
}
