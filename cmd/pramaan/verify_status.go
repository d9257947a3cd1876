package main

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/pramaan/pramaan/sdjwt"
	"github.com/pramaan/pramaan/statuslist"
)

// statusCheck is what --check-status adds to a verification's output.
type statusCheck struct {
	Status string `json:"status"`
	URI    string `json:"uri"`
	Index  int    `json:"idx"`
}

// checkStatus fetches the Status List Token at uri, verifies it with keys
// (the same trust as the credential: a JWK Set, x5c to the --trust
// anchors, or issuer metadata), and returns the status at idx. http is
// accepted only for loopback hosts (development).
func checkStatus(ctx context.Context, e env, uri string, idx int, keys sdjwt.KeyResolver, issuer string, now func() time.Time) (*statusCheck, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, fmt.Errorf("status uri: %w", err)
	}
	h := u.Hostname()
	c, err := statuslist.NewClient(statuslist.Config{
		Resolve: func(ctx context.Context, raw map[string]json.RawMessage) (crypto.PublicKey, error) {
			hd, err := jwsHeader(raw)
			if err != nil {
				return nil, err
			}
			return keys.IssuerKey(ctx, sdjwt.KeyRequest{Header: hd, Issuer: issuer, Time: now()})
		},
		Now: now, HTTP: e.client, AllowHTTP: h == "127.0.0.1" || h == "localhost" || h == "::1",
	})
	if err != nil {
		return nil, err
	}
	s, err := c.Status(ctx, uri, idx)
	if err != nil {
		return nil, fmt.Errorf("status check: %w", err)
	}
	return &statusCheck{Status: s.String(), URI: uri, Index: idx}, nil
}

// jwsHeader reads the members of a JWS header a key resolver uses.
func jwsHeader(raw map[string]json.RawMessage) (sdjwt.Header, error) {
	var h sdjwt.Header
	for name, dst := range map[string]*string{"alg": &h.Alg, "typ": &h.Typ, "kid": &h.Kid} {
		if v, ok := raw[name]; ok {
			if err := json.Unmarshal(v, dst); err != nil {
				return h, fmt.Errorf("header %s is not a string", name)
			}
		}
	}
	if v, ok := raw["x5c"]; ok {
		var certs []string
		if err := json.Unmarshal(v, &certs); err != nil {
			return h, errors.New("header x5c is not an array of strings")
		}
		for _, c := range certs {
			der, err := base64.StdEncoding.DecodeString(c)
			if err != nil {
				return h, errors.New("header x5c is not base64")
			}
			h.X5C = append(h.X5C, der)
		}
	}
	return h, nil
}

// statusReference reads {"status_list": {"idx", "uri"}} from a status claim.
func statusReference(claim any) (string, int, error) {
	m, _ := claim.(map[string]any)
	sl, _ := m["status_list"].(map[string]any)
	uri, _ := sl["uri"].(string)
	idx, ok := sl["idx"].(float64)
	if uri == "" || !ok || idx < 0 || idx != float64(int(idx)) {
		return "", 0, errors.New("the credential has no status_list with idx and uri")
	}
	return uri, int(idx), nil
}
