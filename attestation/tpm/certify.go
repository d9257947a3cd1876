package tpm

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"

	"github.com/google/go-attestation/attest"
	"github.com/google/go-tpm/legacy/tpm2"
)

// CertifiedKey is a signing key the enrolled AK certified.
type CertifiedKey struct {
	PublicKey *ecdsa.PublicKey
	// Name is the key's TPM name (name algorithm and digest), hex.
	Name string
	// FirmwareVersion and Clock are as the TPM stated them in the
	// certification (TPMS_ATTEST.firmwareVersion, clockInfo).
	FirmwareVersion uint64
	Clock           tpm2.ClockInfo
}

// VerifyKey checks a TPM2_Certify of a signing key by the enrolled AK whose
// TPMT_PUBLIC is ak, with nonce as the qualifying data.
func (v *Verifier) VerifyKey(ak []byte, c attest.CertificationParameters, nonce []byte) (*CertifiedKey, error) {
	if len(nonce) < MinNonceBytes || len(nonce) > MaxNonceBytes {
		return nil, fail(ReasonNonce, nil, "the expected nonce must be %d to %d bytes", MinNonceBytes, MaxNonceBytes)
	}
	for name, b := range map[string][]byte{"AK public": ak, "key public": c.Public, "certification": c.CreateAttestation, "signature": c.CreateSignature} {
		if len(b) == 0 || len(b) > MaxStructureBytes {
			return nil, fail(ReasonMalformed, nil, "%s: 1 to %d bytes", name, MaxStructureBytes)
		}
	}
	akPub, err := tpm2.DecodePublic(ak)
	if err != nil {
		return nil, fail(ReasonMalformed, err, "AK public")
	}
	// An enrolled AK passed CheckAKParameters; a restricted signing key
	// is what makes its certifications mean anything (TPM 2.0 Part 1
	// §25.2: a restricted key signs only digests the TPM computed).
	const akFlags = tpm2.FlagRestricted | tpm2.FlagSign | tpm2.FlagFixedTPM | tpm2.FlagFixedParent | tpm2.FlagSensitiveDataOrigin
	if akPub.Attributes&akFlags != akFlags {
		return nil, fail(ReasonAttestationKey, nil, "the AK is not a restricted, TPM-bound signing key (attributes %#x)", uint32(akPub.Attributes))
	}
	akKey, err := attest.ParseAKPublic(ak)
	if err != nil {
		return nil, fail(ReasonAttestationKey, err, "AK public")
	}
	if err := checkSignatureScheme(akPub, c.CreateSignature); err != nil {
		return nil, err
	}
	key, err := signingKey(c.Public)
	if err != nil {
		return nil, err
	}
	if !generated(c.CreateAttestation) {
		return nil, fail(ReasonCertification, nil, "the certification was not produced by a TPM (no TPM_GENERATED magic)")
	}
	att, err := tpm2.DecodeAttestationData(c.CreateAttestation)
	if err != nil {
		return nil, fail(ReasonMalformed, err, "certification")
	}
	// attest.CertificationParameters.Verify: TPMS_ATTEST of type
	// TPM_ST_ATTEST_CERTIFY with the TPM_GENERATED magic, the certified
	// name matching c.Public, the key fixedTPM, fixedParent,
	// sensitiveDataOrigin and not restricted, and the AK's signature.
	if err := c.Verify(attest.VerifyOpts{Public: akKey.Public, Hash: akKey.Hash}); err != nil {
		return nil, fail(ReasonCertification, err, "certification refused")
	}
	// The library does not compare the qualifying data: without this the
	// certification of any earlier key by the same AK would replay.
	if subtle.ConstantTimeCompare(att.ExtraData, nonce) != 1 {
		return nil, fail(ReasonNonce, nil, "the certification's qualifying data is not the nonce")
	}
	name, err := att.AttestedCertifyInfo.Name.Encode()
	if err != nil || len(name) < 2 {
		return nil, fail(ReasonMalformed, err, "certified name")
	}
	return &CertifiedKey{
		PublicKey: key, Name: hex.EncodeToString(name[2:]),
		FirmwareVersion: att.FirmwareVersion, Clock: att.ClockInfo,
	}, nil
}

// signingKey decodes the certified key's TPMT_PUBLIC and requires what a
// proof-of-possession key needs: ECDSA on P-256 (ES256), a signing key
// that cannot decrypt, and the properties of a TPM-generated,
// non-duplicable key (which Verify checks again).
func signingKey(public []byte) (*ecdsa.PublicKey, error) {
	p, err := tpm2.DecodePublic(public)
	if err != nil {
		return nil, fail(ReasonMalformed, err, "key public")
	}
	if p.Type != tpm2.AlgECC || p.ECCParameters == nil || p.ECCParameters.CurveID != tpm2.CurveNISTP256 {
		return nil, fail(ReasonKeyProperties, nil, "the key is not ECDSA P-256 (type %#x)", uint16(p.Type))
	}
	const want = tpm2.FlagSign | tpm2.FlagFixedTPM | tpm2.FlagFixedParent | tpm2.FlagSensitiveDataOrigin
	if p.Attributes&want != want {
		return nil, fail(ReasonKeyProperties, nil, "the key is not a TPM-generated, non-duplicable signing key (attributes %#x)", uint32(p.Attributes))
	}
	if p.Attributes&(tpm2.FlagDecrypt|tpm2.FlagRestricted) != 0 {
		return nil, fail(ReasonKeyProperties, nil, "the key may decrypt or is restricted (attributes %#x)", uint32(p.Attributes))
	}
	k, err := p.Key()
	if err != nil {
		return nil, fail(ReasonMalformed, err, "key public")
	}
	ek, ok := k.(*ecdsa.PublicKey)
	if !ok || ek.Curve != elliptic.P256() {
		return nil, fail(ReasonKeyProperties, nil, "the key is not ECDSA P-256")
	}
	if _, err := ek.ECDH(); err != nil {
		return nil, fail(ReasonMalformed, err, "the key's point is not on P-256")
	}
	return ek, nil
}

// checkSignatureScheme requires the TPMT_SIGNATURE to be of the signing
// key's own scheme and hash before go-attestation reads it: the library
// dereferences the RSA or ECC half by the key's type, not the signature's.
func checkSignatureScheme(signer tpm2.Public, sig []byte) error {
	if len(sig) < 8 {
		return fail(ReasonMalformed, nil, "signature of %d bytes", len(sig))
	}
	s, err := tpm2.DecodeSignature(bytes.NewBuffer(sig))
	if err != nil {
		return fail(ReasonMalformed, err, "signature")
	}
	var scheme *tpm2.SigScheme
	switch {
	case signer.Type == tpm2.AlgRSA && signer.RSAParameters != nil:
		scheme = signer.RSAParameters.Sign
		if s.Alg != tpm2.AlgRSASSA || s.RSA == nil {
			return fail(ReasonCertification, nil, "an RSA signing key's signature must be RSASSA (got %#x)", uint16(s.Alg))
		}
		if scheme == nil || scheme.Alg != tpm2.AlgRSASSA || s.RSA.HashAlg != scheme.Hash {
			return fail(ReasonCertification, nil, "the signature's scheme is not the signing key's")
		}
	case signer.Type == tpm2.AlgECC && signer.ECCParameters != nil:
		scheme = signer.ECCParameters.Sign
		if s.Alg != tpm2.AlgECDSA || s.ECC == nil || s.ECC.R == nil || s.ECC.S == nil {
			return fail(ReasonCertification, nil, "an ECC signing key's signature must be ECDSA (got %#x)", uint16(s.Alg))
		}
		if scheme == nil || scheme.Alg != tpm2.AlgECDSA || s.ECC.HashAlg != scheme.Hash {
			return fail(ReasonCertification, nil, "the signature's scheme is not the signing key's")
		}
	default:
		return fail(ReasonAttestationKey, nil, "signing key of type %#x", uint16(signer.Type))
	}
	return nil
}

// checkAKShape bounds an enrollment's AK parameters and checks the
// signature scheme, so that CheckAKParameters sees only what it can read.
func checkAKShape(p attest.AttestationParameters) error {
	for name, b := range map[string][]byte{"AK public": p.Public, "creation data": p.CreateData, "creation attestation": p.CreateAttestation, "creation signature": p.CreateSignature} {
		if len(b) == 0 || len(b) > MaxStructureBytes {
			return fail(ReasonMalformed, nil, "%s: 1 to %d bytes", name, MaxStructureBytes)
		}
	}
	pub, err := tpm2.DecodePublic(p.Public)
	if err != nil {
		return fail(ReasonMalformed, err, "AK public")
	}
	if _, err := attest.ParseAKPublic(p.Public); err != nil {
		return fail(ReasonAttestationKey, err, "AK public")
	}
	if err := checkSignatureScheme(pub, p.CreateSignature); err != nil {
		return err
	}
	if !generated(p.CreateAttestation) {
		return fail(ReasonAttestationKey, nil, "the AK's creation was not attested by a TPM (no TPM_GENERATED magic)")
	}
	att, err := tpm2.DecodeAttestationData(p.CreateAttestation)
	if err != nil {
		return fail(ReasonMalformed, err, "creation attestation")
	}
	if att.Type != tpm2.TagAttestCreation || att.AttestedCreationInfo == nil {
		return fail(ReasonAttestationKey, nil, "the AK's attestation is not of its creation")
	}
	return nil
}

// tpmGenerated is TPM_GENERATED_VALUE (TPM 2.0 Part 2 §6.2), the first
// field of every TPMS_ATTEST the TPM makes; a restricted key refuses to
// sign anything starting with it that the TPM did not make.
const tpmGenerated = 0xff544347

func generated(att []byte) bool {
	return len(att) >= 4 && binary.BigEndian.Uint32(att) == tpmGenerated
}
