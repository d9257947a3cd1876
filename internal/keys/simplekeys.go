package keys

import (
	"crypto/ecdh"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"path/filepath"
	"time"
)

// openRequestKey loads or creates request-key.pem, a P-256 key in PKCS #8.
func (ks *Keystore) openRequestKey(time.Time) error {
	path := filepath.Join(ks.dir, FileRequestKey)
	ok, err := exists(path)
	if err != nil {
		return err
	}
	var key *ecdh.PrivateKey
	if ok {
		ec, err := loadECKey(path, elliptic.P256())
		if err != nil {
			return err
		}
		if key, err = ec.ECDH(); err != nil {
			return fileErr(path, ErrMalformed, "restore it from backup", "%v", err)
		}
	} else {
		if key, err = ecdh.P256().GenerateKey(rand.Reader); err != nil {
			return fmt.Errorf("keys: generating request-encryption key: %w", err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return fileErr(path, ErrMalformed, "", "%v", err)
		}
		if err := writeFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), private); err != nil {
			return err
		}
	}
	rk, err := newRequestKey(key)
	if err != nil {
		return fileErr(path, ErrMalformed, "", "%v", err)
	}
	ks.req = rk
	return nil
}

// openDataKey loads or creates the data-key file.
func (ks *Keystore) openDataKey(time.Time) error {
	path := filepath.Join(ks.dir, FileDataKey)
	ok, err := exists(path)
	if err != nil {
		return err
	}
	var raw []byte
	if ok {
		data, err := readFile(path, private)
		if err != nil {
			return err
		}
		if raw, err = parseDataKeyFile(data); err != nil {
			return fileErr(path, ErrMalformed,
				"restore it from backup: without it, encrypted personal data cannot be read", "%v", err)
		}
	} else {
		raw = make([]byte, DataKeySize)
		if _, err := rand.Read(raw); err != nil {
			return fmt.Errorf("keys: generating data key: %w", err)
		}
		if err := writeFile(path, encodeDataKeyFile(raw), private); err != nil {
			return err
		}
	}
	dk, err := NewDataKey(raw)
	clear(raw)
	if err != nil {
		return fileErr(path, ErrMalformed, "", "%v", err)
	}
	ks.data = dk
	return nil
}

// openAdminToken takes the token from the environment when set (and writes
// nothing), else loads or creates the admin-token file.
func (ks *Keystore) openAdminToken(time.Time) error {
	if v, ok := ks.opts.LookupEnv(AdminTokenEnv); ok && v != "" {
		t, err := newAdminToken(v, SourceEnvironment, "")
		if err != nil {
			return &FileError{Path: "$" + AdminTokenEnv, Err: ErrAdminToken, Detail: err.Error(),
				Fix: fmt.Sprintf("set it to at least %d characters of A-Z a-z 0-9 - . _ ~ + /, or unset it to use %s", MinAdminTokenLength, FileAdminToken)}
		}
		ks.admin = t
		return nil
	}
	path := filepath.Join(ks.dir, FileAdminToken)
	ok, err := exists(path)
	if err != nil {
		return err
	}
	var tok string
	if ok {
		data, err := readFile(path, private)
		if err != nil {
			return err
		}
		if tok, err = parseAdminTokenFile(data); err != nil {
			return fileErr(path, ErrAdminToken, fmt.Sprintf("remove %s to generate a new token", path), "%v", err)
		}
	} else {
		if tok, err = generateAdminToken(); err != nil {
			return err
		}
		if err := writeFile(path, []byte(tok+"\n"), private); err != nil {
			return err
		}
	}
	t, err := newAdminToken(tok, SourceFile, path)
	if err != nil {
		return fileErr(path, ErrAdminToken, "", "%v", err)
	}
	ks.admin = t
	return nil
}
