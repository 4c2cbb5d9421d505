package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	_ "image/png"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"testing"
	"time"

	"parvis/internal/media"
	"parvis/internal/media/mediatest"
	"parvis/internal/server"
	"parvis/internal/server/servertest"
	"parvis/internal/store/storetest"
)

// mediaNode wires one node in this process on the schema at dbURL with
// the media store files, as "parvis serve" does with --media or
// --media-s3, and returns it with its base URL and its logs.
func mediaNode(t *testing.T, name, dbURL string, files media.Store) (*server.App, string, *nodeLogs) {
	t.Helper()
	return inProcessNode(t, name, dbURL, server.AppConfig{Media: files})
}

// TestMediaTwoNodes runs two nodes on one PostgreSQL with each kind of
// media store every node reaches (one directory, as on a shared mount; a
// bucket on each S3 server of mediatest): an image uploaded through node
// A's Mastodon API is served by node B, with the same bytes and headers;
// deleting its post through node B removes the files for both.
func TestMediaTwoNodes(t *testing.T) {
	base := os.Getenv(storetest.EnvURL)
	if base == "" {
		t.Skipf("%s is not set: several nodes need a shared PostgreSQL", storetest.EnvURL)
	}
	type kind struct {
		name string
		// setup prepares the shared place and returns how a node opens
		// its store on it, and the S3 server (nil for the directory).
		setup func(t *testing.T) (func() media.Store, *mediatest.S3Server)
	}
	kinds := []kind{{"shared directory", func(t *testing.T) (func() media.Store, *mediatest.S3Server) {
		dir := t.TempDir()
		return func() media.Store {
			s, err := media.NewDirStore(dir, "/media")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}, nil
	}}}
	for _, srv := range mediatest.Servers {
		kinds = append(kinds, kind{"s3-" + srv.Name, func(t *testing.T) (func() media.Store, *mediatest.S3Server) {
			server := srv.Start(t)
			return func() media.Store {
				s, err := media.NewS3Store(server.Config, "/media")
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Check(context.Background()); err != nil {
					t.Fatal(err)
				}
				return s
			}, server
		}})
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			ctx := context.Background()
			open, s3 := k.setup(t)
			dbURL := storetest.FreshSchema(t, base)
			appA, urlA, _ := mediaNode(t, "A", dbURL, open())
			_, urlB, logsB := mediaNode(t, "B", dbURL, open())

			(&servertest.Env{URL: urlA}).SignUp(t, "uploader", "uploader's long password")
			acc, err := appA.DB.Read().AccountByUsername(ctx, "uploader", "")
			if err != nil {
				t.Fatal(err)
			}
			u, err := appA.DB.Read().UserByAccountID(ctx, acc.ID)
			if err != nil {
				t.Fatal(err)
			}
			tokens, err := appA.Service.IssueTokens(ctx, "media test", []int64{u.ID}, "read write")
			if err != nil {
				t.Fatal(err)
			}
			api := &apiClient{t: t, token: tokens[0]}

			// Upload through node A.
			status, body := api.upload(urlA+"/api/v2/media", "photo.png", tinyPNG(t))
			if status != http.StatusOK {
				t.Fatalf("POST /api/v2/media on node A: got %d, want 200: %s", status, body)
			}
			var att struct {
				ID         string `json:"id"`
				URL        string `json:"url"`
				PreviewURL string `json:"preview_url"`
			}
			if err := json.Unmarshal(body, &att); err != nil || att.ID == "" {
				t.Fatalf("upload answer %s: %v", body, err)
			}
			paths := []string{urlPath(t, att.URL), urlPath(t, att.PreviewURL)}

			// Node B serves both files, byte for byte what node A serves.
			var etag string
			for _, p := range paths {
				resp, fromB := get(t, urlB+p, nil)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s on node B: got %d, want 200", p, resp.StatusCode)
				}
				_, fromA := get(t, urlA+p, nil)
				if !bytes.Equal(fromA, fromB) || len(fromB) == 0 {
					t.Fatalf("GET %s: node B sent %d bytes, node A %d, want the same file", p, len(fromB), len(fromA))
				}
				if _, _, err := image.Decode(bytes.NewReader(fromB)); err != nil {
					t.Fatalf("GET %s on node B is not an image: %v", p, err)
				}
				if ct, want := resp.Header.Get("Content-Type"), mime.TypeByExtension(path.Ext(p)); ct != want || !strings.HasPrefix(ct, "image/") {
					t.Errorf("GET %s on node B: Content-Type %q, want %q", p, ct, want)
				}
				if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
					t.Errorf("GET %s on node B: Cache-Control %q, want immutable", p, cc)
				}
				if p == paths[0] {
					etag = resp.Header.Get("ETag")
				}
			}

			// A Range request, as a video player or a resumed download sends.
			resp, part := get(t, urlB+paths[0], http.Header{"Range": {"bytes=4-11"}})
			if _, whole := get(t, urlB+paths[0], nil); resp.StatusCode != http.StatusPartialContent || !bytes.Equal(part, whole[4:12]) {
				t.Errorf("Range bytes=4-11 on node B: got %d and %q, want 206 and %q", resp.StatusCode, part, whole[4:12])
			}
			if s3 != nil {
				// An object store's ETag makes revalidation cheap.
				if etag == "" {
					t.Errorf("no ETag on a file served from S3")
				} else if resp, _ := get(t, urlB+paths[0], http.Header{"If-None-Match": {etag}}); resp.StatusCode != http.StatusNotModified {
					t.Errorf("If-None-Match %s: got %d, want 304", etag, resp.StatusCode)
				}
			}

			// Post it through node A, delete the post through node B: the
			// files go, for both nodes (a job on either removes them).
			status, body = api.form(http.MethodPost, urlA+"/api/v1/statuses", url.Values{"status": {"a picture"}, "media_ids[]": {att.ID}})
			if status != http.StatusOK {
				t.Fatalf("POST /api/v1/statuses on node A: got %d: %s", status, body)
			}
			var post struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(body, &post); err != nil {
				t.Fatal(err)
			}
			if status, body = api.form(http.MethodDelete, urlB+"/api/v1/statuses/"+post.ID, nil); status != http.StatusOK {
				t.Fatalf("DELETE /api/v1/statuses/%s on node B: got %d: %s", post.ID, status, body)
			}
			waitFor(t, 30*time.Second, "the files to be deleted for both nodes", func() bool {
				for _, p := range paths {
					for _, base := range []string{urlA, urlB} {
						if resp, _ := get(t, base+p, nil); resp.StatusCode != http.StatusNotFound {
							return false
						}
					}
				}
				return true
			})

			if s3 == nil {
				return
			}
			// The object store goes away: a clear 503 and a log line, not
			// a 404 (the file is not gone) and not a crash.
			status, body = api.upload(urlA+"/api/v2/media", "photo.png", tinyPNG(t))
			if status != http.StatusOK {
				t.Fatalf("second upload: got %d: %s", status, body)
			}
			if err := json.Unmarshal(body, &att); err != nil {
				t.Fatal(err)
			}
			s3.Close()
			if resp, _ := get(t, urlB+urlPath(t, att.URL), nil); resp.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("GET a file with the store down: got %d, want 503", resp.StatusCode)
			}
			if !strings.Contains(logsB.String(), "open media") {
				t.Errorf("node B logged nothing about the failing store")
			}
			status, body = api.upload(urlA+"/api/v2/media", "photo.png", tinyPNG(t))
			if status != http.StatusServiceUnavailable || !strings.Contains(string(body), `"error"`) {
				t.Errorf("upload with the store down: got %d %s, want 503 with a JSON error", status, body)
			}
		})
	}
}

// apiClient calls the Mastodon API with a bearer token.
type apiClient struct {
	t     *testing.T
	token string
}

func (c *apiClient) do(req *http.Request) (int, []byte) {
	c.t.Helper()
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

func (c *apiClient) upload(endpoint, name string, data []byte) (int, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("file", name)
	_, _ = w.Write(data)
	_ = mw.WriteField("description", "a few coloured pixels")
	_ = mw.Close()
	req, err := http.NewRequest(http.MethodPost, endpoint, &buf)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

func (c *apiClient) form(method, endpoint string, values url.Values) (int, []byte) {
	req, err := http.NewRequest(method, endpoint, strings.NewReader(values.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// urlPath is the path of a media URL (whose host is the public name).
func urlPath(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || !strings.HasPrefix(u.Path, "/media/") {
		t.Fatalf("media URL %q: want a /media/ path", raw)
	}
	return u.Path
}

func get(t *testing.T, u string, h http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}
