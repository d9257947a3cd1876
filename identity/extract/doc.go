// Package extract reads configured fields from the documents a citizen
// shares through DigiLocker — the issued document's "Certificate" XML or its
// PDF — and resolves profile fields through fallback chains.
//
// # Configuration
//
// A Config (YAML parsed by ParseConfig, or built in Go and checked by New)
// maps each doctype, a 5-character DigiLocker code such as HSCER, to a
// fetch_type and its fields:
//
//	doctypes:
//	  HSCER:
//	    fetch_type: xml
//	    fields:
//	      dob:    {path: ./IssuedTo/Person, attr: dob, transform: date_dmy}
//	      result: {path: ./CertificateData/Performance, attr: result}
//	  HPCER:
//	    fetch_type: pdf
//	    fields:
//	      roll_no: {regex: 'Roll No\.?\s*:?\s*([0-9]{6,10})'}
//	profile:
//	  class_xii_result:
//	    fallback:
//	      - {doctype: HSCER, field: result}
//
// An xml field is an etree path (github.com/beevik/etree syntax, evaluated
// from the root element; the first element it selects is used) and an
// attribute, or the element's own text when attr is empty. A pdf field is a
// regular expression with exactly one capture group over the PDF's
// extracted text. Values are trimmed; a transform (date_dmy, upper, lower,
// active) may follow. Validation is strict and reports every problem with
// its key (doctypes.HSCER.fields.dob.transform …): unknown keys, an unknown
// fetch_type or transform, an empty or uncompilable path, a regex without
// exactly one group, a fallback naming an undefined doctype or field.
// DefaultConfig is the embedded default.yaml for ADHAR, PANCR, DRVLC, SSCER
// and HSCER.
//
// # Results
//
// A missing document, node or attribute, an empty value, a value its
// transform refuses and a regex that does not match are not errors: the
// field's FieldResult has Status not_found, a Code and a Reason such as
// "document HSCER not shared" or "node ./CertificateData/Performance not
// present". Errors are for a configuration that is invalid (ErrConfig) and
// a document that cannot be read (ErrMalformed, ErrDTD, ErrLimit). Every
// result carries the hex SHA-256 of the exact document bytes it came from;
// a profile value records the candidate that matched and every candidate
// tried before it. Reasons and errors never quote document content, so
// they may be logged; values may not.
//
// # XML
//
// Documents are read with encoding/xml in strict mode into an etree tree,
// under these rules: at most MaxXMLSize bytes, MaxXMLDepth levels,
// MaxXMLElements elements and MaxXMLAttrs attributes per element; UTF-8
// only (a UTF-8 byte order mark is allowed); exactly one root element; no
// duplicate attributes. Any <!...> declaration — DOCTYPE, ENTITY — is
// refused with ErrDTD as soon as it is met, so nothing is ever expanded;
// only character references and the five predefined entities are accepted.
// Element names are reduced to their local name (a default namespace on the
// root or a prefix does not change what a path matches); prefixed
// attributes and namespace declarations are dropped, so only unprefixed
// attributes can be read.
//
// # PDF
//
// For a pdf doctype the result keeps the file's SHA-256 and size (the
// caller keeps the file) and reads the configured regex fields from the
// text PDFText extracts. That extractor is this package's own small code
// rather than a library. The Go readers considered were rsc.io/pdf and its
// maintained fork github.com/ledongthuc/pdf, and pdfcpu. The rsc.io/pdf
// line reports parse errors by panicking (Reader.errorf; its Value API
// "does not support error reporting", in its own words), so every access
// would need a recover, and the fork bounds inflation only by silently
// truncating each stream at 256 MiB, with no total — a bomb would be read,
// not refused. pdfcpu is a large dependency for reading a few text
// operators. Owning a few hundred lines lets every step below be bounded
// and fuzzed here.
//
// What it reads: the objects of the file (later definitions replace
// earlier ones) and of its object streams, the page tree from the trailer's
// /Root (else every /Type /Page dictionary), each page's content streams in
// page order, then every form XObject once. Streams may be unfiltered or
// FlateDecode (zlib or raw deflate, without predictor); others are counted
// in PDFInfo.SkippedStreams. Text comes from the Tj, TJ, ' and "
// operators; Td/TD with a vertical move, T*, Tm and ET start a line. String
// bytes are read as WinAnsiEncoding (Windows-1252).
//
// What it does not read: text drawn through composite (Type0/Identity-H)
// or custom-encoded fonts — the glyph codes are not mapped through
// /ToUnicode, so such text comes out garbled and regexes will not match;
// text in images; encrypted PDFs (PDFInfo.Encrypted, fields not found with
// code no_text); form XObjects are appended after the pages rather than
// where Do places them.
//
// Bounds: MaxPDFSize bytes, MaxPDFObjects objects, MaxPDFStreams streams,
// MaxPDFStreamSize bytes per decoded stream and MaxPDFDecoded in all — a
// stream inflating beyond them is a decompression bomb and the document is
// refused with ErrLimit, the inflater stopping one byte past the limit —,
// MaxPDFPages pages, nesting of maxPDFNesting, MaxPDFText bytes of text.
//
// An Extractor holds no mutable state and is safe for concurrent use.
package extract
