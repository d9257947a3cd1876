package ekyc

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"io"
	"path"
	"strings"
)

// Defaults of Limits. A real package is some tens of kilobytes (a few
// kilobytes of attributes and a 160×200 JPEG).
const (
	DefaultMaxZipBytes   = 1 << 20
	DefaultMaxEntries    = 4
	DefaultMaxXMLBytes   = 1 << 20
	DefaultMaxRatio      = 50
	zipCryptoHeaderBytes = 12
)

// Limits bounds what Open accepts. A zero field takes its default.
type Limits struct {
	// MaxZipBytes bounds the archive (DefaultMaxZipBytes).
	MaxZipBytes int
	// MaxEntries bounds the entries of the central directory, of which
	// exactly one must be a .xml file (DefaultMaxEntries).
	MaxEntries int
	// MaxXMLBytes bounds the uncompressed entry (DefaultMaxXMLBytes).
	MaxXMLBytes int
	// MaxRatio bounds uncompressed size / compressed size
	// (DefaultMaxRatio).
	MaxRatio int
}

func (l Limits) withDefaults() Limits {
	if l.MaxZipBytes <= 0 {
		l.MaxZipBytes = DefaultMaxZipBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	if l.MaxXMLBytes <= 0 {
		l.MaxXMLBytes = DefaultMaxXMLBytes
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultMaxRatio
	}
	return l
}

// ZIP compression methods and flags.
const (
	methodStored  = 0
	methodDeflate = 8
	methodAES     = 99 // WinZip AE-1/AE-2
	flagEncrypted = 0x1
	flagDataDesc  = 0x8
	flagStrong    = 0x40
)

// Open decrypts an offline e-KYC package (§2.1) in memory and returns its XML
// entry. The archive must hold exactly one .xml entry (directories aside
// none other), encrypted with ZipCrypto under shareCode, stored or
// deflated, within lim. The check byte of the 12-byte encryption header
// (the high byte of the CRC-32, or of the modification time when the entry
// has a data descriptor) rejects most wrong share codes; the CRC-32 of the
// decrypted, inflated data is checked too.
func Open(zipBytes []byte, shareCode string, lim Limits) ([]byte, error) {
	lim = lim.withDefaults()
	if len(zipBytes) == 0 {
		return nil, errf(ErrNotZip, "empty input")
	}
	if len(zipBytes) > lim.MaxZipBytes {
		return nil, errf(ErrZipLimits, "%d bytes, over the limit of %d", len(zipBytes), lim.MaxZipBytes)
	}
	if shareCode == "" {
		return nil, errf(ErrWrongShareCode, "empty share code")
	}
	zr, err := zip.NewReader(bytes.NewReader(zipBytes), int64(len(zipBytes)))
	if err != nil {
		return nil, errf(ErrNotZip, "%v", err)
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, errf(ErrZipLimits, "%d entries, over the limit of %d", len(zr.File), lim.MaxEntries)
	}
	var entry *zip.File
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") && f.UncompressedSize64 == 0 {
			continue // a directory
		}
		if entry != nil {
			return nil, errf(ErrZipLimits, "more than one file entry")
		}
		entry = f
	}
	if entry == nil {
		return nil, errf(ErrZipLimits, "no file entry")
	}
	name := entry.Name
	if len(name) > 255 || path.Base(name) != name || !strings.EqualFold(path.Ext(name), ".xml") || strings.ContainsAny(name, "\\:\x00") {
		return nil, errf(ErrZipUnsupported, "the entry is not a plain .xml file name")
	}
	switch {
	case entry.Method == methodAES:
		return nil, errf(ErrZipUnsupported, "AES (WinZip AE-x) encryption is not supported")
	case entry.Flags&flagStrong != 0:
		return nil, errf(ErrZipUnsupported, "PKWARE strong encryption is not supported")
	case entry.Flags&flagEncrypted == 0:
		return nil, errf(ErrZipUnsupported, "the entry is not encrypted")
	case entry.Method != methodStored && entry.Method != methodDeflate:
		return nil, errf(ErrZipUnsupported, "compression method %d", entry.Method)
	}
	if entry.UncompressedSize64 > uint64(lim.MaxXMLBytes) {
		return nil, errf(ErrZipLimits, "entry of %d bytes, over the limit of %d", entry.UncompressedSize64, lim.MaxXMLBytes)
	}
	if entry.CompressedSize64 < zipCryptoHeaderBytes || entry.CompressedSize64 > uint64(len(zipBytes)) {
		return nil, errf(ErrCorruptZip, "compressed size %d", entry.CompressedSize64)
	}
	payload := entry.CompressedSize64 - zipCryptoHeaderBytes
	if ratioOver(entry.UncompressedSize64, payload, lim.MaxRatio) {
		return nil, errf(ErrZipLimits, "compression ratio over %d", lim.MaxRatio)
	}

	raw, err := entry.OpenRaw()
	if err != nil {
		return nil, errf(ErrCorruptZip, "%v", err)
	}
	zc := newZipCrypto(shareCode)
	var hdr [zipCryptoHeaderBytes]byte
	if _, err := io.ReadFull(raw, hdr[:]); err != nil {
		return nil, errf(ErrCorruptZip, "encryption header: %v", err)
	}
	zc.decrypt(hdr[:])
	check := byte(entry.CRC32 >> 24)
	if entry.Flags&flagDataDesc != 0 {
		check = byte(entry.ModifiedTime >> 8)
	}
	if hdr[11] != check {
		return nil, errf(ErrWrongShareCode, "the check byte does not match")
	}
	dec := &zipCryptoReader{r: io.LimitReader(raw, int64(payload)), zc: zc}
	var plain io.Reader = dec
	if entry.Method == methodDeflate {
		fr := flate.NewReader(dec)
		defer fr.Close()
		plain = fr
	}
	out, err := io.ReadAll(io.LimitReader(plain, int64(lim.MaxXMLBytes)+1))
	if err != nil {
		return nil, badDecryption("the data do not inflate: %v", err)
	}
	if len(out) > lim.MaxXMLBytes {
		return nil, errf(ErrZipLimits, "entry inflates over the limit of %d bytes", lim.MaxXMLBytes)
	}
	if uint64(len(out)) != entry.UncompressedSize64 {
		return nil, badDecryption("the entry inflates to %d bytes, not the declared %d", len(out), entry.UncompressedSize64)
	}
	if ratioOver(uint64(len(out)), payload, lim.MaxRatio) {
		return nil, errf(ErrZipLimits, "compression ratio over %d", lim.MaxRatio)
	}
	if crc32.ChecksumIEEE(out) != entry.CRC32 {
		return nil, badDecryption("CRC-32 mismatch")
	}
	return out, nil
}

// ratioOver reports whether size/compressed exceeds ratio (an empty entry
// never does).
func ratioOver(size, compressed uint64, ratio int) bool {
	if size == 0 {
		return false
	}
	if compressed == 0 {
		return true
	}
	return size > compressed*uint64(ratio)
}

// badDecryption is the error of data that fail after the check byte
// matched: a wrong share code that passed the one-byte check, or a
// corrupt entry; the two cannot be told apart.
func badDecryption(format string, args ...any) error {
	return errors.Join(errf(ErrWrongShareCode, "or a corrupt entry"), errf(ErrCorruptZip, format, args...))
}

// zipCrypto is the traditional PKWARE stream cipher (APPNOTE.TXT §6.1): three
// 32-bit keys updated with CRC-32 steps and a linear congruence.
type zipCrypto struct{ k0, k1, k2 uint32 }

func newZipCrypto(password string) *zipCrypto {
	z := &zipCrypto{0x12345678, 0x23456789, 0x34567890}
	for i := 0; i < len(password); i++ {
		z.update(password[i])
	}
	return z
}

func crcStep(crc uint32, b byte) uint32 {
	return crc32.IEEETable[byte(crc)^b] ^ (crc >> 8)
}

func (z *zipCrypto) update(b byte) {
	z.k0 = crcStep(z.k0, b)
	z.k1 = (z.k1+(z.k0&0xff))*134775813 + 1
	z.k2 = crcStep(z.k2, byte(z.k1>>24))
}

func (z *zipCrypto) stream() byte {
	t := uint16(z.k2 | 2)
	return byte((uint32(t) * uint32(t^1)) >> 8)
}

// decrypt decrypts b in place.
func (z *zipCrypto) decrypt(b []byte) {
	for i, c := range b {
		p := c ^ z.stream()
		z.update(p)
		b[i] = p
	}
}

// zipCryptoReader decrypts what it reads.
type zipCryptoReader struct {
	r  io.Reader
	zc *zipCrypto
}

func (r *zipCryptoReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.zc.decrypt(p[:n])
	return n, err
}
