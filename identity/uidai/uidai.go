package uidai

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// BirthDate turns Poi's dob, DD-MM-YYYY, into YYYY-MM-DD, and keeps a bare
// YYYY (residents whose full date is not known).
func BirthDate(dob string) (string, error) {
	if len(dob) == 4 {
		if _, err := time.Parse("2006", dob); err == nil {
			return dob, nil
		}
	}
	t, err := time.Parse("02-01-2006", dob)
	if err != nil {
		return "", errors.New("Poi dob is not DD-MM-YYYY")
	}
	return t.Format(time.DateOnly), nil
}

// Photo decodes Pht's text, base64 of a JPEG (white space allowed, as in
// MIME-wrapped files), of at most maxBytes; nil for an empty element.
func Photo(text string, maxBytes int) ([]byte, error) {
	b64 := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, text)
	if b64 == "" {
		return nil, nil
	}
	if len(b64) > base64.StdEncoding.EncodedLen(maxBytes) {
		return nil, fmt.Errorf("the photo is over %d bytes", maxBytes)
	}
	photo, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errors.New("the photo is not base64")
	}
	if len(photo) > maxBytes || !bytes.HasPrefix(photo, []byte{0xFF, 0xD8, 0xFF}) {
		return nil, fmt.Errorf("the photo is not a JPEG within %d bytes", maxBytes)
	}
	return photo, nil
}
