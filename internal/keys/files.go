package keys

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Names of the files in the keystore directory.
const (
	FileCredentialKey  = "credential-key.pem"
	FileCredentialCert = "credential.pem"
	FileIACAKey        = "iaca-key.pem"
	FileIACACert       = "iaca.pem"
	FileDSKey          = "ds-key.pem"
	FileDSCert         = "ds.pem"
	FileRequestKey     = "request-key.pem"
	FileDataKey        = "data-key"
	FileAdminToken     = "admin-token"
)

// File modes the keystore creates and, for private files, requires.
const (
	DirMode     fs.FileMode = 0o700
	PrivateMode fs.FileMode = 0o600
	PublicMode  fs.FileMode = 0o644
)

// MaxFileSize bounds every file the keystore reads.
const MaxFileSize = 64 << 10

// fileKind says whether a file holds a secret.
type fileKind int

const (
	public fileKind = iota
	private
)

// exists reports whether path exists; any error other than "does not
// exist" is returned as a FileError.
func exists(path string) (bool, error) {
	_, err := os.Lstat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fileErr(path, ErrUnreadable, "check the directory's owner and permissions", "%v", err)
	}
}

// readFile reads path, at most MaxFileSize bytes. For a private file it
// refuses any group or other permission bit and anything but a regular
// file, checked on the opened descriptor.
func readFile(path string, kind fileKind) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileErr(path, ErrUnreadable, "check the file's owner and permissions", "%v", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fileErr(path, ErrUnreadable, "", "%v", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fileErr(path, ErrPermissions, "replace it with a regular file", "is a %s, not a regular file", st.Mode().Type())
	}
	if kind == private && st.Mode().Perm()&0o077 != 0 {
		return nil, fileErr(path, ErrPermissions, fmt.Sprintf("run: chmod 600 %s", path),
			"mode %04o gives group or others access to a private key file; it must be %04o", st.Mode().Perm(), PrivateMode)
	}
	if st.Size() > MaxFileSize {
		return nil, fileErr(path, ErrMalformed, "", "%d bytes exceeds the %d-byte limit", st.Size(), MaxFileSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fileErr(path, ErrUnreadable, "", "%v", err)
	}
	if len(data) > MaxFileSize {
		return nil, fileErr(path, ErrMalformed, "", "exceeds the %d-byte limit", MaxFileSize)
	}
	return data, nil
}

// writeFile creates path with data atomically: a temporary file in the same
// directory is written, synced and closed, then hard-linked to path (which
// fails if path exists, so nothing is ever overwritten) and removed; the
// directory is synced last. A crash leaves either no file or the whole file
// (and at worst a stray ".tmp-*" file, which is never read).
func writeFile(path string, data []byte, kind fileKind) (err error) {
	mode := PublicMode
	if kind == private {
		mode = PrivateMode
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fileErr(path, ErrUnreadable, "check the directory's owner and permissions", "creating temporary file: %v", err)
	}
	tmpName := tmp.Name()
	defer func() {
		_ = os.Remove(tmpName)
	}()
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fileErr(path, ErrUnreadable, "", "chmod: %v", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fileErr(path, ErrUnreadable, "", "writing: %v", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fileErr(path, ErrUnreadable, "", "sync: %v", err)
	}
	if err := tmp.Close(); err != nil {
		return fileErr(path, ErrUnreadable, "", "close: %v", err)
	}
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fileErr(path, ErrExists, "another process is initialising the directory; start again", "appeared while it was being created")
		}
		return fileErr(path, ErrUnreadable, "", "linking into place: %v", err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fileErr(dir, ErrUnreadable, "", "%v", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fileErr(dir, ErrUnreadable, "", "sync: %v", err)
	}
	return nil
}

// ensureDir creates dir with DirMode when it does not exist and reports
// whether its permissions admit group or others.
func ensureDir(dir string) (open bool, err error) {
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, DirMode); err != nil {
			return false, fileErr(dir, ErrUnreadable, "check the parent directory's permissions", "creating directory: %v", err)
		}
		// MkdirAll applies the umask; make the mode exact.
		if err := os.Chmod(dir, DirMode); err != nil {
			return false, fileErr(dir, ErrUnreadable, "", "chmod: %v", err)
		}
		return false, nil
	}
	if err != nil {
		return false, fileErr(dir, ErrUnreadable, "check the directory's owner and permissions", "%v", err)
	}
	if !st.IsDir() {
		return false, fileErr(dir, ErrUnreadable, "point the data directory at a directory", "is not a directory")
	}
	return st.Mode().Perm()&0o077 != 0, nil
}
