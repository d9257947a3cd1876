package portal

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/pramaan/pramaan/identity/face"
)

// Every refusal of face enrollment has its exact answer.
func TestFaceErrorAnswers(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		{face.ErrLinkExpired, http.StatusForbidden, "link_expired"},
		{face.ErrLinkMismatch, http.StatusForbidden, "link_mismatch"},
		{face.ErrLinkSubject, http.StatusForbidden, "link_subject_mismatch"},
		{face.ErrLinkUsed, http.StatusConflict, "link_used"},
		{face.ErrCorrelationConflict, http.StatusConflict, "aadhaar_linked_elsewhere"},
		{face.ErrNotFound, http.StatusNotFound, "link_not_found"},
		{face.ErrEmbedding, http.StatusBadRequest, "invalid_embedding"},
		{face.ErrUnknownModel, http.StatusBadRequest, "unknown_model"},
		{face.ErrConsent, http.StatusBadRequest, "consent_required"},
		{face.ErrNoTemplate, http.StatusNotFound, "no_template"},
	} {
		var pe *Error
		if err := faceError(fmt.Errorf("store: %w", tc.err)); !errors.As(err, &pe) || pe.Status != tc.status || pe.Code != tc.code || !errors.Is(err, tc.err) {
			t.Errorf("%v: got %v", tc.err, err)
		}
	}
	plain := errors.New("database down")
	if err := faceError(plain); err != plain {
		t.Errorf("an unknown error was mapped: %v", err)
	}
}
