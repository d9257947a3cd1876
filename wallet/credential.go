package wallet

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pramaan/pramaan/mdoc"
	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/sdjwt"
)

var ecdsaCurve = elliptic.P256()

// CredentialOptions is one Credential Request.
type CredentialOptions struct {
	// ConfigurationID is the credential to ask for; the request uses the
	// credential_identifier the token response granted for it.
	ConfigurationID string
	// Keys are the holder keys, one proof and one credential each (batch
	// issuance when there are several, Section 8.2).
	Keys []crypto.Signer
	// Nonce is the c_nonce for the proofs; empty fetches one.
	Nonce string
	// Encrypt asks for an encrypted response (and so encrypts the
	// request), Section 10.
	Encrypt bool
}

// Result is a Credential Response, decrypted.
type Result struct {
	Status         int // 200, or 202 for a deferred issuance
	Credentials    []string
	NotificationID string
	TransactionID  string
	Interval       time.Duration
	Encrypted      bool
}

// Credential sends a Credential Request (Section 8) with one jwt proof
// per key.
func (c *Client) Credential(ctx context.Context, sess *Session, opts CredentialOptions) (*Result, error) {
	md := sess.Issuer.Metadata
	if len(opts.Keys) == 0 {
		return nil, errors.New("wallet: at least one holder key is needed")
	}
	nonce := opts.Nonce
	if nonce == "" {
		var err error
		if nonce, err = c.Nonce(ctx, sess); err != nil {
			return nil, err
		}
	}
	proofs := make([]string, len(opts.Keys))
	for i, k := range opts.Keys {
		p, err := keyProof(k, md.CredentialIssuer, nonce, c.now())
		if err != nil {
			return nil, err
		}
		proofs[i] = p
	}
	req := map[string]any{"proofs": map[string]any{"jwt": proofs}}
	if id := sess.Identifier(opts.ConfigurationID); id != "" {
		req["credential_identifier"] = id
	} else {
		req["credential_configuration_id"] = opts.ConfigurationID
	}
	var rk *responseKey
	if opts.Encrypt {
		if md.CredentialResponseEncryption == nil || md.CredentialRequestEncryption == nil {
			return nil, fmt.Errorf("%w: the issuer does not offer encryption", ErrResponse)
		}
		var err error
		if rk, err = newResponseKey(); err != nil {
			return nil, err
		}
		req["credential_response_encryption"] = map[string]any{"jwk": rk.jwk, "enc": "A256GCM"}
	}
	return c.post(ctx, sess, md.CredentialEndpoint, req, rk)
}

// Deferred polls the Deferred Credential Endpoint (Section 9) once.
func (c *Client) Deferred(ctx context.Context, sess *Session, transactionID string, encrypt bool) (*Result, error) {
	md := sess.Issuer.Metadata
	if md.DeferredCredentialEndpoint == "" {
		return nil, fmt.Errorf("%w: no deferred_credential_endpoint", ErrResponse)
	}
	req := map[string]any{"transaction_id": transactionID}
	var rk *responseKey
	if encrypt {
		var err error
		if rk, err = newResponseKey(); err != nil {
			return nil, err
		}
		req["credential_response_encryption"] = map[string]any{"jwk": rk.jwk, "enc": "A256GCM"}
	}
	return c.post(ctx, sess, md.DeferredCredentialEndpoint, req, rk)
}

func (c *Client) post(ctx context.Context, sess *Session, endpoint string, req map[string]any, rk *responseKey) (*Result, error) {
	payload, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	contentType := oid4vci.MediaTypeJSON
	if rk != nil || (sess.Issuer.Metadata.CredentialRequestEncryption != nil && sess.Issuer.Metadata.CredentialRequestEncryption.EncryptionRequired) {
		if payload, err = encryptRequest(payload, sess.Issuer.Metadata.CredentialRequestEncryption); err != nil {
			return nil, err
		}
		contentType = oid4vci.MediaTypeJWT
	}
	resp, body, err := c.send(ctx, sess, http.MethodPost, endpoint, contentType, payload, true)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusAccepted {
		return nil, fmt.Errorf("wallet: credential: %w", issuerError(resp, body))
	}
	res := &Result{Status: resp.StatusCode}
	if rk != nil {
		if ct := resp.Header.Get("Content-Type"); ct != oid4vci.MediaTypeJWT {
			return nil, fmt.Errorf("%w: asked for an encrypted response, got %q", ErrResponse, ct)
		}
		if body, err = rk.decrypt(body); err != nil {
			return nil, err
		}
		res.Encrypted = true
	}
	cr, err := oid4vci.ParseCredentialResponse(body, c.limits())
	if err != nil {
		return nil, fmt.Errorf("wallet: credential response: %w", err)
	}
	if cr.StatusCode() != resp.StatusCode {
		return nil, fmt.Errorf("%w: HTTP %d with a body for %d", ErrResponse, resp.StatusCode, cr.StatusCode())
	}
	res.NotificationID, res.TransactionID = cr.NotificationID, cr.TransactionID
	res.Interval = time.Duration(cr.Interval) * time.Second
	for _, ic := range cr.Credentials {
		s, ok := ic.String()
		if !ok {
			return nil, fmt.Errorf("%w: a credential is not a string", ErrResponse)
		}
		res.Credentials = append(res.Credentials, s)
	}
	return res, nil
}

// Notify sends a notification (Section 11): credential_accepted,
// credential_failure or credential_deleted.
func (c *Client) Notify(ctx context.Context, sess *Session, notificationID string, event oid4vci.NotificationEvent) error {
	ep := sess.Issuer.Metadata.NotificationEndpoint
	if ep == "" || notificationID == "" {
		return nil
	}
	payload, err := json.Marshal(map[string]string{"notification_id": notificationID, "event": string(event)})
	if err != nil {
		return err
	}
	resp, body, err := c.send(ctx, sess, http.MethodPost, ep, oid4vci.MediaTypeJSON, payload, true)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK {
		return fmt.Errorf("wallet: notification: %w", issuerError(resp, body))
	}
	return nil
}

// Verified is a credential that passed verification.
type Verified struct {
	Format string
	// Claims are the issuer's claims (SD-JWT VC: all disclosures; mdoc:
	// the elements by namespace).
	Claims map[string]any
}

// Verify checks a received credential against the trust anchors and
// requires it to be bound to holder.
func (c *Client) Verify(ctx context.Context, format, credential string, holder crypto.PublicKey) (*Verified, error) {
	hp, ok := holder.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: holder key is not ECDSA", ErrVerification)
	}
	switch format {
	case oid4vci.FormatSDJWTVC:
		pool := x509.NewCertPool()
		for _, r := range c.Roots {
			pool.AddCert(r)
		}
		v := sdjwt.Verifier{Keys: &sdjwt.X5CResolver{Roots: pool}, Now: c.now}
		res, err := v.VerifyVC(ctx, []byte(credential))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrVerification, err)
		}
		cnf, _ := res.Claims["cnf"].(map[string]any)
		jwkMap, _ := cnf["jwk"].(map[string]any)
		want, err := publicJWK(hp)
		if err != nil {
			return nil, err
		}
		if jwkMap == nil || jwkMap["x"] != want["x"] || jwkMap["y"] != want["y"] || jwkMap["crv"] != want["crv"] {
			return nil, fmt.Errorf("%w: cnf.jwk is not the holder key", ErrVerification)
		}
		return &Verified{Format: format, Claims: res.Claims}, nil
	case oid4vci.FormatMsoMdoc:
		raw, err := base64.RawURLEncoding.DecodeString(credential)
		if err != nil {
			return nil, fmt.Errorf("%w: mdoc is not base64url: %v", ErrVerification, err)
		}
		v := mdoc.Verifier{Roots: c.Roots, At: c.now()}
		doc, err := v.VerifyIssuerSigned(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrVerification, err)
		}
		if doc.DeviceKey == nil || !doc.DeviceKey.Equal(hp) {
			return nil, fmt.Errorf("%w: the MSO deviceKey is not the holder key", ErrVerification)
		}
		claims := map[string]any{"doctype": doc.DocType}
		for ns, els := range doc.Claims() {
			claims[ns] = els
		}
		return &Verified{Format: format, Claims: claims}, nil
	}
	return nil, fmt.Errorf("%w: unsupported format %q", ErrVerification, format)
}

// ReceiveOptions configure Receive.
type ReceiveOptions struct {
	TxCode string
	// ConfigurationIDs to ask for; empty means all the offer names.
	ConfigurationIDs []string
	Encrypt          bool
	// Batch is the number of credentials (and keys) per configuration;
	// zero means 1.
	Batch int
	// Keys make the holder keys; nil means in-memory keys.
	Keys KeyStore
	// DeferredWait bounds how long Receive polls a deferred issuance;
	// zero returns the transaction without polling.
	DeferredWait time.Duration
}

// Received is one verified credential.
type Received struct {
	Format          string
	ConfigurationID string
	Issuer          string
	Credential      string
	KeyID           string
	NotificationID  string
	Claims          map[string]any
	TransactionID   string // set (and Credential empty) for a pending deferred issuance
}

// Receive runs the whole Pre-Authorized Code flow for an offer: offer,
// metadata, token, and per configuration a nonce and a Credential
// Request; every credential is verified (issuer chain, holder binding)
// before it is returned, and accepted with a notification.
func (c *Client) Receive(ctx context.Context, offerString string, opts ReceiveOptions) ([]Received, error) {
	offer, err := c.ParseOffer(ctx, offerString)
	if err != nil {
		return nil, err
	}
	iss, err := c.Discover(ctx, offer.CredentialIssuer)
	if err != nil {
		return nil, err
	}
	ids, err := sortedIDs(offer, opts.ConfigurationIDs)
	if err != nil {
		return nil, err
	}
	sess, err := c.Token(ctx, iss, offer, opts.TxCode)
	if err != nil {
		return nil, err
	}
	ks := opts.Keys
	if ks == nil {
		ks = NewMemoryKeyStore()
	}
	batch := max(opts.Batch, 1)
	var out []Received
	for _, id := range ids {
		conf, ok := iss.Metadata.CredentialConfigurations[id]
		if !ok {
			return nil, fmt.Errorf("%w: configuration %q is not in the issuer metadata", ErrResponse, id)
		}
		keys := make([]crypto.Signer, batch)
		keyIDs := make([]string, batch)
		for i := range keys {
			if keys[i], keyIDs[i], err = ks.NewKey(ctx); err != nil {
				return nil, fmt.Errorf("wallet: holder key: %w", err)
			}
		}
		res, err := c.Credential(ctx, sess, CredentialOptions{ConfigurationID: id, Keys: keys, Encrypt: opts.Encrypt})
		if err != nil {
			return nil, err
		}
		deadline := c.now().Add(opts.DeferredWait)
		for res.Status == http.StatusAccepted && c.now().Before(deadline) {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(min(max(res.Interval, 100*time.Millisecond), time.Until(deadline))):
			}
			txID := res.TransactionID
			if res, err = c.Deferred(ctx, sess, txID, opts.Encrypt); err != nil {
				return nil, err
			}
			if res.Status == http.StatusAccepted && res.TransactionID == "" {
				res.TransactionID = txID
			}
		}
		if res.Status == http.StatusAccepted {
			out = append(out, Received{Format: conf.Format, ConfigurationID: id, Issuer: offer.CredentialIssuer, TransactionID: res.TransactionID})
			continue
		}
		if len(res.Credentials) != len(keys) {
			return nil, fmt.Errorf("%w: %d credentials for %d proofs", ErrResponse, len(res.Credentials), len(keys))
		}
		for i, cred := range res.Credentials {
			v, err := c.Verify(ctx, conf.Format, cred, keys[i].Public())
			if err != nil {
				c.Notify(ctx, sess, res.NotificationID, oid4vci.EventCredentialFailure)
				return nil, fmt.Errorf("configuration %s: %w", id, err)
			}
			out = append(out, Received{
				Format: conf.Format, ConfigurationID: id, Issuer: offer.CredentialIssuer, Credential: cred,
				KeyID: keyIDs[i], NotificationID: res.NotificationID, Claims: v.Claims,
			})
		}
		if err := c.Notify(ctx, sess, res.NotificationID, oid4vci.EventCredentialAccepted); err != nil {
			return nil, err
		}
	}
	return out, nil
}
