package keys

import (
	"crypto/x509"
	"fmt"
	"path/filepath"
	"time"
)

// WarningKind classifies a Warning.
type WarningKind string

// Kinds of warnings.
const (
	// WarnExpiring: a certificate expires within its rotation window.
	WarnExpiring WarningKind = "certificate-expiring"
	// WarnIssuerName: the credential certificate does not name
	// Options.IssuerURL, so x5c key resolution of issued SD-JWT VCs will fail.
	WarnIssuerName WarningKind = "issuer-name-mismatch"
	// WarnDirectoryOpen: the directory grants group or others access.
	WarnDirectoryOpen WarningKind = "directory-permissions"
)

// Warning is a condition that does not stop the service but needs an
// operator's attention.
type Warning struct {
	Kind WarningKind
	// File is the file or directory concerned.
	File string
	// NotAfter is the certificate's expiry (WarnExpiring only).
	NotAfter time.Time
	// Message says what to do.
	Message string
}

func (w Warning) String() string { return fmt.Sprintf("%s: %s: %s", w.Kind, w.File, w.Message) }

// Warnings reports, at time at: certificates within their rotation window
// (Options.RotationWindow for the document signer and credential
// certificates, Options.IACARotationWindow for the IACA), a credential
// certificate that does not name Options.IssuerURL, and a directory open to
// group or others. A long-running server may call it periodically.
func (ks *Keystore) Warnings(at time.Time) []Warning {
	var out []Warning
	if ks.dirOpen {
		out = append(out, Warning{Kind: WarnDirectoryOpen, File: ks.dir,
			Message: fmt.Sprintf("the directory is accessible to group or others; run: chmod 700 %s", ks.dir)})
	}
	expiring := func(file string, cert *x509.Certificate, window time.Duration, what string) {
		if cert.NotAfter.Sub(at) <= window {
			out = append(out, Warning{Kind: WarnExpiring, File: filepath.Join(ks.dir, file), NotAfter: cert.NotAfter,
				Message: fmt.Sprintf("expires at %s (within %s); %s", cert.NotAfter.UTC().Format(time.RFC3339), window, what)})
		}
	}
	expiring(FileIACACert, ks.iaca, ks.opts.IACARotationWindow,
		"create a new IACA and distribute it to verifiers before it expires")
	expiring(FileDSCert, ks.ds.chain[0], ks.opts.RotationWindow,
		fmt.Sprintf("rotate the document signer (remove %s and %s and restart)", FileDSCert, FileDSKey))
	expiring(FileCredentialCert, ks.cred.chain[0], ks.opts.RotationWindow,
		fmt.Sprintf("rotate the credential key (remove %s and %s and restart)", FileCredentialCert, FileCredentialKey))
	if ks.opts.IssuerURL != "" && !namesIssuer(ks.cred.chain[0], ks.opts.IssuerURL) {
		out = append(out, Warning{Kind: WarnIssuerName, File: filepath.Join(ks.dir, FileCredentialCert),
			Message: fmt.Sprintf("the certificate does not name %s as URI subject alternative name; remove %s and %s and restart to issue one that does",
				ks.opts.IssuerURL, FileCredentialCert, FileCredentialKey)})
	}
	return out
}

func namesIssuer(c *x509.Certificate, issuer string) bool {
	for _, u := range c.URIs {
		if u.String() == issuer {
			return true
		}
	}
	return false
}
