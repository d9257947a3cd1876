package wallet

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/pramaan/pramaan/mdoc"
	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/sdjwt"
)

// VerifyOptions say what a received credential must be.
type VerifyOptions struct {
	// Format is dc+sd-jwt or mso_mdoc.
	Format string
	// VCT, for dc+sd-jwt, is the vct the configuration announces; empty
	// accepts any.
	VCT string
	// Doctype, for mso_mdoc, is the doctype the configuration announces;
	// empty accepts any.
	Doctype string
	// Issuer, when set, is the Credential Issuer Identifier an SD-JWT VC's
	// iss must equal when it has one (Section 13.6 lets the wallet check
	// the binding; the x5c leaf must name iss as well).
	Issuer string
	// Holders are the holder keys the credential may be bound to: its
	// cnf.jwk (SD-JWT VC) or MSO deviceKey (mdoc) must be one of them.
	Holders []crypto.PublicKey
	// AnyHolder accepts a credential bound to any key (it must still be
	// bound to one): for a wallet backend, which never holds the device's
	// keys. Verified.Holder is then -1 and Verified.HolderKey the key.
	AnyHolder bool
}

// Verified is a credential that passed verification.
type Verified struct {
	Format string
	// Claims are the issuer's claims: for an SD-JWT VC the processed
	// payload with every disclosure; for an mdoc "doctype" and the
	// elements by namespace.
	Claims map[string]any
	// Holder is the index in VerifyOptions.Holders of the key the
	// credential is bound to.
	Holder int
	// ValidUntil is exp (SD-JWT VC) or validUntil (mdoc); zero when none.
	ValidUntil time.Time
	// HolderKey is the key the credential is bound to.
	HolderKey crypto.PublicKey
}

// Verify checks a received credential: the issuer's signature with a key
// whose certificate chain reaches Roots, the format's rules (sdjwt and
// mdoc do these), the type the configuration announces, and the binding
// to one of the holder keys. Every failure wraps ErrVerification.
func (c *Client) Verify(ctx context.Context, credential string, o VerifyOptions) (*Verified, error) {
	if len(c.Roots) == 0 {
		return nil, fmt.Errorf("%w: no trust roots configured", ErrVerification)
	}
	if len(o.Holders) == 0 && !o.AnyHolder {
		return nil, fmt.Errorf("%w: no holder key to check the binding against", ErrVerification)
	}
	switch o.Format {
	case oid4vci.FormatSDJWTVC:
		return c.verifySDJWT(ctx, credential, o)
	case oid4vci.FormatMsoMdoc:
		return c.verifyMdoc(credential, o)
	}
	return nil, fmt.Errorf("%w: unsupported format %q", ErrVerification, o.Format)
}

func (c *Client) verifySDJWT(ctx context.Context, credential string, o VerifyOptions) (*Verified, error) {
	pool := x509.NewCertPool()
	for _, r := range c.Roots {
		pool.AddCert(r)
	}
	v := sdjwt.Verifier{Keys: &sdjwt.X5CResolver{Roots: pool}, Now: c.now, Algorithms: []string{"ES256", "ES384", "ES512"}}
	res, err := v.VerifyVC(ctx, []byte(credential))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrVerification, err)
	}
	if res.KeyBinding != nil {
		return nil, fmt.Errorf("%w: an issued credential carries a key binding JWT", ErrVerification)
	}
	if o.VCT != "" && res.VC.VCT != o.VCT {
		return nil, fmt.Errorf("%w: vct %q, the configuration announces %q", ErrVerification, res.VC.VCT, o.VCT)
	}
	if o.Issuer != "" && res.VC.Issuer != "" && res.VC.Issuer != o.Issuer {
		return nil, fmt.Errorf("%w: iss %q is not the credential issuer %q", ErrVerification, res.VC.Issuer, o.Issuer)
	}
	jwkMap, _ := res.VC.Cnf["jwk"].(map[string]any)
	if jwkMap == nil {
		return nil, fmt.Errorf("%w: the credential has no cnf.jwk", ErrVerification)
	}
	bound, err := sdjwt.ParseJWK(jwkMap)
	if err != nil {
		return nil, fmt.Errorf("%w: cnf.jwk: %v", ErrVerification, err)
	}
	i, err := holderIndex(bound, o, "cnf.jwk")
	if err != nil {
		return nil, err
	}
	return &Verified{Format: o.Format, Claims: res.Claims, Holder: i, ValidUntil: res.VC.Expiry, HolderKey: bound}, nil
}

func (c *Client) verifyMdoc(credential string, o VerifyOptions) (*Verified, error) {
	if len(credential) > 2*mdoc.MaxInputSize {
		return nil, fmt.Errorf("%w: mdoc over the size limit", ErrVerification)
	}
	// Appendix A.2.4: base64url; padding is tolerated.
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(credential, "="))
	if err != nil {
		return nil, fmt.Errorf("%w: the mdoc is not base64url: %v", ErrVerification, err)
	}
	v := mdoc.Verifier{Roots: c.Roots, At: c.now()}
	doc, err := v.VerifyIssuerSigned(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrVerification, err)
	}
	if o.Doctype != "" && doc.DocType != o.Doctype {
		return nil, fmt.Errorf("%w: doctype %q, the configuration announces %q", ErrVerification, doc.DocType, o.Doctype)
	}
	if doc.DeviceKey == nil {
		return nil, fmt.Errorf("%w: the MSO has no deviceKey", ErrVerification)
	}
	i, err := holderIndex(doc.DeviceKey, o, "the MSO deviceKey")
	if err != nil {
		return nil, err
	}
	claims := map[string]any{"doctype": doc.DocType}
	for ns, els := range doc.Claims() {
		claims[ns] = els
	}
	return &Verified{Format: o.Format, Claims: claims, Holder: i, ValidUntil: doc.Validity.ValidUntil, HolderKey: doc.DeviceKey}, nil
}

// holderIndex finds the bound key among the holder keys; -1 when any
// holder is accepted.
func holderIndex(bound crypto.PublicKey, o VerifyOptions, what string) (int, error) {
	b, ok := bound.(*ecdsa.PublicKey)
	if ok && o.AnyHolder {
		return -1, nil
	}
	if ok {
		for i, h := range o.Holders {
			if hk, ok := h.(*ecdsa.PublicKey); ok && hk.Equal(b) {
				return i, nil
			}
		}
	}
	return -1, fmt.Errorf("%w: %s is not the holder key", ErrVerification, what)
}
