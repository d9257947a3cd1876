package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/mdoc"
	"github.com/pramaan/pramaan/statuslist"
	"github.com/pramaan/pramaan/wallet"
)

// statusOf reads a credential's status as a verifier would: the list from
// base's /status (whatever instance issued it), its signature checked
// against the x5c certificate, which must be the issuer's credential
// certificate.
func statusOf(t *testing.T, base, listID string, idx int, credCert *x509.Certificate) statuslist.Status {
	t.Helper()
	c, err := statuslist.NewClient(statuslist.Config{
		Resolve: func(_ context.Context, h map[string]json.RawMessage) (crypto.PublicKey, error) {
			var x5c []string
			if err := json.Unmarshal(h["x5c"], &x5c); err != nil || len(x5c) == 0 {
				return nil, errors.New("no x5c")
			}
			der, _ := base64.StdEncoding.DecodeString(x5c[0])
			cert, err := x509.ParseCertificate(der)
			if err != nil || !cert.Equal(credCert) {
				return nil, errors.New("x5c is not the credential certificate")
			}
			return cert.PublicKey, nil
		},
		Now:        time.Now,
		DefaultTTL: time.Nanosecond, MaxTTL: time.Nanosecond, // no caching: every check fetches
		AllowHTTP: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Status(context.Background(), base+"/status/"+listID, idx)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type statusClaim struct {
	Idx int    `json:"idx"`
	URI string `json:"uri"`
}

// sdjwtStatus reads the status claim of an SD-JWT VC's issuer JWT.
func sdjwtStatus(t *testing.T, file string) statusClaim {
	t.Helper()
	sc, err := wallet.LoadCredential(file)
	if err != nil {
		t.Fatal(err)
	}
	jwt, _, _ := strings.Cut(sc.Credential, "~")
	parts := strings.Split(jwt, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Status struct {
			StatusList *statusClaim `json:"status_list"`
		} `json:"status"`
	}
	if err := json.Unmarshal(payload, &p); err != nil || p.Status.StatusList == nil {
		t.Fatalf("no status claim in %s (%v)", payload, err)
	}
	return *p.Status.StatusList
}

// mdocStatus reads the MSO status of an mdoc, verified under the IACA.
func mdocStatus(t *testing.T, file string, iaca *x509.Certificate) statusClaim {
	t.Helper()
	sc, err := wallet.LoadCredential(file)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := mdoc.DecodeInput([]byte(sc.Credential))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := (&mdoc.Verifier{Roots: []*x509.Certificate{iaca}, At: time.Now()}).VerifyIssuerSigned(raw)
	if err != nil {
		t.Fatal(err)
	}
	if doc.MSO.Status == nil {
		t.Fatal("no MSO status")
	}
	return statusClaim{Idx: int(doc.MSO.Status.Index), URI: doc.MSO.Status.URI}
}

func readCertFile(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCredentialStatusAcrossInstances is the Done-when journey: two
// instances on one Postgres; credentials issued by one in both formats
// carry status entries; each is VALID from either instance's /status; a
// revocation made on the other instance is INVALID from the first at once;
// suspend and reinstate the mdoc; ETag revalidation; the refusals.
func TestCredentialStatusAcrossInstances(t *testing.T) {
	db, shared := postgresSchema(t), filepath.Join(t.TempDir(), "shared-data")
	a, _ := startServe(t, "--database-url", db, "--data-dir", shared)
	b, _ := startServe(t, "--database-url", db, "--data-dir", shared)
	token, err := os.ReadFile(filepath.Join(shared, keys.FileAdminToken))
	if err != nil {
		t.Fatal(err)
	}
	bearer := "Bearer " + strings.TrimSpace(string(token))
	admin := newCitizen(t, a)
	iacaPath := filepath.Join(shared, "iaca.pem")
	credCert := readCertFile(t, filepath.Join(shared, keys.FileCredentialCert))

	req := `{"credential_configuration_ids":["aadhaar_sd_jwt","aadhaar_mdoc"],"subject":"status-e2e-1",
		"claims":{"name":"Asha Verma","birth_date":"1994-08-14","gender":"F"}}`
	resp, body := admin.do(http.MethodPost, a+"/admin/offers", strings.NewReader(req), "Authorization", bearer, "Content-Type", "application/json")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("offer: %d %s", resp.StatusCode, body)
	}
	var offer struct {
		Link string `json:"link"`
	}
	json.Unmarshal(body, &offer)
	got := receive(t, offer.Link, iacaPath)
	sd := sdjwtStatus(t, got["aadhaar_sd_jwt"].File)
	md := mdocStatus(t, got["aadhaar_mdoc"].File, readCertFile(t, iacaPath))
	listOf := func(c statusClaim) string {
		if !strings.HasPrefix(c.URI, a+"/status/") {
			t.Fatalf("status uri %s is not the issuing instance's", c.URI)
		}
		return strings.TrimPrefix(c.URI, a+"/status/")
	}
	sdList, mdList := listOf(sd), listOf(md)
	for _, inst := range []string{a, b} {
		if s := statusOf(t, inst, sdList, sd.Idx, credCert); s != statuslist.Valid {
			t.Fatalf("SD-JWT VC at %s: %v", inst, s)
		}
		if s := statusOf(t, inst, mdList, md.Idx, credCert); s != statuslist.Valid {
			t.Fatalf("mdoc at %s: %v", inst, s)
		}
	}

	// pramaan verify --check-status agrees (the lists' x5c chained to the IACA).
	verify := func(format, file string) (int, string) {
		t.Helper()
		e, out, errb := liveEnv(context.Background())
		code := run([]string{"verify", format, credentialFile(t, file), "--trust", iacaPath, "--check-status"}, e)
		return code, out.String() + errb.String()
	}
	if code, out := verify("sdjwt", got["aadhaar_sd_jwt"].File); code != 0 || !strings.Contains(out, `"status": "VALID"`) {
		t.Fatalf("verify sdjwt --check-status: %d %s", code, out)
	}
	if code, out := verify("mdoc", got["aadhaar_mdoc"].File); code != 0 || !strings.Contains(out, `"status": "VALID"`) {
		t.Fatalf("verify mdoc --check-status: %d %s", code, out)
	}

	// The operator finds the credentials of the subject.
	resp, body = admin.do(http.MethodGet, b+"/admin/credentials?subject_id=status-e2e-1", nil, "Authorization", bearer)
	var list struct {
		Credentials []struct {
			CredentialID    string `json:"credential_id"`
			Status          string `json:"status"`
			ListID          string `json:"list_id"`
			Index           int    `json:"idx"`
			ConfigurationID string `json:"credential_configuration_id"`
		} `json:"credentials"`
	}
	json.Unmarshal(body, &list)
	ids := map[string]string{}
	for _, c := range list.Credentials {
		if (c.ListID == sdList && c.Index == sd.Idx) || (c.ListID == mdList && c.Index == md.Idx) {
			ids[c.ConfigurationID] = c.CredentialID
		}
	}
	if resp.StatusCode != http.StatusOK || len(list.Credentials) != 2 || ids["aadhaar_sd_jwt"] == "" || ids["aadhaar_mdoc"] == "" {
		t.Fatalf("credentials: %d %s", resp.StatusCode, body)
	}

	// ETag revalidation at A before the change.
	etagOf := func(inst, listID string, ifNone string) (int, string) {
		t.Helper()
		h := []string{}
		if ifNone != "" {
			h = []string{"If-None-Match", ifNone}
		}
		resp, _ := newCitizen(t, inst).do(http.MethodGet, inst+"/status/"+listID, nil, h...)
		if resp.StatusCode == http.StatusOK && (resp.Header.Get("Content-Type") != "application/statuslist+jwt" || !strings.HasPrefix(resp.Header.Get("Cache-Control"), "public, max-age=")) {
			t.Fatalf("headers %v", resp.Header)
		}
		return resp.StatusCode, resp.Header.Get("ETag")
	}
	code, etag := etagOf(a, sdList, "")
	if code != http.StatusOK || etag == "" {
		t.Fatalf("status list: %d %q", code, etag)
	}
	if code, _ := etagOf(a, sdList, etag); code != http.StatusNotModified {
		t.Fatalf("revalidation: %d, want 304", code)
	}

	act := func(inst, id, action string) (int, string) {
		t.Helper()
		resp, body := admin.do(http.MethodPost, fmt.Sprintf("%s/admin/credentials/%s/%s", inst, id, action), strings.NewReader(`{"reason":"lost phone"}`),
			"Authorization", bearer, "Content-Type", "application/json")
		return resp.StatusCode, string(body)
	}
	// Revoked on B: INVALID from A at once; the ETag changes.
	if code, body := act(b, ids["aadhaar_sd_jwt"], "revoke"); code != http.StatusOK || !strings.Contains(body, `"status":"INVALID"`) {
		t.Fatalf("revoke: %d %s", code, body)
	}
	if s := statusOf(t, a, sdList, sd.Idx, credCert); s != statuslist.Invalid {
		t.Fatalf("SD-JWT VC after revocation, at A: %v", s)
	}
	if code, _ := etagOf(a, sdList, etag); code != http.StatusOK {
		t.Fatalf("revalidation after the change: %d, want 200", code)
	}
	if s := statusOf(t, b, mdList, md.Idx, credCert); s != statuslist.Valid {
		t.Fatalf("the mdoc changed with the SD-JWT VC: %v", s)
	}
	// Suspended on A, SUSPENDED at B; reinstated, VALID.
	if code, body := act(a, ids["aadhaar_mdoc"], "suspend"); code != http.StatusOK {
		t.Fatalf("suspend: %d %s", code, body)
	}
	if s := statusOf(t, b, mdList, md.Idx, credCert); s != statuslist.Suspended {
		t.Fatalf("mdoc after suspension, at B: %v", s)
	}
	if code, out := verify("mdoc", got["aadhaar_mdoc"].File); code != 1 || !strings.Contains(out, "SUSPENDED") {
		t.Fatalf("verify mdoc --check-status of a suspended mdoc: %d %s", code, out)
	}
	if code, out := verify("sdjwt", got["aadhaar_sd_jwt"].File); code != 1 || !strings.Contains(out, "INVALID") {
		t.Fatalf("verify sdjwt --check-status of a revoked credential: %d %s", code, out)
	}
	// The same list as a CWT (Accept: application/statuslist+cwt).
	resp, cwt := newCitizen(t, b).do(http.MethodGet, b+"/status/"+mdList, nil, "Accept", "application/statuslist+cwt")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/statuslist+cwt" {
		t.Fatalf("CWT: %d %v", resp.StatusCode, resp.Header)
	}
	ct, err := statuslist.VerifyCWT(cwt, credCert.PublicKey, b+"/status/"+mdList, time.Now(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := ct.List.Get(md.Idx); s != statuslist.Suspended {
		t.Fatalf("the CWT says %v for the suspended mdoc", s)
	}
	if code, body := act(b, ids["aadhaar_mdoc"], "reinstate"); code != http.StatusOK {
		t.Fatalf("reinstate: %d %s", code, body)
	}
	if s := statusOf(t, a, mdList, md.Idx, credCert); s != statuslist.Valid {
		t.Fatalf("mdoc after reinstatement: %v", s)
	}

	// Refusals.
	if code, body := act(a, ids["aadhaar_sd_jwt"], "reinstate"); code != http.StatusConflict || !strings.Contains(body, `"invalid_transition"`) {
		t.Fatalf("reinstating a revoked credential: %d %s", code, body)
	}
	if code, body := act(a, "cr_unknown", "revoke"); code != http.StatusNotFound {
		t.Fatalf("revoking an unknown credential: %d %s", code, body)
	}
	if code, _ := etagOf(a, "sl_unknown", ""); code != http.StatusNotFound {
		t.Fatalf("unknown list: %d", code)
	}
	if resp, _ := newCitizen(t, a).do(http.MethodPost, a+"/admin/credentials/"+ids["aadhaar_mdoc"]+"/revoke", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("revoking without the admin token: %d", resp.StatusCode)
	}
}

// TestWithdrawnClaimRevokesAndReissues: a citizen's credentials from the
// record; the operator withdraws a claim they carry; both are INVALID; a
// new offer for the same subject re-issues from what remains, VALID.
func TestWithdrawnClaimRevokesAndReissues(t *testing.T) {
	base, dataDir := startServe(t)
	token, err := os.ReadFile(filepath.Join(dataDir, keys.FileAdminToken))
	if err != nil {
		t.Fatal(err)
	}
	bearer := "Bearer " + strings.TrimSpace(string(token))
	iacaPath := filepath.Join(dataDir, "iaca.pem")
	credCert := readCertFile(t, filepath.Join(dataDir, keys.FileCredentialCert))
	c := newCitizen(t, base)
	c.signIn("login", asha.DigiLockerID)
	subject := c.subjectID()
	link, _ := c.offer()
	// The wallet checks the status of what it receives.
	var checked struct {
		Credentials []receivedSummary `json:"credentials"`
	}
	out := runOK(t, "wallet", "receive", link, "--trust", iacaPath, "--out", t.TempDir(), "--check-status")
	if err := json.Unmarshal([]byte(out), &checked); err != nil || len(checked.Credentials) < 2 {
		t.Fatalf("wallet receive --check-status: %s", out)
	}
	for _, rc := range checked.Credentials {
		if rc.Status != "VALID" {
			t.Fatalf("%s received with status %q", rc.ConfigurationID, rc.Status)
		}
	}
	link, _ = c.offer()
	got := receive(t, link, iacaPath)
	sd := sdjwtStatus(t, got["aadhaar_sd_jwt"].File)
	md := mdocStatus(t, got["aadhaar_mdoc"].File, readCertFile(t, iacaPath))
	list := func(sc statusClaim) string { return strings.TrimPrefix(sc.URI, base+"/status/") }
	if statusOf(t, base, list(sd), sd.Idx, credCert) != statuslist.Valid || statusOf(t, base, list(md), md.Idx, credCert) != statuslist.Valid {
		t.Fatal("new credentials are not VALID")
	}

	admin := newCitizen(t, base)
	resp, body := admin.do(http.MethodPost, base+"/admin/subjects/"+subject+"/withdraw", strings.NewReader(`{"claims":["gender"],"reason":"corrected by DigiLocker"}`),
		"Authorization", bearer, "Content-Type", "application/json")
	var w struct {
		Withdrawn int      `json:"withdrawn"`
		Revoked   []string `json:"revoked"`
	}
	json.Unmarshal(body, &w)
	if resp.StatusCode != http.StatusOK || w.Withdrawn != 1 || len(w.Revoked) != 4 { // two offers of two credentials each
		t.Fatalf("withdraw: %d %s", resp.StatusCode, body)
	}
	if statusOf(t, base, list(sd), sd.Idx, credCert) != statuslist.Invalid || statusOf(t, base, list(md), md.Idx, credCert) != statuslist.Invalid {
		t.Fatal("the credentials carrying the withdrawn claim are not INVALID")
	}
	if _, ok := c.claims()["gender"]; ok {
		t.Fatal("the withdrawn claim is still in the record")
	}
	// Re-issuance from what remains.
	resp, body = admin.do(http.MethodPost, base+"/admin/offers", strings.NewReader(fmt.Sprintf(`{"credential_configuration_ids":["aadhaar_sd_jwt"],"subject_id":%q}`, subject)),
		"Authorization", bearer, "Content-Type", "application/json")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("re-issuance offer: %d %s", resp.StatusCode, body)
	}
	var offer struct {
		Link string `json:"link"`
	}
	json.Unmarshal(body, &offer)
	again := receive(t, offer.Link, iacaPath)
	sd2 := sdjwtStatus(t, again["aadhaar_sd_jwt"].File)
	if claims := disclosed(t, again["aadhaar_sd_jwt"].File); claims["gender"] != nil || claims["name"] != "Asha Verma" {
		t.Fatalf("re-issued claims %v", claims)
	}
	if statusOf(t, base, list(sd2), sd2.Idx, credCert) != statuslist.Valid {
		t.Fatal("the re-issued credential is not VALID")
	}
	// Refusals.
	resp, _ = admin.do(http.MethodPost, base+"/admin/subjects/urn:pramaan:subject:nobody/withdraw", strings.NewReader(`{"claims":["name"]}`),
		"Authorization", bearer, "Content-Type", "application/json")
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown subject: %d", resp.StatusCode)
	}
	resp, _ = admin.do(http.MethodPost, base+"/admin/subjects/"+subject+"/withdraw", strings.NewReader(`{"claims":[]}`),
		"Authorization", bearer, "Content-Type", "application/json")
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("no claims: %d", resp.StatusCode)
	}
}

// TestBatchMembersHaveTheirOwnStatus: each credential of a batch gets its
// own random index.
func TestBatchMembersHaveTheirOwnStatus(t *testing.T) {
	base, dataDir := startServe(t)
	token, err := os.ReadFile(filepath.Join(dataDir, keys.FileAdminToken))
	if err != nil {
		t.Fatal(err)
	}
	admin := newCitizen(t, base)
	resp, body := admin.do(http.MethodPost, base+"/admin/offers", strings.NewReader(`{"credential_configuration_ids":["aadhaar_sd_jwt"],
		"claims":{"name":"Asha Verma","birth_date":"1994-08-14"}}`), "Authorization", "Bearer "+strings.TrimSpace(string(token)), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("offer: %d %s", resp.StatusCode, body)
	}
	var offer struct {
		Link string `json:"link"`
	}
	json.Unmarshal(body, &offer)
	var got struct {
		Credentials []receivedSummary `json:"credentials"`
	}
	out := runOK(t, "wallet", "receive", offer.Link, "--trust", filepath.Join(dataDir, "iaca.pem"), "--out", t.TempDir(), "--batch", "3")
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got.Credentials) != 3 {
		t.Fatalf("batch: %s", out)
	}
	seen := map[statusClaim]bool{}
	for _, c := range got.Credentials {
		sc := sdjwtStatus(t, c.File)
		if seen[sc] {
			t.Fatalf("two members of the batch share %+v", sc)
		}
		seen[sc] = true
	}
}
