package sdjwt

import (
	"context"
	"fmt"
	"time"
)

// typ values of SD-JWT VC (draft 18 Section 2.2.1).
const (
	TypeVC       = "dc+sd-jwt"
	TypeVCLegacy = "vc+sd-jwt" // accepted when verifying, never produced
)

// vcNotDisclosable lists the claims SD-JWT VC draft 18 Section 2.2.2.3 says
// MUST NOT be selectively disclosed.
var vcNotDisclosable = []string{"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "aka_vcts", "status"}

// VCClaims are the SD-JWT VC claims of a verified credential.
type VCClaims struct {
	VCT       string
	Issuer    string         // iss; empty when the issuer is the x5c leaf subject
	IssuedAt  time.Time      // zero when absent
	NotBefore time.Time      // zero when absent
	Expiry    time.Time      // zero when absent
	Status    map[string]any // kept for a status-list check; not checked here
	Cnf       map[string]any
}

// IssueVC issues an SD-JWT VC: typ dc+sd-jwt unless Type is set, vct
// required, iss required unless an x5c chain names the issuer, and none of
// iss, nbf, exp, cnf, vct, vct#integrity, aka_vcts, status selectively
// disclosable (draft 18 Sections 2.2.1 and 2.2.2.3).
func (is *Issuer) IssueVC(claims any) (*SDJWT, error) {
	obj, ok := asObject(claims)
	if !ok {
		return nil, fmt.Errorf("%w: claims must be a map[string]any or an Object, not %T", ErrInvalidClaims, claims)
	}
	get := func(name string) (any, bool) {
		for _, m := range obj {
			if m.Name == name {
				return m.Value, true
			}
		}
		return nil, false
	}
	for _, name := range vcNotDisclosable {
		if v, ok := get(name); ok {
			if _, sd := v.(Disclosable); sd {
				return nil, fmt.Errorf("%w: %s", ErrNotDisclosable, name)
			}
		}
	}
	if v, _ := get("vct"); !isNonEmptyString(v) {
		return nil, fmt.Errorf("%w: vct (a string) is required", ErrMissingClaim)
	}
	if v, ok := get("iss"); (ok && !isNonEmptyString(v)) || (!ok && len(is.X5C) == 0) {
		return nil, fmt.Errorf("%w: iss (a string) is required when no x5c names the issuer", ErrMissingClaim)
	}
	vcIssuer := *is
	if vcIssuer.Type == "" {
		vcIssuer.Type = TypeVC
	}
	return vcIssuer.Issue(obj)
}

func isNonEmptyString(v any) bool {
	s, ok := v.(string)
	return ok && s != ""
}

// VerifyVC verifies an SD-JWT VC presentation: everything Verify does,
// plus typ dc+sd-jwt (or vc+sd-jwt), vct, iss (unless x5c names the
// issuer), and no selectively disclosed iss, nbf, exp, cnf, vct,
// vct#integrity, aka_vcts or status (draft 18 Sections 2.2 and 2.4).
func (v *Verifier) VerifyVC(ctx context.Context, data []byte) (*Result, error) {
	s, err := v.Limits.orDefault().Parse(data)
	if err != nil {
		return nil, err
	}
	return v.VerifyVCParsed(ctx, s)
}

// VerifyVCParsed is VerifyVC on an already parsed SD-JWT.
func (v *Verifier) VerifyVCParsed(ctx context.Context, s *SDJWT) (*Result, error) {
	res, err := v.verify(ctx, s, true)
	if err != nil {
		return nil, err
	}
	for _, dc := range res.Disclosures {
		if len(dc.Path) != 1 {
			continue
		}
		for _, name := range vcNotDisclosable {
			if dc.Path[0] == name {
				return nil, fmt.Errorf("%w: %s was selectively disclosed", ErrNotDisclosable, name)
			}
		}
	}
	c := res.Claims
	vc := &VCClaims{}
	var ok bool
	if vc.VCT, ok = c["vct"].(string); !ok || vc.VCT == "" {
		return nil, fmt.Errorf("%w: vct (a string)", ErrMissingClaim)
	}
	if raw, present := c["iss"]; present {
		if vc.Issuer, ok = raw.(string); !ok {
			return nil, fmt.Errorf("%w: iss is not a string", ErrMalformed)
		}
	} else if len(res.Header.X5C) == 0 {
		return nil, fmt.Errorf("%w: iss (no x5c names the issuer)", ErrMissingClaim)
	}
	vc.IssuedAt, _, _ = numericDate(c, "iat")
	vc.NotBefore, _, _ = numericDate(c, "nbf")
	vc.Expiry, _, _ = numericDate(c, "exp")
	if raw, present := c["status"]; present {
		if vc.Status, ok = raw.(map[string]any); !ok {
			return nil, fmt.Errorf("%w: status is not an object", ErrMalformed)
		}
	}
	if raw, present := c["cnf"]; present {
		if vc.Cnf, ok = raw.(map[string]any); !ok {
			return nil, fmt.Errorf("%w: cnf is not an object", ErrMalformed)
		}
	}
	res.VC = vc
	return res, nil
}
