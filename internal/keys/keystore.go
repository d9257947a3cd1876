package keys

import (
	"github.com/pramaan/pramaan/wellknown"

	"crypto/ecdsa"
	"crypto/x509"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"
)

// Keystore holds the issuer's keys, loaded from (and, on the first run,
// created in) one directory. It is read-only after Open and safe for
// concurrent use (the relying-party keys alone are created on first use). Its printed and logged forms never contain a secret.
type Keystore struct {
	dir     string
	opts    Options
	dirOpen bool

	iaca    *x509.Certificate
	iacaKey *ecdsa.PrivateKey // kept to issue document signers on rotation
	ds      *SigningKey
	cred    *SigningKey
	req     *RequestKey
	data    *DataKey
	admin   *AdminToken

	// rp holds the relying-party keys, created on first use (RPKeys).
	rpMu sync.Mutex
	rp   *RPKeys
}

// Open loads the keystore in dir, creating the directory and any missing
// material first (see the package documentation for the files and the
// checks). It returns the warnings of Keystore.Warnings at the clock's
// time. Every error is a *FileError naming the file and the fix.
func Open(dir string, opts Options) (*Keystore, []Warning, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, nil, err
	}
	if dir == "" {
		return nil, nil, fmt.Errorf("%w: empty directory", ErrOptions)
	}
	ks := &Keystore{dir: filepath.Clean(dir), opts: opts}
	if ks.dirOpen, err = ensureDir(ks.dir); err != nil {
		return nil, nil, err
	}
	now := opts.Now()
	steps := []func(time.Time) error{
		ks.openIACA, ks.openDS, ks.openCredential, ks.openRequestKey, ks.openDataKey, ks.openAdminToken,
	}
	for _, step := range steps {
		if err := step(now); err != nil {
			return nil, nil, err
		}
	}
	return ks, ks.Warnings(now), nil
}

// Dir is the keystore directory.
func (ks *Keystore) Dir() string { return ks.dir }

// CredentialSigner is the ES256 key that signs SD-JWT VCs and signed
// metadata; its Chain is its certificate (the IACA root excluded).
func (ks *Keystore) CredentialSigner() *SigningKey { return ks.cred }

// DocumentSigner is the mdoc document signer; its Chain is what
// mdoc.Issuer.Chain takes (the DS certificate, never the IACA root).
func (ks *Keystore) DocumentSigner() *SigningKey { return ks.ds }

// IACA is the root certificate verifiers trust for mdocs and for the
// credential certificate.
func (ks *Keystore) IACA() *x509.Certificate { return ks.iaca }

// RequestDecrypter is the P-256 ECDH-ES key for JWE credential requests.
func (ks *Keystore) RequestDecrypter() *RequestKey { return ks.req }

// DataKey encrypts personal data at rest.
func (ks *Keystore) DataKey() *DataKey { return ks.data }

// AdminToken is the admin API bearer token.
func (ks *Keystore) AdminToken() *AdminToken { return ks.admin }

// JWKS is the issuer's public key set: the credential signing key (use
// "sig", with x5c) and the request-encryption key (use "enc").
func (ks *Keystore) JWKS() wellknown.JWKSet {
	return wellknown.JWKSet{Keys: []wellknown.JWK{ks.cred.PublicJWK(), ks.req.PublicJWK()}}
}

// String returns a redacted description.
func (ks *Keystore) String() string {
	return redactedText("Keystore", slog.String("dir", ks.dir))
}

// GoString returns a redacted description.
func (ks *Keystore) GoString() string { return ks.String() }

// Format prints the redacted description for every verb.
func (ks *Keystore) Format(f fmt.State, _ rune) { writeRedacted(f, ks.String()) }

// LogValue logs the directory only.
func (ks *Keystore) LogValue() slog.Value { return redactedLogValue(slog.String("dir", ks.dir)) }
