package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/face"
	"github.com/pramaan/pramaan/internal/keys"
)

func embedding(r *rand.Rand, base []float32, noise float64, dim int) ([]float32, string) {
	v := make([]float32, dim)
	for i := range v {
		if base != nil {
			v[i] = base[i]
		}
		v[i] += float32(noise * r.NormFloat64())
	}
	return v, base64.StdEncoding.EncodeToString(face.EncodeEmbedding(v))
}

func enrollBody(linkID, emb string) string {
	return fmt.Sprintf(`{"link_id":%q,"embedding":%q,"model":"mobilefacenet-192","frames_used":5,
		"consent":{"version":"2026-11","text_url":"https://pramaan.example/consent/face/2026-11","signature_b64":"c2lnbmVkIGNvbnNlbnQ="}}`, linkID, emb)
}

// TestFaceEnrollmentFromEAadhaar is the Done-when journey on the embedded
// default: a citizen shares DigiLocker documents (the e-Aadhaar verified),
// the enrollment app asks for an e-KYC link (the photo handed back once),
// enrolls a template, the template matches; a second citizen enrolling
// the same face is flagged as a duplicate; erasure leaves a tombstone and
// no template. Refusals on the way have their exact answers.
func TestFaceEnrollmentFromEAadhaar(t *testing.T) {
	base, dataDir := startServe(t)
	token, err := os.ReadFile(filepath.Join(dataDir, keys.FileAdminToken))
	if err != nil {
		t.Fatal(err)
	}
	bearer := "Bearer " + strings.TrimSpace(string(token))
	admin := newCitizen(t, base)
	r := rand.New(rand.NewPCG(11, 12))
	json200 := "application/json"

	ashaC := newCitizen(t, base)
	ashaC.signIn("documents", asha.DigiLockerID)
	asha := ashaC.subjectID()
	resp, body := ashaC.do(http.MethodPost, "/enrollment/link", strings.NewReader(`{"source":"digilocker"}`), "Content-Type", json200)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("link: %d %s", resp.StatusCode, body)
	}
	var link struct {
		LinkID    string `json:"link_id"`
		NameMatch bool   `json:"name_match"`
		DOBMatch  bool   `json:"dob_match"`
		BirthYear int    `json:"birth_year"`
		Photo     string `json:"photo_b64"`
	}
	json.Unmarshal(body, &link)
	photo, _ := base64.StdEncoding.DecodeString(link.Photo)
	if link.LinkID == "" || !link.NameMatch || !link.DOBMatch || link.BirthYear != 1994 || len(photo) < 100 || photo[0] != 0xFF || photo[1] != 0xD8 {
		t.Fatalf("link answer %.300s", body)
	}
	faceA, embA := embedding(r, nil, 1, 192)

	// Refusals before the enrolment.
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"wrong dimension", enrollBody(link.LinkID, func() string { _, e := embedding(r, nil, 1, 128); return e }()), 400, "invalid_embedding"},
		{"malformed base64", enrollBody(link.LinkID, "***"), 400, "invalid_embedding"},
		{"unknown link", enrollBody("fl_nope", embA), 404, "link_not_found"},
		{"unknown member", `{"link_id":"x","extra":1}`, 400, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ashaC.do(http.MethodPost, "/enrollment/face-template", strings.NewReader(tc.body), "Content-Type", json200)
			if code, _ := errorAnswer(t, body); resp.StatusCode != tc.status || code != tc.code {
				t.Fatalf("got %d %s, want %d %s", resp.StatusCode, body, tc.status, tc.code)
			}
		})
	}
	// Another citizen cannot use Asha's link.
	rohanC := newCitizen(t, base)
	rohanC.signIn("documents", rohan.DigiLockerID)
	resp, body = rohanC.do(http.MethodPost, "/enrollment/face-template", strings.NewReader(enrollBody(link.LinkID, embA)), "Content-Type", json200)
	if code, _ := errorAnswer(t, body); resp.StatusCode != http.StatusForbidden || code != "link_subject_mismatch" {
		t.Fatalf("another citizen's link: %d %s", resp.StatusCode, body)
	}

	resp, body = ashaC.do(http.MethodPost, "/enrollment/face-template", strings.NewReader(enrollBody(link.LinkID, embA)), "Content-Type", json200)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("enroll: %d %s", resp.StatusCode, body)
	}
	var en struct {
		TemplateID    string `json:"template_id"`
		Version       int    `json:"version"`
		IdentityProof struct {
			Source    string `json:"source"`
			LinkID    string `json:"link_id"`
			NameMatch bool   `json:"name_match"`
		} `json:"identity_proof"`
	}
	json.Unmarshal(body, &en)
	if en.TemplateID == "" || en.Version != 1 || en.IdentityProof.Source != "digilocker_eaadhaar" || en.IdentityProof.LinkID != link.LinkID {
		t.Fatalf("enrolment %s", body)
	}
	resp, body = ashaC.do(http.MethodPost, "/enrollment/face-template", strings.NewReader(enrollBody(link.LinkID, embA)), "Content-Type", json200)
	if code, _ := errorAnswer(t, body); resp.StatusCode != http.StatusConflict || code != "link_used" {
		t.Fatalf("replayed enrolment: %d %s", resp.StatusCode, body)
	}

	match := func(subject, emb string) (bool, float64) {
		t.Helper()
		resp, body := admin.do(http.MethodPost, "/face/match", strings.NewReader(fmt.Sprintf(`{"subject_id":%q,"model":"mobilefacenet-192","embedding":%q}`, subject, emb)),
			"Content-Type", json200, "Authorization", bearer)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("match: %d %s", resp.StatusCode, body)
		}
		var m struct {
			Match bool    `json:"match"`
			Score float64 `json:"score"`
		}
		json.Unmarshal(body, &m)
		return m.Match, m.Score
	}
	_, same := embedding(r, faceA, 0.3, 192)
	if ok, score := match(asha, same); !ok || score < 0.8 {
		t.Fatalf("the same face: %v %v", ok, score)
	}
	_, other := embedding(r, nil, 1, 192)
	if ok, score := match(asha, other); ok || score > 0.4 {
		t.Fatalf("another face: %v %v", ok, score)
	}
	if resp, _ := newCitizen(t, base).do(http.MethodPost, "/face/match", strings.NewReader(`{}`), "Content-Type", json200); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("match without the admin token: %d", resp.StatusCode)
	}

	// Rohan's record (Rohan Iyer) and his e-Aadhaar agree: a link, then
	// an enrolment of (nearly) Asha's face is flagged.
	resp, body = rohanC.do(http.MethodPost, "/enrollment/link", nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("rohan's link: %d %s", resp.StatusCode, body)
	}
	var rl struct {
		LinkID string `json:"link_id"`
	}
	json.Unmarshal(body, &rl)
	_, dupe := embedding(r, faceA, 0.1, 192)
	if resp, body := rohanC.do(http.MethodPost, "/enrollment/face-template", strings.NewReader(enrollBody(rl.LinkID, dupe)), "Content-Type", json200); resp.StatusCode != http.StatusCreated {
		t.Fatalf("rohan's enrolment: %d %s", resp.StatusCode, body)
	}
	resp, body = admin.do(http.MethodGet, "/admin/face/duplicates", nil, "Authorization", bearer)
	var ds struct {
		Duplicates []struct {
			SubjectID      string  `json:"subject_id"`
			OtherSubjectID string  `json:"other_subject_id"`
			Score          float64 `json:"score"`
		} `json:"duplicates"`
	}
	json.Unmarshal(body, &ds)
	rohanID := rohanC.subjectID()
	if resp.StatusCode != http.StatusOK || len(ds.Duplicates) != 1 || ds.Duplicates[0].SubjectID != rohanID || ds.Duplicates[0].OtherSubjectID != asha || ds.Duplicates[0].Score < 0.8 {
		t.Fatalf("duplicates: %d %s", resp.StatusCode, body)
	}

	// The record says Asha is enrolled.
	if cl := ashaC.claims(); cl["face.enrolled"].Value != true || cl["face.model"].Value != "mobilefacenet-192" || cl["face.enrolled"].Source != "face_enrollment" {
		t.Fatalf("record: %+v", cl["face.enrolled"])
	}

	// "Add to wallet" now offers the face-enrollment credential too, the
	// e-Aadhaar photo as its portrait.
	offerLink, confs := ashaC.offer()
	if !contains(confs, "face_enrollment_sd_jwt") {
		t.Fatalf("offered %v", confs)
	}
	got := receive(t, offerLink, filepath.Join(dataDir, "iaca.pem"))
	fc := disclosed(t, got["face_enrollment_sd_jwt"].File)
	if fc["face_enrolled"] != true || fc["face_model"] != "mobilefacenet-192" || fc["name"] != "Asha Verma" || fc["portrait"] != link.Photo {
		t.Fatalf("face credential claims: enrolled %v model %v name %v portrait %v", fc["face_enrolled"], fc["face_model"], fc["name"], fc["portrait"] != nil)
	}

	// Erasure: no template left, ciphertext included; a tombstone.
	resp, body = admin.do(http.MethodDelete, "/admin/face/templates/"+asha, nil, "Authorization", bearer)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"erased":1`) {
		t.Fatalf("erase: %d %s", resp.StatusCode, body)
	}
	dump, counts := dbDump(t, dataDir, "")
	if counts["face_templates"] != 1 {
		t.Fatalf("%d templates left, want Rohan's only", counts["face_templates"])
	}
	if !strings.Contains(string(dump), "face.templates_erased") {
		t.Fatal("no audit tombstone")
	}
	resp, body = admin.do(http.MethodPost, "/face/match", strings.NewReader(fmt.Sprintf(`{"subject_id":%q,"model":"mobilefacenet-192","embedding":%q}`, asha, same)),
		"Content-Type", json200, "Authorization", bearer)
	if code, _ := errorAnswer(t, body); resp.StatusCode != http.StatusNotFound || code != "no_template" {
		t.Fatalf("match after erasure: %d %s", resp.StatusCode, body)
	}
	// The photo handed back is in no row.
	if strings.Contains(string(dump), link.Photo[:60]) || strings.Contains(string(dump), string(photo[20:80])) {
		t.Fatal("the e-KYC photo is stored")
	}
}

// TestFaceEnrollmentFromOfflineEKYC: the link comes from an offline e-KYC
// package the signed-in citizen uploads; another citizen uploading the
// same resident's package is refused (the Aadhaar is linked elsewhere).
func TestFaceEnrollmentFromOfflineEKYC(t *testing.T) {
	base, _ := startServe(t)
	ashaC := newCitizen(t, base)
	ashaC.signIn("login", asha.DigiLockerID)
	resp, pkg := ashaC.do(http.MethodGet, "/sandbox/ekyc/offline.zip?resident=asha&share_code=5678", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sample package: %d", resp.StatusCode)
	}
	upload := func(c *citizen, code string) (*http.Response, []byte) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		fw, _ := w.CreateFormFile("zip", "offlineaadhaar.zip")
		fw.Write(pkg)
		w.WriteField("share_code", code)
		w.Close()
		return c.do(http.MethodPost, "/enrollment/link/ekyc", &b, "Content-Type", w.FormDataContentType())
	}
	if resp, body := upload(ashaC, "0000"); resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"wrong_share_code"`) {
		t.Fatalf("wrong share code: %d %s", resp.StatusCode, body)
	}
	resp, body := upload(ashaC, "5678")
	var link struct {
		LinkID    string `json:"link_id"`
		Source    string `json:"source"`
		NameMatch bool   `json:"name_match"`
		DOBMatch  bool   `json:"dob_match"`
	}
	json.Unmarshal(body, &link)
	if resp.StatusCode != http.StatusCreated || link.Source != "ekyc_offline" || !link.NameMatch || !link.DOBMatch {
		t.Fatalf("link from e-KYC: %d %s", resp.StatusCode, body)
	}
	_, emb := embedding(rand.New(rand.NewPCG(1, 1)), nil, 1, 192)
	resp, body = ashaC.do(http.MethodPost, "/enrollment/face-template", strings.NewReader(enrollBody(link.LinkID, emb)), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusCreated || !strings.Contains(string(body), `"source":"ekyc_offline"`) {
		t.Fatalf("enrolment: %d %s", resp.StatusCode, body)
	}
	rohanC := newCitizen(t, base)
	rohanC.signIn("login", rohan.DigiLockerID)
	if resp, body := upload(rohanC, "5678"); resp.StatusCode != http.StatusConflict || !strings.Contains(string(body), `"aadhaar_linked_elsewhere"`) {
		t.Fatalf("another citizen with Asha's package: %d %s", resp.StatusCode, body)
	}
	if resp, body := newCitizen(t, base).do(http.MethodPost, "/enrollment/link", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("link without a session: %d %s", resp.StatusCode, body)
	}
}

// TestFaceLinkExpires: a link older than face.link_ttl (15 minutes) is
// refused with 403 link_expired, and kept (a fresh one works).
func TestFaceLinkExpires(t *testing.T) {
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	base, _ := startServeAt(t, clk.now)
	c := newCitizen(t, base)
	c.signIn("documents", asha.DigiLockerID)
	newLink := func() string {
		t.Helper()
		resp, body := c.do(http.MethodPost, "/enrollment/link", nil)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("link: %d %s", resp.StatusCode, body)
		}
		var l struct {
			LinkID string `json:"link_id"`
		}
		json.Unmarshal(body, &l)
		return l.LinkID
	}
	old := newLink()
	clk.add(16 * time.Minute)
	_, emb := embedding(rand.New(rand.NewPCG(2, 2)), nil, 1, 192)
	resp, body := c.do(http.MethodPost, "/enrollment/face-template", strings.NewReader(enrollBody(old, emb)), "Content-Type", "application/json")
	if code, _ := errorAnswer(t, body); resp.StatusCode != http.StatusForbidden || code != "link_expired" {
		t.Fatalf("expired link: %d %s", resp.StatusCode, body)
	}
	resp, body = c.do(http.MethodPost, "/enrollment/face-template", strings.NewReader(enrollBody(newLink(), emb)), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("fresh link: %d %s", resp.StatusCode, body)
	}
	// NaN is refused with the exact answer.
	nan := make([]float32, 192)
	nan[0] = float32(math.NaN())
	resp, body = c.do(http.MethodPost, "/enrollment/face-template", strings.NewReader(enrollBody(newLink(), base64.StdEncoding.EncodeToString(face.EncodeEmbedding(nan)))), "Content-Type", "application/json")
	if code, _ := errorAnswer(t, body); resp.StatusCode != http.StatusBadRequest || code != "invalid_embedding" {
		t.Fatalf("NaN: %d %s", resp.StatusCode, body)
	}
}
