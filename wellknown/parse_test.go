package wellknown_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/wellknown"
)

// sameJSON reports whether a and b decode to equal values.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(va, vb)
}

func TestParseSpecExamples(t *testing.T) {
	t.Run("ok/credential_issuer_metadata_sd_jwt_long.json", func(t *testing.T) {
		data := readVector(t, "credential_issuer_metadata_sd_jwt_long.json")
		md, err := wellknown.ParseCredentialIssuerMetadata(data)
		if err != nil {
			t.Fatal(err)
		}
		out, err := json.Marshal(md)
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(t, data, out) {
			t.Errorf("re-encoded document differs:\n%s", out)
		}
		if md.CredentialRequestEncryption.JWKS.Keys[0].Kid != "ac" || md.BatchCredentialIssuance.BatchSize != 10 {
			t.Errorf("members lost: %+v", md)
		}
	})
	for _, name := range []string{
		"credential_metadata_sd_jwt_vc.json", "credential_metadata_mso_mdoc.json",
		"credential_metadata_jwt_vc_json.json", "credential_metadata_ldp_vc.json",
	} {
		t.Run("ok/"+name, func(t *testing.T) {
			fragment := readVector(t, name)
			// The examples hold only credential_configurations_supported;
			// wrap them into a whole document.
			doc := `{"credential_issuer":"https://credential-issuer.example.com",` +
				`"credential_endpoint":"https://credential-issuer.example.com/credential",` +
				strings.TrimPrefix(strings.TrimSpace(string(fragment)), "{")
			md, err := wellknown.ParseCredentialIssuerMetadata([]byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(md)
			if err != nil {
				t.Fatal(err)
			}
			if !sameJSON(t, []byte(doc), out) {
				t.Errorf("re-encoded document differs:\n%s", out)
			}
		})
	}
	t.Run("ok/mso_mdoc COSE algorithms are numbers", func(t *testing.T) {
		doc := `{"credential_issuer":"https://i.example","credential_endpoint":"https://i.example/c",` +
			strings.TrimPrefix(strings.TrimSpace(string(readVector(t, "credential_metadata_mso_mdoc.json"))), "{")
		md, err := wellknown.ParseCredentialIssuerMetadata([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		algs := md.CredentialConfigurations["org.iso.18013.5.1.mDL"].CredentialSigningAlgValuesSupported
		a, ok1 := algs[0].COSE()
		b, ok2 := algs[1].COSE()
		if !ok1 || !ok2 || a != -7 || b != -9 {
			t.Errorf("algorithms = %v", algs)
		}
	})
}

func TestParseRejects(t *testing.T) {
	const head = `{"credential_issuer":"https://i.example","credential_endpoint":"https://i.example/c",`
	sd := func(extra string) string {
		return head + `"credential_configurations_supported":{"x":{"format":"dc+sd-jwt","vct":"v"` + extra + `}}}`
	}
	tests := []struct {
		name, doc, want string
	}{
		{"fail/not json", `{`, "incomplete JSON"},
		{"fail/trailing value", `{} {}`, "trailing data"},
		{"fail/duplicate member", `{"credential_issuer":"https://a.example","credential_issuer":"https://b.example"}`, `member "credential_issuer" appears twice`},
		{"fail/too deep", strings.Repeat("[", 20) + strings.Repeat("]", 20), "nesting deeper than 16"},
		{"fail/too large", `"` + strings.Repeat("a", wellknown.MaxMetadataSize) + `"`, "limit 1048576"},
		{"fail/missing issuer", `{"credential_endpoint":"https://i.example/c","credential_configurations_supported":{}}`, "credential_issuer is empty"},
		{"fail/http issuer", `{"credential_issuer":"http://i.example","credential_endpoint":"https://i.example/c","credential_configurations_supported":{}}`, "does not use the https scheme"},
		{"fail/http endpoint off loopback", `{"credential_issuer":"http://127.0.0.1:8080","credential_endpoint":"http://i.example/c","credential_configurations_supported":{}}`, "does not use https"},
		{"fail/missing endpoint", `{"credential_issuer":"https://i.example","credential_configurations_supported":{}}`, "credential_endpoint is missing"},
		{"fail/missing configurations", head[:len(head)-1] + `}`, "credential_configurations_supported is missing"},
		{"fail/batch size 1", head + `"batch_credential_issuance":{"batch_size":1},"credential_configurations_supported":{}}`, "batch_size is 1"},
		{"fail/sd-jwt without vct", head + `"credential_configurations_supported":{"x":{"format":"dc+sd-jwt"}}}`, "vct is missing"},
		{"fail/mdoc without doctype", head + `"credential_configurations_supported":{"x":{"format":"mso_mdoc"}}}`, "doctype is missing"},
		{"fail/proof types without binding", sd(`,"proof_types_supported":{"jwt":{"proof_signing_alg_values_supported":["ES256"]}}`), "proof_types_supported without cryptographic_binding_methods_supported"},
		{"fail/proof alg none", sd(`,"cryptographic_binding_methods_supported":["jwk"],"proof_types_supported":{"jwt":{"proof_signing_alg_values_supported":["none"]}}`), `lists "none"`},
		{"fail/alg is a float", sd(`,"credential_signing_alg_values_supported":[-7.5]`), "neither a string nor an integer"},
		{"fail/path negative", sd(`,"credential_metadata":{"claims":[{"path":["a",-1]}]}`), "component 1 is \"-1\""},
		{"fail/path object element", sd(`,"credential_metadata":{"claims":[{"path":[{}]}]}`), "component 0 is \"{}\""},
		{"fail/path empty", sd(`,"credential_metadata":{"claims":[{"path":[]}]}`), "claims path pointer is empty"},
		{"fail/path duplicate", sd(`,"credential_metadata":{"claims":[{"path":["a"]},{"path":["a"]}]}`), "is described twice"},
		{"fail/display without name", sd(`,"credential_metadata":{"display":[{"locale":"en"}]}`), "display[0].name is missing"},
		{"fail/display duplicate locale", sd(`,"credential_metadata":{"display":[{"name":"a","locale":"en-US"},{"name":"b","locale":"en-us"}]}`), "repeats entry 0"},
		{"fail/mdoc path too short", head + `"credential_configurations_supported":{"x":{"format":"mso_mdoc","doctype":"d","credential_metadata":{"claims":[{"path":["ns"]}]}}}}`, "needs a namespace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wellknown.ParseCredentialIssuerMetadata([]byte(tt.doc))
			if !errors.Is(err, wellknown.ErrMalformed) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want ErrMalformed containing %q", err, tt.want)
			}
		})
	}
}
