package android

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
)

// oidKeyDescription is the key attestation extension (Android "Key and ID
// attestation", "Attestation extension").
var oidKeyDescription = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 1, 17}

// Limits on the KeyDescription parser's input.
const (
	// MaxExtensionBytes bounds the DER of one KeyDescription.
	MaxExtensionBytes = 64 << 10
	// MaxChallengeBytes is the largest attestation challenge KeyStore
	// accepts (ERROR_ATTESTATION_CHALLENGE_TOO_LARGE above it).
	MaxChallengeBytes = 128
	maxAuthorizations = 128
	maxSetItems       = 64
	maxPackages       = 64
)

// ErrKeyDescription is wrapped by every KeyDescription parse error.
var ErrKeyDescription = errors.New("android: malformed KeyDescription")

// SecurityLevel is where a key lives or who signed its attestation.
type SecurityLevel int

// Security levels (KeyDescription SecurityLevel ENUMERATED).
const (
	Software           SecurityLevel = 0
	TrustedEnvironment SecurityLevel = 1
	StrongBox          SecurityLevel = 2
)

func (l SecurityLevel) String() string {
	switch l {
	case Software:
		return "SOFTWARE"
	case TrustedEnvironment:
		return "TRUSTED_ENVIRONMENT"
	case StrongBox:
		return "STRONG_BOX"
	}
	return fmt.Sprintf("SECURITY_LEVEL_%d", int(l))
}

// MarshalText writes the level as Google's verifier names it.
func (l SecurityLevel) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads SOFTWARE, TRUSTED_ENVIRONMENT (or TEE) and STRONG_BOX
// (or STRONGBOX).
func (l *SecurityLevel) UnmarshalText(b []byte) error {
	switch string(b) {
	case "SOFTWARE":
		*l = Software
	case "TRUSTED_ENVIRONMENT", "TEE":
		*l = TrustedEnvironment
	case "STRONG_BOX", "STRONGBOX":
		*l = StrongBox
	default:
		return fmt.Errorf("android: unknown security level %.40q", b)
	}
	return nil
}

// VerifiedBootState is the RootOfTrust verifiedBootState.
type VerifiedBootState int

// Verified boot states (RootOfTrust VerifiedBootState ENUMERATED).
const (
	BootVerified   VerifiedBootState = 0
	BootSelfSigned VerifiedBootState = 1
	BootUnverified VerifiedBootState = 2
	BootFailed     VerifiedBootState = 3
)

func (s VerifiedBootState) String() string {
	switch s {
	case BootVerified:
		return "VERIFIED"
	case BootSelfSigned:
		return "SELF_SIGNED"
	case BootUnverified:
		return "UNVERIFIED"
	case BootFailed:
		return "FAILED"
	}
	return fmt.Sprintf("BOOT_STATE_%d", int(s))
}

// MarshalText writes the state as Google's verifier names it.
func (s VerifiedBootState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Key properties of an AuthorizationList (KeyMint Tag values).
const (
	PurposeSign            = 2
	AlgorithmRSA           = 1
	AlgorithmEC            = 3
	CurveP256              = 1
	OriginGenerated        = 0
	OriginImported         = 2
	OriginSecurelyImported = 4
)

// KeyDescription is the content of the key attestation extension.
type KeyDescription struct {
	AttestationVersion       int64
	AttestationSecurityLevel SecurityLevel
	// KeyMintVersion is keymasterVersion before KeyMint.
	KeyMintVersion       int64
	KeyMintSecurityLevel SecurityLevel
	AttestationChallenge []byte
	UniqueID             []byte
	// SoftwareEnforced is what Keystore (not the secure hardware) vouches
	// for; the attestation application id lives here.
	SoftwareEnforced AuthorizationList
	// HardwareEnforced ("teeEnforced" in old documents) is what the TEE or
	// StrongBox enforces; read key properties from here only.
	HardwareEnforced AuthorizationList
}

// AuthorizationList is one list of key authorizations. Every field is
// optional in the DER; integer fields are nil when absent, NULL-typed
// fields false when absent.
type AuthorizationList struct {
	Purposes                    []int64 // [1]
	Algorithm                   *int64  // [2]
	KeySize                     *int64  // [3]
	BlockModes                  []int64 // [4]
	Digests                     []int64 // [5]
	Paddings                    []int64 // [6]
	CallerNonce                 bool    // [7]
	MinMacLength                *int64  // [8]
	ECCurve                     *int64  // [10]
	MLDSAVariant                *int64  // [11]
	RSAPublicExponent           *int64  // [200]
	RSAOAEPMGFDigests           []int64 // [203]
	RollbackResistance          bool    // [303]
	EarlyBootOnly               bool    // [305]
	ActiveDateTime              *int64  // [400]
	OriginationExpireDateTime   *int64  // [401]
	UsageExpireDateTime         *int64  // [402]
	UsageCountLimit             *int64  // [405]
	UserSecureIDs               []*big.Int
	NoAuthRequired              bool   // [503]
	UserAuthType                *int64 // [504]
	AuthTimeout                 *int64 // [505]
	AllowWhileOnBody            bool   // [506]
	TrustedUserPresenceRequired bool   // [507]
	TrustedConfirmationRequired bool   // [508]
	UnlockedDeviceRequired      bool   // [509]
	AllApplications             bool   // [600]
	ApplicationID               []byte // [601]
	CreationDateTime            *int64 // [701] milliseconds since the epoch
	Origin                      *int64 // [702]
	RollbackResistant           bool   // [703]
	RootOfTrust                 *RootOfTrust
	OSVersion                   *int64 // [705]
	OSPatchLevel                *int64 // [706] YYYYMM
	// AttestationApplicationID is the parsed [709]; AttestationApplicationIDRaw its DER.
	AttestationApplicationID    *ApplicationID
	AttestationApplicationIDRaw []byte
	AttestationIDBrand          []byte // [710]
	AttestationIDDevice         []byte // [711]
	AttestationIDProduct        []byte // [712]
	AttestationIDSerial         []byte // [713]
	AttestationIDIMEI           []byte // [714]
	AttestationIDMEID           []byte // [715]
	AttestationIDManufacturer   []byte // [716]
	AttestationIDModel          []byte // [717]
	VendorPatchLevel            *int64 // [718] YYYYMMDD
	BootPatchLevel              *int64 // [719] YYYYMMDD (YYYYMM on some devices)
	DeviceUniqueAttestation     bool   // [720]
	AttestationIDSecondIMEI     []byte // [723]
	ModuleHash                  []byte // [724]
	// Unknown keeps every element whose tag this parser does not know, in
	// order: a newer KeyMint's tags are reported, not dropped.
	Unknown []UnknownTag
	// TagsInOrder reports whether the tags appeared in ascending order, as
	// the schema (and DER) requires; some devices do not comply.
	TagsInOrder bool
}

// UnknownTag is an AuthorizationList element of a tag the parser does not
// know: its tag number and the DER of its explicitly tagged content.
type UnknownTag struct {
	Tag int
	DER []byte
}

// RootOfTrust describes the device's verified boot.
type RootOfTrust struct {
	VerifiedBootKey   []byte
	DeviceLocked      bool
	VerifiedBootState VerifiedBootState
	// VerifiedBootHash is present from attestation version 3.
	VerifiedBootHash []byte
}

// ApplicationID is the AttestationApplicationId: the packages sharing the
// key's uid and the SHA-256 digests of their signing certificates.
type ApplicationID struct {
	Packages         []PackageInfo
	SignatureDigests [][]byte
}

// PackageInfo names one package and its version code.
type PackageInfo struct {
	Name    string `json:"name"`
	Version int64  `json:"version"`
}

// ParseKeyDescription parses the DER of a key attestation extension. It
// accepts every attestation version (1 to 500 are known); it refuses what
// does not follow the schema, including a non-DER boolean, trailing data
// and a tag repeated within one list.
func ParseKeyDescription(der []byte) (*KeyDescription, error) {
	if len(der) > MaxExtensionBytes {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrKeyDescription, len(der), MaxExtensionBytes)
	}
	var seq asn1.RawValue
	if err := unmarshalAll(der, &seq); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeyDescription, err)
	}
	if seq.Class != asn1.ClassUniversal || seq.Tag != asn1.TagSequence || !seq.IsCompound {
		return nil, fmt.Errorf("%w: not a SEQUENCE", ErrKeyDescription)
	}
	fields, err := elements(seq.Bytes, 9)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeyDescription, err)
	}
	if len(fields) != 8 {
		return nil, fmt.Errorf("%w: %d fields, want 8", ErrKeyDescription, len(fields))
	}
	kd := &KeyDescription{}
	steps := []struct {
		name string
		run  func(raw []byte) error
	}{
		{"attestationVersion", func(b []byte) (err error) { kd.AttestationVersion, err = parseInt(b); return }},
		{"attestationSecurityLevel", func(b []byte) (err error) { kd.AttestationSecurityLevel, err = parseSecurityLevel(b); return }},
		{"keyMintVersion", func(b []byte) (err error) { kd.KeyMintVersion, err = parseInt(b); return }},
		{"keyMintSecurityLevel", func(b []byte) (err error) { kd.KeyMintSecurityLevel, err = parseSecurityLevel(b); return }},
		{"attestationChallenge", func(b []byte) (err error) { kd.AttestationChallenge, err = parseOctets(b); return }},
		{"uniqueId", func(b []byte) (err error) { kd.UniqueID, err = parseOctets(b); return }},
		{"softwareEnforced", func(b []byte) error { return parseAuthorizationList(b, &kd.SoftwareEnforced) }},
		{"hardwareEnforced", func(b []byte) error { return parseAuthorizationList(b, &kd.HardwareEnforced) }},
	}
	for i, s := range steps {
		if err := s.run(fields[i].FullBytes); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrKeyDescription, s.name, err)
		}
	}
	if len(kd.AttestationChallenge) > MaxChallengeBytes {
		return nil, fmt.Errorf("%w: attestationChallenge has %d bytes, more than %d", ErrKeyDescription, len(kd.AttestationChallenge), MaxChallengeBytes)
	}
	return kd, nil
}

// unmarshalAll decodes exactly one DER value filling b.
func unmarshalAll(b []byte, v any) error {
	rest, err := asn1.Unmarshal(b, v)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("%d bytes of trailing data", len(rest))
	}
	return nil
}

// elements splits the content of a constructed value into its elements,
// refusing more than limit.
func elements(content []byte, limit int) ([]asn1.RawValue, error) {
	var out []asn1.RawValue
	for len(content) > 0 {
		if len(out) == limit {
			return nil, fmt.Errorf("more than %d elements", limit-1)
		}
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(content, &v)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		content = rest
	}
	return out, nil
}

func parseInt(der []byte) (int64, error) {
	var n *big.Int
	if err := unmarshalAll(der, &n); err != nil {
		return 0, err
	}
	if !n.IsInt64() {
		return 0, errors.New("integer out of range")
	}
	return n.Int64(), nil
}

func parseSecurityLevel(der []byte) (SecurityLevel, error) {
	var e asn1.Enumerated
	if err := unmarshalAll(der, &e); err != nil {
		return 0, err
	}
	if e < 0 || e > 2 {
		return 0, fmt.Errorf("security level %d is not 0, 1 or 2", e)
	}
	return SecurityLevel(e), nil
}

func parseOctets(der []byte) ([]byte, error) {
	var b []byte
	if err := unmarshalAll(der, &b); err != nil {
		return nil, err
	}
	return b, nil
}

func parseNull(der []byte) error {
	var v asn1.RawValue
	if err := unmarshalAll(der, &v); err != nil {
		return err
	}
	if v.Class != asn1.ClassUniversal || v.Tag != asn1.TagNull || len(v.Bytes) != 0 {
		return errors.New("not NULL")
	}
	return nil
}

func parseIntSet(der []byte) ([]int64, error) {
	var v asn1.RawValue
	if err := unmarshalAll(der, &v); err != nil {
		return nil, err
	}
	if v.Class != asn1.ClassUniversal || v.Tag != asn1.TagSet || !v.IsCompound {
		return nil, errors.New("not a SET OF INTEGER")
	}
	items, err := elements(v.Bytes, maxSetItems+1)
	if err != nil {
		return nil, err
	}
	out := make([]int64, 0, len(items))
	for _, it := range items {
		n, err := parseInt(it.FullBytes)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// parseBigInts reads an INTEGER or a SET OF INTEGER of any size
// (userSecureId: 64-bit unsigned values).
func parseBigInts(der []byte) ([]*big.Int, error) {
	var v asn1.RawValue
	if err := unmarshalAll(der, &v); err != nil {
		return nil, err
	}
	items := []asn1.RawValue{v}
	if v.Class == asn1.ClassUniversal && v.Tag == asn1.TagSet && v.IsCompound {
		var err error
		if items, err = elements(v.Bytes, maxSetItems+1); err != nil {
			return nil, err
		}
	}
	out := make([]*big.Int, 0, len(items))
	for _, it := range items {
		var n *big.Int
		if err := unmarshalAll(it.FullBytes, &n); err != nil {
			return nil, err
		}
		if n.BitLen() > 72 {
			return nil, errors.New("integer out of range")
		}
		out = append(out, n)
	}
	return out, nil
}

// authorizationField parses the explicitly tagged content of one tag into l.
type authorizationField func(l *AuthorizationList, der []byte) error

func intField(dst func(*AuthorizationList) **int64) authorizationField {
	return func(l *AuthorizationList, der []byte) error {
		n, err := parseInt(der)
		if err != nil {
			return err
		}
		*dst(l) = &n
		return nil
	}
}

func setField(dst func(*AuthorizationList) *[]int64) authorizationField {
	return func(l *AuthorizationList, der []byte) error {
		s, err := parseIntSet(der)
		if err != nil {
			return err
		}
		*dst(l) = s
		return nil
	}
}

func nullField(dst func(*AuthorizationList) *bool) authorizationField {
	return func(l *AuthorizationList, der []byte) error {
		if err := parseNull(der); err != nil {
			return err
		}
		*dst(l) = true
		return nil
	}
}

func octetsField(dst func(*AuthorizationList) *[]byte) authorizationField {
	return func(l *AuthorizationList, der []byte) error {
		b, err := parseOctets(der)
		if err != nil {
			return err
		}
		*dst(l) = b
		return nil
	}
}

// authorizationFields maps every known tag (KeyMint Tag numbers; the
// AuthorizationList schema of "Key and ID attestation") to its parser.
func authorizationFields() map[int]authorizationField {
	return map[int]authorizationField{
		1:   setField(func(l *AuthorizationList) *[]int64 { return &l.Purposes }),
		2:   intField(func(l *AuthorizationList) **int64 { return &l.Algorithm }),
		3:   intField(func(l *AuthorizationList) **int64 { return &l.KeySize }),
		4:   setField(func(l *AuthorizationList) *[]int64 { return &l.BlockModes }),
		5:   setField(func(l *AuthorizationList) *[]int64 { return &l.Digests }),
		6:   setField(func(l *AuthorizationList) *[]int64 { return &l.Paddings }),
		7:   nullField(func(l *AuthorizationList) *bool { return &l.CallerNonce }),
		8:   intField(func(l *AuthorizationList) **int64 { return &l.MinMacLength }),
		10:  intField(func(l *AuthorizationList) **int64 { return &l.ECCurve }),
		11:  intField(func(l *AuthorizationList) **int64 { return &l.MLDSAVariant }),
		200: intField(func(l *AuthorizationList) **int64 { return &l.RSAPublicExponent }),
		203: setField(func(l *AuthorizationList) *[]int64 { return &l.RSAOAEPMGFDigests }),
		303: nullField(func(l *AuthorizationList) *bool { return &l.RollbackResistance }),
		305: nullField(func(l *AuthorizationList) *bool { return &l.EarlyBootOnly }),
		400: intField(func(l *AuthorizationList) **int64 { return &l.ActiveDateTime }),
		401: intField(func(l *AuthorizationList) **int64 { return &l.OriginationExpireDateTime }),
		402: intField(func(l *AuthorizationList) **int64 { return &l.UsageExpireDateTime }),
		405: intField(func(l *AuthorizationList) **int64 { return &l.UsageCountLimit }),
		502: func(l *AuthorizationList, der []byte) (err error) {
			l.UserSecureIDs, err = parseBigInts(der)
			return err
		},
		503: nullField(func(l *AuthorizationList) *bool { return &l.NoAuthRequired }),
		504: intField(func(l *AuthorizationList) **int64 { return &l.UserAuthType }),
		505: intField(func(l *AuthorizationList) **int64 { return &l.AuthTimeout }),
		506: nullField(func(l *AuthorizationList) *bool { return &l.AllowWhileOnBody }),
		507: nullField(func(l *AuthorizationList) *bool { return &l.TrustedUserPresenceRequired }),
		508: nullField(func(l *AuthorizationList) *bool { return &l.TrustedConfirmationRequired }),
		509: nullField(func(l *AuthorizationList) *bool { return &l.UnlockedDeviceRequired }),
		600: nullField(func(l *AuthorizationList) *bool { return &l.AllApplications }),
		601: octetsField(func(l *AuthorizationList) *[]byte { return &l.ApplicationID }),
		701: intField(func(l *AuthorizationList) **int64 { return &l.CreationDateTime }),
		702: intField(func(l *AuthorizationList) **int64 { return &l.Origin }),
		703: nullField(func(l *AuthorizationList) *bool { return &l.RollbackResistant }),
		704: func(l *AuthorizationList, der []byte) (err error) {
			l.RootOfTrust, err = parseRootOfTrust(der)
			return err
		},
		705: intField(func(l *AuthorizationList) **int64 { return &l.OSVersion }),
		706: intField(func(l *AuthorizationList) **int64 { return &l.OSPatchLevel }),
		709: func(l *AuthorizationList, der []byte) error {
			raw, err := parseOctets(der)
			if err != nil {
				return err
			}
			id, err := parseApplicationID(raw)
			if err != nil {
				return fmt.Errorf("attestationApplicationId: %w", err)
			}
			l.AttestationApplicationID, l.AttestationApplicationIDRaw = id, raw
			return nil
		},
		710: octetsField(func(l *AuthorizationList) *[]byte { return &l.AttestationIDBrand }),
		711: octetsField(func(l *AuthorizationList) *[]byte { return &l.AttestationIDDevice }),
		712: octetsField(func(l *AuthorizationList) *[]byte { return &l.AttestationIDProduct }),
		713: octetsField(func(l *AuthorizationList) *[]byte { return &l.AttestationIDSerial }),
		714: octetsField(func(l *AuthorizationList) *[]byte { return &l.AttestationIDIMEI }),
		715: octetsField(func(l *AuthorizationList) *[]byte { return &l.AttestationIDMEID }),
		716: octetsField(func(l *AuthorizationList) *[]byte { return &l.AttestationIDManufacturer }),
		717: octetsField(func(l *AuthorizationList) *[]byte { return &l.AttestationIDModel }),
		718: intField(func(l *AuthorizationList) **int64 { return &l.VendorPatchLevel }),
		719: intField(func(l *AuthorizationList) **int64 { return &l.BootPatchLevel }),
		720: nullField(func(l *AuthorizationList) *bool { return &l.DeviceUniqueAttestation }),
		723: octetsField(func(l *AuthorizationList) *[]byte { return &l.AttestationIDSecondIMEI }),
		724: octetsField(func(l *AuthorizationList) *[]byte { return &l.ModuleHash }),
	}
}

// parseAuthorizationList walks the list element by element, so that one
// unexpected element never makes the ones after it vanish (encoding/asn1's
// struct decoding silently drops every field after an element it cannot
// place).
func parseAuthorizationList(der []byte, l *AuthorizationList) error {
	var seq asn1.RawValue
	if err := unmarshalAll(der, &seq); err != nil {
		return err
	}
	if seq.Class != asn1.ClassUniversal || seq.Tag != asn1.TagSequence || !seq.IsCompound {
		return errors.New("not a SEQUENCE")
	}
	items, err := elements(seq.Bytes, maxAuthorizations+1)
	if err != nil {
		return err
	}
	fields := authorizationFields()
	seen := make(map[int]bool, len(items))
	l.TagsInOrder = true
	last := -1
	for _, it := range items {
		if it.Class != asn1.ClassContextSpecific || !it.IsCompound {
			return fmt.Errorf("element is not an explicitly tagged [n] value")
		}
		if seen[it.Tag] {
			return fmt.Errorf("tag [%d] appears twice", it.Tag)
		}
		seen[it.Tag] = true
		if it.Tag < last {
			l.TagsInOrder = false
		}
		last = it.Tag
		parse, known := fields[it.Tag]
		if !known {
			l.Unknown = append(l.Unknown, UnknownTag{Tag: it.Tag, DER: append([]byte(nil), it.Bytes...)})
			continue
		}
		if err := parse(l, it.Bytes); err != nil {
			return fmt.Errorf("tag [%d]: %w", it.Tag, err)
		}
	}
	return nil
}

func parseRootOfTrust(der []byte) (*RootOfTrust, error) {
	var seq asn1.RawValue
	if err := unmarshalAll(der, &seq); err != nil {
		return nil, fmt.Errorf("rootOfTrust: %w", err)
	}
	if seq.Class != asn1.ClassUniversal || seq.Tag != asn1.TagSequence || !seq.IsCompound {
		return nil, errors.New("rootOfTrust: not a SEQUENCE")
	}
	items, err := elements(seq.Bytes, 5)
	if err != nil {
		return nil, fmt.Errorf("rootOfTrust: %w", err)
	}
	if len(items) != 3 && len(items) != 4 {
		return nil, fmt.Errorf("rootOfTrust: %d fields, want 3 or 4", len(items))
	}
	rot := &RootOfTrust{}
	if rot.VerifiedBootKey, err = parseOctets(items[0].FullBytes); err != nil {
		return nil, fmt.Errorf("rootOfTrust: verifiedBootKey: %w", err)
	}
	// A DER BOOLEAN is 0x00 or 0xFF (X.690 §11.1); encoding/asn1 refuses
	// any other content byte.
	if err := unmarshalAll(items[1].FullBytes, &rot.DeviceLocked); err != nil {
		return nil, fmt.Errorf("rootOfTrust: deviceLocked: %w", err)
	}
	var state asn1.Enumerated
	if err := unmarshalAll(items[2].FullBytes, &state); err != nil {
		return nil, fmt.Errorf("rootOfTrust: verifiedBootState: %w", err)
	}
	if state < 0 || state > 3 {
		return nil, fmt.Errorf("rootOfTrust: verifiedBootState %d is not 0 to 3", state)
	}
	rot.VerifiedBootState = VerifiedBootState(state)
	if len(items) == 4 {
		if rot.VerifiedBootHash, err = parseOctets(items[3].FullBytes); err != nil {
			return nil, fmt.Errorf("rootOfTrust: verifiedBootHash: %w", err)
		}
	}
	return rot, nil
}

// parseApplicationID parses an AttestationApplicationId:
// SEQUENCE { SET OF SEQUENCE { OCTET STRING, INTEGER }, SET OF OCTET STRING }.
func parseApplicationID(der []byte) (*ApplicationID, error) {
	var seq asn1.RawValue
	if err := unmarshalAll(der, &seq); err != nil {
		return nil, err
	}
	if seq.Class != asn1.ClassUniversal || seq.Tag != asn1.TagSequence || !seq.IsCompound {
		return nil, errors.New("not a SEQUENCE")
	}
	parts, err := elements(seq.Bytes, 3)
	if err != nil {
		return nil, err
	}
	if len(parts) != 2 {
		return nil, fmt.Errorf("%d fields, want 2", len(parts))
	}
	for _, p := range parts {
		if p.Class != asn1.ClassUniversal || p.Tag != asn1.TagSet || !p.IsCompound {
			return nil, errors.New("field is not a SET")
		}
	}
	infos, err := elements(parts[0].Bytes, maxPackages+1)
	if err != nil {
		return nil, fmt.Errorf("package_infos: %w", err)
	}
	id := &ApplicationID{}
	for _, info := range infos {
		var pi struct {
			Name    []byte
			Version *big.Int
		}
		if err := unmarshalAll(info.FullBytes, &pi); err != nil {
			return nil, fmt.Errorf("package_info: %w", err)
		}
		if !pi.Version.IsInt64() {
			return nil, errors.New("package_info: version out of range")
		}
		id.Packages = append(id.Packages, PackageInfo{Name: string(pi.Name), Version: pi.Version.Int64()})
	}
	digests, err := elements(parts[1].Bytes, maxPackages+1)
	if err != nil {
		return nil, fmt.Errorf("signature_digests: %w", err)
	}
	for _, d := range digests {
		b, err := parseOctets(d.FullBytes)
		if err != nil {
			return nil, fmt.Errorf("signature_digest: %w", err)
		}
		id.SignatureDigests = append(id.SignatureDigests, b)
	}
	return id, nil
}

// LeafKeyDescription parses the key attestation extension of a certificate.
func LeafKeyDescription(c *x509.Certificate) (*KeyDescription, error) {
	for _, e := range c.Extensions {
		if e.Id.Equal(oidKeyDescription) {
			return ParseKeyDescription(e.Value)
		}
	}
	return nil, fmt.Errorf("%w: the certificate has no key attestation extension", ErrKeyDescription)
}
