package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/pramaan/pramaan/identity/esignet"
	esignetsandbox "github.com/pramaan/pramaan/identity/esignet/sandbox"
	"github.com/pramaan/pramaan/internal/config"
	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/internal/portal"
)

// eSignet sandbox registration of the embedded default.
const (
	SandboxESignetClientID = "pramaan-sandbox"
	ESignetSandboxPrefix   = "/sandbox/esignet"
)

// newESignet builds the eSignet relying party and, in sandbox mode, the
// simulator it talks to (mounted at ESignetSandboxPrefix); nil, nil when
// esignet.mode is off.
func newESignet(cfg *config.Config, ks *keys.Keystore, now func() time.Time) (*esignet.RP, *esignetsandbox.Sandbox, error) {
	e := cfg.ESignet
	if e.Mode == config.ESignetOff {
		return nil, nil, nil
	}
	rpKeys, err := ks.RPKeys()
	if err != nil {
		return nil, nil, err
	}
	public := strings.TrimRight(cfg.Server.PublicURL, "/")
	rc := esignet.Config{
		Issuer: e.Issuer, DiscoveryURL: e.DiscoveryURL, ClientID: e.ClientID, RedirectURI: public + portal.PathESignetCallback,
		Signer: rpKeys.Signer, KeyID: rpKeys.KeyID, Decrypter: rpKeys.Decrypter,
		Scopes: e.Scopes, ACRValues: e.ACRValues, Claims: e.Claims, ClaimsLocales: e.ClaimsLocales,
		HTTP: &http.Client{Timeout: e.Timeout}, Now: now,
	}
	var sb *esignetsandbox.Sandbox
	if e.Mode == config.ESignetSandbox {
		rc.Issuer, rc.DiscoveryURL, rc.ClientID = public+ESignetSandboxPrefix, "", SandboxESignetClientID
		client, err := sandboxClient(rpKeys, rc.RedirectURI, e.EncryptedUserinfo)
		if err != nil {
			return nil, nil, err
		}
		if sb, err = esignetsandbox.New(esignetsandbox.Config{Issuer: rc.Issuer, Clients: []esignetsandbox.Client{client}, Now: now}); err != nil {
			return nil, nil, err
		}
	}
	rp, err := esignet.New(rc)
	if err != nil {
		return nil, nil, fmt.Errorf("esignet: %w", err)
	}
	return rp, sb, nil
}

// sandboxClient registers the relying party's public keys with the
// simulator, as an operator registers them with a real eSignet.
func sandboxClient(k *keys.RPKeys, redirectURI string, encrypted bool) (esignetsandbox.Client, error) {
	raw, err := json.Marshal(k.PublicJWKS())
	if err != nil {
		return esignetsandbox.Client{}, err
	}
	all, err := jwk.Parse(raw)
	if err != nil {
		return esignetsandbox.Client{}, fmt.Errorf("esignet sandbox: relying-party JWKS: %w", err)
	}
	sig, enc := jwk.NewSet(), jwk.Key(nil)
	for i := range all.Len() {
		key, _ := all.Key(i)
		if use, _ := key.KeyUsage(); use == "enc" {
			enc = key
		} else if err := sig.AddKey(key); err != nil {
			return esignetsandbox.Client{}, err
		}
	}
	c := esignetsandbox.Client{ID: SandboxESignetClientID, JWKS: sig, RedirectURIs: []string{redirectURI}}
	if encrypted {
		c.UserinfoEncryptionKey = enc
	}
	return c, nil
}
