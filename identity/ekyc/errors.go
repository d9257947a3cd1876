package ekyc

import (
	"errors"
	"fmt"
)

// The sentinel errors. Every error of Open, Verify and the hash checks wraps
// at least one of them (test with errors.Is) and says which check failed; no
// error quotes the citizen's data or the share code.
var (
	// ErrConfig marks a caller mistake: no pinned certificates, no clock,
	// no name key, a nil Result.
	ErrConfig = errors.New("ekyc: configuration")

	// ErrNotZip marks input that is empty or not a ZIP archive.
	ErrNotZip = errors.New("not a ZIP archive")
	// ErrZipLimits marks an archive over a limit: total size, entry count
	// (exactly one .xml entry), uncompressed size or compression ratio.
	ErrZipLimits = errors.New("ZIP archive over a limit")
	// ErrZipUnsupported marks an entry the package does not open: AES
	// (WinZip AE-x) encryption, an unencrypted entry, a method other than
	// stored or deflate, a name that is not a plain .xml file name.
	ErrZipUnsupported = errors.New("unsupported ZIP entry")
	// ErrWrongShareCode marks a share code that does not decrypt the entry:
	// the check byte of the ZipCrypto header does not match. When the
	// check byte matches (one wrong code in 256 does) but the decrypted
	// data do not inflate or fail the CRC-32, the error wraps both
	// ErrWrongShareCode and ErrCorruptZip.
	ErrWrongShareCode = errors.New("wrong share code")
	// ErrCorruptZip marks an entry whose data do not inflate or whose
	// CRC-32 does not match.
	ErrCorruptZip = errors.New("corrupt ZIP entry")

	// ErrDTD marks XML carrying a DTD, an entity declaration or any other
	// <!…> declaration.
	ErrDTD = errors.New("DTD or entity declaration refused")
	// ErrMalformedXML marks XML that is empty, over a limit, not
	// well-formed, or lacks the OfflinePaperlessKyc shape and fields.
	ErrMalformedXML = errors.New("malformed offline e-KYC XML")
	// ErrSignatureShape marks a missing, misplaced or duplicated Signature,
	// a Reference other than URI="", or algorithms outside the allow-lists.
	ErrSignatureShape = errors.New("signature refused")
	// ErrSignatureInvalid marks a signature that does not verify: the
	// digest of the document or the signature value does not match.
	ErrSignatureInvalid = errors.New("signature invalid")
	// ErrUntrustedSigner marks a document whose KeyInfo names a
	// certificate outside the pinned set and that no pinned certificate
	// verifies.
	ErrUntrustedSigner = errors.New("signer not pinned")
	// ErrCertificateNotValid marks a document signed by a pinned
	// certificate that was expired (or not yet valid) at the time of the
	// referenceId.
	ErrCertificateNotValid = errors.New("pinned certificate not valid at the document's time")
	// ErrStale marks a referenceId time older than Options.MaxAge, or in
	// the future, at Options.Now.
	ErrStale = errors.New("offline e-KYC too old or from the future")

	// ErrNoHash marks a hash check of a field the resident did not share
	// (the m or e attribute is empty).
	ErrNoHash = errors.New("the document carries no hash for this field")

	// ErrQR marks a Secure QR payload that is malformed or over a limit.
	ErrQR = errors.New("malformed Secure QR payload")
)

func errf(kind error, format string, args ...any) error {
	return fmt.Errorf("ekyc: %w: %s", kind, fmt.Sprintf(format, args...))
}

// codes are the stable machine codes of the sentinels, in the order they
// are tested: a wrong share code first (it may also be ErrCorruptZip).
var codes = []struct {
	kind error
	code string
}{
	{ErrWrongShareCode, "wrong_share_code"},
	{ErrNotZip, "invalid_package"},
	{ErrZipLimits, "invalid_package"},
	{ErrZipUnsupported, "invalid_package"},
	{ErrCorruptZip, "invalid_package"},
	{ErrDTD, "invalid_document"},
	{ErrMalformedXML, "invalid_document"},
	{ErrQR, "invalid_qr"},
	{ErrSignatureShape, "signature_invalid"},
	{ErrSignatureInvalid, "signature_invalid"},
	{ErrUntrustedSigner, "signer_not_pinned"},
	{ErrCertificateNotValid, "certificate_not_valid"},
	{ErrStale, "ekyc_stale"},
	{ErrNoHash, "not_shared"},
	{ErrConfig, "configuration"},
}

// Code is the stable machine code of a refusal (wrong_share_code,
// invalid_package, invalid_document, invalid_qr, signature_invalid,
// signer_not_pinned, certificate_not_valid, ekyc_stale, not_shared,
// configuration), or "" for an error that is none of the package's.
func Code(err error) string {
	for _, c := range codes {
		if errors.Is(err, c.kind) {
			return c.code
		}
	}
	return ""
}
