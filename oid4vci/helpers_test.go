package oid4vci_test

import (
	"encoding/base64"
	"net/url"
	"testing"
)

func parseQuery(s string) (url.Values, error) { return url.ParseQuery(s) }

func b64(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
