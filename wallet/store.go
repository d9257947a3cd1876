package wallet

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// StoredCredential is the file a wallet keeps per credential.
type StoredCredential struct {
	Format          string    `json:"format"`
	ConfigurationID string    `json:"credential_configuration_id"`
	Issuer          string    `json:"credential_issuer"`
	Credential      string    `json:"credential"`
	KeyID           string    `json:"holder_key_id"`
	NotificationID  string    `json:"notification_id,omitempty"`
	ReceivedAt      time.Time `json:"received_at"`
}

// SaveCredential writes one credential as <dir>/<configuration>-<key id>.json
// (mode 0600, directory 0700) and returns the path.
func SaveCredential(dir string, r Received, at time.Time) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("wallet: credential directory: %w", err)
	}
	sc := StoredCredential{
		Format: r.Format, ConfigurationID: r.ConfigurationID, Issuer: r.Issuer, Credential: r.Credential,
		KeyID: r.KeyID, NotificationID: r.NotificationID, ReceivedAt: at.UTC(),
	}
	data, err := json.MarshalIndent(sc, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%s.json", filepath.Base(r.ConfigurationID), r.KeyID[:16]))
	if err := os.WriteFile(path, append(data, '\n'), 0o600); err != nil {
		return "", fmt.Errorf("wallet: save credential: %w", err)
	}
	return path, nil
}

// LoadCredential reads a file written by SaveCredential.
func LoadCredential(path string) (*StoredCredential, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("wallet: %w", err)
	}
	if len(data) > DefaultMaxResponseBytes {
		return nil, fmt.Errorf("wallet: %s is too large", path)
	}
	var sc StoredCredential
	if err := json.Unmarshal(data, &sc); err != nil {
		return nil, fmt.Errorf("wallet: %s: %w", path, err)
	}
	return &sc, nil
}
