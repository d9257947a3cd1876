package wellknown

// IssuerDisplay is one entry of the issuer's display array, for one language
// (OpenID4VCI 1.0 Section 12.2.4, display).
type IssuerDisplay struct {
	Name   string `json:"name,omitempty"`
	Locale string `json:"locale,omitempty"` // BCP 47 language tag
	Logo   *Logo  `json:"logo,omitempty"`
}

// CredentialDisplay is one entry of credential_metadata.display, for one
// language (Section 12.2.4). Name is required.
type CredentialDisplay struct {
	Name            string `json:"name"`
	Locale          string `json:"locale,omitempty"`
	Logo            *Logo  `json:"logo,omitempty"`
	Description     string `json:"description,omitempty"`
	BackgroundColor string `json:"background_color,omitempty"`
	BackgroundImage *Image `json:"background_image,omitempty"`
	TextColor       string `json:"text_color,omitempty"`
}

// ClaimDisplay is one entry of a claim's display array (Appendix B.2).
type ClaimDisplay struct {
	Name   string `json:"name,omitempty"`
	Locale string `json:"locale,omitempty"`
}

// Logo is a logo reference (Section 12.2.4); URI is required and may use the
// https or data scheme.
type Logo struct {
	URI     string `json:"uri"`
	AltText string `json:"alt_text,omitempty"`
}

// Image is a background image reference (Section 12.2.4).
type Image struct {
	URI string `json:"uri"`
}
