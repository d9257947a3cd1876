package android_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/pramaan/pramaan/attestation/android"
	"github.com/pramaan/pramaan/attestation/android/androidtest"
)

var synthNow = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

type synth struct {
	ca     *androidtest.CA
	status *android.StatusList
}

func newSynth(t testing.TB) *synth {
	t.Helper()
	ca, err := androidtest.NewCA(synthNow)
	if err != nil {
		t.Fatal(err)
	}
	return &synth{ca: ca, status: &android.StatusList{Entries: map[string]android.StatusEntry{}}}
}

func (s *synth) verifier(t testing.TB, p android.Policy) *android.Verifier {
	t.Helper()
	v, err := android.NewVerifier(android.Config{Roots: s.ca.Roots(), Policy: p, Status: android.StaticStatus{List: s.status}})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (s *synth) chain(t testing.TB, o androidtest.KeyOptions) (*ecdsa.PrivateKey, [][]byte) {
	t.Helper()
	if o.Challenge == nil {
		o.Challenge = []byte("c_nonce-1")
	}
	if o.Now.IsZero() {
		o.Now = synthNow
	}
	key, chain, err := s.ca.NewKey(o)
	if err != nil {
		t.Fatal(err)
	}
	return key, chain
}

func walletPolicy() android.Policy {
	p := android.StrictPolicy()
	p.Apps = []android.App{{Package: androidtest.WalletPackage, SigningCertDigests: []string{fmt.Sprintf("%x", androidtest.WalletSigningDigest())}}}
	return p
}

func TestSyntheticChainPassesTheStrictPolicyWithAnApp(t *testing.T) {
	s := newSynth(t)
	key, chain := s.chain(t, androidtest.KeyOptions{})
	res, err := s.verifier(t, walletPolicy()).Verify(context.Background(), chain, []byte("c_nonce-1"), synthNow)
	if err != nil {
		t.Fatal(err)
	}
	pub, ok := res.PublicKey.(*ecdsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		t.Fatal("the result's public key is not the leaf key")
	}
	if res.Provisioning != "rkp" || res.VerifiedBootState != "VERIFIED" || !*res.DeviceLocked || res.Key.Algorithm != android.KeyECP256 {
		t.Fatalf("unexpected result %+v", res)
	}
}

func TestAttacksAndBadChainsFailForTheirOneReason(t *testing.T) {
	s := newSynth(t)
	ctx := context.Background()
	challenge := []byte("c_nonce-1")
	v := s.verifier(t, walletPolicy())
	genuineKey, genuine := s.chain(t, androidtest.KeyOptions{})

	// Chain extension: the holder of a genuinely attested SIGN key signs a
	// forged leaf with a hand-written KeyDescription (say, another
	// challenge) and prepends it.
	forgedKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	forgedExt, err := androidtest.KeyDescriptionDER(androidtest.KeyOptions{Challenge: []byte("attacker-nonce"), Now: synthNow})
	if err != nil {
		t.Fatal(err)
	}
	genuineLeaf := mustParse(t, genuine[0])
	forged, err := s.ca.Leaf(&forgedKey.PublicKey, forgedExt, genuineLeaf, genuineKey)
	if err != nil {
		t.Fatal(err)
	}
	extended := append([][]byte{forged.Raw}, genuine[:len(genuine)-1]...)
	extended = append(extended, genuine[len(genuine)-1])

	// A leaf forged under the attestation key's certificate but signed by
	// another key.
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ext, _ := androidtest.KeyDescriptionDER(androidtest.KeyOptions{Challenge: challenge, Now: synthNow})
	impostor := *s.ca.AttestKey // same name, another key
	impostor.PublicKey = &otherKey.PublicKey
	badSig, err := s.ca.Leaf(&forgedKey.PublicKey, ext, &impostor, otherKey)
	if err != nil {
		t.Fatal(err)
	}
	noExt, err := s.ca.Leaf(&forgedKey.PublicKey, nil, s.ca.AttestKey, s.ca.AttestationKey())
	if err != nil {
		t.Fatal(err)
	}

	sw := android.Software
	imported := int64(android.OriginImported)
	_, mismatch := s.chain(t, androidtest.KeyOptions{KeyMintLevel: &sw})
	_, strongboxWanted := s.chain(t, androidtest.KeyOptions{})
	_, importedKey := s.chain(t, androidtest.KeyOptions{Origin: &imported})
	_, unlocked := s.chain(t, androidtest.KeyOptions{Unlocked: true})
	_, stale := s.chain(t, androidtest.KeyOptions{OSPatchLevel: 202401})
	_, otherApp := s.chain(t, androidtest.KeyOptions{Package: "com.example.malware"})
	_, otherSigner := s.chain(t, androidtest.KeyOptions{SigningDigest: make([]byte, 32)})
	_, dupTag := s.chain(t, androidtest.KeyOptions{ExtraHardwareTags: []android.UnknownTag{{Tag: 706, DER: []byte{0x02, 0x01, 0x01}}}})
	_, badBool := s.chain(t, androidtest.KeyOptions{ExtraHardwareTags: []android.UnknownTag{{Tag: 9999, DER: []byte{0x01, 0x01, 0x01}}}})

	strongbox := walletPolicy()
	strongbox.MinSecurityLevel = android.StrongBox
	vStrongBox := s.verifier(t, strongbox)

	cases := []struct {
		name  string
		v     *android.Verifier
		chain [][]byte
		chall []byte
		at    time.Time
		want  android.Reason
		cert  int
	}{
		{"chain extended with a forged leaf under a genuine attested key", v, extended, []byte("attacker-nonce"), synthNow, android.ReasonExtensionPlacement, 1},
		{"leaf signed by another key", v, replace(genuine, 0, badSig.Raw), challenge, synthNow, android.ReasonSignature, 0},
		{"leaf without the extension", v, replace(genuine, 0, noExt.Raw), challenge, synthNow, android.ReasonExtensionPlacement, 0},
		{"wrong challenge", v, genuine, []byte("c_nonce-2"), synthNow, android.ReasonChallenge, 0},
		{"empty expected challenge", v, genuine, nil, synthNow, android.ReasonChallenge, 0},
		{"truncated: root missing", v, genuine[:len(genuine)-1], challenge, synthNow, android.ReasonUntrustedRoot, len(genuine) - 2},
		{"truncated: an intermediate missing", v, slices.Delete(slices.Clone(genuine), 2, 3), challenge, synthNow, android.ReasonNameChaining, 1},
		{"reordered intermediates", v, swap(genuine, 1, 2), challenge, synthNow, android.ReasonNameChaining, 2},
		{"leaf alone", v, genuine[:1], challenge, synthNow, android.ReasonChainLength, -1},
		{"seven certificates", v, append(slices.Clone(genuine), genuine[1], genuine[2]), challenge, synthNow, android.ReasonChainLength, -1},
		{"garbage DER", v, replace(genuine, 1, []byte{0x30, 0x03, 0x02, 0x01}), challenge, synthNow, android.ReasonMalformedCertificate, 1},
		{"empty certificate", v, replace(genuine, 2, nil), challenge, synthNow, android.ReasonMalformedCertificate, 2},
		{"attestation key certificate expired (RKP chains are held to their dates)", v, genuine, challenge, synthNow.AddDate(0, 1, 0), android.ReasonValidity, 1},
		{"before the intermediates' validity", v, genuine, challenge, synthNow.AddDate(0, 0, -3), android.ReasonValidity, 1},
		{"attestation by the TEE of a software key", v, mismatch, challenge, synthNow, android.ReasonSecurityLevel, 0},
		{"TEE key where StrongBox is required", vStrongBox, strongboxWanted, challenge, synthNow, android.ReasonSecurityLevel, 0},
		{"imported key", v, importedKey, challenge, synthNow, android.ReasonKeyProperties, 0},
		{"unlocked device", v, unlocked, challenge, synthNow, android.ReasonVerifiedBoot, 0},
		{"patch level older than 12 months", v, stale, challenge, synthNow, android.ReasonPatchLevel, 0},
		{"another app", v, otherApp, challenge, synthNow, android.ReasonApplication, 0},
		{"the wallet's package signed by another certificate", v, otherSigner, challenge, synthNow, android.ReasonApplication, 0},
		{"tag repeated in a list", v, dupTag, challenge, synthNow, android.ReasonKeyDescription, 0},
		{"non-DER boolean in an unknown tag is kept, not parsed", v, badBool, challenge, synthNow, "", -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := c.v.Verify(ctx, c.chain, c.chall, c.at)
			if got := android.ReasonOf(err); got != c.want {
				t.Fatalf("reason %q, want %q (err: %v)", got, c.want, err)
			}
			if c.want == "" {
				return
			}
			var f *android.Failure
			if !errors.As(err, &f) || f.Cert != c.cert {
				t.Fatalf("failure names certificate %d, want %d (%v)", f.Cert, c.cert, err)
			}
			if res == nil || res.Valid || res.Reason != c.want {
				t.Fatalf("result %+v does not carry the reason", res)
			}
		})
	}
}

func TestATamperedIntermediateFailsAfterTheGenuineOneWasCached(t *testing.T) {
	s := newSynth(t)
	v := s.verifier(t, walletPolicy())
	_, chain := s.chain(t, androidtest.KeyOptions{})
	if _, err := v.Verify(context.Background(), chain, []byte("c_nonce-1"), synthNow); err != nil {
		t.Fatal(err)
	}
	tampered := slices.Clone(chain[2])
	tampered[len(tampered)-1] ^= 0x01 // inside the signature
	_, err := v.Verify(context.Background(), replace(chain, 2, tampered), []byte("c_nonce-1"), synthNow)
	var f *android.Failure
	if !errors.As(err, &f) || f.Reason != android.ReasonSignature || f.Cert != 2 {
		t.Fatalf("got %v, want a signature failure at certificate 2", err)
	}
}

func TestRevokedOrSuspendedCertificatesAndAnUnavailableListFailTheChain(t *testing.T) {
	s := newSynth(t)
	_, chain := s.chain(t, androidtest.KeyOptions{})
	ctx := context.Background()
	for i, name := range []string{"leaf", "attestation key", "Droid CA3", "Droid CA2", "root"} {
		for _, status := range []string{android.StatusRevoked, android.StatusSuspended, "SOMETHING_NEW"} {
			t.Run(name+"/"+status, func(t *testing.T) {
				s.status.Entries = map[string]android.StatusEntry{android.SerialKey(mustParse(t, chain[i]).SerialNumber): {Status: status, Reason: "KEY_COMPROMISE"}}
				_, err := s.verifier(t, walletPolicy()).Verify(ctx, chain, []byte("c_nonce-1"), synthNow)
				var f *android.Failure
				if !errors.As(err, &f) || f.Reason != android.ReasonRevoked || f.Cert != i {
					t.Fatalf("got %v, want revoked at certificate %d", err, i)
				}
			})
		}
	}
	v, err := android.NewVerifier(android.Config{Roots: s.ca.Roots(), Policy: walletPolicy(), Status: failingStatus{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, chain, []byte("c_nonce-1"), synthNow); android.ReasonOf(err) != android.ReasonRevocationUnavailable {
		t.Fatalf("unavailable list: %v", err)
	}
	if _, err := android.NewVerifier(android.Config{Roots: s.ca.Roots(), Policy: walletPolicy()}); err == nil {
		t.Fatal("a verifier without a status source and without SkipRevocation was built")
	}
}

type failingStatus struct{}

func (failingStatus) StatusList(context.Context) (*android.StatusList, error) {
	return nil, errors.New("network down")
}

func TestUnknownTagsAreKeptAndDoNotHideKnownOnes(t *testing.T) {
	ext, err := androidtest.KeyDescriptionDER(androidtest.KeyOptions{
		Challenge: []byte("x"), Now: synthNow,
		ExtraHardwareTags: []android.UnknownTag{{Tag: 800, DER: []byte{0x02, 0x01, 0x07}}, {Tag: 9999, DER: []byte{0x04, 0x00}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	kd, err := android.ParseKeyDescription(ext)
	if err != nil {
		t.Fatal(err)
	}
	hw := kd.HardwareEnforced
	if len(hw.Unknown) != 2 || hw.Unknown[0].Tag != 800 || hw.Unknown[1].Tag != 9999 || string(hw.Unknown[0].DER) != "\x02\x01\x07" {
		t.Fatalf("unknown tags %+v", hw.Unknown)
	}
	if hw.RootOfTrust == nil || hw.OSPatchLevel == nil || hw.BootPatchLevel == nil || !hw.TagsInOrder {
		t.Fatal("known tags were lost next to unknown ones")
	}
}

func TestKeyDescriptionRefusesWhatBreaksTheSchema(t *testing.T) {
	valid, err := androidtest.KeyDescriptionDER(androidtest.KeyOptions{Challenge: []byte("x"), Now: synthNow})
	if err != nil {
		t.Fatal(err)
	}
	longChallenge, _ := androidtest.KeyDescriptionDER(androidtest.KeyOptions{Challenge: make([]byte, 129), Now: synthNow})
	for name, der := range map[string][]byte{
		"empty":            nil,
		"not a sequence":   {0x02, 0x01, 0x01},
		"trailing data":    append(slices.Clone(valid), 0x00),
		"truncated":        valid[:len(valid)-3],
		"challenge of 129": longChallenge,
		"seven fields":     mustMarshal(t, asn1.RawValue{Class: 0, Tag: 16, IsCompound: true, Bytes: []byte{2, 1, 1, 10, 1, 1, 2, 1, 1, 10, 1, 1, 4, 0, 4, 0, 48, 0}}),
		"security level 3": mustMarshal(t, asn1.RawValue{Class: 0, Tag: 16, IsCompound: true, Bytes: []byte{2, 1, 1, 10, 1, 3, 2, 1, 1, 10, 1, 1, 4, 0, 4, 0, 48, 0, 48, 0}}),
		"untagged element": mustMarshal(t, asn1.RawValue{Class: 0, Tag: 16, IsCompound: true, Bytes: []byte{2, 1, 1, 10, 1, 1, 2, 1, 1, 10, 1, 1, 4, 0, 4, 0, 48, 3, 2, 1, 1, 48, 0}}),
	} {
		if _, err := android.ParseKeyDescription(der); !errors.Is(err, android.ErrKeyDescription) {
			t.Errorf("%s: %v, want ErrKeyDescription", name, err)
		}
	}
	minimal := mustMarshal(t, asn1.RawValue{Class: 0, Tag: 16, IsCompound: true, Bytes: []byte{2, 1, 1, 10, 1, 1, 2, 1, 2, 10, 1, 1, 4, 0, 4, 0, 48, 0, 48, 0}})
	kd, err := android.ParseKeyDescription(minimal)
	if err != nil || kd.AttestationVersion != 1 || kd.KeyMintVersion != 2 {
		t.Fatalf("a version-1 description with empty lists: %+v, %v", kd, err)
	}
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestStatusListFormat(t *testing.T) {
	l, err := android.ParseStatusList([]byte(`{"entries":{"0CC66E9A93713B6E643B26C15879786F7":{"status":"SUSPENDED","reason":"KEY_COMPROMISE"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := new(big.Int).SetString("cc66e9a93713b6e643b26c15879786f7", 16)
	if e, ok := l.Lookup(serial); !ok || e.Status != android.StatusSuspended {
		t.Fatalf("upper case key with a leading zero not found: %v %v", e, ok)
	}
	for _, bad := range []string{``, `[]`, `{}`, `{"entries":{"xyz":{"status":"REVOKED"}}}`, `{"entries":{"ab":{}}}`, `{"entries":{}} {}`} {
		if _, err := android.ParseStatusList([]byte(bad)); !errors.Is(err, android.ErrStatusList) {
			t.Errorf("%q: %v, want ErrStatusList", bad, err)
		}
	}
}

func TestCachedStatusServesTheLastListWithinMaxStaleThenFailsClosed(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/status.json"
	writeFile(t, path, `{"entries":{"abc":{"status":"REVOKED"}}}`)
	now := synthNow
	src, err := android.NewStatusSource(path, android.StatusOptions{TTL: time.Minute, MaxStale: time.Hour, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if l, err := src.StatusList(ctx); err != nil || len(l.Entries) != 1 {
		t.Fatalf("first fetch: %v %v", l, err)
	}
	writeFile(t, path, `{"entries":{"abc":{"status":"REVOKED"},"def":{"status":"SUSPENDED"}}}`)
	if l, _ := src.StatusList(ctx); len(l.Entries) != 1 {
		t.Fatal("refetched within the TTL")
	}
	now = now.Add(2 * time.Minute)
	if l, _ := src.StatusList(ctx); len(l.Entries) != 2 {
		t.Fatal("not refetched after the TTL")
	}
	writeFile(t, path, `not json`)
	now = now.Add(30 * time.Minute)
	if l, err := src.StatusList(ctx); err != nil || len(l.Entries) != 2 {
		t.Fatalf("a failed refresh within MaxStale must serve the last list: %v %v", l, err)
	}
	now = now.Add(31 * time.Minute)
	if _, err := src.StatusList(ctx); !errors.Is(err, android.ErrStatusList) {
		t.Fatalf("past MaxStale: %v, want ErrStatusList", err)
	}
}
