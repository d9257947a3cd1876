package sandbox

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

var (
	transactionField = regexp.MustCompile(`name="transaction" value="([^"]*)"`)
	formAction       = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
)

// maxPageBytes bounds the pages Consent reads.
const maxPageBytes = 1 << 20

// Consent drives the consent page over HTTP as a browser would: it opens
// authorizeURL, posts the form choosing userID and allowing (or
// denying), and returns the redirect the sandbox answers with
// (redirect_uri?code=…&state=…&iss=… or
// error=access_denied&…&state=…&iss=…) without following it. hc nil
// means http.DefaultClient's settings; redirects are never followed.
func Consent(ctx context.Context, hc *http.Client, authorizeURL, userID string, allow bool) (*url.URL, error) {
	c := http.Client{}
	if hc != nil {
		c = *hc
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authorizeURL, nil)
	if err != nil {
		return nil, fmt.Errorf("esignet sandbox consent: %w", err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("esignet sandbox consent: opening the authorize URL: %w", err)
	}
	page, err := io.ReadAll(io.LimitReader(resp.Body, maxPageBytes))
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("esignet sandbox consent: reading the page: %w", err)
	}
	txn, action := transactionField.FindSubmatch(page), formAction.FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || txn == nil || action == nil {
		return nil, fmt.Errorf("esignet sandbox consent: no consent page (HTTP %d): %.300s", resp.StatusCode, page)
	}
	target, err := resp.Request.URL.Parse(html.UnescapeString(string(action[1])))
	if err != nil {
		return nil, fmt.Errorf("esignet sandbox consent: form action: %w", err)
	}
	decision := "deny"
	if allow {
		decision = "allow"
	}
	form := url.Values{"transaction": {html.UnescapeString(string(txn[1]))}, "user": {userID}, "decision": {decision}}
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, target.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("esignet sandbox consent: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("esignet sandbox consent: posting the answer: %w", err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxPageBytes))
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("esignet sandbox consent: the answer was not redirected (HTTP %d): %.300s", resp.StatusCode, body)
	}
	loc, err := resp.Location()
	if err != nil {
		return nil, fmt.Errorf("esignet sandbox consent: redirect: %w", err)
	}
	return loc, nil
}
