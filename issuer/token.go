package issuer

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/pramaan/pramaan/oid4vci"
)

// errTxCodeMismatchInRequest aborts a redemption without counting an
// attempt: the wallet sent a tx_code where none is expected, or none where
// one is (Section 6.3: invalid_request, not invalid_grant).
var (
	errTxCodeMissing    = errors.New("issuer: tx_code is required for this offer")
	errTxCodeNotExpeced = errors.New("issuer: this offer takes no tx_code")
)

// Token answers POST /token with the Pre-Authorized Code grant (Sections
// 6.1 to 6.3). The code is redeemed once, atomically; the tx_code digest
// is compared in constant time and the code dies after
// Limits.TxCodeMaxAttempts wrong tries. With a DPoP proof (RFC 9449
// Section 5) the access token is bound to its key (cnf.jkt) and the token
// type is DPoP.
func (s *Service) Token(ctx context.Context, r *Request) (*Response, error) {
	if !hasMediaType(r.Header, oid4vci.MediaTypeForm) {
		return nil, oid4vci.NewError(oid4vci.CodeInvalidRequest, "the Token Request must be application/x-www-form-urlencoded")
	}
	form, err := url.ParseQuery(string(r.Body))
	if err != nil {
		return nil, oid4vci.NewError(oid4vci.CodeInvalidRequest, "the Token Request body is not a valid form")
	}
	req, err := oid4vci.ParseTokenRequest(form, oid4vci.Limits{})
	if err != nil {
		return nil, err
	}
	jkt := ""
	if proofs := r.Header.Values(oid4vci.HeaderDPoP); len(proofs) > 0 {
		// RFC 9449 Section 4.3 point 1: exactly one DPoP header.
		if len(proofs) != 1 {
			return nil, oid4vci.NewError(oid4vci.CodeInvalidDPoPProof, "more than one DPoP header")
		}
		if jkt, err = s.tokenDPoP.Check(ctx, proofs[0], r.Method, r.URL, ""); err != nil {
			return nil, s.dpopError(err, false)
		}
	}
	now := s.now()
	codeHash := sha256.Sum256([]byte(req.PreAuthorizedCode))
	txHash := sha256.Sum256([]byte(req.TxCode))
	check := func(o Offer) error {
		switch {
		case o.TxCodeHash == nil && req.TxCode != "":
			return errTxCodeNotExpeced
		case o.TxCodeHash != nil && req.TxCode == "":
			return errTxCodeMissing
		case o.TxCodeHash != nil && subtle.ConstantTimeCompare(o.TxCodeHash, txHash[:]) != 1:
			return ErrWrongTxCode
		}
		return nil
	}
	o, err := s.cfg.Store.RedeemCode(ctx, codeHash[:], now, s.limits.TxCodeMaxAttempts, s.retainUntil(now), check)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, oid4vci.WrapError(oid4vci.CodeInvalidGrant, err, "the pre-authorized code is unknown, expired or already used")
	case errors.Is(err, ErrTxCodeLocked):
		return nil, oid4vci.WrapError(oid4vci.CodeInvalidGrant, err, "too many wrong tx_code attempts; the pre-authorized code is no longer valid")
	case errors.Is(err, ErrWrongTxCode):
		return nil, oid4vci.WrapError(oid4vci.CodeInvalidGrant, err, "the tx_code is wrong")
	case errors.Is(err, errTxCodeMissing), errors.Is(err, errTxCodeNotExpeced):
		return nil, oid4vci.WrapError(oid4vci.CodeInvalidRequest, err, err.Error()[len("issuer: "):])
	case err != nil:
		return nil, fmt.Errorf("issuer: redeem pre-authorized code: %w", err)
	}
	details, err := grantedDetails(o, req.AuthorizationDetails)
	if err != nil {
		return nil, err
	}
	at, err := s.issueAccessToken(o, req.ClientID, jkt, details, now)
	if err != nil {
		return nil, err
	}
	resp := oid4vci.TokenResponse{
		AccessToken:          at,
		TokenType:            oid4vci.TokenTypeBearer,
		ExpiresIn:            int64(s.limits.AccessTokenTTL.Seconds()),
		AuthorizationDetails: details,
	}
	if jkt != "" {
		resp.TokenType = oid4vci.TokenTypeDPoP
	}
	body, err := json.Marshal(resp)
	if err != nil {
		return nil, fmt.Errorf("issuer: token response: %w", err)
	}
	h := noStore()
	if n := s.newDPoPNonce(); n != "" && jkt != "" {
		h.Set("DPoP-Nonce", n)
	}
	return jsonResponse(http.StatusOK, body, h), nil
}

// retainUntil is how long a redeemed offer (and its sealed claims) must
// stay: while an access token may still use it, and while a deferred
// issuance may still be collected.
func (s *Service) retainUntil(now time.Time) time.Time {
	keep := s.limits.AccessTokenTTL
	for _, cc := range s.cfg.Configurations {
		if cc.Deferred && s.limits.DeferredTTL > keep {
			keep = s.limits.DeferredTTL
		}
	}
	return now.Add(keep)
}

// grantedDetails returns the authorization_details of the Token Response
// (Section 6.2): one per configuration of the offer, or of those the
// request named, each with one credential_identifier, the configuration
// id (one Credential Dataset per configuration and offer).
func grantedDetails(o Offer, asked []oid4vci.AuthorizationDetail) ([]oid4vci.AuthorizationDetail, error) {
	ids := o.ConfigurationIDs
	if len(asked) > 0 {
		ids = nil
		for _, d := range asked {
			if !slices.Contains(o.ConfigurationIDs, d.CredentialConfigurationID) {
				return nil, oid4vci.Errorf(oid4vci.CodeInvalidAuthorizationDetails,
					"credential configuration %q was not offered", d.CredentialConfigurationID)
			}
			if !slices.Contains(ids, d.CredentialConfigurationID) {
				ids = append(ids, d.CredentialConfigurationID)
			}
		}
	}
	out := make([]oid4vci.AuthorizationDetail, len(ids))
	for i, id := range ids {
		out[i] = oid4vci.AuthorizationDetail{
			Type:                      oid4vci.AuthorizationDetailsTypeOpenIDCredential,
			CredentialConfigurationID: id,
			CredentialIdentifiers:     []string{id},
		}
	}
	return out, nil
}

// dpopError adds the headers RFC 9449 asks for: a fresh DPoP-Nonce with
// use_dpop_nonce (Sections 8 and 9) and, at a protected resource, 401 with
// WWW-Authenticate: DPoP (Section 7.1).
func (s *Service) dpopError(err error, resource bool) error {
	var oe *oid4vci.Error
	if !errors.As(err, &oe) {
		return err
	}
	h := http.Header{}
	if oe.Code == oid4vci.CodeUseDPoPNonce {
		if n := s.newDPoPNonce(); n != "" {
			h.Set("DPoP-Nonce", n)
		}
	}
	if resource {
		oe = oe.WithStatus(http.StatusUnauthorized)
		h.Set("WWW-Authenticate", fmt.Sprintf(`DPoP error=%q, algs="ES256"`, string(oe.Code)))
	}
	return &HeaderError{Err: oe, Header: h}
}

// hasMediaType reports whether the Content-Type header names mt.
func hasMediaType(h http.Header, mt string) bool {
	got, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && got == mt
}
