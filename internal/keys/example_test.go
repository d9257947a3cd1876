package keys_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/pramaan/pramaan/internal/keys"
)

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "pramaan-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ks, warnings, err := keys.Open(filepath.Join(dir, "pramaan-data"), keys.Options{
		// Production passes os.LookupEnv; PRAMAAN_ADMIN_TOKEN then wins.
		LookupEnv: func(string) (string, bool) { return "", false },
		IssuerURL: "https://issuer.example.in",
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, w := range warnings {
		log.Print(w)
	}
	signer := ks.CredentialSigner()
	fmt.Println(signer.Algorithm(), len(signer.KeyID()), ks.RequestDecrypter().Algorithm())
	fmt.Println(ks.IACA().Subject.CommonName, "/", ks.DocumentSigner().Chain()[0].Subject.CommonName)
	fmt.Println(strings.HasSuffix(fmt.Sprint(signer), "secret:REDACTED}"))
	fmt.Println(filepath.Base(ks.AdminToken().Path()))
	// Output:
	// ES256 43 ECDH-ES
	// Pramaan development IACA / Pramaan document signer
	// true
	// admin-token
}

func ExampleDataKey_Seal() {
	dk, err := keys.NewDataKey([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		log.Fatal(err)
	}
	aad := []byte("identity_records/42/address") // binds the row
	sealed, err := dk.Seal([]byte("12 MG Road, Bengaluru"), aad)
	if err != nil {
		log.Fatal(err)
	}
	plain, err := dk.Open(sealed, aad)
	fmt.Println(string(plain), err)
	_, err = dk.Open(sealed, []byte("identity_records/43/address"))
	fmt.Println(err)
	// Output:
	// 12 MG Road, Bengaluru <nil>
	// keys: decryption failed
}
