package testvectors

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/pramaan/pramaan/mdoc"
)

// annexDTime is the instant at which the ISO/IEC 18013-5 Annex D example is
// valid (its DS certificate runs 2020-10-01..2021-10-01).
var annexDTime = time.Date(2021, 9, 30, 0, 0, 0, 0, time.UTC)

func readHexFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return out, nil
}

func readPEMCerts(path string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return mdoc.ParseCertificatesPEM(b)
}

// wantErr checks that err wraps sentinel and, if given, names what.
func wantErr(err, sentinel error, what string) error {
	if !errors.Is(err, sentinel) {
		return fmt.Errorf("got %v, want %v", err, sentinel)
	}
	if !strings.Contains(err.Error(), what) {
		return fmt.Errorf("error %q does not name %q", err, what)
	}
	return nil
}

// annexDExpected is the part of expected_decoded.json the suite compares.
type annexDExpected struct {
	MSO struct {
		Version         string                       `json:"version"`
		DigestAlgorithm string                       `json:"digestAlgorithm"`
		ValueDigests    map[string]map[string]string `json:"valueDigests"`
		DeviceKeyInfo   struct {
			DeviceKey map[string]any `json:"deviceKey"`
		} `json:"deviceKeyInfo"`
		DocType      string            `json:"docType"`
		ValidityInfo map[string]string `json:"validityInfo"`
	} `json:"mso"`
	ProtectedHeader map[string]int64 `json:"issuerAuth_protected_header"`
	X5ChainSHA256   string           `json:"issuerAuth_unprotected_x5chain_sha256"`
	DisclosedItems  map[string][]struct {
		DigestID          uint64 `json:"digestID"`
		ElementIdentifier string `json:"elementIdentifier"`
		Digest            string `json:"sha256_of_tag24_item"`
		MSODigest         string `json:"mso_digest"`
	} `json:"disclosed_items"`
}

func runAnnexD(root string) []Case {
	dir := filepath.Join(root, "mdoc", "iso18013-5-annexD")
	var exp annexDExpected
	roots, err := readPEMCerts(filepath.Join(dir, "iaca_root_utopia_iaca.pem"))
	if err == nil {
		err = readJSON(filepath.Join(dir, "expected_decoded.json"), &exp)
	}
	var issuerSigned, resp, st []byte
	if err == nil {
		issuerSigned, err = readHexFile(filepath.Join(dir, "issuer_signed.hex"))
	}
	if err == nil {
		resp, err = readHexFile(filepath.Join(dir, "device_response.hex"))
	}
	if err == nil {
		st, err = readHexFile(filepath.Join(dir, "session_transcript_bytes.hex"))
	}
	var readerKey *ecdh.PrivateKey
	if err == nil {
		readerKey, err = annexDReaderKey(filepath.Join(dir, "keys.json"))
	}
	if err != nil {
		return []Case{caseErr("load Annex D vectors", err)}
	}
	then := &mdoc.Verifier{Roots: roots, At: annexDTime}
	now := &mdoc.Verifier{Roots: roots, At: time.Now()}

	doc, verr := then.VerifyIssuerSigned(issuerSigned)
	cases := []Case{caseErr("issuer_signed.hex: issuer signature, chain to iaca_root_utopia_iaca.pem and all digests valid at 2021-09-30", verr)}
	if doc == nil {
		doc = &mdoc.Document{MSO: &mdoc.MSO{}}
	}
	cases = append(cases,
		caseErr("issuer_signed.hex: MSO fields equal expected_decoded.json", compareAnnexDMSO(doc.MSO, exp)),
		caseErr("issuer_signed.hex: disclosed items (digest IDs, identifiers, digests over the received tag-24 bytes) equal expected_decoded.json", compareAnnexDItems(doc, exp)),
		caseErr("issuer_signed.hex: issuerAuth protected header {1:-7} and x5chain certificate as expected_decoded.json", checkAnnexDIssuerAuth(issuerSigned, exp, dir)),
		caseErr("issuer_signed.hex: claims decode as the Annex D example (family_name Doe, 1004 dates, portrait.jpg)", checkAnnexDClaims(doc, dir)),
	)
	_, err = now.VerifyIssuerSigned(issuerSigned)
	cases = append(cases, caseErr("issuer_signed.hex: EXPIRED at the present time", wantErr(err, mdoc.ErrExpired, "")))

	r, err := then.VerifyDeviceResponse(resp, mdoc.DeviceAuthInput{SessionTranscript: st, ReaderKey: readerKey})
	if err == nil && (len(r.Documents) != 1 || r.Documents[0].DeviceAuth != "deviceMac" || len(r.Documents[0].Elements) != 6) {
		err = fmt.Errorf("want one document with deviceMac and 6 elements, got %+v", r)
	}
	cases = append(cases, caseErr("device_response.hex: issuer side and deviceMac (EReaderKey, session_transcript_bytes.hex) valid at 2021-09-30", err))
	_, err = now.VerifyDeviceResponse(resp, mdoc.DeviceAuthInput{SessionTranscript: st, ReaderKey: readerKey})
	cases = append(cases, caseErr("device_response.hex: EXPIRED at the present time", wantErr(err, mdoc.ErrExpired, "")))
	other, _ := ecdh.P256().GenerateKey(rand.Reader)
	_, err = then.VerifyDeviceResponse(resp, mdoc.DeviceAuthInput{SessionTranscript: st, ReaderKey: other})
	cases = append(cases, caseErr("device_response.hex: deviceMac rejected with another reader key", wantErr(err, mdoc.ErrDeviceAuth, "deviceMac")))
	return cases
}

func annexDReaderKey(path string) (*ecdh.PrivateKey, error) {
	var keys map[string]map[string]string
	if err := readJSON(path, &keys); err != nil {
		return nil, err
	}
	d, err := hex.DecodeString(keys["ephemeral_reader_key (EReaderKey)"]["d_hex"])
	if err != nil {
		return nil, fmt.Errorf("keys.json: EReaderKey d_hex: %w", err)
	}
	return ecdh.P256().NewPrivateKey(d)
}

func compareAnnexDMSO(m *mdoc.MSO, exp annexDExpected) error {
	e := exp.MSO
	if m.Version != e.Version || m.DigestAlgorithm != e.DigestAlgorithm || m.DocType != e.DocType {
		return fmt.Errorf("version/digestAlgorithm/docType %q %q %q, want %q %q %q", m.Version, m.DigestAlgorithm, m.DocType, e.Version, e.DigestAlgorithm, e.DocType)
	}
	if len(m.ValueDigests) != len(e.ValueDigests) {
		return fmt.Errorf("%d valueDigests namespaces, want %d", len(m.ValueDigests), len(e.ValueDigests))
	}
	for ns, ds := range e.ValueDigests {
		if len(m.ValueDigests[ns]) != len(ds) {
			return fmt.Errorf("valueDigests[%s]: %d digests, want %d", ns, len(m.ValueDigests[ns]), len(ds))
		}
		for id, want := range ds {
			n, err := strconv.ParseUint(id, 10, 64)
			if err != nil {
				return err
			}
			if got := "h:" + hex.EncodeToString(m.ValueDigests[ns][n]); got != want {
				return fmt.Errorf("valueDigests[%s][%s] = %s, want %s", ns, id, got, want)
			}
		}
	}
	if m.DeviceKey == nil {
		return errors.New("no device key")
	}
	pub, err := m.DeviceKey.Bytes()
	if err != nil {
		return err
	}
	dk := e.DeviceKeyInfo.DeviceKey
	if dk["1"] != 2.0 || dk["-1"] != 1.0 || dk["-2"] != "h:"+hex.EncodeToString(pub[1:33]) || dk["-3"] != "h:"+hex.EncodeToString(pub[33:]) {
		return fmt.Errorf("deviceKey differs from %v", dk)
	}
	got := map[string]time.Time{"signed": m.Validity.Signed, "validFrom": m.Validity.ValidFrom, "validUntil": m.Validity.ValidUntil}
	if len(e.ValidityInfo) != len(got) || m.Validity.ExpectedUpdate != nil {
		return fmt.Errorf("validityInfo has other fields than %v", e.ValidityInfo)
	}
	for name, g := range got {
		w, err := time.Parse(time.RFC3339, e.ValidityInfo[name])
		if err != nil || !g.Equal(w) {
			return fmt.Errorf("validityInfo.%s = %s, want %s", name, g, e.ValidityInfo[name])
		}
	}
	return nil
}

func compareAnnexDItems(doc *mdoc.Document, exp annexDExpected) error {
	var want []string
	for ns, items := range exp.DisclosedItems {
		for _, it := range items {
			if it.Digest != it.MSODigest {
				return fmt.Errorf("expected_decoded.json itself records a mismatch for %s", it.ElementIdentifier)
			}
			want = append(want, fmt.Sprintf("%s/%s #%d %s", ns, it.ElementIdentifier, it.DigestID, it.Digest))
		}
	}
	var got []string
	for _, e := range doc.Elements {
		got = append(got, fmt.Sprintf("%s/%s #%d %x", e.Namespace, e.Identifier, e.DigestID, e.Digest))
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("items %v, want %v", got, want)
	}
	return nil
}

func checkAnnexDIssuerAuth(issuerSigned []byte, exp annexDExpected, dir string) error {
	var is struct {
		IssuerAuth cbor.RawMessage `cbor:"issuerAuth"`
	}
	if err := cbor.Unmarshal(issuerSigned, &is); err != nil {
		return err
	}
	var msg []cbor.RawMessage
	if err := cbor.Unmarshal(is.IssuerAuth, &msg); err != nil || len(msg) != 4 {
		return fmt.Errorf("issuerAuth is not an untagged 4-array: %v", err)
	}
	var prot []byte
	var unprot map[int64]cbor.RawMessage
	if err := cbor.Unmarshal(msg[0], &prot); err != nil {
		return err
	}
	if err := cbor.Unmarshal(msg[1], &unprot); err != nil {
		return err
	}
	var hdr map[string]int64
	var protMap map[int64]int64
	if err := cbor.Unmarshal(prot, &protMap); err != nil {
		return err
	}
	hdr = map[string]int64{}
	for k, v := range protMap {
		hdr[strconv.FormatInt(k, 10)] = v
	}
	if fmt.Sprint(hdr) != fmt.Sprint(exp.ProtectedHeader) {
		return fmt.Errorf("protected header %v, want %v", hdr, exp.ProtectedHeader)
	}
	var der []byte
	if err := cbor.Unmarshal(unprot[33], &der); err != nil {
		return fmt.Errorf("x5chain is not a single bstr: %w", err)
	}
	if sum := sha256.Sum256(der); hex.EncodeToString(sum[:]) != exp.X5ChainSHA256 {
		return fmt.Errorf("x5chain certificate sha256 %x, want %s", sum, exp.X5ChainSHA256)
	}
	ds, err := readPEMCerts(filepath.Join(dir, "ds_cert_utopia_ds.pem"))
	if err != nil {
		return err
	}
	if !bytes.Equal(ds[0].Raw, der) {
		return errors.New("x5chain certificate differs from ds_cert_utopia_ds.pem")
	}
	return nil
}

func checkAnnexDClaims(doc *mdoc.Document, dir string) error {
	portrait, err := readHexFile(filepath.Join(dir, "portrait.jpg.hex"))
	if err != nil {
		return err
	}
	c := doc.Claims()["org.iso.18013.5.1"]
	if c == nil {
		return errors.New("no org.iso.18013.5.1 claims")
	}
	p, _ := c["portrait"].([]byte)
	if !bytes.Equal(p, portrait) {
		return errors.New("portrait differs from portrait.jpg.hex")
	}
	delete(c, "portrait")
	got, err := json.Marshal(c)
	if err != nil {
		return err
	}
	const want = `{"document_number":"123456789","driving_privileges":[{"expiry_date":"2024-10-20","issue_date":"2018-08-09","vehicle_category_code":"A"},{"expiry_date":"2024-10-20","issue_date":"2017-02-23","vehicle_category_code":"B"}],"expiry_date":"2024-10-20","family_name":"Doe","issue_date":"2019-10-20"}`
	if string(got) != want {
		return fmt.Errorf("claims %s, want %s", got, want)
	}
	if _, ok := c["issue_date"].(mdoc.FullDate); !ok {
		return fmt.Errorf("issue_date is %T, want a 1004 full-date", c["issue_date"])
	}
	return nil
}

// auth0Expectation is what independent_check_auth0_mdl.txt records for one
// example: the disclosed element identifiers and the MSO validity.
type auth0Expectation struct {
	elements []string
	validity map[string]string
}

func readAuth0Expectations(path string) (map[int]auth0Expectation, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[int]auth0Expectation{}
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if _, err := fmt.Sscanf(line, "example%d:", &n); err == nil {
			continue
		}
		line = strings.TrimSpace(line)
		rest, ok := strings.CutPrefix(line, "MSO validity ")
		if !ok || n == 0 {
			continue
		}
		js, tail, ok := strings.Cut(rest, "} ")
		_, elems, ok2 := strings.Cut(tail, " elements ")
		if !ok || !ok2 {
			return nil, fmt.Errorf("%s: cannot read %q", filepath.Base(path), line)
		}
		var e auth0Expectation
		if err := json.Unmarshal([]byte(js+"}"), &e.validity); err != nil {
			return nil, err
		}
		e.elements = strings.Split(elems, ",")
		out[n] = e
	}
	if len(out) != 4 {
		return nil, fmt.Errorf("%s: %d examples read, want 4", filepath.Base(path), len(out))
	}
	return out, nil
}

// runAuth0MDL checks the auth0-lab/mdl examples. Their issuer (issuer_ny_dmv.pem)
// is a self-signed "NY DMV" certificate used directly as document signer, so
// the verifier sets AllowSelfSignedDS: for that certificate only its validity
// is checked, and the Annex B.1.4 DS profile (not a CA, key usage
// digitalSignature, EKU 1.0.18013.5.1.2, AKI = IACA SKI, same country) is
// not applied, since it has none of those extensions. Everything else
// (signature, digests, MSO validity, device signature) is checked in full.
func runAuth0MDL(root string) []Case {
	dir := filepath.Join(root, "mdoc", "auth0-mdl-examples")
	roots, err := readPEMCerts(filepath.Join(dir, "issuer_ny_dmv.pem"))
	var exps map[int]auth0Expectation
	if err == nil {
		exps, err = readAuth0Expectations(filepath.Join(dir, "independent_check_auth0_mdl.txt"))
	}
	if err != nil {
		return []Case{caseErr("load auth0 examples", err)}
	}
	v := &mdoc.Verifier{Roots: roots, At: time.Now(), AllowSelfSignedDS: true}
	var cases []Case
	for n := 1; n <= 4; n++ {
		name := func(file, what string) string { return fmt.Sprintf("example%d.%s: %s", n, file, what) }
		resp, err := readHexFile(filepath.Join(dir, fmt.Sprintf("example%d.deviceResponse.hex", n)))
		var st, is []byte
		if err == nil {
			st, err = readHexFile(filepath.Join(dir, fmt.Sprintf("example%d.encodedSessionTranscript.hex", n)))
		}
		if err == nil {
			is, err = readHexFile(filepath.Join(dir, fmt.Sprintf("example%d.issuerSigned.hex", n)))
		}
		if err != nil {
			cases = append(cases, caseErr(fmt.Sprintf("example%d: load", n), err))
			continue
		}
		r, rerr := v.VerifyDeviceResponse(resp, mdoc.DeviceAuthInput{SessionTranscript: st})
		doc, ierr := v.VerifyIssuerSigned(is)
		if n == 3 {
			const what = "org.iso.18013.5.1/family_name"
			cases = append(cases,
				caseErr(name("deviceResponse.hex", "tampered family_name rejected with ErrDigestMismatch"), wantErr(rerr, mdoc.ErrDigestMismatch, what)),
				caseErr(name("issuerSigned.hex", "tampered family_name rejected with ErrDigestMismatch"), wantErr(ierr, mdoc.ErrDigestMismatch, what)))
			continue
		}
		if rerr == nil {
			if len(r.Documents) != 1 || r.Documents[0].DeviceAuth != "deviceSignature" {
				rerr = fmt.Errorf("want one document with deviceSignature, got %+v", r)
			} else {
				rerr = compareAuth0(&r.Documents[0].Document, exps[n])
			}
		}
		cases = append(cases, caseErr(name("deviceResponse.hex", "issuer side and deviceSignature over the SessionTranscript valid; elements and validity as the independent check"), rerr))
		if ierr == nil {
			ierr = compareAuth0(doc, exps[n])
		}
		cases = append(cases, caseErr(name("issuerSigned.hex", "valid alone; elements and validity as the independent check"), ierr))
	}
	_, err = (&mdoc.Verifier{Roots: roots, At: time.Now()}).VerifyIssuerSigned(mustHex(filepath.Join(dir, "example1.issuerSigned.hex")))
	cases = append(cases, caseErr("example1.issuerSigned.hex: without AllowSelfSignedDS the self-signed issuer is rejected (ErrUntrustedChain)", wantErr(err, mdoc.ErrUntrustedChain, "trust anchor")))
	return cases
}

func mustHex(path string) []byte {
	b, _ := readHexFile(path) // a read error shows up as the verification error of nil input
	return b
}

func compareAuth0(doc *mdoc.Document, e auth0Expectation) error {
	var got []string
	for _, el := range doc.Elements {
		got = append(got, el.Identifier)
	}
	if !slices.Equal(got, e.elements) {
		return fmt.Errorf("elements %v, want %v", got, e.elements)
	}
	for name, g := range map[string]time.Time{"signed": doc.Validity.Signed, "validFrom": doc.Validity.ValidFrom, "validUntil": doc.Validity.ValidUntil} {
		w, err := time.Parse(time.RFC3339, e.validity[name])
		if err != nil || !g.Equal(w) {
			return fmt.Errorf("validityInfo.%s = %s, want %s", name, g, e.validity[name])
		}
	}
	return nil
}
