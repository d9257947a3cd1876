package oid4vci

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// OfferLink is a parsed Credential Offer link (§4.1): exactly one of Offer
// (sent by value) and OfferURI (sent by reference) is set.
type OfferLink struct {
	// Base is the link up to the query: "openid-credential-offer://",
	// "haip-vci://", "https://wallet.example/offer", or "" for bare JSON.
	Base string
	// Offer is the offer sent by value in credential_offer, or bare JSON.
	Offer *CredentialOffer
	// OfferURI is the https URL sent in credential_offer_uri; the wallet
	// fetches the offer from it (§4.1.3).
	OfferURI string
}

// ParseCredentialOfferLink parses what a wallet receives from a QR code or a
// deep link: a URL with a scheme of any kind (openid-credential-offer://,
// haip-vci:// per HAIP 1.0 §4.2, a claimed https link, ...) whose query holds
// exactly one of credential_offer and credential_offer_uri (§4.1), or the
// bare JSON offer object. Surrounding whitespace is ignored.
func ParseCredentialOfferLink(link string, l Limits) (*OfferLink, error) {
	l = l.withDefaults()
	if len(link) > l.MaxBytes {
		return nil, fmt.Errorf("%w: %w: link of %d bytes, limit %d", ErrInvalidCredentialOffer, ErrTooLarge, len(link), l.MaxBytes)
	}
	link = strings.TrimSpace(link)
	if strings.HasPrefix(link, "{") {
		o, err := ParseCredentialOffer([]byte(link), l)
		if err != nil {
			return nil, err
		}
		return &OfferLink{Offer: o}, nil
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidCredentialOffer, fmt.Sprintf(format, args...))
	}
	u, err := url.Parse(link)
	if err != nil {
		return nil, bad("link is not a URL: %v", err)
	}
	if u.Scheme == "" {
		return nil, bad("link has no scheme")
	}
	if u.Scheme == "http" {
		return nil, bad("link uses plain http")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, bad("link query: %v", err)
	}
	byValue, byRef := q[ParamCredentialOffer], q[ParamCredentialOfferURI]
	switch {
	case len(byValue) > 1:
		return nil, fmt.Errorf("%w: %w: credential_offer", ErrInvalidCredentialOffer, ErrDuplicate)
	case len(byRef) > 1:
		return nil, fmt.Errorf("%w: %w: credential_offer_uri", ErrInvalidCredentialOffer, ErrDuplicate)
	case len(byValue) == 1 && len(byRef) == 1:
		return nil, bad("link carries both credential_offer and credential_offer_uri")
	case len(byValue) == 0 && len(byRef) == 0:
		return nil, bad("link carries neither credential_offer nor credential_offer_uri")
	}
	out := &OfferLink{Base: linkBase(u)}
	if len(byValue) == 1 {
		o, err := ParseCredentialOffer([]byte(byValue[0]), l)
		if err != nil {
			return nil, err
		}
		out.Offer = o
		return out, nil
	}
	if err := validateOfferURI(byRef[0], l); err != nil {
		return nil, fmt.Errorf("%w: credential_offer_uri: %v", ErrInvalidCredentialOffer, err)
	}
	out.OfferURI = byRef[0]
	return out, nil
}

// validateOfferURI checks a credential_offer_uri: an https URL (§4.1). A
// query is allowed; a fragment is not, since it never reaches the server.
func validateOfferURI(s string, l Limits) error {
	if s == "" {
		return fmt.Errorf("is empty")
	}
	if len(s) > l.MaxStringBytes {
		return fmt.Errorf("is longer than %d bytes", l.MaxStringBytes)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("is not a URL: %v", err)
	}
	return validateHTTPSURL(u, s, true)
}

// linkBase returns the link without its query and fragment.
func linkBase(u *url.URL) string {
	c := *u
	c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = "", false, "", ""
	s := c.String()
	if s == u.Scheme+":" { // "scheme://" with no host or path
		return u.Scheme + "://"
	}
	return s
}

// OfferLinkByValue returns base + "?credential_offer=" + the offer's JSON,
// percent-encoded (§4.1.2). base is OfferSchemeOpenID, OfferSchemeHAIP or the
// https URL of a wallet's Credential Offer Endpoint (§12.1) and must not
// carry a query. Spaces are written as %20, never '+', since some wallets
// decode the value with a URI-component decoder.
func OfferLinkByValue(base string, o *CredentialOffer) (string, error) {
	if err := checkLinkBase(base); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(o); err != nil {
		return "", err
	}
	return base + "?" + ParamCredentialOffer + "=" + queryEscape(strings.TrimSuffix(buf.String(), "\n")), nil
}

// OfferLinkByReference returns base + "?credential_offer_uri=" + offerURI,
// percent-encoded (§4.1.3). offerURI must be an https URL.
func OfferLinkByReference(base, offerURI string) (string, error) {
	if err := checkLinkBase(base); err != nil {
		return "", err
	}
	if err := validateOfferURI(offerURI, Limits{}.withDefaults()); err != nil {
		return "", fmt.Errorf("%w: credential_offer_uri: %v", ErrInvalidCredentialOffer, err)
	}
	return base + "?" + ParamCredentialOfferURI + "=" + queryEscape(offerURI), nil
}

// checkLinkBase refuses a base that has no scheme or already has a query.
func checkLinkBase(base string) error {
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" {
		return fmt.Errorf("%w: link base %q has no scheme", ErrInvalidCredentialOffer, base)
	}
	if u.Scheme == "http" {
		return fmt.Errorf("%w: link base %q uses plain http", ErrInvalidCredentialOffer, base)
	}
	if strings.ContainsAny(base, "?#") {
		return fmt.Errorf("%w: link base %q already has a query or fragment", ErrInvalidCredentialOffer, base)
	}
	return nil
}

// queryEscape percent-encodes s for a query value with %20 for spaces.
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
