package sandbox

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/pramaan/pramaan/identity/ekyc/ekyctest"
)

// Files of the signer in the sandbox directory.
const (
	CertFile = "signer.pem"
	KeyFile  = "signer.key"
)

// DefaultShareCode is the share code of a sample package when the request
// names none.
const DefaultShareCode = "1234"

// Sandbox signs synthetic residents' packages.
type Sandbox struct {
	signer    *ekyctest.Signer
	now       func() time.Time
	residents map[string]ekyctest.Person
}

// Open loads the signer kept in dir, or creates it there (dir is made
// 0700, the key written 0600).
func Open(dir string, now func() time.Time) (*Sandbox, error) {
	if now == nil {
		return nil, errors.New("ekyc sandbox: a clock is required")
	}
	s, err := load(dir)
	if errors.Is(err, fs.ErrNotExist) {
		s, err = create(dir, now())
	}
	if err != nil {
		return nil, fmt.Errorf("ekyc sandbox: %w", err)
	}
	rs, err := residents()
	if err != nil {
		return nil, fmt.Errorf("ekyc sandbox: %w", err)
	}
	return &Sandbox{signer: s, now: now, residents: rs}, nil
}

func load(dir string) (*ekyctest.Signer, error) {
	certPEM, err := os.ReadFile(filepath.Join(dir, CertFile))
	if err != nil {
		return nil, err
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, KeyFile))
	if err != nil {
		return nil, err
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, fmt.Errorf("%s or %s is not PEM", CertFile, KeyFile)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", CertFile, err)
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", KeyFile, err)
	}
	key, ok := k.(*rsa.PrivateKey)
	if !ok || !key.PublicKey.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("%s does not hold the key of %s", KeyFile, CertFile)
	}
	return &ekyctest.Signer{Cert: cert, Key: key}, nil
}

func create(dir string, now time.Time) (*ekyctest.Signer, error) {
	ca, err := ekyctest.NewCA(now)
	if err != nil {
		return nil, err
	}
	s, err := ca.Issue(2, now.AddDate(0, 0, -1), now.AddDate(10, 0, 0))
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(s.Key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, KeyFile), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, CertFile), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Cert.Raw}), 0o644); err != nil {
		return nil, err
	}
	return s, nil
}

// Cert is the sandbox signer's certificate, to pin.
func (s *Sandbox) Cert() *x509.Certificate { return s.signer.Cert }

// Residents lists the synthetic residents' ids.
func (s *Sandbox) Residents() []string {
	ids := make([]string, 0, len(s.residents))
	for id := range s.residents {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Resident returns a synthetic resident.
func (s *Sandbox) Resident(id string) (ekyctest.Person, bool) {
	p, ok := s.residents[id]
	return p, ok
}

// Package is resident's offline e-KYC package made now, encrypted under
// shareCode, as UIDAI signs it (inclusive C14N, rsa-sha1, SHA-256 digest,
// KeyInfo). The mobile and e-mail hashes use shareCode.
func (s *Sandbox) Package(resident, shareCode string) (name string, zip []byte, err error) {
	p, ok := s.residents[resident]
	if !ok {
		return "", nil, fmt.Errorf("ekyc sandbox: no resident %.40q", resident)
	}
	if shareCode == "" {
		return "", nil, errors.New("ekyc sandbox: a share code is required")
	}
	p.ShareCode = shareCode
	at := s.now()
	doc, err := ekyctest.Sign(ekyctest.Body(p, ekyctest.ReferenceID(p.Last4, at)), s.signer, ekyctest.Signing{})
	if err != nil {
		return "", nil, err
	}
	ist := at.In(time.FixedZone("IST", 5*3600+1800))
	stamp := ist.Format("20060102150405") + ist.Format(".000")[1:]
	zip, err = ekyctest.WriteZip(doc, shareCode, ekyctest.ZipOptions{Name: "offlineaadhaar" + stamp + ".xml", Modified: at})
	if err != nil {
		return "", nil, err
	}
	return "offlineaadhaar" + stamp + ".zip", zip, nil
}

// QR is resident's Secure QR (V2) payload made now: the decimal string a
// QR reader returns.
func (s *Sandbox) QR(resident string) (string, error) {
	p, ok := s.residents[resident]
	if !ok {
		return "", fmt.Errorf("ekyc sandbox: no resident %.40q", resident)
	}
	return ekyctest.QR(ekyctest.QRSigned(p, ekyctest.ReferenceID(p.Last4, s.now()), ekyctest.JPEG2000Stub()), s.signer)
}

// Handler serves, relative to where it is mounted:
//
//	GET /offline.zip?resident=ID&share_code=C  a package (share code 1234 when absent)
//	GET /qr?resident=ID                         {"qr": "<decimal payload>"}
//	GET /signer.pem                             the certificate to pin
//	GET /residents                              the residents' ids
func (s *Sandbox) Handler() http.Handler {
	mux := http.NewServeMux()
	resident := func(r *http.Request) string {
		if id := r.URL.Query().Get("resident"); id != "" {
			return id
		}
		return "asha"
	}
	fail := func(w http.ResponseWriter, status int, code, desc string) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
	}
	mux.HandleFunc("GET /offline.zip", func(w http.ResponseWriter, r *http.Request) {
		code := r.URL.Query().Get("share_code")
		if code == "" {
			code = DefaultShareCode
		}
		if len(code) > 32 {
			fail(w, http.StatusBadRequest, "invalid_request", "share_code is over 32 characters")
			return
		}
		name, z, err := s.Package(resident(r), code)
		if err != nil {
			fail(w, http.StatusNotFound, "unknown_resident", "no such sandbox resident; see /residents")
			return
		}
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(z)
	})
	mux.HandleFunc("GET /qr", func(w http.ResponseWriter, r *http.Request) {
		q, err := s.QR(resident(r))
		if err != nil {
			fail(w, http.StatusNotFound, "unknown_resident", "no such sandbox resident; see /residents")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(map[string]string{"qr": q})
	})
	mux.HandleFunc("GET /signer.pem", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.signer.Cert.Raw}))
	})
	mux.HandleFunc("GET /residents", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string][]string{"residents": s.Residents()})
	})
	return mux
}

// residents are the synthetic residents: Asha Verma matches the DigiLocker
// sandbox's citizen of that name (name, birth date, gender).
func residents() (map[string]ekyctest.Person, error) {
	asha := ekyctest.DefaultPerson()
	asha.Name, asha.DOB, asha.Gender, asha.Last4 = "Asha Verma", "14-08-1994", "F", "4821"
	asha.Mobile, asha.Email = "9800000021", "asha.verma@example.test"
	asha.CareOf = "D/O: Sandbox Parent"
	var err error
	if asha.Photo, err = photo(color.RGBA{0x3c, 0x6e, 0xa8, 0xff}); err != nil {
		return nil, err
	}
	ravi := ekyctest.DefaultPerson()
	ravi.Name, ravi.DOB, ravi.Gender, ravi.Last4 = "Ravi Kumar", "02-01-1988", "M", "7310"
	ravi.Mobile, ravi.Email = "9800000042", ""
	ravi.CareOf, ravi.House, ravi.Street, ravi.Loc = "S/O: Sandbox Parent", "7", "Station Road", "Civil Lines"
	ravi.VTC, ravi.Dist, ravi.State, ravi.PC = "Prayagraj", "Prayagraj", "Uttar Pradesh", "211001"
	if ravi.Photo, err = photo(color.RGBA{0xa8, 0x6e, 0x3c, 0xff}); err != nil {
		return nil, err
	}
	return map[string]ekyctest.Person{"asha": asha, "ravi": ravi}, nil
}

// photo is a 160×200 JPEG of one colour with a lighter oval, the size of
// a UIDAI photo (§2.2).
func photo(c color.RGBA) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, 160, 200))
	for y := range 200 {
		for x := range 160 {
			dx, dy := float64(x-80)/50, float64(y-90)/65
			px := c
			if dx*dx+dy*dy < 1 {
				px = color.RGBA{0xe8, 0xc9, 0xa8, 0xff}
			}
			img.SetRGBA(x, y, px)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 70}); err != nil {
		return nil, fmt.Errorf("sample photo: %w", err)
	}
	return b.Bytes(), nil
}
