package portal

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/pramaan/pramaan/identity/digilocker"
	"github.com/pramaan/pramaan/identity/extract"
	"github.com/pramaan/pramaan/identity/record"
)

// documentPrefixes name the record claims a shared document's fields
// become: a class XII marksheet's result is education.class_xii.result.
var documentPrefixes = map[string]string{
	"HSCER": "education.class_xii",
	"SSCER": "education.class_x",
	"PANCR": "pan",
	"DRVLC": "driving_licence",
}

// personFields are a document's fields about the person; the account's
// profile and the e-Aadhaar are the sources of those claims, so a
// document's spelling of a name does not become a claim of its own.
var personFields = map[string]bool{"name": true, "dob": true, "gender": true, "photo": true, "mother_name": true, "father_name": true, "relative_name": true}

// profileClaims map the extraction's profile fields (fallback chains over
// the shared documents) to record claims.
var profileClaims = map[string]string{"education": "education.highest"}

// importDocuments reads the shared documents of the citizen: the
// e-Aadhaar (its signature verified) and every issued document with a
// certificate XML of a configured doctype, and records what they prove.
func (s *Service) importDocuments(ctx context.Context, subject, access string, user digilocker.User) (int, error) {
	total := 0
	if user.HasEAadhaar() && s.cfg.EAadhaar.Roots != nil {
		n, err := s.importEAadhaar(ctx, subject, access)
		if err != nil {
			return total, err
		}
		total += n
	}
	docs, err := s.cfg.Client.Issued(ctx, access)
	if err != nil {
		return total, s.apiError(ctx, subject, digilocker.FlowDocuments, err)
	}
	known := s.cfg.Extractor.Config().Doctypes
	bodies := map[string][]byte{}
	for _, d := range docs {
		dt, ok := known[d.DocType]
		if !ok || d.DocType == "ADHAR" {
			continue // the e-Aadhaar, signature verified, is Aadhaar's source
		}
		if _, seen := bodies[d.DocType]; seen {
			continue
		}
		var body []byte
		var err error
		switch dt.FetchType {
		case extract.FetchXML:
			if !slices.Contains(d.MIME, "application/xml") {
				continue
			}
			body, err = s.cfg.Client.XML(ctx, access, d.URI)
		case extract.FetchPDF:
			body, err = s.readFile(ctx, access, d.URI)
		default:
			continue
		}
		if err != nil {
			return total, s.apiError(ctx, subject, digilocker.FlowDocuments, err)
		}
		bodies[d.DocType] = body
	}
	if len(bodies) == 0 {
		return total, nil
	}
	prof, err := s.cfg.Extractor.Profile(bodies)
	if err != nil {
		return total, newError(http.StatusBadGateway, "document_unreadable", "a shared document could not be read", err)
	}
	var obs []record.Observation
	for code, dr := range prof.Documents {
		prefix, ok := documentPrefixes[code]
		if !ok {
			continue
		}
		for field, fr := range dr.Fields {
			if !fr.Found() || personFields[field] {
				continue
			}
			name := prefix + "." + field
			if field == prefix {
				name = prefix + ".number" // PANCR's pan: pan.number
			}
			obs = append(obs, record.Observation{Name: name, Value: fr.Value,
				Source: SourceDocumentPrefix + code, EvidenceHash: dr.SHA256, Verified: true})
		}
	}
	for field, name := range profileClaims {
		v := prof.Fields[field]
		if !v.Found() {
			continue
		}
		obs = append(obs, record.Observation{Name: name, Value: v.Value,
			Source: SourceDocumentPrefix + v.Source.Doctype, EvidenceHash: prof.Documents[v.Source.Doctype].SHA256, Verified: true})
	}
	slices.SortFunc(obs, func(a, b record.Observation) int { return strings.Compare(a.Name, b.Name) })
	n, err := s.record(ctx, subject, obs)
	return total + n, err
}

// readFile reads an issued document's file (a PDF) whole, bounded by the
// client's MaxFileBytes; its SHA-256 becomes the claims' evidence hash.
func (s *Service) readFile(ctx context.Context, access, uri string) ([]byte, error) {
	body, _, err := s.cfg.Client.File(ctx, access, uri)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	return io.ReadAll(body)
}

// importEAadhaar fetches and verifies the e-Aadhaar and records the
// address, the last four digits and the photo.
func (s *Service) importEAadhaar(ctx context.Context, subject, access string) (int, error) {
	raw, err := s.cfg.Client.EAadhaarXML(ctx, access)
	var api *digilocker.APIError
	if errors.As(err, &api) && api.Status == http.StatusNotFound {
		// aadhaar_not_linked / aadhaar_not_available: nothing to import.
		return 0, nil
	}
	if err != nil {
		return 0, s.apiError(ctx, subject, digilocker.FlowDocuments, err)
	}
	ea, err := digilocker.VerifyEAadhaar(raw, s.cfg.EAadhaar)
	if err != nil {
		return 0, newError(http.StatusBadGateway, "eaadhaar_unverified", "the e-Aadhaar from DigiLocker failed signature verification; nothing was recorded from it", err)
	}
	var obs []record.Observation
	add := func(name, value string) {
		if value = strings.TrimSpace(value); value != "" {
			obs = append(obs, record.Observation{Name: name, Value: value, Source: SourceEAadhaar, Evidence: raw, Verified: true})
		}
	}
	add("address.house", ea.House)
	add("address.street", ea.Street)
	add("address.locality", ea.Locality)
	add("address.city", ea.VTC)
	add("address.district", ea.District)
	add("address.state", ea.State)
	add("address.pincode", ea.Pincode)
	add("address.country", ea.Country)
	add("aadhaar_last4", ea.Last4)
	// The photo is not recorded: a raw e-KYC photo is never stored
	// (DESIGN.md, Storage). An offer fetches it again (eAadhaarPhoto).
	return s.record(ctx, subject, obs)
}

// eAadhaarPhoto fetches and verifies the citizen's e-Aadhaar again with
// the stored document token and returns its photo, base64, for one offer;
// "" when there is no e-Aadhaar to read (not shared, not linked, or
// DigiLocker unavailable: the portrait is optional).
func (s *Service) eAadhaarPhoto(ctx context.Context, subject string) string {
	if s.cfg.EAadhaar.Roots == nil {
		return ""
	}
	access, err := s.cfg.Tokens.AccessToken(ctx, subject, digilocker.FlowDocuments)
	if err != nil {
		return ""
	}
	raw, err := s.cfg.Client.EAadhaarXML(ctx, access)
	if err != nil {
		return ""
	}
	ea, err := digilocker.VerifyEAadhaar(raw, s.cfg.EAadhaar)
	if err != nil || len(ea.Photo) == 0 {
		return ""
	}
	return base64.StdEncoding.EncodeToString(ea.Photo)
}

// apiError maps a DigiLocker API failure: a refused access token becomes
// 403 digilocker_token_rejected (and the pair is forgotten).
func (s *Service) apiError(ctx context.Context, subject string, flow digilocker.Flow, err error) error {
	if digilocker.IsTokenRejected(err) && subject != "" {
		return tokenError(s.cfg.Tokens.Rejected(ctx, subject, flow, err), flow)
	}
	if digilocker.IsTokenRejected(err) {
		return tokenError(fmt.Errorf("%w: %w", digilocker.ErrTokenRejected, err), flow)
	}
	var api *digilocker.APIError
	if errors.As(err, &api) && api.Status < 500 {
		return newError(http.StatusBadGateway, "digilocker_error", fmt.Sprintf("DigiLocker answered %d %.60s", api.Status, api.Code), err)
	}
	return newError(http.StatusServiceUnavailable, "digilocker_unavailable", "DigiLocker did not answer; try again shortly", err)
}

// Documents lists the citizen's issued documents with the document-access
// token (refreshed under the subject's lock when near expiry).
func (s *Service) Documents(ctx context.Context, subject string) ([]digilocker.Document, error) {
	_, docs, err := s.issued(ctx, subject)
	return docs, err
}

// issued returns a usable document token and the issued documents.
func (s *Service) issued(ctx context.Context, subject string) (string, []digilocker.Document, error) {
	access, err := s.cfg.Tokens.AccessToken(ctx, subject, digilocker.FlowDocuments)
	if err != nil {
		return "", nil, tokenError(err, digilocker.FlowDocuments)
	}
	docs, err := s.cfg.Client.Issued(ctx, access)
	if err != nil {
		return "", nil, s.apiError(ctx, subject, digilocker.FlowDocuments, err)
	}
	return access, docs, nil
}

// File opens a document of the citizen's, streamed: uri must be in the
// citizen's issued list, so that no other citizen's URI is fetched with
// this citizen's token.
func (s *Service) File(ctx context.Context, subject, uri string) (io.ReadCloser, string, error) {
	access, docs, err := s.issued(ctx, subject)
	if err != nil {
		return nil, "", err
	}
	if !slices.ContainsFunc(docs, func(d digilocker.Document) bool { return d.URI == uri }) {
		return nil, "", newError(http.StatusNotFound, "document_not_found", "no such document among this citizen's issued documents", nil)
	}
	body, ct, err := s.cfg.Client.File(ctx, access, uri)
	if err != nil {
		return nil, "", s.apiError(ctx, subject, digilocker.FlowDocuments, err)
	}
	if _, err := s.cfg.Audit.Append(ctx, auditEvent("digilocker.document_downloaded", subject, map[string]string{"uri_hash": fmt.Sprintf("%x", hash(uri))})); err != nil {
		body.Close()
		return nil, "", err
	}
	return body, ct, nil
}

// Refresh re-imports the shared documents with the stored document token.
func (s *Service) Refresh(ctx context.Context, subject string) (int, error) {
	access, err := s.cfg.Tokens.AccessToken(ctx, subject, digilocker.FlowDocuments)
	if err != nil {
		return 0, tokenError(err, digilocker.FlowDocuments)
	}
	user, err := s.cfg.Client.User(ctx, access)
	if err != nil {
		return 0, s.apiError(ctx, subject, digilocker.FlowDocuments, err)
	}
	return s.importDocuments(ctx, subject, access, *user)
}
