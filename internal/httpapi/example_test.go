package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/pramaan/pramaan/internal/httpapi"
	"github.com/pramaan/pramaan/issuer"
	"github.com/pramaan/pramaan/oid4vci"
)

// nonceService answers the Nonce endpoint and refuses every other one;
// in the binary, *issuer.Service fills this place.
type nonceService struct{ httpapi.Service }

func (nonceService) Nonce(context.Context, *issuer.Request) (*issuer.Response, error) {
	return &issuer.Response{
		Status:      http.StatusOK,
		ContentType: "application/json",
		Body:        []byte(`{"c_nonce":"wKI4LT17ac15ES9bw8ac4"}`),
	}, nil
}

func (nonceService) Token(context.Context, *issuer.Request) (*issuer.Response, error) {
	return nil, oid4vci.NewError(oid4vci.CodeInvalidGrant, "the pre-authorized code was already used")
}

type alwaysReady struct{}

func (alwaysReady) Ping(context.Context) error { return nil }

type exampleAdminToken string

func (t exampleAdminToken) Check(s string) bool { return s == string(t) }

func ExampleNew() {
	app, err := httpapi.New(httpapi.Config{
		PublicURL: "https://issuer.example",
		Service:   nonceService{},
		Admin:     exampleAdminToken("change-me-admin-token"),
		Ready:     alwaysReady{},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// In the binary: app.Listen("127.0.0.1:8080"), and app.Shutdown() on exit.
	for _, path := range []string{"/nonce", "/token"} {
		req, _ := http.NewRequest(http.MethodPost, "https://issuer.example"+path, http.NoBody)
		resp, err := app.Test(req, -1)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(path, resp.StatusCode, resp.Header.Get("Cache-Control"), string(body))
	}
	// Output:
	// /nonce 200 no-store {"c_nonce":"wKI4LT17ac15ES9bw8ac4"}
	// /token 400 no-store {"error":"invalid_grant","error_description":"the pre-authorized code was already used"}
}
