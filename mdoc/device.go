package mdoc

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// DeviceResponseVersion is the DeviceResponse version of ISO/IEC
// 18013-5:2021 §8.3.2.1.2.2.
const DeviceResponseVersion = "1.0"

// coseAlgHMAC256 is COSE "HMAC 256/256" (RFC 9053 §3.1), the only MAC
// algorithm ISO 18013-5 §9.1.3.5 allows for deviceMac.
const coseAlgHMAC256 = 5

// DeviceResponse is a verified DeviceResponse.
type DeviceResponse struct {
	Version   string
	Status    uint64
	Documents []DeviceDocument
}

// DeviceDocument is one verified document of a DeviceResponse.
type DeviceDocument struct {
	Document
	// DeviceAuth is "deviceSignature" or "deviceMac".
	DeviceAuth string
	// DeviceClaims are the device-signed elements, namespace → identifier →
	// value (often empty).
	DeviceClaims map[string]map[string]any
}

// DeviceAuthInput is what the reader knows of the session.
type DeviceAuthInput struct {
	// SessionTranscript is the encoded SessionTranscript (ISO 18013-5
	// §9.1.5.1), either as the array itself or as SessionTranscriptBytes
	// (#6.24 around it).
	SessionTranscript []byte
	// ReaderKey is the reader's ephemeral private key (EReaderKey), needed
	// only for documents authenticated by deviceMac.
	ReaderKey *ecdh.PrivateKey
}

type deviceResponseWire struct {
	Version   *string        `cbor:"version"`
	Documents []documentWire `cbor:"documents"`
	Status    *uint64        `cbor:"status"`
}

type documentWire struct {
	DocType      string           `cbor:"docType"`
	IssuerSigned cbor.RawMessage  `cbor:"issuerSigned"` // decoded closed, as VerifyIssuerSigned does
	DeviceSigned deviceSignedWire `cbor:"deviceSigned"`
}

type deviceSignedWire struct {
	NameSpaces cbor.RawMessage `cbor:"nameSpaces"`
	DeviceAuth struct {
		DeviceSignature cbor.RawMessage `cbor:"deviceSignature"`
		DeviceMac       cbor.RawMessage `cbor:"deviceMac"`
	} `cbor:"deviceAuth"`
}

// VerifyDeviceResponse verifies a DeviceResponse: each document's
// IssuerSigned (as VerifyIssuerSigned does) and its device authentication
// over DeviceAuthenticationBytes (ISO 18013-5 §9.1.3), by deviceSignature with
// the MSO device key or by deviceMac with the key agreed between the MSO
// device key and in.ReaderKey.
func (v *Verifier) VerifyDeviceResponse(data []byte, in DeviceAuthInput) (*DeviceResponse, error) {
	if err := v.check(); err != nil {
		return nil, err
	}
	st, stBytes, err := sessionTranscript(in.SessionTranscript)
	if err != nil {
		return nil, err
	}
	var w deviceResponseWire
	if err := unmarshal(data, &w, "DeviceResponse"); err != nil {
		return nil, err
	}
	if w.Version == nil || w.Status == nil {
		return nil, fmt.Errorf("%w: DeviceResponse needs version and status", ErrMalformed)
	}
	if *w.Version != DeviceResponseVersion {
		return nil, fmt.Errorf("%w: DeviceResponse version %q, want %q", ErrUnsupported, *w.Version, DeviceResponseVersion)
	}
	if len(w.Documents) == 0 {
		return nil, fmt.Errorf("%w: DeviceResponse holds no documents (status %d)", ErrMalformed, *w.Status)
	}
	out := &DeviceResponse{Version: *w.Version, Status: *w.Status}
	for i, dw := range w.Documents {
		d, err := v.verifyDocument(dw, st, stBytes, in.ReaderKey)
		if err != nil {
			return nil, fmt.Errorf("documents[%d] (%s): %w", i, dw.DocType, err)
		}
		out.Documents = append(out.Documents, *d)
	}
	return out, nil
}

// sessionTranscript returns the SessionTranscript and SessionTranscriptBytes
// from either form.
func sessionTranscript(in []byte) (st, stBytes []byte, err error) {
	if len(in) == 0 {
		return nil, nil, fmt.Errorf("%w: SessionTranscript is empty", ErrInvalidInput)
	}
	st, stBytes = in, nil
	if in[0]>>5 == 6 {
		if st, err = unwrapEncodedCBOR(in, "SessionTranscriptBytes"); err != nil {
			return nil, nil, err
		}
		stBytes = in
	} else {
		stBytes = wrapEncodedCBOR(in)
	}
	var parts []cbor.RawMessage
	if err := unmarshal(st, &parts, "SessionTranscript"); err != nil {
		return nil, nil, err
	}
	if len(parts) != 3 { // §9.1.5.1: [DeviceEngagementBytes, EReaderKeyBytes, Handover]
		return nil, nil, fmt.Errorf("%w: SessionTranscript has %d elements, want 3", ErrMalformed, len(parts))
	}
	return st, stBytes, nil
}

func (v *Verifier) verifyDocument(dw documentWire, st, stBytes []byte, readerKey *ecdh.PrivateKey) (*DeviceDocument, error) {
	if dw.DocType == "" {
		return nil, fmt.Errorf("%w: docType missing", ErrMalformed)
	}
	var is issuerSignedWire
	if err := unmarshalClosed(dw.IssuerSigned, &is, "issuerSigned"); err != nil {
		return nil, err
	}
	doc, err := v.verifyIssuerSigned(is, dw.DocType)
	if err != nil {
		return nil, err
	}
	ds := dw.DeviceSigned
	if len(ds.NameSpaces) == 0 {
		return nil, fmt.Errorf("%w: deviceSigned.nameSpaces missing", ErrMalformed)
	}
	claims, err := deviceNameSpaces(ds.NameSpaces)
	if err != nil {
		return nil, err
	}
	// §9.1.3.4: DeviceAuthentication = ["DeviceAuthentication",
	// SessionTranscript, DocType, DeviceNameSpacesBytes], signed or MACed as
	// DeviceAuthenticationBytes = #6.24(bstr .cbor DeviceAuthentication).
	da, err := encMode.Marshal([]any{"DeviceAuthentication", cbor.RawMessage(st), dw.DocType, cbor.RawMessage(ds.NameSpaces)})
	if err != nil {
		return nil, fmt.Errorf("%w: DeviceAuthentication: %v", ErrMalformed, err)
	}
	daBytes := wrapEncodedCBOR(da)
	out := &DeviceDocument{Document: *doc, DeviceClaims: claims}
	sig, mac := ds.DeviceAuth.DeviceSignature, ds.DeviceAuth.DeviceMac
	switch {
	case len(sig) > 0 && len(mac) > 0:
		return nil, fmt.Errorf("%w: deviceAuth holds both deviceSignature and deviceMac", ErrMalformed)
	case len(sig) > 0:
		out.DeviceAuth = "deviceSignature"
		err = verifyDeviceSignature(sig, daBytes, doc)
	case len(mac) > 0:
		out.DeviceAuth = "deviceMac"
		err = verifyDeviceMac(mac, daBytes, stBytes, doc, readerKey)
	default:
		return nil, fmt.Errorf("%w: deviceAuth holds neither deviceSignature nor deviceMac", ErrMalformed)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// deviceNameSpaces decodes DeviceNameSpacesBytes = #6.24(bstr .cbor
// {* NameSpace => {+ DataElementIdentifier => DataElementValue}}).
func deviceNameSpaces(raw []byte) (map[string]map[string]any, error) {
	inner, err := unwrapEncodedCBOR(raw, "deviceSigned.nameSpaces")
	if err != nil {
		return nil, err
	}
	var m map[string]map[string]cbor.RawMessage
	if err := unmarshal(inner, &m, "deviceSigned.nameSpaces"); err != nil {
		return nil, err
	}
	out := make(map[string]map[string]any, len(m))
	for ns, elems := range m {
		out[ns] = make(map[string]any, len(elems))
		for id, rv := range elems {
			val, err := decodeValue(rv, "deviceSigned "+ns+"/"+id)
			if err != nil {
				return nil, err
			}
			out[ns][id] = val
		}
	}
	return out, nil
}

// verifyDeviceSignature checks deviceSignature, a COSE_Sign1 with detached
// payload DeviceAuthenticationBytes, under the MSO device key (§9.1.3.6).
func verifyDeviceSignature(raw, daBytes []byte, doc *Document) error {
	const what = "deviceSignature"
	m, h, err := parseCOSE(raw, what)
	if err != nil {
		return err
	}
	// §9.1.3.6 sends DeviceAuthenticationBytes as detached content (nil
	// payload). An attached payload is accepted only when it is byte-equal to
	// the bytes the reader computed (auth0-lab/mdl attaches it); the
	// signature is verified over the computed bytes either way.
	if m.Payload != nil && !bytes.Equal(m.Payload, daBytes) {
		return fmt.Errorf("%w: deviceSignature carries a payload that is not this session's DeviceAuthenticationBytes", ErrDeviceAuth)
	}
	return verifySign1(m, h, daBytes, doc.DeviceKey, what, ErrDeviceAuth)
}

// verifyDeviceMac checks deviceMac, a COSE_Mac0 HMAC 256/256 with detached
// payload DeviceAuthenticationBytes, keyed with EMacKey (§9.1.3.5): HKDF-SHA256
// over ECDH(EReaderKey, SDeviceKey) with salt SHA-256(SessionTranscriptBytes)
// and info "EMacKey", 32 bytes.
func verifyDeviceMac(raw, daBytes, stBytes []byte, doc *Document, readerKey *ecdh.PrivateKey) error {
	const what = "deviceMac"
	if readerKey == nil {
		return fmt.Errorf("%w: deviceMac needs the reader's ephemeral private key", ErrInvalidInput)
	}
	m, h, err := parseCOSE(raw, what)
	if err != nil {
		return err
	}
	if m.Payload != nil {
		return fmt.Errorf("%w: deviceMac payload must be detached (nil)", ErrMalformed)
	}
	alg, err := h.algorithm(what)
	if err != nil {
		return err
	}
	if alg != coseAlgHMAC256 {
		return fmt.Errorf("%w: deviceMac alg %d, ISO 18013-5 §9.1.3.5 requires 5 (HMAC 256/256)", ErrUnsupported, alg)
	}
	devPub, err := doc.DeviceKey.ECDH()
	if err != nil {
		return fmt.Errorf("%w: MSO device key: %v", ErrUnsupported, err)
	}
	if devPub.Curve() != readerKey.Curve() {
		return fmt.Errorf("%w: reader key and device key are on different curves", ErrDeviceAuth)
	}
	shared, err := readerKey.ECDH(devPub)
	if err != nil {
		return fmt.Errorf("%w: ECDH: %v", ErrDeviceAuth, err)
	}
	salt := sha256.Sum256(stBytes)
	key, err := hkdf.Key(sha256.New, shared, salt[:], "EMacKey", 32)
	if err != nil {
		return fmt.Errorf("%w: HKDF: %v", ErrDeviceAuth, err)
	}
	// RFC 9052 §6.3 MAC_structure.
	toMac, err := encMode.Marshal([]any{"MAC0", m.Protected, []byte{}, daBytes})
	if err != nil {
		return fmt.Errorf("%w: MAC_structure: %v", ErrMalformed, err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(toMac)
	if !hmac.Equal(mac.Sum(nil), m.Tag) {
		return fmt.Errorf("%w: deviceMac tag does not verify", ErrDeviceAuth)
	}
	return nil
}
