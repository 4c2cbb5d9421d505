package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parvis/internal/media"
	"parvis/internal/media/mediatest"
)

// TestServeMediaS3Flags checks the mistakes a person can make with
// --media-s3: each stops serve at once with a message saying what to fix.
func TestServeMediaS3Flags(t *testing.T) {
	s3 := mediatest.GoFakeS3(t)
	base := "http://" + s3.Config.Endpoint
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no credentials", nil, []string{"--media-s3", base + "/parvis-media"}, "needs an access key and a secret key"},
		{"credentials in the URL", nil, []string{"--media-s3", "http://k:s@" + s3.Config.Endpoint + "/parvis-media"}, "credentials do not belong in the URL"},
		{"two stores", nil, []string{"--media", t.TempDir(), "--media-s3", base + "/parvis-media"}, "give one"},
		{"not a URL of a bucket", nil, []string{"--media-s3", "s3://parvis-media"}, "want https://ENDPOINT/BUCKET"},
		{"wrong access key", map[string]string{"PARVIS_S3_ACCESS_KEY": "nobody", "PARVIS_S3_SECRET_KEY": "x"},
			[]string{"--media-s3", base + "/parvis-media"}, "S3 store " + base + "/parvis-media/"},
		{"missing bucket", map[string]string{"AWS_ACCESS_KEY_ID": mediatest.AccessKey, "AWS_SECRET_ACCESS_KEY": mediatest.SecretKey},
			[]string{"--media-s3", base + "/elsewhere"}, `the bucket "elsewhere" does not exist`},
		{"public URL over plain http", nil, []string{"--media-public-url", "http://cdn.example/media"}, "want an https URL"},
		{"public URL with a query", nil, []string{"--media-public-url", "https://cdn.example/media?x=1"}, "want an https URL"},
		{"public URL not absolute", nil, []string{"--media-public-url", "/files"}, "want an https URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"PARVIS_S3_ACCESS_KEY", "PARVIS_S3_SECRET_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
				t.Setenv(k, tc.env[k])
			}
			var out, errb bytes.Buffer
			args := append([]string{"serve", "--listen", "127.0.0.1:0", "--data", t.TempDir()}, tc.args...)
			if code := run(context.Background(), args, stdio{in: strings.NewReader(""), out: &out, err: &errb}); code != 1 ||
				!strings.Contains(errb.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q; want 1 and a message with %q", code, errb.String(), tc.want)
			}
		})
	}
}

// TestServeAndExportWithS3Media runs the real binary with --media-s3 and
// its credentials in the environment: an image uploaded through the API
// lands in the bucket under the prefix and is served back; its link points
// at --media-public-url; "admin export --media-s3" puts it in the
// account's archive.
func TestServeAndExportWithS3Media(t *testing.T) {
	s3 := mediatest.GoFakeS3(t)
	t.Setenv("PARVIS_S3_ACCESS_KEY", mediatest.AccessKey)
	t.Setenv("PARVIS_S3_SECRET_KEY", mediatest.SecretKey)
	bucketURL := "http://" + s3.Config.Endpoint + "/parvis-media/site1"
	flags := testDatabaseFlags(t)
	const cdn = "https://cdn.parvis.example/media"
	base, _, logs := startServer(t, buildBinary(t), append(flags, "--media-s3", bucketURL, "--media-public-url", cdn+"/")...)
	if !strings.Contains(logs.String(), "media="+bucketURL+"/") {
		t.Errorf("the start-up line does not say where media go:\n%s", logs)
	}
	ctx := context.Background()

	// An account and a token, as parvis bench makes them.
	tokens := filepath.Join(t.TempDir(), "tokens.txt")
	var out, errb bytes.Buffer
	if code := run(ctx, append([]string{"bench", "--target", base, "--users", "1", "--tokens", tokens, "--duration", "1s",
		"--warmup", "0s", "--ceiling", "0s", "--mix", "account=1"}, flags...), stdio{in: strings.NewReader(""), out: &out, err: &errb}); code != 0 {
		t.Fatalf("bench: exit %d: %s", code, errb.String())
	}
	raw, err := os.ReadFile(tokens)
	if err != nil {
		t.Fatal(err)
	}
	var token string
	for _, line := range strings.Split(string(raw), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			token = line
			break
		}
	}
	call := func(req *http.Request) []byte {
		t.Helper()
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: got %d: %s", req.Method, req.URL.Path, resp.StatusCode, b)
		}
		return b
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/accounts/verify_credentials", nil)
	var me struct {
		Username string `json:"username"`
	}
	if err := json.Unmarshal(call(req), &me); err != nil {
		t.Fatal(err)
	}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, _ := mw.CreateFormFile("file", "square.png")
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range 256 {
		img.Set(i%16, i/16, color.RGBA{uint8(i), 80, 160, 255})
	}
	_ = png.Encode(w, img)
	_ = mw.Close()
	req, _ = http.NewRequest(http.MethodPost, base+"/api/v2/media", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var att struct {
		ID, URL string
	}
	if err := json.Unmarshal(call(req), &att); err != nil {
		t.Fatal(err)
	}
	key, ok := strings.CutPrefix(att.URL, cdn+"/")
	if !ok {
		t.Fatalf("the attachment's URL is %q, want it under --media-public-url %s", att.URL, cdn)
	}
	u := &url.URL{Path: "/media/" + key} // served by Parvis too

	// The object is in the bucket, under the prefix.
	plain, err := media.NewS3Store(s3.Config, "/media")
	if err != nil {
		t.Fatal(err)
	}
	rc, err := plain.Open(ctx, "site1/"+key)
	if err != nil {
		t.Fatalf("the upload is not in the bucket under site1/: %v", err)
	}
	stored, _ := io.ReadAll(rc)
	rc.Close()
	resp, err := http.Get(base + u.Path)
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(served, stored) {
		t.Fatalf("GET %s: got %d and %d bytes, want 200 and the %d bytes in the bucket", u.Path, resp.StatusCode, len(served), len(stored))
	}

	req, _ = http.NewRequest(http.MethodPost, base+"/api/v1/statuses", strings.NewReader(url.Values{"status": {"with a picture"}, "media_ids[]": {att.ID}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	call(req)

	archive := filepath.Join(t.TempDir(), "export.zip")
	out.Reset()
	errb.Reset()
	if code := run(ctx, append([]string{"admin", "export", "--username", me.Username, "--to", archive, "--media-s3", bucketURL}, flags...),
		stdio{in: strings.NewReader(""), out: &out, err: &errb}); code != 0 {
		t.Fatalf("export: exit %d: %s", code, errb.String())
	}
	if strings.Contains(errb.String(), "had no file") {
		t.Fatalf("export missed media: %s", errb.String())
	}
	zr, err := zip.OpenReader(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	found := false
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, filepath.Base(key)) {
			r, _ := f.Open()
			inZip, _ := io.ReadAll(r)
			r.Close()
			found = bytes.Equal(inZip, stored)
		}
	}
	if !found {
		t.Fatalf("the archive has no copy of %s (%s)", key, out.String())
	}
}
