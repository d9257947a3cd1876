package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"github.com/pramaan/pramaan/identity/ekyc/ekyctest"
	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/internal/server"
	"github.com/pramaan/pramaan/wallet"
)

// ekycFixture is a test CA standing in for UIDAI with a pinned signer, a
// pinned signer whose certificate has expired and an unpinned one, and a
// resident with distinctive values to look for in the database and logs.
type ekycFixture struct {
	signer, expired, other *ekyctest.Signer
	person                 ekyctest.Person
	cfgFile                string
}

func newEKYCFixture(t *testing.T) *ekycFixture {
	t.Helper()
	now := time.Now()
	ca, err := ekyctest.NewCAWithKey(now, ekyctest.TestKey(0))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ca.IssueWithKey(2, now.AddDate(-1, 0, 0), now.AddDate(2, 0, 0), ekyctest.TestKey(1))
	if err != nil {
		t.Fatal(err)
	}
	expired, err := ca.IssueWithKey(3, now.AddDate(-3, 0, 0), now.AddDate(0, 0, -10), ekyctest.TestKey(2))
	if err != nil {
		t.Fatal(err)
	}
	other, err := ca.IssueWithKey(4, now.AddDate(-1, 0, 0), now.AddDate(2, 0, 0), ekyctest.TestKey(3))
	if err != nil {
		t.Fatal(err)
	}
	p := ekyctest.DefaultPerson()
	p.Name, p.DOB, p.Gender, p.Last4 = "Kavya Offlinetest Rao", "23-06-1991", "F", "5093"
	p.Mobile, p.Email, p.ShareCode = "9812345670", "kavya.offlinetest@example.test", "Qx7share"
	p.CareOf, p.House, p.Street, p.Landmark = "D/O: Parentname Offlinetest", "42B", "Distinctstreet Marg", "Near Uniquelandmark"
	p.Loc, p.VTC, p.Dist, p.State, p.PC = "Offlinetest Nagar", "Vtcuniqueville", "Uniquedistrict", "Karnataka", "731245"
	p.Photo = append(append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, []byte("PHOTO-BYTES-THAT-MUST-NEVER-BE-STORED-0123456789")...), 0xFF, 0xD9)
	dir := t.TempDir()
	var pins []string
	for name, s := range map[string]*ekyctest.Signer{"signer.pem": signer, "expired.cer": expired} {
		f := filepath.Join(dir, name)
		data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Cert.Raw})
		if strings.HasSuffix(name, ".cer") {
			data = s.Cert.Raw // UIDAI publishes DER
		}
		if err := os.WriteFile(f, data, 0o600); err != nil {
			t.Fatal(err)
		}
		pins = append(pins, f)
	}
	sort.Strings(pins)
	cfg := fmt.Sprintf("ekyc:\n  mode: sandbox\n  pinned: [%s]\n", strings.Join(pins, ", "))
	file := filepath.Join(dir, "pramaan.yaml")
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return &ekycFixture{signer: signer, expired: expired, other: other, person: p, cfgFile: file}
}

// doc is the resident's package XML made at made, signed by s, the body
// edited first when edit is set.
func (f *ekycFixture) doc(t *testing.T, s *ekyctest.Signer, made time.Time, how ekyctest.Signing, edit func(string) string) []byte {
	t.Helper()
	body := ekyctest.Body(f.person, ekyctest.ReferenceID(f.person.Last4, made))
	if edit != nil {
		body = edit(body)
	}
	d, err := ekyctest.Sign(body, s, how)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *ekycFixture) zip(t *testing.T, doc []byte, o ekyctest.ZipOptions) []byte {
	t.Helper()
	z, err := ekyctest.WriteZip(doc, f.person.ShareCode, o)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func (f *ekycFixture) qr(t *testing.T, s *ekyctest.Signer, made time.Time) (payload string, data []byte) {
	t.Helper()
	data = ekyctest.QRSigned(f.person, ekyctest.ReferenceID(f.person.Last4, made), ekyctest.JPEG2000Stub())
	q, err := ekyctest.QR(data, s)
	if err != nil {
		t.Fatal(err)
	}
	return q, data
}

// needles are the resident's values that must appear nowhere but in the
// credentials: the database and the log are searched for each, as text
// and as hex (Postgres prints bytea in hex).
func (f *ekycFixture) needles() map[string]string {
	p := f.person
	n := map[string]string{
		"name": p.Name, "name upper-cased": strings.ToUpper(p.Name), "birth date": p.DOB, "birth date ISO": "1991-06-23",
		"care of": "Parentname Offlinetest", "street": p.Street, "landmark": "Uniquelandmark", "locality": p.Loc, "vtc": p.VTC,
		"district": p.Dist, "pincode": p.PC, "mobile": p.Mobile, "e-mail": p.Email, "share code": p.ShareCode,
		"mobile hash": ekyctest.SaltedHash(p.Mobile, p.ShareCode, p.Last4), "photo": "PHOTO-BYTES-THAT-MUST-NEVER",
		"photo base64": base64.StdEncoding.EncodeToString(p.Photo)[:40],
	}
	return n
}

// findNeedles returns the names of the needles found in hay.
func findNeedles(hay []byte, needles map[string]string) []string {
	var found []string
	lower := bytes.ToLower(hay)
	for what, v := range needles {
		if bytes.Contains(lower, bytes.ToLower([]byte(v))) || bytes.Contains(lower, []byte(hex.EncodeToString([]byte(v)))) {
			found = append(found, what)
		}
	}
	sort.Strings(found)
	return found
}

// dbDump returns every row of every table as bytes, the raw database files
// too for SQLite (deleted rows can linger in pages), and the row counts.
func dbDump(t *testing.T, dataDir, dbURL string) ([]byte, map[string]int) {
	t.Helper()
	var out bytes.Buffer
	counts := map[string]int{}
	ctx := context.Background()
	if dbURL == "" {
		path := filepath.Join(dataDir, server.DatabaseFile)
		for _, suffix := range []string{"", "-wal", "-journal"} {
			if b, err := os.ReadFile(path + suffix); err == nil {
				out.Write(b)
			}
		}
		db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'`)
		if err != nil {
			t.Fatal(err)
		}
		var tables []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			tables = append(tables, n)
		}
		rows.Close()
		for _, table := range tables {
			rows, err := db.QueryContext(ctx, `SELECT * FROM "`+table+`"`)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				counts[table]++
				for _, v := range vals {
					if b, ok := v.([]byte); ok {
						out.Write(b)
					} else {
						fmt.Fprint(&out, v)
					}
					out.WriteByte('|')
				}
			}
			rows.Close()
		}
		return out.Bytes(), counts
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		rows, err := conn.Query(ctx, `SELECT t::text FROM "`+table+`" t`)
		if err != nil {
			t.Fatal(err)
		}
		texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		counts[table] = len(texts)
		for _, s := range texts {
			out.WriteString(s)
			out.WriteByte('\n')
		}
	}
	return out.Bytes(), counts
}

// openRecord opens the verified-claims record of a running instance with
// its data key, as an operator's tool would.
func openRecord(t *testing.T, dataDir, dbURL string) *server.Record {
	t.Helper()
	ks, _, err := keys.Open(dataDir, keys.Options{Now: time.Now, LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := server.OpenStore(context.Background(), dbURL, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	rec, err := server.NewRecord(ks, st, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// upload posts a package to /ekyc/offline.
func upload(t *testing.T, base string, zip []byte, fields ...string) (int, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if zip != nil {
		fw, err := w.CreateFormFile("zip", "offlineaadhaar.zip")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(zip)
	}
	for i := 0; i+1 < len(fields); i += 2 {
		w.WriteField(fields[i], fields[i+1])
	}
	w.Close()
	return post(t, base+"/ekyc/offline", w.FormDataContentType(), b.Bytes())
}

func postQR(t *testing.T, base, payload string) (int, []byte) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"qr": payload})
	return post(t, base+"/ekyc/qr", "application/json", body)
}

func post(t *testing.T, u, contentType string, body []byte) (int, []byte) {
	t.Helper()
	resp, err := http.Post(u, contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s: Cache-Control %q, want no-store", u, cc)
	}
	return resp.StatusCode, b
}

type ekycAnswer struct {
	SubjectID string `json:"subject_id"`
	Source    string `json:"source"`
	Verified  struct {
		Last4  string `json:"aadhaar_last4"`
		Result bool   `json:"result"`
	} `json:"verified"`
	MobileMatch *bool `json:"mobile_match"`
	EmailMatch  *bool `json:"email_match"`
	Offer       struct {
		OfferID        string   `json:"offer_id"`
		Link           string   `json:"link"`
		Configurations []string `json:"configurations"`
	} `json:"offer"`
}

// disclosed returns the SD-JWT VC's disclosed claim values by name.
func disclosed(t *testing.T, file string) map[string]any {
	t.Helper()
	sc, err := wallet.LoadCredential(file)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	parts := strings.Split(sc.Credential, "~")
	for _, d := range parts[1:] {
		if d == "" {
			continue
		}
		raw, err := base64.RawURLEncoding.DecodeString(d)
		if err != nil {
			t.Fatal(err)
		}
		var arr []any
		if err := json.Unmarshal(raw, &arr); err != nil {
			t.Fatal(err)
		}
		if len(arr) == 3 {
			out[arr[1].(string)] = arr[2]
		}
	}
	return out
}

// TestEKYCOfflineAndQRToWallet is the Done-when journey on SQLite and
// Postgres: an offline e-KYC package uploaded with its share code is
// verified against the pinned certificate, the record gets the masked facts
// only, and pramaan wallet receive gets the Aadhaar SD-JWT VC and mdoc with
// the verified claims; the offer's sealed claims are emptied once issued.
// Then a Secure QR of the same resident reaches the same subject. At every
// step, nothing of the resident but the masked facts is in the database
// (rows and SQLite's raw files) or in the log.
func TestEKYCOfflineAndQRToWallet(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			f := newEKYCFixture(t)
			args := []string{"--config", f.cfgFile}
			var dbURL string
			if backend == "postgres" {
				dbURL = postgresSchema(t)
				args = append(args, "--database-url", dbURL)
			}
			base, dataDir, log := startServeLogged(t, nil, args...)
			iaca := filepath.Join(dataDir, "iaca.pem")
			needles := f.needles()
			clean := func(when string) {
				t.Helper()
				dump, _ := dbDump(t, dataDir, dbURL)
				if found := findNeedles(dump, needles); len(found) > 0 {
					t.Fatalf("%s: the database holds the resident's %v", when, found)
				}
				if found := findNeedles([]byte(log.String()), needles); len(found) > 0 {
					t.Fatalf("%s: the log holds the resident's %v", when, found)
				}
			}

			z := f.zip(t, f.doc(t, f.signer, time.Now().Add(-time.Hour), ekyctest.Signing{}, nil), ekyctest.ZipOptions{})
			status, body := upload(t, base, z, "share_code", f.person.ShareCode, "mobile", f.person.Mobile, "email", "someone.else@example.test")
			if status != http.StatusCreated {
				t.Fatalf("upload: %d %s", status, body)
			}
			var a ekycAnswer
			if err := json.Unmarshal(body, &a); err != nil {
				t.Fatal(err)
			}
			if a.Source != "ekyc_offline" || a.Verified.Last4 != "5093" || !a.Verified.Result || a.MobileMatch == nil || !*a.MobileMatch ||
				a.EmailMatch == nil || *a.EmailMatch || strings.Join(a.Offer.Configurations, ",") != "aadhaar_mdoc,aadhaar_sd_jwt" {
				t.Fatalf("unexpected answer %s", body)
			}
			clean("after verification")

			// The record holds exactly the masked facts, from ekyc_offline.
			dump, counts := dbDump(t, dataDir, dbURL)
			if counts["claims"] != 5 || counts["subjects"] != 1 {
				t.Fatalf("claims %d, subjects %d; want 5 masked claims of 1 subject", counts["claims"], counts["subjects"])
			}
			for _, name := range []string{"aadhaar_last4", "ekyc.name_hash", "ekyc.verified", "ekyc.verified_at", "ekyc.signer_sha256"} {
				if !bytes.Contains(dump, []byte(name)) {
					t.Fatalf("the record lacks %s", name)
				}
			}
			// Opened with the data key, the record's values are the masked
			// facts and nothing else.
			rec := openRecord(t, dataDir, dbURL)
			got0, err := rec.Claims.Claims(context.Background(), a.SubjectID)
			if err != nil {
				t.Fatal(err)
			}
			values := map[string]any{}
			for _, c := range got0 {
				if c.Source != "ekyc_offline" || !c.Verified {
					t.Fatalf("claim %s from %s, verified %v", c.Name, c.Source, c.Verified)
				}
				values[c.Name] = c.Value
			}
			fp := sha256.Sum256(f.signer.Cert.Raw)
			unkeyed := sha256.Sum256([]byte(strings.ToUpper(f.person.Name)))
			if nh, _ := values["ekyc.name_hash"].(string); len(values) != 5 || values["aadhaar_last4"] != "5093" || values["ekyc.verified"] != true ||
				values["ekyc.signer_sha256"] != hex.EncodeToString(fp[:]) || len(nh) != 64 || nh == hex.EncodeToString(unkeyed[:]) {
				t.Fatalf("record values %v", values)
			}
			if _, err := time.Parse(time.RFC3339, values["ekyc.verified_at"].(string)); err != nil {
				t.Fatalf("verified_at: %v", err)
			}

			got := receive(t, a.Offer.Link, iaca)
			sd, md := got["aadhaar_sd_jwt"], got["aadhaar_mdoc"]
			if sd.File == "" || md.File == "" {
				t.Fatalf("received %v", got)
			}
			claims := disclosed(t, sd.File)
			if claims["name"] != f.person.Name || claims["birth_date"] != "1991-06-23" || claims["aadhaar_last4"] != "5093" ||
				claims["pincode"] != f.person.PC || claims["street"] != f.person.Street || claims["city"] != f.person.VTC ||
				claims["portrait"] != base64.StdEncoding.EncodeToString(f.person.Photo) {
				t.Fatalf("SD-JWT VC claims %v", claims)
			}
			for _, c := range []string{"address.pincode", "address.street", "portrait", "name", "birth_date", "aadhaar_last4"} {
				if !contains(md.Claims, "in.gov.uidai.aadhaar.1."+c) {
					t.Errorf("mdoc lacks %s: %v", c, md.Claims)
				}
			}
			clean("after issuance")
			// The sealed claims of the offer are gone: the offer row's claims are empty.
			var sealed int
			if dbURL == "" {
				db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, server.DatabaseFile)+"?mode=ro")
				if err != nil {
					t.Fatal(err)
				}
				err = db.QueryRow(`SELECT length(claims) FROM offers WHERE id = ?`, a.Offer.OfferID).Scan(&sealed)
				db.Close()
				if err != nil {
					t.Fatal(err)
				}
			} else {
				conn, err := pgx.Connect(context.Background(), dbURL)
				if err != nil {
					t.Fatal(err)
				}
				err = conn.QueryRow(context.Background(), `SELECT length(claims) FROM offers WHERE id = $1`, a.Offer.OfferID).Scan(&sealed)
				conn.Close(context.Background())
				if err != nil {
					t.Fatal(err)
				}
			}
			if sealed != 0 {
				t.Fatalf("the offer still holds %d bytes of sealed claims after issuance", sealed)
			}

			// A Secure QR of the same resident: same subject, no portrait
			// (the QR's photo is JPEG 2000).
			q, _ := f.qr(t, f.signer, time.Now().Add(-time.Minute))
			status, body = postQR(t, base, q)
			if status != http.StatusCreated {
				t.Fatalf("qr: %d %s", status, body)
			}
			var qa ekycAnswer
			if err := json.Unmarshal(body, &qa); err != nil {
				t.Fatal(err)
			}
			if qa.Source != "ekyc_qr" || qa.SubjectID != a.SubjectID {
				t.Fatalf("QR answer %s, want source ekyc_qr and subject %s", body, a.SubjectID)
			}
			got = receive(t, qa.Offer.Link, iaca)
			qclaims := disclosed(t, got["aadhaar_sd_jwt"].File)
			if qclaims["name"] != f.person.Name || qclaims["portrait"] != nil {
				t.Fatalf("QR SD-JWT VC claims %v", qclaims)
			}
			clean("after the QR")
		})
	}
}

// TestEKYCRefusals: each bad input has its exact answer, stores nothing
// (no subject, claim, offer or audit event), and the log holds none of the
// resident's data.
func TestEKYCRefusals(t *testing.T) {
	f := newEKYCFixture(t)
	base, dataDir, log := startServeLogged(t, nil, "--config", f.cfgFile)
	now := time.Now()
	good := f.doc(t, f.signer, now.Add(-time.Hour), ekyctest.Signing{}, nil)
	s := string(good)
	uid := s[strings.Index(s, "<UidData>") : strings.Index(s, "</UidData>")+len("</UidData>")]
	forged := strings.Replace(uid, f.person.Name, "Mallory Forged", 1)
	bomb := strings.Replace(s, "</OfflinePaperlessKyc>", strings.Repeat(" ", 900<<10)+"</OfflinePaperlessKyc>", 1)
	qrGood, qrData := f.qr(t, f.signer, now.Add(-time.Minute))
	qrTampered, err := ekyctest.QRWithSignature(bytes.Replace(qrData, []byte("Kavya"), []byte("Kavyb"), 1), qrData, f.signer)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := new(big.Int).SetString(qrGood, 10)
	qrTruncated := new(big.Int).SetBytes(n.Bytes()[:len(n.Bytes())-40]).String()
	code := f.person.ShareCode

	for _, tc := range []struct {
		name   string
		send   func() (int, []byte)
		status int
		code   string
	}{
		{"wrong share code", func() (int, []byte) {
			return upload(t, base, f.zip(t, good, ekyctest.ZipOptions{}), "share_code", "0000")
		}, 400, "wrong_share_code"},
		{"not a ZIP", func() (int, []byte) { return upload(t, base, good, "share_code", code) }, 400, "invalid_package"},
		{"ZIP bomb", func() (int, []byte) {
			return upload(t, base, f.zip(t, []byte(bomb), ekyctest.ZipOptions{}), "share_code", code)
		}, 400, "invalid_package"},
		{"several entries", func() (int, []byte) {
			return upload(t, base, f.zip(t, good, ekyctest.ZipOptions{Extra: map[string][]byte{"b.xml": []byte("<a/>")}}), "share_code", code)
		}, 400, "invalid_package"},
		{"AES entry", func() (int, []byte) {
			return upload(t, base, f.zip(t, good, ekyctest.ZipOptions{AES: true}), "share_code", code)
		}, 400, "invalid_package"},
		{"tampered XML", func() (int, []byte) {
			return upload(t, base, f.zip(t, []byte(strings.Replace(s, f.person.PC, "731246", 1)), ekyctest.ZipOptions{}), "share_code", code)
		}, 422, "signature_invalid"},
		{"signed element moved into a wrapper", func() (int, []byte) {
			return upload(t, base, f.zip(t, []byte(strings.Replace(s, uid, "<Wrapper>"+uid+"</Wrapper>"+forged, 1)), ekyctest.ZipOptions{}), "share_code", code)
		}, 422, "signature_invalid"},
		{"signed element duplicated", func() (int, []byte) {
			return upload(t, base, f.zip(t, []byte(strings.Replace(s, uid, uid+forged, 1)), ekyctest.ZipOptions{}), "share_code", code)
		}, 422, "signature_invalid"},
		{"signature by an unpinned certificate", func() (int, []byte) {
			return upload(t, base, f.zip(t, f.doc(t, f.other, now.Add(-time.Hour), ekyctest.Signing{}, nil), ekyctest.ZipOptions{}), "share_code", code)
		}, 422, "signer_not_pinned"},
		{"expired pinned certificate", func() (int, []byte) {
			return upload(t, base, f.zip(t, f.doc(t, f.expired, now.Add(-time.Hour), ekyctest.Signing{}, nil), ekyctest.ZipOptions{}), "share_code", code)
		}, 422, "certificate_not_valid"},
		{"stale referenceId", func() (int, []byte) {
			return upload(t, base, f.zip(t, f.doc(t, f.signer, now.Add(-73*time.Hour), ekyctest.Signing{}, nil), ekyctest.ZipOptions{}), "share_code", code)
		}, 422, "ekyc_stale"},
		{"XML with a DTD", func() (int, []byte) {
			dtd := strings.Replace(s, "<OfflinePaperlessKyc", "<!DOCTYPE OfflinePaperlessKyc [<!ENTITY x \"y\">]>\n<OfflinePaperlessKyc", 1)
			return upload(t, base, f.zip(t, []byte(dtd), ekyctest.ZipOptions{}), "share_code", code)
		}, 400, "invalid_document"},
		{"package over the size limit", func() (int, []byte) {
			return upload(t, base, bytes.Repeat([]byte("P"), 1<<20+1), "share_code", code)
		}, 413, "invalid_package"},
		{"missing share code", func() (int, []byte) { return upload(t, base, f.zip(t, good, ekyctest.ZipOptions{})) }, 400, "invalid_request"},
		{"missing package", func() (int, []byte) { return upload(t, base, nil, "share_code", code) }, 400, "invalid_request"},
		{"unknown field", func() (int, []byte) {
			return upload(t, base, f.zip(t, good, ekyctest.ZipOptions{}), "share_code", code, "aadhaar", "123412341234")
		}, 400, "invalid_request"},
		{"not multipart", func() (int, []byte) { return post(t, base+"/ekyc/offline", "application/zip", good) }, 415, "invalid_request"},
		{"mobile the package does not carry", func() (int, []byte) {
			p := f.person
			f2 := *f
			f2.person.Mobile = ""
			z := f2.zip(t, f2.doc(t, f.signer, now.Add(-time.Hour), ekyctest.Signing{}, nil), ekyctest.ZipOptions{})
			return upload(t, base, z, "share_code", code, "mobile", p.Mobile)
		}, 422, "mobile_not_shared"},
		{"QR with a bad signature", func() (int, []byte) { return postQR(t, base, qrTampered) }, 422, "signature_invalid"},
		{"QR truncated", func() (int, []byte) { return postQR(t, base, qrTruncated) }, 400, "invalid_qr"},
		{"QR of an unpinned signer", func() (int, []byte) { q, _ := f.qr(t, f.other, now); return postQR(t, base, q) }, 422, "signature_invalid"},
		{"stale QR", func() (int, []byte) { q, _ := f.qr(t, f.signer, now.Add(-80*time.Hour)); return postQR(t, base, q) }, 422, "ekyc_stale"},
		{"QR not JSON", func() (int, []byte) { return post(t, base+"/ekyc/qr", "application/json", []byte(`{"qr": 12}`)) }, 400, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, before := dbDump(t, dataDir, "")
			status, body := tc.send()
			var e struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("%d %s", status, body)
			}
			if status != tc.status || e.Error != tc.code {
				t.Fatalf("got %d %s, want %d %s", status, body, tc.status, tc.code)
			}
			if found := findNeedles(body, f.needles()); len(found) > 0 {
				t.Fatalf("the answer holds the resident's %v", found)
			}
			_, after := dbDump(t, dataDir, "")
			for _, table := range []string{"subjects", "claims", "offers", "audit_events"} {
				if before[table] != after[table] {
					t.Fatalf("%s: %d rows before, %d after", table, before[table], after[table])
				}
			}
		})
	}
	dump, _ := dbDump(t, dataDir, "")
	if found := findNeedles(dump, f.needles()); len(found) > 0 {
		t.Fatalf("the database holds the resident's %v", found)
	}
	if found := findNeedles([]byte(log.String()), f.needles()); len(found) > 0 {
		t.Fatalf("the log holds the resident's %v", found)
	}
	if !strings.Contains(log.String(), `"route":"/ekyc/offline","status":422`) {
		t.Fatal("the refusals were not logged at all; the log check above would prove nothing")
	}
}
