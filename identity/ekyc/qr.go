package ekyc

import (
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"io"
	"math/big"
	"strings"

	"github.com/pramaan/pramaan/identity/uidai"
)

// Limits of a Secure QR payload: a QR code holds at most 7089 decimal
// digits; the gzip stream inflates to a few kilobytes.
const (
	maxQRDigits   = 8000
	maxQRInflated = 64 << 10
	qrSigBytes    = 256
	qrTextFields  = 17
)

// QRInfo is what a Secure QR V2 adds to a Result.
type QRInfo struct {
	// Indicator says which hashes the resident shared (0 none, 1 e-mail,
	// 2 mobile, 3 both); V2 carries none of the hashes themselves.
	Indicator int
	// MobileLast4 is the last four digits of the mobile number, or empty.
	MobileLast4 string
}

// VerifyQR verifies an Aadhaar Secure QR V2 payload (§2.5): the decimal
// big integer is turned into bytes and gunzipped (within limits); the last
// 256 bytes are an RSA-2048 PKCS#1 v1.5 SHA-256 signature over the rest,
// verified against opts.Pinned; a pinned certificate must be valid at the
// referenceId time. The photo (JPEG 2000) is Claims.Photo. Freshness is
// that of Verify (opts.MaxAge, DefaultMaxAge when zero): the QR a resident
// generates in the Aadhaar app is fresh; a printed card's QR is old by
// design, and a deployment that accepts cards sets a longer MaxAge. The
// Result has no mobile or e-mail hash (V2 has none).
func VerifyQR(payload string, opts Options) (*Result, *QRInfo, error) {
	if len(opts.Pinned) == 0 || opts.Now == nil || len(opts.NameKey) < 16 {
		return nil, nil, errf(ErrConfig, "pinned certificates, clock and a 16-byte name key are required")
	}
	payload = strings.TrimSpace(payload)
	if payload == "" || len(payload) > maxQRDigits {
		return nil, nil, errf(ErrQR, "not 1 to %d decimal digits", maxQRDigits)
	}
	for i := range len(payload) {
		if payload[i] < '0' || payload[i] > '9' {
			return nil, nil, errf(ErrQR, "not decimal digits")
		}
	}
	n, ok := new(big.Int).SetString(payload, 10)
	if !ok {
		return nil, nil, errf(ErrQR, "not a decimal integer")
	}
	zr, err := gzip.NewReader(bytes.NewReader(n.Bytes()))
	if err != nil {
		return nil, nil, errf(ErrQR, "not gzip: %v", err)
	}
	zr.Multistream(false)
	data, err := io.ReadAll(io.LimitReader(zr, maxQRInflated+1))
	if err != nil {
		return nil, nil, errf(ErrQR, "gzip: %v", err)
	}
	if len(data) > maxQRInflated {
		return nil, nil, errf(ErrQR, "inflates over %d bytes", maxQRInflated)
	}
	if len(data) <= qrSigBytes+3 || !bytes.HasPrefix(data, []byte("V2\xff")) {
		return nil, nil, errf(ErrQR, "not a V2 payload")
	}
	signed, sig := data[:len(data)-qrSigBytes], data[len(data)-qrSigBytes:]
	digest := sha256.Sum256(signed)
	var signers []*x509.Certificate
	for _, p := range opts.Pinned {
		if p == nil {
			continue
		}
		if len(signers) > 0 {
			if signers[0].PublicKey.(*rsa.PublicKey).Equal(p.PublicKey) {
				signers = append(signers, p) // a renewal of the same key
			}
			continue
		}
		if pub, ok := p.PublicKey.(*rsa.PublicKey); ok && rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) == nil {
			signers = append(signers, p)
		}
	}
	if len(signers) == 0 {
		return nil, nil, errf(ErrSignatureInvalid, "no pinned certificate verifies the QR signature")
	}
	rest := signed[3:]
	f := make([]string, qrTextFields)
	for i := range f {
		j := bytes.IndexByte(rest, 0xFF)
		if j < 0 {
			return nil, nil, errf(ErrQR, "%d fields, not %d and a photo", i, qrTextFields)
		}
		f[i] = latin1(rest[:j])
		if len(f[i]) > maxField {
			return nil, nil, errf(ErrQR, "a field over %d bytes", maxField)
		}
		rest = rest[j+1:]
	}
	info := &QRInfo{MobileLast4: f[16]}
	if len(f[0]) != 1 || f[0][0] < '0' || f[0][0] > '3' {
		return nil, nil, errf(ErrQR, "the e-mail/mobile indicator is not 0 to 3")
	}
	info.Indicator = int(f[0][0] - '0')
	r := &Result{ReferenceID: f[1]}
	c := &r.Claims
	c.Name, c.Gender = f[2], f[4]
	c.Address = Address{CareOf: f[5], District: f[6], Landmark: f[7], House: f[8], Locality: f[9], Pincode: f[10],
		PostOffice: f[11], State: f[12], Street: f[13], SubDistrict: f[14], VTC: f[15]}
	if r.Last4, r.ReferenceTime, err = ParseReferenceID(r.ReferenceID); err != nil {
		return nil, nil, errf(ErrQR, "referenceId is not 21 digits with a valid time")
	}
	if c.DOB, err = uidai.BirthDate(f[3]); err != nil {
		return nil, nil, errf(ErrQR, "dob is not DD-MM-YYYY")
	}
	switch c.Gender {
	case "M", "F", "T":
	default:
		return nil, nil, errf(ErrQR, "gender is not M, F or T")
	}
	if c.Name == "" {
		return nil, nil, errf(ErrQR, "no name")
	}
	if len(rest) > 0 {
		c.Photo = bytes.Clone(rest)
	}
	pin, err := validAt(signers, r.ReferenceTime)
	if err != nil {
		return nil, nil, err
	}
	maxAge := opts.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	now := opts.Now()
	if err := fresh(r.ReferenceTime, now, maxAge); err != nil {
		return nil, nil, err
	}
	r.seal(pin, now, opts.NameKey)
	return r, info, nil
}

// latin1 decodes ISO-8859-1.
func latin1(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		s.WriteRune(rune(c))
	}
	return s.String()
}
