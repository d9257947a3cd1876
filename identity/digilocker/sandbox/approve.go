package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
)

var requestField = regexp.MustCompile(`name="request" value="([0-9a-f]+)"`)

// Consent drives the consent page over HTTP as a citizen would: it opens
// authorizeURL, picks citizen and allows (or denies), and returns the
// redirect the sandbox answers with (the partner's callback URL with code
// or error, and state). It does not follow that redirect.
func Consent(ctx context.Context, authorizeURL, citizen string, allow bool) (*url.URL, error) {
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authorizeURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	page, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode == http.StatusFound {
		return resp.Location()
	}
	m := requestField.FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		return nil, fmt.Errorf("sandbox: no consent page (HTTP %d): %.200s", resp.StatusCode, page)
	}
	decision := "deny"
	if allow {
		decision = "allow"
	}
	form := url.Values{"request": {string(m[1])}, "citizen": {citizen}, "decision": {decision}}
	resp, err = hc.PostForm(authorizeURL, form)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return nil, errors.New("sandbox: the consent was not answered with a redirect")
	}
	return resp.Location()
}
