package issuer_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/pramaan/pramaan/issuer"
)

// FuzzParseOfferRequest: the admin API's parser refuses what it cannot
// use with an error and never panics.
func FuzzParseOfferRequest(f *testing.F) {
	f.Add([]byte(`{"credential_configuration_ids":["aadhaar_sd_jwt"],"claims":{"name":"A","birth_date":"1990-01-01"},"tx_code":{"length":6}}`))
	f.Add([]byte(`{"credential_configuration_ids":["a","a"],"claims":{}}`))
	f.Add([]byte(`{"credential_configuration_ids":[],"claims":null,"by_reference":true}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := issuer.ParseOfferRequest(body)
		if (r == nil) == (err == nil) {
			t.Fatalf("ParseOfferRequest returned %v and %v", r, err)
		}
	})
}

// FuzzEndpoints sends arbitrary bodies to the token, credential, deferred
// and notification endpoints of a complete issuer: every answer is a
// response or a protocol error, and nothing panics.
func FuzzEndpoints(f *testing.F) {
	f.Add(uint8(0), "application/x-www-form-urlencoded", []byte("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=x&tx_code=1"))
	f.Add(uint8(1), "application/json", []byte(`{"credential_identifier":"aadhaar_sd_jwt","proofs":{"jwt":["a.b.c"]}}`))
	f.Add(uint8(1), "application/jwt", []byte("eyJhbGciOiJFQ0RILUVTIiwiZW5jIjoiQTEyOEdDTSJ9..iv.ct.tag"))
	f.Add(uint8(2), "application/json", []byte(`{"transaction_id":"t"}`))
	f.Add(uint8(3), "application/json", []byte(`{"notification_id":"n","event":"credential_accepted"}`))
	f.Add(uint8(4), "application/json", []byte(`{"credential_configuration_ids":["aadhaar_mdoc"],"claims":{"name":"A","birth_date":"1990-01-01","portrait":"!!"}}`))
	h := newHarness(f)
	token := h.bearer("aadhaar_sd_jwt", "aadhaar_mdoc")
	f.Fuzz(func(t *testing.T, which uint8, contentType string, body []byte) {
		hd := http.Header{"Content-Type": {contentType}, "Authorization": {"Bearer " + token}}
		ctx := context.Background()
		var resp *issuer.Response
		var err error
		switch which % 5 {
		case 0:
			resp, err = h.svc.Token(ctx, h.request(http.MethodPost, "/token", hd, body))
		case 1:
			resp, err = h.svc.Credential(ctx, h.request(http.MethodPost, "/credential", hd, body))
		case 2:
			resp, err = h.svc.DeferredCredential(ctx, h.request(http.MethodPost, "/deferred_credential", hd, body))
		case 3:
			resp, err = h.svc.Notification(ctx, h.request(http.MethodPost, "/notification", hd, body))
		case 4:
			resp, err = h.svc.CreateOffer(ctx, h.request(http.MethodPost, "/admin/offers", hd, body))
		}
		if err != nil {
			if _, _, _, _, ok := issuer.ErrorResponse(err); !ok {
				t.Fatalf("endpoint %d: a non-protocol error for client input: %v", which%5, err)
			}
			return
		}
		if resp == nil || resp.Status < 200 || resp.Status > 299 {
			t.Fatalf("endpoint %d: response %+v without an error", which%5, resp)
		}
	})
}
