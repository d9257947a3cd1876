package keys

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"path/filepath"
	"time"

	"github.com/pramaan/pramaan/mdoc"
)

// pairState says which halves of a key/certificate pair exist.
func (ks *Keystore) pairState(keyFile, certFile string) (keyPath, certPath string, hasKey, hasCert bool, err error) {
	keyPath, certPath = filepath.Join(ks.dir, keyFile), filepath.Join(ks.dir, certFile)
	if hasKey, err = exists(keyPath); err != nil {
		return
	}
	hasCert, err = exists(certPath)
	return
}

func incomplete(present, missing string) error {
	return fileErr(present, ErrIncomplete,
		fmt.Sprintf("restore %s from backup, or remove %s to create a new pair", missing, present),
		"%s is missing", missing)
}

// openIACA loads or creates the IACA root (ISO/IEC 18013-5 Annex B.1.2).
func (ks *Keystore) openIACA(now time.Time) error {
	keyPath, certPath, hasKey, hasCert, err := ks.pairState(FileIACAKey, FileIACACert)
	if err != nil {
		return err
	}
	switch {
	case hasKey && hasCert:
		key, err := loadECKey(keyPath, elliptic.P256(), elliptic.P384())
		if err != nil {
			return err
		}
		cert, err := loadCert(certPath)
		if err != nil {
			return err
		}
		if err := checkPair(certPath, keyPath, cert, key); err != nil {
			return err
		}
		fix := fmt.Sprintf("restore %s from backup", certPath)
		if !cert.IsCA || !cert.BasicConstraintsValid {
			return fileErr(certPath, ErrChain, fix, "not a CA certificate")
		}
		if err := checkIssuedBy(certPath, cert, cert, fix); err != nil {
			return err
		}
		if err := checkValidity(certPath, cert, now, fmt.Sprintf(
			"create a new root: remove %s, %s and every certificate it issued (%s, %s), then give verifiers the new %s",
			certPath, keyPath, FileDSCert, FileCredentialCert, FileIACACert)); err != nil {
			return err
		}
		ks.iaca, ks.iacaKey = cert, key
		return nil
	case hasKey:
		return incomplete(keyPath, certPath)
	case hasCert:
		return incomplete(certPath, keyPath)
	}
	// A certificate issued by a vanished IACA could never chain again.
	for _, f := range []string{FileDSCert, FileCredentialCert} {
		p := filepath.Join(ks.dir, f)
		if ok, err := exists(p); err != nil {
			return err
		} else if ok {
			return fileErr(p, ErrIncomplete,
				fmt.Sprintf("restore %s and %s from backup, or remove %s and its key to start afresh", FileIACACert, FileIACAKey, p),
				"was issued by an IACA whose files are missing")
		}
	}
	cert, key, err := mdoc.NewIACA(mdoc.CertOptions{
		CommonName: ks.opts.IACACommonName, Country: ks.opts.Country, NotBefore: now, Validity: ks.opts.IACAValidity,
	})
	if err != nil {
		return fileErr(certPath, ErrOptions, "", "creating IACA: %v", err)
	}
	if err := writeKeyPair(keyPath, certPath, key, cert); err != nil {
		return err
	}
	ks.iaca, ks.iacaKey = cert, key
	return nil
}

// openDS loads or creates the mdoc document signer (Annex B.1.4).
func (ks *Keystore) openDS(now time.Time) (err error) {
	ks.ds, err = ks.openIACAIssuedKey(now, FileDSKey, FileDSCert, "document signer", func() (*x509.Certificate, *ecdsa.PrivateKey, error) {
		cert, key, err := mdoc.NewDocumentSigner(ks.iaca, ks.iacaKey, mdoc.CertOptions{
			CommonName: ks.opts.DSCommonName, Country: ks.opts.Country, NotBefore: now,
			Validity: clampValidity(now, ks.opts.DSValidity, ks.iaca),
		})
		if err != nil {
			return nil, nil, fmt.Errorf("creating document signer: %v", err)
		}
		return cert, key, nil
	})
	return err
}

// openCredential loads or creates the SD-JWT VC / metadata signing key and
// its IACA-issued certificate.
func (ks *Keystore) openCredential(now time.Time) (err error) {
	ks.cred, err = ks.openIACAIssuedKey(now, FileCredentialKey, FileCredentialCert, "credential key", func() (*x509.Certificate, *ecdsa.PrivateKey, error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, fmt.Errorf("generating credential key: %w", err)
		}
		cert, err := ks.issueCredentialCert(&key.PublicKey, now)
		if err != nil {
			return nil, nil, err
		}
		return cert, key, nil
	})
	return err
}

// openIACAIssuedKey loads a P-256 key and its IACA-issued certificate and
// checks that they match, chain to the IACA and are valid at now; when
// neither file exists it creates both with create; one without the other
// stops startup.
func (ks *Keystore) openIACAIssuedKey(now time.Time, keyFile, certFile, what string, create func() (*x509.Certificate, *ecdsa.PrivateKey, error)) (*SigningKey, error) {
	keyPath, certPath, hasKey, hasCert, err := ks.pairState(keyFile, certFile)
	if err != nil {
		return nil, err
	}
	var cert *x509.Certificate
	var key *ecdsa.PrivateKey
	switch {
	case hasKey && hasCert:
		if key, err = loadECKey(keyPath, elliptic.P256()); err != nil {
			return nil, err
		}
		if cert, err = loadCert(certPath); err != nil {
			return nil, err
		}
		renew := fmt.Sprintf("remove %s and %s to create a new %s", certPath, keyPath, what)
		if err := checkPair(certPath, keyPath, cert, key); err != nil {
			return nil, err
		}
		if err := checkIssuedBy(certPath, cert, ks.iaca, renew); err != nil {
			return nil, err
		}
		if err := checkValidity(certPath, cert, now, renew); err != nil {
			return nil, err
		}
	case hasKey:
		return nil, incomplete(keyPath, certPath)
	case hasCert:
		return nil, incomplete(certPath, keyPath)
	default:
		if cert, key, err = create(); err != nil {
			return nil, fileErr(certPath, ErrOptions, "", "%v", err)
		}
		if err := writeKeyPair(keyPath, certPath, key, cert); err != nil {
			return nil, err
		}
	}
	sk, err := newSigningKey(key, []*x509.Certificate{cert})
	if err != nil {
		return nil, fileErr(keyPath, ErrMalformed, "", "%v", err)
	}
	return sk, nil
}

// issueCredentialCert issues the credential signing certificate under the
// IACA: an end-entity certificate (not a CA, key usage digitalSignature)
// with subject and authority key identifiers, naming the issuer URL as URI
// subject alternative name and its host as DNS or IP name, which is how
// SD-JWT VC x5c key resolution ties the certificate to the iss claim.
func (ks *Keystore) issueCredentialCert(pub *ecdsa.PublicKey, now time.Time) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("certificate serial: %w", err)
	}
	point, err := pub.Bytes()
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	ski := sha256.Sum256(point) // RFC 7093 §2 method 1
	start := now.UTC().Truncate(time.Second)
	validity := clampValidity(now, ks.opts.CredentialValidity, ks.iaca)
	if validity <= 0 {
		return nil, fmt.Errorf("the IACA expires before a credential certificate could start")
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial.Add(serial, big.NewInt(1)),
		Subject:               pkix.Name{CommonName: ks.opts.CredentialCommonName, Country: []string{ks.opts.Country}},
		NotBefore:             start,
		NotAfter:              start.Add(validity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		SubjectKeyId:          ski[:20],
		AuthorityKeyId:        ks.iaca.SubjectKeyId,
	}
	if ks.opts.IssuerURL != "" {
		u, err := url.Parse(ks.opts.IssuerURL)
		if err != nil {
			return nil, fmt.Errorf("issuer URL: %w", err)
		}
		tmpl.URIs = []*url.URL{u}
		if ip := net.ParseIP(u.Hostname()); ip != nil {
			tmpl.IPAddresses = []net.IP{ip}
		} else {
			tmpl.DNSNames = []string{u.Hostname()}
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ks.iaca, pub, ks.iacaKey)
	if err != nil {
		return nil, fmt.Errorf("creating credential certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing credential certificate: %w", err)
	}
	return cert, nil
}
