package android

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Chain limits.
const (
	// MinChainLength and MaxChainLength bound a chain: a leaf and a root at
	// least; RKP chains have 5 certificates and factory chains 4.
	MinChainLength = 2
	MaxChainLength = 6
	// MaxCertificateBytes bounds one certificate's DER.
	MaxCertificateBytes = 16 << 10
	// MaxPEMCertificates bounds the blocks PEMChain reads.
	MaxPEMCertificates = 16
)

// Reason names the one check a chain failed.
type Reason string

// Reasons, in the order the checks run.
const (
	ReasonChainLength           Reason = "chain_length"
	ReasonMalformedCertificate  Reason = "malformed_certificate"
	ReasonUntrustedRoot         Reason = "untrusted_root"
	ReasonNameChaining          Reason = "name_chaining"
	ReasonSignature             Reason = "signature"
	ReasonValidity              Reason = "validity"
	ReasonExtensionPlacement    Reason = "extension_placement"
	ReasonRevoked               Reason = "revoked"
	ReasonRevocationUnavailable Reason = "revocation_unavailable"
	ReasonKeyDescription        Reason = "key_description"
	ReasonChallenge             Reason = "challenge"
	ReasonSecurityLevel         Reason = "security_level"
	ReasonAttestationVersion    Reason = "attestation_version"
	ReasonKeyProperties         Reason = "key_properties"
	ReasonVerifiedBoot          Reason = "verified_boot"
	ReasonPatchLevel            Reason = "patch_level"
	ReasonApplication           Reason = "application"
)

// Failure is the error of a chain that failed: the reason, a description
// and, where one certificate is at fault, its index (leaf 0).
type Failure struct {
	Reason Reason
	Detail string
	// Cert is the index of the certificate at fault, or -1.
	Cert int
	Err  error
}

func (f *Failure) Error() string {
	if f.Cert >= 0 {
		return fmt.Sprintf("android: %s: certificate %d: %s", f.Reason, f.Cert, f.Detail)
	}
	return fmt.Sprintf("android: %s: %s", f.Reason, f.Detail)
}

func (f *Failure) Unwrap() error { return f.Err }

// ReasonOf returns the Reason of a verification error, or "".
func ReasonOf(err error) Reason {
	var f *Failure
	if errors.As(err, &f) {
		return f.Reason
	}
	return ""
}

// Config configures a Verifier.
type Config struct {
	// Roots are the pinned hardware roots; nil means GoogleRoots().
	Roots []Root
	// Status supplies the revocation status list. REQUIRED unless
	// SkipRevocation is set: without it every chain fails (fail closed).
	Status StatusSource
	// SkipRevocation turns the status list check off. Only for offline
	// tools that say so in their output; never in the issuer.
	SkipRevocation bool
	// Policy is what the key and device must satisfy. REQUIRED: start from
	// StrictPolicy.
	Policy Policy
}

// Verifier verifies Android key attestation chains. It is safe for
// concurrent use.
type Verifier struct {
	roots    []Root
	software []Root
	status   StatusSource
	skipRev  bool
	policy   Policy
	verified *signatureCache
}

// NewVerifier validates cfg.
func NewVerifier(cfg Config) (*Verifier, error) {
	if err := cfg.Policy.Validate(); err != nil {
		return nil, err
	}
	roots := cfg.Roots
	if roots == nil {
		roots = GoogleRoots()
	}
	if len(roots) == 0 {
		return nil, errors.New("android: no pinned roots")
	}
	for _, r := range roots {
		if r.Cert == nil || r.Kind != RootHardware {
			return nil, errors.New("android: a pinned root must be a hardware root with a certificate")
		}
	}
	if cfg.Status == nil && !cfg.SkipRevocation {
		return nil, errors.New("android: a revocation status source is required (or SkipRevocation, stated in the output)")
	}
	p := cfg.Policy
	p.KeyAlgorithms = slices.Clone(p.KeyAlgorithms)
	p.Apps = slices.Clone(p.Apps)
	return &Verifier{roots: roots, software: SoftwareRoots(), status: cfg.Status, skipRev: cfg.SkipRevocation, policy: p, verified: newSignatureCache(maxCachedSignatures)}, nil
}

// Policy returns the verifier's policy.
func (v *Verifier) Policy() Policy { return v.policy }

// Result is what Verify found. On failure it holds everything read before
// the failing check, and Reason and Detail say why.
type Result struct {
	Valid  bool   `json:"valid"`
	Reason Reason `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`

	VerifiedAt  time.Time `json:"verified_at"`
	ChainLength int       `json:"chain_length"`
	// Root names the pinned root the chain ends at.
	Root string `json:"root,omitempty"`
	// Provisioning is "rkp" (remotely provisioned attestation key) or
	// "factory".
	Provisioning string `json:"provisioning,omitempty"`
	// ExpiredIntermediates lists the factory intermediates accepted although
	// expired at VerifiedAt.
	ExpiredIntermediates []int `json:"expired_intermediates_accepted,omitempty"`
	RevocationChecked    bool  `json:"revocation_checked"`

	AttestationVersion       int64  `json:"attestation_version,omitempty"`
	AttestationSecurityLevel string `json:"attestation_security_level,omitempty"`
	KeyMintVersion           int64  `json:"keymint_version,omitempty"`
	KeyMintSecurityLevel     string `json:"keymint_security_level,omitempty"`
	ChallengeHex             string `json:"challenge_hex,omitempty"`

	VerifiedBootState  string `json:"verified_boot_state,omitempty"`
	DeviceLocked       *bool  `json:"device_locked,omitempty"`
	VerifiedBootKeyHex string `json:"verified_boot_key_hex,omitempty"`
	OSVersion          *int64 `json:"os_version,omitempty"`
	OSPatchLevel       *int64 `json:"os_patch_level,omitempty"`
	VendorPatchLevel   *int64 `json:"vendor_patch_level,omitempty"`
	BootPatchLevel     *int64 `json:"boot_patch_level,omitempty"`

	Packages           []PackageInfo `json:"packages,omitempty"`
	SigningCertDigests []string      `json:"signing_cert_digests_hex,omitempty"`
	Key                *KeySummary   `json:"key,omitempty"`
	// UnknownTags lists tags, in either list, this parser does not know.
	UnknownTags []int `json:"unknown_tags,omitempty"`

	// KeyDescription is the parsed extension; PublicKey is the leaf's key.
	KeyDescription *KeyDescription  `json:"-"`
	PublicKey      crypto.PublicKey `json:"-"`
}

// KeySummary describes the attested key from the hardware-enforced list.
type KeySummary struct {
	Algorithm string   `json:"algorithm,omitempty"`
	Size      *int64   `json:"size,omitempty"`
	Purposes  []string `json:"purposes,omitempty"`
	Origin    string   `json:"origin,omitempty"`
	// LeafKey is the type of the leaf certificate's public key.
	LeafKey string `json:"leaf_key"`
}

// Verify checks chain (DER certificates, leaf first) as of at, with the
// expected attestation challenge. It returns the Result and, when the chain
// fails, a *Failure; the Result is never nil.
func (v *Verifier) Verify(ctx context.Context, chain [][]byte, challenge []byte, at time.Time) (*Result, error) {
	res := &Result{VerifiedAt: at.UTC(), ChainLength: len(chain)}
	err := v.verify(ctx, res, chain, challenge, at)
	if err != nil {
		var f *Failure
		if !errors.As(err, &f) {
			f = &Failure{Reason: ReasonMalformedCertificate, Detail: err.Error(), Cert: -1, Err: err}
			err = f
		}
		res.Valid, res.Reason, res.Detail = false, f.Reason, f.Detail
		if f.Cert >= 0 {
			res.Detail = fmt.Sprintf("certificate %d: %s", f.Cert, f.Detail)
		}
		return res, err
	}
	res.Valid = true
	return res, nil
}

func fail(r Reason, cert int, format string, args ...any) *Failure {
	return &Failure{Reason: r, Detail: fmt.Sprintf(format, args...), Cert: cert}
}

func (v *Verifier) verify(ctx context.Context, res *Result, chain [][]byte, challenge []byte, at time.Time) error {
	if len(chain) < MinChainLength || len(chain) > MaxChainLength {
		return fail(ReasonChainLength, -1, "%d certificates; a chain has %d to %d, leaf first", len(chain), MinChainLength, MaxChainLength)
	}
	certs := make([]*x509.Certificate, len(chain))
	for i, der := range chain {
		if len(der) == 0 || len(der) > MaxCertificateBytes {
			return fail(ReasonMalformedCertificate, i, "%d bytes; a certificate has 1 to %d", len(der), MaxCertificateBytes)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			f := fail(ReasonMalformedCertificate, i, "not a certificate: %v", err)
			f.Err = err
			return f
		}
		certs[i] = c
	}
	leaf, last := certs[0], certs[len(certs)-1]
	res.PublicKey = leaf.PublicKey
	res.Provisioning = provisioning(certs)

	// Anchor: the last certificate carries a pinned root's public key
	// (pinned by key, not by certificate: Google re-issued the RSA root's
	// certificate and devices still send the 2016 one). A software root is
	// a software key whatever the extension claims: its private key is
	// public (Android: "Verify hardware-backed key pairs", root check).
	if r, ok := matchRoot(last, v.software); ok {
		res.Root = r.Name
		return fail(ReasonSecurityLevel, len(certs)-1, "the chain ends at the %s root: the key is not in secure hardware", r.Name)
	}
	root, ok := matchRoot(last, v.roots)
	if !ok {
		return fail(ReasonUntrustedRoot, len(certs)-1, "the last certificate (%.120s) does not carry a pinned root key", last.Subject.String())
	}
	res.Root = root.Name

	// Signatures and name chaining, from the root down, each checked
	// directly against the parent's key: x509.Verify would apply PKIX CA
	// rules that real factory chains break (a CA:FALSE batch certificate
	// signs the leaf; Google's verifier checks only names, signatures,
	// validity and the extension's placement).
	for i := len(certs) - 2; i >= 0; i-- {
		c, parent := certs[i], certs[i+1]
		if !bytes.Equal(c.RawIssuer, parent.RawSubject) {
			return fail(ReasonNameChaining, i, "issuer %.120s is not the subject of certificate %d", c.Issuer.String(), i+1)
		}
		signer := parent
		if i+1 == len(certs)-1 {
			signer = root.Cert // the pinned key, not the device's copy
		}
		// Intermediates repeat across devices (Droid CA2 and CA3, batch
		// certificates): a signature verified once under a key is not
		// verified again. The leaf's always is.
		if i > 0 && v.verified.has(c.Raw, signer.RawSubjectPublicKeyInfo) {
			continue
		}
		if err := signer.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature); err != nil {
			f := fail(ReasonSignature, i, "not signed by certificate %d: %v", i+1, err)
			f.Err = err
			return f
		}
		if i > 0 {
			v.verified.add(c.Raw, signer.RawSubjectPublicKeyInfo)
		}
	}

	// Validity of every certificate but the leaf, whose dates the device
	// sets (1970 to 2048 or 2106), and the pinned root, trusted by key.
	for i := 1; i < len(certs)-1; i++ {
		c := certs[i]
		if at.Before(c.NotBefore) {
			return fail(ReasonValidity, i, "not valid before %s", c.NotBefore.UTC().Format(time.RFC3339))
		}
		if at.After(c.NotAfter) {
			if res.Provisioning == "factory" && !v.policy.RejectExpiredFactoryChains {
				res.ExpiredIntermediates = append(res.ExpiredIntermediates, i)
				continue
			}
			return fail(ReasonValidity, i, "expired %s", c.NotAfter.UTC().Format(time.RFC3339))
		}
	}

	// The attestation extension belongs to the leaf alone: a chain extended
	// under a genuine attested key carries it in a non-leaf certificate
	// (Google's verifier: "Only the target certificate should contain an
	// attestation extension").
	var ext []byte
	for i, c := range certs {
		for _, e := range c.Extensions {
			if !e.Id.Equal(oidKeyDescription) {
				continue
			}
			if i != 0 {
				return fail(ReasonExtensionPlacement, i, "a certificate other than the leaf carries the key attestation extension")
			}
			ext = e.Value
		}
	}
	if ext == nil {
		return fail(ReasonExtensionPlacement, 0, "the leaf carries no key attestation extension (1.3.6.1.4.1.11129.2.1.17)")
	}

	// Revocation: every certificate's serial number against the status
	// list; an unavailable list fails the chain.
	if !v.skipRev {
		list, err := v.status.StatusList(ctx)
		if err != nil {
			f := fail(ReasonRevocationUnavailable, -1, "the attestation status list is unavailable: %v", err)
			f.Err = err
			return f
		}
		for i, c := range certs {
			if e, listed := list.Lookup(c.SerialNumber); listed {
				return fail(ReasonRevoked, i, "serial %s is %.20s (%.40s) in the attestation status list", SerialKey(c.SerialNumber), e.Status, e.Reason)
			}
		}
		res.RevocationChecked = true
	}

	kd, err := ParseKeyDescription(ext)
	if err != nil {
		f := fail(ReasonKeyDescription, 0, "%v", err)
		f.Err = err
		return f
	}
	res.describe(kd, leaf)
	return v.checkPolicy(res, kd, leaf, challenge, at)
}

// provisioning tells an RKP chain (issued under "Droid CA2") from a
// factory-provisioned one.
func provisioning(certs []*x509.Certificate) string {
	for _, c := range certs {
		if c.Subject.CommonName == "Droid CA2" || c.Subject.CommonName == "Droid CA3" {
			return "rkp"
		}
	}
	return "factory"
}

// describe copies what the KeyDescription says into the result.
func (res *Result) describe(kd *KeyDescription, leaf *x509.Certificate) {
	res.KeyDescription = kd
	res.AttestationVersion = kd.AttestationVersion
	res.AttestationSecurityLevel = kd.AttestationSecurityLevel.String()
	res.KeyMintVersion = kd.KeyMintVersion
	res.KeyMintSecurityLevel = kd.KeyMintSecurityLevel.String()
	res.ChallengeHex = hex.EncodeToString(kd.AttestationChallenge)
	hw, sw := &kd.HardwareEnforced, &kd.SoftwareEnforced
	if rot := hw.RootOfTrust; rot != nil {
		res.VerifiedBootState = rot.VerifiedBootState.String()
		locked := rot.DeviceLocked
		res.DeviceLocked = &locked
		res.VerifiedBootKeyHex = hex.EncodeToString(rot.VerifiedBootKey)
	}
	res.OSVersion = firstInt(hw.OSVersion, sw.OSVersion)
	res.OSPatchLevel = firstInt(hw.OSPatchLevel, sw.OSPatchLevel)
	res.VendorPatchLevel = firstInt(hw.VendorPatchLevel, sw.VendorPatchLevel)
	res.BootPatchLevel = firstInt(hw.BootPatchLevel, sw.BootPatchLevel)
	if id := kd.ApplicationID(); id != nil {
		res.Packages = id.Packages
		for _, d := range id.SignatureDigests {
			res.SigningCertDigests = append(res.SigningCertDigests, hex.EncodeToString(d))
		}
	}
	k := &KeySummary{Algorithm: keyAlgorithm(hw), Size: hw.KeySize, Origin: originName(hw.Origin), LeafKey: leafKeyName(leaf.PublicKey)}
	for _, p := range hw.Purposes {
		k.Purposes = append(k.Purposes, purposeName(p))
	}
	res.Key = k
	for _, u := range append(slices.Clone(sw.Unknown), hw.Unknown...) {
		res.UnknownTags = append(res.UnknownTags, u.Tag)
	}
}

// ApplicationID returns the attestation application id: from the
// software-enforced list, where Keystore puts it, else the hardware list.
func (kd *KeyDescription) ApplicationID() *ApplicationID {
	if kd.SoftwareEnforced.AttestationApplicationID != nil {
		return kd.SoftwareEnforced.AttestationApplicationID
	}
	return kd.HardwareEnforced.AttestationApplicationID
}

func firstInt(a, b *int64) *int64 {
	if a != nil {
		return a
	}
	return b
}

func (v *Verifier) checkPolicy(res *Result, kd *KeyDescription, leaf *x509.Certificate, challenge []byte, at time.Time) error {
	p := v.policy
	// The challenge is the verifier's nonce, byte for byte (Android: "the
	// attestation challenge … matches the challenge you sent").
	if len(challenge) == 0 {
		return fail(ReasonChallenge, 0, "no expected challenge was given")
	}
	if subtle.ConstantTimeCompare(kd.AttestationChallenge, challenge) != 1 {
		return fail(ReasonChallenge, 0, "the attestation challenge is not the expected one")
	}
	// Security level: both the attestation and the key in secure hardware,
	// at the same level (a TEE attestation of a software-minted key has
	// attestationSecurityLevel 1 and keyMintSecurityLevel 0).
	if kd.AttestationSecurityLevel != kd.KeyMintSecurityLevel {
		return fail(ReasonSecurityLevel, 0, "attestation level %s differs from key level %s", kd.AttestationSecurityLevel, kd.KeyMintSecurityLevel)
	}
	if kd.KeyMintSecurityLevel < p.MinSecurityLevel {
		return fail(ReasonSecurityLevel, 0, "key level %s is below %s", kd.KeyMintSecurityLevel, p.MinSecurityLevel)
	}
	if kd.AttestationVersion < p.MinAttestationVersion {
		return fail(ReasonAttestationVersion, 0, "attestation version %d is below %d", kd.AttestationVersion, p.MinAttestationVersion)
	}
	if err := checkKey(p, &kd.HardwareEnforced, leaf.PublicKey); err != nil {
		return err
	}
	rot := kd.HardwareEnforced.RootOfTrust
	if rot == nil {
		return fail(ReasonVerifiedBoot, 0, "the hardware-enforced list has no rootOfTrust")
	}
	if p.RequireVerifiedBoot && (rot.VerifiedBootState != BootVerified || !rot.DeviceLocked) {
		return fail(ReasonVerifiedBoot, 0, "verified boot state %s, device locked %t; Verified and locked are required", rot.VerifiedBootState, rot.DeviceLocked)
	}
	if err := checkPatchLevels(p, res, at); err != nil {
		return err
	}
	if len(p.Apps) > 0 {
		id := kd.ApplicationID()
		if id == nil {
			return fail(ReasonApplication, 0, "no attestation application id")
		}
		if !slices.ContainsFunc(p.Apps, func(a App) bool { return a.matches(id) }) {
			return fail(ReasonApplication, 0, "the app (%s) is not an accepted wallet app with its signing certificates", packageNames(id))
		}
	}
	return nil
}

// checkKey checks the key's properties, from the hardware-enforced list
// only: the software list is what Android, not the secure hardware, says.
func checkKey(p Policy, hw *AuthorizationList, leafKey crypto.PublicKey) error {
	if hw.AllApplications {
		return fail(ReasonKeyProperties, 0, "the key is usable by every application (allApplications)")
	}
	if p.RequireSignPurpose && !slices.Contains(hw.Purposes, PurposeSign) {
		return fail(ReasonKeyProperties, 0, "the key's purposes %v do not include SIGN", hw.Purposes)
	}
	if p.RequireGeneratedOrigin && (hw.Origin == nil || *hw.Origin != OriginGenerated) {
		return fail(ReasonKeyProperties, 0, "the key's origin is %s, not GENERATED", originName(hw.Origin))
	}
	alg := keyAlgorithm(hw)
	if len(p.KeyAlgorithms) > 0 && !slices.Contains(p.KeyAlgorithms, alg) {
		return fail(ReasonKeyProperties, 0, "the key is %s; accepted: %v", alg, p.KeyAlgorithms)
	}
	// The leaf's public key must be the key the list describes.
	if want := curveOf(alg); want != nil {
		ec, ok := leafKey.(*ecdsa.PublicKey)
		if !ok || ec.Curve != want {
			return fail(ReasonKeyProperties, 0, "the leaf key is %s but the attestation says %s", leafKeyName(leafKey), alg)
		}
	}
	if alg == KeyRSA {
		if _, ok := leafKey.(*rsa.PublicKey); !ok {
			return fail(ReasonKeyProperties, 0, "the leaf key is %s but the attestation says RSA", leafKeyName(leafKey))
		}
	}
	return nil
}

func checkPatchLevels(p Policy, res *Result, at time.Time) error {
	checks := []struct {
		name  string
		min   int64
		value *int64
	}{
		{"OS", p.MinOSPatchLevel, res.OSPatchLevel},
		{"vendor", p.MinVendorPatchLevel, res.VendorPatchLevel},
		{"boot", p.MinBootPatchLevel, res.BootPatchLevel},
	}
	for _, c := range checks {
		if c.min == 0 {
			continue
		}
		if c.value == nil {
			return fail(ReasonPatchLevel, 0, "no %s patch level; at least %d is required", c.name, c.min)
		}
		if normalizePatchLevel(*c.value) < normalizePatchLevel(c.min) {
			return fail(ReasonPatchLevel, 0, "%s patch level %d is below %d", c.name, *c.value, c.min)
		}
	}
	if p.MaxPatchAgeMonths > 0 {
		if res.OSPatchLevel == nil || normalizePatchLevel(*res.OSPatchLevel) == 0 {
			return fail(ReasonPatchLevel, 0, "no OS patch level; one at most %d months old is required", p.MaxPatchAgeMonths)
		}
		lvl := normalizePatchLevel(*res.OSPatchLevel) / 100 // YYYYMM
		patched := int(lvl/100)*12 + int(lvl%100) - 1
		now := at.UTC().Year()*12 + int(at.UTC().Month()) - 1
		if now-patched > p.MaxPatchAgeMonths {
			return fail(ReasonPatchLevel, 0, "OS patch level %d is more than %d months old", *res.OSPatchLevel, p.MaxPatchAgeMonths)
		}
	}
	return nil
}

func packageNames(id *ApplicationID) string {
	var b bytes.Buffer
	for i, p := range id.Packages {
		if i == 3 {
			fmt.Fprintf(&b, ", … %d more", len(id.Packages)-3)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%.100s", p.Name)
	}
	return b.String()
}

func keyAlgorithm(l *AuthorizationList) string {
	if l.Algorithm == nil {
		return "UNKNOWN"
	}
	switch *l.Algorithm {
	case AlgorithmEC:
		if l.ECCurve == nil {
			return "EC"
		}
		switch *l.ECCurve {
		case CurveP256:
			return KeyECP256
		case 2:
			return KeyECP384
		case 3:
			return KeyECP521
		}
		return fmt.Sprintf("EC_CURVE_%d", *l.ECCurve)
	case AlgorithmRSA:
		return KeyRSA
	case 4:
		return KeyMLDSA
	}
	return fmt.Sprintf("ALGORITHM_%d", *l.Algorithm)
}

func curveOf(alg string) elliptic.Curve {
	switch alg {
	case KeyECP256:
		return elliptic.P256()
	case KeyECP384:
		return elliptic.P384()
	case KeyECP521:
		return elliptic.P521()
	}
	return nil
}

func leafKeyName(k crypto.PublicKey) string {
	switch k := k.(type) {
	case *ecdsa.PublicKey:
		return "EC_" + k.Curve.Params().Name
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA_%d", k.N.BitLen())
	case nil:
		return "UNSUPPORTED"
	}
	return fmt.Sprintf("%T", k)
}

func originName(o *int64) string {
	if o == nil {
		return "ABSENT"
	}
	switch *o {
	case OriginGenerated:
		return "GENERATED"
	case 1:
		return "DERIVED"
	case OriginImported:
		return "IMPORTED"
	case 3:
		return "RESERVED"
	case OriginSecurelyImported:
		return "SECURELY_IMPORTED"
	}
	return fmt.Sprintf("ORIGIN_%d", *o)
}

func purposeName(p int64) string {
	names := map[int64]string{0: "ENCRYPT", 1: "DECRYPT", 2: "SIGN", 3: "VERIFY", 5: "WRAP_KEY", 6: "AGREE_KEY", 7: "ATTEST_KEY"}
	if n, ok := names[p]; ok {
		return n
	}
	return fmt.Sprintf("PURPOSE_%d", p)
}

// ChainChallenge returns the attestation challenge the leaf of a chain
// carries, unverified: a caller that must learn which of its nonces a
// chain answers (as an OpenID4VCI issuer learns the c_nonce) reads it here,
// verifies the chain against it, and then checks that it issued it.
func ChainChallenge(chain [][]byte) ([]byte, error) {
	if len(chain) == 0 || len(chain[0]) > MaxCertificateBytes {
		return nil, fmt.Errorf("%w: no leaf certificate", ErrKeyDescription)
	}
	leaf, err := x509.ParseCertificate(chain[0])
	if err != nil {
		return nil, fmt.Errorf("%w: leaf: %v", ErrKeyDescription, err)
	}
	kd, err := LeafKeyDescription(leaf)
	if err != nil {
		return nil, err
	}
	return kd.AttestationChallenge, nil
}
