package issuer

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/mdoc"
	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/outbox"
	"github.com/pramaan/pramaan/sdjwt"
)

// Nonce answers POST /nonce (Section 7): a fresh, single-use c_nonce,
// never cached.
func (s *Service) Nonce(ctx context.Context, _ *Request) (*Response, error) {
	n, err := s.randomString(32)
	if err != nil {
		return nil, err
	}
	if err := s.cfg.Store.CreateNonce(ctx, n, s.now().Add(s.limits.CNonceTTL)); err != nil {
		return nil, fmt.Errorf("issuer: store c_nonce: %w", err)
	}
	body, err := json.Marshal(oid4vci.NonceResponse{CNonce: n})
	if err != nil {
		return nil, err
	}
	h := noStore()
	if dn := s.newDPoPNonce(); dn != "" {
		h.Set("DPoP-Nonce", dn)
	}
	return jsonResponse(http.StatusOK, body, h), nil
}

// authorize checks the access token of a Credential, Deferred Credential
// or Notification Request (RFC 6750 Section 2.1, RFC 9449 Section 7): a
// DPoP-bound token needs the DPoP scheme and a proof of its key with ath;
// an unbound one the Bearer scheme.
func (s *Service) authorize(ctx context.Context, r *Request, now time.Time) (*accessTokenClaims, string, error) {
	scheme, token := authScheme(r.Header.Get("Authorization"))
	if token == "" {
		return nil, "", &HeaderError{
			Err:    oid4vci.NewError(oid4vci.CodeInvalidToken, "an access token is required"),
			Header: http.Header{"Www-Authenticate": {`Bearer, DPoP algs="ES256"`}},
		}
	}
	invalid := func(desc string) error {
		sch := "Bearer"
		if strings.EqualFold(scheme, "DPoP") {
			sch = "DPoP"
		}
		return &HeaderError{
			Err:    oid4vci.NewError(oid4vci.CodeInvalidToken, desc),
			Header: http.Header{"Www-Authenticate": {sch + ` error="invalid_token"`}},
		}
	}
	c, err := s.verifyAccessToken(token, now)
	if err != nil {
		return nil, "", invalid("the access token is invalid or expired")
	}
	if c.Confirm == nil {
		if !strings.EqualFold(scheme, "Bearer") {
			return nil, "", invalid("the access token is not DPoP-bound; use the Bearer scheme")
		}
		return c, token, nil
	}
	if !strings.EqualFold(scheme, "DPoP") {
		return nil, "", invalid("the access token is DPoP-bound; use the DPoP scheme with a DPoP proof")
	}
	proofs := r.Header.Values(oid4vci.HeaderDPoP)
	if len(proofs) != 1 {
		return nil, "", s.dpopError(oid4vci.NewError(oid4vci.CodeInvalidDPoPProof, "exactly one DPoP header is required"), true)
	}
	jkt, err := s.dpop.Check(ctx, proofs[0], r.Method, r.URL, token)
	if err != nil {
		return nil, "", s.dpopError(err, true)
	}
	if jkt != c.Confirm.JKT {
		return nil, "", s.dpopError(oid4vci.NewError(oid4vci.CodeInvalidDPoPProof, "the DPoP proof is signed by another key than the access token is bound to"), true)
	}
	return c, token, nil
}

// replyKey identifies an identical retry: the same access token and the
// same body (the DPoP proof of a retry is new and is checked again).
func replyKey(token string, r *Request) []byte {
	h := sha256.New()
	h.Write([]byte(token))
	h.Write([]byte{0})
	h.Write([]byte(r.Header.Get("Content-Type")))
	h.Write([]byte{0})
	h.Write(r.Body)
	return h.Sum(nil)
}

func replyAAD(key []byte) []byte { return []byte("replies/body/" + hex.EncodeToString(key)) }

// requestBody returns the plaintext JSON of a Credential or Deferred
// Credential Request and whether it arrived encrypted (Section 10).
func (s *Service) requestBody(r *Request) ([]byte, bool, error) {
	switch {
	case hasMediaType(r.Header, oid4vci.MediaTypeJWT):
		if s.cfg.RequestKey == nil || !s.cfg.EncryptionEnabled {
			return nil, false, oid4vci.NewError(oid4vci.CodeInvalidEncryptionParameters, "this issuer does not accept encrypted requests")
		}
		plain, err := DecryptRequest(r.Body, s.cfg.RequestKey, s.cfg.Encryption)
		return plain, true, err
	case hasMediaType(r.Header, oid4vci.MediaTypeJSON):
		return r.Body, false, nil
	}
	return nil, false, oid4vci.NewError(oid4vci.CodeInvalidCredentialRequest, "Content-Type must be application/json or application/jwt")
}

func (s *Service) checkEncryption(encrypted bool, enc *oid4vci.ResponseEncryption) error {
	if enc != nil && !s.cfg.EncryptionEnabled {
		return oid4vci.NewError(oid4vci.CodeInvalidEncryptionParameters, "this issuer does not encrypt responses")
	}
	if !s.cfg.EncryptionEnabled {
		return nil
	}
	if err := RequireEncryptedRequest(encrypted, enc, s.cfg.Encryption); err != nil {
		return err
	}
	if err := RequireEncryptedResponse(enc, s.cfg.Encryption); err != nil {
		return err
	}
	return CheckResponseEncryption(enc, s.cfg.Encryption)
}

// Credential answers POST /credential (Section 8). In order: the access
// token (and DPoP proof); an identical retry within the idempotency window
// gets the stored reply; decryption; the request; the configuration; the
// proofs (consuming the c_nonce); then the credentials, one per proof,
// signed; the issuance record (one per configuration and offer, with its
// wallet-backend callback when the offer has one); and the response,
// encrypted when asked.
func (s *Service) Credential(ctx context.Context, r *Request) (*Response, error) {
	now := s.now()
	at, token, err := s.authorize(ctx, r, now)
	if err != nil {
		return nil, err
	}
	key := replyKey(token, r)
	if resp, err := s.storedReply(ctx, key, now); resp != nil || err != nil {
		return resp, err
	}
	plain, encrypted, err := s.requestBody(r)
	if err != nil {
		return nil, err
	}
	clientID := at.ClientID
	if clientID == anonymousClient {
		clientID = ""
	}
	g := grant{offerID: at.Offer, proofClient: clientID, details: at.AuthorizationDetails}
	return s.credential(ctx, g, key, plain, encrypted, now)
}

// grant is what authorizes a Credential Request: the redeemed offer, the
// client the proofs may name as iss, the granted authorization details
// and, in the app flow, the wallet backend the app named.
type grant struct {
	offerID       string
	proofClient   string
	details       []oid4vci.AuthorizationDetail
	walletBackend string
}

// credential is the Credential Endpoint's work after authorization, shared
// by POST /credential and POST /app/credential-request.
func (s *Service) credential(ctx context.Context, g grant, key, plain []byte, encrypted bool, now time.Time) (*Response, error) {
	req, err := oid4vci.ParseCredentialRequest(plain, oid4vci.Limits{MaxBatchSize: s.limits.BatchSize})
	if err != nil {
		return nil, err
	}
	if err := s.checkEncryption(encrypted, req.CredentialResponseEncryption); err != nil {
		return nil, err
	}
	configID, err := s.requestedConfiguration(g.details, req)
	if err != nil {
		return nil, err
	}
	cc := s.cfg.Configurations[configID]
	if req.Proofs == nil || req.Proofs.Len() == 0 {
		desc := "proofs is required: this issuer binds credentials to holder keys"
		if req.LegacyProof {
			desc = "the singular proof parameter was removed in OpenID4VCI 1.0; send proofs"
		}
		return nil, oid4vci.NewError(oid4vci.CodeInvalidProof, desc)
	}
	offer, claims, err := s.offerClaims(ctx, g.offerID, now)
	if err != nil {
		return nil, err
	}
	backendID := g.walletBackend
	if backendID == "" {
		backendID = offer.WalletBackend
	}
	var backend *WalletBackend
	if backendID != "" {
		if backend, err = s.walletBackendFor(ctx, backendID, configID); err != nil {
			return nil, err
		}
		if cc.Deferred {
			return nil, oid4vci.Errorf(oid4vci.CodeCredentialRequestDenied, "credential %s is issued deferred and cannot be delivered to a wallet backend", configID)
		}
	}
	holderKeys, err := s.proofs[configID].CheckProofs(ctx, g.proofClient, req.Proofs)
	if err != nil {
		return nil, err
	}
	if cc.Deferred {
		return s.defer_(ctx, offer, configID, holderKeys, key, req.CredentialResponseEncryption, now)
	}
	notificationID, err := s.randomString(16)
	if err != nil {
		return nil, err
	}
	creds, err := s.issue(ctx, cc, claims, holderKeys, now, StatusRef{SubjectID: offer.Subject, ConfigurationID: configID,
		Format: cc.Format, OfferID: offer.ID, NotificationID: notificationID})
	if err != nil {
		return nil, err
	}
	rec := IssuedCredential{
		ID: notificationID, OfferID: offer.ID, Subject: offer.Subject, ConfigurationID: configID,
		Format: cc.Format, Count: len(holderKeys), IssuedAt: now,
	}
	var callback *outbox.Message
	if backend != nil {
		if callback, err = s.callbackMessage(*backend, rec, creds); err != nil {
			return nil, err
		}
	}
	if err := s.cfg.Store.RecordIssuance(ctx, rec, callback); err != nil {
		if errors.Is(err, ErrAlreadyExists) {
			return nil, oid4vci.Errorf(oid4vci.CodeCredentialRequestDenied, "credential %s was already issued for this offer", configID)
		}
		return nil, fmt.Errorf("issuer: record issuance: %w", err)
	}
	if offer.ForgetClaims {
		// The last configuration issued: the claims go now. A failure
		// here leaves them to the sweep at the offer's retention end.
		if _, err := s.cfg.Store.ForgetOfferClaims(ctx, offer.ID); err != nil {
			return nil, fmt.Errorf("issuer: forget claims: %w", err)
		}
	}
	payload, err := json.Marshal(oid4vci.CredentialResponse{Credentials: creds, NotificationID: notificationID})
	if err != nil {
		return nil, fmt.Errorf("issuer: credential response: %w", err)
	}
	resp, err := s.finish(ctx, key, http.StatusOK, payload, req.CredentialResponseEncryption, now)
	if err != nil {
		return nil, err
	}
	resp.IssuedFormat, resp.IssuedCount = cc.Format, len(creds)
	return resp, nil
}

// finish encrypts the response when asked (Section 10) and keeps it for
// identical retries.
func (s *Service) finish(ctx context.Context, key []byte, status int, payload []byte, enc *oid4vci.ResponseEncryption, now time.Time) (*Response, error) {
	body, mediaType, err := ResponseBody(payload, enc, s.cfg.Encryption)
	if err != nil {
		return nil, err
	}
	if key != nil {
		sealed, err := s.cfg.DataKey.Seal(body, replyAAD(key))
		if err != nil {
			return nil, fmt.Errorf("issuer: seal reply: %w", err)
		}
		rep := Reply{Key: key, Status: status, ContentType: mediaType, Body: sealed, ExpiresAt: now.Add(s.limits.IdempotencyWindow)}
		if err := s.cfg.Store.SaveReply(ctx, rep, now); err != nil && !errors.Is(err, ErrAlreadyExists) {
			return nil, fmt.Errorf("issuer: save reply: %w", err)
		}
	}
	return &Response{Status: status, ContentType: mediaType, Header: noStore(), Body: body}, nil
}

// storedReply returns the reply to an identical earlier request, if one
// is kept.
func (s *Service) storedReply(ctx context.Context, key []byte, now time.Time) (*Response, error) {
	rep, err := s.cfg.Store.Reply(ctx, key, now)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("issuer: load reply: %w", err)
	}
	body, err := s.cfg.DataKey.Open(rep.Body, replyAAD(key))
	if err != nil {
		return nil, fmt.Errorf("issuer: open reply: %w", err)
	}
	return &Response{Status: rep.Status, ContentType: rep.ContentType, Header: noStore(), Body: body}, nil
}

// requestedConfiguration resolves credential_identifier (Section 8.2):
// the token response always carries credential_identifiers, so
// credential_configuration_id must not be used.
func (s *Service) requestedConfiguration(details []oid4vci.AuthorizationDetail, req *oid4vci.CredentialRequest) (string, error) {
	if id := req.CredentialConfigurationID; id != "" {
		if _, ok := s.cfg.Configurations[id]; !ok {
			return "", oid4vci.Errorf(oid4vci.CodeUnknownCredentialConfiguration, "unknown credential configuration %q", id)
		}
		return "", oid4vci.NewError(oid4vci.CodeInvalidCredentialRequest,
			"the Token Response returned credential_identifiers: send credential_identifier, not credential_configuration_id (Section 8.2)")
	}
	for _, d := range details {
		if slices.Contains(d.CredentialIdentifiers, req.CredentialIdentifier) {
			if _, ok := s.cfg.Configurations[d.CredentialConfigurationID]; ok {
				return d.CredentialConfigurationID, nil
			}
		}
	}
	return "", oid4vci.Errorf(oid4vci.CodeUnknownCredentialIdentifier, "credential_identifier %q was not granted to this access token", req.CredentialIdentifier)
}

// offerClaims loads the redeemed offer of an access token and opens its
// claims.
func (s *Service) offerClaims(ctx context.Context, offerID string, now time.Time) (Offer, map[string]any, error) {
	o, err := s.cfg.Store.RedeemedOffer(ctx, offerID, now)
	if errors.Is(err, ErrNotFound) {
		return Offer{}, nil, oid4vci.NewError(oid4vci.CodeCredentialRequestDenied, "the offer behind this access token is no longer available")
	}
	if err != nil {
		return Offer{}, nil, fmt.Errorf("issuer: load offer: %w", err)
	}
	if o.ForgetClaims && len(o.Claims) == 0 {
		return Offer{}, nil, oid4vci.NewError(oid4vci.CodeCredentialRequestDenied, "every credential of this offer was issued and its claims were deleted")
	}
	plain, err := s.cfg.DataKey.Open(o.Claims, offerAAD("claims", o.ID))
	if err != nil {
		return Offer{}, nil, fmt.Errorf("issuer: open claims of offer %s: %w", o.ID, err)
	}
	var claims map[string]any
	if err := json.Unmarshal(plain, &claims); err != nil {
		return Offer{}, nil, fmt.Errorf("issuer: claims of offer %s: %w", o.ID, err)
	}
	return o, claims, nil
}

// issue builds and signs one credential per holder key, each with its own
// status list entry when status is on.
func (s *Service) issue(ctx context.Context, cc CredentialConfiguration, claims map[string]any, holderKeys []ProofKey, now time.Time, ref StatusRef) ([]oid4vci.IssuedCredential, error) {
	out := make([]oid4vci.IssuedCredential, 0, len(holderKeys))
	for _, k := range holderKeys {
		var cred string
		var st *StatusEntry
		var err error
		if s.cfg.Status != nil {
			if st, err = s.cfg.Status.AllocateStatus(ctx, ref); err != nil {
				return nil, fmt.Errorf("issuer: status entry: %w", err)
			}
		}
		switch cc.Format {
		case FormatSDJWTVC:
			cred, err = s.issueSDJWT(cc, claims, k, now, st)
		case FormatMDoc:
			cred, err = s.issueMDoc(cc, claims, k, now, st)
		default:
			err = fmt.Errorf("issuer: unsupported format %s", cc.Format)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, oid4vci.StringCredential(cred))
	}
	return out, nil
}

// Decoys per _sd array (RFC 9901 Section 4.2.5): enough that the number
// of disclosable claims does not show.
const minDecoys, maxDecoys = 1, 4

// issueSDJWT issues an SD-JWT VC (draft-ietf-oauth-sd-jwt-vc-18 Section
// 3.2.2; OpenID4VCI 1.0 Appendix A.3) bound to the holder key by cnf.jwk
// (RFC 7800), its issuer key resolved through x5c (HAIP 1.0 Section 6.1.1).
func (s *Service) issueSDJWT(cc CredentialConfiguration, claims map[string]any, k ProofKey, now time.Time, st *StatusEntry) (string, error) {
	payload, err := sdJWTClaims(cc, claims)
	if err != nil {
		return "", fmt.Errorf("issuer: %w", err)
	}
	payload["iss"] = s.cfg.CredentialIssuer
	payload["iat"] = now.Unix()
	payload["nbf"] = now.Unix()
	payload["exp"] = s.validUntil(s.cfg.CredentialSigner, now, cc.Validity).Unix()
	payload["vct"] = cc.VCT
	payload["cnf"] = map[string]any{"jwk": k.JWK}
	if st != nil {
		// draft-ietf-oauth-status-list "Referenced Token in JOSE"; never
		// selectively disclosable (draft-ietf-oauth-sd-jwt-vc Section 3.2.2.2).
		payload["status"] = map[string]any{"status_list": map[string]any{"idx": st.Index, "uri": st.URI}}
	}
	is := sdjwt.Issuer{
		Signer: s.cfg.CredentialSigner, KeyID: s.cfg.CredentialSigner.KeyID(), X5C: s.credX5C,
		MinDecoys: minDecoys, MaxDecoys: maxDecoys, Rand: s.cfg.Rand,
	}
	sd, err := is.IssueVC(payload)
	if err != nil {
		return "", fmt.Errorf("issuer: sign SD-JWT VC: %w", err)
	}
	return sd.String(), nil
}

// issueMDoc issues an mdoc (ISO/IEC 18013-5; OpenID4VCI 1.0 Appendix A.2)
// whose MSO binds the holder key as deviceKey.
func (s *Service) issueMDoc(cc CredentialConfiguration, claims map[string]any, k ProofKey, now time.Time, st *StatusEntry) (string, error) {
	elements, err := mdocElements(cc, claims)
	if err != nil {
		return "", fmt.Errorf("issuer: %w", err)
	}
	dk, ok := k.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return "", oid4vci.NewError(oid4vci.CodeInvalidProof, "an mdoc device key must be an EC key")
	}
	is := mdoc.Issuer{Signer: s.cfg.DocumentSigner, Chain: s.docChain, Now: func() time.Time { return now }, Rand: s.cfg.Rand}
	req := mdoc.Request{DocType: cc.Doctype, Elements: elements, DeviceKey: dk, ValidFrom: now, ValidUntil: s.validUntil(s.cfg.DocumentSigner, now, cc.Validity)}
	if st != nil {
		req.Status = &mdoc.StatusRef{Index: uint64(st.Index), URI: st.URI}
	}
	signed, err := is.Issue(req)
	if err != nil {
		return "", fmt.Errorf("issuer: sign mdoc: %w", err)
	}
	return mdoc.EncodeCredential(signed), nil
}

// validUntil is the end of a credential's validity: its configured
// lifetime, cut at the expiry of the signer's certificate. A credential
// must not outlive the certificate that proves its signature (ISO/IEC
// 18013-5 Section 9.1.2.4 for the MSO; for an SD-JWT VC the x5c chain
// stops validating then), so as a document signer ages its credentials
// get shorter until it is rotated.
func (s *Service) validUntil(signer *keys.SigningKey, now time.Time, validity time.Duration) time.Time {
	until := now.Add(validity)
	if chain := signer.Chain(); len(chain) > 0 && chain[0].NotAfter.Before(until) {
		until = chain[0].NotAfter
	}
	return until
}
