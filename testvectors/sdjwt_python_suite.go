package testvectors

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/pramaan/pramaan/sdjwt"
)

// pythonSettings is settings.yml of sd-jwt-python's test cases (the parts used).
type pythonSettings struct {
	Identifiers struct {
		Issuer   string `yaml:"issuer"`
		Verifier string `yaml:"verifier"`
	} `yaml:"identifiers"`
	KeySettings struct {
		IssuerKeys []map[string]any `yaml:"issuer_keys"`
		HolderKey  map[string]any   `yaml:"holder_key"`
	} `yaml:"key_settings"`
	Nonce string `yaml:"key_binding_nonce"`
	Iat   int64  `yaml:"iat"`
	Exp   int64  `yaml:"exp"`
}

// pythonCase is one specification.yml.
type pythonCase struct {
	UserClaims          yaml.Node      `yaml:"user_claims"`
	HolderDisclosed     yaml.Node      `yaml:"holder_disclosed_claims"`
	Expect              yaml.Node      `yaml:"expect_verified_user_claims"`
	KeyBinding          bool           `yaml:"key_binding"`
	SerializationFormat string         `yaml:"serialization_format"`
	ExtraHeader         map[string]any `yaml:"extra_header_parameters"`
	SettingsOverride    *struct {
		KeySettings *struct {
			IssuerKeys []map[string]any `yaml:"issuer_keys"`
			HolderKey  map[string]any   `yaml:"holder_key"`
		} `yaml:"key_settings"`
	} `yaml:"settings_override"`
}

func runSDJWTPython(root string) []Case {
	dir := filepath.Join(root, "sd-jwt", "sd-jwt-python-testcases")
	var settings pythonSettings
	data, err := os.ReadFile(filepath.Join(dir, "settings.yml"))
	if err == nil {
		err = yaml.Unmarshal(data, &settings)
	}
	if err != nil {
		return []Case{caseErr("settings.yml", err)}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return []Case{caseErr(dir, err)}
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var cases []Case
	for _, name := range names {
		var tc pythonCase
		data, err := os.ReadFile(filepath.Join(dir, name, "specification.yml"))
		if err == nil {
			err = yaml.Unmarshal(data, &tc)
		}
		if err != nil {
			cases = append(cases, caseErr(name, err))
			continue
		}
		label := name + ": issue, disclose holder_disclosed_claims"
		if tc.KeyBinding {
			label += ", key binding"
		}
		if f := tc.SerializationFormat; f != "" {
			label += ", " + f + " serialization"
		}
		if kid, ok := tc.ExtraHeader["kid"]; ok {
			label += fmt.Sprintf(`, kid %v (sent as the string %q: RFC 7515 Section 4.1.4)`, kid, fmt.Sprint(kid))
		}
		cases = append(cases, caseErr(label+", verify == expect_verified_user_claims", runPythonCase(settings, tc)))
	}
	return cases
}

func runPythonCase(st pythonSettings, tc pythonCase) error {
	issuerJWKs, holderJWK := st.KeySettings.IssuerKeys, st.KeySettings.HolderKey
	if o := tc.SettingsOverride; o != nil && o.KeySettings != nil {
		issuerJWKs, holderJWK = o.KeySettings.IssuerKeys, o.KeySettings.HolderKey
	}
	if len(issuerJWKs) == 0 {
		return errors.New("no issuer key in the settings")
	}
	issuerKeys := make([]*ecdsa.PrivateKey, len(issuerJWKs))
	trusted := map[string]crypto.PublicKey{}
	for i, jwk := range issuerJWKs {
		k, err := ecKeyFromJWK(jwk)
		if err != nil {
			return err
		}
		issuerKeys[i] = k
		kid, _ := jwk["kid"].(string)
		trusted[kid] = k.Public()
	}
	claims, err := yamlClaims(&tc.UserClaims)
	if err != nil {
		return err
	}
	obj, ok := claims.(sdjwt.Object)
	if !ok {
		return errors.New("user_claims is not a mapping")
	}
	added := []string{"iss", "iat", "exp"}
	obj = append(obj, sdjwt.Member{Name: "iss", Value: st.Identifiers.Issuer},
		sdjwt.Member{Name: "iat", Value: st.Iat}, sdjwt.Member{Name: "exp", Value: st.Exp})
	var holder *ecdsa.PrivateKey
	if tc.KeyBinding {
		if holder, err = ecKeyFromJWK(holderJWK); err != nil {
			return err
		}
		cnf, err := sdjwt.Cnf(holder.Public())
		if err != nil {
			return err
		}
		obj = append(obj, sdjwt.Member{Name: "cnf", Value: cnf})
		added = append(added, "cnf")
	}
	is := &sdjwt.Issuer{Signer: issuerKeys[0]}
	if kid, _ := issuerJWKs[0]["kid"].(string); kid != "" {
		is.KeyID = kid
	}
	if len(tc.ExtraHeader) > 0 {
		is.Header = map[string]any{}
		for k, v := range tc.ExtraHeader {
			if k == "kid" {
				is.KeyID = fmt.Sprint(v)
				continue
			}
			is.Header[k] = v
		}
	}
	issued, err := is.Issue(obj)
	if err != nil {
		return fmt.Errorf("issue: %w", err)
	}
	var paths []sdjwt.Path
	collectPaths(&tc.HolderDisclosed, nil, &paths)
	clock := time.Unix(st.Iat, 0).Add(24 * time.Hour)
	var kb *sdjwt.KeyBinding
	if holder != nil {
		kb = &sdjwt.KeyBinding{Signer: holder, Audience: st.Identifiers.Verifier, Nonce: st.Nonce, IssuedAt: clock}
	}
	pres, err := issued.Present(kb, paths...)
	if err != nil {
		return fmt.Errorf("present: %w", err)
	}
	var wire []byte
	switch {
	case tc.SerializationFormat == "json" && len(issuerKeys) > 1:
		for i, k := range issuerKeys[1:] {
			kid, _ := issuerJWKs[i+1]["kid"].(string)
			if err := pres.AddSignature(k, "", kid); err != nil {
				return err
			}
		}
		wire, err = pres.GeneralJSON()
	case tc.SerializationFormat == "json":
		wire, err = pres.FlattenedJSON()
	default:
		wire = []byte(pres.String())
	}
	if err != nil {
		return err
	}
	var keys sdjwt.KeyResolver = sdjwt.NewJWKS(trusted)
	if len(trusted) == 1 {
		keys = sdjwt.StaticKey(issuerKeys[0].Public())
	}
	v := &sdjwt.Verifier{Keys: keys, Now: func() time.Time { return clock },
		RequireKeyBinding: tc.KeyBinding, Audience: st.Identifiers.Verifier, Nonce: st.Nonce}
	res, err := v.Verify(context.Background(), wire)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if want := is.KeyID; want != "" && res.Header.Kid != want {
		return fmt.Errorf("header kid %q, want %q", res.Header.Kid, want)
	}
	got := map[string]any{}
	for k, val := range res.Claims {
		got[k] = val
	}
	for _, k := range added {
		delete(got, k)
	}
	var want any
	if err := tc.Expect.Decode(&want); err != nil {
		return err
	}
	if want == nil {
		want = map[string]any{}
	}
	return equalJSON(got, want)
}

// yamlClaims converts a YAML node to claims; the tag !sd on a mapping key
// or a sequence element marks it selectively disclosable.
func yamlClaims(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return nil, errors.New("empty YAML document")
		}
		return yamlClaims(n.Content[0])
	case yaml.AliasNode:
		return yamlClaims(n.Alias)
	case yaml.MappingNode:
		obj := sdjwt.Object{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, vn := n.Content[i], n.Content[i+1]
			v, err := yamlClaims(vn)
			if err != nil {
				return nil, err
			}
			if k.Tag == "!sd" {
				v = sdjwt.SD(v)
			}
			obj = append(obj, sdjwt.Member{Name: k.Value, Value: v})
		}
		return obj, nil
	case yaml.SequenceNode:
		arr := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			v, err := yamlClaims(e)
			if err != nil {
				return nil, err
			}
			if e.Tag == "!sd" {
				v = sdjwt.SD(v)
			}
			arr = append(arr, v)
		}
		return arr, nil
	default:
		plain := *n
		if plain.Tag == "!sd" {
			plain.Tag = "" // resolve the scalar's own type
		}
		var v any
		if err := plain.Decode(&v); err != nil {
			return nil, err
		}
		return v, nil
	}
}

// collectPaths turns holder_disclosed_claims (a tree whose true leaves name
// the claims to disclose) into paths.
func collectPaths(n *yaml.Node, prefix sdjwt.Path, out *[]sdjwt.Path) {
	child := func(step any) sdjwt.Path {
		return append(append(sdjwt.Path{}, prefix...), step)
	}
	leaf := func(e *yaml.Node, p sdjwt.Path) {
		if e.Kind == yaml.ScalarNode {
			var b bool
			if e.Decode(&b) == nil && b {
				*out = append(*out, p)
			}
			return
		}
		collectPaths(e, p, out)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			collectPaths(c, prefix, out)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			leaf(n.Content[i+1], child(n.Content[i].Value))
		}
	case yaml.SequenceNode:
		for i, e := range n.Content {
			leaf(e, child(i))
		}
	}
}
