package portal

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/pramaan/pramaan/identity/ekyc"
	"github.com/pramaan/pramaan/identity/record"
	"github.com/pramaan/pramaan/issuer"
)

// Sources of the offline e-KYC claims in the record.
const (
	SourceEKYCOffline = "ekyc_offline"
	SourceEKYCQR      = "ekyc_qr"
)

// SubjectKindEKYC is the record's subject kind of a resident known by an
// offline e-KYC: the key is a keyed hash of the last four Aadhaar digits,
// the name, the birth date and the gender, so that two packages of one
// resident reach one subject and the key reveals none of them.
const SubjectKindEKYC = "aadhaar_ekyc"

// EKYCConfig configures offline e-KYC and Secure QR verification.
type EKYCConfig struct {
	// Pinned are the signing certificates a package must verify under.
	Pinned []*x509.Certificate
	// MaxAge and QRMaxAge bound the age of a package and of a QR.
	MaxAge, QRMaxAge time.Duration
	Limits           ekyc.Limits
	EmailRule        ekyc.EmailRule
	// NameKey keys the masked name hash; SubjectKey the subject key. Each
	// 32 bytes from the keystore.
	NameKey, SubjectKey []byte
	// Configurations are the credential configurations offered, each when
	// the verified claims fill it.
	Configurations []string
	Record         Record
	Offers         Offers
	Audit          Auditor
	Now            func() time.Time
}

// EKYC turns a verified offline e-KYC package or Secure QR into masked
// facts in the record and an offer that carries the verified claims
// sealed until the credentials are issued (issue-and-forget).
type EKYC struct {
	cfg EKYCConfig
}

// NewEKYC validates cfg.
func NewEKYC(cfg EKYCConfig) (*EKYC, error) {
	if len(cfg.Pinned) == 0 || cfg.Record == nil || cfg.Offers == nil || cfg.Audit == nil || cfg.Now == nil ||
		len(cfg.NameKey) < 16 || len(cfg.SubjectKey) < 16 {
		return nil, errors.New("portal: e-KYC needs pinned certificates, record, offers, audit, clock, a name key and a subject key")
	}
	return &EKYC{cfg: cfg}, nil
}

// EKYCRequest is an offline e-KYC package (or a Secure QR) with what the
// resident may also give to be checked against it.
type EKYCRequest struct {
	// Zip and ShareCode are the package (Offline).
	Zip       []byte
	ShareCode string
	// QR is the decimal Secure QR payload (QR).
	QR string
	// Mobile and Email, when given, are checked against the package's
	// hashes (Offline only: V2 QRs carry none).
	Mobile, Email string
}

// EKYCResult is what a verification answers: the masked facts, the
// checks asked for and the offer.
type EKYCResult struct {
	SubjectID string
	Source    string
	Masked    ekyc.Masked
	// MobileMatch and EmailMatch are set when a value was given.
	MobileMatch, EmailMatch *bool
	Offer                   *Offer
}

// Offline verifies an offline e-KYC package (§2 of the identity rails
// reference) and offers credentials made from it.
func (e *EKYC) Offline(ctx context.Context, req EKYCRequest) (*EKYCResult, error) {
	r, xml, err := e.verify(req)
	if err != nil {
		return nil, err
	}
	out := &EKYCResult{Source: SourceEKYCOffline}
	if req.Mobile != "" {
		ok, err := ekyc.VerifyMobile(r, req.Mobile, req.ShareCode)
		if err != nil {
			return nil, newError(http.StatusUnprocessableEntity, "mobile_not_shared", "the package carries no mobile number hash; leave mobile out", err)
		}
		out.MobileMatch = &ok
	}
	if req.Email != "" {
		ok, err := ekyc.VerifyEmail(r, req.Email, req.ShareCode, e.cfg.EmailRule)
		if err != nil {
			return nil, newError(http.StatusUnprocessableEntity, "email_not_shared", "the package carries no e-mail hash; leave email out", err)
		}
		out.EmailMatch = &ok
	}
	sum := sha256.Sum256(xml)
	return e.accept(ctx, r, out, hex.EncodeToString(sum[:]), true)
}

// verify opens and verifies a package, its refusals mapped.
func (e *EKYC) verify(req EKYCRequest) (*ekyc.Result, []byte, error) {
	xml, err := ekyc.Open(req.Zip, req.ShareCode, e.cfg.Limits)
	if err != nil {
		return nil, nil, ekycError(err)
	}
	r, err := ekyc.Verify(xml, ekyc.Options{Pinned: e.cfg.Pinned, Now: e.cfg.Now, MaxAge: e.cfg.MaxAge, NameKey: e.cfg.NameKey})
	if err != nil {
		return nil, nil, ekycError(err)
	}
	return r, xml, nil
}

// QR verifies a Secure QR (V2) and offers credentials made from it. Its
// photo is JPEG 2000, which credentials do not carry as a portrait.
func (e *EKYC) QR(ctx context.Context, req EKYCRequest) (*EKYCResult, error) {
	r, _, err := ekyc.VerifyQR(req.QR, ekyc.Options{Pinned: e.cfg.Pinned, Now: e.cfg.Now, MaxAge: e.cfg.QRMaxAge, NameKey: e.cfg.NameKey})
	if err != nil {
		return nil, ekycError(err)
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(req.QR)))
	return e.accept(ctx, r, &EKYCResult{Source: SourceEKYCQR}, hex.EncodeToString(sum[:]), false)
}

// accept records the masked facts and makes the offer. The record gets
// only the last four digits, the keyed name hash, the verification result,
// time and signer; the claims travel sealed in the offer, which forgets
// them once every offered credential is issued (or is deleted on expiry).
func (e *EKYC) accept(ctx context.Context, r *ekyc.Result, out *EKYCResult, evidenceHash string, portrait bool) (*EKYCResult, error) {
	c := r.Claims
	subject, _, err := e.cfg.Record.Subject(ctx, SubjectKindEKYC, e.subjectKey(r))
	if err != nil {
		return nil, err
	}
	m := r.Masked()
	obs := []record.Observation{
		{Name: "aadhaar_last4", Value: m.Last4},
		{Name: "ekyc.name_hash", Value: m.NameHash},
		{Name: "ekyc.verified", Value: m.Verified},
		{Name: "ekyc.verified_at", Value: m.VerifiedAt.UTC().Format(time.RFC3339)},
		{Name: "ekyc.signer_sha256", Value: m.SignerSHA256},
	}
	for i := range obs {
		obs[i].Source, obs[i].EvidenceHash, obs[i].Verified = out.Source, evidenceHash, true
	}
	if _, err := e.cfg.Record.Record(ctx, subject, obs); err != nil {
		return nil, err
	}
	claims := map[string]any{"name": c.Name, "birth_date": c.DOB, "aadhaar_last4": r.Last4}
	if g := normaliseGender(c.Gender); g != "" {
		claims["gender"] = g
	}
	address := map[string]any{}
	for k, v := range map[string]string{"house": c.Address.House, "street": c.Address.Street, "locality": c.Address.Locality,
		"city": c.Address.VTC, "district": c.Address.District, "state": c.Address.State, "pincode": c.Address.Pincode,
		"country": c.Address.Country} {
		if v = strings.TrimSpace(v); v != "" {
			address[k] = v
		}
	}
	if len(address) > 0 {
		claims["address"] = address
	}
	if portrait && len(c.Photo) > 0 {
		claims["portrait"] = base64.StdEncoding.EncodeToString(c.Photo)
	}
	var ids []string
	for _, id := range e.cfg.Configurations {
		if e.cfg.Offers.CheckClaims(id, claims) == nil {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, newError(http.StatusConflict, "claims_missing", "no configured credential can be made from the verified e-KYC", nil)
	}
	res, err := e.cfg.Offers.NewOffer(ctx, &issuer.OfferRequest{
		CredentialConfigurationIDs: ids, Subject: subject, Claims: claims, ByReference: true, ForgetClaims: true,
	})
	if err != nil {
		return nil, err
	}
	if _, err := e.cfg.Audit.Append(ctx, auditEvent("credential.offered", subject, map[string]string{
		"offer_id": res.OfferID, "configurations": strings.Join(ids, ","), "source": out.Source,
	})); err != nil {
		return nil, err
	}
	out.SubjectID, out.Masked, out.Offer = subject, m, &Offer{OfferResponse: res, Configurations: ids}
	return out, nil
}

// subjectKey is hex HMAC-SHA256 over the last four digits, the name
// (upper-cased, white space folded), the birth date and the gender.
func (e *EKYC) subjectKey(r *ekyc.Result) string {
	mac := hmac.New(sha256.New, e.cfg.SubjectKey)
	name := strings.ToUpper(strings.Join(strings.Fields(r.Claims.Name), " "))
	mac.Write([]byte(strings.Join([]string{r.Last4, name, r.Claims.DOB, r.Claims.Gender}, "\x00")))
	return hex.EncodeToString(mac.Sum(nil))
}

// ekycError maps the verifier's refusals to answers that name the check
// and never the resident's data: 400 for input that is not a package or
// cannot be opened, 422 for a package that opens but does not verify.
func ekycError(err error) error {
	code := ekyc.Code(err)
	desc, ok := map[string]string{
		"wrong_share_code":      "the share code does not open the package",
		"invalid_package":       "the upload is not one ZipCrypto-encrypted .xml file in a ZIP within the limits (size, entries, compression ratio)",
		"invalid_document":      "the XML is not an offline e-KYC document, or carries a DTD or an entity declaration",
		"invalid_qr":            "the QR payload is not a Secure QR (V2) or is truncated",
		"signature_invalid":     "the signature does not verify under a pinned UIDAI certificate, or is missing, duplicated, misplaced or of a refused form",
		"signer_not_pinned":     "the document is signed by a certificate that is not pinned",
		"certificate_not_valid": "the signing certificate was not valid when the document was made",
		"ekyc_stale":            "the document is too old (or from the future); download a new one",
	}[code]
	if !ok {
		return err
	}
	status := http.StatusUnprocessableEntity
	switch code {
	case "wrong_share_code", "invalid_package", "invalid_document", "invalid_qr":
		status = http.StatusBadRequest
	}
	return newError(status, code, desc, err)
}
