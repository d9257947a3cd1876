package android_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/attestation/android"
	"github.com/pramaan/pramaan/testvectors"
)

// vectorsDir returns ../shared/testvectors/android-key-attestation, skipping
// only when the vectors are absent and PRAMAAN_REQUIRE_VECTORS is unset.
func vectorsDir(t testing.TB) string {
	t.Helper()
	dir, err := testvectors.Locate()
	if errors.Is(err, testvectors.ErrNotFound) && os.Getenv("PRAMAAN_REQUIRE_VECTORS") == "" {
		t.Skipf("conformance vectors not present (%v); set PRAMAAN_REQUIRE_VECTORS=1 to make this fatal", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "android-key-attestation")
}

// googleJSON reads Google's decoding of a chain's leaf (the .json beside the
// .pem), skipping the "// comment" lines some of them start with.
func googleJSON(t testing.TB, pemPath string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(strings.TrimSuffix(pemPath, ".pem") + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "//") {
			lines = append(lines, l)
		}
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(strings.Join(lines, "\n")), &m); err != nil {
		t.Fatalf("%s: %v", pemPath, err)
	}
	return m
}

// vectorCase is one shared chain and what it must give; the table lives in
// testvectors, which also runs it as a conformance suite.
type vectorCase = testvectors.AndroidChainCase

var vectorCases = testvectors.AndroidChainCases()

// genuinePolicy checks only that the chain is genuine hardware attestation:
// any key type, any device state.
func genuinePolicy() android.Policy {
	p := android.StrictPolicy().AllowTestDevices()
	p.KeyAlgorithms = nil
	return p
}

func sampleStatus(t testing.TB, dir string) android.StatusSource {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "status-list", "status_test_google_android-key-attestation.json"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := android.ParseStatusList(data)
	if err != nil {
		t.Fatal(err)
	}
	return android.StaticStatus{List: l}
}

func newVerifier(t testing.TB, p android.Policy, status android.StatusSource) *android.Verifier {
	t.Helper()
	v, err := android.NewVerifier(android.Config{Policy: p, Status: status})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func readChain(t testing.TB, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := android.PEMChain(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return chain
}

// caseInputs returns the verification time and challenge of a case.
func caseInputs(t testing.TB, dir string, c vectorCase) (time.Time, []byte) {
	t.Helper()
	at, challenge, err := testvectors.AndroidChainInputs(filepath.Dir(dir), c)
	if err != nil {
		t.Fatal(err)
	}
	return at, challenge
}

func TestEverySharedChainGivesItsExpectedResult(t *testing.T) {
	dir := vectorsDir(t)
	status := sampleStatus(t, dir)
	policies := []struct {
		name string
		v    *android.Verifier
		want func(vectorCase) android.Reason
	}{
		{"genuine", newVerifier(t, genuinePolicy(), status), func(c vectorCase) android.Reason { return c.WantGenuine }},
		{"strict+test-devices", newVerifier(t, android.StrictPolicy().AllowTestDevices(), status), func(c vectorCase) android.Reason { return c.WantTestDevices }},
		{"strict", newVerifier(t, android.StrictPolicy(), status), func(c vectorCase) android.Reason { return c.WantStrict }},
	}
	for _, c := range vectorCases {
		at, challenge := caseInputs(t, dir, c)
		chain := readChain(t, filepath.Join(dir, c.File))
		for _, p := range policies {
			t.Run(p.name+"/"+c.File, func(t *testing.T) {
				res, err := p.v.Verify(context.Background(), chain, challenge, at)
				want := p.want(c)
				if got := android.ReasonOf(err); got != want {
					t.Fatalf("reason %q, want %q (err: %v)", got, want, err)
				}
				if res.Valid != (want == "") || res.Reason != want {
					t.Fatalf("result valid=%t reason=%q, want reason %q", res.Valid, res.Reason, want)
				}
				if want == "" && (!res.RevocationChecked || res.Root == "" || res.KeyDescription == nil) {
					t.Fatalf("a valid result must name its root, the parsed extension and a revocation check: %+v", res)
				}
			})
		}
	}
}

// TestResultsAgreeWithIndependentCheck compares what Verify reports with the
// independent decoding recorded beside the vectors.
func TestResultsAgreeWithIndependentCheck(t *testing.T) {
	dir := vectorsDir(t)
	data, err := os.ReadFile(filepath.Join(dir, "independent_check_results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		File                     string `json:"file"`
		Root                     string `json:"root"`
		AttestationVersion       int64  `json:"attestationVersion"`
		AttestationSecurityLevel string `json:"attestationSecurityLevel"`
		KeymintVersion           int64  `json:"keymintVersion"`
		ChallengeB64             string `json:"challenge_b64"`
		Packages                 []string
		DeviceLocked             *bool  `json:"deviceLocked"`
		VerifiedBootState        string `json:"verifiedBootState"`
		SigChainOK               *bool  `json:"sigChainOk"`
	}
	if err := json.Unmarshal(data, &rows); err != nil {
		t.Fatal(err)
	}
	v := newVerifier(t, genuinePolicy(), sampleStatus(t, dir))
	checked := 0
	for _, r := range rows {
		if r.Root != "GOOGLE" || r.SigChainOK == nil || !*r.SigChainOK {
			continue
		}
		var c *vectorCase
		for i := range vectorCases {
			if vectorCases[i].File == r.File {
				c = &vectorCases[i]
			}
		}
		if c == nil {
			t.Errorf("%s: not in the table", r.File)
			continue
		}
		if c.WantGenuine != "" {
			continue
		}
		at, challenge := caseInputs(t, dir, *c)
		res, err := v.Verify(context.Background(), readChain(t, filepath.Join(dir, r.File)), challenge, at)
		if err != nil {
			t.Errorf("%s: %v", r.File, err)
			continue
		}
		ch, _ := base64.StdEncoding.DecodeString(r.ChallengeB64)
		var pkgs []string
		for _, p := range res.Packages {
			pkgs = append(pkgs, p.Name+"@"+strconv.FormatInt(p.Version, 10))
		}
		if res.AttestationVersion != r.AttestationVersion || res.KeyMintVersion != r.KeymintVersion ||
			res.AttestationSecurityLevel != r.AttestationSecurityLevel || !bytes.Equal(res.KeyDescription.AttestationChallenge, ch) ||
			!reflect.DeepEqual(pkgs, r.Packages) || *res.DeviceLocked != *r.DeviceLocked || res.VerifiedBootState != r.VerifiedBootState {
			t.Errorf("%s: we report v%d/%s/km%d challenge %x packages %v locked %t boot %s; independent: v%d/%s/km%d %x %v %t %s",
				r.File, res.AttestationVersion, res.AttestationSecurityLevel, res.KeyMintVersion, res.KeyDescription.AttestationChallenge, pkgs, *res.DeviceLocked, res.VerifiedBootState,
				r.AttestationVersion, r.AttestationSecurityLevel, r.KeymintVersion, ch, r.Packages, *r.DeviceLocked, r.VerifiedBootState)
		}
		checked++
	}
	if checked < 19 {
		t.Fatalf("compared %d chains with the independent check, want at least 19", checked)
	}
}

func TestSonyFactoryChainIsAcceptedWithExpiredIntermediatesUnlessPolicyRefuses(t *testing.T) {
	dir := vectorsDir(t)
	c := vectorCase{File: "android-keyattestation/sony-xperia10-iii/sdk33/TEE_EC.pem"}
	at, challenge := caseInputs(t, dir, c)
	chain := readChain(t, filepath.Join(dir, c.File))
	res, err := newVerifier(t, genuinePolicy(), sampleStatus(t, dir)).Verify(context.Background(), chain, challenge, at)
	if err != nil {
		t.Fatal(err)
	}
	if res.Provisioning != "factory" || !reflect.DeepEqual(res.ExpiredIntermediates, []int{1, 2}) {
		t.Fatalf("provisioning %q, expired intermediates %v; want factory, [1 2]", res.Provisioning, res.ExpiredIntermediates)
	}
	p := genuinePolicy()
	p.RejectExpiredFactoryChains = true
	_, err = newVerifier(t, p, sampleStatus(t, dir)).Verify(context.Background(), chain, challenge, at)
	if android.ReasonOf(err) != android.ReasonValidity {
		t.Fatalf("with RejectExpiredFactoryChains: %v, want %s", err, android.ReasonValidity)
	}
}

func TestChainsEndingInTheExpired2016RootAndThe2026ECRootAreValid(t *testing.T) {
	dir := vectorsDir(t)
	v := newVerifier(t, genuinePolicy(), sampleStatus(t, dir))
	for file, wantRoot := range map[string]string{
		"android-keyattestation/blueline/sdk28/TEE_EC_NONE.pem":     "google-rsa-4096",
		"android-keyattestation/tegu/sdk36/TEE_EC_2026_ROOT.pem":    "google-ec-P-384",
		"android-keyattestation/akita/sdk34/TEE_EC_NONE.pem":        "google-rsa-4096",
		"android-keyattestation/caiman/sdk36/SB_EC_RKP.pem":         "google-rsa-4096",
		"android-keyattestation/tokay/sdk37/TEE_MLDSA_RKP.pem":      "google-ec-P-384",
		"android-keyattestation/sony-xperia10-iii/sdk33/TEE_EC.pem": "google-rsa-4096",
	} {
		at, challenge := caseInputs(t, dir, vectorCase{File: file})
		// Verified again today: the 2016 root certificate sent by blueline
		// expired 2026-05-24, but the root is pinned by key.
		res, err := v.Verify(context.Background(), readChain(t, filepath.Join(dir, file)), challenge, at)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if !strings.HasPrefix(res.Root, wantRoot+" ") {
			t.Errorf("%s: root %q, want %s", file, res.Root, wantRoot)
		}
	}
}

// TestKeyDescriptionMatchesGoogleDecoding compares the parsed extension of
// every chain that has Google's decoding beside it, element by element.
func TestKeyDescriptionMatchesGoogleDecoding(t *testing.T) {
	dir := vectorsDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "android-keyattestation", "*", "sdk*", "*.pem"))
	if err != nil || len(files) < 21 {
		t.Fatalf("found %d chains (%v), want 21", len(files), err)
	}
	for _, f := range files {
		t.Run(strings.TrimPrefix(f, dir+"/"), func(t *testing.T) {
			certs, err := android.ParsePEMChain(mustRead(t, f))
			if err != nil {
				t.Fatal(err)
			}
			kd, err := android.LeafKeyDescription(certs[0])
			if err != nil {
				t.Fatal(err)
			}
			want := googleJSON(t, f)
			got := googleForm(kd)
			for _, list := range []string{"softwareEnforced", "hardwareEnforced"} {
				// areTagsOrdered is Google's observation, not a field.
				if m, ok := want[list].(map[string]any); ok {
					if ordered, ok := m["areTagsOrdered"]; ok {
						if ordered != got[list].(map[string]any)["areTagsOrdered"] {
							t.Errorf("%s.areTagsOrdered: got %v, want %v", list, got[list].(map[string]any)["areTagsOrdered"], ordered)
						}
					}
					delete(m, "areTagsOrdered")
					delete(got[list].(map[string]any), "areTagsOrdered")
				}
			}
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(want)
			var gn, wn any
			_ = json.Unmarshal(gj, &gn)
			_ = json.Unmarshal(wj, &wn)
			if !reflect.DeepEqual(gn, wn) {
				t.Errorf("parsed extension differs from Google's decoding:\n got %s\nwant %s", gj, wj)
			}
		})
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// googleForm renders a KeyDescription the way Google's verifier writes its
// test expectations: integers as decimal strings, bytes as base64.
func googleForm(kd *android.KeyDescription) map[string]any {
	b64 := base64.StdEncoding.EncodeToString
	return map[string]any{
		"attestationVersion":       strconv.FormatInt(kd.AttestationVersion, 10),
		"attestationSecurityLevel": kd.AttestationSecurityLevel.String(),
		"keyMintVersion":           strconv.FormatInt(kd.KeyMintVersion, 10),
		"keyMintSecurityLevel":     kd.KeyMintSecurityLevel.String(),
		"attestationChallenge":     b64(kd.AttestationChallenge),
		"uniqueId":                 b64(kd.UniqueID),
		"softwareEnforced":         googleList(&kd.SoftwareEnforced),
		"hardwareEnforced":         googleList(&kd.HardwareEnforced),
	}
}

func googleList(l *android.AuthorizationList) map[string]any {
	m := map[string]any{"areTagsOrdered": l.TagsInOrder}
	ints := func(name string, v *int64) {
		if v != nil {
			m[name] = strconv.FormatInt(*v, 10)
		}
	}
	sets := func(name string, v []int64) {
		if v != nil {
			s := []string{}
			for _, x := range v {
				s = append(s, strconv.FormatInt(x, 10))
			}
			m[name] = s
		}
	}
	flags := func(name string, v bool) {
		if v {
			m[name] = true
		}
	}
	strs := func(name string, v []byte) {
		if v != nil {
			m[name] = string(v)
		}
	}
	sets("purposes", l.Purposes)
	ints("algorithms", l.Algorithm)
	ints("keySize", l.KeySize)
	sets("blockModes", l.BlockModes)
	sets("digests", l.Digests)
	sets("paddings", l.Paddings)
	flags("callerNonce", l.CallerNonce)
	ints("minMacLength", l.MinMacLength)
	ints("ecCurve", l.ECCurve)
	ints("mlDsaVariant", l.MLDSAVariant)
	ints("rsaPublicExponent", l.RSAPublicExponent)
	sets("rsaOaepMgfDigests", l.RSAOAEPMGFDigests)
	flags("rollbackResistance", l.RollbackResistance)
	flags("earlyBootOnly", l.EarlyBootOnly)
	ints("activeDateTime", l.ActiveDateTime)
	ints("originationExpireDateTime", l.OriginationExpireDateTime)
	ints("usageExpireDateTime", l.UsageExpireDateTime)
	ints("usageCountLimit", l.UsageCountLimit)
	flags("noAuthRequired", l.NoAuthRequired)
	ints("userAuthType", l.UserAuthType)
	ints("authTimeout", l.AuthTimeout)
	flags("allowWhileOnBody", l.AllowWhileOnBody)
	flags("trustedUserPresenceRequired", l.TrustedUserPresenceRequired)
	flags("trustedConfirmationRequired", l.TrustedConfirmationRequired)
	flags("unlockedDeviceRequired", l.UnlockedDeviceRequired)
	ints("creationDateTime", l.CreationDateTime)
	if l.Origin != nil {
		m["origin"] = map[int64]string{0: "GENERATED", 1: "DERIVED", 2: "IMPORTED", 3: "RESERVED", 4: "SECURELY_IMPORTED"}[*l.Origin]
	}
	flags("rollbackResistant", l.RollbackResistant)
	if r := l.RootOfTrust; r != nil {
		rot := map[string]any{
			"verifiedBootKey":   base64.StdEncoding.EncodeToString(r.VerifiedBootKey),
			"deviceLocked":      r.DeviceLocked,
			"verifiedBootState": r.VerifiedBootState.String(),
		}
		if r.VerifiedBootHash != nil {
			rot["verifiedBootHash"] = base64.StdEncoding.EncodeToString(r.VerifiedBootHash)
		}
		m["rootOfTrust"] = rot
	}
	ints("osVersion", l.OSVersion)
	ints("osPatchLevel", l.OSPatchLevel)
	if id := l.AttestationApplicationID; id != nil {
		pkgs := []any{}
		for _, p := range id.Packages {
			pkgs = append(pkgs, map[string]any{"name": p.Name, "version": strconv.FormatInt(p.Version, 10)})
		}
		sigs := []string{}
		for _, d := range id.SignatureDigests {
			sigs = append(sigs, base64.StdEncoding.EncodeToString(d))
		}
		m["attestationApplicationId"] = map[string]any{"packages": pkgs, "signatures": sigs}
	}
	strs("attestationIdBrand", l.AttestationIDBrand)
	strs("attestationIdDevice", l.AttestationIDDevice)
	strs("attestationIdProduct", l.AttestationIDProduct)
	strs("attestationIdSerial", l.AttestationIDSerial)
	strs("attestationIdImei", l.AttestationIDIMEI)
	strs("attestationIdMeid", l.AttestationIDMEID)
	strs("attestationIdManufacturer", l.AttestationIDManufacturer)
	strs("attestationIdModel", l.AttestationIDModel)
	ints("vendorPatchLevel", l.VendorPatchLevel)
	ints("bootPatchLevel", l.BootPatchLevel)
	flags("deviceUniqueAttestation", l.DeviceUniqueAttestation)
	strs("attestationIdSecondImei", l.AttestationIDSecondIMEI)
	if l.ModuleHash != nil {
		m["moduleHash"] = base64.StdEncoding.EncodeToString(l.ModuleHash)
	}
	return m
}
