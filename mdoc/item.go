package mdoc

import (
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// MinRandomSize is the smallest IssuerSignedItem random accepted and issued
// (ISO/IEC 18013-5 §9.1.2.5: at least 16 bytes).
const MinRandomSize = 16

// randomSize is the size of the random issued in each item.
const randomSize = 32

// appendText appends a CBOR text string.
func appendText(dst []byte, s string) []byte {
	return append(appendHead(dst, 3, uint64(len(s))), s...)
}

// encodeItemBytes returns IssuerSignedItemBytes, #6.24(bstr .cbor
// IssuerSignedItem), in one allocation. The map is written in core
// deterministic key order (RFC 8949 §4.2.1: bytewise order of the encoded
// keys, so shorter keys first): random, digestID, elementValue,
// elementIdentifier. It equals encMode.Marshal(itemOut{…}) wrapped in tag 24
// (checked by TestEncodeItemBytesMatchesGenericEncoder).
func encodeItemBytes(id uint64, random []byte, identifier string, value []byte) []byte {
	return encodeItemParts(id, random, identifier, nil, value)
}

// encodeItemParts is encodeItemBytes with the element value given as a head
// and a body, so a byte or text string value (a portrait) is copied once,
// straight from the caller's slice into the item.
func encodeItemParts(id uint64, random []byte, identifier string, valueHead, value []byte) []byte {
	var inner [64]byte
	head := appendHead(inner[:0], 5, 4)
	head = appendText(head, "random")
	head = appendHead(head, 2, uint64(len(random)))
	n := len(head) + len(random)
	mid := appendText(inner[len(head):len(head)], "digestID")
	mid = appendHead(mid, 0, id)
	mid = appendText(mid, "elementValue")
	n += len(mid) + len(valueHead) + len(value)
	var tailBuf [32]byte
	tail := appendText(tailBuf[:0], "elementIdentifier")
	tail = appendHead(tail, 3, uint64(len(identifier)))
	n += len(tail) + len(identifier)

	out := make([]byte, 0, n+11)
	out = append(out, 0xd8, tagEncodedCBOR)
	out = appendHead(out, 2, uint64(n))
	out = append(out, head...)
	out = append(out, random...)
	out = append(out, mid...)
	out = append(out, valueHead...)
	out = append(out, value...)
	out = append(out, tail...)
	return append(out, identifier...)
}

// encodeValue returns an element value's encoding as head and body. Byte
// and text strings are not copied (the body is the value itself); anything
// else goes through the deterministic encoder.
func encodeValue(v any, scratch []byte) (head, body []byte, err error) {
	switch x := v.(type) {
	case []byte:
		return appendHead(scratch[:0], 2, uint64(len(x))), x, nil
	case string:
		return appendHead(scratch[:0], 3, uint64(len(x))), []byte(x), nil
	}
	body, err = encMode.Marshal(prepareValue(v))
	return nil, body, err
}

// itemWire is an IssuerSignedItem as received.
type itemWire struct {
	DigestID          *uint64         `cbor:"digestID"`
	Random            []byte          `cbor:"random"`
	ElementIdentifier *string         `cbor:"elementIdentifier"`
	ElementValue      cbor.RawMessage `cbor:"elementValue"`
}

// receivedItem is one IssuerSignedItemBytes with its decoded fields. Raw are
// the exact received bytes, d8 18 …, which are what the digest covers.
type receivedItem struct {
	Raw        []byte
	DigestID   uint64
	Identifier string
	Value      cbor.RawMessage
}

// parseItem checks that raw is #6.24(bstr .cbor IssuerSignedItem) and decodes
// the item; it does not re-encode anything.
func parseItem(raw []byte, what string) (receivedItem, error) {
	inner, err := unwrapEncodedCBOR(raw, what)
	if err != nil {
		return receivedItem{}, err
	}
	var w itemWire
	if err := unmarshal(inner, &w, what); err != nil {
		return receivedItem{}, err
	}
	switch {
	case w.DigestID == nil:
		return receivedItem{}, fmt.Errorf("%w: %s: digestID missing", ErrMalformed, what)
	case w.ElementIdentifier == nil || *w.ElementIdentifier == "":
		return receivedItem{}, fmt.Errorf("%w: %s: elementIdentifier missing", ErrMalformed, what)
	case len(w.ElementValue) == 0:
		return receivedItem{}, fmt.Errorf("%w: %s: elementValue missing", ErrMalformed, what)
	case len(w.Random) < MinRandomSize:
		return receivedItem{}, fmt.Errorf("%w: %s: random is %d bytes, ISO 18013-5 §9.1.2.5 needs at least %d", ErrMalformed, what, len(w.Random), MinRandomSize)
	}
	return receivedItem{Raw: raw, DigestID: *w.DigestID, Identifier: *w.ElementIdentifier, Value: w.ElementValue}, nil
}
