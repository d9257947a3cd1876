package oid4vci_test

import (
	"testing"

	"github.com/pramaan/pramaan/oid4vci"
)

func TestCredentialIssuerAcceptsHTTPOnlyOnLoopback(t *testing.T) {
	for s, ok := range map[string]bool{
		"https://issuer.example":     true,
		"http://127.0.0.1:8080":      true,
		"http://[::1]:8080/tenant":   true,
		"http://localhost:8080":      true,
		"http://10.0.0.1:8080":       false,
		"http://issuer.example":      false,
		"http://127.0.0.1:8080?x=1":  false,
		"http://127.0.0.1:8080#frag": false,
		"http://user@127.0.0.1:8080": false,
		"ftp://127.0.0.1":            false,
	} {
		err := oid4vci.ValidateCredentialIssuer(s)
		if (err == nil) != ok {
			t.Errorf("%s: err = %v, want ok=%v", s, err, ok)
		}
	}
}
