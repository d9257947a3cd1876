package oid4vci

// IsDescriptionChar reports whether c may appear in error_description
// (RFC 6749 §5.2, §8.3.1.2) or event_description (§11.1): %x20-21 / %x23-5B
// / %x5D-7E, that is printable ASCII without '"' and '\'.
func IsDescriptionChar(c byte) bool {
	return c >= 0x20 && c <= 0x7E && c != '"' && c != '\\'
}

// ValidDescription reports whether every byte of s is allowed by IsDescriptionChar.
func ValidDescription(s string) bool {
	for i := 0; i < len(s); i++ {
		if !IsDescriptionChar(s[i]) {
			return false
		}
	}
	return true
}

// SanitizeDescription returns s without the bytes IsDescriptionChar refuses.
func SanitizeDescription(s string) string {
	if ValidDescription(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if IsDescriptionChar(s[i]) {
			b = append(b, s[i])
		}
	}
	return string(b)
}
