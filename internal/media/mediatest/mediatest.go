// Package mediatest starts S3-compatible object stores for tests, talked to
// over real HTTP by the same client Parvis uses in production:
//
//   - gofakes3, an S3 server implementation with an in-memory backend,
//     in-process on a loopback port: always available;
//   - the Versity S3 Gateway (versitygw), a production S3 server over a
//     directory, which checks signatures: a separate program, started by
//     the test when its binary is found (PATH, or PARVIS_VERSITYGW), the
//     test skipped otherwise, or failed when PARVIS_REQUIRE_S3SERVER is set
//     (CI installs it and sets it).
package mediatest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

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

// EnvVersityGW names the versitygw binary when it is not on the PATH.
const EnvVersityGW = "PARVIS_VERSITYGW"

// EnvRequire makes a missing S3 server program a failure instead of a skip.
const EnvRequire = "PARVIS_REQUIRE_S3SERVER"

// VersityGW starts the Versity S3 Gateway on a loopback port with its
// posix backend in a temporary directory, and creates a bucket named
// "parvis-media" through the S3 API; it stops when the test ends. Without
// the binary the test is skipped (see EnvRequire).
func VersityGW(tb testing.TB) *S3Server {
	tb.Helper()
	bin := os.Getenv(EnvVersityGW)
	if bin == "" {
		bin, _ = exec.LookPath("versitygw")
	}
	if bin == "" {
		msg := "versitygw not found (on the PATH or in " + EnvVersityGW + "); install it with " +
			"go install github.com/versity/versitygw/cmd/versitygw@v1.8.0"
		if os.Getenv(EnvRequire) != "" {
			tb.Fatalf("%s; %s is set, so this is a failure", msg, EnvRequire)
		}
		tb.Skip("skipping: " + msg)
	}
	root := tb.TempDir()
	var lastErr error
	for range 5 { // the port is chosen free, but another may take it first
		addr, err := freePort()
		if err != nil {
			tb.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cmd := exec.CommandContext(ctx, bin, "--port", addr, "--quiet", "posix", root)
		// Credentials through the environment, never on a command line.
		cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY_ID="+AccessKey, "ROOT_SECRET_ACCESS_KEY="+SecretKey)
		out := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			cancel()
			tb.Fatalf("start versitygw: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		stop := func() {
			cancel()
			<-exited
		}
		if err := waitListening(addr, exited); err != nil {
			stop()
			lastErr = fmt.Errorf("%w; its output:\n%s", err, out.String())
			continue
		}
		var once sync.Once
		s := &S3Server{Name: "versitygw", URL: "http://" + addr, close: func() { once.Do(stop) }}
		tb.Cleanup(s.Close)
		s.Config = media.S3Config{Endpoint: addr, Insecure: true, Bucket: "parvis-media", Region: "us-east-1",
			AccessKey: AccessKey, SecretKey: SecretKey}
		client, err := minio.New(addr, &minio.Options{Creds: credentials.NewStaticV4(AccessKey, SecretKey, ""), Region: "us-east-1"})
		if err != nil {
			tb.Fatal(err)
		}
		mctx, mcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer mcancel()
		if err := client.MakeBucket(mctx, s.Config.Bucket, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
			tb.Fatalf("versitygw: create bucket: %v\n%s", err, out.String())
		}
		return s
	}
	tb.Fatalf("versitygw did not start: %v", lastErr)
	return nil
}

// Starter starts one kind of S3 server.
type Starter struct {
	Name  string
	Start func(testing.TB) *S3Server
}

// Servers are the S3 servers every S3 test runs against, each in a
// subtest of its name: gofakes3 and versitygw (skipped without its binary).
var Servers = []Starter{{"gofakes3", GoFakeS3}, {"versitygw", VersityGW}}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr, nil
}

// waitListening waits up to 30 s for addr to accept connections.
func waitListening(addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("versitygw exited at start")
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("versitygw did not listen on %s within 30 s", addr)
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
