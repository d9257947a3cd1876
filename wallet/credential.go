package wallet

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/wellknown"
)

// CredentialOptions is one Credential Request.
type CredentialOptions struct {
	// ConfigurationID names the credential to ask for; the request carries
	// the credential_identifier the Token Response granted for it, or the
	// configuration id when it granted none (Section 8.2).
	ConfigurationID string
	// Identifier names a credential_identifier of the Token Response
	// directly; ConfigurationID may then be empty.
	Identifier string
	// Keys are the holder keys (P-256), one jwt proof and at most one
	// credential each: several make a batch request (Section 8.2), up to
	// the issuer's batch_size.
	Keys []crypto.Signer
	// Nonce is the c_nonce for the proofs; empty fetches one.
	Nonce string
	// Encrypt asks for an encrypted response and so encrypts the request
	// (Section 10). The issuer's encryption_required turns it on.
	Encrypt bool
	// Enc is the content encryption to ask for (A128GCM, A256GCM, ...);
	// empty picks A256GCM, then A128GCM, among the issuer's values.
	Enc string
	// Zip asks for DEF compression of the response, and compresses the
	// request, where the issuer supports it.
	Zip bool
	// ProofType is jwt (the default), attestation or
	// android_keystore_attestation (Appendix F).
	ProofType string
	// KeyAttestation returns a key-attestation+jwt (Appendix D) attesting
	// the public keys of Keys with the c_nonce, as a wallet provider mints
	// it. The attestation proof type sends it alone; jwt proofs carry it in
	// their key_attestation header (and must when the configuration
	// requires key attestations).
	KeyAttestation func(ctx context.Context, nonce string, keys []crypto.PublicKey) (string, error)
	// AndroidAttestation returns, for android_keystore_attestation, one
	// Android KeyStore chain (DER, leaf first) per key of Keys, each
	// generated with the c_nonce as its attestation challenge.
	AndroidAttestation func(ctx context.Context, nonce string, keys []crypto.PublicKey) ([][][]byte, error)
}

// Result is a Credential or Deferred Credential Response, decrypted.
type Result struct {
	// Status is 200 for issued credentials, 202 for a pending issuance.
	Status          int
	ConfigurationID string
	Credentials     []string
	NotificationID  string
	// TransactionID and Interval are set for a pending issuance (Section 9).
	TransactionID string
	Interval      time.Duration
	// Encrypted is set when the response was an encrypted JWE.
	Encrypted bool
}

// codeIssuancePending is the draft-era Deferred Credential error that some
// issuers still send instead of a 202 (OpenID4VCI draft 13 Section 9.3).
const codeIssuancePending oid4vci.ErrorCode = "issuance_pending"

// Credential sends a Credential Request (Section 8) with one jwt proof
// per key, encrypted as opts and the issuer's metadata ask.
func (c *Client) Credential(ctx context.Context, sess *Session, opts CredentialOptions) (*Result, error) {
	md := sess.Issuer.Metadata
	req := &oid4vci.CredentialRequest{}
	configID := opts.ConfigurationID
	switch {
	case opts.Identifier != "":
		cid := sess.configurationOf(opts.Identifier)
		if cid == "" || (configID != "" && cid != configID) {
			return nil, fmt.Errorf("wallet: the access token grants no credential_identifier %q (for %q)", opts.Identifier, configID)
		}
		configID, req.CredentialIdentifier = cid, opts.Identifier
	case configID == "":
		return nil, errors.New("wallet: a configuration id or a credential identifier is needed")
	case len(sess.Details) > 0:
		// Section 8.2: with authorization_details in the Token Response,
		// credential_identifier is REQUIRED and the configuration id MUST
		// NOT be used.
		if req.CredentialIdentifier = sess.Identifier(configID); req.CredentialIdentifier == "" {
			return nil, fmt.Errorf("wallet: the access token grants no credential_identifier for %q", configID)
		}
	default:
		req.CredentialConfigurationID = configID
	}
	conf, ok := md.CredentialConfigurations[configID]
	if !ok {
		return nil, fmt.Errorf("%w: configuration %q is not in the issuer metadata", ErrResponse, configID)
	}
	if err := c.checkKeys(md, conf, opts); err != nil {
		return nil, err
	}
	nonce := opts.Nonce
	var err error
	if nonce == "" && md.NonceEndpoint != "" {
		if nonce, err = c.Nonce(ctx, sess); err != nil {
			return nil, err
		}
	}
	if req.Proofs, err = c.proofs(ctx, md.CredentialIssuer, nonce, conf, opts); err != nil {
		return nil, err
	}
	enc, err := encryptionFor(md, opts.Encrypt, opts.Enc, opts.Zip)
	if err != nil {
		return nil, err
	}
	var rk *responseKey
	if enc.response {
		if rk, err = newResponseKey(enc.enc, enc.zip); err != nil {
			return nil, err
		}
		req.CredentialResponseEncryption = rk.param()
	}
	if err := req.Validate(oid4vci.Limits{MaxBatchSize: MaxBatch, MaxBytes: c.maxBytes()}); err != nil {
		return nil, fmt.Errorf("wallet: credential request: %w", err)
	}
	res, err := c.post(ctx, sess, "credential", md.CredentialEndpoint, req, rk, enc, opts.Enc, opts.Zip)
	if err != nil {
		return nil, err
	}
	res.ConfigurationID = configID
	if res.Status == http.StatusAccepted {
		sess.setPending(res.TransactionID, &pendingRequest{configurationID: configID, encrypt: enc.response, enc: opts.Enc, zip: opts.Zip, interval: res.Interval})
	}
	if len(res.Credentials) > len(opts.Keys) {
		return nil, fmt.Errorf("%w: %d credentials for %d proofs", ErrResponse, len(res.Credentials), len(opts.Keys))
	}
	return res, nil
}

// checkKeys checks the number of holder keys against the batch size and
// the configuration's proof types: the chosen type, with ES256, and a key
// attestation where the configuration requires one (Section 12.2.4).
func (c *Client) checkKeys(md *wellknown.CredentialIssuerMetadata, conf wellknown.CredentialConfiguration, opts CredentialOptions) error {
	n := len(opts.Keys)
	switch {
	case n == 0:
		return errors.New("wallet: at least one holder key is needed")
	case n > MaxBatch:
		return fmt.Errorf("%w: %d holder keys, at most %d", ErrUnsupported, n, MaxBatch)
	case n > 1 && md.BatchCredentialIssuance == nil:
		return fmt.Errorf("%w: %d holder keys but the issuer offers no batch issuance", ErrUnsupported, n)
	case n > 1 && n > md.BatchCredentialIssuance.BatchSize:
		return fmt.Errorf("%w: %d holder keys, over the issuer's batch_size %d", ErrUnsupported, n, md.BatchCredentialIssuance.BatchSize)
	}
	t := proofType(opts)
	switch t {
	case oid4vci.ProofTypeJWT:
	case oid4vci.ProofTypeAttestation:
		if opts.KeyAttestation == nil {
			return errors.New("wallet: the attestation proof type needs a KeyAttestation source (a wallet provider)")
		}
	case oid4vci.ProofTypeAndroidKeystoreAttestation:
		if opts.AndroidAttestation == nil {
			return errors.New("wallet: the android_keystore_attestation proof type needs an AndroidAttestation source")
		}
	default:
		return fmt.Errorf("%w: proof type %q", ErrUnsupported, t)
	}
	if conf.ProofTypesSupported != nil {
		pt, ok := conf.ProofTypesSupported[t]
		if !ok {
			return fmt.Errorf("%w: the configuration takes no %s proofs", ErrUnsupported, t)
		}
		if !slices.Contains(pt.ProofSigningAlgValuesSupported, "ES256") {
			return fmt.Errorf("%w: the configuration takes no ES256 proofs (%v)", ErrUnsupported, pt.ProofSigningAlgValuesSupported)
		}
		if t == oid4vci.ProofTypeJWT && pt.KeyAttestationsRequired != nil && opts.KeyAttestation == nil {
			return fmt.Errorf("%w: the configuration requires key attestations; give a KeyAttestation source", ErrUnsupported)
		}
	}
	return nil
}

func proofType(opts CredentialOptions) string {
	if opts.ProofType == "" {
		return oid4vci.ProofTypeJWT
	}
	return opts.ProofType
}

// proofs builds the proofs of a request for the chosen proof type.
func (c *Client) proofs(ctx context.Context, issuer, nonce string, conf wellknown.CredentialConfiguration, opts CredentialOptions) (*oid4vci.Proofs, error) {
	pubs := make([]crypto.PublicKey, len(opts.Keys))
	for i, k := range opts.Keys {
		pubs[i] = k.Public()
	}
	switch proofType(opts) {
	case oid4vci.ProofTypeAttestation:
		ka, err := opts.KeyAttestation(ctx, nonce, pubs)
		if err != nil {
			return nil, fmt.Errorf("wallet: key attestation: %w", err)
		}
		return &oid4vci.Proofs{Attestation: []string{ka}}, nil
	case oid4vci.ProofTypeAndroidKeystoreAttestation:
		chains, err := opts.AndroidAttestation(ctx, nonce, pubs)
		if err != nil {
			return nil, fmt.Errorf("wallet: android attestation: %w", err)
		}
		if len(chains) != len(opts.Keys) {
			return nil, fmt.Errorf("wallet: android attestation: %d chains for %d keys", len(chains), len(opts.Keys))
		}
		p := &oid4vci.Proofs{AndroidKeystoreAttestation: make([][]string, len(chains))}
		for i, chain := range chains {
			for _, der := range chain {
				p.AndroidKeystoreAttestation[i] = append(p.AndroidKeystoreAttestation[i], base64.StdEncoding.EncodeToString(der))
			}
		}
		return p, nil
	}
	attestation := ""
	if opts.KeyAttestation != nil {
		var err error
		if attestation, err = opts.KeyAttestation(ctx, nonce, pubs); err != nil {
			return nil, fmt.Errorf("wallet: key attestation: %w", err)
		}
	}
	p := &oid4vci.Proofs{JWT: make([]string, len(opts.Keys))}
	for i, k := range opts.Keys {
		jwt, err := attestedKeyProof(k, issuer, nonce, attestation, c.now())
		if err != nil {
			return nil, err
		}
		p.JWT[i] = jwt
	}
	return p, nil
}

// encryption is how one request goes out and its response comes back.
type encryption struct {
	request  bool   // the request is a JWE
	response bool   // the response is asked for as a JWE
	enc, zip string // of the response
}

// encryptionFor decides the encryption of a request from the caller's
// wish and the issuer's metadata (Sections 8.2, 9.1, 10, 12.2.4): a
// response is encrypted when asked or required; a request is encrypted
// when required or when it carries credential_response_encryption, which
// must not travel in the clear ("to prevent it being substituted").
func encryptionFor(md *wellknown.CredentialIssuerMetadata, want bool, enc string, zip bool) (encryption, error) {
	var e encryption
	re := md.CredentialResponseEncryption
	e.response = want || (re != nil && re.EncryptionRequired)
	e.request = e.response || (md.CredentialRequestEncryption != nil && md.CredentialRequestEncryption.EncryptionRequired)
	if e.request && md.CredentialRequestEncryption == nil {
		return e, fmt.Errorf("%w: an encrypted response needs an encrypted request, and the issuer publishes no credential_request_encryption", ErrEncryption)
	}
	if !e.response {
		return e, nil
	}
	if re == nil {
		return e, fmt.Errorf("%w: the issuer offers no response encryption", ErrEncryption)
	}
	if !slices.Contains(re.AlgValuesSupported, oid4vci.AlgECDHES) {
		return e, fmt.Errorf("%w: the issuer does not encrypt to ECDH-ES keys (%v)", ErrEncryption, re.AlgValuesSupported)
	}
	var err error
	if e.enc, err = chooseEnc(enc, re.EncValuesSupported); err != nil {
		return e, err
	}
	if zip && slices.Contains(re.ZipValuesSupported, oid4vci.ZipDeflate) {
		e.zip = oid4vci.ZipDeflate
	}
	return e, nil
}

// requestEnc is the enc for the request JWE: the caller's when the issuer
// takes it for requests, else the preferred one.
func requestEnc(md *wellknown.CredentialIssuerMetadata, want string) string {
	if want != "" && slices.Contains(md.CredentialRequestEncryption.EncValuesSupported, want) {
		return want
	}
	return ""
}

// post sends a (Deferred) Credential Request and reads its answer: 200
// with credentials, 202 with a transaction, each as application/json or,
// when rk is set, as an application/jwt JWE to rk; errors are JSON.
func (c *Client) post(ctx context.Context, sess *Session, endpoint, target string, payload any, rk *responseKey, enc encryption, wantEnc string, zip bool) (*Result, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	contentType := oid4vci.MediaTypeJSON
	if enc.request {
		md := sess.Issuer.Metadata
		if body, err = encryptRequest(body, md.CredentialRequestEncryption, requestEnc(md, wantEnc), zip); err != nil {
			return nil, err
		}
		contentType = oid4vci.MediaTypeJWT
	}
	r, err := c.send(ctx, sess, http.MethodPost, target, contentType, body, true)
	if err != nil {
		return nil, err
	}
	if r.status != http.StatusOK && r.status != http.StatusAccepted {
		return nil, issuerError(endpoint, r)
	}
	res := &Result{Status: r.status}
	plain := r.body
	switch mt := r.mediaType(); {
	case rk != nil && mt != oid4vci.MediaTypeJWT:
		return nil, fmt.Errorf("%w: %s: asked for an encrypted response, got %q", ErrEncryption, endpoint, mt)
	case rk != nil:
		if plain, err = rk.decrypt(r.body, c.maxBytes()); err != nil {
			return nil, err
		}
		res.Encrypted = true
	case mt != oid4vci.MediaTypeJSON:
		return nil, fmt.Errorf("%w: %s: media type %q, want application/json", ErrResponse, endpoint, mt)
	}
	cr, err := oid4vci.ParseCredentialResponse(plain, c.limits())
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrResponse, endpoint, err)
	}
	if cr.StatusCode() != r.status {
		return nil, fmt.Errorf("%w: %s: HTTP %d with the body of a %d", ErrResponse, endpoint, r.status, cr.StatusCode())
	}
	res.NotificationID, res.TransactionID = cr.NotificationID, cr.TransactionID
	res.Interval = time.Duration(min(cr.Interval, maxInterval)) * time.Second
	for i, ic := range cr.Credentials {
		s, ok := ic.String()
		if !ok {
			return nil, fmt.Errorf("%w: %s: credentials[%d] is not a string", ErrResponse, endpoint, i)
		}
		res.Credentials = append(res.Credentials, s)
	}
	return res, nil
}

// maxInterval caps the polling interval an issuer may ask for (a year).
const maxInterval = 365 * 24 * 3600

// Deferred polls the Deferred Credential Endpoint once for a transaction
// of this session (Section 9), encrypted as the original request was,
// with a fresh response key (Section 9.1). A pending issuance comes back
// as a Result with Status 202, whether the issuer answers 202 (1.0) or
// 400 issuance_pending (earlier drafts).
func (c *Client) Deferred(ctx context.Context, sess *Session, transactionID string) (*Result, error) {
	md := sess.Issuer.Metadata
	if md.DeferredCredentialEndpoint == "" {
		return nil, fmt.Errorf("%w: the issuer has no deferred_credential_endpoint", ErrResponse)
	}
	if transactionID == "" {
		return nil, errors.New("wallet: transaction_id is empty")
	}
	p := sess.getPending(transactionID)
	if p == nil {
		p = &pendingRequest{}
	}
	enc, err := encryptionFor(md, p.encrypt, p.enc, p.zip)
	if err != nil {
		return nil, err
	}
	req := &oid4vci.DeferredCredentialRequest{TransactionID: transactionID}
	var rk *responseKey
	if enc.response {
		if rk, err = newResponseKey(enc.enc, enc.zip); err != nil {
			return nil, err
		}
		req.CredentialResponseEncryption = rk.param()
	}
	res, err := c.post(ctx, sess, "deferred credential", md.DeferredCredentialEndpoint, req, rk, enc, p.enc, p.zip)
	var ie *IssuerError
	if errors.As(err, &ie) && ie.Err.Code == codeIssuancePending {
		return &Result{Status: http.StatusAccepted, ConfigurationID: p.configurationID, TransactionID: transactionID, Interval: p.interval}, nil
	}
	if err != nil {
		return nil, err
	}
	res.ConfigurationID = p.configurationID
	switch res.Status {
	case http.StatusAccepted:
		// Section 9.2: the same transaction_id as the request.
		if res.TransactionID != transactionID {
			return nil, fmt.Errorf("%w: deferred credential: transaction_id %q, asked for %q", ErrResponse, res.TransactionID, transactionID)
		}
		next := *p
		next.interval = res.Interval
		sess.setPending(transactionID, &next)
	default:
		sess.donePending(transactionID)
	}
	return res, nil
}

// Notify sends a Notification Request (Section 11): credential_accepted,
// credential_failure or credential_deleted for the credentials of one
// response. It does nothing when the issuer has no Notification Endpoint
// or the response had no notification_id.
func (c *Client) Notify(ctx context.Context, sess *Session, notificationID string, event oid4vci.NotificationEvent) error {
	return c.notify(ctx, sess, notificationID, event, "")
}

func (c *Client) notify(ctx context.Context, sess *Session, notificationID string, event oid4vci.NotificationEvent, description string) error {
	ep := sess.Issuer.Metadata.NotificationEndpoint
	if ep == "" || notificationID == "" {
		return nil
	}
	req := &oid4vci.NotificationRequest{NotificationID: notificationID, Event: event, EventDescription: oid4vci.SanitizeDescription(description)}
	if err := req.Validate(oid4vci.Limits{}); err != nil {
		return fmt.Errorf("wallet: notification: %w", err)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	r, err := c.send(ctx, sess, http.MethodPost, ep, oid4vci.MediaTypeJSON, body, true)
	if err != nil {
		return err
	}
	if r.status != http.StatusNoContent && r.status != http.StatusOK {
		return issuerError("notification", r)
	}
	return nil
}
