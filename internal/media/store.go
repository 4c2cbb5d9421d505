package media

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"

	"parvis/internal/model"
)

// Store keeps media files under keys such as "attachments/12345.small.jpg"
// (see Key). DirStore keeps them on the local disk; an S3-compatible store
// can implement the same four methods.
type Store interface {
	// Put stores the content of r under key, replacing any previous file,
	// so that readers see either the old file or the new one, never a
	// partial one.
	Put(ctx context.Context, key string, r io.Reader) error
	// Open returns the file stored under key; a missing file is an
	// ENOTFOUND model error.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the file stored under key; deleting a missing file is
	// not an error.
	Delete(ctx context.Context, key string) error
	// URLPath returns the path, on this server, at which key is served.
	URLPath(key string) string
}

// Key returns the store key of one variant of a media file: the kind
// ("attachments", "avatars", "headers"), the owning row's id, the variant
// ("original", "small") and the format's extension, as in
// "attachments/113456789012345678.small.jpg".
func Key(kind string, id int64, variant string, f Format) string {
	return kind + "/" + strconv.FormatInt(id, 10) + "." + variant + "." + f.Ext()
}

var _ Store = (*DirStore)(nil)

// maxKeyLen bounds keys well under file-system name limits.
const maxKeyLen = 255

// ValidateKey returns an EINVALID error unless key is a relative path of
// one or more segments separated by "/", each made of ASCII letters, digits,
// '.', '-' and '_', none starting with '.', within maxKeyLen bytes. Such a
// key cannot leave the store's directory, name a hidden file or clash with
// the store's temporary files.
func ValidateKey(key string) error {
	if key == "" || len(key) > maxKeyLen {
		return model.Errorf(model.EINVALID, "invalid media key: length %d", len(key))
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg[0] == '.' {
			return model.Errorf(model.EINVALID, "invalid media key %q", key)
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
				return model.Errorf(model.EINVALID, "invalid media key %q", key)
			}
		}
	}
	return nil
}

// DirStore is a Store on the local file system. Files live under its
// directory in two levels of shard directories, so that no directory grows
// to millions of entries: key "attachments/123.small.jpg" is stored as
// attachments/ab/cd/123.small.jpg, where abcd comes from a hash of the
// file name up to its first dot, so that all variants of one file share a
// directory. Writes go to a temporary file in the same directory, synced,
// then renamed over the target. All access goes through an os.Root, so no
// path, link or ".." can reach outside the directory even if a key
// slipped past validation.
type DirStore struct {
	root      *os.Root
	urlPrefix string
}

// NewDirStore opens (creating it if needed) the directory dir, and serves
// keys under urlPrefix (for example "/media"). Close releases it.
func NewDirStore(dir, urlPrefix string) (*DirStore, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("media: create store directory: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("media: open store directory: %w", err)
	}
	return &DirStore{root: root, urlPrefix: strings.TrimSuffix(urlPrefix, "/")}, nil
}

// Close releases the store's directory handle.
func (s *DirStore) Close() error { return s.root.Close() }

// filePath maps a valid key to its sharded path inside the directory.
func filePath(key string) string {
	dir, name := path.Split(key)
	stem, _, _ := strings.Cut(name, ".")
	h := fnv.New32a()
	h.Write([]byte(stem))
	sum := h.Sum32()
	shard := fmt.Sprintf("%02x/%02x", byte(sum>>8), byte(sum))
	return dir + shard + "/" + name
}

// Put implements Store.
func (s *DirStore) Put(ctx context.Context, key string, r io.Reader) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p := filePath(key)
	dir := path.Dir(p)
	if err := s.root.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("media: create %s: %w", dir, err)
	}
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return fmt.Errorf("media: temporary name: %w", err)
	}
	// A leading dot keeps temporary files out of the key space.
	tmp := dir + "/.tmp-" + hex.EncodeToString(rnd[:])
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("media: create temporary file: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			f.Close()
			s.root.Remove(tmp)
		}
	}()
	if _, err := io.Copy(f, contextReader{ctx, r}); err != nil {
		return fmt.Errorf("media: write %s: %w", key, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("media: sync %s: %w", key, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("media: close %s: %w", key, err)
	}
	if err := s.root.Rename(tmp, p); err != nil {
		return fmt.Errorf("media: rename %s: %w", key, err)
	}
	committed = true
	// Sync the directory so that the rename survives a crash.
	if d, err := s.root.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Open implements Store.
func (s *DirStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ValidateKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := s.root.Open(filePath(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, model.Errorf(model.ENOTFOUND, "media file %q not found", key)
	}
	if err != nil {
		return nil, fmt.Errorf("media: open %s: %w", key, err)
	}
	return f, nil
}

// Delete implements Store.
func (s *DirStore) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.root.Remove(filePath(key))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("media: delete %s: %w", key, err)
	}
	return nil
}

// URLPath implements Store. The key is not sharded in URLs: the server
// resolves it through Open.
func (s *DirStore) URLPath(key string) string { return s.urlPrefix + "/" + key }

// contextReader stops a copy when its context is cancelled.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
