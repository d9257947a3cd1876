package testvectors_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/sdjwt"
)

// aadhaarSDJWTVC issues an Aadhaar-shaped SD-JWT VC with our code: 12
// claims, most selectively disclosable, a structured address whose members
// are disclosable too, bound to the holder key.
func aadhaarSDJWTVC(t *testing.T, issuerKey, holderKey *ecdsa.PrivateKey, now time.Time) *sdjwt.SDJWT {
	t.Helper()
	cnf, err := sdjwt.Cnf(holderKey.Public())
	if err != nil {
		t.Fatal(err)
	}
	claims := map[string]any{
		"iss":           "https://issuer.pramaan.example",
		"vct":           "urn:in.gov.uidai:aadhaar:1",
		"iat":           now.Unix(),
		"exp":           now.Add(365 * 24 * time.Hour).Unix(),
		"cnf":           cnf,
		"name":          sdjwt.SD("आशा देवी (Asha Devi)"),
		"birth_date":    sdjwt.SD("1990-05-17"),
		"gender":        sdjwt.SD("F"),
		"aadhaar_last4": sdjwt.SD("1234"),
		"is_over_18":    sdjwt.SD(true),
		"address": sdjwt.SD(map[string]any{
			"house":    sdjwt.SD("12"),
			"locality": sdjwt.SD("Indiranagar"),
			"district": sdjwt.SD("Bengaluru Urban"),
			"state":    "Karnataka",
			"pincode":  sdjwt.SD("560038"),
		}),
		"nationalities": []any{sdjwt.SD("IN")},
	}
	iss := &sdjwt.Issuer{Signer: issuerKey, KeyID: "pramaan-es256-1", MinDecoys: 1, MaxDecoys: 3}
	sd, err := iss.IssueVC(claims)
	if err != nil {
		t.Fatalf("IssueVC: %v", err)
	}
	return sd
}

func newP256(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestIndependentSDJWTVCAcceptsOursAndRejectsOneByteChanges(t *testing.T) {
	node := requireNode(t)
	issuerKey, holderKey := newP256(t), newP256(t)
	now := time.Now().Truncate(time.Second)
	sd := aadhaarSDJWTVC(t, issuerKey, holderKey, now)

	const aud, nonce = "https://verifier.example.in", "n-0S6_WzA2Mj"
	pres, err := sd.Present(&sdjwt.KeyBinding{Signer: holderKey, Audience: aud, Nonce: nonce, IssuedAt: now},
		sdjwt.Path{"name"}, sdjwt.Path{"birth_date"}, sdjwt.Path{"address", "locality"}, sdjwt.Path{"nationalities", 0})
	if err != nil {
		t.Fatalf("Present: %v", err)
	}
	issuerJWK, err := sdjwt.PublicJWK(issuerKey.Public())
	if err != nil {
		t.Fatal(err)
	}

	// Our own verifier, for the claims the independent one must agree with.
	keys := sdjwt.NewJWKS(map[string]crypto.PublicKey{"pramaan-es256-1": issuerKey.Public()})
	v := &sdjwt.Verifier{Keys: keys, Now: func() time.Time { return now }, RequireKeyBinding: true, Audience: aud, Nonce: nonce}
	ours, err := v.VerifyVC(context.Background(), []byte(pres.String()))
	if err != nil {
		t.Fatalf("our verifier rejects our own presentation: %v", err)
	}

	t.Run("ok/full issuance without key binding", func(t *testing.T) {
		res := runIndependent(t, node, "check-sdjwt.mjs", map[string]any{"sdjwt": sd.String(), "issuer_jwk": issuerJWK})
		if !res.OK {
			t.Fatalf("@sd-jwt/sd-jwt-vc rejects our SD-JWT VC: %s", res.Error)
		}
		if res.Typ != "dc+sd-jwt" {
			t.Fatalf("typ = %q", res.Typ)
		}
	})

	t.Run("ok/presentation with KB-JWT, same claims as ours", func(t *testing.T) {
		res := runIndependent(t, node, "check-sdjwt.mjs", map[string]any{"sdjwt": pres.String(), "issuer_jwk": issuerJWK, "nonce": nonce, "aud": aud})
		if !res.OK {
			t.Fatalf("@sd-jwt/sd-jwt-vc rejects our presentation: %s", res.Error)
		}
		var theirs map[string]any
		if err := json.Unmarshal(res.Claims, &theirs); err != nil {
			t.Fatal(err)
		}
		wantJSON, _ := json.Marshal(ours.Claims)
		gotJSON, _ := json.Marshal(theirs)
		if !bytes.Equal(wantJSON, gotJSON) {
			t.Fatalf("claims differ\nours:   %s\ntheirs: %s", wantJSON, gotJSON)
		}
		if !strings.Contains(string(gotJSON), `"locality":"Indiranagar"`) || strings.Contains(string(gotJSON), "560038") {
			t.Fatalf("selective disclosure not honoured: %s", gotJSON)
		}
	})

	// One changed byte in each part of the presentation: the issuer-signed
	// payload, the issuer signature, a disclosure, the KB-JWT.
	parts := strings.Split(pres.String(), "~")
	jwtParts := strings.Split(parts[0], ".")
	at := func(part, i int) int { // offset of the i-th character of a '~' part
		off := 0
		for p := 0; p < part; p++ {
			off += len(parts[p]) + 1
		}
		return off + i
	}
	tampered := map[string]string{
		"issuer payload":   flipChar(pres.String(), len(jwtParts[0])+1+len(jwtParts[1])/2),
		"issuer signature": flipChar(pres.String(), len(jwtParts[0])+1+len(jwtParts[1])+1+10),
		"disclosure":       flipChar(pres.String(), at(1, len(parts[1])/2)),
		"kb-jwt":           flipChar(pres.String(), at(len(parts)-1, len(parts[len(parts)-1])/2)),
	}
	for name, bad := range tampered {
		t.Run("fail/one byte changed in the "+name, func(t *testing.T) {
			res := runIndependent(t, node, "check-sdjwt.mjs", map[string]any{"sdjwt": bad, "issuer_jwk": issuerJWK, "nonce": nonce, "aud": aud})
			if res.OK {
				t.Fatalf("@sd-jwt/sd-jwt-vc accepts a presentation with one byte changed in the %s", name)
			}
			if _, err := v.VerifyVC(context.Background(), []byte(bad)); err == nil {
				t.Fatalf("our verifier accepts a presentation with one byte changed in the %s", name)
			}
		})
	}
}

// TestEveryOneByteChangeToAnSDJWTVCIsRejected flips every character of a
// presentation, one at a time, and requires our verifier to reject each.
func TestEveryOneByteChangeToAnSDJWTVCIsRejected(t *testing.T) {
	issuerKey, holderKey := newP256(t), newP256(t)
	now := time.Now().Truncate(time.Second)
	sd := aadhaarSDJWTVC(t, issuerKey, holderKey, now)
	const aud, nonce = "https://verifier.example.in", "n-1"
	pres, err := sd.Present(&sdjwt.KeyBinding{Signer: holderKey, Audience: aud, Nonce: nonce, IssuedAt: now}, sdjwt.Path{"address", "pincode"}, sdjwt.Path{"gender"})
	if err != nil {
		t.Fatal(err)
	}
	v := &sdjwt.Verifier{Keys: sdjwt.NewJWKS(map[string]crypto.PublicKey{"pramaan-es256-1": issuerKey.Public()}), Now: func() time.Time { return now }, RequireKeyBinding: true, Audience: aud, Nonce: nonce}
	s := pres.String()
	if _, err := v.VerifyVC(context.Background(), []byte(s)); err != nil {
		t.Fatalf("untouched presentation: %v", err)
	}
	for i := range len(s) {
		bad := []byte(s)
		bad[i] ^= 0x01
		_, err := v.VerifyVC(context.Background(), bad)
		if err == nil {
			t.Fatalf("changing byte %d (%q -> %q) was not detected", i, s[i], bad[i])
		}
		if errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
	}
}
