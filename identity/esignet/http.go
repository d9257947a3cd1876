package esignet

import (
	"context"
	"crypto"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/pramaan/pramaan/internal/jose"
)

// reply is a provider's answer, read within maxResponseBytes.
type reply struct {
	status    int
	header    http.Header
	body      []byte
	dpopNonce string
}

// failure turns an error answer into a *ProviderError, or ErrUnavailable
// for 5xx.
func (r *reply) failure(endpoint string) error {
	if r.status >= 500 || r.status == http.StatusTooManyRequests {
		return errf(ErrUnavailable, "%s answered %d", endpoint, r.status)
	}
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(r.body, &e)
	if e.Error == "" {
		e.Error = wwwAuthenticate(r.header, "error")
		e.Description = wwwAuthenticate(r.header, "error_description")
	}
	if e.Error == "" {
		return errf(ErrProtocol, "%s answered %d without an error code", endpoint, r.status)
	}
	return &ProviderError{Endpoint: endpoint, Status: r.status, Code: e.Error, Description: e.Description}
}

// asksNonce reports a DPoP nonce challenge (RFC 9449 Sections 8 and 9): 400
// use_dpop_nonce from the token endpoint, 401 with WWW-Authenticate
// error="use_dpop_nonce" from a resource, with a DPoP-Nonce header.
func (r *reply) asksNonce() bool {
	if r.dpopNonce == "" {
		return false
	}
	if r.status == http.StatusUnauthorized {
		return wwwAuthenticate(r.header, "error") == "use_dpop_nonce"
	}
	var e struct {
		Error string `json:"error"`
	}
	return r.status == http.StatusBadRequest && json.Unmarshal(r.body, &e) == nil && e.Error == "use_dpop_nonce"
}

// wwwAuthenticate reads one auth-param of the WWW-Authenticate header
// (RFC 9110 Section 11.6.1), quoted or not.
func wwwAuthenticate(h http.Header, name string) string {
	v := h.Get("WWW-Authenticate")
	if _, params, ok := strings.Cut(v, " "); ok {
		v = params
	}
	for len(v) > 0 {
		v = strings.TrimLeft(v, " ,")
		k, rest, ok := strings.Cut(v, "=")
		if !ok {
			return ""
		}
		var val string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return ""
			}
			val, v = rest[1:1+end], rest[2+end:]
		} else {
			val, v, _ = strings.Cut(rest, ",")
		}
		if strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(val)
		}
	}
	return ""
}

// send does one request and reads the answer.
func (rp *RP) send(req *http.Request) (*reply, error) {
	resp, err := rp.cfg.HTTP.Do(req)
	if err != nil {
		return nil, errf(ErrUnavailable, "%s: %v", req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, errf(ErrUnavailable, "reading %s: %v", req.URL.Path, err)
	}
	if len(body) > maxResponseBytes {
		return nil, errf(ErrProtocol, "%s answered over %d bytes", req.URL.Path, maxResponseBytes)
	}
	return &reply{status: resp.StatusCode, header: resp.Header, body: body, dpopNonce: resp.Header.Get("DPoP-Nonce")}, nil
}

// postForm POSTs form to endpoint with a fresh client assertion, and a
// DPoP proof by dpop when given, retrying once with the nonce the
// provider asks for.
func (rp *RP) postForm(ctx context.Context, what, endpoint string, form url.Values, dpop crypto.Signer) (*reply, error) {
	nonce := ""
	for attempt := 0; ; attempt++ {
		assertion, err := rp.assertion(endpoint)
		if err != nil {
			return nil, err
		}
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set("client_id", rp.cfg.ClientID)
		f.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
		f.Set("client_assertion", assertion)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(f.Encode()))
		if err != nil {
			return nil, errf(ErrProtocol, "%s: %v", what, err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		if dpop != nil {
			proof, err := jose.DPoPProof(dpop, http.MethodPost, endpoint, nonce, "", rp.cfg.Now())
			if err != nil {
				return nil, err
			}
			req.Header.Set("DPoP", proof)
		}
		r, err := rp.send(req)
		if err != nil {
			return nil, err
		}
		if dpop != nil && attempt == 0 && r.asksNonce() {
			nonce = r.dpopNonce
			continue
		}
		return r, nil
	}
}

// getDPoP GETs a protected resource with a DPoP-bound access token
// (RFC 9449 Section 7), retrying once with the nonce asked for.
func (rp *RP) getDPoP(ctx context.Context, endpoint, accessToken string, dpop crypto.Signer) (*reply, error) {
	nonce := ""
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
		if err != nil {
			return nil, errf(ErrProtocol, "userinfo: %v", err)
		}
		proof, err := jose.DPoPProof(dpop, http.MethodGet, endpoint, nonce, accessToken, rp.cfg.Now())
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "DPoP "+accessToken)
		req.Header.Set("DPoP", proof)
		req.Header.Set("Accept", "application/jwt")
		r, err := rp.send(req)
		if err != nil {
			return nil, err
		}
		if attempt == 0 && r.asksNonce() {
			nonce = r.dpopNonce
			continue
		}
		return r, nil
	}
}
