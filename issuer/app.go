package issuer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"time"

	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/outbox"
)

// The app-mediated flow (the Aadhaar-style app between issuer and wallet):
//
//  1. The app's backend, a registered AppClient, asks POST
//     /app/issuer-config for a subject's claims. Pramaan creates an offer
//     owned by that client, redeems its pre-authorized code for it at once
//     (the wallet never calls /token), and answers with the code, the
//     granted credential identifiers, a c_nonce, the issuer's
//     credential_request_encryption and the credential offer (JSON, never
//     signed, without grants) that the app hands to the OS credential
//     manager together with the c_nonce.
//  2. The wallet signs its proofs with the c_nonce, builds an OpenID4VCI
//     Credential Request, encrypts it to the issuer's request-encryption
//     key and returns it to the app by deeplink.
//  3. The app's backend forwards it to POST /app/credential-request with
//     the code; Pramaan answers exactly as the Credential Endpoint would
//     (an encrypted response when the wallet asked for one) and, when a
//     wallet backend is named, writes a signed callback to the outbox in
//     the issuance's own transaction.
//
// Both requests authenticate the app client with a private_key_jwt client
// assertion (RFC 7523 Section 2.2, OpenID Connect Core Section 9).

// ClientAssertionTypeJWT is client_assertion_type for a JWT client
// assertion (RFC 7523 Section 2.2).
const ClientAssertionTypeJWT = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// Bounds of the app flow's requests.
const (
	maxAppRequestBytes    = 1 << 20
	maxClientAssertion    = 8 << 10
	maxAssertionLifetime  = 10 * time.Minute
	maxClientIDBytes      = 128
	maxRegistryKeys       = 8
	maxRegistryJWKSBytes  = 16 << 10
	maxCallbackURLBytes   = 2048
	defaultCallbackEnc    = "A256GCM"
	replayScopeAssertions = "client_assertion"
)

var clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]*$`)

// AppIssuerConfigRequest is the body of POST /app/issuer-config.
type AppIssuerConfigRequest struct {
	ClientAssertionType string `json:"client_assertion_type"`
	ClientAssertion     string `json:"client_assertion"`
	// CredentialConfigurationIDs are the configurations to offer; each
	// must be allowed to the client.
	CredentialConfigurationIDs []string `json:"credential_configuration_ids"`
	// Subject is the app's stable key of the citizen. REQUIRED.
	Subject string `json:"subject"`
	// Claims are the subject's claims the credentials are built from.
	Claims map[string]any `json:"claims"`
}

// AppIssuerConfig is the answer of POST /app/issuer-config.
type AppIssuerConfig struct {
	CredentialIssuer           string   `json:"credential_issuer"`
	CredentialConfigurationIDs []string `json:"credential_configuration_ids"`
	// PreAuthorizedCode identifies the offer in POST
	// /app/credential-request; it is already redeemed for the app and is
	// worth nothing at /token. Keep it in the app's backend.
	PreAuthorizedCode    string                        `json:"pre-authorized_code"`
	AuthorizationDetails []oid4vci.AuthorizationDetail `json:"authorization_details"`
	// CNonce is the c_nonce the wallet's proofs must carry.
	CNonce string `json:"c_nonce"`
	// CredentialRequestEncryption is the issuer metadata's
	// credential_request_encryption: the key the wallet encrypts to.
	CredentialRequestEncryption json.RawMessage `json:"credential_request_encryption,omitempty"`
	// CredentialOffer is for the OS credential manager: JSON, unsigned,
	// without grants (the wallet answers through the app).
	CredentialOffer *oid4vci.CredentialOffer `json:"credential_offer"`
	// ExpiresIn is how long, in seconds, the code stays usable.
	ExpiresIn int64 `json:"expires_in"`
}

// AppCredentialRequest is the body of POST /app/credential-request.
type AppCredentialRequest struct {
	ClientAssertionType string `json:"client_assertion_type"`
	ClientAssertion     string `json:"client_assertion"`
	PreAuthorizedCode   string `json:"pre-authorized_code"`
	// Request is the compact JWE from the wallet's deeplink: an OpenID4VCI
	// Credential Request encrypted to the issuer (Section 10).
	Request string `json:"request"`
	// WalletBackend, when set, is the registered wallet backend that
	// receives the credentials by callback.
	WalletBackend string `json:"wallet_backend,omitempty"`
}

// decodeStrict decodes one JSON object, refusing unknown members and
// trailing data.
func decodeStrict(body []byte, max int, what string, v any) error {
	if len(body) > max {
		return oid4vci.Errorf(oid4vci.CodeInvalidRequest, "%s larger than %d bytes", what, max)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return oid4vci.WrapError(oid4vci.CodeInvalidRequest, err, what+" is not valid JSON: "+err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return oid4vci.Errorf(oid4vci.CodeInvalidRequest, "%s has trailing data", what)
	}
	return nil
}

func (s *Service) requireJSON(r *Request) error {
	if !hasMediaType(r.Header, oid4vci.MediaTypeJSON) {
		return oid4vci.NewError(oid4vci.CodeInvalidRequest, "Content-Type must be application/json")
	}
	return nil
}

// IssuerConfig answers POST /app/issuer-config.
func (s *Service) IssuerConfig(ctx context.Context, r *Request) (*Response, error) {
	if err := s.requireJSON(r); err != nil {
		return nil, err
	}
	var req AppIssuerConfigRequest
	if err := decodeStrict(r.Body, maxAppRequestBytes, "issuer-config request", &req); err != nil {
		return nil, err
	}
	now := s.now()
	client, err := s.authenticateClient(ctx, req.ClientAssertionType, req.ClientAssertion, r.URL, now)
	if err != nil {
		return nil, err
	}
	if req.Subject == "" {
		return nil, oid4vci.NewError(oid4vci.CodeInvalidRequest, "subject is required")
	}
	for _, id := range req.CredentialConfigurationIDs {
		if !slices.Contains(client.ConfigurationIDs, id) {
			return nil, oid4vci.Errorf(oid4vci.CodeUnauthorizedClient, "client %s may not request credential configuration %q", client.ID, id).WithStatus(http.StatusForbidden)
		}
	}
	offerReq := &OfferRequest{CredentialConfigurationIDs: req.CredentialConfigurationIDs, Subject: req.Subject, Claims: req.Claims}
	if err := offerReq.validate(); err != nil {
		return nil, err
	}
	offerReq.clientID = client.ID
	res, err := s.NewOffer(ctx, offerReq)
	if err != nil {
		return nil, err
	}
	code := res.CredentialOffer.Grants.PreAuthorizedCode.PreAuthorizedCode
	codeHash := sha256.Sum256([]byte(code))
	o, err := s.cfg.Store.RedeemCode(ctx, codeHash[:], now, s.limits.TxCodeMaxAttempts, s.retainUntil(now), func(Offer) error { return nil })
	if err != nil {
		return nil, fmt.Errorf("issuer: redeem the app's offer: %w", err)
	}
	details, err := grantedDetails(o, nil)
	if err != nil {
		return nil, err
	}
	nonce, err := s.randomString(32)
	if err != nil {
		return nil, err
	}
	if err := s.cfg.Store.CreateNonce(ctx, nonce, now.Add(s.limits.CNonceTTL)); err != nil {
		return nil, fmt.Errorf("issuer: store c_nonce: %w", err)
	}
	reqEnc, err := s.requestEncryptionMetadata(ctx)
	if err != nil {
		return nil, err
	}
	out := AppIssuerConfig{
		CredentialIssuer:            s.cfg.CredentialIssuer,
		CredentialConfigurationIDs:  o.ConfigurationIDs,
		PreAuthorizedCode:           code,
		AuthorizationDetails:        details,
		CNonce:                      nonce,
		CredentialRequestEncryption: reqEnc,
		CredentialOffer: &oid4vci.CredentialOffer{
			CredentialIssuer:           s.cfg.CredentialIssuer,
			CredentialConfigurationIDs: o.ConfigurationIDs,
		},
		ExpiresIn: int64(o.ExpiresAt.Sub(now).Seconds()),
	}
	body, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("issuer: issuer-config response: %w", err)
	}
	return jsonResponse(http.StatusOK, body, noStore()), nil
}

// requestEncryptionMetadata returns credential_request_encryption of the
// issuer metadata (from the metadata cache), or nil when requests are not
// encrypted.
func (s *Service) requestEncryptionMetadata(ctx context.Context) (json.RawMessage, error) {
	resp, err := s.CredentialIssuerMetadata(ctx, &Request{Method: http.MethodGet, Header: http.Header{}})
	if err != nil {
		return nil, err
	}
	var md struct {
		Enc json.RawMessage `json:"credential_request_encryption"`
	}
	if err := json.Unmarshal(resp.Body, &md); err != nil {
		return nil, fmt.Errorf("issuer: own metadata: %w", err)
	}
	return md.Enc, nil
}

// AppCredential answers POST /app/credential-request: the app client's
// redeemed offer stands for the access token, the wallet's encrypted
// request is answered as the Credential Endpoint answers it.
func (s *Service) AppCredential(ctx context.Context, r *Request) (*Response, error) {
	if err := s.requireJSON(r); err != nil {
		return nil, err
	}
	var req AppCredentialRequest
	if err := decodeStrict(r.Body, maxAppRequestBytes, "app credential request", &req); err != nil {
		return nil, err
	}
	now := s.now()
	client, err := s.authenticateClient(ctx, req.ClientAssertionType, req.ClientAssertion, r.URL, now)
	if err != nil {
		return nil, err
	}
	if req.PreAuthorizedCode == "" || req.Request == "" {
		return nil, oid4vci.NewError(oid4vci.CodeInvalidRequest, "pre-authorized_code and request are required")
	}
	codeHash := sha256.Sum256([]byte(req.PreAuthorizedCode))
	o, err := s.cfg.Store.RedeemedOfferByCode(ctx, codeHash[:], now)
	if errors.Is(err, ErrNotFound) || (err == nil && o.ClientID != client.ID) {
		return nil, oid4vci.NewError(oid4vci.CodeInvalidGrant, "the pre-authorized code is unknown, expired or not this client's")
	}
	if err != nil {
		return nil, fmt.Errorf("issuer: load the app's offer: %w", err)
	}
	// An identical forward (same client, code, backend and JWE) within the
	// idempotency window gets the stored reply: the app may retry safely.
	h := sha256.New()
	for _, part := range []string{"app", client.ID, req.PreAuthorizedCode, req.WalletBackend, req.Request} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	key := h.Sum(nil)
	if resp, err := s.storedReply(ctx, key, now); resp != nil || err != nil {
		return resp, err
	}
	if s.cfg.RequestKey == nil || !s.cfg.EncryptionEnabled {
		return nil, oid4vci.NewError(oid4vci.CodeInvalidEncryptionParameters, "this issuer does not accept encrypted requests, which the app flow needs")
	}
	plain, err := DecryptRequest([]byte(req.Request), s.cfg.RequestKey, s.cfg.Encryption)
	if err != nil {
		return nil, err
	}
	details, err := grantedDetails(o, nil)
	if err != nil {
		return nil, err
	}
	return s.credential(ctx, grant{offerID: o.ID, details: details, walletBackend: req.WalletBackend}, key, plain, true, now)
}

// authenticateClient checks a private_key_jwt client assertion (RFC 7523
// Section 3) and returns the registered client: iss and sub are the
// client_id; aud is the Credential Issuer Identifier or this endpoint's
// URL; exp is required and at most maxAssertionLifetime ahead; jti is
// single use until exp; the signature is ES256 with a key of the
// client's registered JWK Set (by kid when the set has several).
func (s *Service) authenticateClient(ctx context.Context, assertionType, assertion, endpoint string, now time.Time) (*AppClient, error) {
	fail := func(desc string) (*AppClient, error) {
		return nil, oid4vci.NewError(oid4vci.CodeInvalidClient, "client authentication failed: "+desc)
	}
	if assertionType != ClientAssertionTypeJWT {
		return fail("client_assertion_type must be " + ClientAssertionTypeJWT)
	}
	j, err := parseCompactJWS(assertion, maxClientAssertion)
	if err != nil {
		return fail("client_assertion is not a compact JWS")
	}
	if j.header.has("crit") {
		return fail("crit is not understood")
	}
	if alg, _, err := j.header.str("alg"); err != nil || alg != "ES256" {
		return fail("alg must be ES256")
	}
	kid, _, err := j.header.str("kid")
	if err != nil {
		return fail("kid is not a string")
	}
	claims, err := decodeJOSEObject(j.payload)
	if err != nil {
		return fail("the payload is not a JSON object")
	}
	iss, _, _ := claims.str("iss")
	sub, _, _ := claims.str("sub")
	if iss == "" || iss != sub || len(iss) > maxClientIDBytes {
		return fail("iss and sub must both be the client_id")
	}
	// RFC 7519 Section 4.1.3: aud is a string or an array of strings.
	aud, _, err := claims.strings("aud", 8)
	if one, _, serr := claims.str("aud"); serr == nil && one != "" {
		aud, err = []string{one}, nil
	}
	if err != nil || !(slices.Contains(aud, s.cfg.CredentialIssuer) || slices.Contains(aud, endpoint)) {
		return fail("aud must be the credential issuer or this endpoint")
	}
	exp, hasExp, err := claims.numericDate("exp")
	if err != nil || !hasExp {
		return fail("exp is required")
	}
	skew := s.limits.ClockSkew
	if !now.Before(exp.Add(skew)) {
		return fail("the assertion expired")
	}
	if exp.Sub(now) > maxAssertionLifetime+skew {
		return fail(fmt.Sprintf("exp is more than %s ahead", maxAssertionLifetime))
	}
	if iat, has, err := claims.numericDate("iat"); err != nil || (has && iat.After(now.Add(skew))) {
		return fail("iat is in the future")
	}
	if nbf, has, err := claims.numericDate("nbf"); err != nil || (has && nbf.After(now.Add(skew))) {
		return fail("the assertion is not valid yet")
	}
	jti, _, _ := claims.str("jti")
	if jti == "" || len(jti) > 256 {
		return fail("jti is required")
	}
	client, err := s.cfg.Store.AppClient(ctx, iss)
	if errors.Is(err, ErrNotFound) {
		return fail("unknown client")
	}
	if err != nil {
		return nil, fmt.Errorf("issuer: load app client: %w", err)
	}
	key, err := clientKey(client.JWKS, kid)
	if err != nil {
		return fail(err.Error())
	}
	pk, err := parsePublicJWK(key, "ES256")
	if err != nil {
		return fail("the registered key is not an ES256 key")
	}
	if err := j.verifySignature("ES256", pk.pub); err != nil {
		return fail("the signature does not verify")
	}
	// Only a verified assertion spends its jti, so that nobody can burn
	// another client's jtis.
	if err := s.cfg.Store.Remember(ctx, replayScopeAssertions+":"+client.ID, jti, now, exp.Add(skew)); err != nil {
		if errors.Is(err, ErrAlreadyExists) {
			return fail("the assertion's jti was already used")
		}
		return nil, fmt.Errorf("issuer: remember client assertion: %w", err)
	}
	return &client, nil
}

// clientKey picks the key of a registered JWK Set: by kid, or the only one.
func clientKey(jwks []byte, kid string) (json.RawMessage, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(jwks, &set); err != nil {
		return nil, errors.New("the client's registered keys are unreadable")
	}
	if kid == "" {
		if len(set.Keys) == 1 {
			return set.Keys[0], nil
		}
		return nil, errors.New("kid is required: the client has several keys")
	}
	for _, k := range set.Keys {
		var m struct {
			Kid string `json:"kid"`
		}
		if json.Unmarshal(k, &m) == nil && m.Kid == kid {
			return k, nil
		}
	}
	return nil, errors.New("no registered key has this kid")
}

// walletBackendFor loads the wallet backend a callback goes to and checks
// it may receive the configuration.
func (s *Service) walletBackendFor(ctx context.Context, id, configID string) (*WalletBackend, error) {
	b, err := s.cfg.Store.WalletBackend(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, oid4vci.Errorf(oid4vci.CodeInvalidRequest, "unknown wallet backend %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("issuer: load wallet backend: %w", err)
	}
	if !slices.Contains(b.ConfigurationIDs, configID) {
		return nil, oid4vci.Errorf(oid4vci.CodeCredentialRequestDenied, "wallet backend %q may not receive credential %s", id, configID)
	}
	return &b, nil
}

// callbackMessage builds the outbox message that delivers creds to b: the
// Callback JSON encrypted to the backend's key (ECDH-ES).
func (s *Service) callbackMessage(b WalletBackend, rec IssuedCredential, creds []oid4vci.IssuedCredential) (*outbox.Message, error) {
	cb := outbox.Callback{
		CredentialIssuer:          s.cfg.CredentialIssuer,
		CredentialConfigurationID: rec.ConfigurationID,
		Format:                    rec.Format,
		NotificationID:            rec.ID,
		IssuedAt:                  rec.IssuedAt.UTC(),
	}
	for _, c := range creds {
		cb.Credentials = append(cb.Credentials, outbox.CallbackCredential{Credential: c.Credential})
	}
	payload, err := json.Marshal(cb)
	if err != nil {
		return nil, fmt.Errorf("issuer: callback: %w", err)
	}
	jwe, err := EncryptResponse(payload, oid4vci.ResponseEncryption{JWK: b.EncryptionJWK, Enc: s.callbackEnc()}, s.cfg.Encryption)
	if err != nil {
		return nil, fmt.Errorf("issuer: encrypt callback to %s: %w", b.ID, err)
	}
	id, err := s.randomString(16)
	if err != nil {
		return nil, err
	}
	return &outbox.Message{
		ID: id, Destination: b.ID, URL: b.CallbackURL, ContentType: outbox.MediaTypeJOSE, Body: []byte(jwe),
		IssuanceID: rec.ID, State: outbox.StatePending, NextAttemptAt: rec.IssuedAt, CreatedAt: rec.IssuedAt,
	}, nil
}

// callbackEnc is the content encryption of callbacks: A256GCM when the
// policy allows it, else the policy's first.
func (s *Service) callbackEnc() string {
	encs := s.cfg.Encryption.ResponseEncs()
	if slices.Contains(encs, defaultCallbackEnc) || len(encs) == 0 {
		return defaultCallbackEnc
	}
	return encs[0]
}
