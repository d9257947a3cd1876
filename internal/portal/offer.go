package portal

import (
	"context"
	"net/http"
	"strings"

	"github.com/pramaan/pramaan/identity/record"
	"github.com/pramaan/pramaan/internal/audit"
	"github.com/pramaan/pramaan/issuer"
)

// Offer is a credential offer made for the signed-in citizen.
type Offer struct {
	*issuer.OfferResponse
	Configurations []string `json:"configurations"`
}

// NewOffer offers every configured credential the subject's verified
// claims fill, by reference (a short QR code), with the record's claims.
func (s *Service) NewOffer(ctx context.Context, subject string) (*Offer, error) {
	claims, err := s.cfg.Record.CredentialClaims(ctx, subject)
	if err != nil {
		return nil, err
	}
	// The portrait comes from the e-Aadhaar, read again for this offer
	// only: it lives sealed in the offer and is deleted as soon as the
	// credentials are issued (forget_claims), never in the record.
	photo := s.eAadhaarPhoto(ctx, subject)
	if photo != "" {
		claims["portrait"] = photo
	}
	var ids []string
	for _, id := range s.cfg.Configurations {
		if s.cfg.Offers.CheckClaims(id, claims) == nil {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, newError(http.StatusConflict, "claims_missing", "no credential can be made from the verified claims yet; share documents first", nil)
	}
	res, err := s.cfg.Offers.NewOffer(ctx, &issuer.OfferRequest{
		CredentialConfigurationIDs: ids, Subject: subject, Claims: claims, ByReference: true, ForgetClaims: photo != "",
	})
	if err != nil {
		return nil, err
	}
	if _, err := s.cfg.Audit.Append(ctx, auditEvent("credential.offered", subject, map[string]string{
		"offer_id": res.OfferID, "configurations": strings.Join(ids, ","),
	})); err != nil {
		return nil, err
	}
	return &Offer{OfferResponse: res, Configurations: ids}, nil
}

func auditEvent(typ, subject string, data map[string]string) audit.Event {
	return audit.Event{Type: typ, Subject: subject, Actor: "citizen", Data: data}
}

// Claims lists the subject's record, for the app and the page.
func (s *Service) Claims(ctx context.Context, subject string) ([]record.Claim, error) {
	return s.cfg.Record.Claims(ctx, subject)
}
