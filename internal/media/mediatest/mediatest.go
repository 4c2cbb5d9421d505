// Package mediatest starts S3-compatible object stores for tests: gofakes3
// (an S3 server implementation with an in-memory backend) in-process on a
// loopback port, talked to over real HTTP by the same client Parvis uses in
// production.
package mediatest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"parvis/internal/media"
)

// Test credentials: gofakes3 accepts any, and the server checks that
// requests are signed (signature version 4) with this access key.
const (
	AccessKey = "parvis-test-access"
	SecretKey = "parvis-test-secret-key-0123456789"
)

// S3Server is a running S3-compatible server with one empty bucket.
type S3Server struct {
	// Name says which implementation it is.
	Name string
	// URL is the server's base URL (http://127.0.0.1:port).
	URL string
	// Config points at the bucket, credentials included.
	Config media.S3Config
	// Requests counts the requests the server received.
	Requests atomic.Int64
	// Unsigned counts requests that came without a signature version 4
	// Authorization header for AccessKey (they are refused with 403).
	Unsigned atomic.Int64
	close    func()
}

// Close stops the server; clients then fail to connect, as when the store
// is unreachable. Close is also called when the test ends.
func (s *S3Server) Close() { s.close() }

// GoFakeS3 starts gofakes3 on a loopback port with a bucket named
// "parvis-media"; it stops when the test ends.
func GoFakeS3(tb testing.TB) *S3Server {
	tb.Helper()
	backend := s3mem.New()
	const bucket = "parvis-media"
	if err := backend.CreateBucket(bucket); err != nil {
		tb.Fatalf("gofakes3: create bucket: %v", err)
	}
	fake := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	s := &S3Server{Name: "gofakes3"}
	inner := fake.Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Requests.Add(1)
		// gofakes3 does not verify signatures; refusing requests that are
		// not signed for our key at least checks that the client signs.
		if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential="+AccessKey+"/") {
			s.Unsigned.Add(1)
			http.Error(w, "<Error><Code>AccessDenied</Code></Error>", http.StatusForbidden)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	s.URL = srv.URL
	s.close = srv.Close
	tb.Cleanup(srv.Close)
	s.Config = media.S3Config{Endpoint: strings.TrimPrefix(srv.URL, "http://"), Insecure: true, Bucket: bucket,
		Region: "us-east-1", AccessKey: AccessKey, SecretKey: SecretKey}
	return s
}
