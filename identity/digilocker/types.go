package digilocker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Flow is one of the two authorization flows, kept apart: a login token
// cannot read documents and a document token is not a login.
type Flow string

// Flows.
const (
	// FlowLogin signs the citizen in: scope openid.
	FlowLogin Flow = "login"
	// FlowDocuments asks for the issued documents: scope
	// files.issueddocs, optionally limited by req_doctype.
	FlowDocuments Flow = "documents"
)

// Scope is the flow's scope value.
func (f Flow) Scope() string {
	if f == FlowDocuments {
		return "files.issueddocs"
	}
	return "openid"
}

// flexInt reads a JSON number or a numeric string (DigiLocker sends
// consent_valid_till and size either way); "" and null read as 0.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			return nil
		}
		b = []byte(s)
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("digilocker: %.40q is not an integer", b)
	}
	*n = flexInt(v)
	return nil
}

// Token is a token response (POST /oauth2/1/token) with the user fields
// DigiLocker returns inline.
type Token struct {
	AccessToken  string
	RefreshToken string
	TokenType    string
	Scope        string
	ExpiresAt    time.Time
	// ConsentValidTill is when the citizen's consent ends (zero if not
	// given).
	ConsentValidTill time.Time
	User             User
}

// User is the DigiLocker account (token response or GET /oauth2/1/user).
type User struct {
	DigiLockerID string `json:"digilockerid"`
	Name         string `json:"name"`
	// DOB is DDMMYYYY as DigiLocker sends it; BirthDate parses it.
	DOB          string `json:"dob"`
	Gender       string `json:"gender"`
	EAadhaar     string `json:"eaadhaar"`
	ReferenceKey string `json:"reference_key,omitempty"`
	Mobile       string `json:"mobile,omitempty"`
}

// BirthDate parses DOB (DDMMYYYY) as YYYY-MM-DD.
func (u User) BirthDate() (string, error) {
	t, err := time.Parse("02012006", u.DOB)
	if err != nil {
		return "", fmt.Errorf("digilocker: dob %.20q is not DDMMYYYY", u.DOB)
	}
	return t.Format(time.DateOnly), nil
}

// HasEAadhaar reports the eaadhaar indicator (Y).
func (u User) HasEAadhaar() bool { return u.EAadhaar == "Y" }

// Document is an entry of the issued-documents list
// (GET /oauth2/2/files/issued).
type Document struct {
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	Size        int64    `json:"-"`
	Date        string   `json:"date"`
	Parent      string   `json:"parent"`
	MIME        []string `json:"-"`
	URI         string   `json:"uri"`
	DocType     string   `json:"doctype"`
	Description string   `json:"description"`
	IssuerID    string   `json:"issuerid"`
	Issuer      string   `json:"issuer"`
}

// UnmarshalJSON reads mime as an array (v2) or a string (v1) and size as a
// number or a numeric string.
func (d *Document) UnmarshalJSON(b []byte) error {
	type plain Document
	var w struct {
		plain
		Size flexInt         `json:"size"`
		MIME json.RawMessage `json:"mime"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*d = Document(w.plain)
	d.Size = int64(w.Size)
	if len(w.MIME) > 0 && string(w.MIME) != "null" {
		if w.MIME[0] == '"' {
			var s string
			if err := json.Unmarshal(w.MIME, &s); err != nil {
				return err
			}
			d.MIME = []string{s}
		} else if err := json.Unmarshal(w.MIME, &d.MIME); err != nil {
			return fmt.Errorf("digilocker: mime: %w", err)
		}
	}
	return nil
}

// HasXML reports whether the document has a certificate XML.
func (d Document) HasXML() bool {
	for _, m := range d.MIME {
		if m == "application/xml" {
			return true
		}
	}
	return false
}
