package extract

import (
	_ "embed"
	"fmt"
)

//go:embed default.yaml
var defaultYAML []byte

// DefaultConfig returns a new copy of the embedded default configuration
// (default.yaml): the Certificate XML fields of ADHAR, PANCR, DRVLC, SSCER
// and HSCER, and the profile fields name, birth_date, gender, pan,
// driving_licence, education, class_x_result and class_xii_result.
func DefaultConfig() *Config {
	cfg, err := ParseConfig(defaultYAML)
	if err != nil {
		// default.yaml is part of the source; TestDefaultConfig keeps it valid.
		panic(fmt.Sprintf("extract: embedded default.yaml is invalid: %v", err))
	}
	return cfg
}
