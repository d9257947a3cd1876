package config_test

import (
	"errors"
	"fmt"

	"github.com/pramaan/pramaan/internal/config"
)

func ExampleLoad() {
	env := map[string]string{"PRAMAAN_PUBLIC_URL": "https://issuer.example.in"}
	cfg, err := config.Load("testdata/example.yaml", func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg.Server.Addr = "0.0.0.0:8443" // a command-line flag
	fmt.Println(cfg.Validate(), cfg.Server.PublicURL, cfg.Server.Addr, cfg.Limits.BatchSize)
	// Output: <nil> https://issuer.example.in 0.0.0.0:8443 10
}

func ExampleParse() {
	cfg, err := config.Parse([]byte("limits:\n  batch_size: 0\nserver:\n  public_url: http://issuer.example.in\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	err = cfg.Validate()
	fmt.Println(errors.Is(err, config.ErrInvalid))
	fmt.Println(err)
	// Output:
	// true
	// config: server.public_url: "http://issuer.example.in" must use https (http only on a loopback host, for development)
	// config: limits.batch_size: 0 is outside 1..100
}

func ExampleConfig_WellKnown() {
	cfg := config.Default()
	cfg.Encryption = config.Encryption{} // no request encryption key to publish here
	wk, err := cfg.WellKnown()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, cc := range wk.Configurations {
		fmt.Println(cc.ID, cc.Format, cc.Display[1].Name)
	}
	// Output:
	// aadhaar_mdoc mso_mdoc आधार
	// aadhaar_sd_jwt dc+sd-jwt आधार
	// education_sd_jwt dc+sd-jwt स्कूली शिक्षा
	// face_enrollment_sd_jwt dc+sd-jwt चेहरा नामांकन
}
