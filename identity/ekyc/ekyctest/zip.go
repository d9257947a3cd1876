package ekyctest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/rand"
	"hash/crc32"
	"io"
	"time"
)

// ZipOptions says how WriteZip builds the archive.
type ZipOptions struct {
	// Name is the entry's name; empty means offlineaadhaar<ts>.xml with
	// the time of Modified.
	Name string
	// Modified is the entry's modification time (zero: 2026-01-01).
	Modified time.Time
	// Stored stores instead of deflating.
	Stored bool
	// DataDescriptor sets bit 3: sizes and CRC follow the data, and the
	// check byte comes from the modification time.
	DataDescriptor bool
	// NoEncryption writes the entry in the clear.
	NoEncryption bool
	// AES marks the entry as WinZip AES (method 99, extra 0x9901) with
	// junk data: a stand-in for an AES-encrypted package.
	AES bool
	// Extra adds more entries (name → plaintext, stored in the clear).
	Extra map[string][]byte
	// Header, when set, is the 11 random bytes of the encryption header
	// (reproducible output); otherwise crypto/rand.
	Header []byte
}

// WriteZip writes content as an offline e-KYC package encrypted with
// ZipCrypto under shareCode (APPNOTE.TXT §6.1), the way UIDAI's files are
// built (§2.1): one deflated, encrypted entry.
func WriteZip(content []byte, shareCode string, o ZipOptions) ([]byte, error) {
	mod := o.Modified
	if mod.IsZero() {
		mod = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	name := o.Name
	if name == "" {
		name = "offlineaadhaar" + mod.Format("20060102150405") + "000.xml"
	}
	var comp bytes.Buffer
	method := uint16(zip.Deflate)
	if o.Stored {
		method = zip.Store
		comp.Write(content)
	} else {
		fw, err := flate.NewWriter(&comp, flate.BestCompression)
		if err != nil {
			return nil, err
		}
		if _, err := fw.Write(content); err != nil {
			return nil, err
		}
		if err := fw.Close(); err != nil {
			return nil, err
		}
	}
	crc := crc32.ChecksumIEEE(content)
	fh := &zip.FileHeader{
		Name:               name,
		Method:             method,
		CRC32:              crc,
		UncompressedSize64: uint64(len(content)),
	}
	fh.ModifiedDate, fh.ModifiedTime = dosDateTime(mod)
	data := comp.Bytes()
	switch {
	case o.AES:
		fh.Method = 99
		fh.Flags = 0x1
		// AE-2, vendor "AE", AES-256, actual method deflate.
		fh.Extra = []byte{0x01, 0x99, 7, 0, 2, 0, 'A', 'E', 3, 8, 0}
		junk := make([]byte, 16+2+len(data)+10)
		if _, err := rand.Read(junk); err != nil {
			return nil, err
		}
		data = junk
	case !o.NoEncryption:
		fh.Flags = 0x1
		check := byte(crc >> 24)
		if o.DataDescriptor {
			fh.Flags |= 0x8
			check = byte(fh.ModifiedTime >> 8)
		}
		hdr := make([]byte, 12)
		if o.Header != nil {
			copy(hdr, o.Header)
		} else if _, err := rand.Read(hdr[:11]); err != nil {
			return nil, err
		}
		hdr[11] = check
		k := newKeys(shareCode)
		enc := append(hdr, data...)
		k.encrypt(enc)
		data = enc
	}
	fh.CompressedSize64 = uint64(len(data))

	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	w, err := zw.CreateRaw(fh)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	for n, b := range o.Extra {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Store})
		if err != nil {
			return nil, err
		}
		if _, err := io.Copy(w, bytes.NewReader(b)); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func dosDateTime(t time.Time) (date, tm uint16) {
	date = uint16(t.Day() + int(t.Month())<<5 + (t.Year()-1980)<<9)
	tm = uint16(t.Second()/2 + t.Minute()<<5 + t.Hour()<<11)
	return
}

// keys is the writer's side of the traditional PKWARE cipher, kept apart
// from the package's reader so that the two check each other.
type keys [3]uint32

func newKeys(pw string) *keys {
	k := &keys{305419896, 591751049, 878082192}
	for _, b := range []byte(pw) {
		k.step(b)
	}
	return k
}

func crc1(c uint32, b byte) uint32 { return (c >> 8) ^ crc32.IEEETable[(c^uint32(b))&0xff] }

func (k *keys) step(b byte) {
	k[0] = crc1(k[0], b)
	k[1] += k[0] & 0xff
	k[1] = k[1]*134775813 + 1
	k[2] = crc1(k[2], byte(k[1]>>24))
}

func (k *keys) encrypt(b []byte) {
	for i, p := range b {
		t := k[2]&0xffff | 2
		b[i] = p ^ byte((t*(t^1))>>8)
		k.step(p)
	}
}
