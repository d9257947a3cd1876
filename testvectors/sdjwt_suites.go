package testvectors

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/pramaan/pramaan/sdjwt"
)

// rfc9901Files are the RFC 9901 (draft 22) example files with disclosures.
var rfc9901Files = []string{"5_simple.json", "6.1_flat.json", "6.2_structured.json", "6.3_recursive.json",
	"A1_simple_structured.json", "A2_complex_ekyc.json", "A3_sd_jwt_vc_pid.json", "A4_w3c_vcdm.json"}

// sdVector is the shape of the extracted SD-JWT example files.
type sdVector struct {
	UserClaims  json.RawMessage `json:"user_claims"`
	Payload     map[string]any  `json:"sd_jwt_payload"`
	Disclosures []struct {
		Digest     string `json:"sha256_digest"`
		Disclosure string `json:"disclosure"`
	} `json:"disclosures"`
	Issued          string         `json:"sd_jwt_issued"`
	KBPresentation  string         `json:"sd_jwt_kb_presentation"`
	Presentation    string         `json:"sd_jwt_presentation"`
	ProcessedExpect map[string]any `json:"processed_payload_expected"`
	IssuerJWK       map[string]any `json:"issuer_public_jwk"`
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return nil
}

// exampleSigner returns the private key of example_keys.json ("issuer" or "holder").
func exampleSigner(root, who string) (*ecdsa.PrivateKey, error) {
	var keys map[string]json.RawMessage
	if err := readJSON(filepath.Join(root, "sd-jwt", "example_keys.json"), &keys); err != nil {
		return nil, err
	}
	var jwk map[string]any
	if err := json.Unmarshal(keys[who+"_private_jwk"], &jwk); err != nil {
		return nil, fmt.Errorf("example_keys.json: %s_private_jwk: %w", who, err)
	}
	return ecKeyFromJWK(jwk)
}

func ecKeyFromJWK(jwk map[string]any) (*ecdsa.PrivateKey, error) {
	d, _ := jwk["d"].(string)
	raw, err := base64.RawURLEncoding.DecodeString(d)
	if err != nil || jwk["crv"] != "P-256" {
		return nil, fmt.Errorf("private JWK: want a P-256 key with d")
	}
	return ecdsa.ParseRawPrivateKey(elliptic.P256(), raw)
}

// normalize turns any JSON-like value into what encoding/json decodes.
func normalize(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	return out, json.Unmarshal(b, &out)
}

func equalJSON(got, want any) error {
	g, err := normalize(got)
	if err != nil {
		return err
	}
	w, err := normalize(want)
	if err != nil {
		return err
	}
	if !reflect.DeepEqual(g, w) {
		gb, _ := json.Marshal(g)
		wb, _ := json.Marshal(w)
		return fmt.Errorf("claims differ:\n got  %s\n want %s", gb, wb)
	}
	return nil
}

// kbClaims reads aud, nonce and iat from the KB-JWT of a presentation, so a
// verifier can be set to the vector's transaction and clock.
func kbClaims(presentation string) (aud, nonce string, iat time.Time, err error) {
	i := strings.LastIndex(presentation, "~")
	parts := strings.Split(presentation[i+1:], ".")
	if len(parts) != 3 {
		return "", "", time.Time{}, errors.New("presentation has no KB-JWT")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", "", time.Time{}, err
	}
	var p struct {
		Aud   string  `json:"aud"`
		Nonce string  `json:"nonce"`
		Iat   float64 `json:"iat"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return "", "", time.Time{}, err
	}
	return p.Aud, p.Nonce, time.Unix(int64(p.Iat), 0), nil
}

// verifierAt returns a verifier with the given keys and a clock fixed at t.
func verifierAt(keys sdjwt.KeyResolver, t time.Time) *sdjwt.Verifier {
	return &sdjwt.Verifier{Keys: keys, Now: func() time.Time { return t }}
}

// issuedClock is a fixed instant inside the examples' validity
// (iat 1683000000, exp 1883000000).
var issuedClock = time.Unix(1750000000, 0)

func runRFC9901(root string) []Case {
	dir := filepath.Join(root, "sd-jwt", "rfc9901-draft22")
	var cases []Case
	var pub map[string]any
	if err := readJSON(filepath.Join(dir, "issuer_public_jwk.json"), &pub); err != nil {
		return []Case{caseErr("issuer_public_jwk.json", err)}
	}
	issuerPub, err := sdjwt.ParseJWK(pub)
	cases = append(cases, caseErr("issuer_public_jwk.json: parses as a P-256 key", err))
	if err != nil {
		return cases
	}
	issuerKey, err := exampleSigner(root, "issuer")
	cases = append(cases, caseErr("example_keys.json: issuer private key matches issuer_public_jwk.json", func() error {
		if err != nil {
			return err
		}
		if !issuerKey.PublicKey.Equal(issuerPub) {
			return errors.New("private key does not match the public JWK")
		}
		return nil
	}()))
	var input sdVector
	if err := readJSON(filepath.Join(dir, "6_input.json"), &input); err != nil {
		return append(cases, caseErr("6_input.json", err))
	}
	keys := sdjwt.StaticKey(issuerPub)
	for _, name := range rfc9901Files {
		var v sdVector
		if err := readJSON(filepath.Join(dir, name), &v); err != nil {
			cases = append(cases, caseErr(name, err))
			continue
		}
		if v.UserClaims == nil {
			v.UserClaims = input.UserClaims
		}
		cases = append(cases, caseErr(name+": disclosure digests (sha-256) match", checkDigests(v)))
		if issuerKey != nil {
			cases = append(cases, caseErr(name+": re-issued with the spec's salts: disclosures byte-exact, payload equal (decoys aside)", reissue(v, issuerKey)))
		}
		if v.Issued != "" {
			cases = append(cases, caseErr(name+": issued SD-JWT verifies with every disclosure", func() error {
				res, err := verifierAt(keys, issuedClock).Verify(context.Background(), []byte(v.Issued))
				if err != nil {
					return err
				}
				if len(res.Disclosures) != len(v.Disclosures) {
					return fmt.Errorf("%d disclosures used, vector has %d", len(res.Disclosures), len(v.Disclosures))
				}
				return nil
			}()))
		}
		for _, pres := range []string{v.KBPresentation, v.Presentation} {
			if pres == "" {
				continue
			}
			cases = append(cases, caseErr(name+": presentation verifies"+kbLabel(pres)+"; processed payload equals processed_payload_expected",
				verifyPresentation(keys, pres, v.ProcessedExpect)))
		}
	}
	cases = append(cases, jsonSerializationCases(dir, issuerPub)...)
	return cases
}

func kbLabel(pres string) string {
	if strings.HasSuffix(pres, "~") {
		return " (no key binding)"
	}
	return " with its KB-JWT (aud, nonce, sd_hash; clock at the KB iat)"
}

// verifyPresentation verifies an SD-JWT(+KB); with a KB-JWT the verifier
// requires it, with the vector's aud and nonce and a clock at its iat.
func verifyPresentation(keys sdjwt.KeyResolver, pres string, want map[string]any) error {
	return verifyPresentationWith(keys, pres, want, false)
}

func verifyPresentationWith(keys sdjwt.KeyResolver, pres string, want map[string]any, vc bool) error {
	v := verifierAt(keys, issuedClock)
	if !strings.HasSuffix(pres, "~") {
		aud, nonce, iat, err := kbClaims(pres)
		if err != nil {
			return err
		}
		v.RequireKeyBinding, v.Audience, v.Nonce = true, aud, nonce
		v.Now = func() time.Time { return iat }
	}
	verify := v.Verify
	if vc {
		verify = v.VerifyVC
	}
	res, err := verify(context.Background(), []byte(pres))
	if err != nil {
		return err
	}
	if v.RequireKeyBinding && res.KeyBinding == nil {
		return errors.New("no key binding in the result")
	}
	return equalJSON(res.Claims, want)
}

func checkDigests(v sdVector) error {
	for i, d := range v.Disclosures {
		got, err := (&sdjwt.Disclosure{Encoded: d.Disclosure}).Digest(sdjwt.SHA256)
		if err != nil {
			return err
		}
		if got != d.Digest {
			return fmt.Errorf("disclosure %d: digest %s, vector says %s", i, got, d.Digest)
		}
	}
	if len(v.Disclosures) == 0 {
		return errors.New("vector has no disclosures")
	}
	return nil
}

// reissue derives the disclosure frame from the vector (which claims its
// disclosures disclose), marks those paths on the ordered input claims,
// issues with the vector's salts and compares bytes and payload.
func reissue(v sdVector, key crypto.Signer) error {
	payloadJSON, err := json.Marshal(v.Payload)
	if err != nil {
		return err
	}
	vec := &sdjwt.SDJWT{Payload: base64.RawURLEncoding.EncodeToString(payloadJSON), Signatures: []sdjwt.Signature{{}}}
	salts := make([]string, len(v.Disclosures))
	for i, d := range v.Disclosures {
		pd, err := sdjwt.Parse([]byte("x.y.z~" + d.Disclosure + "~"))
		if err != nil {
			return err
		}
		vec.Disclosures = append(vec.Disclosures, pd.Disclosures[0])
		salts[i] = pd.Disclosures[0].Salt
	}
	claimed, err := vec.Claims()
	if err != nil {
		return fmt.Errorf("vector structure: %w", err)
	}
	paths := make([]sdjwt.Path, len(claimed))
	for i, c := range claimed {
		paths[i] = c.Path
	}
	userClaims, err := sdjwt.DecodeOrderedJSON(v.UserClaims)
	if err != nil {
		return err
	}
	obj, ok := userClaims.(sdjwt.Object)
	if !ok {
		return errors.New("user_claims is not an object")
	}
	// The generator adds iss, iat, exp, cnf... as plain claims.
	for name, val := range v.Payload {
		if name == "_sd" || name == "_sd_alg" || hasMember(obj, name) {
			continue
		}
		obj = append(obj, sdjwt.Member{Name: name, Value: val})
	}
	marked, err := sdjwt.MarkPaths(obj, paths...)
	if err != nil {
		return err
	}
	next := 0
	is := &sdjwt.Issuer{Signer: key, Salt: func() (string, error) {
		if next >= len(salts) {
			return "", errors.New("more disclosures than the vector has salts")
		}
		next++
		return salts[next-1], nil
	}}
	got, err := is.Issue(marked)
	if err != nil {
		return err
	}
	if len(got.Disclosures) != len(v.Disclosures) {
		return fmt.Errorf("%d disclosures, vector has %d", len(got.Disclosures), len(v.Disclosures))
	}
	for i, d := range got.Disclosures {
		if d.Encoded != v.Disclosures[i].Disclosure {
			return fmt.Errorf("disclosure %d differs:\n got  %s\n want %s", i, d.Encoded, v.Disclosures[i].Disclosure)
		}
	}
	raw, err := base64.RawURLEncoding.DecodeString(got.Payload)
	if err != nil {
		return err
	}
	var gotPayload map[string]any
	if err := json.Unmarshal(raw, &gotPayload); err != nil {
		return err
	}
	known := map[string]bool{}
	for _, d := range v.Disclosures {
		known[d.Digest] = true
	}
	return equalJSON(gotPayload, dropDecoys(v.Payload, known))
}

func hasMember(o sdjwt.Object, name string) bool {
	for _, m := range o {
		if m.Name == name {
			return true
		}
	}
	return false
}

// dropDecoys removes digests that no disclosure of the vector matches: the
// decoys, whose random inputs the vectors do not publish.
func dropDecoys(v any, known map[string]bool) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if k == "_sd" {
				var keep []any
				for _, d := range e.([]any) {
					if s, _ := d.(string); known[s] {
						keep = append(keep, d)
					}
				}
				if len(keep) > 0 {
					out[k] = keep
				}
				continue
			}
			out[k] = dropDecoys(e, known)
		}
		return out
	case []any:
		var out []any
		for _, e := range x {
			if m, ok := e.(map[string]any); ok && len(m) == 1 {
				if s, ok := m["..."].(string); ok && !known[s] {
					continue
				}
			}
			out = append(out, dropDecoys(e, known))
		}
		return out
	}
	return v
}

func jsonSerializationCases(dir string, issuerPub crypto.PublicKey) []Case {
	const name = "8_json_serialization.json"
	var v map[string]json.RawMessage
	if err := readJSON(filepath.Join(dir, name), &v); err != nil {
		return []Case{caseErr(name, err)}
	}
	kbTime := time.Unix(1748537243, 0)
	jwks := sdjwt.NewJWKS(map[string]crypto.PublicKey{"issuer-key-1": issuerPub})
	check := func(field string, keys sdjwt.KeyResolver, withKB bool, wantNames []string) Case {
		label := fmt.Sprintf("%s: %s parses and verifies", name, field)
		if withKB {
			label += " with its KB-JWT (sd_hash over the compact form, Section 8.1)"
		}
		return caseErr(label, func() error {
			ver := verifierAt(keys, kbTime)
			if withKB {
				ver.RequireKeyBinding, ver.Audience, ver.Nonce = true, "https://verifier.example.org", "1234567890"
			}
			res, err := ver.Verify(context.Background(), v[field])
			if err != nil {
				return err
			}
			for _, n := range wantNames {
				if _, ok := res.Claims[n]; !ok {
					return fmt.Errorf("claim %q not disclosed", n)
				}
			}
			if len(res.Disclosures) != len(wantNames) {
				return fmt.Errorf("%d disclosures used, want %d", len(res.Disclosures), len(wantNames))
			}
			// Round trip: our JSON serialization parses back to the same SD-JWT.
			s, err := sdjwt.Parse(v[field])
			if err != nil {
				return err
			}
			out := s.FlattenedJSON
			if len(s.Signatures) > 1 {
				out = s.GeneralJSON
			}
			b, err := out()
			if err != nil {
				return err
			}
			back, err := sdjwt.Parse(b)
			if err != nil {
				return err
			}
			if back.String() != s.String() || len(back.Signatures) != len(s.Signatures) {
				return errors.New("JSON serialization does not round-trip")
			}
			return nil
		}())
	}
	all := []string{"sub", "given_name", "family_name", "birthdate"}
	return []Case{
		check("flattened_issued", sdjwt.StaticKey(issuerPub), false, all),
		check("flattened_sd_jwt_kb", sdjwt.StaticKey(issuerPub), true, []string{"family_name", "given_name"}),
		check("general_presentation", jwks, true, []string{"family_name", "given_name"}),
	}
}

func runSDJWTVC(root string) []Case {
	dir := filepath.Join(root, "sd-jwt-vc", "draft18")
	var cases []Case
	var md map[string]json.RawMessage
	if err := readJSON(filepath.Join(dir, "3.2_jwt_vc_issuer_metadata.json"), &md); err != nil {
		return []Case{caseErr("3.2_jwt_vc_issuer_metadata.json", err)}
	}
	meta, err := sdjwt.ParseIssuerMetadata(md["metadata_with_jwks"])
	cases = append(cases, caseErr("3.2_jwt_vc_issuer_metadata.json: metadata_with_jwks parses (issuer https://example.com, 2 keys)", func() error {
		if err != nil {
			return err
		}
		if meta.Issuer != "https://example.com" || meta.JWKS == nil || meta.JWKS.Len() != 2 {
			return fmt.Errorf("got issuer %q and %v", meta.Issuer, meta.JWKS)
		}
		return nil
	}()))
	cases = append(cases, caseErr("3.2_jwt_vc_issuer_metadata.json: metadata_with_jwks_uri parses", func() error {
		m, err := sdjwt.ParseIssuerMetadata(md["metadata_with_jwks_uri"])
		if err != nil {
			return err
		}
		if m.JWKSURI != "https://jwt-vc-issuer.example.com/my_public_keys.jwks" || m.JWKS != nil {
			return fmt.Errorf("jwks_uri %q", m.JWKSURI)
		}
		return nil
	}()))
	for _, tc := range [][2]string{
		{"https://example.com", "https://example.com/.well-known/jwt-vc-issuer"},
		{"https://example.com/tenant/1234", "https://example.com/.well-known/jwt-vc-issuer/tenant/1234"},
		{"https://example.com/tenant/1234/", "https://example.com/.well-known/jwt-vc-issuer/tenant/1234"},
	} {
		cases = append(cases, caseErr("3.1: well-known URL for iss "+tc[0], func() error {
			got, err := sdjwt.IssuerMetadataURL(tc[0])
			if err == nil && got != tc[1] {
				err = fmt.Errorf("got %s, want %s", got, tc[1])
			}
			return err
		}()))
	}
	var pubJWK map[string]any
	var ex sdVectorVC
	if err := readJSON(filepath.Join(dir, "2.3_identity_credential.json"), &ex); err != nil {
		return append(cases, caseErr("2.3_identity_credential.json", err))
	}
	pubJWK = ex.IssuerJWK
	issuerPub, err := sdjwt.ParseJWK(pubJWK)
	if err != nil {
		return append(cases, caseErr("2.3_identity_credential.json: issuer key", err))
	}
	static := sdjwt.StaticKey(issuerPub)
	if meta != nil && meta.JWKS != nil {
		cases = append(cases, caseErr("2.3: KB presentation verifies as SD-JWT VC with the key chosen by kid doc-signer-05-25-2022 from the 3.2 metadata jwks; claims equal expected",
			verifyPresentationWith(meta.JWKS, ex.KBPresentation, ex.ProcessedExpect, true)))
	}
	cases = append(cases,
		caseErr("2.3: issued SD-JWT VC verifies (typ dc+sd-jwt) with every disclosure", verifyIssuedVC(static, ex.Issued)),
		caseErr("2.3: presentation without KB (other credential) verifies; claims equal expected",
			verifyPresentationWith(static, ex.NoKBPresentation, ex.NoKBExpect, true)),
		caseErr("2.3: metadata whose issuer (https://example.com) is not iss (https://example.com/issuer) is refused (Section 3.3)", func() error {
			r := &sdjwt.MetadataResolver{Fetch: func(_ context.Context, url string) ([]byte, error) {
				if url != "https://example.com/.well-known/jwt-vc-issuer/issuer" {
					return nil, fmt.Errorf("unexpected fetch of %s", url)
				}
				return md["metadata_with_jwks"], nil
			}}
			_, err := verifierAt(r, issuedClock).VerifyVC(context.Background(), []byte(ex.Issued))
			if !errors.Is(err, sdjwt.ErrIssuerMismatch) {
				return fmt.Errorf("got %v, want ErrIssuerMismatch", err)
			}
			return nil
		}()),
	)
	var pid sdVectorVC
	if err := readJSON(filepath.Join(dir, "A1_pid.json"), &pid); err != nil {
		return append(cases, caseErr("A1_pid.json", err))
	}
	cases = append(cases,
		caseErr("A.1 PID: issued SD-JWT VC verifies with all 28 disclosures", verifyIssuedVC(static, pid.Issued)),
		caseErr("A.1 PID: KB presentation verifies (aud https://example.com/verifier, nonce 1234567890); claims equal expected", func() error {
			aud, nonce, _, err := kbClaims(pid.KBPresentation)
			if err != nil {
				return err
			}
			if aud != "https://example.com/verifier" || nonce != "1234567890" {
				return fmt.Errorf("vector aud %q nonce %q", aud, nonce)
			}
			return verifyPresentationWith(static, pid.KBPresentation, pid.ProcessedExpect, true)
		}()),
	)
	return cases
}

type sdVectorVC struct {
	sdVector
	NoKBPresentation string         `json:"sd_jwt_presentation_no_kb_other_credential"`
	NoKBExpect       map[string]any `json:"processed_payload_no_kb_expected"`
}

func verifyIssuedVC(keys sdjwt.KeyResolver, issued string) error {
	if issued == "" {
		return errors.New("vector has no issued SD-JWT")
	}
	s, err := sdjwt.Parse([]byte(issued))
	if err != nil {
		return err
	}
	res, err := verifierAt(keys, issuedClock).VerifyVCParsed(context.Background(), s)
	if err != nil {
		return err
	}
	if len(res.Disclosures) != len(s.Disclosures) || res.VC == nil || res.VC.VCT == "" {
		return fmt.Errorf("%d of %d disclosures used", len(res.Disclosures), len(s.Disclosures))
	}
	return nil
}

func runOID4VCISDJWT(root string) []Case {
	var pub map[string]any
	if err := readJSON(filepath.Join(root, "sd-jwt", "rfc9901-draft22", "issuer_public_jwk.json"), &pub); err != nil {
		return []Case{caseErr("issuer_public_jwk.json", err)}
	}
	key, err := sdjwt.ParseJWK(pub)
	if err != nil {
		return []Case{caseErr("issuer_public_jwk.json", err)}
	}
	data, err := os.ReadFile(filepath.Join(root, "openid4vci", "1.0", "credential_response_sd_jwt_vc.credential.txt"))
	if err != nil {
		return []Case{caseErr("credential_response_sd_jwt_vc.credential.txt", err)}
	}
	return []Case{caseErr("credential_response_sd_jwt_vc.credential.txt: SD-JWT VC verifies under the SD-JWT spec example key",
		verifyIssuedVC(sdjwt.StaticKey(key), strings.TrimSpace(string(data))))}
}
