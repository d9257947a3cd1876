package ekyc_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/pramaan/pramaan/identity/ekyc"
	"github.com/pramaan/pramaan/identity/ekyc/ekyctest"
)

// Info-ZIP's zip (an independent ZipCrypto writer, as `zip -P`) produces
// packages that Open decrypts, and refuses the wrong share code.
func TestOpenReadsInfoZip(t *testing.T) {
	if _, err := exec.LookPath("zip"); err != nil {
		if os.Getenv("PRAMAAN_REQUIRE_INFOZIP") == "1" {
			t.Fatal("Info-ZIP zip is required (PRAMAAN_REQUIRE_INFOZIP=1) but not installed")
		}
		t.Skip("Info-ZIP zip is not installed; PRAMAAN_REQUIRE_INFOZIP=1 makes this fatal")
	}
	p := getPKI(t)
	doc := signed(t, p.signer, made, ekyctest.Signing{})
	dir := t.TempDir()
	name := "offlineaadhaar20260301133000000.xml"
	if err := os.WriteFile(filepath.Join(dir, name), doc, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, flags := range [][]string{{"-q", "-P", "4821"}, {"-q", "-0", "-P", "4821"}} {
		out := filepath.Join(dir, "out.zip")
		os.Remove(out)
		cmd := exec.Command("zip", append(flags, out, name)...)
		cmd.Dir = dir
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("zip: %v\n%s", err, b)
		}
		z, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		xml, err := ekyc.Open(z, "4821", ekyc.Limits{})
		if err != nil || !bytes.Equal(xml, doc) {
			t.Fatalf("%v: %v", flags, err)
		}
		if _, err := ekyc.Open(z, "4822", ekyc.Limits{}); err == nil {
			t.Fatalf("%v: wrong share code accepted", flags)
		}
	}
}
