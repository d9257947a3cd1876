package portal

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pramaan/pramaan/identity/digilocker"
	"github.com/pramaan/pramaan/identity/record"
	"github.com/pramaan/pramaan/internal/audit"
)

// Sources of record claims.
const (
	SourceProfile  = "digilocker_profile"
	SourceEAadhaar = "digilocker_eaadhaar"
	// SourceDocumentPrefix is followed by the doctype.
	SourceDocumentPrefix = "digilocker_document:"
)

// SubjectKind is the record's key kind for DigiLocker accounts.
const SubjectKind = "digilocker"

// Start is an authorization to send the browser to.
type Start struct {
	// URL is DigiLocker's authorize URL.
	URL string
	// State goes into the HttpOnly, SameSite cookie that the callback
	// compares with the state DigiLocker echoes.
	State string
}

// StartFlow begins the login or documents flow: a fresh state and PKCE
// verifier, the verifier sealed in a one-time pending row under the
// state's hash. sessionID is the caller's session, if any.
func (s *Service) StartFlow(ctx context.Context, flow digilocker.Flow, sessionID string) (*Start, error) {
	if flow != digilocker.FlowLogin && flow != digilocker.FlowDocuments {
		return nil, fmt.Errorf("portal: unknown flow %q", flow)
	}
	state, verifier := digilocker.NewState(), digilocker.NewVerifier()
	now := s.cfg.Now()
	sealed, err := s.cfg.Sealer.Seal([]byte(verifier), pendingAAD(state))
	if err != nil {
		return nil, fmt.Errorf("portal: sealing verifier: %w", err)
	}
	p := PendingAuth{StateHash: hash(state), Flow: string(flow), Verifier: sealed, CreatedAt: now, ExpiresAt: now.Add(s.cfg.PendingTTL)}
	if sessionID != "" {
		p.SessionHash = hash(sessionID)
	}
	req := digilocker.AuthRequest{Flow: flow, State: state, CodeChallenge: digilocker.Challenge(verifier)}
	if flow == digilocker.FlowDocuments {
		req.DocTypes = s.cfg.DocTypes
	}
	u, err := s.cfg.Client.AuthorizeURL(req)
	if err != nil {
		return nil, err
	}
	if err := s.cfg.Store.CreatePendingAuth(ctx, p); err != nil {
		return nil, err
	}
	return &Start{URL: u, State: state}, nil
}

func pendingAAD(state string) []byte {
	return append([]byte("pramaan digilocker pending v1\x00"), hash(state)...)
}

// Callback is what DigiLocker's redirect brings.
type Callback struct {
	// State and Code (or Error) from the query.
	State, Code, Error, ErrorDescription string
	// CookieState is the state cookie set by StartFlow.
	CookieState string
	// SessionID is the caller's session cookie, if any.
	SessionID string
}

// SignedIn is the outcome of a callback or a mobile exchange.
type SignedIn struct {
	SubjectID string
	// SessionID is a new session to set (empty: keep the caller's).
	SessionID        string
	SessionExpiresAt time.Time
	Flow             digilocker.Flow
	// Recorded counts the claims written to the record.
	Recorded int
}

// HandleCallback checks the state against the cookie and the one-time
// pending row, exchanges the code with the stored verifier, and imports
// the flow's evidence into the record.
func (s *Service) HandleCallback(ctx context.Context, cb Callback) (*SignedIn, error) {
	p, err := s.consumePending(ctx, cb)
	if err != nil {
		return nil, err
	}
	if p.Flow == flowESignet {
		return nil, newError(http.StatusBadRequest, "invalid_state", "this state belongs to another sign-in; start again", nil)
	}
	flow := digilocker.Flow(p.Flow)
	if cb.Error != "" {
		e := newError(http.StatusForbidden, "access_denied", "DigiLocker consent was not given", nil)
		if cb.Error != "access_denied" {
			e = newError(http.StatusBadGateway, "digilocker_error", fmt.Sprintf("DigiLocker answered %.60q", cb.Error), nil)
		}
		e.RestartURL = restartURL(flow)
		return nil, e
	}
	if cb.Code == "" {
		return nil, newError(http.StatusBadRequest, "invalid_request", "the callback has neither code nor error", nil)
	}
	verifier, err := s.cfg.Sealer.Open(p.Verifier, pendingAAD(cb.State))
	if err != nil {
		return nil, fmt.Errorf("portal: opening verifier: %w", err)
	}
	// Documents shared from a signed-in session must be that citizen's;
	// a login always opens a new session, whoever was signed in before.
	var callerSubject string
	if flow == digilocker.FlowDocuments && cb.SessionID != "" && len(p.SessionHash) > 0 && subtle.ConstantTimeCompare(p.SessionHash, hash(cb.SessionID)) == 1 {
		if ss, err := s.cfg.Store.Session(ctx, p.SessionHash, s.cfg.Now()); err == nil {
			callerSubject = ss.SubjectID
		}
	}
	tok, err := s.cfg.Client.Exchange(ctx, cb.Code, string(verifier))
	if err != nil {
		return nil, exchangeError(err, flow)
	}
	out, err := s.signIn(ctx, s.cfg.Client, tok, flow, callerSubject)
	if err != nil {
		return nil, err
	}
	if out.SessionID != "" && cb.SessionID != "" {
		// The browser's earlier session ends with the new one.
		if err := s.cfg.Store.DeleteSession(ctx, hash(cb.SessionID)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// exchangeError maps a failed code exchange.
func exchangeError(err error, flow digilocker.Flow) error {
	var e *Error
	var api *digilocker.APIError
	switch {
	case digilocker.IsGrantRejected(err):
		e = newError(http.StatusBadRequest, "invalid_grant", "DigiLocker refused the authorization code (used, expired or not for this sign-in)", err)
	case errors.As(err, &api) && api.Status < 500:
		e = newError(http.StatusBadGateway, "digilocker_error", "DigiLocker refused the exchange", err)
	default:
		e = newError(http.StatusServiceUnavailable, "digilocker_unavailable", "DigiLocker did not answer; try again shortly", err)
	}
	e.RestartURL = restartURL(flow)
	return e
}

// signIn finds the subject of the DigiLocker account, keeps its tokens,
// imports the flow's evidence and opens a session.
func (s *Service) signIn(ctx context.Context, client *digilocker.Client, tok *digilocker.Token, flow digilocker.Flow, callerSubject string) (*SignedIn, error) {
	user := tok.User
	if user.DigiLockerID == "" {
		u, err := client.User(ctx, tok.AccessToken)
		if err != nil {
			return nil, s.apiError(ctx, "", flow, err)
		}
		user = *u
	}
	subject, created, err := s.cfg.Record.Subject(ctx, SubjectKind, user.DigiLockerID)
	if err != nil {
		return nil, err
	}
	if callerSubject != "" && callerSubject != subject {
		return nil, newError(http.StatusForbidden, "subject_mismatch", "these documents belong to another DigiLocker account than the one signed in", nil)
	}
	// Only the document flow needs its tokens later (documents, files,
	// the e-Aadhaar photo of an offer); the login token has served once
	// the profile is read, and a refresh token the flow does not need is
	// never stored (DESIGN.md, Storage).
	if flow == digilocker.FlowDocuments {
		if err := s.cfg.Tokens.Save(ctx, subject, flow, tok); err != nil {
			return nil, err
		}
	}
	out := &SignedIn{SubjectID: subject, Flow: flow}
	event := "digilocker.login"
	if flow == digilocker.FlowDocuments {
		event = "digilocker.documents_shared"
	}
	if _, err := s.cfg.Audit.Append(ctx, audit.Event{Type: event, Subject: subject, Actor: "citizen",
		Data: map[string]string{"flow": string(flow), "new_subject": fmt.Sprint(created)}}); err != nil {
		return nil, err
	}
	n, err := s.importProfile(ctx, subject, user)
	if err != nil {
		return nil, err
	}
	out.Recorded += n
	if flow == digilocker.FlowDocuments {
		n, err := s.importDocuments(ctx, subject, tok.AccessToken, user)
		if err != nil {
			return nil, err
		}
		out.Recorded += n
	}
	if callerSubject == "" {
		if err := s.openSession(ctx, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// importProfile records the account's name, date of birth and gender as
// verified by DigiLocker.
func (s *Service) importProfile(ctx context.Context, subject string, u digilocker.User) (int, error) {
	evidence, err := json.Marshal(u)
	if err != nil {
		return 0, err
	}
	var obs []record.Observation
	add := func(name, value string) {
		if value = strings.TrimSpace(value); value != "" {
			obs = append(obs, record.Observation{Name: name, Value: value, Source: SourceProfile, Evidence: evidence, Verified: true})
		}
	}
	add("name", u.Name)
	if bd, err := u.BirthDate(); err == nil {
		add("birth_date", bd)
	}
	add("gender", normaliseGender(u.Gender))
	return s.record(ctx, subject, obs)
}

func (s *Service) record(ctx context.Context, subject string, obs []record.Observation) (int, error) {
	if len(obs) == 0 {
		return 0, nil
	}
	out, err := s.cfg.Record.Record(ctx, subject, obs)
	if err != nil {
		return 0, err
	}
	return len(out.Changed), nil
}

// normaliseGender maps DigiLocker's M/F/T to the credential's values.
func normaliseGender(g string) string {
	switch strings.ToUpper(strings.TrimSpace(g)) {
	case "M", "MALE":
		return "M"
	case "F", "FEMALE":
		return "F"
	case "T", "O", "TRANSGENDER", "OTHER":
		return "T"
	}
	return ""
}

// MobileStart is the enrollment app's start: the app made the verifier and
// state and sends the challenge; the authorize URL uses the app's redirect
// URI, and the app brings the code back to MobileExchange.
func (s *Service) MobileStart(codeChallenge, state string) (string, error) {
	if s.cfg.MobileClient == nil {
		return "", newError(http.StatusNotFound, "not_found", "the mobile flow is not configured", nil)
	}
	if len(codeChallenge) != 43 || strings.Trim(codeChallenge, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return "", newError(http.StatusBadRequest, "invalid_request", "code_challenge must be an S256 challenge (43 base64url characters)", nil)
	}
	if len(state) < 16 || len(state) > 256 {
		return "", newError(http.StatusBadRequest, "invalid_request", "state must be 16 to 256 characters", nil)
	}
	return s.cfg.MobileClient.AuthorizeURL(digilocker.AuthRequest{Flow: digilocker.FlowLogin, State: state, CodeChallenge: codeChallenge})
}

// MobileExchange trades the app's code and verifier for a session: the
// client secret stays here, the DigiLocker tokens too.
func (s *Service) MobileExchange(ctx context.Context, code, verifier string) (*SignedIn, error) {
	if s.cfg.MobileClient == nil {
		return nil, newError(http.StatusNotFound, "not_found", "the mobile flow is not configured", nil)
	}
	if code == "" || len(code) > 512 {
		return nil, newError(http.StatusBadRequest, "invalid_request", "code is required (at most 512 characters)", nil)
	}
	if err := digilocker.CheckVerifier(verifier); err != nil {
		return nil, newError(http.StatusBadRequest, "invalid_request", err.Error(), err)
	}
	tok, err := s.cfg.MobileClient.Exchange(ctx, code, verifier)
	if err != nil {
		return nil, exchangeError(err, digilocker.FlowLogin)
	}
	return s.signIn(ctx, s.cfg.MobileClient, tok, digilocker.FlowLogin, "")
}

// SessionSubject returns the subject of a session ID, or a 401
// not_signed_in answer.
func (s *Service) SessionSubject(ctx context.Context, sessionID string) (string, error) {
	if sessionID == "" {
		return "", newError(http.StatusUnauthorized, "not_signed_in", "sign in with DigiLocker first", nil)
	}
	ss, err := s.cfg.Store.Session(ctx, hash(sessionID), s.cfg.Now())
	if errors.Is(err, ErrNotFound) {
		e := newError(http.StatusUnauthorized, "not_signed_in", "the session ended; sign in with DigiLocker again", err)
		e.RestartURL = PathLoginStart
		return "", e
	}
	if err != nil {
		return "", err
	}
	return ss.SubjectID, nil
}

// SignOut ends a session (an audit event when it was live).
func (s *Service) SignOut(ctx context.Context, sessionID string) error {
	if sessionID == "" {
		return nil
	}
	ss, err := s.cfg.Store.Session(ctx, hash(sessionID), s.cfg.Now())
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.cfg.Store.DeleteSession(ctx, ss.IDHash); err != nil {
		return err
	}
	_, err = s.cfg.Audit.Append(ctx, auditEvent("session.ended", ss.SubjectID, map[string]string{"reason": "signed out"}))
	return err
}
