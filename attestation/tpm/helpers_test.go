package tpm_test

import (
	"crypto"
	"crypto/x509"
)

const cryptoSHA256 = crypto.SHA256

func x509MarshalPKIX(pub any) ([]byte, error) { return x509.MarshalPKIXPublicKey(pub) }
