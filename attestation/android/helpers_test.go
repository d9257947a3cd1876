package android_test

import (
	"crypto/x509"
	"os"
	"slices"
	"testing"
)

func mustParse(t testing.TB, der []byte) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func replace(chain [][]byte, i int, der []byte) [][]byte {
	out := slices.Clone(chain)
	out[i] = der
	return out
}

func swap(chain [][]byte, i, j int) [][]byte {
	out := slices.Clone(chain)
	out[i], out[j] = out[j], out[i]
	return out
}

func writeFile(t testing.TB, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}
