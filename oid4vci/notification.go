package oid4vci

// NotificationEvent is the event of a Notification Request (§11.1).
type NotificationEvent string

// Notification events (§11.1); the values are case sensitive.
const (
	// EventCredentialAccepted: the credentials were stored in the wallet.
	EventCredentialAccepted NotificationEvent = "credential_accepted"
	// EventCredentialFailure: issuance failed for a reason other than the user.
	EventCredentialFailure NotificationEvent = "credential_failure"
	// EventCredentialDeleted: issuance failed because of a user action.
	EventCredentialDeleted NotificationEvent = "credential_deleted"
)

// NotificationRequest is a Notification Request (§11.1).
type NotificationRequest struct {
	// NotificationID is from the Credential Response. REQUIRED.
	NotificationID string `json:"notification_id"`
	// Event is one of the three events. REQUIRED.
	Event NotificationEvent `json:"event"`
	// EventDescription is ASCII %x20-21 / %x23-5B / %x5D-7E. OPTIONAL.
	EventDescription string `json:"event_description,omitempty"`
}

// Validate checks the request as §11.1 defines it; errors carry
// invalid_notification_request (§11.3).
func (r *NotificationRequest) Validate(l Limits) error {
	l = l.withDefaults()
	switch {
	case r.NotificationID == "":
		return NewError(CodeInvalidNotificationRequest, "notification_id is missing")
	case len(r.NotificationID) > l.MaxStringBytes:
		return NewError(CodeInvalidNotificationID, "notification_id is too long")
	case r.Event == "":
		return NewError(CodeInvalidNotificationRequest, "event is missing")
	}
	switch r.Event {
	case EventCredentialAccepted, EventCredentialFailure, EventCredentialDeleted:
	default:
		return Errorf(CodeInvalidNotificationRequest, "event %s is not credential_accepted, credential_failure or credential_deleted", printable(string(r.Event), 64))
	}
	if len(r.EventDescription) > l.MaxStringBytes {
		return Errorf(CodeInvalidNotificationRequest, "event_description is longer than %d bytes", l.MaxStringBytes)
	}
	if !ValidDescription(r.EventDescription) {
		return NewError(CodeInvalidNotificationRequest, "event_description has characters outside %x20-21 / %x23-5B / %x5D-7E")
	}
	return nil
}

// ParseNotificationRequest reads a Notification Request body
// (application/json, §11.1). Unrecognised members are ignored (§11.1);
// a malformed body, a repeated member or a bad value gives
// invalid_notification_request (§11.3). Whether notification_id is known
// (invalid_notification_id) is the issuer's check.
func ParseNotificationRequest(data []byte, l Limits) (*NotificationRequest, error) {
	l = l.withDefaults()
	m, err := decodeObject(data, l)
	if err != nil {
		return nil, WrapError(CodeInvalidNotificationRequest, err, describe(err))
	}
	r := &NotificationRequest{}
	var event string
	for _, f := range []struct {
		name string
		dst  *string
	}{{"notification_id", &r.NotificationID}, {"event", &event}, {"event_description", &r.EventDescription}} {
		if err := m.str(f.name, f.dst); err != nil {
			return nil, WrapError(CodeInvalidNotificationRequest, err, describe(err))
		}
	}
	r.Event = NotificationEvent(event)
	if err := r.Validate(l); err != nil {
		return nil, err
	}
	return r, nil
}
