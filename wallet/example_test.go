package wallet_test

import (
	"context"
	"crypto"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/wallet"
	"github.com/pramaan/pramaan/wallet/wallettest"
)

// Receive runs the whole flow for an offer link, as a wallet app does
// when the holder scans a QR code: every credential is verified against
// the trust roots and bound to a fresh holder key before it is returned.
func ExampleClient_Receive() {
	fi, err := wallettest.Start(wallettest.Options{TxCode: "493536"})
	if err != nil {
		panic(err)
	}
	defer fi.Close()
	link := fi.Offer(true) // openid-credential-offer://?credential_offer_uri=...

	c := &wallet.Client{Roots: fi.Roots}
	got, err := c.Receive(context.Background(), link, wallet.ReceiveOptions{TxCode: "493536", Encrypt: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range got {
		fmt.Println(r.Format, r.ConfigurationID, r.KeyID != "")
	}
	// Output:
	// dc+sd-jwt pid_sd_jwt true
	// mso_mdoc pid_mdoc true
}

// The steps one by one, as a benchmark times them: offer, metadata,
// token, c_nonce, credential, verification and notification.
func ExampleClient_Credential() {
	fi, err := wallettest.Start(wallettest.Options{})
	if err != nil {
		panic(err)
	}
	defer fi.Close()
	ctx := context.Background()
	c := &wallet.Client{Roots: fi.Roots}

	offer, _ := c.ParseOffer(ctx, fi.Offer(false, wallettest.SDJWTConfig))
	iss, err := c.Discover(ctx, offer.CredentialIssuer)
	if err != nil {
		panic(err)
	}
	sess, err := c.Token(ctx, iss, offer, "")
	if err != nil {
		panic(err)
	}
	nonce, _ := c.Nonce(ctx, sess)
	holder, id, _ := wallet.NewMemoryKeyStore().NewKey(ctx)
	res, err := c.Credential(ctx, sess, wallet.CredentialOptions{
		ConfigurationID: wallettest.SDJWTConfig, Keys: []crypto.Signer{holder}, Nonce: nonce,
	})
	if err != nil {
		panic(err)
	}
	v, err := c.Verify(ctx, res.Credentials[0], wallet.VerifyOptions{
		Format: oid4vci.FormatSDJWTVC, VCT: wallettest.VCT, Issuer: iss.Metadata.CredentialIssuer, Holders: []crypto.PublicKey{holder.Public()},
	})
	if err != nil {
		panic(err)
	}
	if err := c.Notify(ctx, sess, res.NotificationID, oid4vci.EventCredentialAccepted); err != nil {
		panic(err)
	}
	fmt.Println(sess.TokenType, res.Status, len(id), v.Claims["name"])
	// Output: DPoP 200 43 Asha Verma
}

// A FileKeyStore keeps each holder key as a 0600 PEM file named by its
// RFC 7638 thumbprint.
func ExampleFileKeyStore() {
	dir, _ := os.MkdirTemp("", "keys")
	defer os.RemoveAll(dir)
	ks := wallet.FileKeyStore{Dir: dir}
	k, id, err := ks.NewKey(context.Background())
	if err != nil {
		panic(err)
	}
	again, _ := ks.Key(context.Background(), id)
	fi, _ := os.Stat(filepath.Join(dir, id+".pem"))
	fmt.Println(fi.Mode().Perm(), again.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(k.Public()))
	// Output: -rw------- true
}
