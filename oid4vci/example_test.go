package oid4vci_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/pramaan/pramaan/oid4vci"
)

func ExampleOfferLinkByReference() {
	link, err := oid4vci.OfferLinkByReference(oid4vci.OfferSchemeOpenID, "https://pramaan.example.in/credential-offer/k7Q")
	if err != nil {
		panic(err)
	}
	fmt.Println(link)
	// Output: openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fpramaan.example.in%2Fcredential-offer%2Fk7Q
}

func ExampleParseCredentialOfferLink() {
	link := "haip-vci://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fpramaan.example.in%22%2C" +
		"%22credential_configuration_ids%22%3A%5B%22aadhaar_mdoc%22%5D%2C%22grants%22%3A%7B%22urn%3Aietf%3Aparams%3Aoauth%3A" +
		"grant-type%3Apre-authorized_code%22%3A%7B%22pre-authorized_code%22%3A%22abc%22%2C%22tx_code%22%3A%7B%22length%22%3A6%7D%7D%7D%7D"
	got, err := oid4vci.ParseCredentialOfferLink(link, oid4vci.Limits{})
	if err != nil {
		panic(err)
	}
	g := got.Offer.Grants.PreAuthorizedCode
	fmt.Println(got.Base, got.Offer.CredentialConfigurationIDs, g.PreAuthorizedCode, g.TxCode.Length, g.TxCode.EffectiveInputMode())
	// Output: haip-vci:// [aadhaar_mdoc] abc 6 numeric
}

func ExampleParseTokenRequest() {
	form, _ := url.ParseQuery("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=abc&tx_code=493536")
	r, err := oid4vci.ParseTokenRequest(form, oid4vci.Limits{})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.PreAuthorizedCode, r.TxCode)

	_, err = oid4vci.ParseTokenRequest(url.Values{"grant_type": {"password"}}, oid4vci.Limits{})
	var e *oid4vci.Error
	if errors.As(err, &e) {
		body, _ := json.Marshal(e)
		fmt.Println(e.StatusCode(), string(body))
	}
	// Output:
	// abc 493536
	// 400 {"error":"unsupported_grant_type","error_description":"grant_type 'password' is not supported"}
}

func ExampleParseCredentialRequest() {
	body := []byte(`{"credential_configuration_id":"aadhaar_sd_jwt","credential_identifier":"x"}`)
	_, err := oid4vci.ParseCredentialRequest(body, oid4vci.Limits{MaxBatchSize: 10})
	fmt.Println(errors.Is(err, oid4vci.CodeInvalidCredentialRequest))
	fmt.Println(err)
	// Output:
	// true
	// invalid_credential_request: credential_identifier and credential_configuration_id must not both be present
}

func ExampleCredentialResponse() {
	r := oid4vci.CredentialResponse{
		Credentials:    []oid4vci.IssuedCredential{oid4vci.StringCredential("eyJ...~")},
		NotificationID: "n-1",
	}
	if err := r.Validate(); err != nil {
		panic(err)
	}
	b, _ := json.Marshal(r)
	fmt.Println(r.StatusCode(), string(b))

	deferred := oid4vci.CredentialResponse{TransactionID: "t-1", Interval: 60}
	b, _ = json.Marshal(deferred)
	fmt.Println(deferred.StatusCode(), string(b))
	// Output:
	// 200 {"credentials":[{"credential":"eyJ...~"}],"notification_id":"n-1"}
	// 202 {"transaction_id":"t-1","interval":60}
}

func ExampleParseNotificationRequest() {
	r, err := oid4vci.ParseNotificationRequest([]byte(`{"notification_id":"n-1","event":"credential_accepted"}`), oid4vci.Limits{})
	fmt.Println(r.Event, err)
	// Output: credential_accepted <nil>
}

func ExampleNewError() {
	e := oid4vci.NewError(oid4vci.CodeInvalidClient, "anonymous access is not supported")
	b, _ := json.Marshal(e)
	fmt.Println(e.StatusCode(), string(b))
	// Output: 401 {"error":"invalid_client","error_description":"anonymous access is not supported"}
}
