// Package outbound is the only way Parvis makes HTTP requests to other
// servers: link previews, ActivityPub fetches and deliveries. Its Client
// refuses to connect to loopback, private, link-local and other
// non-public addresses, so that a URL chosen by a remote user cannot make
// Parvis reach its own network (server-side request forgery).
//
// The address check runs when a connection is dialled, on the address that
// is actually connected to, after name resolution. Checking the URL's host
// beforehand would not be enough: a name can resolve to a public address
// when checked and to a private one when connected (DNS rebinding), and a
// public server can redirect to a private one. Every connection, including
// those opened for redirects, goes through the same check.
package outbound

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults used when the corresponding Options field is zero.
const (
	DefaultConnectTimeout = 5 * time.Second
	DefaultTimeout        = 20 * time.Second
	DefaultMaxBodyBytes   = 10 << 20
	DefaultMaxRedirects   = 5
)

// Options configure a Client. The zero value is usable except for Domain,
// which names the instance in the User-Agent.
type Options struct {
	// Domain is the instance's domain, named in the User-Agent so that
	// remote administrators know who is calling and where to complain.
	Domain string
	// Version is the Parvis version in the User-Agent; empty leaves it out.
	Version string

	// ConnectTimeout bounds name resolution, TCP connection and the TLS
	// handshake of one connection.
	ConnectTimeout time.Duration
	// Timeout bounds a whole request: connections, redirects, and reading
	// the response body.
	Timeout time.Duration
	// MaxBodyBytes is the largest response body that may be read; reading
	// beyond it returns ErrBodyTooLarge. Decompressed bytes are counted.
	MaxBodyBytes int64
	// MaxRedirects is how many redirects one request may follow; 0 means
	// DefaultMaxRedirects and a negative value means none: the redirect
	// response itself is returned.
	MaxRedirects int

	// AllowHTTP permits plain http URLs; without it only https is used.
	// Meant for federation tests on a local network.
	AllowHTTP bool
	// AllowPrivate turns the address check off, for federation tests
	// between instances on loopback (--federation-allow-private). Never
	// set it on a public instance.
	AllowPrivate bool

	// Resolver resolves host names; nil means net.DefaultResolver. Tests
	// inject answers through it.
	Resolver Resolver
	// Dialer connects to one literal IP address and port, after the
	// address has passed the check; nil means a net.Dialer that checks
	// the address again on the socket (its Control hook).
	Dialer Dialer
	// TLSConfig is cloned into the transport; nil means the system roots.
	// Tests set RootCAs to trust an httptest TLS server.
	TLSConfig *tls.Config
}

// Client makes outbound HTTP requests with the address, scheme, redirect
// and size rules of its Options. It is safe for concurrent use.
type Client struct {
	http         *http.Client
	transport    *http.Transport
	userAgent    string
	allowHTTP    bool
	allowPrivate bool
	maxBody      int64
	maxRedirects int
}

// New returns a Client configured by opts.
func New(opts Options) (*Client, error) {
	if opts.Domain == "" {
		return nil, fmt.Errorf("outbound: Options.Domain is required: it names the instance in the User-Agent")
	}
	if !printableToken(opts.Domain) || !printableToken(opts.Version) {
		return nil, fmt.Errorf("outbound: domain %q and version %q must be printable ASCII without spaces", opts.Domain, opts.Version)
	}
	if opts.ConnectTimeout < 0 || opts.Timeout < 0 || opts.MaxBodyBytes < 0 {
		return nil, fmt.Errorf("outbound: timeouts and body size must not be negative")
	}
	if opts.ConnectTimeout == 0 {
		opts.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxRedirects == 0 {
		opts.MaxRedirects = DefaultMaxRedirects
	}

	d := newGuardedDialer(opts)
	var tlsConfig *tls.Config
	if opts.TLSConfig != nil {
		tlsConfig = opts.TLSConfig.Clone()
	} else {
		tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	transport := &http.Transport{
		// Proxies from the environment are ignored: a proxy would make the
		// connection on Parvis's behalf, out of reach of the address check.
		Proxy:                  nil,
		DialContext:            d.DialContext,
		TLSClientConfig:        tlsConfig,
		TLSHandshakeTimeout:    opts.ConnectTimeout,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 256 << 10,
	}
	c := &Client{
		transport:    transport,
		userAgent:    userAgent(opts.Version, opts.Domain),
		allowHTTP:    opts.AllowHTTP,
		allowPrivate: opts.AllowPrivate,
		maxBody:      opts.MaxBodyBytes,
		maxRedirects: opts.MaxRedirects,
	}
	c.http = &http.Client{
		Transport:     &guardedTransport{client: c},
		CheckRedirect: c.checkRedirect,
		Timeout:       opts.Timeout,
	}
	return c, nil
}

// Do sends req and returns the response, whose body the caller must close.
// Errors match ErrForbiddenAddress, ErrForbiddenScheme, ErrInvalidURL or
// ErrTooManyRedirects when a rule refused the request; reading the body
// past Options.MaxBodyBytes returns ErrBodyTooLarge.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	return c.http.Do(req)
}

// Get fetches rawURL with a GET request bound to ctx.
func (c *Client) Get(ctx context.Context, rawURL string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	return c.Do(req)
}

// HTTPClient returns the underlying *http.Client for libraries that need
// one. It applies every rule of the Client: it is the same object.
func (c *Client) HTTPClient() *http.Client { return c.http }

// UserAgent returns the User-Agent header sent with every request that does
// not set its own.
func (c *Client) UserAgent() string { return c.userAgent }

// CloseIdleConnections closes the pooled connections that are not in use.
func (c *Client) CloseIdleConnections() { c.transport.CloseIdleConnections() }

func userAgent(version, domain string) string {
	product := "Parvis"
	if version != "" {
		product += "/" + version
	}
	return product + " (+https://" + domain + "/)"
}

func printableToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f || s[i] == '(' || s[i] == ')' {
			return false
		}
	}
	return true
}

// checkURL applies the scheme rule, and the address rule to literal IP
// hosts so that they fail before any connection is attempted.
func (c *Client) checkURL(u *url.URL) error {
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && !(scheme == "http" && c.allowHTTP) {
		allowed := "https"
		if c.allowHTTP {
			allowed = "http or https"
		}
		return fmt.Errorf("%w: %q in %s (allowed: %s)", ErrForbiddenScheme, u.Scheme, redact(u), allowed)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("%w: no host in %s", ErrInvalidURL, redact(u))
	}
	if c.allowPrivate {
		return nil
	}
	if ip, ok := literalIP(host); ok {
		return Check(ip)
	}
	return nil
}

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if c.maxRedirects < 0 {
		return http.ErrUseLastResponse
	}
	if len(via) > c.maxRedirects {
		return fmt.Errorf("%w: more than %d", ErrTooManyRedirects, c.maxRedirects)
	}
	return c.checkURL(req.URL)
}

// redact drops the user information and the query from a URL that goes
// into an error message, since either may hold a secret.
func redact(u *url.URL) string {
	r := *u
	r.User = nil
	r.RawQuery = ""
	r.ForceQuery = false
	return r.String()
}

// guardedTransport applies the rules that concern the request and the
// response; the address rule lives in the dialer.
type guardedTransport struct {
	client *Client
}

func (t *guardedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c := t.client
	if err := c.checkURL(req.URL); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	if req.Header.Get("User-Agent") == "" {
		// A RoundTripper must not modify the caller's request.
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", c.userAgent)
	}
	resp, err := c.transport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	// A long Content-Length alone does not refuse the response: a caller
	// that reads only the start of the body (a preview reads the page's
	// head) must be able to. Reading past the limit fails instead.
	resp.Body = &limitedBody{body: resp.Body, remaining: c.maxBody, limit: c.maxBody}
	return resp, nil
}

// limitedBody returns ErrBodyTooLarge instead of reading past the limit.
// Unlike io.LimitReader it tells a body of exactly the limit from a longer
// one, and it does not silently truncate.
type limitedBody struct {
	body      io.ReadCloser
	remaining int64
	limit     int64
	err       error
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.remaining <= 0 {
		var probe [1]byte
		n, err := io.ReadAtLeast(b.body, probe[:], 1)
		if n > 0 {
			b.err = fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, b.limit)
			return 0, b.err
		}
		return 0, err
	}
	if int64(len(p)) > b.remaining {
		p = p[:b.remaining]
	}
	n, err := b.body.Read(p)
	b.remaining -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.body.Close() }
