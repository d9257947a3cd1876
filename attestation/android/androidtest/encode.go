package androidtest

import (
	"encoding/asn1"
	"time"

	"github.com/pramaan/pramaan/attestation/android"
)

// KeyDescriptionDER encodes the KeyDescription KeyOptions describe.
func KeyDescriptionDER(o KeyOptions) ([]byte, error) {
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	level := o.Level
	if level == 0 {
		level = android.TrustedEnvironment
	}
	kmLevel := level
	if o.KeyMintLevel != nil {
		kmLevel = *o.KeyMintLevel
	}
	patch := o.OSPatchLevel
	if patch == 0 {
		patch = int64(now.UTC().Year()*100 + int(now.UTC().Month()))
	}
	pkg, digest := o.Package, o.SigningDigest
	if pkg == "" {
		pkg = WalletPackage
	}
	if digest == nil {
		digest = WalletSigningDigest()
	}
	origin := int64(android.OriginGenerated)
	if o.Origin != nil {
		origin = *o.Origin
	}
	state, locked := android.BootVerified, true
	if o.Unlocked {
		state, locked = android.BootUnverified, false
	}
	aaid, err := asn1.Marshal(struct {
		Packages []struct {
			Name    []byte
			Version int64
		} `asn1:"set"`
		Digests [][]byte `asn1:"set"`
	}{
		Packages: []struct {
			Name    []byte
			Version int64
		}{{Name: []byte(pkg), Version: 1}},
		Digests: [][]byte{digest},
	})
	if err != nil {
		return nil, err
	}
	rot, err := asn1.Marshal(struct {
		Key    []byte
		Locked bool
		State  asn1.Enumerated
		Hash   []byte
	}{make([]byte, 32), locked, asn1.Enumerated(state), make([]byte, 32)})
	if err != nil {
		return nil, err
	}
	sw := []element{
		{701, must(asn1.Marshal(now.UnixMilli()))},
		{709, must(asn1.Marshal(aaid))},
	}
	hw := []element{
		{1, must(asn1.MarshalWithParams([]int64{android.PurposeSign}, "set"))},
		{2, must(asn1.Marshal(int64(android.AlgorithmEC)))},
		{3, must(asn1.Marshal(int64(256)))},
		{5, must(asn1.MarshalWithParams([]int64{4}, "set"))},
		{10, must(asn1.Marshal(int64(android.CurveP256)))},
		{503, must(asn1.Marshal(asn1.NullRawValue))},
		{702, must(asn1.Marshal(origin))},
		{704, rot},
		{705, must(asn1.Marshal(int64(160000)))},
		{706, must(asn1.Marshal(patch))},
		{718, must(asn1.Marshal(patch*100 + 5))},
		{719, must(asn1.Marshal(patch*100 + 5))},
	}
	for _, u := range o.ExtraHardwareTags {
		hw = append(hw, element{u.Tag, u.DER})
	}
	swDER, err := authorizationList(sw)
	if err != nil {
		return nil, err
	}
	hwDER, err := authorizationList(hw)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(struct {
		AttestationVersion       int64
		AttestationSecurityLevel asn1.Enumerated
		KeyMintVersion           int64
		KeyMintSecurityLevel     asn1.Enumerated
		Challenge                []byte
		UniqueID                 []byte
		Software                 asn1.RawValue
		Hardware                 asn1.RawValue
	}{
		400, asn1.Enumerated(level), 400, asn1.Enumerated(kmLevel), o.Challenge, []byte{},
		asn1.RawValue{FullBytes: swDER}, asn1.RawValue{FullBytes: hwDER},
	})
}

type element struct {
	tag int
	der []byte
}

// authorizationList encodes elements as [tag] EXPLICIT values in a SEQUENCE.
func authorizationList(els []element) ([]byte, error) {
	var content []byte
	for _, e := range els {
		b, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: e.tag, IsCompound: true, Bytes: e.der})
		if err != nil {
			return nil, err
		}
		content = append(content, b...)
	}
	return asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: content})
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
