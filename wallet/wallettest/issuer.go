// Package wallettest is a fake OpenID4VCI 1.0 issuer for testing wallets:
// an httptest server on 127.0.0.1 that runs the Pre-Authorized Code flow
// with real cryptography (DPoP, jwt key proofs, ECDH-ES request and
// response encryption, SD-JWT VCs from package sdjwt and mdocs from
// package mdoc under a development IACA), so that a wallet's verification
// is exercised for real. Options switch on the behaviours a wallet must
// cope with (DPoP nonces, deferred issuance, batch, tx_code, required
// encryption) and the faults it must refuse (a foreign issuer in the
// metadata, tampered credentials, credentials bound to another key,
// replaced handlers for oversized or malformed answers).
//
// It is test code: it keeps its state in memory and is not an issuer to
// deploy. It does not import package issuer, so that it checks the wallet
// against the specification rather than against Pramaan's own issuer.
package wallettest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwe"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/pramaan/pramaan/mdoc"
	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/sdjwt"
	"github.com/pramaan/pramaan/wellknown"
)

// The credential configurations the fake issuer offers.
const (
	SDJWTConfig = "pid_sd_jwt"
	MdocConfig  = "pid_mdoc"
	VCT         = "urn:pramaan:test:pid:1"
	Doctype     = "in.gov.uidai.aadhaar.1"
	// RequestKeyID is the kid of the request-encryption key.
	RequestKeyID = "request-enc-1"
)

// Claims are the holder's claims in every credential.
var Claims = map[string]any{
	"name":       "Asha Verma",
	"birth_date": "1990-04-12",
	"address":    map[string]any{"city": "Bengaluru", "state": "Karnataka"},
}

// Options switch behaviours of the fake issuer.
type Options struct {
	// Now is the issuer's clock; nil means time.Now.
	Now func() time.Time
	// TxCode, when set, is the Transaction Code every offer asks for.
	TxCode string
	// DPoPNonce makes the token endpoint and the resource endpoints ask
	// for a DPoP nonce (RFC 9449 Sections 8, 9) before they accept a proof.
	DPoPNonce bool
	// Deferred makes the Credential Endpoint answer 202, and the Deferred
	// Credential Endpoint stay pending this many polls minus one.
	Deferred int
	// LegacyPending answers pending deferred polls with 400
	// issuance_pending (draft 13) instead of 202.
	LegacyPending bool
	// BatchSize is published as batch_credential_issuance.batch_size; 0
	// offers no batch issuance.
	BatchSize int
	// EncryptionRequired publishes encryption_required for requests and
	// responses and refuses plain ones.
	EncryptionRequired bool
	// Zip publishes zip_values_supported [DEF] for requests and responses.
	Zip bool
	// MetadataIssuer replaces credential_issuer in the metadata.
	MetadataIssuer string
	// Mutate, when set, changes every credential before it is sent.
	Mutate func(format, credential string) string
	// BindTo, when set, binds every credential to this key instead of the
	// proof's.
	BindTo *ecdsa.PublicKey
	// ResponseEncryption, when set, changes the wallet's
	// credential_response_encryption before the issuer encrypts to it
	// (to send a response the wallet did not ask for).
	ResponseEncryption func(*oid4vci.ResponseEncryption)
	// Handlers replace the handler of a path ("/token", "/credential", ...).
	Handlers map[string]http.HandlerFunc
}

// Request is what the fake issuer saw of one request.
type Request struct {
	Method, Path, ContentType string
	// Authorization is the scheme of the Authorization header.
	Authorization string
	DPoP          bool
	Status        int
}

// Issuer is a running fake issuer.
type Issuer struct {
	// URL is the Credential Issuer Identifier (http on 127.0.0.1).
	URL string
	// Roots holds the IACA that issuer certificates chain to.
	Roots []*x509.Certificate
	// IACAPEM is Roots[0] as PEM, for a --trust file.
	IACAPEM []byte

	o       Options
	srv     *httptest.Server
	md      *wellknown.CredentialIssuerMetadata
	as      *wellknown.AuthorizationServerMetadata
	signer  *wellknown.MetadataSigner
	sd      *sdjwt.Issuer
	md0c    *mdoc.Issuer
	reqKey  *ecdsa.PrivateKey
	asNonce string
	rsNonce string

	mu            sync.Mutex
	offers        map[string]*oid4vci.CredentialOffer // by offer id
	codes         map[string]*grant                   // by pre-authorized code
	tokens        map[string]*grant                   // by access token
	cNonces       map[string]bool
	jtis          map[string]bool
	transactions  map[string]*transaction
	notifications []oid4vci.NotificationRequest
	log           []Request
}

type grant struct {
	ids   []string
	used  bool
	jkt   string // DPoP key thumbprint; "" for Bearer
	token string
}

type transaction struct {
	token       string
	credentials []string
	polls       int
}

// New starts a fake issuer; it stops when the test ends.
func New(t testing.TB, o Options) *Issuer {
	t.Helper()
	is, err := Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(is.Close)
	return is
}

// Start starts a fake issuer outside a test (in an Example); Close stops it.
func Start(o Options) (*Issuer, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	is := &Issuer{o: o, offers: map[string]*oid4vci.CredentialOffer{}, codes: map[string]*grant{}, tokens: map[string]*grant{},
		cNonces: map[string]bool{}, jtis: map[string]bool{}, transactions: map[string]*transaction{}}
	is.srv = httptest.NewUnstartedServer(http.HandlerFunc(is.serve))
	is.URL = "http://" + is.srv.Listener.Addr().String()
	is.asNonce, is.rsNonce = "as-"+random(), "rs-"+random()
	if err := is.keys(); err != nil {
		is.srv.Close()
		return nil, err
	}
	if err := is.metadata(); err != nil {
		is.srv.Close()
		return nil, err
	}
	is.srv.Start()
	return is, nil
}

// keys makes the development PKI: an IACA, a document signer for mdocs,
// a certificate naming the issuer URL for SD-JWT VCs and signed metadata,
// and the request-encryption key.
func (is *Issuer) keys() error {
	now := is.o.Now()
	start := now.Add(-time.Hour)
	iaca, iacaKey, err := mdoc.NewIACA(mdoc.CertOptions{CommonName: "Wallettest IACA", NotBefore: start})
	if err != nil {
		return err
	}
	is.Roots = []*x509.Certificate{iaca}
	is.IACAPEM = mdoc.EncodeCertificatePEM(iaca)
	ds, dsKey, err := mdoc.NewDocumentSigner(iaca, iacaKey, mdoc.CertOptions{CommonName: "Wallettest DS", NotBefore: start})
	if err != nil {
		return err
	}
	is.md0c = &mdoc.Issuer{Signer: dsKey, Chain: []*x509.Certificate{ds}, Now: is.o.Now}
	sdKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	u, _ := url.Parse(is.URL)
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	tmpl := &x509.Certificate{
		SerialNumber:   serial.Add(serial, big.NewInt(1)),
		Subject:        pkix.Name{CommonName: "Wallettest credential signer", Country: []string{"IN"}},
		NotBefore:      start,
		NotAfter:       start.Add(90 * 24 * time.Hour),
		KeyUsage:       x509.KeyUsageDigitalSignature,
		URIs:           []*url.URL{u},
		IPAddresses:    []net.IP{net.ParseIP(u.Hostname())},
		AuthorityKeyId: iaca.SubjectKeyId,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, iaca, &sdKey.PublicKey, iacaKey)
	if err != nil {
		return err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	is.sd = &sdjwt.Issuer{Signer: sdKey, X5C: [][]byte{der}, MinDecoys: 1, MaxDecoys: 3}
	if is.signer, err = wellknown.NewMetadataSigner(wellknown.SignerConfig{Signer: sdKey, Certificates: []*x509.Certificate{leaf}, Clock: is.o.Now, Lifetime: time.Hour}); err != nil {
		return err
	}
	is.reqKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	return err
}

func (is *Issuer) metadata() error {
	var zip []string
	if is.o.Zip {
		zip = []string{oid4vci.ZipDeflate}
	}
	b, err := wellknown.NewBuilder(wellknown.Config{
		IssuerURL: is.URL, AllowInsecureLoopback: true,
		DeferredEndpoint: true, NotificationEndpoint: true, BatchSize: is.o.BatchSize,
		RequestEncryption: &wellknown.RequestEncryptionConfig{
			Keys:      []wellknown.KeySpec{{Key: &is.reqKey.PublicKey, KeyID: RequestKeyID, Alg: oid4vci.AlgECDHES, Use: wellknown.UseEnc}},
			EncValues: []string{oid4vci.EncA128GCM, oid4vci.EncA256GCM}, ZipValues: zip, Required: is.o.EncryptionRequired,
		},
		ResponseEncryption: &wellknown.ResponseEncryptionConfig{
			AlgValues: []string{oid4vci.AlgECDHES}, EncValues: []string{oid4vci.EncA128GCM, oid4vci.EncA256GCM}, ZipValues: zip, Required: is.o.EncryptionRequired,
		},
		Configurations: []wellknown.CredentialConfig{
			{ID: SDJWTConfig, Format: wellknown.FormatSDJWTVC, VCT: VCT, Display: []wellknown.CredentialDisplay{{Name: "PID (SD-JWT VC)"}}},
			{ID: MdocConfig, Format: wellknown.FormatMDoc, Doctype: Doctype, Display: []wellknown.CredentialDisplay{{Name: "PID (mdoc)"}}},
		},
		AnonymousPreAuthorizedAccess: true,
		DPoPSigningAlgs:              []string{"ES256"},
	})
	if err != nil {
		return err
	}
	is.md = b.CredentialIssuerMetadata()
	if is.o.MetadataIssuer != "" {
		is.md.CredentialIssuer = is.o.MetadataIssuer
	}
	is.as = b.AuthorizationServerMetadata()
	return nil
}

// Offer creates an offer for the configurations (both when none are
// named) and returns its openid-credential-offer:// link, by reference
// or by value.
func (is *Issuer) Offer(byReference bool, ids ...string) string {
	o := is.OfferObject(ids...)
	if byReference {
		return oid4vci.OfferSchemeOpenID + "?" + oid4vci.ParamCredentialOfferURI + "=" + url.QueryEscape(is.OfferURI(o))
	}
	b, err := json.Marshal(o)
	if err != nil {
		panic(err) // the offer is built above and valid
	}
	return oid4vci.OfferSchemeOpenID + "?" + oid4vci.ParamCredentialOffer + "=" + url.QueryEscape(string(b))
}

// OfferURI publishes o at a credential_offer_uri and returns the URI.
func (is *Issuer) OfferURI(o *oid4vci.CredentialOffer) string {
	id := random()
	is.mu.Lock()
	is.offers[id] = o
	is.mu.Unlock()
	return is.URL + "/credential-offer/" + id
}

// DecryptRequest opens a request encrypted to the issuer's request key,
// as the Credential Endpoint does.
func (is *Issuer) DecryptRequest(compact []byte) ([]byte, error) {
	hdr, err := jweHeader(compact)
	if err != nil {
		return nil, err
	}
	if hdr["kid"] != RequestKeyID || hdr["alg"] != oid4vci.AlgECDHES {
		return nil, fmt.Errorf("the request JWE must use ECDH-ES and kid %s", RequestKeyID)
	}
	return jwe.Decrypt(compact, jwe.WithKey(jwa.ECDH_ES(), is.reqKey), jwe.WithMaxDecompressBufferSize(maxBody))
}

// Close stops the server.
func (is *Issuer) Close() { is.srv.Close() }

// OfferObject creates an offer and returns it as an object.
func (is *Issuer) OfferObject(ids ...string) *oid4vci.CredentialOffer {
	if len(ids) == 0 {
		ids = []string{SDJWTConfig, MdocConfig}
	}
	code := random()
	g := &oid4vci.PreAuthorizedCodeGrant{PreAuthorizedCode: code}
	if is.o.TxCode != "" {
		g.TxCode = &oid4vci.TxCode{Length: len(is.o.TxCode), InputMode: oid4vci.InputModeNumeric, Description: "sent to you by SMS"}
	}
	is.mu.Lock()
	is.codes[code] = &grant{ids: ids}
	is.mu.Unlock()
	return &oid4vci.CredentialOffer{CredentialIssuer: is.URL, CredentialConfigurationIDs: ids, Grants: &oid4vci.Grants{PreAuthorizedCode: g}}
}

// Log returns the requests seen so far.
func (is *Issuer) Log() []Request {
	is.mu.Lock()
	defer is.mu.Unlock()
	return append([]Request(nil), is.log...)
}

// Count returns how many requests reached path, and how many of those
// were answered with status (any status when 0).
func (is *Issuer) Count(path string, status int) int {
	n := 0
	for _, r := range is.Log() {
		if r.Path == path && (status == 0 || r.Status == status) {
			n++
		}
	}
	return n
}

// Notifications returns the notification requests received.
func (is *Issuer) Notifications() []oid4vci.NotificationRequest {
	is.mu.Lock()
	defer is.mu.Unlock()
	return append([]oid4vci.NotificationRequest(nil), is.notifications...)
}

// statusWriter records the status of an answer.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) { w.status = s; w.ResponseWriter.WriteHeader(s) }

func (is *Issuer) serve(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	defer func() {
		is.mu.Lock()
		is.log = append(is.log, Request{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"),
			Authorization: scheme, DPoP: r.Header.Get("DPoP") != "", Status: sw.status})
		is.mu.Unlock()
	}()
	if h, ok := is.o.Handlers[r.URL.Path]; ok {
		h(sw, r)
		return
	}
	switch p := r.URL.Path; {
	case p == "/.well-known/openid-credential-issuer" && r.Method == http.MethodGet:
		is.serveMetadata(sw, r)
	case p == "/.well-known/oauth-authorization-server" && r.Method == http.MethodGet:
		writeJSON(sw, http.StatusOK, is.as)
	case strings.HasPrefix(p, "/credential-offer/") && r.Method == http.MethodGet:
		is.mu.Lock()
		o := is.offers[strings.TrimPrefix(p, "/credential-offer/")]
		is.mu.Unlock()
		if o == nil {
			http.NotFound(sw, r)
			return
		}
		writeJSON(sw, http.StatusOK, o)
	case p == wellknown.PathToken && r.Method == http.MethodPost:
		is.serveToken(sw, r)
	case p == wellknown.PathNonce && r.Method == http.MethodPost:
		n := random()
		is.mu.Lock()
		is.cNonces[n] = true
		is.mu.Unlock()
		sw.Header().Set("Cache-Control", "no-store")
		writeJSON(sw, http.StatusOK, oid4vci.NonceResponse{CNonce: n})
	case p == wellknown.PathCredential && r.Method == http.MethodPost:
		is.serveCredential(sw, r)
	case p == wellknown.PathDeferredCredential && r.Method == http.MethodPost:
		is.serveDeferred(sw, r)
	case p == wellknown.PathNotification && r.Method == http.MethodPost:
		is.serveNotification(sw, r)
	default:
		http.NotFound(sw, r)
	}
}

func (is *Issuer) serveMetadata(w http.ResponseWriter, r *http.Request) {
	if strings.Contains(r.Header.Get("Accept"), oid4vci.MediaTypeJWT) {
		jwt, err := is.signer.Sign(is.md)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", oid4vci.MediaTypeJWT)
		io.WriteString(w, jwt)
		return
	}
	writeJSON(w, http.StatusOK, is.md)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", oid4vci.MediaTypeJSON)
	w.WriteHeader(status)
	w.Write(b)
}

func writeError(w http.ResponseWriter, status int, code oid4vci.ErrorCode, desc string) {
	writeJSON(w, status, oid4vci.NewError(code, desc))
}

const maxBody = 1 << 20

func (is *Issuer) serveToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, oid4vci.CodeInvalidRequest, "bad form")
		return
	}
	tr, err := oid4vci.ParseTokenRequest(r.PostForm, oid4vci.Limits{})
	if err != nil {
		writeError(w, http.StatusBadRequest, oid4vci.CodeInvalidRequest, err.Error())
		return
	}
	jkt := ""
	if proof := r.Header.Get("DPoP"); proof != "" {
		if is.o.DPoPNonce && dpopNonce(proof) != is.asNonce {
			w.Header().Set("DPoP-Nonce", is.asNonce)
			writeError(w, http.StatusBadRequest, oid4vci.CodeUseDPoPNonce, "a DPoP nonce is required")
			return
		}
		if jkt, err = is.checkDPoP(proof, r.Method, is.URL+r.URL.Path, is.asNonce, ""); err != nil {
			writeError(w, http.StatusBadRequest, oid4vci.CodeInvalidDPoPProof, err.Error())
			return
		}
	}
	is.mu.Lock()
	g := is.codes[tr.PreAuthorizedCode]
	switch {
	case g == nil || g.used:
		is.mu.Unlock()
		writeError(w, http.StatusBadRequest, oid4vci.CodeInvalidGrant, "unknown or used pre-authorized code")
		return
	case is.o.TxCode != "" && tr.TxCode != is.o.TxCode:
		is.mu.Unlock()
		writeError(w, http.StatusBadRequest, oid4vci.CodeInvalidGrant, "wrong tx_code")
		return
	case is.o.TxCode == "" && tr.TxCode != "":
		is.mu.Unlock()
		writeError(w, http.StatusBadRequest, oid4vci.CodeInvalidRequest, "no tx_code expected")
		return
	}
	g.used, g.jkt, g.token = true, jkt, random()
	is.tokens[g.token] = g
	is.mu.Unlock()
	resp := oid4vci.TokenResponse{AccessToken: g.token, TokenType: oid4vci.TokenTypeBearer, ExpiresIn: 300}
	if jkt != "" {
		resp.TokenType = oid4vci.TokenTypeDPoP
	}
	for _, id := range g.ids {
		resp.AuthorizationDetails = append(resp.AuthorizationDetails, oid4vci.AuthorizationDetail{
			Type: oid4vci.AuthorizationDetailsTypeOpenIDCredential, CredentialConfigurationID: id, CredentialIdentifiers: []string{id + "#dataset-1"}})
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, resp)
}

// authorize checks the access token and its DPoP proof at a resource
// endpoint (RFC 9449 Section 7).
func (is *Issuer) authorize(w http.ResponseWriter, r *http.Request) (*grant, bool) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	is.mu.Lock()
	g := is.tokens[token]
	is.mu.Unlock()
	if g == nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, oid4vci.CodeInvalidToken, "unknown access token")
		return nil, false
	}
	if g.jkt == "" {
		if !strings.EqualFold(scheme, "Bearer") {
			writeError(w, http.StatusUnauthorized, oid4vci.CodeInvalidToken, "a Bearer token")
			return nil, false
		}
		return g, true
	}
	proof := r.Header.Get("DPoP")
	if !strings.EqualFold(scheme, "DPoP") || proof == "" {
		w.Header().Set("WWW-Authenticate", `DPoP error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, oid4vci.CodeInvalidToken, "a DPoP-bound token needs the DPoP scheme and a proof")
		return nil, false
	}
	if is.o.DPoPNonce && dpopNonce(proof) != is.rsNonce {
		w.Header().Set("DPoP-Nonce", is.rsNonce)
		w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"`)
		writeError(w, http.StatusUnauthorized, oid4vci.CodeUseDPoPNonce, "a DPoP nonce is required")
		return nil, false
	}
	jkt, err := is.checkDPoP(proof, r.Method, is.URL+r.URL.Path, is.rsNonce, token)
	if err != nil || jkt != g.jkt {
		w.Header().Set("WWW-Authenticate", `DPoP error="invalid_dpop_proof"`)
		writeError(w, http.StatusUnauthorized, oid4vci.CodeInvalidDPoPProof, fmt.Sprintf("DPoP proof: %v (or another key)", err))
		return nil, false
	}
	return g, true
}

// body reads a request body, decrypting it when it is application/jwt.
func (is *Issuer) body(w http.ResponseWriter, r *http.Request) ([]byte, bool, bool) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, oid4vci.CodeInvalidCredentialRequest, "body too large")
		return nil, false, false
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case oid4vci.MediaTypeJSON:
		if is.o.EncryptionRequired {
			writeError(w, http.StatusBadRequest, oid4vci.CodeInvalidEncryptionParameters, "requests must be encrypted")
			return nil, false, false
		}
		return data, false, true
	case oid4vci.MediaTypeJWT:
		plain, err := is.DecryptRequest(data)
		if err != nil {
			writeError(w, http.StatusBadRequest, oid4vci.CodeInvalidEncryptionParameters, "cannot decrypt the request: "+oid4vci.SanitizeDescription(err.Error()))
			return nil, false, false
		}
		return plain, true, true
	}
	writeError(w, http.StatusBadRequest, oid4vci.CodeInvalidCredentialRequest, "unsupported media type "+mt)
	return nil, false, false
}

func (is *Issuer) serveCredential(w http.ResponseWriter, r *http.Request) {
	g, ok := is.authorize(w, r)
	if !ok {
		return
	}
	plain, encrypted, ok := is.body(w, r)
	if !ok {
		return
	}
	req, err := oid4vci.ParseCredentialRequest(plain, oid4vci.Limits{MaxBatchSize: max(is.o.BatchSize, 1)})
	if err != nil {
		writeJSON(w, http.StatusBadRequest, err)
		return
	}
	if req.CredentialResponseEncryption != nil && !encrypted {
		writeError(w, http.StatusBadRequest, oid4vci.CodeInvalidEncryptionParameters, "credential_response_encryption needs an encrypted request")
		return
	}
	if req.CredentialResponseEncryption == nil && is.o.EncryptionRequired {
		writeError(w, http.StatusBadRequest, oid4vci.CodeInvalidEncryptionParameters, "responses must be encrypted")
		return
	}
	configID := ""
	for _, id := range g.ids {
		if req.CredentialIdentifier == id+"#dataset-1" {
			configID = id
		}
	}
	if configID == "" {
		writeError(w, http.StatusBadRequest, oid4vci.CodeUnknownCredentialIdentifier, "credential_identifier not granted")
		return
	}
	if req.Proofs == nil || len(req.Proofs.JWT) == 0 {
		writeError(w, http.StatusBadRequest, oid4vci.CodeInvalidProof, "jwt proofs are required")
		return
	}
	var holders []*ecdsa.PublicKey
	var nonces []string
	for _, p := range req.Proofs.JWT {
		k, nonce, err := is.checkProof(p)
		if err != nil {
			writeError(w, http.StatusBadRequest, oid4vci.CodeInvalidProof, err.Error())
			return
		}
		holders, nonces = append(holders, k), append(nonces, nonce)
	}
	is.mu.Lock()
	for _, n := range nonces {
		if !is.cNonces[n] {
			is.mu.Unlock()
			writeError(w, http.StatusBadRequest, oid4vci.CodeInvalidNonce, "unknown c_nonce")
			return
		}
	}
	for _, n := range nonces {
		delete(is.cNonces, n)
	}
	is.mu.Unlock()
	creds := make([]string, len(holders))
	for i, h := range holders {
		if creds[i], err = is.issue(configID, h); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	if is.o.Deferred > 0 {
		tx := random()
		is.mu.Lock()
		is.transactions[tx] = &transaction{token: g.token, credentials: creds, polls: is.o.Deferred - 1}
		is.mu.Unlock()
		is.respond(w, http.StatusAccepted, oid4vci.CredentialResponse{TransactionID: tx, Interval: 1}, req.CredentialResponseEncryption)
		return
	}
	is.respond(w, http.StatusOK, is.issued(creds), req.CredentialResponseEncryption)
}

func (is *Issuer) issued(creds []string) oid4vci.CredentialResponse {
	out := oid4vci.CredentialResponse{NotificationID: "n-" + random()}
	for _, c := range creds {
		out.Credentials = append(out.Credentials, oid4vci.StringCredential(c))
	}
	return out
}

func (is *Issuer) serveDeferred(w http.ResponseWriter, r *http.Request) {
	g, ok := is.authorize(w, r)
	if !ok {
		return
	}
	plain, encrypted, ok := is.body(w, r)
	if !ok {
		return
	}
	req, err := oid4vci.ParseDeferredCredentialRequest(plain, oid4vci.Limits{})
	if err != nil {
		writeJSON(w, http.StatusBadRequest, err)
		return
	}
	if req.CredentialResponseEncryption != nil && !encrypted {
		writeError(w, http.StatusBadRequest, oid4vci.CodeInvalidEncryptionParameters, "credential_response_encryption needs an encrypted request")
		return
	}
	is.mu.Lock()
	tx := is.transactions[req.TransactionID]
	if tx == nil || tx.token != g.token {
		is.mu.Unlock()
		writeError(w, http.StatusBadRequest, oid4vci.CodeInvalidTransactionID, "unknown transaction_id")
		return
	}
	if tx.polls > 0 {
		tx.polls--
		is.mu.Unlock()
		if is.o.LegacyPending {
			writeError(w, http.StatusBadRequest, "issuance_pending", "not yet")
			return
		}
		is.respond(w, http.StatusAccepted, oid4vci.CredentialResponse{TransactionID: req.TransactionID, Interval: 1}, req.CredentialResponseEncryption)
		return
	}
	delete(is.transactions, req.TransactionID)
	is.mu.Unlock()
	is.respond(w, http.StatusOK, is.issued(tx.credentials), req.CredentialResponseEncryption)
}

func (is *Issuer) serveNotification(w http.ResponseWriter, r *http.Request) {
	if _, ok := is.authorize(w, r); !ok {
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, oid4vci.CodeInvalidNotificationRequest, "body too large")
		return
	}
	n, err := oid4vci.ParseNotificationRequest(data, oid4vci.Limits{})
	if err != nil {
		writeJSON(w, http.StatusBadRequest, err)
		return
	}
	is.mu.Lock()
	is.notifications = append(is.notifications, *n)
	is.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// respond writes a (Deferred) Credential Response, encrypted to the
// wallet's key when it asked (Section 10).
func (is *Issuer) respond(w http.ResponseWriter, status int, resp oid4vci.CredentialResponse, enc *oid4vci.ResponseEncryption) {
	w.Header().Set("Cache-Control", "no-store")
	if enc == nil {
		writeJSON(w, status, resp)
		return
	}
	if is.o.ResponseEncryption != nil {
		e := *enc
		is.o.ResponseEncryption(&e)
		enc = &e
	}
	out, err := is.EncryptResponse(resp, enc)
	if err != nil {
		writeError(w, http.StatusBadRequest, oid4vci.CodeInvalidEncryptionParameters, oid4vci.SanitizeDescription(err.Error()))
		return
	}
	w.Header().Set("Content-Type", oid4vci.MediaTypeJWT)
	w.WriteHeader(status)
	w.Write(out)
}

// EncryptResponse encrypts a Credential Response as a wallet's
// credential_response_encryption asks (Section 10): ECDH-ES to its jwk,
// its enc (A128GCM or A256GCM), DEF compression when it asks for zip,
// and its kid in the JWE header.
func (is *Issuer) EncryptResponse(resp oid4vci.CredentialResponse, enc *oid4vci.ResponseEncryption) ([]byte, error) {
	payload, err := json.Marshal(resp)
	if err != nil {
		return nil, err
	}
	key, err := jwk.ParseKey(enc.JWK)
	if err != nil || enc.JWKAlg() != oid4vci.AlgECDHES {
		return nil, fmt.Errorf("the wallet key must be an EC key with alg ECDH-ES")
	}
	ce, ok := jwa.LookupContentEncryptionAlgorithm(enc.Enc)
	if !ok || (enc.Enc != oid4vci.EncA128GCM && enc.Enc != oid4vci.EncA256GCM) {
		return nil, fmt.Errorf("enc must be A128GCM or A256GCM")
	}
	hd := jwe.NewHeaders()
	if kid := enc.JWKKeyID(); kid != "" {
		hd.Set(jwe.KeyIDKey, kid)
	}
	opts := []jwe.EncryptOption{jwe.WithKey(jwa.ECDH_ES(), key), jwe.WithContentEncryption(ce), jwe.WithProtectedHeaders(hd), jwe.WithCompact()}
	if enc.Zip == oid4vci.ZipDeflate {
		opts = append(opts, jwe.WithCompress(jwa.Deflate()))
	}
	return jwe.Encrypt(payload, opts...)
}

// issue makes one credential of the configuration bound to holder.
func (is *Issuer) issue(configID string, holder *ecdsa.PublicKey) (string, error) {
	if is.o.BindTo != nil {
		holder = is.o.BindTo
	}
	now := is.o.Now()
	var cred string
	switch configID {
	case SDJWTConfig:
		cnf, err := sdjwt.Cnf(holder)
		if err != nil {
			return "", err
		}
		addr := Claims["address"].(map[string]any)
		sd, err := is.sd.IssueVC(map[string]any{
			"iss": is.URL, "iat": now.Unix(), "exp": now.Add(24 * time.Hour).Unix(), "vct": VCT, "cnf": cnf,
			"name": sdjwt.SD(Claims["name"]), "birth_date": sdjwt.SD(Claims["birth_date"]),
			"address": sdjwt.SD(map[string]any{"city": sdjwt.SD(addr["city"]), "state": sdjwt.SD(addr["state"])}),
		})
		if err != nil {
			return "", err
		}
		cred = sd.String()
	case MdocConfig:
		raw, err := is.md0c.Issue(mdoc.Request{
			DocType: Doctype, DeviceKey: holder, ValidUntil: now.Add(24 * time.Hour),
			Elements: []mdoc.Element{
				{Namespace: Doctype, Identifier: "name", Value: Claims["name"]},
				{Namespace: Doctype, Identifier: "birth_date", Value: mdoc.FullDate(Claims["birth_date"].(string))},
				{Namespace: Doctype, Identifier: "portrait", Value: bytes.Repeat([]byte{0xff, 0xd8}, 64)},
			},
		})
		if err != nil {
			return "", err
		}
		cred = mdoc.EncodeCredential(raw)
	default:
		return "", fmt.Errorf("unknown configuration %q", configID)
	}
	if is.o.Mutate != nil {
		cred = is.o.Mutate(map[string]string{SDJWTConfig: oid4vci.FormatSDJWTVC, MdocConfig: oid4vci.FormatMsoMdoc}[configID], cred)
	}
	return cred, nil
}

// checkProof verifies a jwt key proof (Appendix F.1, F.4) and returns the
// key and the c_nonce.
func (is *Issuer) checkProof(p string) (*ecdsa.PublicKey, string, error) {
	hdr, claims, err := verifyJWS(p)
	if err != nil {
		return nil, "", err
	}
	if hdr.Typ != oid4vci.TypProofJWT {
		return nil, "", fmt.Errorf("proof typ %q", hdr.Typ)
	}
	var c oid4vci.ProofJWTClaims
	if err := json.Unmarshal(claims, &c); err != nil {
		return nil, "", err
	}
	if c.Aud != is.URL {
		return nil, "", fmt.Errorf("proof aud %q", c.Aud)
	}
	if d := is.o.Now().Sub(time.Unix(c.Iat, 0)); d > 5*time.Minute || d < -time.Minute {
		return nil, "", fmt.Errorf("proof iat off by %v", d)
	}
	return hdr.key, c.Nonce, nil
}

// checkDPoP verifies a DPoP proof (RFC 9449 Section 4.3) and returns the
// RFC 7638 thumbprint of its key.
func (is *Issuer) checkDPoP(proof, method, htu, nonce, accessToken string) (string, error) {
	hdr, claims, err := verifyJWS(proof)
	if err != nil {
		return "", err
	}
	if hdr.Typ != "dpop+jwt" {
		return "", fmt.Errorf("typ %q", hdr.Typ)
	}
	var c struct {
		HTM, HTU, JTI, Nonce, ATH string
		IAT                       int64
	}
	if err := json.Unmarshal(claims, &c); err != nil {
		return "", err
	}
	switch {
	case c.HTM != method || c.HTU != htu:
		return "", fmt.Errorf("htm %q htu %q, want %s %s", c.HTM, c.HTU, method, htu)
	case is.o.DPoPNonce && c.Nonce != nonce:
		return "", fmt.Errorf("nonce %q", c.Nonce)
	case accessToken != "" && c.ATH != s256(accessToken):
		return "", fmt.Errorf("ath does not match the access token")
	case accessToken == "" && c.ATH != "":
		return "", fmt.Errorf("ath at the token endpoint")
	case c.JTI == "":
		return "", fmt.Errorf("no jti")
	}
	if d := is.o.Now().Sub(time.Unix(c.IAT, 0)); d > time.Minute || d < -time.Minute {
		return "", fmt.Errorf("iat off by %v", d)
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	if is.jtis[c.JTI] {
		return "", fmt.Errorf("jti replayed")
	}
	is.jtis[c.JTI] = true
	j, err := wellknown.NewJWK(wellknown.KeySpec{Key: hdr.key})
	if err != nil {
		return "", err
	}
	return j.Thumbprint(), nil
}

type jwsHeader struct {
	Alg, Typ string
	JWK      map[string]any
	key      *ecdsa.PublicKey
}

// verifyJWS checks a compact ES256 JWS signed by the key in its jwk
// header, which must be public.
func verifyJWS(s string) (*jwsHeader, []byte, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return nil, nil, fmt.Errorf("not a compact JWS")
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, nil, err
	}
	var h jwsHeader
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, nil, err
	}
	if h.Alg != "ES256" || h.JWK == nil {
		return nil, nil, fmt.Errorf("alg %q or no jwk", h.Alg)
	}
	if _, ok := h.JWK["d"]; ok {
		return nil, nil, fmt.Errorf("jwk carries a private key")
	}
	pub, err := sdjwt.ParseJWK(h.JWK)
	if err != nil {
		return nil, nil, err
	}
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || k.Curve != elliptic.P256() {
		return nil, nil, fmt.Errorf("jwk is not P-256")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, nil, fmt.Errorf("signature is not 64 bytes of base64url")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(k, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return nil, nil, fmt.Errorf("bad signature")
	}
	claims, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, nil, err
	}
	h.key = k
	return &h, claims, nil
}

func dpopNonce(proof string) string {
	parts := strings.Split(proof, ".")
	if len(parts) != 3 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct{ Nonce string }
	json.Unmarshal(b, &c)
	return c.Nonce
}

func jweHeader(data []byte) (map[string]any, error) {
	h, _, _ := strings.Cut(string(data), ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}

func s256(s string) string {
	h := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

func random() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
