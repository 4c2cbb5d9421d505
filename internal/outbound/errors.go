package outbound

import (
	"errors"
	"fmt"
	"net/netip"
)

// Errors returned by the client. Callers test for them with errors.Is; the
// net/http client wraps them in a *url.Error, which unwraps.
var (
	// ErrForbiddenAddress means the destination resolved to an address that
	// Parvis must not connect to (loopback, private, link-local, ...). The
	// concrete error is an *AddressError that says which address and why.
	ErrForbiddenAddress = errors.New("outbound: forbidden destination address")

	// ErrForbiddenScheme means the URL, or a redirect, uses a scheme other
	// than https (or http when Options.AllowHTTP is set).
	ErrForbiddenScheme = errors.New("outbound: forbidden URL scheme")

	// ErrInvalidURL means the URL has no host or cannot be used at all.
	ErrInvalidURL = errors.New("outbound: invalid URL")

	// ErrTooManyRedirects means the chain of redirects was longer than
	// Options.MaxRedirects.
	ErrTooManyRedirects = errors.New("outbound: too many redirects")

	// ErrBodyTooLarge means the response body is longer than
	// Options.MaxBodyBytes. The body's Read returns it instead of reading
	// past the limit.
	ErrBodyTooLarge = errors.New("outbound: response body too large")
)

// AddressError is the error for a refused destination address. It matches
// ErrForbiddenAddress with errors.Is.
type AddressError struct {
	Host  string     // the host name being dialled, or "" when it was a literal address
	Addr  netip.Addr // the address that was refused
	Class Class      // why it was refused
	// Via names the IPv6 form that carries an embedded IPv4 address
	// ("IPv4-mapped", "NAT64", "6to4", ...) and Embedded is that IPv4
	// address; both are empty when the address was refused for itself.
	Via      string
	Embedded netip.Addr
}

func (e *AddressError) Error() string {
	what := e.Class.String()
	if e.Via != "" {
		what = fmt.Sprintf("%s, %s %s", what, e.Via, e.Embedded)
	}
	if e.Host != "" && e.Host != e.Addr.String() {
		return fmt.Sprintf("outbound: refusing to connect to %s (%s), the address of %q", e.Addr, what, e.Host)
	}
	return fmt.Sprintf("outbound: refusing to connect to %s (%s)", e.Addr, what)
}

// Is reports whether target is ErrForbiddenAddress, so that callers need not
// know the concrete type.
func (e *AddressError) Is(target error) bool { return target == ErrForbiddenAddress }
