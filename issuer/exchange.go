package issuer

import (
	"errors"
	"net/http"

	"github.com/pramaan/pramaan/oid4vci"
)

// Request is one HTTP request as the issuer sees it, copied out of the
// HTTP framework so that nothing of it outlives the handler.
type Request struct {
	// Method is the HTTP method; URL is the request's external URL (the
	// public URL joined with the path, no query), the htu of DPoP proofs
	// (RFC 9449 Section 4.3 point 9).
	Method string
	URL    string
	// Header holds the request headers (Authorization, DPoP, Accept,
	// Accept-Language, Content-Type).
	Header http.Header
	// Body is the request body, already bounded by the server's limit.
	Body []byte
	// PathID is the {id} path parameter of the routes that have one.
	PathID string
	// Query is the raw query string (admin listings only).
	Query string
}

// Response is a successful answer. Every token, nonce and credential
// response carries Cache-Control: no-store in Header.
type Response struct {
	Status      int
	ContentType string
	Header      http.Header
	Body        []byte
	// IssuedFormat and IssuedCount say what a credential response issued,
	// for metrics: the format and how many credentials (zero otherwise).
	IssuedFormat string
	IssuedCount  int
}

// HeaderError is an error response that needs headers besides its body:
// WWW-Authenticate on a rejected access token (RFC 6750 Section 3, RFC 9449
// Section 7.1) and DPoP-Nonce on use_dpop_nonce (RFC 9449 Section 8).
type HeaderError struct {
	Err    *oid4vci.Error
	Header http.Header
}

func (e *HeaderError) Error() string { return e.Err.Error() }
func (e *HeaderError) Unwrap() error { return e.Err }

// ErrorResponse returns the status, headers and JSON body of err when it is
// a protocol error (an *oid4vci.Error, possibly inside a HeaderError); ok
// is false for any other error, which the server answers with 500
// server_error without detail.
func ErrorResponse(err error) (status int, header http.Header, body []byte, code oid4vci.ErrorCode, ok bool) {
	var oe *oid4vci.Error
	if !errors.As(err, &oe) {
		return 0, nil, nil, "", false
	}
	header = http.Header{}
	var he *HeaderError
	if errors.As(err, &he) {
		for k, v := range he.Header {
			header[k] = append([]string(nil), v...)
		}
	}
	header.Set("Cache-Control", "no-store")
	header.Set("Content-Type", oid4vci.MediaTypeJSON)
	body, merr := oe.MarshalJSON()
	if merr != nil {
		return 0, nil, nil, "", false
	}
	return oe.StatusCode(), header, body, oe.Code, true
}
