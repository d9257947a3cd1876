package digilocker

import (
	"encoding/json"
	"testing"
)

// FuzzIssuedList reads arbitrary issued-document lists: mime as string or
// array, size as number or string; never a panic.
func FuzzIssuedList(f *testing.F) {
	f.Add([]byte(`{"items":[{"name":"Aadhaar Card","type":"file","size":"","date":"15-05-2020","parent":"","mime":["application/pdf","application/xml"],"uri":"in.gov.uidai-ADHAR-5ccbc3124cd4a8c6b3120deca8f4b654","doctype":"ADHAR","issuerid":"in.gov.uidai","issuer":"UIDAI"}]}`))
	f.Add([]byte(`{"items":[{"mime":"application/pdf","size":"2048"},{"size":12,"mime":null}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var w struct {
			Items []Document `json:"items"`
		}
		if json.Unmarshal(b, &w) == nil {
			for _, d := range w.Items {
				d.HasXML()
			}
		}
	})
}

// FuzzTokenFields reads token-response numbers in both forms.
func FuzzTokenFields(f *testing.F) {
	f.Add([]byte(`{"expires_in":3600,"consent_valid_till":"1767225599","dob":"31121970"}`))
	f.Add([]byte(`{"expires_in":"3600","consent_valid_till":1767225599}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var w struct {
			ExpiresIn        flexInt `json:"expires_in"`
			ConsentValidTill flexInt `json:"consent_valid_till"`
			User
		}
		if json.Unmarshal(b, &w) == nil {
			w.User.BirthDate()
		}
	})
}
