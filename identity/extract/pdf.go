package extract

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"fmt"
	"io"
	"maps"
	"slices"
	"unicode/utf8"
)

// Limits on PDF documents.
const (
	// MaxPDFSize bounds a PDF file.
	MaxPDFSize = 10 << 20
	// MaxPDFObjects bounds the number of objects, in the file and in its
	// object streams together.
	MaxPDFObjects = 100000
	// MaxPDFStreams bounds the number of streams in the file.
	MaxPDFStreams = 4096
	// MaxPDFStreamSize bounds one decoded stream: a Flate stream inflating
	// to more is a decompression bomb and the PDF is refused.
	MaxPDFStreamSize = 4 << 20
	// MaxPDFDecoded bounds all decoded streams together.
	MaxPDFDecoded = 16 << 20
	// MaxPDFPages bounds the page tree.
	MaxPDFPages = 1000
	// MaxPDFText bounds the extracted text.
	MaxPDFText = 1 << 20
)

// PDFInfo describes what the text extractor found in a PDF. It carries
// counts only, never text.
type PDFInfo struct {
	// Encrypted: the file has an /Encrypt dictionary; its text is not read.
	Encrypted bool
	// Pages is the number of pages found through the page tree.
	Pages int
	// ContentStreams is the number of page content streams and form
	// XObjects whose text-showing operators were read.
	ContentStreams int
	// SkippedStreams is the number of such streams not read because their
	// filter is not supported (only FlateDecode and unfiltered streams are).
	SkippedStreams int
	// TextLength is the length in bytes of the extracted text.
	TextLength int
}

// PDFText returns the text shown by the PDF's pages (see the package
// documentation for what is and is not read) and counts describing the
// file. Errors wrap ErrMalformed or ErrLimit; an encrypted PDF is not an
// error but gives no text and Encrypted set.
func PDFText(pdf []byte) (string, PDFInfo, error) {
	text, info, err := pdfText(pdf)
	if err != nil {
		return "", info, fmt.Errorf("extract: PDF: %w", err)
	}
	return text, info, nil
}

type pdfStream struct {
	dict pdfDict
	raw  []byte
}

type pdfObject struct {
	value  any
	stream *pdfStream // nil for an object that is not a stream
}

type pdfFile struct {
	objects  map[int]*pdfObject
	inObjStm map[int]bool // objects defined inside an object stream
	trailers []pdfDict    // trailer dictionaries and XRef stream dictionaries
	streams  int
	decoded  int // decoded bytes so far, against MaxPDFDecoded
	info     PDFInfo
	text     textBuffer
}

func pdfText(b []byte) (string, PDFInfo, error) {
	if len(b) == 0 {
		return "", PDFInfo{}, inputError(ErrMalformed, "empty document")
	}
	if len(b) > MaxPDFSize {
		return "", PDFInfo{}, inputError(ErrLimit, "PDF is %d bytes, over the limit of %d", len(b), MaxPDFSize)
	}
	if i := bytes.Index(b[:min(len(b), 1024)], []byte("%PDF-")); i < 0 {
		return "", PDFInfo{}, inputError(ErrMalformed, "not a PDF: no %%PDF- header in the first 1024 bytes")
	}
	f := &pdfFile{objects: map[int]*pdfObject{}, inObjStm: map[int]bool{}}
	if err := f.scan(b); err != nil {
		return "", f.info, err
	}
	for _, t := range f.trailers {
		if _, ok := t["Encrypt"]; ok {
			f.info.Encrypted = true
			return "", f.info, nil
		}
	}
	if err := f.expandObjectStreams(); err != nil {
		return "", f.info, err
	}
	if err := f.readText(); err != nil {
		return "", f.info, err
	}
	text := string(bytes.TrimSpace(f.text.b))
	f.info.TextLength = len(text)
	return text, f.info, nil
}

// scan reads the file's objects in file order ("n g obj ... endobj", a
// later definition replacing an earlier one as in an incremental update)
// and its trailers. Cross-reference tables are not needed and not read.
func (f *pdfFile) scan(b []byte) error {
	l := &pdfLexer{b: b}
	var prev [2]pdfToken // the two tokens before the current one
	for {
		tok, err := l.next()
		if err != nil {
			return err
		}
		switch tok.kind {
		case tokEOF:
			return nil
		case tokKeyword:
			switch string(tok.b) {
			case "obj":
				if prev[0].kind == tokNumber && prev[0].isInt && prev[1].kind == tokNumber && prev[1].isInt && prev[0].num >= 0 && prev[0].num <= 1e9 {
					if err := f.object(l, int(prev[0].num)); err != nil {
						return err
					}
				}
			case "trailer":
				t, err := l.next()
				if err != nil {
					return err
				}
				v, _, err := l.value(t, 0)
				if err != nil {
					return err
				}
				if d, ok := v.(pdfDict); ok {
					f.trailers = append(f.trailers, d)
				}
			case "stream":
				return inputError(ErrMalformed, "stream outside an object at byte %d", l.pos-6)
			}
		case tokArrayOpen, tokDictOpen:
			if _, _, err := l.value(tok, 0); err != nil { // skipped whole, strings and all
				return err
			}
		}
		prev[0], prev[1] = prev[1], tok
		if tok.kind == tokKeyword && string(tok.b) == "obj" {
			prev = [2]pdfToken{}
		}
	}
}

// object reads the body of object num, the lexer being just after "obj".
func (f *pdfFile) object(l *pdfLexer, num int) error {
	start := l.pos
	tok, err := l.next()
	if err != nil {
		return err
	}
	v, ok, err := l.value(tok, 0)
	if err != nil {
		return err
	}
	if !ok {
		return inputError(ErrMalformed, "object %d has no value (byte %d)", num, start)
	}
	obj := &pdfObject{value: v}
	save := l.pos
	next, err := l.next()
	if err == nil && next.kind == tokKeyword && string(next.b) == "stream" {
		d, isDict := v.(pdfDict)
		if !isDict {
			return inputError(ErrMalformed, "stream of object %d has no dictionary", num)
		}
		if f.streams++; f.streams > MaxPDFStreams {
			return inputError(ErrLimit, "more than %d streams", MaxPDFStreams)
		}
		raw, err := l.streamData(d)
		if err != nil {
			return fmt.Errorf("object %d: %w", num, err)
		}
		obj.stream = &pdfStream{dict: d, raw: raw}
		if d.name("Type") == "XRef" {
			f.trailers = append(f.trailers, d)
		}
	} else {
		l.pos = save
	}
	if _, seen := f.objects[num]; !seen && len(f.objects) >= MaxPDFObjects {
		return inputError(ErrLimit, "more than %d objects", MaxPDFObjects)
	}
	f.objects[num] = obj
	return nil
}

// streamData returns a stream's raw bytes, the lexer being just after the
// "stream" keyword, and moves the lexer past "endstream". A direct /Length
// is used when "endstream" follows it; otherwise the data runs to the next
// "endstream".
func (l *pdfLexer) streamData(d pdfDict) ([]byte, error) {
	b := l.b
	p := l.pos
	if p < len(b) && b[p] == '\r' {
		p++
	}
	if p < len(b) && b[p] == '\n' {
		p++
	}
	start := p
	end := []byte("endstream")
	if n, ok := d.int("Length"); ok && n <= len(b)-start {
		q := start + n
		for q < len(b) && isPDFSpace(b[q]) {
			q++
		}
		if bytes.HasPrefix(b[q:], end) {
			l.pos = q + len(end)
			return b[start : start+n], nil
		}
	}
	i := bytes.Index(b[start:], end)
	if i < 0 {
		return nil, inputError(ErrMalformed, "stream at byte %d has no endstream", start)
	}
	l.pos = start + i + len(end)
	data := b[start : start+i]
	data = bytes.TrimSuffix(data, []byte("\n"))
	data = bytes.TrimSuffix(data, []byte("\r"))
	return data, nil
}

// decode returns a stream's decoded bytes, or ok false when its filter is
// not supported. Only FlateDecode (alone or repeated) without a predictor
// is supported, and unfiltered streams.
func (f *pdfFile) decode(num int, s *pdfStream) (data []byte, ok bool, err error) {
	var filters []pdfName
	switch v := s.dict["Filter"].(type) {
	case nil:
	case pdfName:
		filters = []pdfName{v}
	case pdfArray:
		for _, x := range v {
			n, isName := x.(pdfName)
			if !isName {
				return nil, false, nil
			}
			filters = append(filters, n)
		}
	default:
		return nil, false, nil
	}
	if hasPredictor(s.dict["DecodeParms"]) {
		return nil, false, nil
	}
	data = s.raw
	for _, name := range filters {
		if name != "FlateDecode" && name != "Fl" {
			return nil, false, nil
		}
		if data, err = f.inflate(num, data); err != nil {
			return nil, false, err
		}
	}
	if len(data) > MaxPDFStreamSize {
		return nil, false, inputError(ErrLimit, "stream of object %d is over %d bytes", num, MaxPDFStreamSize)
	}
	return data, true, nil
}

func hasPredictor(parms any) bool {
	switch p := parms.(type) {
	case pdfDict:
		n, ok := p.int("Predictor")
		return ok && n > 1
	case pdfArray:
		for _, x := range p {
			if hasPredictor(x) {
				return true
			}
		}
	}
	return false
}

// inflate decompresses zlib (or, failing the zlib header, raw deflate)
// data, refusing output over MaxPDFStreamSize or over what remains of
// MaxPDFDecoded.
func (f *pdfFile) inflate(num int, data []byte) ([]byte, error) {
	limit := min(MaxPDFStreamSize, MaxPDFDecoded-f.decoded)
	var r io.Reader
	if zr, err := zlib.NewReader(bytes.NewReader(data)); err == nil {
		r = zr
	} else {
		r = flate.NewReader(bytes.NewReader(data))
	}
	out, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if len(out) > limit {
		if limit == MaxPDFStreamSize {
			return nil, inputError(ErrLimit, "stream of object %d inflates to more than %d bytes (decompression bomb)", num, MaxPDFStreamSize)
		}
		return nil, inputError(ErrLimit, "streams inflate to more than %d bytes in total (decompression bomb)", MaxPDFDecoded)
	}
	if err != nil {
		return nil, inputError(ErrMalformed, "stream of object %d: bad Flate data: %v", num, err)
	}
	f.decoded += len(out)
	return out, nil
}

// expandObjectStreams adds the objects compressed in object streams
// (PDF 1.5), where page dictionaries may be. An object also defined at top
// level keeps that definition.
func (f *pdfFile) expandObjectStreams() error {
	for _, num := range slices.Sorted(maps.Keys(f.objects)) {
		obj := f.objects[num]
		if obj.stream == nil || obj.stream.dict.name("Type") != "ObjStm" || f.inObjStm[num] {
			continue
		}
		data, ok, err := f.decode(num, obj.stream)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		n, ok1 := obj.stream.dict.int("N")
		first, ok2 := obj.stream.dict.int("First")
		if !ok1 || !ok2 || first > len(data) {
			return inputError(ErrMalformed, "object stream %d has a bad /N or /First", num)
		}
		if n > MaxPDFObjects-len(f.objects) {
			return inputError(ErrLimit, "more than %d objects", MaxPDFObjects)
		}
		// The header is n pairs "object-number offset", offsets strictly
		// increasing; each object is parsed only within its own slice, so
		// that the work stays linear in the stream's size.
		head := &pdfLexer{b: data[:first]}
		nums := make([]int, n)
		offs := make([]int, n+1)
		for i := range n {
			t1, err1 := head.next()
			t2, err2 := head.next()
			if err1 != nil || err2 != nil || t1.kind != tokNumber || t2.kind != tokNumber || !t1.isInt || !t2.isInt ||
				t1.num < 0 || t1.num > 1e9 || t2.num < 0 || t2.num > float64(len(data)-first) ||
				(i > 0 && int(t2.num) <= offs[i-1]) {
				return inputError(ErrMalformed, "object stream %d has a bad header", num)
			}
			nums[i], offs[i] = int(t1.num), int(t2.num)
		}
		offs[n] = len(data) - first
		body := data[first:]
		for i, onum := range nums {
			if _, defined := f.objects[onum]; defined {
				continue
			}
			l := &pdfLexer{b: body[offs[i]:offs[i+1]]}
			tok, err := l.next()
			if err != nil {
				return fmt.Errorf("object stream %d: %w", num, err)
			}
			v, ok, err := l.value(tok, 0)
			if err != nil {
				return fmt.Errorf("object stream %d: %w", num, err)
			}
			if !ok {
				return inputError(ErrMalformed, "object stream %d: object %d has no value", num, onum)
			}
			f.objects[onum] = &pdfObject{value: v}
			f.inObjStm[onum] = true
		}
	}
	return nil
}

// resolve follows a reference (one level: PDF does not chain them for the
// entries read here).
func (f *pdfFile) resolve(v any) any {
	if r, ok := v.(pdfRef); ok {
		if obj := f.objects[r.num]; obj != nil {
			return obj.value
		}
		return nil
	}
	return v
}

// pages walks the page tree from the catalog of the last trailer naming a
// /Root; when there is none, or it yields no page, it falls back to every
// /Type /Page dictionary in object-number order.
func (f *pdfFile) pages() ([]pdfDict, error) {
	var pages []pdfDict
	var root any
	for _, t := range f.trailers {
		if r, ok := t["Root"]; ok {
			root = r
		}
	}
	if catalog, ok := f.resolve(root).(pdfDict); ok {
		visited := map[int]bool{}
		var walk func(node any, depth int) error
		walk = func(node any, depth int) error {
			if depth > maxPDFNesting {
				return inputError(ErrLimit, "page tree deeper than %d", maxPDFNesting)
			}
			if r, isRef := node.(pdfRef); isRef {
				if visited[r.num] {
					return nil
				}
				visited[r.num] = true
			}
			d, ok := f.resolve(node).(pdfDict)
			if !ok {
				return nil
			}
			if kids, isArray := f.resolve(d["Kids"]).(pdfArray); isArray && d.name("Type") != "Page" {
				for _, k := range kids {
					if err := walk(k, depth+1); err != nil {
						return err
					}
				}
				return nil
			}
			if d.name("Type") == "Page" || d["Contents"] != nil {
				if len(pages) >= MaxPDFPages {
					return inputError(ErrLimit, "more than %d pages", MaxPDFPages)
				}
				pages = append(pages, d)
			}
			return nil
		}
		if err := walk(catalog["Pages"], 0); err != nil {
			return nil, err
		}
	}
	if len(pages) > 0 {
		return pages, nil
	}
	for _, num := range slices.Sorted(maps.Keys(f.objects)) {
		if d, ok := f.objects[num].value.(pdfDict); ok && d.name("Type") == "Page" && f.objects[num].stream == nil {
			if len(pages) >= MaxPDFPages {
				return nil, inputError(ErrLimit, "more than %d pages", MaxPDFPages)
			}
			pages = append(pages, d)
		}
	}
	return pages, nil
}

// readText reads the content streams of the pages in page order, then the
// form XObjects (in object-number order) not already read.
func (f *pdfFile) readText() error {
	pages, err := f.pages()
	if err != nil {
		return err
	}
	f.info.Pages = len(pages)
	done := map[int]bool{}
	read := func(num int) error {
		obj := f.objects[num]
		if done[num] || obj == nil || obj.stream == nil || f.inObjStm[num] {
			return nil
		}
		done[num] = true
		data, ok, err := f.decode(num, obj.stream)
		if err != nil {
			return err
		}
		if !ok {
			f.info.SkippedStreams++
			return nil
		}
		f.info.ContentStreams++
		if err := f.text.content(data); err != nil {
			return fmt.Errorf("content stream of object %d: %w", num, err)
		}
		f.text.sep('\n')
		return nil
	}
	for _, page := range pages {
		var refs pdfArray
		switch c := page["Contents"].(type) {
		case pdfRef:
			if a, ok := f.resolve(c).(pdfArray); ok { // an indirect array of streams
				refs = a
			} else {
				refs = pdfArray{c}
			}
		case pdfArray:
			refs = c
		}
		for _, r := range refs {
			if ref, ok := r.(pdfRef); ok {
				if err := read(ref.num); err != nil {
					return err
				}
			}
		}
	}
	for _, num := range slices.Sorted(maps.Keys(f.objects)) {
		if s := f.objects[num].stream; s != nil && s.dict.name("Subtype") == "Form" {
			if err := read(num); err != nil {
				return err
			}
		}
	}
	return nil
}

// textBuffer accumulates extracted text up to MaxPDFText bytes.
type textBuffer struct {
	b []byte
}

// sep writes a space or a newline unless the text already ends with white
// space (a newline replaces a trailing space).
func (t *textBuffer) sep(c byte) {
	n := len(t.b)
	switch {
	case n == 0 || t.b[n-1] == '\n':
	case t.b[n-1] == ' ':
		if c == '\n' {
			t.b[n-1] = '\n'
		}
	default:
		t.b = append(t.b, c)
	}
}

// show appends the text of a PDF string, one character per byte as in
// WinAnsiEncoding (Windows-1252, which is Latin-1 with typographic
// characters at 0x80–0x9F). Control characters are dropped; tabs and
// no-break spaces become spaces.
func (t *textBuffer) show(s pdfString) error {
	for _, c := range s {
		if c >= 0x80 && c < 0xA0 {
			t.rune(winAnsi80[c-0x80])
		} else {
			t.rune(rune(c))
		}
	}
	if len(t.b) > MaxPDFText {
		return inputError(ErrLimit, "extracted text is over %d bytes", MaxPDFText)
	}
	return nil
}

// winAnsi80 maps Windows-1252 bytes 0x80–0x9F; 0 marks an undefined byte.
var winAnsi80 = [32]rune{
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
}

func (t *textBuffer) rune(r rune) {
	switch {
	case r == '\t' || r == ' ' || r == 0xA0:
		t.sep(' ')
	case r == '\n' || r == '\r':
		t.sep('\n')
	case r < 0x20 || (r >= 0x7F && r < 0xA0) || r == utf8.RuneError:
	default:
		t.b = utf8.AppendRune(t.b, r)
	}
}

// tjSpace is the TJ displacement (thousandths of text space; negative moves
// right) from which a gap inside a TJ array is read as a space.
const tjSpace = -200

// content reads the text-showing operators of a decoded content stream:
// Tj, TJ, ' and " show strings; Td and TD with a vertical move, T*, Tm and
// ET start a new line; a horizontal-only Td/TD and a wide TJ gap give a
// space. Inline images (BI … ID … EI) are skipped.
func (t *textBuffer) content(data []byte) error {
	l := &pdfLexer{b: data}
	var ops []any // the operands of the next operator, the last 8 kept
	for {
		tok, err := l.next()
		if err != nil {
			return err
		}
		switch tok.kind {
		case tokEOF:
			return nil
		case tokKeyword:
		case tokOther, tokDictClose, tokArrayClose:
			continue
		default:
			v, _, err := l.value(tok, 0)
			if err != nil {
				return err
			}
			if len(ops) == 8 {
				ops = append(ops[:0], ops[1:]...)
			}
			ops = append(ops, v)
			continue
		}
		var last any
		if len(ops) > 0 {
			last = ops[len(ops)-1]
		}
		switch string(tok.b) {
		case "Tj":
			if s, ok := last.(pdfString); ok {
				err = t.show(s)
			}
		case "'", `"`:
			t.sep('\n')
			if s, ok := last.(pdfString); ok {
				err = t.show(s)
			}
		case "TJ":
			if a, ok := last.(pdfArray); ok {
				for _, x := range a {
					switch x := x.(type) {
					case pdfString:
						err = t.show(x)
					case pdfNumber:
						if x.v <= tjSpace {
							t.sep(' ')
						}
					}
					if err != nil {
						break
					}
				}
			}
		case "Td", "TD":
			if len(ops) >= 2 {
				if ty, ok := last.(pdfNumber); ok && ty.v != 0 {
					t.sep('\n')
				} else {
					t.sep(' ')
				}
			}
		case "T*", "Tm", "ET":
			t.sep('\n')
		case "BI":
			err = l.skipInlineImage()
		}
		if err != nil {
			return err
		}
		ops = ops[:0]
	}
}

// skipInlineImage moves the lexer past an inline image, the lexer being
// just after BI: the image dictionary up to ID, then the data up to an EI
// surrounded by white space.
func (l *pdfLexer) skipInlineImage() error {
	start := l.pos
	for {
		tok, err := l.next()
		if err != nil {
			return err
		}
		if tok.kind == tokEOF {
			return inputError(ErrMalformed, "inline image at byte %d has no ID", start)
		}
		if tok.kind == tokKeyword && string(tok.b) == "ID" {
			break
		}
		if _, _, err := l.value(tok, 0); err != nil {
			return err
		}
	}
	p := l.pos + 1 // one white-space byte follows ID
	for p+1 < len(l.b) {
		i := bytes.Index(l.b[p:], []byte("EI"))
		if i < 0 {
			break
		}
		q := p + i
		before := q == 0 || isPDFSpace(l.b[q-1])
		after := q+2 == len(l.b) || isPDFSpace(l.b[q+2]) || isPDFDelim(l.b[q+2])
		if before && after {
			l.pos = q + 2
			return nil
		}
		p = q + 1
	}
	return inputError(ErrMalformed, "inline image at byte %d has no EI", start)
}
