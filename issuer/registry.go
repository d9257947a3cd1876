package issuer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/outbox"
)

// The operator's registry of app clients and wallet backends, and the
// outbox's dead letters (admin API).

// AppClientRegistration is the body of POST /admin/app-clients and an
// entry of GET /admin/app-clients.
type AppClientRegistration struct {
	ClientID                   string          `json:"client_id"`
	JWKS                       json.RawMessage `json:"jwks"`
	CredentialConfigurationIDs []string        `json:"credential_configuration_ids"`
	CreatedAt                  time.Time       `json:"created_at,omitzero"`
}

// WalletBackendRegistration is the body of POST /admin/wallet-backends
// and an entry of GET /admin/wallet-backends.
type WalletBackendRegistration struct {
	ClientID                   string          `json:"client_id"`
	CallbackURL                string          `json:"callback_url"`
	EncryptionJWK              json.RawMessage `json:"encryption_jwk"`
	CredentialConfigurationIDs []string        `json:"credential_configuration_ids"`
	CreatedAt                  time.Time       `json:"created_at,omitzero"`
}

// CallbackStatus is an entry of GET /admin/callbacks: an outbox message
// without its body.
type CallbackStatus struct {
	ID             string       `json:"id"`
	WalletBackend  string       `json:"wallet_backend"`
	URL            string       `json:"url"`
	NotificationID string       `json:"notification_id,omitempty"`
	State          outbox.State `json:"state"`
	Attempts       int          `json:"attempts"`
	NextAttemptAt  time.Time    `json:"next_attempt_at,omitzero"`
	LastStatus     int          `json:"last_status,omitempty"`
	LastError      string       `json:"last_error,omitempty"`
	CreatedAt      time.Time    `json:"created_at"`
	DeliveredAt    time.Time    `json:"delivered_at,omitzero"`
}

func (s *Service) checkRegistration(clientID string, configs []string) error {
	if len(clientID) == 0 || len(clientID) > maxClientIDBytes || !clientIDPattern.MatchString(clientID) {
		return oid4vci.Errorf(oid4vci.CodeInvalidRequest, "client_id must be 1 to %d characters of A-Z a-z 0-9 . _ : -", maxClientIDBytes)
	}
	if len(configs) == 0 {
		return oid4vci.NewError(oid4vci.CodeInvalidRequest, "credential_configuration_ids is required")
	}
	for _, id := range configs {
		if _, ok := s.cfg.Configurations[id]; !ok {
			return oid4vci.Errorf(oid4vci.CodeInvalidRequest, "unknown credential configuration %q", id)
		}
	}
	return nil
}

// RegisterAppClient answers POST /admin/app-clients: it registers (or
// replaces) an app client with its public ES256 keys.
func (s *Service) RegisterAppClient(ctx context.Context, r *Request) (*Response, error) {
	var reg AppClientRegistration
	if err := decodeStrict(r.Body, maxRegistryJWKSBytes*2, "app client registration", &reg); err != nil {
		return nil, err
	}
	if err := s.checkRegistration(reg.ClientID, reg.CredentialConfigurationIDs); err != nil {
		return nil, err
	}
	if err := checkClientJWKS(reg.JWKS); err != nil {
		return nil, err
	}
	reg.CreatedAt = s.now().UTC()
	c := AppClient{ID: reg.ClientID, JWKS: reg.JWKS, ConfigurationIDs: reg.CredentialConfigurationIDs, CreatedAt: reg.CreatedAt}
	if err := s.cfg.Store.PutAppClient(ctx, c); err != nil {
		return nil, fmt.Errorf("issuer: register app client: %w", err)
	}
	return marshalResponse(http.StatusCreated, reg)
}

// checkClientJWKS accepts a JWK Set of 1 to maxRegistryKeys public EC
// P-256 keys usable for ES256, each with a distinct kid when several.
func checkClientJWKS(raw json.RawMessage) error {
	bad := func(format string, args ...any) error {
		return oid4vci.Errorf(oid4vci.CodeInvalidRequest, "jwks: "+format, args...)
	}
	if len(raw) == 0 || len(raw) > maxRegistryJWKSBytes {
		return bad("required, at most %d bytes", maxRegistryJWKSBytes)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(raw, &set); err != nil {
		return bad("not a JWK Set")
	}
	if len(set.Keys) == 0 || len(set.Keys) > maxRegistryKeys {
		return bad("1 to %d keys", maxRegistryKeys)
	}
	kids := map[string]bool{}
	for i, k := range set.Keys {
		if _, err := parsePublicJWK(k, "ES256"); err != nil {
			return bad("key %d is not a public ES256 (EC P-256) key: %v", i, errors.Unwrap(err))
		}
		var m struct {
			Kid string `json:"kid"`
		}
		_ = json.Unmarshal(k, &m)
		if len(set.Keys) > 1 && (m.Kid == "" || kids[m.Kid]) {
			return bad("with several keys, each needs its own kid")
		}
		kids[m.Kid] = true
	}
	return nil
}

// AppClients answers GET /admin/app-clients.
func (s *Service) AppClients(ctx context.Context, _ *Request) (*Response, error) {
	cs, err := s.cfg.Store.AppClients(ctx)
	if err != nil {
		return nil, fmt.Errorf("issuer: list app clients: %w", err)
	}
	out := make([]AppClientRegistration, 0, len(cs))
	for _, c := range cs {
		out = append(out, AppClientRegistration{ClientID: c.ID, JWKS: c.JWKS, CredentialConfigurationIDs: c.ConfigurationIDs, CreatedAt: c.CreatedAt})
	}
	return marshalResponse(http.StatusOK, map[string]any{"app_clients": out})
}

// RegisterWalletBackend answers POST /admin/wallet-backends: it registers
// (or replaces) a wallet backend, its callback URL and its encryption key.
func (s *Service) RegisterWalletBackend(ctx context.Context, r *Request) (*Response, error) {
	var reg WalletBackendRegistration
	if err := decodeStrict(r.Body, maxRegistryJWKSBytes*2, "wallet backend registration", &reg); err != nil {
		return nil, err
	}
	if err := s.checkRegistration(reg.ClientID, reg.CredentialConfigurationIDs); err != nil {
		return nil, err
	}
	if len(reg.CallbackURL) > maxCallbackURLBytes {
		return nil, oid4vci.Errorf(oid4vci.CodeInvalidRequest, "callback_url longer than %d bytes", maxCallbackURLBytes)
	}
	if err := oid4vci.ValidateEndpointURL(reg.CallbackURL); err != nil {
		return nil, oid4vci.WrapError(oid4vci.CodeInvalidRequest, err, "callback_url: "+err.Error())
	}
	// The key must be one the issuer can encrypt callbacks to.
	if err := CheckResponseEncryption(&oid4vci.ResponseEncryption{JWK: reg.EncryptionJWK, Enc: s.callbackEnc()}, s.cfg.Encryption); err != nil {
		var oe *oid4vci.Error
		if errors.As(err, &oe) {
			return nil, oid4vci.Errorf(oid4vci.CodeInvalidRequest, "encryption_jwk: %s", oe.Description)
		}
		return nil, err
	}
	reg.CreatedAt = s.now().UTC()
	b := WalletBackend{ID: reg.ClientID, CallbackURL: reg.CallbackURL, EncryptionJWK: reg.EncryptionJWK, ConfigurationIDs: reg.CredentialConfigurationIDs, CreatedAt: reg.CreatedAt}
	if err := s.cfg.Store.PutWalletBackend(ctx, b); err != nil {
		return nil, fmt.Errorf("issuer: register wallet backend: %w", err)
	}
	return marshalResponse(http.StatusCreated, reg)
}

// WalletBackends answers GET /admin/wallet-backends.
func (s *Service) WalletBackends(ctx context.Context, _ *Request) (*Response, error) {
	bs, err := s.cfg.Store.WalletBackends(ctx)
	if err != nil {
		return nil, fmt.Errorf("issuer: list wallet backends: %w", err)
	}
	out := make([]WalletBackendRegistration, 0, len(bs))
	for _, b := range bs {
		out = append(out, WalletBackendRegistration{ClientID: b.ID, CallbackURL: b.CallbackURL, EncryptionJWK: b.EncryptionJWK, CredentialConfigurationIDs: b.ConfigurationIDs, CreatedAt: b.CreatedAt})
	}
	return marshalResponse(http.StatusOK, map[string]any{"wallet_backends": out})
}

// Callbacks answers GET /admin/callbacks?state=pending|delivered|dead
// &limit=N (default 100, at most 1000): the outbox, newest first.
func (s *Service) Callbacks(ctx context.Context, r *Request) (*Response, error) {
	q, err := url.ParseQuery(r.Query)
	if err != nil {
		return nil, oid4vci.NewError(oid4vci.CodeInvalidRequest, "bad query")
	}
	state := outbox.State(q.Get("state"))
	switch state {
	case "", outbox.StatePending, outbox.StateDelivered, outbox.StateDead:
	default:
		return nil, oid4vci.Errorf(oid4vci.CodeInvalidRequest, "state must be pending, delivered or dead")
	}
	limit := 100
	if l := q.Get("limit"); l != "" {
		if limit, err = strconv.Atoi(l); err != nil || limit < 1 || limit > 1000 {
			return nil, oid4vci.NewError(oid4vci.CodeInvalidRequest, "limit must be 1 to 1000")
		}
	}
	msgs, err := s.cfg.Store.Messages(ctx, state, limit)
	if err != nil {
		return nil, fmt.Errorf("issuer: list callbacks: %w", err)
	}
	out := make([]CallbackStatus, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, CallbackStatus{
			ID: m.ID, WalletBackend: m.Destination, URL: m.URL, NotificationID: m.IssuanceID, State: m.State,
			Attempts: m.Attempts, NextAttemptAt: m.NextAttemptAt, LastStatus: m.LastStatus, LastError: m.LastError,
			CreatedAt: m.CreatedAt, DeliveredAt: m.DeliveredAt,
		})
	}
	return marshalResponse(http.StatusOK, map[string]any{"callbacks": out})
}

// RetryCallback answers POST /admin/callbacks/{id}/retry: a dead callback
// is pending again, due now, its attempts reset.
func (s *Service) RetryCallback(ctx context.Context, r *Request) (*Response, error) {
	err := s.cfg.Store.Requeue(ctx, r.PathID, s.now())
	if errors.Is(err, outbox.ErrNotFound) {
		return nil, oid4vci.NewError(oid4vci.CodeInvalidRequest, "no dead callback with this id").WithStatus(http.StatusNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("issuer: requeue callback: %w", err)
	}
	return marshalResponse(http.StatusOK, map[string]string{"id": r.PathID, "state": string(outbox.StatePending)})
}

func marshalResponse(status int, v any) (*Response, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("issuer: response: %w", err)
	}
	return jsonResponse(status, body, noStore()), nil
}
