package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pramaan/pramaan/sdjwt"
	"github.com/pramaan/pramaan/statuslist"
)

func runVerifySDJWT(args []string, e env) int {
	fs := flag.NewFlagSet("verify sdjwt", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	jwks := fs.String("jwks", "", "issuer keys: a JWK Set (or a single JWK) from a FILE or an https URL")
	trust := fs.String("trust", "", "PEM file of trust anchors for an x5c header chain")
	metadata := fs.Bool("issuer-metadata", false, "find the issuer key through iss + /.well-known/jwt-vc-issuer")
	nonce := fs.String("nonce", "", "require a KB-JWT with this nonce")
	aud := fs.String("aud", "", "require a KB-JWT with this audience")
	at := fs.String("at", "", "verify at this time (RFC 3339) instead of now")
	checkStat := fs.Bool("check-status", false, "fetch the credential's Token Status List (its status claim) and require VALID; the list is verified with the same trust")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: pramaan verify sdjwt FILE (--jwks FILE|URL | --trust PEM | --issuer-metadata) [--nonce N --aud A] [--at RFC3339] [--check-status]")
		fs.PrintDefaults()
	}
	file, err := positional(fs, args)
	if err != nil {
		fmt.Fprintf(e.stderr, "pramaan verify sdjwt: %v\n", err)
		fs.Usage()
		return 2
	}
	if n := btoi(*jwks != "") + btoi(*trust != "") + btoi(*metadata); n != 1 {
		fmt.Fprintln(e.stderr, "pramaan verify sdjwt: give exactly one of --jwks, --trust or --issuer-metadata")
		return 2
	}
	if (*nonce == "") != (*aud == "") {
		fmt.Fprintln(e.stderr, "pramaan verify sdjwt: --nonce and --aud go together")
		return 2
	}
	now, err := parseTime(*at, e)
	if err != nil {
		return fail(e, "sdjwt", err)
	}
	ctx := context.Background()

	var keys sdjwt.KeyResolver
	switch {
	case *jwks != "":
		raw, err := e.readSource(ctx, *jwks)
		if err != nil {
			return fail(e, "sdjwt", fmt.Errorf("--jwks: %w", err))
		}
		set, err := parseJWKSOrJWK(raw)
		if err != nil {
			return fail(e, "sdjwt", fmt.Errorf("--jwks %s: %w", *jwks, err))
		}
		keys = set
	case *trust != "":
		pemData, err := os.ReadFile(*trust)
		if err != nil {
			return fail(e, "sdjwt", fmt.Errorf("--trust: %w", err))
		}
		r, err := sdjwt.NewX5CResolverFromPEM(pemData)
		if err != nil {
			return fail(e, "sdjwt", fmt.Errorf("--trust %s: %w", *trust, err))
		}
		keys = r
	default:
		keys = &sdjwt.MetadataResolver{Fetch: e.fetch}
	}

	data, err := os.ReadFile(file)
	if err != nil {
		return fail(e, "sdjwt", err)
	}
	parsed, err := sdjwt.Parse(bytes.TrimSpace(data))
	if err != nil {
		return fail(e, "sdjwt", err)
	}
	v := &sdjwt.Verifier{Keys: keys, Now: now, RequireKeyBinding: *nonce != "", Audience: *aud, Nonce: *nonce}
	var res *sdjwt.Result
	if isVC(parsed) {
		res, err = v.VerifyVCParsed(ctx, parsed)
	} else {
		res, err = v.VerifyParsed(ctx, parsed)
	}
	if err != nil {
		return fail(e, "sdjwt", err)
	}
	out := sdjwtSummary(res)
	if *checkStat {
		uri, idx, err := statusReference(res.Claims["status"])
		if err != nil {
			return fail(e, "sdjwt", err)
		}
		iss, _ := res.Claims["iss"].(string)
		sc, err := checkStatus(ctx, e, uri, idx, keys, iss, now)
		if err != nil {
			return fail(e, "sdjwt", err)
		}
		out.StatusCheck = sc
		if sc.Status != statuslist.Valid.String() {
			_ = printJSON(e.stdout, out)
			return fail(e, "sdjwt", fmt.Errorf("the credential's status is %s", sc.Status))
		}
	}
	if err := printJSON(e.stdout, out); err != nil {
		return fail(e, "sdjwt", err)
	}
	return 0
}

// isVC reports whether the issuer-signed JWT declares an SD-JWT VC type, so
// that the SD-JWT VC rules apply on top of RFC 9901.
func isVC(s *sdjwt.SDJWT) bool {
	if len(s.Signatures) == 0 {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(s.Signatures[0].Protected)
	if err != nil {
		return false
	}
	var h struct {
		Typ string `json:"typ"`
	}
	if json.Unmarshal(raw, &h) != nil {
		return false
	}
	return h.Typ == "dc+sd-jwt" || h.Typ == "vc+sd-jwt"
}

// parseJWKSOrJWK accepts a JWK Set or one bare JWK.
func parseJWKSOrJWK(raw []byte) (*sdjwt.JWKS, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if _, ok := probe["keys"]; ok {
		return sdjwt.ParseJWKS(raw)
	}
	if _, ok := probe["kty"]; !ok {
		return nil, errors.New("neither a JWK Set (keys) nor a JWK (kty)")
	}
	return sdjwt.ParseJWKS(append(append([]byte(`{"keys":[`), raw...), "]}"...))
}

type sdjwtOutput struct {
	Verified    bool           `json:"verified"`
	Typ         string         `json:"typ,omitempty"`
	Alg         string         `json:"alg"`
	Kid         string         `json:"kid,omitempty"`
	SDAlg       string         `json:"sd_alg,omitempty"`
	Disclosed   []string       `json:"disclosed"` // claim paths as JSON Pointers (RFC 6901)
	KeyBinding  *kbOutput      `json:"key_binding,omitempty"`
	Claims      map[string]any `json:"claims"`
	VCT         string         `json:"vct,omitempty"`
	Issuer      string         `json:"iss,omitempty"`
	ExpiresAt   *time.Time     `json:"exp,omitempty"`
	StatusClaim map[string]any `json:"status,omitempty"`
	StatusCheck *statusCheck   `json:"status_check,omitempty"`
}

type kbOutput struct {
	Audience string    `json:"aud"`
	Nonce    string    `json:"nonce"`
	IssuedAt time.Time `json:"iat"`
}

func sdjwtSummary(r *sdjwt.Result) sdjwtOutput {
	out := sdjwtOutput{Verified: true, Typ: r.Header.Typ, Alg: r.Header.Alg, Kid: r.Header.Kid, SDAlg: r.SDAlg, Claims: r.Claims, Disclosed: []string{}}
	for _, d := range r.Disclosures {
		out.Disclosed = append(out.Disclosed, jsonPointer(d.Path))
	}
	if kb := r.KeyBinding; kb != nil {
		out.KeyBinding = &kbOutput{Audience: kb.Audience, Nonce: kb.Nonce, IssuedAt: kb.IssuedAt.UTC()}
	}
	if vc := r.VC; vc != nil {
		out.VCT, out.Issuer, out.StatusClaim = vc.VCT, vc.Issuer, vc.Status
		if !vc.Expiry.IsZero() {
			t := vc.Expiry.UTC()
			out.ExpiresAt = &t
		}
	}
	return out
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// jsonPointer renders a claim path as an RFC 6901 JSON Pointer.
func jsonPointer(p sdjwt.Path) string {
	var b strings.Builder
	for _, seg := range p {
		b.WriteByte('/')
		switch v := seg.(type) {
		case string:
			b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(v))
		default:
			fmt.Fprint(&b, v)
		}
	}
	return b.String()
}
