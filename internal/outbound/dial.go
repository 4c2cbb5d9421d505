package outbound

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// Resolver looks up the addresses of a host name. *net.Resolver satisfies
// it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Dialer connects to a literal "ip:port" address. *net.Dialer satisfies it.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// minAttemptTimeout keeps one slow address from taking the whole connect
// budget away from the addresses after it, without giving any attempt so
// little time that it cannot succeed.
const minAttemptTimeout = 2 * time.Second

// guardedDialer resolves the host itself, refuses forbidden addresses, and
// dials the remaining ones by literal address, so that the address checked
// is the address connected to: the name is never resolved a second time.
type guardedDialer struct {
	resolver       Resolver
	dialer         Dialer
	connectTimeout time.Duration
	allowPrivate   bool
}

func newGuardedDialer(opts Options) *guardedDialer {
	d := &guardedDialer{
		resolver:       opts.Resolver,
		dialer:         opts.Dialer,
		connectTimeout: opts.ConnectTimeout,
		allowPrivate:   opts.AllowPrivate,
	}
	if d.resolver == nil {
		d.resolver = net.DefaultResolver
	}
	if d.dialer == nil {
		nd := &net.Dialer{KeepAlive: 30 * time.Second}
		if !opts.AllowPrivate {
			// The hook sees the socket address about to be connected,
			// whatever path led to it: the last line of defence.
			nd.Control = controlCheck
		}
		d.dialer = nd
	}
	return d
}

// controlCheck is a net.Dialer Control hook refusing forbidden addresses.
func controlCheck(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot parse the dialled address %q", ErrForbiddenAddress, address)
	}
	return Check(ap.Addr())
}

// DialContext is the transport's dial function.
func (d *guardedDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	var lookupNetwork string
	switch network {
	case "tcp":
		lookupNetwork = "ip"
	case "tcp4":
		lookupNetwork = "ip4"
	case "tcp6":
		lookupNetwork = "ip6"
	default:
		return nil, fmt.Errorf("outbound: network %q is not supported", network)
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}

	ctx, cancel := context.WithTimeout(ctx, d.connectTimeout)
	defer cancel()

	addrs, err := d.resolve(ctx, lookupNetwork, host)
	if err != nil {
		return nil, err
	}
	if !d.allowPrivate {
		// One forbidden answer refuses the whole host: a name that mixes
		// public and private addresses is either misconfigured or an
		// attempt to get a private address tried after a public one fails.
		for _, a := range addrs {
			if err := Check(a); err != nil {
				var ae *AddressError
				if errors.As(err, &ae) {
					ae.Host = host
				}
				return nil, err
			}
		}
	}

	var errs []error
	for i, a := range addrs {
		attemptCtx, cancelAttempt := context.WithTimeout(ctx, attemptTimeout(ctx, len(addrs)-i))
		conn, err := d.dialer.DialContext(attemptCtx, network, net.JoinHostPort(a.String(), port))
		cancelAttempt()
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil || errors.Is(err, ErrForbiddenAddress) {
			break
		}
	}
	return nil, fmt.Errorf("outbound: connecting to %s: %w", address, errors.Join(errs...))
}

// resolve returns the addresses of host, unmapped, or host itself when it
// is a literal address.
func (d *guardedDialer) resolve(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if ip, ok := literalIP(host); ok {
		return []netip.Addr{ip}, nil
	}
	addrs, err := d.resolver.LookupNetIP(ctx, network, host)
	if err != nil {
		return nil, fmt.Errorf("outbound: resolving %q: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("outbound: resolving %q: no addresses", host)
	}
	out := make([]netip.Addr, len(addrs))
	for i, a := range addrs {
		// The resolver may return IPv4 addresses in their IPv4-mapped
		// IPv6 form; dial them as IPv4.
		out[i] = a.Unmap()
	}
	return out, nil
}

// attemptTimeout shares the time left in ctx between the remaining
// addresses.
func attemptTimeout(ctx context.Context, remaining int) time.Duration {
	deadline, ok := ctx.Deadline()
	if !ok {
		return minAttemptTimeout
	}
	left := time.Until(deadline)
	share := left / time.Duration(remaining)
	if share < minAttemptTimeout {
		share = min(minAttemptTimeout, left)
	}
	return share
}

// literalIP parses a host that is an IP address, with or without a zone.
func literalIP(host string) (netip.Addr, bool) {
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return ip, true
}
