package config

import "time"

// Default values of the embedded configuration.
const (
	DefaultAddr      = "127.0.0.1:8080"
	DefaultPublicURL = "http://127.0.0.1:8080"
	DefaultDataDir   = "./pramaan-data"

	// AadhaarVCT is the vct of aadhaar_sd_jwt. It follows the pattern of
	// the EU PID (urn:eudi:pid:1): a syntactically valid RFC 8141 URN with
	// a version suffix. It is deliberately not under in.gov.uidai: Pramaan
	// is not UIDAI and UIDAI has published no vct; a deployment run by the
	// authority sets its own.
	AadhaarVCT = "urn:pramaan:aadhaar:1"
	// AadhaarDoctype is the doctype, and the namespace, of aadhaar_mdoc.
	AadhaarDoctype = "in.gov.uidai.aadhaar.1"
	// EducationVCT is the vct of education_sd_jwt, built from DigiLocker's
	// class X and XII marksheets (SSCER, HSCER).
	EducationVCT = "urn:pramaan:education:1"
	// FaceEnrollmentVCT is the vct of face_enrollment_sd_jwt: the facts of
	// a face enrolment gated by e-KYC (identity/face), and the e-KYC photo
	// as portrait when the citizen adds it to a wallet.
	FaceEnrollmentVCT = "urn:pramaan:face-enrollment:1"
)

// Default returns the embedded default configuration: a development issuer
// on the loopback interface with SQLite in ./pramaan-data, offering Aadhaar
// as SD-JWT VC and as mdoc. Each call returns a fresh value.
func Default() *Config {
	display := func() map[string]Display {
		return map[string]Display{
			"en": {Name: "Aadhaar", Description: "Aadhaar identity credential"},
			"hi": {Name: "आधार", Description: "आधार पहचान क्रेडेंशियल"},
		}
	}
	return &Config{
		Server: Server{
			Addr:      DefaultAddr,
			PublicURL: DefaultPublicURL,
			DataDir:   DefaultDataDir,
		},
		Limits: Limits{
			MaxBodyBytes:         64 << 10,
			PreAuthorizedCodeTTL: 10 * time.Minute,
			OfferTTL:             10 * time.Minute,
			CNonceTTL:            5 * time.Minute,
			TxCodeMaxAttempts:    5,
			AccessTokenTTL:       10 * time.Minute,
			ProofMaxAge:          5 * time.Minute,
			ClockSkew:            30 * time.Second,
			BatchSize:            10,
			IdempotencyWindow:    60 * time.Second,
		},
		DigiLocker: defaultDigiLocker(),
		EKYC:       defaultEKYC(),
		ESignet:    defaultESignet(),
		Face:       defaultFace(),
		Status:     defaultStatus(),
		Callbacks: Callbacks{
			MaxAttempts: 10,
			BaseDelay:   2 * time.Second,
			MaxDelay:    15 * time.Minute,
			Timeout:     15 * time.Second,
			Lease:       time.Minute,
			Poll:        time.Second,
		},
		Languages: []string{"en", "hi"},
		Issuer: Issuer{
			Display: map[string]string{"en": "Pramaan", "hi": "प्रमाण"},
		},
		CredentialConfigurations: map[string]CredentialConfiguration{
			"aadhaar_sd_jwt": {
				Format:          FormatSDJWTVC,
				VCT:             AadhaarVCT,
				SigningAlg:      "ES256",
				Binding:         BindingJWK,
				ProofTypes:      ProofTypes{JWT: &JWTProofType{SigningAlgs: []string{"ES256"}}},
				Validity:        365 * 24 * time.Hour,
				Display:         display(),
				BackgroundColor: "#12107c",
				TextColor:       "#ffffff",
				Claims:          aadhaarClaims(nil, true),
			},
			"aadhaar_mdoc": {
				Format:          FormatMDoc,
				Doctype:         AadhaarDoctype,
				Namespace:       AadhaarDoctype,
				COSEAlg:         -7, // ES256 (RFC 9053 Section 2.1)
				Binding:         BindingCOSEKey,
				ProofTypes:      ProofTypes{JWT: &JWTProofType{SigningAlgs: []string{"ES256"}}},
				Validity:        365 * 24 * time.Hour,
				Display:         display(),
				BackgroundColor: "#12107c",
				TextColor:       "#ffffff",
				Claims:          aadhaarClaims([]any{AadhaarDoctype}, false),
			},
			"education_sd_jwt": {
				Format:     FormatSDJWTVC,
				VCT:        EducationVCT,
				SigningAlg: "ES256",
				Binding:    BindingJWK,
				ProofTypes: ProofTypes{JWT: &JWTProofType{SigningAlgs: []string{"ES256"}}},
				Validity:   5 * 365 * 24 * time.Hour,
				Display: map[string]Display{
					"en": {Name: "School education", Description: "Class X and XII results from DigiLocker marksheets"},
					"hi": {Name: "स्कूली शिक्षा", Description: "डिजिलॉकर अंकपत्रों से कक्षा 10 और 12 के परिणाम"},
				},
				BackgroundColor: "#0b6e4f",
				TextColor:       "#ffffff",
				Claims:          educationClaims(),
			},
			"face_enrollment_sd_jwt": {
				Format:     FormatSDJWTVC,
				VCT:        FaceEnrollmentVCT,
				SigningAlg: "ES256",
				Binding:    BindingJWK,
				ProofTypes: ProofTypes{JWT: &JWTProofType{SigningAlgs: []string{"ES256"}}},
				Validity:   365 * 24 * time.Hour,
				Display: map[string]Display{
					"en": {Name: "Face enrollment", Description: "A face template enrolled against a verified e-KYC photo"},
					"hi": {Name: "चेहरा नामांकन", Description: "सत्यापित ई-केवाईसी फ़ोटो के साथ नामांकित चेहरा टेम्पलेट"},
				},
				BackgroundColor: "#4a2c6d",
				TextColor:       "#ffffff",
				Claims:          faceClaims(),
			},
		},
		Encryption: Encryption{
			Request: RequestEncryption{
				Enabled: true,
				Enc:     []string{"A128GCM", "A256GCM"},
				Zip:     []string{"DEF"},
			},
			Response: ResponseEncryption{
				Enabled: true,
				Alg:     []string{"ECDH-ES", "RSA-OAEP-256"},
				Enc:     []string{"A128GCM", "A256GCM"},
				Zip:     []string{"DEF"},
			},
		},
	}
}

// aadhaarClaims returns the default claims, their paths under prefix (the
// mdoc namespace, or nothing for SD-JWT VC).
//
// The address members follow the proof-of-address element of UIDAI's
// offline e-KYC data (house, street, loc, vtc, dist, state, pc, country),
// the source the record is filled from, with readable names. care_of is
// left out (it names another person), and so are landmark, post office and
// sub-district, which a verifier does not need next to the PIN code.
func aadhaarClaims(prefix []any, sd bool) []Claim {
	path := func(parts ...any) []any { return append(append([]any{}, prefix...), parts...) }
	claim := func(mandatory bool, source string, en, hi string, parts ...any) Claim {
		return Claim{
			Path:                   path(parts...),
			Source:                 source,
			Mandatory:              mandatory,
			SelectivelyDisclosable: sd,
			Display:                map[string]string{"en": en, "hi": hi},
		}
	}
	return []Claim{
		claim(true, "name", "Name", "नाम", "name"),
		claim(true, "birth_date", "Date of birth", "जन्म तिथि", "birth_date"),
		claim(false, "gender", "Gender", "लिंग", "gender"),
		claim(false, "address", "Address", "पता", "address"),
		claim(false, "address.house", "House", "मकान", "address", "house"),
		claim(false, "address.street", "Street", "गली", "address", "street"),
		claim(false, "address.locality", "Locality", "इलाका", "address", "locality"),
		claim(false, "address.city", "Village, town or city", "गाँव, कस्बा या शहर", "address", "city"),
		claim(false, "address.district", "District", "ज़िला", "address", "district"),
		claim(false, "address.state", "State", "राज्य", "address", "state"),
		claim(false, "address.pincode", "PIN code", "पिन कोड", "address", "pincode"),
		claim(false, "address.country", "Country", "देश", "address", "country"),
		claim(false, "aadhaar_last4", "Aadhaar (last 4 digits)", "आधार (अंतिम 4 अंक)", "aadhaar_last4"),
		claim(false, "portrait", "Photo", "फ़ोटो", "portrait"),
	}
}

// educationClaims are the claims of education_sd_jwt: the holder, the
// highest school examination passed (class XII, else class X: the
// extraction's fallback chain) and each marksheet's facts. Record claims
// education.class_xii.* come from HSCER, education.class_x.* from SSCER.
// faceClaims are the enrolment facts (from the record, source
// face_enrollment) and the portrait, when the offer carries the e-KYC
// photo.
func faceClaims() []Claim {
	claim := func(mandatory bool, source, en, hi string, path ...any) Claim {
		return Claim{Path: path, Source: source, Mandatory: mandatory, SelectivelyDisclosable: true,
			Display: map[string]string{"en": en, "hi": hi}}
	}
	return []Claim{
		claim(true, "name", "Name", "नाम", "name"),
		claim(true, "face.enrolled", "Face enrolled", "चेहरा नामांकित", "face_enrolled"),
		claim(true, "face.model", "Face model", "चेहरा मॉडल", "face_model"),
		claim(true, "face.enrolled_on", "Enrolled on", "नामांकन तिथि", "face_enrolled_on"),
		claim(false, "portrait", "Photo", "फ़ोटो", "portrait"),
	}
}

func educationClaims() []Claim {
	claim := func(mandatory bool, source, en, hi string, path ...any) Claim {
		return Claim{Path: path, Source: source, Mandatory: mandatory, SelectivelyDisclosable: true,
			Display: map[string]string{"en": en, "hi": hi}}
	}
	out := []Claim{
		claim(true, "name", "Name", "नाम", "name"),
		claim(false, "birth_date", "Date of birth", "जन्म तिथि", "birth_date"),
		claim(true, "education.highest", "Highest examination passed", "उत्तीर्ण उच्चतम परीक्षा", "highest_examination"),
	}
	for _, level := range []struct{ key, en, hi string }{{"class_xii", "Class XII", "कक्षा 12"}, {"class_x", "Class X", "कक्षा 10"}} {
		src := "education." + level.key
		out = append(out,
			claim(false, src, level.en, level.hi, level.key),
			claim(false, src+".examination", "Examination", "परीक्षा", level.key, "examination"),
			claim(false, src+".exam_year", "Year", "वर्ष", level.key, "year"),
			claim(false, src+".result", "Result", "परिणाम", level.key, "result"),
			claim(false, src+".school", "School", "विद्यालय", level.key, "school"),
			claim(false, src+".number", "Certificate number", "प्रमाणपत्र संख्या", level.key, "certificate_number"),
		)
	}
	return out
}
