// Package providertest builds a wallet provider's PKI for tests: a CA (the
// anchor issuers trust) and a key attestation signing certificate under it.
// Nothing here is for production use.
package providertest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"
)

// PKI is a provider CA and its signing certificate, valid from an hour
// before now for a year.
type PKI struct {
	Root   *x509.Certificate
	Signer crypto.Signer
	// Chain is what goes in x5c: the signing certificate alone.
	Chain []*x509.Certificate
}

// New builds a PKI around now.
func New(now time.Time) (*PKI, error) {
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	signKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	rootT := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test Wallet Provider Root"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	root, err := create(rootT, rootT, &rootKey.PublicKey, rootKey)
	if err != nil {
		return nil, err
	}
	leafT := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Test Wallet Provider Key Attestation"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	leaf, err := create(leafT, root, &signKey.PublicKey, rootKey)
	if err != nil {
		return nil, err
	}
	return &PKI{Root: root, Signer: signKey, Chain: []*x509.Certificate{leaf}}, nil
}

func create(tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		return nil, fmt.Errorf("providertest: %w", err)
	}
	return x509.ParseCertificate(der)
}
