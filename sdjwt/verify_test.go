package sdjwt_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/sdjwt"
)

func TestVerifyOutcomes(t *testing.T) {
	issued := issueVC(t)
	full := issued.String()
	pres, err := issued.Present(holderKB(), sdjwt.Path{"address", "locality"}, sdjwt.Path{"name"})
	if err != nil {
		t.Fatal(err)
	}
	presented := pres.String()
	jwt := issued.IssuerJWT()
	firstDisc := issued.Disclosures[0].Encoded

	other, err := (&sdjwt.Issuer{Signer: testIssuerKey}).Issue(map[string]any{"x": sdjwt.SD("y")})
	if err != nil {
		t.Fatal(err)
	}
	foreign := other.Disclosures[0].Encoded

	staleKB, _ := issued.Present(&sdjwt.KeyBinding{Signer: testHolderKey, Audience: testAud, Nonce: testNonce, IssuedAt: testNow.Add(-time.Hour)}, sdjwt.Path{"name"})
	otherAud, _ := issued.Present(&sdjwt.KeyBinding{Signer: testHolderKey, Audience: "https://evil.example", Nonce: testNonce, IssuedAt: testNow}, sdjwt.Path{"name"})
	otherNonce, _ := issued.Present(&sdjwt.KeyBinding{Signer: testHolderKey, Audience: testAud, Nonce: "other", IssuedAt: testNow}, sdjwt.Path{"name"})
	wrongHolder, _ := issued.Present(&sdjwt.KeyBinding{Signer: testOtherKey, Audience: testAud, Nonce: testNonce, IssuedAt: testNow}, sdjwt.Path{"name"})
	// sd_hash: a KB-JWT made for one set of disclosures, sent with another.
	kbOnly := presented[strings.LastIndex(presented, "~")+1:]
	swapped := jwt + "~" + firstDisc + "~" + kbOnly

	pubBytes, _ := testIssuerKey.PublicKey.Bytes()
	hsInput := b64(`{"alg":"HS256","typ":"dc+sd-jwt","kid":"k1"}`) + "." + b64(`{"iss":"`+testIss+`","vct":"x"}`)
	mac := hmac.New(sha256.New, pubBytes)
	mac.Write([]byte(hsInput))
	hs256 := hsInput + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)) + "~"
	none := b64(`{"alg":"none","typ":"dc+sd-jwt","kid":"k1"}`) + "." + b64(`{"iss":"`+testIss+`","vct":"x"}`) + ".~"

	const hdr = `{"alg":"ES256","typ":"dc+sd-jwt","kid":"k1"}`
	vcBase := `"iss":"` + testIss + `","vct":"urn:x"`
	dGiven, dgGiven := disclosure(`["salt-1", "given_name", "Asha"]`)
	dElem, dgElem := disclosure(`["salt-2", "IN"]`)
	dRes, dgRes := disclosure(`["salt-3", "_sd", "x"]`)
	dVct, dgVct := disclosure(`["salt-4", "vct", "urn:x"]`)
	craft := func(payload string, ds ...string) string {
		s := signCompact(t, hdr, payload) + "~"
		for _, d := range ds {
			s += d + "~"
		}
		return s
	}

	tests := []struct {
		name  string
		in    string
		vc    bool
		tweak func(v *sdjwt.Verifier)
		want  error
	}{
		{name: "ok/vc presentation with key binding", in: presented, vc: true},
		{name: "ok/issued vc without key binding", in: full, vc: true, tweak: noKB},
		{name: "fail/malformed base64url in the JWT header", in: "!" + full[1:], want: sdjwt.ErrMalformed},
		{name: "fail/malformed base64url in a disclosure", in: jwt + "~WyJ*~", want: sdjwt.ErrMalformed},
		{name: "fail/malformed base64url in the KB-JWT", in: full + "eyJ*.e30.AA", want: sdjwt.ErrMalformed},
		{name: "fail/disclosure not referenced", in: full + foreign + "~", tweak: noKB, want: sdjwt.ErrDisclosureUnreferenced},
		{name: "fail/disclosure presented twice", in: full + firstDisc + "~", tweak: noKB, want: sdjwt.ErrDisclosureReused},
		{name: "fail/duplicate digest", in: craft(`{` + vcBase + `,"_sd":["` + dgGiven + `","` + dgGiven + `"]}`), tweak: noKB, want: sdjwt.ErrDigestNotUnique},
		{name: "fail/duplicate digest across array and _sd", in: craft(`{` + vcBase + `,"_sd":["` + dgElem + `"],"n":[{"...":"` + dgElem + `"}]}`), tweak: noKB, want: sdjwt.ErrDigestNotUnique},
		{name: "fail/alg none", in: none, tweak: noKB, want: sdjwt.ErrAlgorithmNotAllowed},
		{name: "fail/HS256 with the public key as MAC secret", in: hs256, tweak: noKB, want: sdjwt.ErrAlgorithmNotAllowed},
		{name: "fail/HS256 even when listed", in: hs256, tweak: func(v *sdjwt.Verifier) { noKB(v); v.Algorithms = []string{"HS256", "ES256"} }, want: sdjwt.ErrAlgorithmNotAllowed},
		{name: "fail/ES256 not on the allow-list", in: full, tweak: func(v *sdjwt.Verifier) { noKB(v); v.Algorithms = []string{"EdDSA"} }, want: sdjwt.ErrAlgorithmNotAllowed},
		{name: "fail/signature by an untrusted key", in: full, tweak: func(v *sdjwt.Verifier) { noKB(v); v.Keys = sdjwt.StaticKey(testOtherKey.Public()) }, want: sdjwt.ErrSignature},
		{name: "fail/unknown kid", in: full, tweak: func(v *sdjwt.Verifier) { noKB(v); v.Keys = sdjwt.NewJWKS(nil) }, want: sdjwt.ErrUntrustedKey},
		{name: "fail/KB-JWT for another audience", in: otherAud.String(), want: sdjwt.ErrAudience},
		{name: "fail/KB-JWT with another nonce", in: otherNonce.String(), want: sdjwt.ErrNonce},
		{name: "fail/stale KB-JWT iat", in: staleKB.String(), want: sdjwt.ErrStale},
		{name: "fail/KB-JWT iat in the future", in: presented, tweak: func(v *sdjwt.Verifier) { v.Now = func() time.Time { return testNow.Add(-time.Hour) } }, want: sdjwt.ErrNotYetValid},
		{name: "fail/wrong sd_hash", in: swapped, want: sdjwt.ErrSDHash},
		{name: "fail/KB-JWT signed by another key", in: wrongHolder.String(), want: sdjwt.ErrSignature},
		{name: "fail/key binding required but absent", in: full, want: sdjwt.ErrKeyBinding},
		{name: "fail/oversized SD-JWT", in: full, tweak: func(v *sdjwt.Verifier) { v.Limits.MaxSize = 1024 }, want: sdjwt.ErrTooLarge},
		{name: "fail/too many disclosures", in: full, tweak: func(v *sdjwt.Verifier) { noKB(v); v.Limits.MaxDisclosures = 3 }, want: sdjwt.ErrTooLarge},
		{name: "fail/reserved claim name _sd in a disclosure", in: craft(`{`+vcBase+`,"_sd":["`+dgRes+`"]}`, dRes), tweak: noKB, want: sdjwt.ErrReservedName},
		{name: "fail/disclosed claim already exists", in: craft(`{`+vcBase+`,"given_name":"B","_sd":["`+dgGiven+`"]}`, dGiven), tweak: noKB, want: sdjwt.ErrClaimExists},
		{name: "fail/array-element disclosure in _sd", in: craft(`{`+vcBase+`,"_sd":["`+dgElem+`"]}`, dElem), tweak: noKB, want: sdjwt.ErrDisclosureMismatch},
		{name: "fail/object-property disclosure in an array", in: craft(`{`+vcBase+`,"n":[{"...":"`+dgGiven+`"}]}`, dGiven), tweak: noKB, want: sdjwt.ErrDisclosureMismatch},
		{name: "fail/unsupported _sd_alg", in: craft(`{` + vcBase + `,"_sd_alg":"md5"}`), tweak: noKB, want: sdjwt.ErrUnsupportedHash},
		{name: "fail/_sd not an array of strings", in: craft(`{` + vcBase + `,"_sd":[1]}`), tweak: noKB, want: sdjwt.ErrMalformed},
		{name: "fail/duplicate JSON member", in: craft(`{` + vcBase + `,"a":1,"a":2}`), tweak: noKB, want: sdjwt.ErrMalformed},
		{name: "fail/JSON nested too deep", in: craft(`{` + vcBase + `,"a":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`), tweak: noKB, want: sdjwt.ErrTooLarge},
		{name: "fail/vct selectively disclosed", in: craft(`{"iss":"`+testIss+`","_sd":["`+dgVct+`"]}`, dVct), vc: true, tweak: noKB, want: sdjwt.ErrNotDisclosable},
		{name: "fail/vct missing", in: craft(`{"iss":"` + testIss + `"}`), vc: true, tweak: noKB, want: sdjwt.ErrMissingClaim},
		{name: "fail/iss missing without x5c", in: craft(`{"vct":"urn:x"}`), vc: true, tweak: noKB, want: sdjwt.ErrMissingClaim},
		{name: "fail/wrong typ for SD-JWT VC", in: signCompact(t, `{"alg":"ES256","typ":"example+sd-jwt","kid":"k1"}`, `{`+vcBase+`}`) + "~", vc: true, tweak: noKB, want: sdjwt.ErrType},
		{name: "fail/expired", in: full, vc: true, tweak: func(v *sdjwt.Verifier) {
			noKB(v)
			v.Now = func() time.Time { return testNow.Add(400 * 24 * time.Hour) }
		}, want: sdjwt.ErrExpired},
		{name: "fail/not yet valid (iat in the future)", in: full, vc: true, tweak: func(v *sdjwt.Verifier) { noKB(v); v.Now = func() time.Time { return testNow.Add(-3 * time.Hour) } }, want: sdjwt.ErrNotYetValid},
		{name: "fail/crit header", in: signCompact(t, `{"alg":"ES256","typ":"dc+sd-jwt","kid":"k1","crit":["x"],"x":1}`, `{`+vcBase+`}`) + "~", tweak: noKB, want: sdjwt.ErrMalformed},
		{name: "fail/not an SD-JWT", in: jwt, want: sdjwt.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := testVerifier()
			if tc.tweak != nil {
				tc.tweak(v)
			}
			verify := v.Verify
			if tc.vc {
				verify = v.VerifyVC
			}
			res, err := verify(context.Background(), []byte(tc.in))
			if tc.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if res == nil || len(res.Claims) == 0 {
					t.Fatal("no claims")
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got error %v, want %v", err, tc.want)
			}
		})
	}
}

func noKB(v *sdjwt.Verifier) { v.RequireKeyBinding = false }

func TestPresentationRevealsParents(t *testing.T) {
	pres, err := issueVC(t).Present(holderKB(), sdjwt.Path{"address", "locality"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := testVerifier().VerifyVC(context.Background(), []byte(pres.String()))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"locality": "Indiranagar"}
	if got := res.Claims["address"]; !jsonEqual(got, want) {
		t.Fatalf("address = %v, want %v", got, want)
	}
	for _, hidden := range []string{"name", "portrait", "birth_date"} {
		if _, ok := res.Claims[hidden]; ok {
			t.Errorf("%s disclosed", hidden)
		}
	}
	if len(res.Disclosures) != 2 || res.Disclosures[0].Path.String() != `["address"]` || res.Disclosures[1].Path.String() != `["address","locality"]` {
		t.Fatalf("disclosures = %v", res.Disclosures)
	}
	if res.VC == nil || res.VC.VCT == "" || res.VC.Issuer != testIss || res.VC.Cnf == nil || res.VC.Expiry.IsZero() {
		t.Fatalf("VC claims = %+v", res.VC)
	}
	if res.KeyBinding == nil || res.KeyBinding.Audience != testAud || res.KeyBinding.Nonce != testNonce || !res.KeyBinding.IssuedAt.Equal(testNow) {
		t.Fatalf("key binding = %+v", res.KeyBinding)
	}
	if res.Header.Typ != sdjwt.TypeVC || res.Header.Kid != "k1" || res.Header.Alg != "ES256" {
		t.Fatalf("header = %+v", res.Header)
	}
}

func TestSelectUnknownPath(t *testing.T) {
	_, err := issueVC(t).Select(sdjwt.Path{"address", "street"})
	if !errors.Is(err, sdjwt.ErrUnknownPath) {
		t.Fatalf("got %v, want ErrUnknownPath", err)
	}
}

func TestIssueVCRefusesNonDisclosable(t *testing.T) {
	for _, name := range []string{"iss", "exp", "nbf", "cnf", "vct", "status"} {
		t.Run("fail/"+name, func(t *testing.T) {
			c := aadhaarClaims()
			c["nbf"], c["status"] = testNow.Unix(), map[string]any{"status_list": map[string]any{"idx": 1, "uri": "https://x"}}
			c[name] = sdjwt.SD(c[name])
			_, err := (&sdjwt.Issuer{Signer: testIssuerKey}).IssueVC(c)
			if !errors.Is(err, sdjwt.ErrNotDisclosable) {
				t.Fatalf("got %v, want ErrNotDisclosable", err)
			}
		})
	}
	c := aadhaarClaims()
	delete(c, "vct")
	if _, err := (&sdjwt.Issuer{Signer: testIssuerKey}).IssueVC(c); !errors.Is(err, sdjwt.ErrMissingClaim) {
		t.Fatalf("vct missing: got %v", err)
	}
}

func TestIssueOptions(t *testing.T) {
	for _, alg := range []string{sdjwt.SHA256, sdjwt.SHA384, sdjwt.SHA512} {
		t.Run("ok/"+alg+" with decoys", func(t *testing.T) {
			is := &sdjwt.Issuer{Signer: testIssuerKey, KeyID: "k1", HashAlg: alg, MinDecoys: 2, MaxDecoys: 4}
			s, err := is.IssueVC(aadhaarClaims())
			if err != nil {
				t.Fatal(err)
			}
			v := testVerifier()
			v.RequireKeyBinding = false
			res, err := v.VerifyVC(context.Background(), []byte(s.String()))
			if err != nil {
				t.Fatal(err)
			}
			if res.SDAlg != alg || len(res.Disclosures) != 11 || res.Claims["aadhaar_last4"] != "4821" {
				t.Fatalf("sd_alg %s, %d disclosures, claims %v", res.SDAlg, len(res.Disclosures), res.Claims["aadhaar_last4"])
			}
			for _, d := range s.Disclosures {
				raw, _ := base64.RawURLEncoding.DecodeString(d.Encoded)
				if !strings.HasPrefix(string(raw), `["`) || len(d.Salt) != 22 {
					t.Fatalf("disclosure %s / salt %q", raw, d.Salt)
				}
			}
		})
	}
}

func TestJSONSerializationRoundTrip(t *testing.T) {
	pres, err := issueVC(t).Present(holderKB(), sdjwt.Path{"name"})
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func() ([]byte, error){"flattened": pres.FlattenedJSON, "general": pres.GeneralJSON} {
		t.Run("ok/"+name, func(t *testing.T) {
			b, err := f()
			if err != nil {
				t.Fatal(err)
			}
			res, err := testVerifier().VerifyVC(context.Background(), b)
			if err != nil {
				t.Fatal(err)
			}
			if res.Claims["name"] != "Asha Kumari" {
				t.Fatalf("name = %v", res.Claims["name"])
			}
		})
	}
}

func TestMetadataResolver(t *testing.T) {
	jwk, _ := sdjwt.PublicJWK(testIssuerKey.Public())
	jwk["kid"] = "k1"
	jwkJSON, _ := jsonMarshal(jwk)
	docs := map[string]string{
		"https://pramaan.example.in/.well-known/jwt-vc-issuer": `{"issuer":"` + testIss + `","jwks_uri":"https://pramaan.example.in/jwks.json"}`,
		"https://pramaan.example.in/jwks.json":                 `{"keys":[` + string(jwkJSON) + `]}`,
	}
	fetch := func(_ context.Context, url string) ([]byte, error) {
		if d, ok := docs[url]; ok {
			return []byte(d), nil
		}
		return nil, errors.New("404")
	}
	v := testVerifier()
	v.Keys = &sdjwt.MetadataResolver{Fetch: fetch}
	v.RequireKeyBinding = false
	if _, err := v.VerifyVC(context.Background(), []byte(issueVC(t).String())); err != nil {
		t.Fatalf("ok/jwks_uri: %v", err)
	}
	docs["https://pramaan.example.in/.well-known/jwt-vc-issuer"] = `{"issuer":"https://other.example","jwks_uri":"https://pramaan.example.in/jwks.json"}`
	if _, err := v.VerifyVC(context.Background(), []byte(issueVC(t).String())); !errors.Is(err, sdjwt.ErrIssuerMismatch) {
		t.Fatalf("fail/issuer mismatch: got %v", err)
	}
}
