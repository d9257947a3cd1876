module github.com/pramaan/pramaan

go 1.26.8

require (
	github.com/fxamacker/cbor/v2 v2.9.6
	github.com/veraison/go-cose v1.3.0
	gopkg.in/yaml.v3 v3.0.1
)

require github.com/x448/float16 v0.8.4 // indirect
