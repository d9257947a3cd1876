// Package tpmtest builds TPM 2.0 structures in software, signed by a
// software attestation key, for tests of attestation/tpm that need what a
// real TPM refuses to produce: restricted or decrypting keys certified,
// certifications without the TPM_GENERATED magic, odd signature schemes.
// Tests of the genuine flow use the reference TPM simulator instead.
package tpmtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"math/big"

	"github.com/google/go-attestation/attest"
	"github.com/google/go-tpm/legacy/tpm2"
)

// Generated is TPM_GENERATED_VALUE, the magic of TPM-made structures.
const Generated = 0xff544347

// AKFlags are the attributes of go-attestation's AK template.
const AKFlags = tpm2.FlagSignerDefault | tpm2.FlagNoDA

// KeyFlags are the attributes of go-attestation's application keys.
const KeyFlags = tpm2.FlagSignerDefault &^ tpm2.FlagRestricted

// AK is a software attestation key.
type AK struct {
	Key    *ecdsa.PrivateKey
	Public []byte
}

// NewAK makes an ECDSA P-256 AK with the given attributes.
func NewAK(flags tpm2.KeyProp) (*AK, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	pub, err := ECCPublic(&k.PublicKey, flags).Encode()
	if err != nil {
		return nil, err
	}
	return &AK{Key: k, Public: pub}, nil
}

// ECCPublic is the TPMT_PUBLIC of an ECDSA-SHA256 key.
func ECCPublic(k *ecdsa.PublicKey, flags tpm2.KeyProp) tpm2.Public {
	size := (k.Curve.Params().BitSize + 7) / 8
	curve := map[int]tpm2.EllipticCurve{32: tpm2.CurveNISTP256, 48: tpm2.CurveNISTP384, 66: tpm2.CurveNISTP521}[size]
	return tpm2.Public{
		Type: tpm2.AlgECC, NameAlg: tpm2.AlgSHA256, Attributes: flags,
		ECCParameters: &tpm2.ECCParams{
			Sign:    &tpm2.SigScheme{Alg: tpm2.AlgECDSA, Hash: tpm2.AlgSHA256},
			CurveID: curve,
			Point:   tpm2.ECPoint{XRaw: k.X.FillBytes(make([]byte, size)), YRaw: k.Y.FillBytes(make([]byte, size))},
		},
	}
}

// Certification describes a TPMS_ATTEST of type certify to sign.
type Certification struct {
	// Public is the certified key's TPMT_PUBLIC.
	Public tpm2.Public
	// Nonce is the qualifying data.
	Nonce []byte
	// Magic; zero means Generated.
	Magic uint32
	// NameOf, when set, is the key whose name goes into the certification
	// instead of Public's.
	NameOf *tpm2.Public
}

// NewKey makes an ECDSA key on curve with the given attributes and
// returns it with its TPMT_PUBLIC.
func NewKey(curve elliptic.Curve, flags tpm2.KeyProp) (*ecdsa.PrivateKey, tpm2.Public, error) {
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		return nil, tpm2.Public{}, err
	}
	return k, ECCPublic(&k.PublicKey, flags), nil
}

// Certify signs c with the AK.
func (a *AK) Certify(c Certification) (attest.CertificationParameters, error) {
	pub, err := c.Public.Encode()
	if err != nil {
		return attest.CertificationParameters{}, err
	}
	named := c.Public
	if c.NameOf != nil {
		named = *c.NameOf
	}
	name, err := named.Name()
	if err != nil {
		return attest.CertificationParameters{}, err
	}
	akPub, err := tpm2.DecodePublic(a.Public)
	if err != nil {
		return attest.CertificationParameters{}, err
	}
	akName, err := akPub.Name()
	if err != nil {
		return attest.CertificationParameters{}, err
	}
	magic := c.Magic
	if magic == 0 {
		magic = Generated
	}
	ad := tpm2.AttestationData{
		Magic: magic, Type: tpm2.TagAttestCertify, QualifiedSigner: akName,
		ExtraData: c.Nonce, FirmwareVersion: 0x2000_0001,
		ClockInfo:           tpm2.ClockInfo{Clock: 1000, Safe: 1},
		AttestedCertifyInfo: &tpm2.CertifyInfo{Name: name, QualifiedName: name},
	}
	att, err := ad.Encode()
	if err != nil {
		return attest.CertificationParameters{}, err
	}
	sig, err := a.Sign(att)
	if err != nil {
		return attest.CertificationParameters{}, err
	}
	return attest.CertificationParameters{Public: pub, CreateAttestation: att, CreateSignature: sig}, nil
}

// Sign returns the TPMT_SIGNATURE (ECDSA, SHA-256) of msg by the AK.
func (a *AK) Sign(msg []byte) ([]byte, error) {
	d := sha256.Sum256(msg)
	r, s, err := ecdsa.Sign(rand.Reader, a.Key, d[:])
	if err != nil {
		return nil, err
	}
	return ECDSASignature(r, s)
}

// ECDSASignature encodes a TPMT_SIGNATURE of ECDSA with SHA-256.
func ECDSASignature(r, s *big.Int) ([]byte, error) {
	return tpm2.Signature{Alg: tpm2.AlgECDSA, ECC: &tpm2.SignatureECC{HashAlg: tpm2.AlgSHA256, R: r, S: s}}.Encode()
}

// RSASignature encodes a TPMT_SIGNATURE of RSASSA with SHA-256.
func RSASignature(sig []byte) ([]byte, error) {
	return tpm2.Signature{Alg: tpm2.AlgRSASSA, RSA: &tpm2.SignatureRSA{HashAlg: tpm2.AlgSHA256, Signature: sig}}.Encode()
}

// CreationParameters are the AK's enrollment parameters: a TPMS_ATTEST of
// its own creation (magic as given, zero meaning Generated) signed by it.
func (a *AK) CreationParameters(magic uint32) (attest.AttestationParameters, error) {
	cd := tpm2.CreationData{
		PCRSelection: tpm2.PCRSelection{Hash: tpm2.AlgSHA256}, Locality: 1,
		ParentNameAlg:       tpm2.AlgSHA256,
		ParentName:          tpm2.Name{Digest: &tpm2.HashValue{Alg: tpm2.AlgSHA256, Value: make([]byte, 32)}},
		ParentQualifiedName: tpm2.Name{Digest: &tpm2.HashValue{Alg: tpm2.AlgSHA256, Value: make([]byte, 32)}},
	}
	data, err := cd.EncodeCreationData()
	if err != nil {
		return attest.AttestationParameters{}, fmt.Errorf("tpmtest: creation data: %w", err)
	}
	pub, err := tpm2.DecodePublic(a.Public)
	if err != nil {
		return attest.AttestationParameters{}, err
	}
	name, err := pub.Name()
	if err != nil {
		return attest.AttestationParameters{}, err
	}
	if magic == 0 {
		magic = Generated
	}
	digest := sha256.Sum256(data)
	att, err := tpm2.AttestationData{
		Magic: magic, Type: tpm2.TagAttestCreation, QualifiedSigner: name,
		AttestedCreationInfo: &tpm2.CreationInfo{Name: name, OpaqueDigest: digest[:]},
	}.Encode()
	if err != nil {
		return attest.AttestationParameters{}, err
	}
	sig, err := a.Sign(att)
	if err != nil {
		return attest.AttestationParameters{}, err
	}
	return attest.AttestationParameters{Public: a.Public, CreateData: data, CreateAttestation: att, CreateSignature: sig}, nil
}
