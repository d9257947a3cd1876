package issuer_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/pramaan/pramaan/issuer"
	"github.com/pramaan/pramaan/oid4vci"
)

// TestForgetClaimsAfterTheLastIssuance: an offer made with forget_claims
// keeps its sealed claims until its last configuration is issued, then
// holds none; a further request is refused with credential_request_denied.
func TestForgetClaimsAfterTheLastIssuance(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	body, _ := json.Marshal(map[string]any{"credential_configuration_ids": []string{"aadhaar_sd_jwt", "aadhaar_mdoc"}, "claims": testClaims, "forget_claims": true})
	resp, err := h.svc.CreateOffer(ctx, h.request(http.MethodPost, "/admin/offers", nil, body))
	if err != nil {
		t.Fatal(err)
	}
	var offer issuer.OfferResponse
	json.Unmarshal(resp.Body, &offer)
	tr, err := h.tokenCall(preAuthForm(offer.CredentialOffer.Grants.PreAuthorizedCode.PreAuthorizedCode, ""), "")
	if err != nil {
		t.Fatal(err)
	}
	var tok oid4vci.TokenResponse
	json.Unmarshal(tr.Body, &tok)
	claimsLeft := func() int {
		o, err := h.store.RedeemedOffer(ctx, offer.OfferID, h.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return len(o.Claims)
	}
	issue := func(id string) error {
		b := credentialBody(t, map[string]any{"credential_identifier": id, "proofs": map[string]any{"jwt": []string{h.proof(newKey(t), h.nonce())}}})
		_, err := h.credentialCall(tok.AccessToken, "application/json", b)
		return err
	}
	if err := issue("aadhaar_sd_jwt"); err != nil {
		t.Fatal(err)
	}
	if claimsLeft() == 0 {
		t.Fatal("claims deleted while aadhaar_mdoc is unissued")
	}
	if err := issue("aadhaar_mdoc"); err != nil {
		t.Fatal(err)
	}
	if n := claimsLeft(); n != 0 {
		t.Fatalf("%d bytes of claims left after the last issuance", n)
	}
	wantCode(t, issue("aadhaar_mdoc"), oid4vci.CodeCredentialRequestDenied, http.StatusBadRequest)
}

func TestForgetClaimsRefusesDeferredConfigurations(t *testing.T) {
	h := newHarness(t)
	body, _ := json.Marshal(map[string]any{"credential_configuration_ids": []string{"aadhaar_sd_jwt_deferred"}, "claims": testClaims, "forget_claims": true})
	_, err := h.svc.CreateOffer(context.Background(), h.request(http.MethodPost, "/admin/offers", nil, body))
	wantCode(t, err, oid4vci.CodeInvalidRequest, http.StatusBadRequest)
}
