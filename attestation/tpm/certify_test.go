package tpm_test

import (
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"slices"
	"testing"
	"time"

	"github.com/google/go-attestation/attest"
	"github.com/google/go-tpm/legacy/tpm2"

	"github.com/pramaan/pramaan/attestation/tpm"
	"github.com/pramaan/pramaan/attestation/tpm/tpmtest"
)

var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

var nonce = []byte("provider-nonce-0123456789")

func uncertifiedVerifier(t testing.TB) *tpm.Verifier {
	t.Helper()
	v, err := tpm.NewVerifier(tpm.Config{AllowUncertifiedEK: true, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// must unwraps a fixture's result; a fixture that fails panics, failing
// the test with its stack.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestCertificationChecks runs one genuine software certification and
// each way it can be wrong, expecting the exact reason.
func TestCertificationChecks(t *testing.T) {
	v := uncertifiedVerifier(t)
	ak := must(tpmtest.NewAK(tpmtest.AKFlags))
	other := must(tpmtest.NewAK(tpmtest.AKFlags))
	unrestricted := must(tpmtest.NewAK(tpmtest.KeyFlags))
	key, pub, err := tpmtest.NewKey(elliptic.P256(), tpmtest.KeyFlags)
	if err != nil {
		t.Fatal(err)
	}
	_, p384, _ := tpmtest.NewKey(elliptic.P384(), tpmtest.KeyFlags)
	_, restricted, _ := tpmtest.NewKey(elliptic.P256(), tpmtest.AKFlags)
	_, decrypting, _ := tpmtest.NewKey(elliptic.P256(), tpmtest.KeyFlags|tpm2.FlagDecrypt)
	_, exportable, _ := tpmtest.NewKey(elliptic.P256(), tpmtest.KeyFlags&^tpm2.FlagFixedTPM)
	_, imported, _ := tpmtest.NewKey(elliptic.P256(), tpmtest.KeyFlags&^tpm2.FlagSensitiveDataOrigin)
	_, otherPub, _ := tpmtest.NewKey(elliptic.P256(), tpmtest.KeyFlags)

	genuine := must(ak.Certify(tpmtest.Certification{Public: pub, Nonce: nonce}))
	rsaKey := must(rsa.GenerateKey(rand.Reader, 2048))
	rsaSig := must(tpmtest.RSASignature(must(rsaKey.Sign(rand.Reader, make([]byte, 32), cryptoSHA256))))
	flipped := slices.Clone(genuine.CreateAttestation)
	flipped[len(flipped)-1] ^= 1

	cases := []struct {
		name   string
		ak     []byte
		cert   attest.CertificationParameters
		nonce  []byte
		reason tpm.Reason
	}{
		{"genuine", ak.Public, genuine, nonce, ""},
		{"wrong nonce", ak.Public, genuine, []byte("another-nonce-0123456789"), tpm.ReasonNonce},
		{"no qualifying data", ak.Public, must(ak.Certify(tpmtest.Certification{Public: pub})), nonce, tpm.ReasonNonce},
		{"nonce prefix", ak.Public, must(ak.Certify(tpmtest.Certification{Public: pub, Nonce: nonce[:20]})), nonce, tpm.ReasonNonce},
		{"expected nonce too short", ak.Public, genuine, nonce[:8], tpm.ReasonNonce},
		{"signed by another AK", other.Public, genuine, nonce, tpm.ReasonCertification},
		{"AK not restricted", unrestricted.Public, must(unrestricted.Certify(tpmtest.Certification{Public: pub, Nonce: nonce})), nonce, tpm.ReasonAttestationKey},
		{"not TPM generated", ak.Public, must(ak.Certify(tpmtest.Certification{Public: pub, Nonce: nonce, Magic: 0x12345678})), nonce, tpm.ReasonCertification},
		{"certifies another key's name", ak.Public, must(ak.Certify(tpmtest.Certification{Public: pub, Nonce: nonce, NameOf: &otherPub})), nonce, tpm.ReasonCertification},
		{"attestation tampered", ak.Public, attest.CertificationParameters{Public: genuine.Public, CreateAttestation: flipped, CreateSignature: genuine.CreateSignature}, nonce, tpm.ReasonCertification},
		{"public swapped", ak.Public, attest.CertificationParameters{Public: must(otherPub.Encode()), CreateAttestation: genuine.CreateAttestation, CreateSignature: genuine.CreateSignature}, nonce, tpm.ReasonCertification},
		{"RSA signature for an ECC AK", ak.Public, attest.CertificationParameters{Public: genuine.Public, CreateAttestation: genuine.CreateAttestation, CreateSignature: rsaSig}, nonce, tpm.ReasonCertification},
		{"P-384 key", ak.Public, must(ak.Certify(tpmtest.Certification{Public: p384, Nonce: nonce})), nonce, tpm.ReasonKeyProperties},
		{"restricted key", ak.Public, must(ak.Certify(tpmtest.Certification{Public: restricted, Nonce: nonce})), nonce, tpm.ReasonKeyProperties},
		{"decrypting key", ak.Public, must(ak.Certify(tpmtest.Certification{Public: decrypting, Nonce: nonce})), nonce, tpm.ReasonKeyProperties},
		{"exportable key", ak.Public, must(ak.Certify(tpmtest.Certification{Public: exportable, Nonce: nonce})), nonce, tpm.ReasonKeyProperties},
		{"imported key", ak.Public, must(ak.Certify(tpmtest.Certification{Public: imported, Nonce: nonce})), nonce, tpm.ReasonKeyProperties},
		{"empty signature", ak.Public, attest.CertificationParameters{Public: genuine.Public, CreateAttestation: genuine.CreateAttestation}, nonce, tpm.ReasonMalformed},
		{"garbage AK", []byte{0, 1, 2, 3}, genuine, nonce, tpm.ReasonMalformed},
		{"garbage attestation", ak.Public, attest.CertificationParameters{Public: genuine.Public, CreateAttestation: []byte("not a TPMS_ATTEST"), CreateSignature: genuine.CreateSignature}, nonce, tpm.ReasonCertification},
		{"oversized public", ak.Public, attest.CertificationParameters{Public: make([]byte, tpm.MaxStructureBytes+1), CreateAttestation: genuine.CreateAttestation, CreateSignature: genuine.CreateSignature}, nonce, tpm.ReasonMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := v.VerifyKey(c.ak, c.cert, c.nonce)
			if r := tpm.ReasonOf(err); r != c.reason {
				t.Fatalf("reason %q, want %q (err %v)", r, c.reason, err)
			}
			if c.reason == "" && !got.PublicKey.Equal(&key.PublicKey) {
				t.Fatal("the certified key is not the one returned")
			}
		})
	}
}

// TestEnrollmentChecksWithoutATPM covers what needs no TPM: refusals
// before the challenge, and the comparison of the answer.
func TestEnrollmentChecksWithoutATPM(t *testing.T) {
	ak := must(tpmtest.NewAK(tpmtest.AKFlags))
	params := must(ak.CreationParameters(0))
	ekKey := must(rsa.GenerateKey(rand.Reader, 2048))
	ekPub := must(x509MarshalPKIX(&ekKey.PublicKey))

	strict, err := tpm.NewVerifier(tpm.Config{EKRoots: nil, Now: func() time.Time { return now }})
	if err == nil || strict != nil {
		t.Fatal("a verifier without EK roots must need AllowUncertifiedEK")
	}
	v := uncertifiedVerifier(t)

	act, challenge, err := v.StartEnrollment(tpm.EnrollRequest{EKPublic: ekPub, AK: params})
	if err != nil {
		t.Fatal(err)
	}
	if len(challenge.Credential) == 0 || len(challenge.Secret) == 0 || len(act.Secret) == 0 {
		t.Fatal("empty challenge")
	}
	if _, err := v.CompleteEnrollment(act, []byte("wrong answer")); tpm.ReasonOf(err) != tpm.ReasonActivation {
		t.Fatalf("wrong answer: %v", err)
	}
	enrolled, err := v.CompleteEnrollment(act, act.Secret)
	if err != nil || !slices.Equal(enrolled.Public, ak.Public) {
		t.Fatalf("right answer: %v", err)
	}
	later := must(tpm.NewVerifier(tpm.Config{AllowUncertifiedEK: true, Now: func() time.Time { return now.Add(6 * time.Minute) }}))
	if _, err := later.CompleteEnrollment(act, act.Secret); tpm.ReasonOf(err) != tpm.ReasonActivation {
		t.Fatalf("expired activation: %v", err)
	}

	notGenerated := must(ak.CreationParameters(0x01020304))
	unrestricted := must(tpmtest.NewAK(tpmtest.KeyFlags))
	tampered := params
	tampered.CreateData = append(slices.Clone(params.CreateData), 0)
	smallEK := must(rsa.GenerateKey(rand.Reader, 1024))
	for _, c := range []struct {
		name   string
		v      *tpm.Verifier
		req    tpm.EnrollRequest
		reason tpm.Reason
	}{
		{"AK not generated by a TPM", v, tpm.EnrollRequest{EKPublic: ekPub, AK: notGenerated}, tpm.ReasonAttestationKey},
		{"AK not restricted", v, tpm.EnrollRequest{EKPublic: ekPub, AK: must(unrestricted.CreationParameters(0))}, tpm.ReasonAttestationKey},
		{"creation data swapped", v, tpm.EnrollRequest{EKPublic: ekPub, AK: tampered}, tpm.ReasonAttestationKey},
		{"no EK", v, tpm.EnrollRequest{AK: params}, tpm.ReasonMalformed},
		{"garbage EK", v, tpm.EnrollRequest{EKPublic: []byte{1, 2, 3}, AK: params}, tpm.ReasonMalformed},
		{"RSA-1024 EK", v, tpm.EnrollRequest{EKPublic: must(x509MarshalPKIX(&smallEK.PublicKey)), AK: params}, tpm.ReasonEKCertificate},
		{"garbage EK certificate", v, tpm.EnrollRequest{EKCertificate: []byte("junk"), AK: params}, tpm.ReasonEKCertificate},
		{"empty AK", v, tpm.EnrollRequest{EKPublic: ekPub}, tpm.ReasonMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := c.v.StartEnrollment(c.req)
			if r := tpm.ReasonOf(err); r != c.reason {
				t.Fatalf("reason %q, want %q (err %v)", r, c.reason, err)
			}
		})
	}
}
