package backend

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwe"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/pramaan/pramaan/httpsig"
	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/outbox"
	"github.com/pramaan/pramaan/wallet"
)

// Limits of a callback.
const (
	MaxBodyBytes        = 1 << 20
	maxIdempotencyKey   = 128
	maxPlaintextBytes   = 4 << 20
	jwksRefreshInterval = 5 * time.Minute
)

// Received is one accepted callback.
type Received struct {
	IdempotencyKey string
	Callback       outbox.Callback
	// Verified are the credentials as verified, in Callback order.
	Verified   []*wallet.Verified
	ReceivedAt time.Time
}

// Receiver is an http.Handler for callbacks.
type Receiver struct {
	// Issuer is the Credential Issuer Identifier: callbacks must name it,
	// and its /.well-known/jwks.json holds the signing keys.
	Issuer string
	// CallbackURL, when set, is the URL registered with the issuer: the
	// @target-uri the signature covers. Empty: rebuilt from the request.
	CallbackURL string
	// Key decrypts the callbacks (ECDH-ES, P-256).
	Key *ecdsa.PrivateKey
	// Wallet verifies the credentials (its Roots are the trust anchors).
	Wallet *wallet.Client
	// Dir, when set, keeps one JSON file per accepted callback, named by
	// the idempotency key's digest: deduplication survives restarts.
	Dir string
	// HTTP fetches the JWKS; nil: http.DefaultClient.
	HTTP   *http.Client
	Now    func() time.Time
	Logger *slog.Logger

	mu       sync.Mutex
	accepted map[string]*Received
	inflight map[string]*sync.Mutex
	keys     map[string]*ecdsa.PublicKey
	keysAt   time.Time
}

func (rc *Receiver) now() time.Time {
	if rc.Now != nil {
		return rc.Now()
	}
	return time.Now()
}

func (rc *Receiver) log() *slog.Logger {
	if rc.Logger != nil {
		return rc.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// answer writes a JSON answer.
func answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func refuse(w http.ResponseWriter, status int, code, desc string) {
	answer(w, status, map[string]string{"error": code, "error_description": desc})
}

// ServeHTTP receives one callback.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		refuse(w, http.StatusMethodNotAllowed, "invalid_request", "callbacks are POSTed")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		refuse(w, http.StatusBadRequest, "invalid_request", "cannot read the body")
		return
	}
	if len(body) > MaxBodyBytes {
		refuse(w, http.StatusRequestEntityTooLarge, "invalid_request", fmt.Sprintf("body over %d bytes", MaxBodyBytes))
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" || len(key) > maxIdempotencyKey {
		refuse(w, http.StatusBadRequest, "invalid_request", "an Idempotency-Key of 1 to 128 characters is required")
		return
	}
	if err := rc.checkSignature(r.Context(), r, body); err != nil {
		rc.log().Warn("callback refused: signature", "key", key, "err", err)
		refuse(w, http.StatusUnauthorized, "invalid_signature", err.Error())
		return
	}
	// One delivery of a key at a time: a retry racing the first attempt
	// waits for it, then finds it accepted.
	lock := rc.keyLock(key)
	lock.Lock()
	defer lock.Unlock()
	if prev, err := rc.lookup(key); err != nil {
		refuse(w, http.StatusInternalServerError, "server_error", "cannot read the accepted callbacks")
		return
	} else if prev != nil {
		answer(w, http.StatusOK, map[string]any{"status": "accepted", "duplicate": true, "notification_id": prev.Callback.NotificationID})
		return
	}
	rec, status, err := rc.open(r.Context(), key, body)
	if err != nil {
		rc.log().Warn("callback refused", "key", key, "err", err)
		refuse(w, status, "invalid_callback", err.Error())
		return
	}
	if err := rc.keep(rec); err != nil {
		rc.log().Error("callback not kept", "key", key, "err", err)
		refuse(w, http.StatusInternalServerError, "server_error", "cannot keep the callback")
		return
	}
	rc.log().Info("callback accepted", "key", key, "configuration", rec.Callback.CredentialConfigurationID, "credentials", len(rec.Verified))
	answer(w, http.StatusOK, map[string]any{"status": "accepted", "notification_id": rec.Callback.NotificationID})
}

func (rc *Receiver) keyLock(key string) *sync.Mutex {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.inflight == nil {
		rc.inflight = map[string]*sync.Mutex{}
	}
	l, ok := rc.inflight[key]
	if !ok {
		l = &sync.Mutex{}
		rc.inflight[key] = l
	}
	return l
}

// checkSignature verifies the RFC 9421 signature and Content-Digest.
func (rc *Receiver) checkSignature(ctx context.Context, r *http.Request, body []byte) error {
	v := &httpsig.Verifier{
		Keys:     func(kid string) (*ecdsa.PublicKey, error) { return rc.issuerKey(ctx, kid) },
		Required: outbox.CallbackComponents,
		Tag:      outbox.CallbackTag,
		Now:      rc.now,
	}
	if rc.CallbackURL != "" {
		u, err := url.Parse(rc.CallbackURL)
		if err != nil {
			return fmt.Errorf("callback URL: %w", err)
		}
		if _, err := v.Verify(httpsig.Message{Method: r.Method, URL: u, Header: r.Header}); err != nil {
			return err
		}
		// content-digest is a required component, so it is covered.
		return httpsig.CheckContentDigest(r.Header.Get("Content-Digest"), body)
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	_, err := v.VerifyRequest(r, scheme, body)
	return err
}

// issuerKey returns the issuer's P-256 signing key with this kid from its
// JWKS, refetched when the kid is unknown (key rotation), at most every
// few seconds.
func (rc *Receiver) issuerKey(ctx context.Context, kid string) (*ecdsa.PublicKey, error) {
	rc.mu.Lock()
	k, ok := rc.keys[kid]
	fresh := rc.now().Sub(rc.keysAt) < 5*time.Second
	rc.mu.Unlock()
	if ok {
		return k, nil
	}
	if fresh {
		return nil, fmt.Errorf("%w: %q is not in the issuer's JWKS", httpsig.ErrUnknownKey, kid)
	}
	keys, err := rc.fetchJWKS(ctx)
	if err != nil {
		return nil, err
	}
	rc.mu.Lock()
	rc.keys, rc.keysAt = keys, rc.now()
	rc.mu.Unlock()
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("%w: %q is not in the issuer's JWKS", httpsig.ErrUnknownKey, kid)
}

func (rc *Receiver) fetchJWKS(ctx context.Context) (map[string]*ecdsa.PublicKey, error) {
	hc := rc.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(rc.Issuer, "/")+"/.well-known/jwks.json", nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch the issuer's JWKS: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 256<<10))
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch the issuer's JWKS: status %d", resp.StatusCode)
	}
	set, err := jwk.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("the issuer's JWKS: %w", err)
	}
	out := map[string]*ecdsa.PublicKey{}
	for i := range set.Len() {
		k, _ := set.Key(i)
		kid, _ := k.KeyID()
		var pub ecdsa.PublicKey
		if err := jwk.Export(k, &pub); err == nil && pub.Curve == elliptic.P256() && kid != "" {
			out[kid] = &pub
		}
	}
	return out, nil
}

// open decrypts and verifies a callback body; status is the answer for
// an error.
func (rc *Receiver) open(ctx context.Context, key string, body []byte) (*Received, int, error) {
	if len(strings.Split(string(body), ".")) != 5 {
		return nil, http.StatusBadRequest, errors.New("the body is not a compact JWE")
	}
	hdr, err := base64.RawURLEncoding.DecodeString(strings.SplitN(string(body), ".", 2)[0])
	if err != nil {
		return nil, http.StatusBadRequest, errors.New("the JWE header is not base64url")
	}
	var h struct {
		Alg  string   `json:"alg"`
		Enc  string   `json:"enc"`
		Crit []string `json:"crit"`
	}
	if err := json.Unmarshal(hdr, &h); err != nil || h.Alg != oid4vci.AlgECDHES || (h.Enc != "A128GCM" && h.Enc != "A256GCM") || h.Crit != nil {
		return nil, http.StatusBadRequest, errors.New("the JWE must be ECDH-ES with A128GCM or A256GCM")
	}
	plain, err := jwe.Decrypt(body, jwe.WithKey(jwa.ECDH_ES(), rc.Key), jwe.WithMaxDecompressBufferSize(maxPlaintextBytes))
	if err != nil {
		return nil, http.StatusUnprocessableEntity, errors.New("cannot decrypt the callback with this backend's key")
	}
	var cb outbox.Callback
	dec := json.NewDecoder(strings.NewReader(string(plain)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cb); err != nil {
		return nil, http.StatusUnprocessableEntity, fmt.Errorf("the callback is not valid JSON: %v", err)
	}
	if cb.CredentialIssuer != rc.Issuer {
		return nil, http.StatusUnprocessableEntity, fmt.Errorf("credential_issuer %q is not %q", cb.CredentialIssuer, rc.Issuer)
	}
	if len(cb.Credentials) == 0 {
		return nil, http.StatusUnprocessableEntity, errors.New("the callback carries no credential")
	}
	rec := &Received{IdempotencyKey: key, Callback: cb, ReceivedAt: rc.now()}
	for i, c := range cb.Credentials {
		var s string
		if err := json.Unmarshal(c.Credential, &s); err != nil {
			return nil, http.StatusUnprocessableEntity, fmt.Errorf("credential %d is not a string", i)
		}
		v, err := rc.Wallet.Verify(ctx, s, wallet.VerifyOptions{Format: cb.Format, Issuer: rc.Issuer, AnyHolder: true})
		if err != nil {
			return nil, http.StatusUnprocessableEntity, fmt.Errorf("credential %d: %v", i, err)
		}
		rec.Verified = append(rec.Verified, v)
	}
	return rec, 0, nil
}

func fileName(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:]) + ".json"
}

// stored is what Dir keeps per accepted callback.
type stored struct {
	IdempotencyKey string          `json:"idempotency_key"`
	Callback       outbox.Callback `json:"callback"`
	ReceivedAt     time.Time       `json:"received_at"`
}

func (rc *Receiver) lookup(key string) (*Received, error) {
	rc.mu.Lock()
	r, ok := rc.accepted[key]
	rc.mu.Unlock()
	if ok || rc.Dir == "" {
		return r, nil
	}
	raw, err := os.ReadFile(filepath.Join(rc.Dir, fileName(key)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var s stored
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	return &Received{IdempotencyKey: s.IdempotencyKey, Callback: s.Callback, ReceivedAt: s.ReceivedAt}, nil
}

func (rc *Receiver) keep(r *Received) error {
	if rc.Dir != "" {
		raw, err := json.MarshalIndent(stored{IdempotencyKey: r.IdempotencyKey, Callback: r.Callback, ReceivedAt: r.ReceivedAt}, "", "  ")
		if err != nil {
			return err
		}
		final := filepath.Join(rc.Dir, fileName(r.IdempotencyKey))
		tmp := final + ".tmp"
		if err := os.WriteFile(tmp, raw, 0o600); err != nil {
			return err
		}
		if err := os.Rename(tmp, final); err != nil {
			return err
		}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.accepted == nil {
		rc.accepted = map[string]*Received{}
	}
	rc.accepted[r.IdempotencyKey] = r
	return nil
}

// Accepted returns the callbacks accepted since the Receiver started.
func (rc *Receiver) Accepted() []*Received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make([]*Received, 0, len(rc.accepted))
	for _, r := range rc.accepted {
		out = append(out, r)
	}
	return out
}

// NewKey returns a fresh P-256 key for a receiver.
func NewKey() (*ecdsa.PrivateKey, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }

// PublicJWK is the key's public JWK to register with the issuer
// (encryption_jwk): alg ECDH-ES, use enc, kid its RFC 7638 thumbprint.
func PublicJWK(k *ecdsa.PrivateKey) (json.RawMessage, error) {
	key, err := jwk.Import(&k.PublicKey)
	if err != nil {
		return nil, err
	}
	tp, err := key.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	for name, v := range map[string]any{"alg": oid4vci.AlgECDHES, "use": "enc", "kid": base64.RawURLEncoding.EncodeToString(tp)} {
		if err := key.Set(name, v); err != nil {
			return nil, err
		}
	}
	return json.Marshal(key)
}

// LoadOrCreateKey reads a PEM (PKCS#8) P-256 key from path, or creates
// one there (0600) when none exists.
func LoadOrCreateKey(path string) (*ecdsa.PrivateKey, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		k, err := NewKey()
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			return nil, err
		}
		return k, nil
	}
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM block", path)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%s: not a P-256 key", path)
	}
	return ec, nil
}
