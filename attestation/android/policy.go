package android

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// MaxPolicyBytes bounds a policy file.
const MaxPolicyBytes = 64 << 10

// Key algorithm names of Policy.KeyAlgorithms and KeySummary.Algorithm.
const (
	KeyECP256 = "EC_P256"
	KeyECP384 = "EC_P384"
	KeyECP521 = "EC_P521"
	KeyRSA    = "RSA"
	KeyMLDSA  = "ML_DSA"
)

// Policy is what an attested key and its device must satisfy beyond a
// genuine chain and the expected challenge. The zero Policy is not valid;
// start from StrictPolicy.
type Policy struct {
	// MinSecurityLevel is TRUSTED_ENVIRONMENT or STRONG_BOX. Both the
	// attestation and the key must be at least at this level, and at the
	// same level (a TEE-signed attestation of a software key is refused).
	MinSecurityLevel SecurityLevel `json:"min_security_level"`
	// MinAttestationVersion refuses older attestation formats (3 is
	// Keymaster 4, Android 9).
	MinAttestationVersion int64 `json:"min_attestation_version"`
	// RequireVerifiedBoot requires verifiedBootState Verified and a locked
	// bootloader.
	RequireVerifiedBoot bool `json:"require_verified_boot"`
	// MinOSPatchLevel, MinVendorPatchLevel and MinBootPatchLevel are
	// YYYYMM or YYYYMMDD; zero means no minimum. A level the attestation
	// does not carry fails a minimum set for it.
	MinOSPatchLevel     int64 `json:"min_os_patch_level,omitempty"`
	MinVendorPatchLevel int64 `json:"min_vendor_patch_level,omitempty"`
	MinBootPatchLevel   int64 `json:"min_boot_patch_level,omitempty"`
	// MaxPatchAgeMonths refuses an OS patch level older than this many
	// months before the verification time; zero means no limit.
	MaxPatchAgeMonths int `json:"max_patch_age_months,omitempty"`
	// Apps lists the wallet apps whose keys are accepted; empty accepts any
	// app (only sensible for chains whose app the caller pins otherwise).
	Apps []App `json:"apps,omitempty"`
	// KeyAlgorithms lists the accepted key types (EC_P256, EC_P384,
	// EC_P521, RSA, ML_DSA); empty accepts any.
	KeyAlgorithms []string `json:"key_algorithms,omitempty"`
	// RequireSignPurpose requires purpose SIGN among the key's purposes.
	RequireSignPurpose bool `json:"require_sign_purpose"`
	// RequireGeneratedOrigin requires the key was generated in the secure
	// hardware (origin GENERATED), not imported.
	RequireGeneratedOrigin bool `json:"require_generated_origin"`
	// RejectExpiredFactoryChains refuses factory-provisioned chains whose
	// intermediates have expired. Google's verifier accepts them (real
	// devices keep such chains for life); chains provisioned remotely (RKP)
	// are always held to their validity.
	RejectExpiredFactoryChains bool `json:"reject_expired_factory_chains,omitempty"`
}

// App is an accepted wallet app: its package name and the SHA-256 digests
// of its signing certificates (hex or base64), compared as a set with the
// attestation's signature_digests.
type App struct {
	Package            string   `json:"package"`
	SigningCertDigests []string `json:"signing_cert_digests"`

	digests [][]byte
}

// StrictPolicy is the built-in policy: a TEE or StrongBox key on a
// verified, locked device patched within the last 12 months, attestation
// version 3 or later, an EC P-256 signing key generated in the hardware.
// Any app is accepted; a deployment pins its wallets with Apps.
func StrictPolicy() Policy {
	return Policy{
		MinSecurityLevel:       TrustedEnvironment,
		MinAttestationVersion:  3,
		RequireVerifiedBoot:    true,
		MaxPatchAgeMonths:      12,
		KeyAlgorithms:          []string{KeyECP256},
		RequireSignPurpose:     true,
		RequireGeneratedOrigin: true,
	}
}

// AllowTestDevices returns p accepting unlocked devices with unverified boot
// and any patch level, as the public sample chains are; every other check
// still holds.
func (p Policy) AllowTestDevices() Policy {
	p.RequireVerifiedBoot = false
	p.MinOSPatchLevel, p.MinVendorPatchLevel, p.MinBootPatchLevel = 0, 0, 0
	p.MaxPatchAgeMonths = 0
	return p
}

// ParsePolicy reads a JSON policy. Members it names replace those of
// StrictPolicy; unknown members are refused.
func ParsePolicy(data []byte) (Policy, error) {
	if len(data) > MaxPolicyBytes {
		return Policy{}, fmt.Errorf("android: policy: %d bytes, more than %d", len(data), MaxPolicyBytes)
	}
	p := StrictPolicy()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Policy{}, fmt.Errorf("android: policy: %w", err)
	}
	if dec.More() {
		return Policy{}, fmt.Errorf("android: policy: trailing data after the JSON object")
	}
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// Validate checks the policy and decodes its digests.
func (p *Policy) Validate() error {
	if p.MinSecurityLevel != TrustedEnvironment && p.MinSecurityLevel != StrongBox {
		return fmt.Errorf("android: policy: min_security_level must be TRUSTED_ENVIRONMENT or STRONG_BOX, not %s", p.MinSecurityLevel)
	}
	if p.MinAttestationVersion < 0 || p.MaxPatchAgeMonths < 0 || p.MinOSPatchLevel < 0 || p.MinVendorPatchLevel < 0 || p.MinBootPatchLevel < 0 {
		return fmt.Errorf("android: policy: negative minimum")
	}
	for _, lvl := range []int64{p.MinOSPatchLevel, p.MinVendorPatchLevel, p.MinBootPatchLevel} {
		if lvl != 0 && normalizePatchLevel(lvl) == 0 {
			return fmt.Errorf("android: policy: patch level %d is not YYYYMM or YYYYMMDD", lvl)
		}
	}
	for _, a := range p.KeyAlgorithms {
		if !slices.Contains([]string{KeyECP256, KeyECP384, KeyECP521, KeyRSA, KeyMLDSA}, a) {
			return fmt.Errorf("android: policy: unknown key algorithm %.40q", a)
		}
	}
	for i := range p.Apps {
		a := &p.Apps[i]
		if a.Package == "" {
			return fmt.Errorf("android: policy: apps[%d] has no package", i)
		}
		if len(a.SigningCertDigests) == 0 {
			return fmt.Errorf("android: policy: apps[%d] (%s) has no signing_cert_digests", i, a.Package)
		}
		a.digests = a.digests[:0]
		for _, d := range a.SigningCertDigests {
			b, err := decodeDigest(d)
			if err != nil {
				return fmt.Errorf("android: policy: apps[%d] (%s): %w", i, a.Package, err)
			}
			a.digests = append(a.digests, b)
		}
	}
	return nil
}

// decodeDigest reads a SHA-256 digest in hex (colons allowed) or base64.
func decodeDigest(s string) ([]byte, error) {
	h := strings.ReplaceAll(s, ":", "")
	if b, err := hex.DecodeString(h); err == nil && len(b) == 32 {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	return nil, fmt.Errorf("signing certificate digest %.80q is not a SHA-256 digest in hex or base64", s)
}

// normalizePatchLevel turns YYYYMM into YYYYMM00 and keeps YYYYMMDD, so the
// two forms compare; anything else is 0.
func normalizePatchLevel(v int64) int64 {
	switch {
	case v >= 190001 && v <= 999912:
		return v * 100
	case v >= 19000101 && v <= 99991231:
		return v
	}
	return 0
}

// matchesApp reports whether the attestation application id names one of
// the apps with exactly its set of signing certificate digests.
func (a App) matches(id *ApplicationID) bool {
	named := false
	for _, p := range id.Packages {
		if p.Name == a.Package {
			named = true
		}
	}
	return named && sameDigestSet(a.digests, id.SignatureDigests)
}

func sameDigestSet(a, b [][]byte) bool {
	contains := func(set [][]byte, d []byte) bool {
		return slices.ContainsFunc(set, func(x []byte) bool { return bytes.Equal(x, d) })
	}
	for _, d := range a {
		if !contains(b, d) {
			return false
		}
	}
	for _, d := range b {
		if !contains(a, d) {
			return false
		}
	}
	return len(a) > 0
}
