package uidai_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/identity/uidai"
)

func TestBirthDate(t *testing.T) {
	for in, want := range map[string]string{"14-08-1994": "1994-08-14", "1994": "1994", "29-02-2000": "2000-02-29"} {
		if got, err := uidai.BirthDate(in); err != nil || got != want {
			t.Errorf("%s: %q %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "1994-08-14", "31-02-1994", "14/08/1994", "abcd", "14-08-94"} {
		if _, err := uidai.BirthDate(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestPhoto(t *testing.T) {
	jpeg := []byte{0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3}
	b64 := base64.StdEncoding.EncodeToString(jpeg)
	if got, err := uidai.Photo(b64[:4]+"\n"+b64[4:], 100); err != nil || string(got) != string(jpeg) {
		t.Fatalf("wrapped: %v", err)
	}
	if got, err := uidai.Photo(" \n", 100); err != nil || got != nil {
		t.Fatalf("empty: %v %v", got, err)
	}
	for name, in := range map[string]string{
		"not base64": "***",
		"not a JPEG": base64.StdEncoding.EncodeToString([]byte("PNG....")),
		"over limit": base64.StdEncoding.EncodeToString(append(jpeg, make([]byte, 200)...)),
		"far over":   strings.Repeat("A", 1000),
	} {
		if _, err := uidai.Photo(in, 100); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}
