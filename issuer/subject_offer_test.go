package issuer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/internal/config"
	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/internal/server"
	"github.com/pramaan/pramaan/internal/store/sqlite"
	"github.com/pramaan/pramaan/issuer"
	"github.com/pramaan/pramaan/oid4vci"
)

// recordFake is a verified-claims record of fixed subjects.
type recordFake map[string]map[string]any

func (r recordFake) CredentialClaims(_ context.Context, id string) (map[string]any, error) {
	c, ok := r[id]
	if !ok {
		return nil, fmt.Errorf("record: %q: %w", id, issuer.ErrUnknownSubject)
	}
	return c, nil
}

func TestOfferBySubjectIDReadsTheRecord(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Server.PublicURL = testIssuer
	ks, _, err := keys.Open(filepath.Join(dir, "keys"), keys.Options{Now: clk.Now, IssuerURL: testIssuer})
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "pramaan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec := recordFake{
		"urn:pramaan:subject:asha":  {"name": "Asha Verma", "birth_date": "1994-08-14"},
		"urn:pramaan:subject:empty": {},
	}
	svc, err := server.NewIssuerWithSubjects(cfg, ks, st, clk.Now, rec)
	if err != nil {
		t.Fatal(err)
	}
	offer := func(body string) (*issuer.Response, error) {
		return svc.CreateOffer(ctx, &issuer.Request{Method: http.MethodPost, URL: testIssuer + "/admin/offers", Header: http.Header{}, Body: []byte(body)})
	}
	t.Run("ok/claims from the record, the subject is the subject_id", func(t *testing.T) {
		resp, err := offer(`{"credential_configuration_ids":["aadhaar_sd_jwt"],"subject_id":"urn:pramaan:subject:asha"}`)
		if err != nil {
			t.Fatal(err)
		}
		var res issuer.OfferResponse
		json.Unmarshal(resp.Body, &res)
		o, err := st.OfferByID(ctx, res.OfferID, clk.Now())
		if err != nil || o.Subject != "urn:pramaan:subject:asha" {
			t.Fatalf("stored offer subject %q, %v", o.Subject, err)
		}
		plain, err := ks.DataKey().Open(o.Claims, []byte("offers/claims/"+res.OfferID))
		if err != nil {
			t.Fatal(err)
		}
		if string(plain) != `{"birth_date":"1994-08-14","name":"Asha Verma"}` {
			t.Fatalf("sealed claims %s", plain)
		}
	})
	for name, tc := range map[string]struct{ body, desc string }{
		"fail/unknown subject":               {`{"credential_configuration_ids":["aadhaar_sd_jwt"],"subject_id":"urn:pramaan:subject:nobody"}`, `unknown subject_id "urn:pramaan:subject:nobody"`},
		"fail/record lacks a mandatory":      {`{"credential_configuration_ids":["aadhaar_sd_jwt"],"subject_id":"urn:pramaan:subject:empty"}`, "mandatory claim name is missing"},
		"fail/subject and subject_id differ": {`{"credential_configuration_ids":["aadhaar_sd_jwt"],"subject_id":"urn:pramaan:subject:asha","subject":"other"}`, "subject and subject_id differ"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := offer(tc.body)
			var oe *oid4vci.Error
			if !errors.As(err, &oe) || oe.Code != oid4vci.CodeInvalidRequest || !strings.Contains(oe.Description, tc.desc) {
				t.Fatalf("got %v, want invalid_request with %q", err, tc.desc)
			}
		})
	}
}
