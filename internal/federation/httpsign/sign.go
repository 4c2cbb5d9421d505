package httpsign

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/go-fed/httpsig"
)

// Header sets signed by Sign, the ones Mastodon signs and requires.
var (
	postHeaders = []string{RequestTarget, "host", "date", "digest"}
	getHeaders  = []string{RequestTarget, "host", "date"}
)

// Signer signs outgoing requests with one actor's key. It is safe for
// concurrent use.
type Signer struct {
	keyID string
	key   *rsa.PrivateKey
	clock Clock
}

// NewSigner returns a Signer for the key named keyID (the id of the
// actor's publicKey, such as https://host/users/alice#main-key), stamping
// requests with clock's time.
func NewSigner(keyID string, key *rsa.PrivateKey, clock Clock) (*Signer, error) {
	switch {
	case keyID == "":
		return nil, errors.New("httpsign: signer needs a key id")
	case key == nil:
		return nil, errors.New("httpsign: signer needs a private key")
	case clock == nil:
		return nil, errors.New("httpsign: signer needs a clock")
	}
	return &Signer{keyID: keyID, key: key, clock: clock}, nil
}

// Sign sets the Date, Host, Digest (when body is not nil) and Signature
// headers of r. body must be exactly the bytes r will send; pass nil for a
// request without a body, such as a GET. With a body it signs
// "(request-target) host date digest", without one "(request-target) host
// date", as Mastodon does. Signing again replaces the earlier signature.
func (s *Signer) Sign(r *http.Request, body []byte) error {
	headers := getHeaders
	if body != nil {
		headers = postHeaders
	}
	return s.SignHeaders(r, body, headers)
}

// SignHeaders is Sign with an explicit list of signed header names (lower
// case, pseudo-headers such as "(request-target)" included). Every header
// named must be set on r, except Date, Host and Digest, which SignHeaders
// sets itself.
func (s *Signer) SignHeaders(r *http.Request, body []byte, headers []string) error {
	if r == nil || r.URL == nil {
		return errors.New("httpsign: sign: request without URL")
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	if host == "" {
		return errors.New("httpsign: sign: request without host")
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	// The transport writes the Host line from r.Host or r.URL.Host and
	// ignores r.Header["Host"], so setting it here changes nothing on the
	// wire; it is only where httpsig reads the value to sign.
	r.Header.Set("Host", host)
	r.Header.Set("Date", s.clock.Now().UTC().Format(http.TimeFormat))
	r.Header.Del("Digest")
	r.Header.Del("Signature")

	signer, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256},
		httpsig.DigestSha256, headers, httpsig.Signature, 0)
	if err != nil {
		return fmt.Errorf("httpsign: sign: %w", err)
	}
	if err := signer.SignRequest(s.key, s.keyID, targetView(r), body); err != nil {
		return fmt.Errorf("httpsign: sign: %w", err)
	}
	return nil
}

// targetView returns a request sharing r's header map whose URL.Path is the
// path as it appears on the wire. httpsig builds (request-target) from
// URL.Path, which is the decoded path; a receiver signs what it received,
// the escaped form, so the two differ for any path with an escaped byte.
func targetView(r *http.Request) *http.Request {
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	return &http.Request{
		Method: method,
		URL:    &url.URL{Path: path, RawQuery: r.URL.RawQuery},
		Header: r.Header,
	}
}
