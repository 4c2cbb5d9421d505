package outbound

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Addresses standing for hosts on the public internet. The fake dialer
// routes them to httptest servers; nothing is sent to them.
const (
	publicV4 = "93.184.215.14"
	publicV6 = "2606:4700::6810:84e5"
)

// fakeResolver answers from a table. A host with several answers gets them
// in turn, the last repeating, which is how a rebinding name server
// behaves.
type fakeResolver struct {
	mu      sync.Mutex
	answers map[string][]string
	calls   map[string]int
}

func newFakeResolver(answers map[string][]string) *fakeResolver {
	return &fakeResolver{answers: answers, calls: make(map[string]int)}
}

func (r *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	answers, ok := r.answers[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	i := min(r.calls[host], len(answers)-1)
	r.calls[host]++
	var out []netip.Addr
	for _, s := range strings.Split(answers[i], ",") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// fakeInternet stands for the network: it routes public ip:port pairs to
// local test servers and records every dial.
type fakeInternet struct {
	mu     sync.Mutex
	routes map[string]string
	dialed []string
}

func (n *fakeInternet) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	n.mu.Lock()
	n.dialed = append(n.dialed, address)
	target, ok := n.routes[address]
	n.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("fake internet: no route to %s", address)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, target)
}

func (n *fakeInternet) dials() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.dialed...)
}

// publicServer starts srv's handler behind the public addresses, port 80.
func publicServer(t *testing.T, h http.Handler) *fakeInternet {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	return &fakeInternet{routes: map[string]string{
		publicV4 + ":80":         addr,
		"[" + publicV6 + "]:80":  addr,
		publicV4 + ":443":        addr,
		"[" + publicV6 + "]:443": addr,
	}}
}

func newTestClient(t *testing.T, opts Options) *Client {
	t.Helper()
	if opts.Domain == "" {
		opts.Domain = "parvis.test"
	}
	c, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func get(t *testing.T, c *Client, url string) (string, error) {
	t.Helper()
	resp, err := c.Get(t.Context(), url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return string(body), err
}

func TestForbiddenDestinationsAreNeverDialled(t *testing.T) {
	resolver := newFakeResolver(map[string][]string{
		"localhost":        {"127.0.0.1,::1"},
		"intranet.test":    {"10.1.2.3"},
		"metadata.test":    {"169.254.169.254"},
		"mapped.test":      {"::ffff:192.168.0.1"},
		"nat64.test":       {"64:ff9b::a00:1"},
		"sixtofour.test":   {"2002:7f00:1::1"},
		"teredo.test":      {"2001:0:4136:e378:8000:63bf:f5ff:fffe"}, // client 10.0.0.1
		"mixed.test":       {publicV4 + ",10.0.0.1"},
		"cgnat.test":       {"100.64.0.1"},
		"ula.test":         {"fd00::1"},
		"documentation.ex": {"192.0.2.10"},
	})
	tests := []struct {
		url  string
		want Class
	}{
		{"http://127.0.0.1/", Loopback},
		{"http://127.1.2.3:8080/", Loopback},
		{"http://[::1]/", Loopback},
		{"http://[::ffff:127.0.0.1]/", Loopback},
		{"http://0.0.0.0/", Unspecified},
		{"http://169.254.169.254/latest/meta-data/", CloudMetadata},
		{"http://[fd00:ec2::254]/", CloudMetadata},
		{"http://10.0.0.1/", Private},
		{"http://[fe80::1%25eth0]/", LinkLocal},
		{"http://224.0.0.1/", Multicast},
		{"http://255.255.255.255/", Broadcast},
		{"http://localhost/", Loopback},
		{"http://intranet.test/", Private},
		{"http://metadata.test/", CloudMetadata},
		{"http://mapped.test/", Private},
		{"http://nat64.test/", Private},
		{"http://sixtofour.test/", Loopback},
		{"http://teredo.test/", Private},
		{"http://mixed.test/", Private},
		{"http://cgnat.test/", Shared},
		{"http://ula.test/", Private},
		{"http://documentation.ex/", Documentation},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			internet := &fakeInternet{}
			c := newTestClient(t, Options{AllowHTTP: true, Resolver: resolver, Dialer: internet})
			_, err := get(t, c, tt.url)
			var ae *AddressError
			if !errors.As(err, &ae) {
				t.Fatalf("got error %v, want an *AddressError", err)
			}
			if ae.Class != tt.want {
				t.Errorf("got class %v, want %v (%v)", ae.Class, tt.want, err)
			}
			u, _ := url.Parse(tt.url)
			if _, literal := literalIP(u.Hostname()); !literal && ae.Host != u.Hostname() {
				t.Errorf("got host %q in the error, want %q", ae.Host, u.Hostname())
			}
			if !errors.Is(err, ErrForbiddenAddress) {
				t.Errorf("got %v, want it to match ErrForbiddenAddress", err)
			}
			if d := internet.dials(); len(d) != 0 {
				t.Errorf("got dials %v, want none", d)
			}
		})
	}
}

// TestControlHookRefusesRealConnection proves that the default dialer's
// hook runs on the real socket: a listening loopback server receives no
// connection.
func TestControlHookRefusesRealConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			conn.Close()
		}
	}()

	c := newTestClient(t, Options{})
	d := newGuardedDialer(Options{ConnectTimeout: time.Second})
	nd, ok := d.dialer.(*net.Dialer)
	if !ok || nd.Control == nil {
		t.Fatalf("got default dialer %T without a Control hook, want a *net.Dialer with one", d.dialer)
	}
	_, err = nd.DialContext(t.Context(), "tcp", ln.Addr().String())
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("got %v, want ErrForbiddenAddress", err)
	}
	// The same server through the client's whole stack.
	_, err = get(t, c, "https://"+ln.Addr().String()+"/")
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("got %v, want ErrForbiddenAddress", err)
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("got %d accepted connections, want 0", n)
	}
}

func TestRedirects(t *testing.T) {
	var secretHits atomic.Int32
	secret := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secretHits.Add(1)
		io.WriteString(w, "secret")
	}))
	defer secret.Close()

	mux := http.NewServeMux()
	redirect := func(path, to string) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, to, http.StatusFound)
		})
	}
	redirect("/to-loopback", secret.URL+"/")
	redirect("/to-localhost-name", fmt.Sprintf("http://localhost:%d/", secret.Listener.Addr().(*net.TCPAddr).Port))
	redirect("/to-metadata", "http://169.254.169.254/latest/meta-data/")
	redirect("/to-intranet", "http://intranet.test/admin")
	redirect("/to-file", "file:///etc/passwd")
	redirect("/to-gopher", "gopher://public.test/")
	redirect("/loop", "/loop")
	redirect("/hop", "/final")
	mux.HandleFunc("/final", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "final") })
	internet := publicServer(t, mux)
	resolver := newFakeResolver(map[string][]string{
		"public.test":   {publicV4},
		"localhost":     {"127.0.0.1"},
		"intranet.test": {"10.0.0.7"},
	})
	c := newTestClient(t, Options{AllowHTTP: true, Resolver: resolver, Dialer: internet})

	tests := []struct {
		path    string
		want    error
		wantOut string
	}{
		{"/to-loopback", ErrForbiddenAddress, ""},
		{"/to-localhost-name", ErrForbiddenAddress, ""},
		{"/to-metadata", ErrForbiddenAddress, ""},
		{"/to-intranet", ErrForbiddenAddress, ""},
		{"/to-file", ErrForbiddenScheme, ""},
		{"/to-gopher", ErrForbiddenScheme, ""},
		{"/loop", ErrTooManyRedirects, ""},
		{"/hop", nil, "final"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := get(t, c, "http://public.test"+tt.path)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got error %v, want %v", err, tt.want)
			}
			if got != tt.wantOut {
				t.Errorf("got body %q, want %q", got, tt.wantOut)
			}
		})
	}
	if n := secretHits.Load(); n != 0 {
		t.Errorf("got %d requests on the loopback server, want 0", n)
	}
}

func TestRedirectsNotFollowed(t *testing.T) {
	internet := publicServer(t, http.RedirectHandler("/elsewhere", http.StatusMovedPermanently))
	resolver := newFakeResolver(map[string][]string{"public.test": {publicV4}})
	c := newTestClient(t, Options{AllowHTTP: true, MaxRedirects: -1, Resolver: resolver, Dialer: internet})
	resp, err := c.Get(t.Context(), "http://public.test/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently {
		t.Errorf("got status %d, want %d", resp.StatusCode, http.StatusMovedPermanently)
	}
}

func TestHTTPSOnlyByDefault(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secure") })
	mux.HandleFunc("/downgrade", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://example.com/ok", http.StatusFound)
	})
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	// The httptest certificate is valid for example.com, which the fake
	// resolver sends to a public address routed to the test server.
	internet := &fakeInternet{routes: map[string]string{publicV4 + ":443": srv.Listener.Addr().String()}}
	resolver := newFakeResolver(map[string][]string{"example.com": {publicV4}})
	c := newTestClient(t, Options{Resolver: resolver, Dialer: internet, TLSConfig: &tls.Config{RootCAs: roots}})

	tests := []struct {
		url     string
		want    error
		wantOut string
	}{
		{"https://example.com/ok", nil, "secure"},
		{"https://example.com/downgrade", ErrForbiddenScheme, ""},
		{"http://example.com/ok", ErrForbiddenScheme, ""},
		{"ftp://example.com/ok", ErrForbiddenScheme, ""},
		{"file:///etc/passwd", ErrForbiddenScheme, ""},
		{"https:///no-host", ErrInvalidURL, ""},
		{"https://exa mple.com/", ErrInvalidURL, ""},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := get(t, c, tt.url)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got error %v, want %v", err, tt.want)
			}
			if got != tt.wantOut {
				t.Errorf("got body %q, want %q", got, tt.wantOut)
			}
		})
	}
}

// TestDNSRebinding uses a name server that answers with a public address
// first and with loopback afterwards.
func TestDNSRebinding(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// Closing makes the next request dial again, hence resolve again.
		w.Header().Set("Connection", "close")
		io.WriteString(w, "public")
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		http.Redirect(w, r, "/", http.StatusFound)
	})

	t.Run("second request", func(t *testing.T) {
		internet := publicServer(t, mux)
		resolver := newFakeResolver(map[string][]string{"rebind.test": {publicV4, "127.0.0.1"}})
		c := newTestClient(t, Options{AllowHTTP: true, Resolver: resolver, Dialer: internet})
		if got, err := get(t, c, "http://rebind.test/"); err != nil || got != "public" {
			t.Fatalf("first request: got (%q, %v), want (%q, nil)", got, err, "public")
		}
		_, err := get(t, c, "http://rebind.test/")
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Fatalf("second request: got %v, want ErrForbiddenAddress", err)
		}
		if d := internet.dials(); len(d) != 1 {
			t.Errorf("got dials %v, want exactly one", d)
		}
	})

	t.Run("within one request", func(t *testing.T) {
		internet := publicServer(t, mux)
		resolver := newFakeResolver(map[string][]string{"rebind.test": {publicV6, "::1"}})
		c := newTestClient(t, Options{AllowHTTP: true, Resolver: resolver, Dialer: internet})
		_, err := get(t, c, "http://rebind.test/redirect")
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Fatalf("got %v, want ErrForbiddenAddress", err)
		}
	})
}

func TestBodyLimit(t *testing.T) {
	const limit = 1000
	mux := http.NewServeMux()
	mux.HandleFunc("/sized/{n}", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		w.Header().Set("Content-Length", fmt.Sprint(n))
		w.Write(bytes.Repeat([]byte("a"), n))
	})
	mux.HandleFunc("/chunked/{n}", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		// Flushing first makes the response chunked, without a length.
		w.(http.Flusher).Flush()
		w.Write(bytes.Repeat([]byte("a"), n))
	})
	mux.HandleFunc("/gzip-bomb", func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(make([]byte, 1<<20))
		zw.Close()
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", fmt.Sprint(buf.Len()))
		w.Write(buf.Bytes())
	})
	internet := publicServer(t, mux)
	resolver := newFakeResolver(map[string][]string{"public.test": {publicV4}})
	c := newTestClient(t, Options{AllowHTTP: true, MaxBodyBytes: limit, Resolver: resolver, Dialer: internet})

	tests := []struct {
		path    string
		wantLen int
		wantErr bool
	}{
		{"/sized/0", 0, false},
		{"/sized/999", 999, false},
		{"/sized/1000", 1000, false},
		{"/sized/1001", 0, true},
		{"/sized/5000000", 0, true},
		{"/chunked/1000", 1000, false},
		{"/chunked/1001", 0, true},
		{"/chunked/100000", 0, true},
		{"/gzip-bomb", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := get(t, c, "http://public.test"+tt.path)
			if tt.wantErr {
				if !errors.Is(err, ErrBodyTooLarge) {
					t.Fatalf("got error %v, want ErrBodyTooLarge", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if len(got) != tt.wantLen {
				t.Errorf("got %d bytes, want %d", len(got), tt.wantLen)
			}
		})
	}

	t.Run("HEAD with a large Content-Length", func(t *testing.T) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodHead, "http://public.test/sized/5000", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("got %v, want nil", err)
		}
		resp.Body.Close()
	})
}

func TestAllowPrivate(t *testing.T) {
	var gotUA atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA.Store(r.UserAgent())
		io.WriteString(w, "hello from loopback")
	}))
	defer srv.Close()

	c := newTestClient(t, Options{Domain: "social.example", Version: "0.1.0", AllowHTTP: true, AllowPrivate: true})
	got, err := get(t, c, srv.URL+"/inbox")
	if err != nil {
		t.Fatalf("got %v, want nil", err)
	}
	if want := "hello from loopback"; got != want {
		t.Errorf("got body %q, want %q", got, want)
	}
	if want := "Parvis/0.1.0 (+https://social.example/)"; gotUA.Load() != want {
		t.Errorf("got User-Agent %q, want %q", gotUA.Load(), want)
	}

	strict := newTestClient(t, Options{AllowHTTP: true})
	if _, err := get(t, strict, srv.URL+"/inbox"); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("without AllowPrivate: got %v, want ErrForbiddenAddress", err)
	}
}

func TestUserAgentKeepsCallerChoice(t *testing.T) {
	var gotUA atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA.Store(r.UserAgent())
	}))
	defer srv.Close()
	c := newTestClient(t, Options{AllowHTTP: true, AllowPrivate: true})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", "Parvis-federation")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got, want := gotUA.Load(), "Parvis-federation"; got != want {
		t.Errorf("got User-Agent %q, want %q", got, want)
	}
	if got, want := req.Header.Get("User-Agent"), "Parvis-federation"; got != want {
		t.Errorf("the caller's request was changed: got %q, want %q", got, want)
	}
}

// stallingDialer never connects; it waits for its context to end.
type stallingDialer struct{}

func (stallingDialer) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestConnectTimeout(t *testing.T) {
	resolver := newFakeResolver(map[string][]string{"slow.test": {publicV4}})
	c := newTestClient(t, Options{AllowHTTP: true, ConnectTimeout: 50 * time.Millisecond, Resolver: resolver, Dialer: stallingDialer{}})
	_, err := get(t, c, "http://slow.test/")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"no domain", Options{}},
		{"domain with a space", Options{Domain: "social example"}},
		{"domain with a parenthesis", Options{Domain: "social.example)"}},
		{"version with a newline", Options{Domain: "social.example", Version: "1\n"}},
		{"negative timeout", Options{Domain: "social.example", Timeout: -time.Second}},
		{"negative body size", Options{Domain: "social.example", MaxBodyBytes: -1}},
	}
	for _, tt := range tests {
		if _, err := New(tt.opts); err == nil {
			t.Errorf("%s: got nil error, want one", tt.name)
		}
	}
}

func TestResolverErrors(t *testing.T) {
	resolver := newFakeResolver(map[string][]string{})
	c := newTestClient(t, Options{AllowHTTP: true, Resolver: resolver, Dialer: &fakeInternet{}})
	_, err := get(t, c, "http://missing.test/")
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Fatalf("got %v, want a not-found *net.DNSError", err)
	}
}
