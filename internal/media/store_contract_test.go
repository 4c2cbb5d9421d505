package media_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"parvis/internal/media"
	"parvis/internal/media/mediatest"
	"parvis/internal/model"
)

// A backing is one place files live (a directory, a bucket), which any
// number of stores, as on several nodes, can be opened on.
type backing struct {
	name string
	// open returns a new store on the test's backing, made once per test
	// by setup.
	setup func(t testing.TB) (open func() media.Store)
}

// backings are every kind of store: a directory, and a bucket on each S3
// server mediatest knows.
func backings() []backing {
	bs := []backing{{name: "dir", setup: func(t testing.TB) func() media.Store {
		dir := filepath.Join(t.TempDir(), "media")
		return func() media.Store {
			s, err := media.NewDirStore(dir, "/media/")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
	}}}
	for _, srv := range mediatest.Servers {
		bs = append(bs, backing{name: "s3-" + srv.Name, setup: func(t testing.TB) func() media.Store {
			cfg := srv.Start(t).Config
			return func() media.Store { return newS3(t, cfg) }
		}})
	}
	return bs
}

func newS3(t testing.TB, cfg media.S3Config) *media.S3Store {
	t.Helper()
	s, err := media.NewS3Store(cfg, "/media/")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func read(t testing.TB, s media.Store, key string) string {
	t.Helper()
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return string(b)
}

var badKeys = []string{
	"", "../secret.txt", "a/../../secret.txt", "/etc/passwd", "a//b", "a/./b", ".hidden",
	"a/.tmp-0011", `a\..\b`, "a/b/", "a b", "a/é", "a\x00b", strings.Repeat("a", 300),
}

// TestStoreContract runs the same checks on every kind of store: what
// social relies on, whichever store a node is configured with.
func TestStoreContract(t *testing.T) {
	for _, b := range backings() {
		t.Run(b.name, func(t *testing.T) {
			open := b.setup(t)
			ctx := context.Background()

			t.Run("put, open, overwrite, delete", func(t *testing.T) {
				s := open()
				key := media.Key("attachments", 113456789012345678, "small", media.JPEG)
				if key != "attachments/113456789012345678.small.jpg" {
					t.Errorf("got key %q", key)
				}
				if err := s.Put(ctx, key, strings.NewReader("first")); err != nil {
					t.Fatal(err)
				}
				if got := read(t, s, key); got != "first" {
					t.Errorf("got %q, want %q", got, "first")
				}
				if err := s.Put(ctx, key, strings.NewReader("second")); err != nil {
					t.Fatal(err)
				}
				if got := read(t, s, key); got != "second" {
					t.Errorf("got %q after overwrite, want %q", got, "second")
				}
				if got := s.URLPath(key); got != "/media/attachments/113456789012345678.small.jpg" {
					t.Errorf("got URL path %q", got)
				}
				if err := s.Delete(ctx, key); err != nil {
					t.Fatal(err)
				}
				if _, err := s.Open(ctx, key); !model.IsNotFound(err) {
					t.Errorf("got %v after delete, want not found", err)
				}
				if err := s.Delete(ctx, key); err != nil {
					t.Errorf("deleting a missing file: got %v, want nil", err)
				}
			})

			t.Run("a missing file is not found", func(t *testing.T) {
				if _, err := open().Open(ctx, "attachments/1.original.png"); !model.IsNotFound(err) {
					t.Errorf("got %v, want ENOTFOUND", err)
				}
			})

			t.Run("bad keys are refused", func(t *testing.T) {
				s := open()
				for _, key := range badKeys {
					if err := s.Put(ctx, key, strings.NewReader("x")); model.ErrorCode(err) != model.EINVALID {
						t.Errorf("Put(%q): got %v, want EINVALID", key, err)
					}
					if _, err := s.Open(ctx, key); model.ErrorCode(err) != model.EINVALID {
						t.Errorf("Open(%q): got %v, want EINVALID", key, err)
					}
					if err := s.Delete(ctx, key); model.ErrorCode(err) != model.EINVALID {
						t.Errorf("Delete(%q): got %v, want EINVALID", key, err)
					}
				}
			})

			t.Run("a cancelled put stores nothing", func(t *testing.T) {
				s := open()
				cctx, cancel := context.WithCancel(ctx)
				err := s.Put(cctx, "attachments/2.original.jpg", &cancelAfterFirstRead{cancel: cancel})
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("got %v, want context.Canceled", err)
				}
				if _, err := s.Open(ctx, "attachments/2.original.jpg"); !model.IsNotFound(err) {
					t.Errorf("after a cancelled put: got %v, want not found", err)
				}
			})

			t.Run("files are seekable", func(t *testing.T) {
				s := open()
				data := pattern(200 << 10)
				if err := s.Put(ctx, "attachments/3.original.png", bytes.NewReader(data)); err != nil {
					t.Fatal(err)
				}
				rc, err := s.Open(ctx, "attachments/3.original.png")
				if err != nil {
					t.Fatal(err)
				}
				defer rc.Close()
				rs, ok := rc.(io.ReadSeeker)
				if !ok {
					t.Fatalf("Open returned a %T, want an io.ReadSeeker (for Range requests)", rc)
				}
				if n, err := rs.Seek(0, io.SeekEnd); err != nil || n != int64(len(data)) {
					t.Fatalf("Seek to the end: got %d, %v, want %d", n, err, len(data))
				}
				if _, err := rs.Seek(150_000, io.SeekStart); err != nil {
					t.Fatal(err)
				}
				part := make([]byte, 1000)
				if _, err := io.ReadFull(rs, part); err != nil || !bytes.Equal(part, data[150_000:151_000]) {
					t.Fatalf("read at 150000: %v, bytes equal: %v", err, bytes.Equal(part, data[150_000:151_000]))
				}
				if _, err := rs.Seek(0, io.SeekStart); err != nil {
					t.Fatal(err)
				}
				all, err := io.ReadAll(rs)
				if err != nil || !bytes.Equal(all, data) {
					t.Fatalf("read all after seeking back: %d bytes, %v; want the %d bytes put", len(all), err, len(data))
				}
			})

			t.Run("two stores on one backing see each other's files", func(t *testing.T) {
				a, b := open(), open()
				if err := a.Put(ctx, "avatars/4.original.webp", strings.NewReader("from a")); err != nil {
					t.Fatal(err)
				}
				if got := read(t, b, "avatars/4.original.webp"); got != "from a" {
					t.Errorf("b read %q, want %q", got, "from a")
				}
				if err := b.Delete(ctx, "avatars/4.original.webp"); err != nil {
					t.Fatal(err)
				}
				if _, err := a.Open(ctx, "avatars/4.original.webp"); !model.IsNotFound(err) {
					t.Errorf("a after b deleted: got %v, want not found", err)
				}
			})

			t.Run("readers never see a partial file", func(t *testing.T) {
				w, r := open(), open()
				const key = "attachments/5.original.jpg"
				const size = 256 << 10
				versions := [][]byte{bytes.Repeat([]byte{'a'}, size), bytes.Repeat([]byte{'b'}, size)}
				if err := w.Put(ctx, key, bytes.NewReader(versions[0])); err != nil {
					t.Fatal(err)
				}
				stop := make(chan struct{})
				var wg sync.WaitGroup
				var mu sync.Mutex
				var bad []string
				reads := 0
				for range 2 {
					wg.Go(func() {
						for {
							got := []byte(read(t, r, key))
							ok := bytes.Equal(got, versions[0]) || bytes.Equal(got, versions[1])
							mu.Lock()
							reads++
							if !ok && len(bad) < 3 {
								bad = append(bad, strings.TrimSpace(string(got[:min(len(got), 8)]))+"…")
							}
							mu.Unlock()
							select {
							case <-stop:
								return
							default:
							}
						}
					})
				}
				for i := range 10 {
					if err := w.Put(ctx, key, bytes.NewReader(versions[(i+1)%2])); err != nil {
						t.Error(err)
						break
					}
				}
				close(stop)
				wg.Wait()
				if len(bad) > 0 {
					t.Errorf("readers saw files that were neither version (of %d reads): %q", reads, bad)
				}
				t.Logf("%d whole reads during 10 overwrites", reads)
			})
		})
	}
}

type cancelAfterFirstRead struct{ cancel func() }

func (c *cancelAfterFirstRead) Read(p []byte) (int, error) {
	c.cancel()
	return copy(p, "partial"), nil
}

// pattern returns n bytes that differ from position to position.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}

func TestParseS3URL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // S3Config.String(), region and path style
		err  string
	}{
		{in: "https://s3.eu-west-3.amazonaws.com/parvis-media?region=eu-west-3", want: "https://s3.eu-west-3.amazonaws.com/parvis-media/ eu-west-3 false"},
		{in: "http://10.0.0.5:9000/media/site1/?path_style=true", want: "http://10.0.0.5:9000/media/site1/  true"},
		{in: "https://garage.internal:3900/parvis/a/b", want: "https://garage.internal:3900/parvis/a/b/  false"},
		{in: "https://key:secret@s3.example.com/b", err: "credentials do not belong in the URL"},
		{in: "s3://bucket/prefix", err: "want https://ENDPOINT/BUCKET"},
		{in: "https://s3.example.com/", err: "no bucket"},
		{in: "https:///bucket", err: "no endpoint host"},
		{in: "https://s3.example.com/b/../x", err: "prefix"},
		{in: "https://s3.example.com/b?acl=public", err: "unknown parameter"},
		{in: "https://s3.example.com/b?path_style=maybe", err: "path_style must be"},
	} {
		c, err := media.ParseS3URL(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseS3URL(%q): got %v, want an error with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseS3URL(%q): %v", tc.in, err)
			continue
		}
		got := c.String() + " " + c.Region + " " + map[bool]string{true: "true", false: "false"}[c.PathStyle]
		if got != tc.want {
			t.Errorf("ParseS3URL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestS3StoreFailures checks what a node does when the object store
// misbehaves: a clear EUNAVAILABLE (a 503 for the person, the cause in the
// logs), never a panic, never "not found" for an outage.
func TestS3StoreFailures(t *testing.T) {
	for _, srv := range mediatest.Servers {
		t.Run(srv.Name, func(t *testing.T) {
			server := srv.Start(t)
			ctx := context.Background()

			t.Run("wrong credentials", func(t *testing.T) {
				cfg := server.Config
				cfg.AccessKey = "someone-else"
				s := newS3(t, cfg)
				if err := s.Check(ctx); err == nil {
					t.Error("Check with the wrong access key succeeded")
				}
				if err := s.Put(ctx, "attachments/1.original.png", strings.NewReader("x")); model.ErrorCode(err) != model.EUNAVAILABLE {
					t.Errorf("Put: got %v, want EUNAVAILABLE", err)
				}
			})

			t.Run("wrong secret", func(t *testing.T) {
				if srv.Name == "gofakes3" {
					t.Skip("gofakes3 does not verify signatures")
				}
				cfg := server.Config
				cfg.SecretKey = "not-the-secret-key-of-the-server"
				if err := newS3(t, cfg).Put(ctx, "attachments/1.original.png", strings.NewReader("x")); model.ErrorCode(err) != model.EUNAVAILABLE {
					t.Errorf("Put signed with the wrong secret: got %v, want EUNAVAILABLE", err)
				}
			})

			t.Run("missing bucket", func(t *testing.T) {
				cfg := server.Config
				cfg.Bucket = "no-such-bucket"
				s := newS3(t, cfg)
				if err := s.Check(ctx); err == nil || !strings.Contains(err.Error(), "no-such-bucket") {
					t.Errorf("Check: got %v, want an error naming the bucket", err)
				}
				if _, err := s.Open(ctx, "attachments/1.original.png"); model.ErrorCode(err) != model.EUNAVAILABLE {
					t.Errorf("Open: got %v, want EUNAVAILABLE (a missing bucket is not a missing file)", err)
				}
			})

			t.Run("prefix", func(t *testing.T) {
				cfg := server.Config
				cfg.Prefix = "site1/"
				prefixed, plain := newS3(t, cfg), newS3(t, server.Config)
				if err := prefixed.Put(ctx, "headers/6.original.png", strings.NewReader("under a prefix")); err != nil {
					t.Fatal(err)
				}
				if got := read(t, plain, "site1/headers/6.original.png"); got != "under a prefix" {
					t.Errorf("the object under the prefix holds %q", got)
				}
				if _, err := plain.Open(ctx, "headers/6.original.png"); !model.IsNotFound(err) {
					t.Errorf("the key without the prefix: got %v, want not found", err)
				}
			})

			t.Run("size bound for readers of unknown length", func(t *testing.T) {
				cfg := server.Config
				cfg.MaxBytes = 1000
				s := newS3(t, cfg)
				err := s.Put(ctx, "attachments/7.original.png", io.MultiReader(bytes.NewReader(pattern(1001))))
				if model.ErrorCode(err) != model.ETOOLARGE {
					t.Errorf("Put of 1001 bytes over a bound of 1000: got %v, want ETOOLARGE", err)
				}
				if err := s.Put(ctx, "attachments/7.original.png", io.MultiReader(bytes.NewReader(pattern(1000)))); err != nil {
					t.Errorf("Put of 1000 bytes: %v", err)
				}
			})

			t.Run("unreachable", func(t *testing.T) {
				s := newS3(t, server.Config)
				if err := s.Check(ctx); err != nil {
					t.Fatalf("Check while the server runs: %v", err)
				}
				if err := s.Put(ctx, "attachments/8.original.png", strings.NewReader("x")); err != nil {
					t.Fatal(err)
				}
				server.Close()
				tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				if err := s.Check(tctx); err == nil {
					t.Error("Check with the server down succeeded")
				}
				if err := s.Put(tctx, "attachments/9.original.png", strings.NewReader("x")); model.ErrorCode(err) != model.EUNAVAILABLE {
					t.Errorf("Put: got %v, want EUNAVAILABLE", err)
				}
				_, err := s.Open(tctx, "attachments/8.original.png")
				if model.ErrorCode(err) != model.EUNAVAILABLE || model.HTTPStatus(err) != http.StatusServiceUnavailable {
					t.Errorf("Open: got %v (status %d), want EUNAVAILABLE, 503", err, model.HTTPStatus(err))
				}
				if err := s.Delete(tctx, "attachments/8.original.png"); model.ErrorCode(err) != model.EUNAVAILABLE {
					t.Errorf("Delete: got %v, want EUNAVAILABLE", err)
				}
			})
		})
	}
}

// TestS3StoreReadsInOneRequest checks that serving a file the way
// http.ServeContent reads it (seek to the end for the size, back to the
// start, read) costs one GET, and a Range request one more.
func TestS3StoreReadsInOneRequest(t *testing.T) {
	server := mediatest.GoFakeS3(t)
	s := newS3(t, server.Config)
	ctx := context.Background()
	data := pattern(200 << 10)
	if err := s.Put(ctx, "attachments/1.original.jpg", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	before := server.Requests.Load()
	rc, err := s.Open(ctx, "attachments/1.original.jpg")
	if err != nil {
		t.Fatal(err)
	}
	rs := rc.(io.ReadSeeker)
	rs.Seek(0, io.SeekEnd)
	rs.Seek(0, io.SeekStart)
	all, err := io.ReadAll(rs)
	rc.Close()
	if err != nil || !bytes.Equal(all, data) {
		t.Fatalf("read %d bytes, %v", len(all), err)
	}
	if n := server.Requests.Load() - before; n != 1 {
		t.Errorf("a whole read took %d requests, want 1", n)
	}
	if n := server.Unsigned.Load(); n != 0 {
		t.Errorf("%d requests were not signed with signature version 4", n)
	}
}

// BenchmarkStore puts and reads back a 200 KB file (a typical processed
// photo) through each store: go test ./internal/media -run '^$' -bench Store -count 5
func BenchmarkStore(b *testing.B) {
	data := pattern(200 << 10)
	for _, bk := range backings() {
		b.Run(bk.name, func(b *testing.B) {
			s := bk.setup(b)()
			ctx := context.Background()
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				key := media.Key("attachments", int64(i), "original", media.JPEG)
				if err := s.Put(ctx, key, bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
				rc, err := s.Open(ctx, key)
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.Copy(io.Discard, rc)
				rc.Close()
				if err != nil || n != int64(len(data)) {
					b.Fatalf("read %d bytes, %v", n, err)
				}
			}
		})
	}
}

// TestS3StoreObjectHeaders checks that objects carry their type and the
// caching header, for a CDN or a browser reading the bucket directly.
func TestS3StoreObjectHeaders(t *testing.T) {
	for _, srv := range mediatest.Servers {
		t.Run(srv.Name, func(t *testing.T) {
			cfg := srv.Start(t).Config
			ctx := context.Background()
			if err := newS3(t, cfg).Put(ctx, "attachments/1.small.jpg", bytes.NewReader(pattern(5000))); err != nil {
				t.Fatal(err)
			}
			client, err := minio.New(cfg.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""), Region: cfg.Region})
			if err != nil {
				t.Fatal(err)
			}
			info, err := client.StatObject(ctx, cfg.Bucket, "attachments/1.small.jpg", minio.StatObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if info.ContentType != "image/jpeg" || info.Size != 5000 {
				t.Errorf("stored with type %q and size %d, want image/jpeg and 5000", info.ContentType, info.Size)
			}
			// gofakes3 keeps only the type of the headers sent with a PUT.
			if cc := info.Metadata.Get("Cache-Control"); srv.Name != "gofakes3" && !strings.Contains(cc, "immutable") {
				t.Errorf("stored with Cache-Control %q, want immutable", cc)
			}
		})
	}
}
