//go:build ignore

// genpdf writes the synthetic PDF test files of package extract. All values
// in them are invented. Run from identity/extract:
//
//	go run testdata/genpdf.go
package main

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"log"
	"os"
	"path/filepath"
)

type builder struct {
	buf     bytes.Buffer
	offsets map[int]int
	max     int
}

func newBuilder(version string) *builder {
	b := &builder{offsets: map[int]int{}}
	fmt.Fprintf(&b.buf, "%%PDF-%s\n%%\xe2\xe3\xcf\xd3\n", version)
	return b
}

func (b *builder) obj(num int, body string) {
	b.offsets[num] = b.buf.Len()
	b.max = max(b.max, num)
	fmt.Fprintf(&b.buf, "%d 0 obj\n%s\nendobj\n", num, body)
}

func (b *builder) stream(num int, dict string, data []byte) {
	b.offsets[num] = b.buf.Len()
	b.max = max(b.max, num)
	fmt.Fprintf(&b.buf, "%d 0 obj\n<< %s /Length %d >>\nstream\n", num, dict, len(data))
	b.buf.Write(data)
	b.buf.WriteString("\nendstream\nendobj\n")
}

// finish writes a classic xref table and trailer.
func (b *builder) finish(trailerExtra string) []byte {
	xref := b.buf.Len()
	fmt.Fprintf(&b.buf, "xref\n0 %d\n0000000000 65535 f \n", b.max+1)
	for i := 1; i <= b.max; i++ {
		fmt.Fprintf(&b.buf, "%010d 00000 n \n", b.offsets[i])
	}
	fmt.Fprintf(&b.buf, "trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n", b.max+1, trailerExtra, xref)
	return b.buf.Bytes()
}

// finishXRefStream writes a cross-reference stream (PDF 1.5) as object num;
// inStream maps objects stored in an object stream to [stream, index].
func (b *builder) finishXRefStream(num int, root string, inStream map[int][2]int) []byte {
	b.offsets[num] = b.buf.Len()
	b.max = max(b.max, num)
	var rows bytes.Buffer
	for i := 0; i <= b.max; i++ {
		row := make([]byte, 7)
		switch {
		case i == 0:
			row[0] = 0
			binary.BigEndian.PutUint16(row[5:], 65535)
		case inStream[i] != [2]int{}:
			row[0] = 2
			binary.BigEndian.PutUint32(row[1:], uint32(inStream[i][0]))
			binary.BigEndian.PutUint16(row[5:], uint16(inStream[i][1]))
		default:
			row[0] = 1
			binary.BigEndian.PutUint32(row[1:], uint32(b.offsets[i]))
		}
		rows.Write(row)
	}
	data := deflate(rows.Bytes())
	start := b.buf.Len()
	fmt.Fprintf(&b.buf, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root %s /Filter /FlateDecode /Length %d >>\nstream\n",
		num, b.max+1, root, len(data))
	b.buf.Write(data)
	fmt.Fprintf(&b.buf, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", start)
	return b.buf.Bytes()
}

func deflate(p []byte) []byte {
	var out bytes.Buffer
	w, _ := zlib.NewWriterLevel(&out, zlib.BestCompression)
	w.Write(p)
	w.Close()
	return out.Bytes()
}

const font = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"

// A PAN-card-like page: Tj, TJ with a wide gap, T*, ', escapes, octal.
const panContent = `BT
/F1 14 Tf 18 TL 72 760 Td (INCOME TAX DEPARTMENT) Tj
0 -24 Td (Permanent Account Number: ABCDE1234F) Tj
0 -18 Td [(Na) 20 (me: ) -40 (ASHA) -320 (VERMA)] TJ
T* (Father\222s Name: RAVI VERMA) Tj
(Date of Birth: 05-10-1996) '
ET
`

func plainPDF() []byte {
	b := newBuilder("1.4")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	b.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	b.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>")
	b.stream(4, "", []byte(panContent))
	b.obj(5, font)
	return b.finish("/Root 1 0 R")
}

// A two-page marksheet: Flate content, page 2 with an array of two
// streams, a hex string, an octal escape, an inline image, a form
// XObject, and the page objects written in reverse order so that only the
// page tree gives the right order.
func flatePDF() []byte {
	page1 := `BT /F1 12 Tf 72 740 Td (CENTRAL BOARD OF SECONDARY EDUCATION) Tj 0 -20 Td (Roll No: 4012345) Tj ET
BI /W 4 /H 1 /BPC 8 /CS /G ID ` + "\x00\xffEI\x01" + ` EI
BT 72 680 Td <526573756C743A2050415353> Tj ET`
	page2a := `BT /F1 12 Tf 72 740 Td (Subject: MATHEMATICS) Tj 150 0 Td (Marks: 091) Tj ET`
	page2b := `BT 72 700 Td (Name: ANITA D\311SAI\tK.) Tj ET /Fm1 Do`
	form := `BT 72 100 Td (Verified by DigiLocker) Tj ET`
	b := newBuilder("1.4")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	b.obj(2, "<< /Type /Pages /Kids [4 0 R 3 0 R] /Count 2 >>")
	b.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 9 0 R >> /XObject << /Fm1 8 0 R >> >> /Contents [6 0 R 7 0 R] >>")
	b.obj(4, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 9 0 R >> >> /Contents 5 0 R >>")
	b.stream(5, "/Filter /FlateDecode", deflate([]byte(page1)))
	b.stream(6, "/Filter [/FlateDecode]", deflate([]byte(page2a)))
	b.stream(7, "/Filter /Fl", deflate([]byte(page2b)))
	b.stream(8, "/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Filter /FlateDecode", deflate([]byte(form)))
	b.obj(9, font)
	return b.finish("/Root 1 0 R")
}

// PDF 1.5: catalog, page tree and page inside a compressed object stream,
// cross-reference stream instead of a table.
func objstmPDF() []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 6 0 R >> >> /Contents 4 0 R >>",
	}
	var head, body bytes.Buffer
	for i, o := range objs {
		fmt.Fprintf(&head, "%d %d ", i+1, body.Len())
		body.WriteString(o)
		body.WriteString("\n")
	}
	stm := append(head.Bytes(), body.Bytes()...)
	b := newBuilder("1.5")
	b.stream(4, "/Filter /FlateDecode", deflate([]byte(`BT /F1 12 Tf 72 720 Td (Licence No: DL0420110012345) Tj ET`)))
	b.stream(5, fmt.Sprintf("/Type /ObjStm /N %d /First %d /Filter /FlateDecode", len(objs), head.Len()), deflate(stm))
	b.obj(6, font)
	return b.finishXRefStream(7, "1 0 R", map[int][2]int{1: {5, 0}, 2: {5, 1}, 3: {5, 2}})
}

// An encrypted PDF: the trailer names an /Encrypt dictionary (the content
// is not really encrypted; the extractor must not read it either way).
func encryptedPDF() []byte {
	b := newBuilder("1.4")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	b.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	b.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>")
	b.stream(4, "", []byte(panContent))
	b.obj(5, "<< /Filter /Standard /V 2 /R 3 /Length 128 /P -3904 /O <00> /U <00> >>")
	return b.finish("/Root 1 0 R /Encrypt 5 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>]")
}

// bombPDF: one content stream inflating to 64 MiB (limit: 4 MiB per stream).
func bombPDF() []byte {
	b := newBuilder("1.4")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	b.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	b.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>")
	b.stream(4, "/Filter /FlateDecode", deflate(bytes.Repeat([]byte(" "), 64<<20)))
	return b.finish("/Root 1 0 R")
}

// bombTotalPDF: five streams of 3.5 MiB each, each under the per-stream
// limit, 17.5 MiB together (limit: 16 MiB).
func bombTotalPDF() []byte {
	b := newBuilder("1.4")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	b.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	b.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents [4 0 R 5 0 R 6 0 R 7 0 R 8 0 R] >>")
	for i := 4; i <= 8; i++ {
		b.stream(i, "/Filter /FlateDecode", deflate(bytes.Repeat([]byte(" "), 7<<19)))
	}
	return b.finish("/Root 1 0 R")
}

func main() {
	files := map[string][]byte{
		"pan_plain.pdf":       plainPDF(),
		"marksheet_flate.pdf": flatePDF(),
		"licence_objstm.pdf":  objstmPDF(),
		"encrypted.pdf":       encryptedPDF(),
		"bomb.pdf":            bombPDF(),
		"bomb_total.pdf":      bombTotalPDF(),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join("testdata", name), data, 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-22s %7d bytes\n", name, len(data))
	}
}
