package ekyc

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
)

// EmailRule says how VerifyEmail computes the e-mail hash (§2.4: the UIDAI
// FAQ and working libraries disagree).
type EmailRule int

const (
	// EmailSaltedOrPlain tries the salted, iterated rule of the mobile
	// number, then the plain SHA-256 of the address (the default).
	EmailSaltedOrPlain EmailRule = iota
	// EmailSalted is the rule of the mobile number only.
	EmailSalted
	// EmailPlain is SHA-256 of the address only, as the UIDAI FAQ says.
	EmailPlain
)

// iterations is the number of hashings: the last Aadhaar digit, once for
// 0 and 1.
func iterations(last4 string) int {
	if len(last4) != 4 {
		return 1
	}
	return max(int(last4[3]-'0'), 1)
}

// SaltedHash is the UIDAI rule for the m (and, by default, e) attribute:
// h = value + shareCode, then h = lowercase hex SHA-256 of h, as many
// times as the last Aadhaar digit (once for 0 and 1).
func SaltedHash(value, shareCode, last4 string) string {
	h := value + shareCode
	for range iterations(last4) {
		s := sha256.Sum256([]byte(h))
		h = hex.EncodeToString(s[:])
	}
	return h
}

func equalHex(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func checkable(r *Result) error {
	if r == nil || !r.Verified {
		return errf(ErrConfig, "no verified result")
	}
	return nil
}

// VerifyMobile reports whether mobile (as the resident gives it, ten
// digits) matches the document's mobile hash under shareCode.
func VerifyMobile(r *Result, mobile, shareCode string) (bool, error) {
	if err := checkable(r); err != nil {
		return false, err
	}
	if r.Claims.MobileHash == "" {
		return false, errf(ErrNoHash, "the resident did not share the mobile number")
	}
	return equalHex(SaltedHash(mobile, shareCode, r.Last4), r.Claims.MobileHash), nil
}

// VerifyEmail reports whether email matches the document's e-mail hash
// under rule.
func VerifyEmail(r *Result, email, shareCode string, rule EmailRule) (bool, error) {
	if err := checkable(r); err != nil {
		return false, err
	}
	if r.Claims.EmailHash == "" {
		return false, errf(ErrNoHash, "the resident did not share the e-mail address")
	}
	if rule != EmailPlain && equalHex(SaltedHash(email, shareCode, r.Last4), r.Claims.EmailHash) {
		return true, nil
	}
	if rule != EmailSalted {
		s := sha256.Sum256([]byte(email))
		return equalHex(hex.EncodeToString(s[:]), r.Claims.EmailHash), nil
	}
	return false, nil
}
