package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"
)

// MaxDocumentSize bounds a configuration document.
const MaxDocumentSize = 1 << 20

// Environment variables Load applies over the file.
const (
	EnvDatabaseURL = "PRAMAAN_DATABASE_URL"
	EnvPublicURL   = "PRAMAAN_PUBLIC_URL"
	EnvAddr        = "PRAMAAN_ADDR"
	EnvDataDir     = "PRAMAAN_DATA_DIR"
)

// Parse overlays the YAML document data on Default (see the package
// documentation for the overlay rule). Unknown keys, values of the wrong
// type, several documents and documents over MaxDocumentSize are errors
// wrapping ErrSyntax. Parse does not validate: call Config.Validate.
func Parse(data []byte) (*Config, error) {
	if len(data) > MaxDocumentSize {
		return nil, fmt.Errorf("%w: document is %d bytes, over the limit of %d", ErrSyntax, len(data), MaxDocumentSize)
	}
	cfg := Default()
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	if len(root.Content) == 0 {
		return cfg, nil // empty, or only comments
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%w: line %d: the document must be a mapping", ErrSyntax, doc.Line)
	}
	// Maps the document names replace the default whole.
	if hasKey(doc, "credential_configurations") {
		cfg.CredentialConfigurations = nil
	}
	if issuer := valueOf(doc, "issuer"); issuer != nil && hasKey(issuer, "display") {
		cfg.Issuer.Display = nil
	}

	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: more than one YAML document", ErrSyntax)
	}
	return cfg, nil
}

// Load reads the configuration file at path (Default when path is empty)
// and applies the environment variables PRAMAAN_DATABASE_URL,
// PRAMAAN_PUBLIC_URL, PRAMAAN_ADDR and PRAMAAN_DATA_DIR found through
// lookupEnv (os.LookupEnv in production; nil reads none). A variable that
// is set replaces the value, even when empty (PRAMAAN_DATABASE_URL= selects
// SQLite). Load does not validate: the caller applies its flags, then calls
// Config.Validate.
func Load(path string, lookupEnv func(string) (string, bool)) (*Config, error) {
	cfg := Default()
	if path != "" {
		data, err := readLimited(path)
		if err != nil {
			return nil, err
		}
		if cfg, err = Parse(data); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if lookupEnv != nil {
		cfg.applyEnv(lookupEnv)
	}
	return cfg, nil
}

func (c *Config) applyEnv(lookupEnv func(string) (string, bool)) {
	for _, v := range []struct {
		name  string
		field *string
	}{
		{EnvDatabaseURL, &c.Server.DatabaseURL},
		{EnvPublicURL, &c.Server.PublicURL},
		{EnvAddr, &c.Server.Addr},
		{EnvDataDir, &c.Server.DataDir},
		{EnvDigiLockerClientSecret, &c.DigiLocker.ClientSecret},
	} {
		if value, ok := lookupEnv(v.name); ok {
			*v.field = value
		}
	}
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxDocumentSize+1))
	if err != nil {
		return nil, fmt.Errorf("config: reading %s: %w", path, err)
	}
	return data, nil
}

// hasKey reports whether the mapping node m has the key.
func hasKey(m *yaml.Node, key string) bool { return valueOf(m, key) != nil }

// valueOf returns the value of key in the mapping node m, or nil.
func valueOf(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
