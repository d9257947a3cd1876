package portal

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/pramaan/pramaan/identity/esignet"
	"github.com/pramaan/pramaan/identity/record"
	"github.com/pramaan/pramaan/internal/audit"
)

// eSignet sign-in.
const (
	// SourceESignet is the record source of eSignet's consented claims.
	SourceESignet = "esignet"
	// SubjectKindESignet is the record's key kind for eSignet: the key is
	// the pairwise sub eSignet gives this client.
	SubjectKindESignet  = "esignet"
	PathESignetStart    = "/auth/esignet/start"
	PathESignetCallback = "/auth/esignet/callback"
	flowESignet         = "esignet"
)

// ESignet is the relying party (*esignet.RP implements it).
type ESignet interface {
	Start(ctx context.Context) (string, *esignet.Pending, error)
	Callback(ctx context.Context, p *esignet.Pending, query url.Values) (*esignet.Identity, error)
}

func esignetAAD(state string) []byte {
	return append([]byte("pramaan esignet pending v1\x00"), hash(state)...)
}

// ESignetEnabled reports whether eSignet sign-in is configured.
func (s *Service) ESignetEnabled() bool { return s.cfg.ESignet != nil }

// StartESignet pushes an authorization request to eSignet and keeps the
// sign-in's secrets (nonce, PKCE verifier, DPoP key) sealed in a one-time
// pending row under the state's hash.
func (s *Service) StartESignet(ctx context.Context, sessionID string) (*Start, error) {
	if s.cfg.ESignet == nil {
		return nil, newError(http.StatusNotFound, "esignet_off", "eSignet sign-in is not configured", nil)
	}
	u, p, err := s.cfg.ESignet.Start(ctx)
	if err != nil {
		return nil, esignetError(err)
	}
	plain, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("portal: esignet pending: %w", err)
	}
	sealed, err := s.cfg.Sealer.Seal(plain, esignetAAD(p.State))
	if err != nil {
		return nil, fmt.Errorf("portal: sealing esignet pending: %w", err)
	}
	now := s.cfg.Now()
	pa := PendingAuth{StateHash: hash(p.State), Flow: flowESignet, Verifier: sealed, CreatedAt: now, ExpiresAt: now.Add(s.cfg.PendingTTL)}
	if sessionID != "" {
		pa.SessionHash = hash(sessionID)
	}
	if err := s.cfg.Store.CreatePendingAuth(ctx, pa); err != nil {
		return nil, err
	}
	return &Start{URL: u, State: p.State}, nil
}

// HandleESignetCallback checks the state against the cookie and the
// one-time pending row, lets the relying party finish the sign-in
// (token, ID token, userinfo), records the consented claims as verified
// under the pairwise subject and opens a session.
func (s *Service) HandleESignetCallback(ctx context.Context, cb Callback, query url.Values) (*SignedIn, error) {
	if s.cfg.ESignet == nil {
		return nil, newError(http.StatusNotFound, "esignet_off", "eSignet sign-in is not configured", nil)
	}
	p, err := s.consumePending(ctx, cb)
	if err != nil {
		return nil, err
	}
	if p.Flow != flowESignet {
		return nil, newError(http.StatusBadRequest, "invalid_state", "this state belongs to another sign-in; start again", nil)
	}
	plain, err := s.cfg.Sealer.Open(p.Verifier, esignetAAD(cb.State))
	if err != nil {
		return nil, fmt.Errorf("portal: opening esignet pending: %w", err)
	}
	var pending esignet.Pending
	if err := json.Unmarshal(plain, &pending); err != nil {
		return nil, fmt.Errorf("portal: esignet pending: %w", err)
	}
	id, err := s.cfg.ESignet.Callback(ctx, &pending, query)
	if err != nil {
		return nil, esignetError(err)
	}
	subject, created, err := s.cfg.Record.Subject(ctx, SubjectKindESignet, id.Subject)
	if err != nil {
		return nil, err
	}
	if _, err := s.cfg.Audit.Append(ctx, audit.Event{Type: "esignet.login", Subject: subject, Actor: "citizen",
		Data: map[string]string{"acr": id.ACR, "new_subject": fmt.Sprint(created)}}); err != nil {
		return nil, err
	}
	n, err := s.record(ctx, subject, esignetObservations(id))
	if err != nil {
		return nil, err
	}
	out := &SignedIn{SubjectID: subject, Flow: flowESignet, Recorded: n}
	if err := s.openSession(ctx, out); err != nil {
		return nil, err
	}
	if cb.SessionID != "" {
		// The browser's earlier session ends with the new one.
		if err := s.cfg.Store.DeleteSession(ctx, hash(cb.SessionID)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// esignetObservations maps eSignet's claims (OpenID Connect Core 1.0
// Section 5.1) to the record's names: name, birth_date, gender,
// address.*, email, phone_number; every one verified, source esignet,
// the evidence the claims as eSignet signed them.
func esignetObservations(id *esignet.Identity) []record.Observation {
	evidence, _ := json.Marshal(id.Claims) // maps of JSON values marshal
	sum := sha256.Sum256(evidence)
	var obs []record.Observation
	add := func(name string, v any) {
		str, ok := v.(string)
		if str = strings.TrimSpace(str); !ok || str == "" {
			return
		}
		obs = append(obs, record.Observation{Name: name, Value: str, Source: SourceESignet, EvidenceHash: fmt.Sprintf("%x", sum), Verified: true})
	}
	c := id.Claims
	add("name", c["name"])
	if bd, ok := c["birthdate"].(string); ok {
		add("birth_date", strings.ReplaceAll(bd, "/", "-")) // eSignet's mock IdA writes YYYY/MM/DD
	}
	if g, ok := c["gender"].(string); ok {
		add("gender", normaliseGender(g))
	}
	if a, ok := c["address"].(map[string]any); ok {
		for from, to := range map[string]string{"street_address": "address.street", "locality": "address.locality", "region": "address.state",
			"postal_code": "address.pincode", "country": "address.country", "city": "address.city"} {
			add(to, a[from])
		}
	}
	add("email", c["email"])
	add("phone_number", c["phone_number"])
	return obs
}

// esignetError maps the relying party's errors to the front end's
// answers; each but a configuration error carries the restart URL.
func esignetError(err error) error {
	var e *Error
	switch {
	case errors.Is(err, esignet.ErrAccessDenied):
		e = newError(http.StatusForbidden, "access_denied", "eSignet consent was not given", err)
	case errors.Is(err, esignet.ErrState):
		e = newError(http.StatusBadRequest, "invalid_state", "the state does not match this sign-in; start again", err)
	case errors.Is(err, esignet.ErrUnavailable):
		e = newError(http.StatusServiceUnavailable, "esignet_unavailable", "eSignet did not answer; try again shortly", err)
	case errors.Is(err, esignet.ErrIDToken):
		e = newError(http.StatusBadGateway, "esignet_id_token_invalid", "eSignet's ID token did not validate; nothing was recorded", err)
	case errors.Is(err, esignet.ErrUserinfo):
		e = newError(http.StatusBadGateway, "esignet_userinfo_invalid", "eSignet's userinfo did not validate; nothing was recorded", err)
	case errors.Is(err, esignet.ErrInvalidClient):
		e = newError(http.StatusBadGateway, "esignet_client_refused", "eSignet refused this service's client authentication", err)
	case errors.Is(err, esignet.ErrRefused), errors.Is(err, esignet.ErrProtocol):
		e = newError(http.StatusBadGateway, "esignet_error", "eSignet's answer was refused", err)
	default:
		return err
	}
	e.RestartURL = PathESignetStart
	return e
}

// consumePending checks the callback's state against the browser's cookie
// and takes the one-time pending row.
func (s *Service) consumePending(ctx context.Context, cb Callback) (PendingAuth, error) {
	if cb.State == "" {
		return PendingAuth{}, newError(http.StatusBadRequest, "invalid_request", "the callback has no state", nil)
	}
	if cb.CookieState == "" || subtle.ConstantTimeCompare([]byte(cb.CookieState), []byte(cb.State)) != 1 {
		return PendingAuth{}, newError(http.StatusBadRequest, "invalid_state", "the state does not match this browser's sign-in; start again", nil)
	}
	p, err := s.cfg.Store.ConsumePendingAuth(ctx, hash(cb.State), s.cfg.Now())
	if errors.Is(err, ErrNotFound) {
		return PendingAuth{}, newError(http.StatusBadRequest, "invalid_state", "this sign-in was already completed or has expired; start again", err)
	}
	return p, err
}

// openSession opens a session for out's subject.
func (s *Service) openSession(ctx context.Context, out *SignedIn) error {
	id := randomToken()
	now := s.cfg.Now()
	ss := Session{IDHash: hash(id), SubjectID: out.SubjectID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL)}
	if err := s.cfg.Store.CreateSession(ctx, ss); err != nil {
		return err
	}
	out.SessionID, out.SessionExpiresAt = id, ss.ExpiresAt
	return nil
}
