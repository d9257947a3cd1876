package wallet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// CredentialStore keeps verified credentials.
type CredentialStore interface {
	// Save keeps one credential and returns where.
	Save(r Received, at time.Time) (string, error)
}

// StoredCredential is the file a FileStore keeps per credential.
type StoredCredential struct {
	Format          string    `json:"format"`
	ConfigurationID string    `json:"credential_configuration_id"`
	Issuer          string    `json:"credential_issuer"`
	Credential      string    `json:"credential"`
	KeyID           string    `json:"holder_key_id"`
	NotificationID  string    `json:"notification_id,omitempty"`
	ReceivedAt      time.Time `json:"received_at"`
}

// MaxStoredCredential bounds a credential file LoadCredential reads.
const MaxStoredCredential = 2 * DefaultMaxResponseBytes

// FileStore keeps one JSON file per credential in Dir (mode 0700), each of
// mode 0600, named <configuration id>-<holder key id prefix>.json.
type FileStore struct{ Dir string }

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Save implements CredentialStore. It never replaces a file: a second
// credential for the same configuration and key gets a numbered name.
func (f FileStore) Save(r Received, at time.Time) (string, error) {
	if r.Credential == "" || r.Format == "" || r.KeyID == "" {
		return "", errors.New("wallet: save: format, credential and holder key id are required")
	}
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return "", fmt.Errorf("wallet: credential directory: %w", err)
	}
	data, err := json.MarshalIndent(StoredCredential{
		Format: r.Format, ConfigurationID: r.ConfigurationID, Issuer: r.Issuer, Credential: r.Credential,
		KeyID: r.KeyID, NotificationID: r.NotificationID, ReceivedAt: at.UTC(),
	}, "", "  ")
	if err != nil {
		return "", err
	}
	name := strings.Trim(unsafeName.ReplaceAllString(r.ConfigurationID, "_"), "._")
	if name == "" {
		name = "credential"
	}
	name = fmt.Sprintf("%.64s-%.16s", name, unsafeName.ReplaceAllString(r.KeyID, "_"))
	for i := 0; i < 100; i++ {
		path := filepath.Join(f.Dir, name+".json")
		if i > 0 {
			path = filepath.Join(f.Dir, fmt.Sprintf("%s-%d.json", name, i+1))
		}
		fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("wallet: save credential: %w", err)
		}
		_, err = fh.Write(append(data, '\n'))
		if err == nil {
			err = fh.Sync()
		}
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return "", fmt.Errorf("wallet: save credential: %w", err)
		}
		return path, nil
	}
	return "", fmt.Errorf("wallet: save credential: too many files named %s", name)
}

// List returns the paths of the credential files in Dir, sorted.
func (f FileStore) List() ([]string, error) {
	m, err := filepath.Glob(filepath.Join(f.Dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(m)
	return m, nil
}

// LoadCredential reads a file written by a FileStore, at most
// MaxStoredCredential bytes, and checks that it names a format, a
// credential and a holder key.
func LoadCredential(path string) (*StoredCredential, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("wallet: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, MaxStoredCredential+1))
	if err != nil {
		return nil, fmt.Errorf("wallet: %s: %w", path, err)
	}
	if len(data) > MaxStoredCredential {
		return nil, fmt.Errorf("wallet: %s is over %d bytes", path, MaxStoredCredential)
	}
	var sc StoredCredential
	if err := json.Unmarshal(data, &sc); err != nil {
		return nil, fmt.Errorf("wallet: %s: %w", path, err)
	}
	if sc.Format == "" || sc.Credential == "" || sc.KeyID == "" {
		return nil, fmt.Errorf("wallet: %s is not a wallet credential file (format, credential or holder_key_id missing)", path)
	}
	return &sc, nil
}
