package sandbox

import (
	"encoding/base64"
	"fmt"
	"maps"
)

// User is a synthetic identity the consent page offers. Every value is
// made up.
type User struct {
	// ID names the user to the consent page and to Subject; it is never
	// sent to a relying party, which sees only the pairwise sub.
	ID string
	// Name, Gender and Address are in English; Birthdate is YYYY-MM-DD;
	// Phone is E.164.
	Name, Birthdate, Gender, Email, Phone string
	// Address has the OpenID Connect address members (street_address,
	// locality, region, postal_code, country).
	Address map[string]string
	// Picture is a data: URL, or "" for none.
	Picture string
	// IndividualID is the MOSIP individual_id (a synthetic UIN), sent
	// only when the claims parameter asks for it.
	IndividualID string
}

// DefaultUsers are the embedded default's two synthetic users, Asha
// Verma and Rohan Mehta.
func DefaultUsers() []User {
	return []User{
		{
			ID: "asha", Name: "Asha Verma", Birthdate: "1994-08-14", Gender: "Female",
			Email: "asha.verma@example.test", Phone: "+919800000021",
			Address: map[string]string{
				"street_address": "21 Model Colony Road", "locality": "Shivajinagar",
				"region": "Maharashtra", "postal_code": "411005", "country": "IN",
			},
			Picture: avatar("AV", "#7b4bb7"), IndividualID: "9800000021",
		},
		{
			ID: "rohan", Name: "Rohan Mehta", Birthdate: "1990-03-02", Gender: "Male",
			Email: "rohan.mehta@example.test", Phone: "+919800000022",
			Address: map[string]string{
				"street_address": "14 Residency Road", "locality": "Ashok Nagar",
				"region": "Karnataka", "postal_code": "560025", "country": "IN",
			},
			Picture: avatar("RM", "#1f7a5c"), IndividualID: "9800000022",
		},
	}
}

// avatar is a small SVG with initials as a data: URL.
func avatar(initials, colour string) string {
	svg := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96">`+
		`<rect width="96" height="96" fill="%s"/>`+
		`<text x="48" y="60" font-family="sans-serif" font-size="36" fill="#fff" text-anchor="middle">%s</text></svg>`, colour, initials)
	return "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(svg))
}

// cloneUser copies u so that the caller's maps are not shared.
func cloneUser(u User) User {
	u.Address = maps.Clone(u.Address)
	return u
}
