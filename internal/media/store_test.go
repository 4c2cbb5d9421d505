package media

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func newTestStore(t *testing.T) (*DirStore, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "media")
	s, err := NewDirStore(dir, "/media/")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

func readKey(t *testing.T, s Store, key string) string {
	t.Helper()
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDirStoreLayout(t *testing.T) {
	s, dir := newTestStore(t)
	ctx := context.Background()
	// Sharded, variants together, no temporary file left behind.
	for _, key := range []string{Key("attachments", 113456789012345678, "small", JPEG), Key("attachments", 113456789012345678, "original", PNG)} {
		if err := s.Put(ctx, key, strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
	}
	var files []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	if len(files) != 2 {
		t.Fatalf("got files %v, want exactly two", files)
	}
	for _, f := range files {
		parts := strings.Split(f, "/")
		if len(parts) != 4 || parts[0] != "attachments" || len(parts[1]) != 2 || len(parts[2]) != 2 {
			t.Errorf("got path %q, want attachments/xx/yy/name", f)
		}
	}
	if filepath.Dir(files[0]) != filepath.Dir(files[1]) {
		t.Errorf("variants are in different directories: %v", files)
	}
}

func TestDirStoreRefusesTraversal(t *testing.T) {
	s, dir := newTestStore(t)
	// Something outside the store that a traversal would reach.
	outside := filepath.Join(filepath.Dir(dir), "secret.txt")
	if err := os.WriteFile(outside, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, key := range []string{"../secret.txt", "a/../../secret.txt", "/etc/passwd", `a\..\b`} {
		_ = s.Put(ctx, key, strings.NewReader("x"))
		_ = s.Delete(ctx, key)
	}
	if b, err := os.ReadFile(outside); err != nil || string(b) != "secret" {
		t.Errorf("the file outside the store changed: %q %v", b, err)
	}
}

func TestDirStorePutCancelledLeavesNoFile(t *testing.T) {
	s, dir := newTestStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Put(ctx, "attachments/1.original.jpg", &cancelAfterFirstRead{cancel: cancel}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	var left []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, p)
		}
		return err
	})
	if len(left) != 0 {
		t.Errorf("a cancelled Put left files: %v", left)
	}
}

func TestDirStoreDoesNotFollowLinksOut(t *testing.T) {
	s, dir := newTestStore(t)
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "avatars")); err != nil {
		t.Skipf("cannot make a symbolic link here: %v", err)
	}
	err := s.Put(context.Background(), "avatars/1.original.png", strings.NewReader("x"))
	if err == nil {
		t.Errorf("Put through a link out of the store succeeded, want an error")
	}
	entries, _ := os.ReadDir(outside)
	if len(entries) != 0 {
		t.Errorf("files were written outside the store: %v", entries)
	}
}

type cancelAfterFirstRead struct{ cancel func() }

func (c *cancelAfterFirstRead) Read(p []byte) (int, error) {
	c.cancel()
	return copy(p, "partial"), nil
}
