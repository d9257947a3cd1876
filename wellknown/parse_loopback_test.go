package wellknown_test

import (
	"testing"

	"github.com/pramaan/pramaan/wellknown"
)

func TestParseAcceptsHTTPOnLoopbackOnly(t *testing.T) {
	m, err := wellknown.ParseCredentialIssuerMetadata([]byte(`{"credential_issuer":"http://127.0.0.1:8080","credential_endpoint":"http://127.0.0.1:8080/credential","credential_configurations_supported":{}}`))
	if err != nil || m.CredentialEndpoint != "http://127.0.0.1:8080/credential" {
		t.Fatalf("loopback development issuer: %+v, %v", m, err)
	}
}
