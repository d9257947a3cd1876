package ekyc_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/ekyc"
	"github.com/pramaan/pramaan/identity/ekyc/ekyctest"
)

// xmlsecTimeout bounds one xmlsec1 process.
const xmlsecTimeout = time.Minute

// needXMLSec returns the path of xmlsec1 (Debian package xmlsec1). A test
// without it fails when PRAMAAN_REQUIRE_XMLSEC=1 and is skipped otherwise;
// a benchmark is skipped.
func needXMLSec(tb testing.TB) string {
	tb.Helper()
	path, err := exec.LookPath("xmlsec1")
	if err == nil {
		return path
	}
	if _, bench := tb.(*testing.B); !bench && os.Getenv("PRAMAAN_REQUIRE_XMLSEC") == "1" {
		tb.Fatal("xmlsec1 is required (PRAMAAN_REQUIRE_XMLSEC=1) but not on PATH: apt-get install xmlsec1")
	}
	tb.Skip("xmlsec1 is not on PATH (apt-get install xmlsec1); PRAMAAN_REQUIRE_XMLSEC=1 makes the test fatal")
	return ""
}

// writeCertPEM writes c as PEM to dir/name and returns the path.
func writeCertPEM(tb testing.TB, dir, name string, c *x509.Certificate) string {
	tb.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// xmlsecVerify runs `xmlsec1 --verify --pubkey-cert-pem cert
// --enabled-key-data rsa,x509 files...` and returns its verdict: true when
// every file verified (exit 0 and one "OK" per file), false when xmlsec1
// reported a verification failure ("FAIL"; it stops at the first failed
// file). Anything else (a timeout, a crash, an error before any verdict,
// such as a key that does not load) fails tb: it is not a verdict.
func xmlsecVerify(tb testing.TB, xmlsec, cert string, files ...string) (bool, string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), xmlsecTimeout)
	defer cancel()
	args := append([]string{"--verify", "--pubkey-cert-pem", cert, "--enabled-key-data", "rsa,x509"}, files...)
	out, err := exec.CommandContext(ctx, xmlsec, args...).CombinedOutput()
	if ctx.Err() != nil {
		tb.Fatalf("xmlsec1 did not finish within %s: %v\n%s", xmlsecTimeout, ctx.Err(), out)
	}
	lines := strings.Split(string(out), "\n")
	count := func(want string) (n int) {
		for _, l := range lines {
			if strings.TrimSpace(l) == want {
				n++
			}
		}
		return n
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		if n := count("OK"); n != len(files) {
			tb.Fatalf("xmlsec1 exited 0 with %d OK for %d files\n%s", n, len(files), out)
		}
		return true, string(out)
	case errors.As(err, &exit) && exit.ExitCode() == 1 && count("FAIL") == 1:
		return false, string(out)
	default:
		tb.Fatalf("xmlsec1 reached no verdict: %v\n%s", err, out)
		return false, ""
	}
}

// xmlsecReason is the first line of xmlsec1's output that says why it
// failed (the libxmlsec error), for the summary.
func xmlsecReason(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "func=") {
			if i := strings.LastIndex(l, ":error="); i >= 0 {
				return l[i+1:]
			}
			return l
		}
	}
	return ""
}

// signatureVerified is our signature-level verdict: Verify accepted the
// document, or refused it only for a policy that Verify decides after the
// signature verified (the pinned certificate not valid at the referenceId
// time, or a referenceId too old or in the future).
func signatureVerified(err error) bool {
	if err == nil {
		return true
	}
	if !errors.Is(err, ekyc.ErrCertificateNotValid) && !errors.Is(err, ekyc.ErrStale) {
		return false
	}
	for _, s := range []error{ekyc.ErrConfig, ekyc.ErrDTD, ekyc.ErrMalformedXML, ekyc.ErrSignatureShape,
		ekyc.ErrSignatureInvalid, ekyc.ErrUntrustedSigner} {
		if errors.Is(err, s) {
			return false
		}
	}
	return true
}

// tamperAfter changes the first (base64) character after open, which
// occurs once in doc.
func tamperAfter(tb testing.TB, doc []byte, open string) []byte {
	tb.Helper()
	if bytes.Count(doc, []byte(open)) != 1 {
		tb.Fatalf("%q occurs %d times", open, bytes.Count(doc, []byte(open)))
	}
	out := bytes.Clone(doc)
	i := bytes.Index(out, []byte(open)) + len(open)
	if out[i] == 'A' {
		out[i] = 'B'
	} else {
		out[i] = 'A'
	}
	return out
}

// verdict prints a verdict.
func verdict(ok bool) string {
	if ok {
		return "valid"
	}
	return "invalid"
}

// xmlsecRow is one document verified by both implementations.
type xmlsecRow struct {
	name string
	doc  []byte
	// cert is the one certificate: pinned for Verify, the public key for
	// xmlsec1 (--pubkey-cert-pem).
	cert *x509.Certificate
	// at is Verify's clock (zero: the tests' now).
	at time.Time
	// want is our signature-level verdict (see signatureVerified).
	want bool
	// xmlsecWant is xmlsec1's verdict. It differs from want only where
	// we refuse on purpose what is a valid XML-DSig ("stricter by
	// design: ...") or where ours is known to be wrong ("KNOWN FALSE
	// REJECTION ...: ..."); why says which and why, and is empty exactly
	// when the two verdicts are the same.
	xmlsecWant bool
	why        string
}

// TestXMLSecAgreesWithVerify verifies the same files with Verify and with
// xmlsec1 (libxmlsec1 over libxml2 and OpenSSL, an implementation that
// shares no code with goxmldsig or etree) and compares the signature-level
// verdicts: the fixtures in every signing variant, tampered copies, an
// unpinned signer, signature wrapping, serialisations that canonicalise to
// the signed bytes, constructs we refuse although they canonicalise to the
// signed bytes, and the shared synthetic Aadhaar-shaped vectors.
func TestXMLSecAgreesWithVerify(t *testing.T) {
	xmlsec := needXMLSec(t)
	ctx, cancel := context.WithTimeout(t.Context(), xmlsecTimeout)
	v, err := exec.CommandContext(ctx, xmlsec, "--version").CombinedOutput()
	cancel()
	if err != nil {
		t.Fatalf("xmlsec1 --version: %v\n%s", err, v)
	}
	t.Logf("%s", bytes.TrimSpace(v))
	p := getPKI(t)
	person := ekyctest.DefaultPerson()
	body := ekyctest.Body(person, ekyctest.ReferenceID(person.Last4, made))
	sign := func(s *ekyctest.Signer, how ekyctest.Signing) []byte {
		doc, err := ekyctest.Sign(body, s, how)
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	var rows []xmlsecRow
	add := func(name string, doc []byte, want, xmlsecWant bool, why string) {
		rows = append(rows, xmlsecRow{name: name, doc: doc, cert: p.signer.Cert, want: want, xmlsecWant: xmlsecWant, why: why})
	}

	// The four signing variants under the pinned test signer, and
	// tampered copies of each.
	for _, v := range []struct {
		name string
		how  ekyctest.Signing
	}{
		{"uidai", ekyctest.Signing{}},
		{"sha256", ekyctest.Signing{SHA256: true}},
		{"exclusive", ekyctest.Signing{Exclusive: true}},
		{"nokeyinfo-wrap76", ekyctest.Signing{NoKeyInfo: true, Wrap76: true}},
	} {
		doc := sign(p.signer, v.how)
		add(v.name, doc, true, true, "")
		add(v.name+"-tampered-pc", replaceOnce(t, doc, `pc="560098"`, `pc="560099"`), false, false, "")
		add(v.name+"-tampered-name", replaceOnce(t, doc, `name="Asha Test Kumari"`, `name="Asha Test Kumary"`), false, false, "")
		add(v.name+"-tampered-signaturevalue", tamperAfter(t, doc, "<SignatureValue>"), false, false, "")
		add(v.name+"-tampered-digestvalue", tamperAfter(t, doc, "<DigestValue>"), false, false, "")
	}

	doc := sign(p.signer, ekyctest.Signing{})
	s := string(doc)
	signature := s[strings.Index(s, "<Signature") : strings.Index(s, "</Signature>")+len("</Signature>")]
	uid := s[strings.Index(s, "<UidData>") : strings.Index(s, "</UidData>")+len("</UidData>")]
	forged := strings.Replace(uid, "Asha Test Kumari", "Mallory", 1)

	// Signers and KeyInfo: xmlsec1 uses the key it is given, as Verify
	// uses the pin; neither trusts the certificate in KeyInfo.
	add("unpinned-signer", sign(p.other, ekyctest.Signing{}), false, false, "")
	add("unpinned-signer-keyinfo-names-pinned", sign(p.other, ekyctest.Signing{KeyInfoCert: p.signer.Cert}), false, false, "")
	add("unpinned-signer-no-keyinfo", sign(p.other, ekyctest.Signing{NoKeyInfo: true}), false, false, "")
	add("pinned-signer-keyinfo-names-unpinned", sign(p.signer, ekyctest.Signing{KeyInfoCert: p.other.Cert}), true, true, "")

	// Signature wrapping. With Reference URI="" the digest covers the
	// whole document minus the Signature, so any wrapper, forged element
	// or second Signature changes it: xmlsec1 refuses these as we do.
	add("wrapped-uiddata-plus-forged", replaceOnce(t, doc, uid, "<Wrapper>"+uid+"</Wrapper>"+forged), false, false, "")
	add("forged-uiddata-after-signed", replaceOnce(t, doc, uid, uid+forged), false, false, "")
	add("signed-document-inside-forged-root", []byte(`<OfflinePaperlessKyc referenceId="123720260301143000000"><UidData>`+
		forged[len("<UidData>"):]+`<Object>`+s[strings.Index(s, "<OfflinePaperlessKyc"):]+`</Object></OfflinePaperlessKyc>`), false, false, "")
	// The enveloped transform removes only the Signature being verified;
	// the copy stays in the digested content.
	add("second-signature", replaceOnce(t, doc, signature, signature+signature), false, false, "")
	add("signature-inside-uiddata", []byte(strings.Replace(strings.Replace(s, signature, "", 1), "</UidData>", signature+"</UidData>", 1)), false, true,
		"stricter by design: a valid XML-DSig, the enveloped transform removes the Signature wherever it sits, and the rest is the signed content "+
			"byte for byte, so xmlsec1 is right that it verifies. We refuse by shape (ErrSignatureShape: exactly one Signature, "+
			"a child of the root, as UIDAI signs), which keeps the verified element unambiguous; stricter, and nothing forged is accepted")

	// Policy after the signature: Verify refuses these (ErrCertificateNotValid,
	// ErrStale) but the signature verified; xmlsec1 does not look at the
	// certificate's validity or the referenceId.
	rows = append(rows, xmlsecRow{name: "expired-pinned-certificate", doc: signed(t, p.expired, made, ekyctest.Signing{}), cert: p.expired.Cert, want: true, xmlsecWant: true})
	add("stale-referenceid", signed(t, p.signer, now.Add(-73*time.Hour), ekyctest.Signing{}), true, true, "")

	// Serialisations that canonicalise (C14N 1.0) to the signed bytes.
	poi := s[strings.Index(s, "<Poi "):]
	poi = poi[:strings.Index(poi, ">")]
	add("self-closing-empty-elements", []byte(strings.Replace(strings.Replace(s, "></Poi>", "/>", 1), "></Poa>", "/>", 1)), true, true, "")
	add("attributes-reordered", replaceOnce(t, doc, poi, strings.Replace(poi, ` dob="07-12-1980"`, "", 1)+` dob="07-12-1980"`), true, true, "")
	add("single-quoted-attribute", replaceOnce(t, doc, `pc="560098"`, `pc='560098'`), true, true, "")
	add("character-reference", replaceOnce(t, doc, `pc="560098"`, `pc="&#53;60098"`), true, true, "")
	add("whitespace-in-start-tag", replaceOnce(t, doc, "<Pht>", "<Pht  >"), true, true, "")
	add("no-xml-declaration", []byte(s[strings.Index(s, "<OfflinePaperlessKyc"):]), true, true, "")
	add("whitespace-in-signaturevalue", replaceOnce(t, doc, "<SignatureValue>", "<SignatureValue>\n  "), true, true, "")
	add("redundant-empty-default-namespace", replaceOnce(t, doc, "<UidData>", `<UidData xmlns="">`), true, true, "")
	add("exclusive-redundant-empty-default-namespace", replaceOnce(t, sign(p.signer, ekyctest.Signing{Exclusive: true}), "<UidData>", `<UidData xmlns="">`), false, true,
		`KNOWN FALSE REJECTION, ours is wrong (fails closed): under exclusive C14N an xmlns="" is output only when the nearest `+
			`output ancestor has a non-empty default namespace, and none has, so the canonical form and the digest are unchanged, `+
			`as xmlsec1 says; goxmldsig v1.6.1 (etreeutils.transformExcC14n) outputs xmlns="" and the digest differs. UIDAI signs `+
			`with inclusive C14N, where we agree (redundant-empty-default-namespace). If this row fails because ours says valid, `+
			`goxmldsig was fixed: set want to true`)
	// A processing instruction is kept by C14N: the digest changes.
	add("processing-instruction", replaceOnce(t, doc, "<UidData>", "<UidData><?pi x?>"), false, false, "")

	// Constructs that canonicalise to the signed bytes, which Verify
	// refuses before it verifies anything.
	add("comment-splitting-photo-text", replaceOnce(t, doc, "<Pht>/9j/", "<Pht>/9j/<!---->"), false, true,
		"stricter by design: C14N without comments drops the comment, so the digest holds and xmlsec1 is right that the signature verifies; we refuse "+
			"every comment (ErrMalformedXML): a comment splitting a signed text node is the shape of the comment-truncation attacks "+
			"(CVE-2017-11427 and kin), where a reader sees only part of the signed text, and UIDAI files carry none")
	add("cdata-section", replaceOnce(t, doc, "<Pht>/9j/", "<Pht><![CDATA[/9j/]]>"), false, true,
		"stricter by design: C14N replaces a CDATA section by its text, so the digest holds and xmlsec1 is right; our strict parser refuses CDATA "+
			"(ErrMalformedXML): UIDAI files carry none")
	add("dtd-entity-expanding-to-signed-name", []byte(strings.Replace(strings.Replace(s, "<OfflinePaperlessKyc",
		"<!DOCTYPE OfflinePaperlessKyc [<!ENTITY n \"Asha Test Kumari\">]>\n<OfflinePaperlessKyc", 1), `name="Asha Test Kumari"`, `name="&n;"`, 1)), false, true,
		"stricter by design: libxml2 expands the internal entity to the signed name, so the digest holds and xmlsec1 is right; we refuse any DTD "+
			"(ErrDTD): entity expansion bombs, external entities, and readers that disagree on expansion")

	// The shared synthetic Aadhaar-shaped vectors (xml-crypto 6.3.2) under
	// their certificate, at an hour after their referenceId time: the
	// certificate starts after that time, so Verify ends at
	// ErrCertificateNotValid for the valid one, after the signature
	// verified.
	vdir := filepath.Join(xmldsigDir(t), "synthetic-aadhaar-shaped")
	vcert := readCert(t, filepath.Join(vdir, "synthetic_signer_cert.pem"))
	vat := time.Date(2026, 1, 1, 0, 0, 0, 1e6, ekyc.IST).Add(time.Hour)
	for _, v := range []struct {
		file string
		want bool
	}{
		{"valid_signed.xml", true},
		{"tampered_content.xml", false},
		{"tampered_digest_value.xml", false},
		{"tampered_signature_value.xml", false},
	} {
		b, err := os.ReadFile(filepath.Join(vdir, v.file))
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, xmlsecRow{name: "shared-" + strings.TrimSuffix(v.file, ".xml"), doc: b, cert: vcert, at: vat, want: v.want, xmlsecWant: v.want})
		if v.want {
			// The same file under the test signer's key.
			rows = append(rows, xmlsecRow{name: "shared-valid_signed-under-test-signer", doc: b, cert: p.signer.Cert, at: vat})
		}
	}

	dir := t.TempDir()
	certs := map[*x509.Certificate]string{}
	for _, r := range rows {
		if _, ok := certs[r.cert]; !ok {
			certs[r.cert] = writeCertPEM(t, dir, fmt.Sprintf("cert%d.pem", len(certs)), r.cert)
		}
	}
	type got struct {
		done        bool
		ours        bool
		xmlsec      bool
		ourErr, why string
	}
	results := make([]got, len(rows))
	safe := regexp.MustCompile(`[^A-Za-z0-9_.-]`)
	t.Run("rows", func(t *testing.T) {
		for i, r := range rows {
			t.Run(r.name, func(t *testing.T) {
				t.Parallel()
				if (r.want != r.xmlsecWant) != (r.why != "") {
					t.Errorf("the table must explain (why) exactly the rows where the two verdicts differ")
				}
				file := filepath.Join(dir, fmt.Sprintf("%02d-%s.xml", i, safe.ReplaceAllString(r.name, "_")))
				if err := os.WriteFile(file, r.doc, 0o600); err != nil {
					t.Fatal(err)
				}
				at := r.at
				if at.IsZero() {
					at = now
				}
				_, err := ekyc.Verify(r.doc, ekyc.Options{Pinned: []*x509.Certificate{r.cert}, Now: func() time.Time { return at }, NameKey: nameKey})
				ours := signatureVerified(err)
				xs, out := xmlsecVerify(t, xmlsec, certs[r.cert], file)
				g := got{done: true, ours: ours, xmlsec: xs, ourErr: "nil", why: "OK"}
				if !xs {
					g.why = xmlsecReason(out)
				}
				if err != nil {
					g.ourErr = err.Error()
				}
				results[i] = g
				if ours != r.want {
					t.Errorf("ours: %s (%v), want %s", verdict(ours), err, verdict(r.want))
				}
				if xs != r.xmlsecWant {
					t.Errorf("xmlsec1: %s, want %s\n%s", verdict(xs), verdict(r.xmlsecWant), out)
				}
				if ours != xs && r.want == r.xmlsecWant {
					t.Errorf("DISAGREEMENT: ours %s (%v), xmlsec1 %s", verdict(ours), err, verdict(xs))
				}
			})
		}
	})
	agree := 0
	for i, r := range rows {
		g := results[i]
		if !g.done {
			t.Logf("%-45s not run", r.name)
			continue
		}
		mark := "agree"
		if g.ours != g.xmlsec {
			mark = "DIFFER as the table says (" + strings.SplitN(r.why, ":", 2)[0] + ")"
		} else {
			agree++
		}
		t.Logf("%-45s ours=%-7s xmlsec1=%-7s %s | ours: %s | xmlsec1: %s", r.name, verdict(g.ours), verdict(g.xmlsec), mark, g.ourErr, g.why)
	}
	t.Logf("%d files, %d agree", len(rows), agree)
}
