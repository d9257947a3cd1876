package testvectors

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pramaan/pramaan/attestation/android"
)

// AndroidChainCase is one shared Android key attestation chain and the
// Reason it must give under each policy ("" means valid).
type AndroidChainCase struct {
	File string
	// At and Challenge: "" means from the .json beside the chain
	// (creationDateTime and attestationChallenge).
	At        string
	Challenge string
	// Want* is the Reason under the permissive policy (genuine-chain
	// checks only), the strict policy with --allow-test-devices, and the
	// full strict policy; "" means valid.
	WantGenuine, WantTestDevices, WantStrict android.Reason
}

// The expected outcomes. Google's VerifierTest expects every
// <model>/sdk<N>/*.pem to verify at its creation time; the software-root
// ones are refused for their security level, the StrongBox samples of the
// old Java library end at a non-Google root, the edited leaf's signature
// fails and the non-DER boolean in a RootOfTrust fails to parse (see
// ../shared/reference/android-attestation-and-mdoc.md A.5).
func AndroidChainCases() []AndroidChainCase {
	return []AndroidChainCase{
		{File: "android-keyattestation/akita/sdk34/SB_RSA_NONE.pem", WantTestDevices: android.ReasonKeyProperties, WantStrict: android.ReasonKeyProperties},
		{File: "android-keyattestation/akita/sdk34/TEE_EC_NONE.pem", WantStrict: android.ReasonVerifiedBoot},
		{File: "android-keyattestation/akita/sdk34/TEE_RSA_BASE+IMEI.pem", WantTestDevices: android.ReasonKeyProperties, WantStrict: android.ReasonKeyProperties},
		{File: "android-keyattestation/akita/sdk34/TEE_RSA_NONE.pem", WantTestDevices: android.ReasonKeyProperties, WantStrict: android.ReasonKeyProperties},
		{File: "android-keyattestation/akita/sdk34/TEE_RSA_NONE_USERAUTH.pem", WantTestDevices: android.ReasonKeyProperties, WantStrict: android.ReasonKeyProperties},
		{File: "android-keyattestation/blueline/sdk28/SB_RSA_NONE.pem", WantTestDevices: android.ReasonKeyProperties, WantStrict: android.ReasonKeyProperties},
		{File: "android-keyattestation/blueline/sdk28/SB_RSA_NONE_USERAUTH.pem", WantTestDevices: android.ReasonKeyProperties, WantStrict: android.ReasonKeyProperties},
		{File: "android-keyattestation/blueline/sdk28/TEE_EC_NONE.pem", WantStrict: android.ReasonVerifiedBoot},
		{File: "android-keyattestation/blueline/sdk28/TEE_RSA_BASE+IMEI.pem", WantTestDevices: android.ReasonKeyProperties, WantStrict: android.ReasonKeyProperties},
		{File: "android-keyattestation/blueline/sdk28/TEE_RSA_NONE.pem", WantTestDevices: android.ReasonKeyProperties, WantStrict: android.ReasonKeyProperties},
		{File: "android-keyattestation/caiman/sdk36/SB_EC_RKP.pem"},
		{File: "android-keyattestation/caiman/sdk36/TEE_EC_RKP.pem"},
		{File: "android-keyattestation/marlin/sdk29/TEE_EC_NONE.pem", WantGenuine: android.ReasonSecurityLevel, WantTestDevices: android.ReasonSecurityLevel, WantStrict: android.ReasonSecurityLevel},
		{File: "android-keyattestation/marlin/sdk29/TEE_RSA_NONE.pem", WantGenuine: android.ReasonSecurityLevel, WantTestDevices: android.ReasonSecurityLevel, WantStrict: android.ReasonSecurityLevel},
		{File: "android-keyattestation/sony-xperia10-iii/sdk33/TEE_EC.pem", WantStrict: android.ReasonPatchLevel},
		{File: "android-keyattestation/tegu/sdk36/SB_EC_2026_ROOT.pem"},
		{File: "android-keyattestation/tegu/sdk36/TEE_EC_2026_ROOT.pem"},
		{File: "android-keyattestation/tegu/sdk37/TEE_MAX_USAGE_COUNT.pem", WantStrict: android.ReasonVerifiedBoot},
		{File: "android-keyattestation/tegu/sdk37/TEE_TRUSTED_CONF.pem", WantStrict: android.ReasonVerifiedBoot},
		{File: "android-keyattestation/tokay/sdk37/TEE_MLDSA_FACTORY.pem", WantTestDevices: android.ReasonKeyProperties, WantStrict: android.ReasonKeyProperties},
		{File: "android-keyattestation/tokay/sdk37/TEE_MLDSA_RKP.pem", WantTestDevices: android.ReasonKeyProperties, WantStrict: android.ReasonKeyProperties},
		{File: "android-keyattestation/invalid/malformed_rot_device_locked.pem", At: "2026-11-22T00:00:00Z", Challenge: "x",
			WantGenuine: android.ReasonKeyDescription, WantTestDevices: android.ReasonKeyDescription, WantStrict: android.ReasonKeyDescription},
		{File: "android-keyattestation/invalid/tags_not_in_ascending_order.pem", At: "2024-09-26T22:31:25Z", Challenge: "challenge",
			WantGenuine: android.ReasonSignature, WantTestDevices: android.ReasonSignature, WantStrict: android.ReasonSignature},
		{File: "android-keyattestation/allow_while_on_body.pem", At: "2024-01-01T00:00:00Z", Challenge: "x",
			WantGenuine: android.ReasonChainLength, WantTestDevices: android.ReasonChainLength, WantStrict: android.ReasonChainLength},
		{File: "android-keyattestation/p256_sha384_intermediate.pem", At: "2024-01-01T00:00:00Z", Challenge: "x",
			WantGenuine: android.ReasonUntrustedRoot, WantTestDevices: android.ReasonUntrustedRoot, WantStrict: android.ReasonUntrustedRoot},
		{File: "google-android-key-attestation/algorithm_EC_SecurityLevel_TEE.chain.pem", At: "2024-10-20T00:00:00Z", Challenge: "abc", WantStrict: android.ReasonVerifiedBoot},
		{File: "google-android-key-attestation/algorithm_RSA_SecurityLevel_TEE.chain.pem", At: "2024-10-20T00:00:00Z", Challenge: "abc",
			WantTestDevices: android.ReasonKeyProperties, WantStrict: android.ReasonKeyProperties},
		{File: "google-android-key-attestation/algorithm_EC_SecurityLevel_StrongBox.chain.pem", At: "2024-10-20T00:00:00Z", Challenge: "abc",
			WantGenuine: android.ReasonUntrustedRoot, WantTestDevices: android.ReasonUntrustedRoot, WantStrict: android.ReasonUntrustedRoot},
		{File: "google-android-key-attestation/algorithm_RSA_SecurityLevel_StrongBox.chain.pem", At: "2024-10-20T00:00:00Z", Challenge: "abc",
			WantGenuine: android.ReasonUntrustedRoot, WantTestDevices: android.ReasonUntrustedRoot, WantStrict: android.ReasonUntrustedRoot},
	}
}

// AndroidChainInputs returns the verification time and challenge of a
// case: its own, or those of Google's decoding beside the chain.
func AndroidChainInputs(root string, c AndroidChainCase) (time.Time, []byte, error) {
	if c.At != "" {
		at, err := time.Parse(time.RFC3339, c.At)
		return at, []byte(c.Challenge), err
	}
	data, err := os.ReadFile(filepath.Join(root, "android-key-attestation", strings.TrimSuffix(c.File, ".pem")+".json"))
	if err != nil {
		return time.Time{}, nil, err
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "//") {
			lines = append(lines, l)
		}
	}
	var g struct {
		AttestationChallenge string `json:"attestationChallenge"`
		SoftwareEnforced     struct {
			CreationDateTime string `json:"creationDateTime"`
		} `json:"softwareEnforced"`
	}
	if err := json.Unmarshal([]byte(strings.Join(lines, "\n")), &g); err != nil {
		return time.Time{}, nil, fmt.Errorf("%s: %w", c.File, err)
	}
	ms, err := strconv.ParseInt(g.SoftwareEnforced.CreationDateTime, 10, 64)
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("%s: creationDateTime: %w", c.File, err)
	}
	ch, err := base64.StdEncoding.DecodeString(g.AttestationChallenge)
	return time.UnixMilli(ms), ch, err
}

// runAndroidChains verifies every shared chain under the genuine-chain
// policy and the strict policy with test devices allowed, against the
// sample status list, and requires each expected Reason.
func runAndroidChains(root string) []Case {
	dir := filepath.Join(root, "android-key-attestation")
	data, err := os.ReadFile(filepath.Join(dir, "status-list", "status_test_google_android-key-attestation.json"))
	if err != nil {
		return []Case{{Name: "status list", Err: err}}
	}
	list, err := android.ParseStatusList(data)
	if err != nil {
		return []Case{{Name: "status list", Err: err}}
	}
	genuine := android.StrictPolicy().AllowTestDevices()
	genuine.KeyAlgorithms = nil
	policies := []struct {
		name   string
		policy android.Policy
		want   func(AndroidChainCase) android.Reason
	}{
		{"genuine chain", genuine, func(c AndroidChainCase) android.Reason { return c.WantGenuine }},
		{"strict, test devices allowed", android.StrictPolicy().AllowTestDevices(), func(c AndroidChainCase) android.Reason { return c.WantTestDevices }},
	}
	var out []Case
	for _, p := range policies {
		v, err := android.NewVerifier(android.Config{Policy: p.policy, Status: android.StaticStatus{List: list}})
		if err != nil {
			return append(out, Case{Name: p.name, Err: err})
		}
		for _, c := range AndroidChainCases() {
			name := fmt.Sprintf("%s: %s", c.File, p.name)
			at, challenge, err := AndroidChainInputs(root, c)
			if err != nil {
				out = append(out, Case{Name: name, Err: err})
				continue
			}
			pemData, err := os.ReadFile(filepath.Join(dir, c.File))
			if err != nil {
				out = append(out, Case{Name: name, Err: err})
				continue
			}
			chain, err := android.PEMChain(pemData)
			if err != nil {
				out = append(out, Case{Name: name, Err: err})
				continue
			}
			_, verr := v.Verify(context.Background(), chain, challenge, at)
			if got, want := android.ReasonOf(verr), p.want(c); got != want {
				err = fmt.Errorf("reason %q, want %q (%v)", got, want, verr)
			}
			out = append(out, Case{Name: name, Err: err})
		}
	}
	return out
}
