package ekyctest

import (
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"math/big"
)

// QRSigned is the signed part of a Secure QR V2 (§2.5) for p: "V2", then
// the indicator and 16 text fields and the mobile's last four digits, each
// followed by 0xFF, then the photo (JPEG 2000 stand-in bytes FF 4F …).
func QRSigned(p Person, referenceID string, photo []byte) []byte {
	ind := "0"
	switch {
	case p.Email != "" && p.Mobile != "":
		ind = "3"
	case p.Email != "":
		ind = "1"
	case p.Mobile != "":
		ind = "2"
	}
	mob := ""
	if len(p.Mobile) >= 4 {
		mob = p.Mobile[len(p.Mobile)-4:]
	}
	var b bytes.Buffer
	b.WriteString("V2\xff")
	for _, f := range []string{ind, referenceID, p.Name, p.DOB, p.Gender, p.CareOf, p.Dist, p.Landmark, p.House, p.Loc,
		p.PC, p.PO, p.State, p.Street, p.SubDist, p.VTC, mob} {
		for _, r := range f { // ISO-8859-1
			b.WriteByte(byte(r))
		}
		b.WriteByte(0xFF)
	}
	b.Write(photo)
	return b.Bytes()
}

// QR signs data (RSA-2048 PKCS#1 v1.5 SHA-256), appends the signature,
// gzips and returns the decimal big integer a Secure QR carries.
func QR(data []byte, s *Signer) (string, error) {
	h := sha256.Sum256(data)
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.Key, crypto.SHA256, h[:])
	if err != nil {
		return "", err
	}
	return Gzip(append(bytes.Clone(data), sig...))
}

// Gzip compresses b and returns it as a decimal big integer.
func Gzip(b []byte) (string, error) {
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	if _, err := w.Write(b); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	return new(big.Int).SetBytes(z.Bytes()).String(), nil
}

// JPEG2000Stub is a few bytes that start like a JPEG 2000 codestream and
// contain 0xFF bytes, as real photos do.
func JPEG2000Stub() []byte {
	return []byte{0xFF, 0x4F, 0xFF, 0x51, 0x00, 0x2F, 0xFF, 0xFF, 0x00, 0xFF, 0xD9}
}

// QRWithSignature packs data with the signature made over signedData: a
// tampered QR.
func QRWithSignature(data, signedData []byte, s *Signer) (string, error) {
	h := sha256.Sum256(signedData)
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.Key, crypto.SHA256, h[:])
	if err != nil {
		return "", err
	}
	return Gzip(append(bytes.Clone(data), sig...))
}
