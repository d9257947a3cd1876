package httpapi_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/pramaan/pramaan/internal/httpapi"
	"github.com/pramaan/pramaan/internal/portal"
)

// fakeEKYC records what the binding passed and answers with a refusal or
// an empty result.
type fakeEKYC struct {
	mu   sync.Mutex
	got  []portal.EKYCRequest
	fail error
}

func (f *fakeEKYC) record(req portal.EKYCRequest) (*portal.EKYCResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, req)
	if f.fail != nil {
		return nil, f.fail
	}
	return &portal.EKYCResult{SubjectID: "urn:pramaan:subject:x", Source: "ekyc_offline"}, nil
}

func (f *fakeEKYC) Offline(_ context.Context, req portal.EKYCRequest) (*portal.EKYCResult, error) {
	return f.record(req)
}

func (f *fakeEKYC) QR(_ context.Context, req portal.EKYCRequest) (*portal.EKYCResult, error) {
	return f.record(req)
}

func withEKYC(e *fakeEKYC) option {
	return func(c *httpapi.Config) { c.EKYC, c.MaxUploadBytes = e, 8<<10 }
}

func multipartBody(t testing.TB, fields ...string) (string, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		if fields[i] == "zip" {
			fw, _ := w.CreateFormFile("zip", "p.zip")
			fw.Write([]byte(fields[i+1]))
			continue
		}
		w.WriteField(fields[i], fields[i+1])
	}
	w.Close()
	return b.String(), w.FormDataContentType()
}

func TestEKYCUploadBinding(t *testing.T) {
	e := &fakeEKYC{}
	a := newApp(t, withEKYC(e)) // MaxBodyBytes 1024, uploads 8 KiB
	body, ct := multipartBody(t, "zip", strings.Repeat("Z", 4000), "share_code", " 4821 ", "mobile", "9800000001")
	r := a.do(t, request(t, http.MethodPost, "/ekyc/offline", body, "Content-Type", ct))
	if r.status != http.StatusCreated || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("upload over MaxBodyBytes but within the upload limit: %d %s", r.status, r.body)
	}
	if len(e.got) != 1 || len(e.got[0].Zip) != 4000 || e.got[0].ShareCode != "4821" || e.got[0].Mobile != "9800000001" {
		t.Fatalf("bound %+v", e.got)
	}
	// Every other route keeps MaxBodyBytes.
	if r := a.do(t, request(t, http.MethodPost, "/token", strings.Repeat("x", 1025))); r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("/token over MaxBodyBytes with uploads on: %d %s", r.status, r.body)
	}
	if r := a.do(t, request(t, http.MethodPost, "/ekyc/qr", `{"qr":"`+strings.Repeat("1", 1100)+`"}`, "Content-Type", "application/json")); r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("/ekyc/qr over MaxBodyBytes: %d %s", r.status, r.body)
	}
	big, ct := multipartBody(t, "zip", strings.Repeat("Z", 8<<10+1), "share_code", "1")
	if r := a.do(t, request(t, http.MethodPost, "/ekyc/offline", big, "Content-Type", ct)); r.status != http.StatusRequestEntityTooLarge ||
		!strings.Contains(r.body, `"invalid_package"`) {
		t.Fatalf("package over the upload limit: %d %s", r.status, r.body)
	}
	dup, ct := multipartBody(t, "zip", "Z", "share_code", "1", "share_code", "2")
	if r := a.do(t, request(t, http.MethodPost, "/ekyc/offline", dup, "Content-Type", ct)); r.status != http.StatusBadRequest {
		t.Fatalf("repeated field: %d %s", r.status, r.body)
	}
	e.fail = &portal.Error{Status: http.StatusUnprocessableEntity, Code: "signature_invalid", Description: "d"}
	body, ct = multipartBody(t, "zip", "Z", "share_code", "1")
	if r := a.do(t, request(t, http.MethodPost, "/ekyc/offline", body, "Content-Type", ct)); r.status != http.StatusUnprocessableEntity ||
		r.body != `{"error":"signature_invalid","error_description":"d"}` {
		t.Fatalf("refusal: %d %s", r.status, r.body)
	}
	if n := len(e.got); n != 2 {
		t.Fatalf("%d calls reached the service, want 2", n)
	}
}

// FuzzEKYCUpload: no body makes the upload binding panic or answer
// anything but the statuses it documents, and what reaches the service is
// within the limits.
func FuzzEKYCUpload(f *testing.F) {
	body, ct := multipartBody(f, "zip", "PK\x03\x04", "share_code", "4821")
	f.Add([]byte(body), ct)
	f.Add([]byte("--x\r\nContent-Disposition: form-data; name=\"zip\"\r\n\r\nPK\r\n--x--\r\n"), "multipart/form-data; boundary=x")
	f.Add([]byte(`{"qr":"1"}`), "application/json")
	e := &fakeEKYC{}
	a := newApp(f, withEKYC(e))
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		req, err := http.NewRequest(http.MethodPost, "http://pramaan.test/ekyc/offline", bytes.NewReader(body))
		if err != nil {
			t.Skip()
		}
		req.Header.Set("Content-Type", contentType)
		r := a.do(t, req)
		switch r.status {
		case http.StatusCreated, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		default:
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		for _, g := range e.got {
			if len(g.Zip) > 8<<10 || len(g.ShareCode) > 256 || g.ShareCode == "" || len(g.Zip) == 0 {
				t.Fatalf("out of limits: %d-byte zip, %d-byte share code", len(g.Zip), len(g.ShareCode))
			}
		}
		e.got = e.got[:0]
	})
}
