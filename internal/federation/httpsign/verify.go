package httpsign

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-fed/httpsig"
)

// DefaultMaxSkew is how far a request's Date may be from the verifier's
// clock when Verifier.MaxSkew is zero. Senders sign just before sending
// (Mastodon, GoToSocial and Lemmy sign each delivery attempt afresh), so a
// genuine request is seconds old; five minutes absorbs ordinary clock drift
// between servers and slow transfers, while a captured request stops being
// replayable after that. Mastodon accepts 12 hours in the past and 1 hour
// ahead, which leaves a much longer replay window.
const DefaultMaxSkew = 5 * time.Minute

// KeyResolver finds the public key named by a signature's keyId and the id
// of the actor that owns it. Typically it looks the key up in storage and
// otherwise fetches the keyId URL, checking that the owner's actor document
// lists that key. An error means the key is unknown or unavailable.
type KeyResolver func(ctx context.Context, keyID string) (pub crypto.PublicKey, ownerActorID string, err error)

// Verifier checks the HTTP signatures of incoming requests. Its fields are
// read-only once in use, and it is safe for concurrent use.
type Verifier struct {
	// Resolve provides the key named by a signature. Required.
	Resolve KeyResolver
	// Refetch, when set, is called with the same key id when the signature
	// does not verify with the key Resolve returned, so that a key the actor
	// has rotated since it was cached gets one more chance.
	Refetch KeyResolver
	// Clock tells the time the Date header is compared with. Required.
	Clock Clock
	// MaxSkew is how far the Date header may be from Clock's time, in
	// either direction; zero means DefaultMaxSkew.
	MaxSkew time.Duration
}

// Verified is what a valid signature proves.
type Verified struct {
	// ActorID is the id of the actor that owns the signing key.
	ActorID string
	// KeyID is the id of the signing key.
	KeyID string
}

// Verify checks the signature of r, whose body the caller has already read
// into body (nil or empty when there is none), and returns who signed it.
//
// The signed headers must include (request-target), host and date, and
// digest when the request has a body or is a POST; the Digest header must
// match body; the Date header must be within MaxSkew of the clock; the key
// must be on the same host as its owner; and the signature must verify.
// Errors wrap one of this package's Err values.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte) (Verified, error) {
	if v.Resolve == nil || v.Clock == nil {
		return Verified{}, errors.New("httpsign: verifier needs Resolve and Clock")
	}
	values := r.Header.Values("Signature")
	switch len(values) {
	case 0:
		return Verified{}, ErrMissingSignature
	case 1:
	default:
		return Verified{}, fmt.Errorf("%w: %d Signature headers", ErrMalformedSignature, len(values))
	}
	p, err := ParseSignature(values[0])
	if err != nil {
		return Verified{}, err
	}
	if err := v.checkHeaders(r, p, body); err != nil {
		return Verified{}, err
	}

	pub, owner, err := v.Resolve(ctx, p.KeyID)
	if err != nil {
		return Verified{}, fmt.Errorf("%w: %s: %w", ErrUnknownKey, p.KeyID, err)
	}
	if pub == nil {
		return Verified{}, fmt.Errorf("%w: %s: resolver returned no key", ErrUnknownKey, p.KeyID)
	}
	if owner == "" || !SameHost(p.KeyID, owner) {
		return Verified{}, fmt.Errorf("%w: key %s, owner %q", ErrKeyNotOwned, p.KeyID, owner)
	}

	err = verifySignature(r, p, pub)
	if errors.Is(err, ErrBadSignature) && v.Refetch != nil {
		pub2, owner2, rerr := v.Refetch(ctx, p.KeyID)
		if rerr == nil && pub2 != nil && owner2 == owner {
			err = verifySignature(r, p, pub2)
		}
	}
	if err != nil {
		return Verified{}, fmt.Errorf("%w (key %s)", err, p.KeyID)
	}
	return Verified{ActorID: owner, KeyID: p.KeyID}, nil
}

// checkHeaders applies the signed-header, digest and clock rules.
func (v *Verifier) checkHeaders(r *http.Request, p Params, body []byte) error {
	for _, h := range []string{RequestTarget, "host", "date"} {
		if !p.Has(h) {
			return fmt.Errorf("%w: %q (signed: %q)", ErrUnsignedHeader, h, p.Headers)
		}
	}
	if len(body) > 0 || r.Method == http.MethodPost {
		if !p.Has("digest") {
			return fmt.Errorf("%w: %q on a request with a body (signed: %q)", ErrUnsignedHeader, "digest", p.Headers)
		}
	}
	if p.Has("digest") {
		if err := checkDigest(r.Header.Get("Digest"), body); err != nil {
			return err
		}
	}

	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	now := v.Clock.Now()
	date, err := http.ParseTime(r.Header.Get("Date"))
	if err != nil {
		return fmt.Errorf("%w: missing or unparsable Date %q", ErrStaleDate, clip(r.Header.Get("Date")))
	}
	if d := now.Sub(date); d > skew || d < -skew {
		return fmt.Errorf("%w: Date %s is %s from now, limit %s", ErrStaleDate,
			date.Format(time.RFC3339), d.Round(time.Second), skew)
	}
	if p.Has(createdHeader) {
		if p.Created == 0 || time.Unix(p.Created, 0).After(now.Add(skew)) {
			return fmt.Errorf("%w: created %d is missing or in the future", ErrStaleDate, p.Created)
		}
	}
	if p.Has(expiresHeader) {
		if p.Expires == 0 || time.Unix(p.Expires, 0).Before(now.Add(-skew)) {
			return fmt.Errorf("%w: expires %d is missing or past", ErrStaleDate, p.Expires)
		}
	}
	return nil
}

// verifySignature checks the signature in p over r with pub, through
// httpsig. httpsig parses the Signature header itself; it is handed p's
// canonical form so that it cannot read the header differently from
// ParseSignature, whose result the policy checks were applied to.
func verifySignature(r *http.Request, p Params, pub crypto.PublicKey) error {
	algo, err := algorithmFor(p.Algorithm, pub)
	if err != nil {
		return err
	}
	err = verifyWith(r, p, pub, algo, r.URL.RawQuery)
	if err != nil && r.URL.RawQuery != "" {
		// Mastodon before 4.1 left the query string out of (request-target)
		// when signing GETs; Mastodon itself still accepts such signatures.
		err = verifyWith(r, p, pub, algo, "")
	}
	return err
}

func verifyWith(r *http.Request, p Params, pub crypto.PublicKey, algo httpsig.Algorithm, rawQuery string) error {
	h := make(http.Header, len(p.Headers)+1)
	for _, name := range p.Headers {
		if name[0] == '(' {
			continue
		}
		key := http.CanonicalHeaderKey(name)
		if name == "host" {
			h[key] = []string{requestHost(r)}
			continue
		}
		// A signed header the request lacks stays absent, and httpsig
		// then fails instead of signing it as empty.
		if vals := r.Header[key]; len(vals) > 0 {
			h[key] = vals
		}
	}
	canon := p
	if !p.Has(createdHeader) {
		canon.Created = 0
	}
	if !p.Has(expiresHeader) {
		canon.Expires = 0
	}
	h.Set("Signature", canon.String())

	view := targetView(r)
	view.Header = h
	view.URL.RawQuery = rawQuery
	hv, err := httpsig.NewVerifier(view)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformedSignature, err)
	}
	if err := hv.Verify(pub, algo); err != nil {
		return fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	return nil
}

// algorithmFor maps the declared algorithm and the key's type to the
// httpsig algorithm. hs2019 means "whatever the key implies": RSA keys
// sign with RSA-SHA256, as Mastodon and GoToSocial do.
func algorithmFor(declared string, pub crypto.PublicKey) (httpsig.Algorithm, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if declared == "" || declared == "hs2019" || declared == "rsa-sha256" {
			return httpsig.RSA_SHA256, nil
		}
	case ed25519.PublicKey:
		if declared == "" || declared == "hs2019" || declared == "ed25519" {
			return httpsig.ED25519, nil
		}
	default:
		return "", fmt.Errorf("%w: key type %T", ErrUnsupportedAlgorithm, k)
	}
	return "", fmt.Errorf("%w: %q with a %T key", ErrUnsupportedAlgorithm, declared, pub)
}

// requestHost returns the host a request was sent to. A server request
// carries it in r.Host (net/http removes it from the header map); a client
// request that Sign prepared has it in the header too.
func requestHost(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	if h := r.Header.Get("Host"); h != "" {
		return h
	}
	return r.URL.Host
}
