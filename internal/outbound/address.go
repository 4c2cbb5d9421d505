package outbound

import (
	"encoding/binary"
	"net/netip"
)

// Class says what kind of address an IP is, as far as outbound requests are
// concerned. Only Public addresses may be connected to.
type Class uint8

// The classes, from the IANA IPv4 and IPv6 special-purpose address
// registries (RFC 6890 and its updates).
const (
	Public        Class = iota // globally routable unicast
	Invalid                    // the zero netip.Addr
	Unspecified                // 0.0.0.0/8 ("this network"), ::
	Loopback                   // 127.0.0.0/8, ::1
	Private                    // RFC 1918, RFC 4193 unique local, deprecated site-local, local-use NAT64
	Shared                     // 100.64.0.0/10, carrier-grade NAT (RFC 6598)
	LinkLocal                  // 169.254.0.0/16, fe80::/10
	CloudMetadata              // 169.254.169.254 and fd00:ec2::254, the instance metadata services
	Multicast                  // 224.0.0.0/4, ff00::/8
	Broadcast                  // 255.255.255.255
	Benchmarking               // 198.18.0.0/15, 2001:2::/48
	Documentation              // TEST-NET-1/2/3, 2001:db8::/32, 3fff::/20
	Reserved                   // everything else that is not global unicast
)

var classNames = [...]string{
	Public:        "public",
	Invalid:       "invalid address",
	Unspecified:   "unspecified",
	Loopback:      "loopback",
	Private:       "private",
	Shared:        "shared address space (CGNAT)",
	LinkLocal:     "link-local",
	CloudMetadata: "cloud metadata service",
	Multicast:     "multicast",
	Broadcast:     "broadcast",
	Benchmarking:  "benchmarking",
	Documentation: "documentation",
	Reserved:      "reserved",
}

// String returns the class as words fit for a log line.
func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "unknown class"
}

// addrRange is a prefix as 128-bit masks over the 16-byte form of an
// address (IPv4 addresses in their IPv4-mapped form), so that matching is
// two ANDs and two comparisons.
type addrRange struct {
	hi, lo         uint64
	maskHi, maskLo uint64
	class          Class
}

func rangeOf(prefix string, c Class) addrRange {
	p := netip.MustParsePrefix(prefix)
	bits := p.Bits()
	if p.Addr().Is4() {
		bits += 96
	}
	hi, lo := halves(p.Addr())
	var maskHi, maskLo uint64
	switch {
	case bits >= 128:
		maskHi, maskLo = ^uint64(0), ^uint64(0)
	case bits > 64:
		maskHi, maskLo = ^uint64(0), ^uint64(0)<<(128-bits)
	case bits > 0:
		maskHi = ^uint64(0) << (64 - bits)
	}
	return addrRange{hi: hi & maskHi, lo: lo & maskLo, maskHi: maskHi, maskLo: maskLo, class: c}
}

func (r *addrRange) contains(hi, lo uint64) bool {
	return hi&r.maskHi == r.hi && lo&r.maskLo == r.lo
}

// halves returns the 16-byte form of ip as two integers.
func halves(ip netip.Addr) (hi, lo uint64) {
	b := ip.As16()
	return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
}

// v4Ranges is read-only. More specific prefixes come before the prefixes
// that contain them, because the first match wins.
var v4Ranges = [...]addrRange{
	rangeOf("0.0.0.0/8", Unspecified),
	rangeOf("10.0.0.0/8", Private),
	rangeOf("100.64.0.0/10", Shared),
	rangeOf("127.0.0.0/8", Loopback),
	rangeOf("169.254.169.254/32", CloudMetadata),
	rangeOf("169.254.0.0/16", LinkLocal),
	rangeOf("172.16.0.0/12", Private),
	rangeOf("192.0.0.0/24", Reserved), // IETF protocol assignments
	rangeOf("192.0.2.0/24", Documentation),
	rangeOf("192.88.99.0/24", Reserved), // 6to4 relay anycast, deprecated
	rangeOf("192.168.0.0/16", Private),
	rangeOf("198.18.0.0/15", Benchmarking),
	rangeOf("198.51.100.0/24", Documentation),
	rangeOf("203.0.113.0/24", Documentation),
	rangeOf("224.0.0.0/4", Multicast),
	rangeOf("255.255.255.255/32", Broadcast),
	rangeOf("240.0.0.0/4", Reserved),
}

// v6Ranges is read-only and, like v4Ranges, ordered from the most specific.
// The forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4,
// Teredo) are handled before this table is consulted.
var v6Ranges = [...]addrRange{
	rangeOf("64:ff9b:1::/48", Private), // local-use NAT64 (RFC 8215)
	rangeOf("100::/64", Reserved),      // discard-only (RFC 6666)
	rangeOf("2001:2::/48", Benchmarking),
	rangeOf("2001:db8::/32", Documentation),
	rangeOf("2001::/23", Reserved), // IETF protocol assignments (ORCHID, AMT, ...)
	rangeOf("3fff::/20", Documentation),
	rangeOf("fd00:ec2::254/128", CloudMetadata),
	rangeOf("fc00::/7", Private),
	rangeOf("fe80::/10", LinkLocal),
	rangeOf("fec0::/10", Private), // site-local, deprecated (RFC 3879)
	rangeOf("ff00::/8", Multicast),
}

var (
	nat64Prefix  = rangeOf("64:ff9b::/96", Public)
	teredoPrefix = rangeOf("2001::/32", Public)
	sixToFour    = rangeOf("2002::/16", Public)
	globalV6     = rangeOf("2000::/3", Public)
)

// verdict is the full answer of the classification: the class, and for
// IPv6 forms that carry an IPv4 address, which form and which address
// decided it.
type verdict struct {
	class    Class
	via      string
	embedded netip.Addr
}

// Classify returns the class of ip. An IPv6 address that carries an IPv4
// address (IPv4-mapped, IPv4-compatible, NAT64 64:ff9b::/96, 6to4, Teredo)
// takes the class of that IPv4 address when the IPv4 address is not public,
// because connecting to it reaches, or may reach, that IPv4 host.
func Classify(ip netip.Addr) Class {
	return classify(ip).class
}

// Check returns nil when ip is public, and an *AddressError saying why
// otherwise.
func Check(ip netip.Addr) error {
	v := classify(ip)
	if v.class == Public {
		return nil
	}
	return &AddressError{Addr: ip, Class: v.class, Via: v.via, Embedded: v.embedded}
}

func classify(ip netip.Addr) verdict {
	if !ip.IsValid() {
		return verdict{class: Invalid}
	}
	// A zone only qualifies link-local addresses, which are refused anyway;
	// it must not change the verdict for any other address.
	ip = ip.WithZone("")
	if ip.Is4() {
		return verdict{class: classify4(ip)}
	}
	if ip.Is4In6() {
		return embedded("IPv4-mapped", ip.Unmap(), Public)
	}
	b := ip.As16()
	hi, lo := halves(ip)
	if hi == 0 && lo>>32 == 0 {
		switch lo {
		case 0:
			return verdict{class: Unspecified}
		case 1:
			return verdict{class: Loopback}
		}
		// IPv4-compatible addresses (::a.b.c.d) are deprecated and not
		// routed, so they are refused even when the IPv4 part is public.
		return embedded("IPv4-compatible", v4(b[12:16]), Reserved)
	}
	switch {
	case nat64Prefix.contains(hi, lo):
		return embedded("NAT64", v4(b[12:16]), Public)
	case teredoPrefix.contains(hi, lo):
		// Teredo carries the server address in clear and the client
		// address with every bit inverted; both are reached.
		if v := embedded("Teredo server", v4(b[4:8]), Public); v.class != Public {
			return v
		}
		client := [4]byte{^b[12], ^b[13], ^b[14], ^b[15]}
		return embedded("Teredo client", netip.AddrFrom4(client), Public)
	case sixToFour.contains(hi, lo):
		return embedded("6to4", v4(b[2:6]), Public)
	}
	for i := range v6Ranges {
		if v6Ranges[i].contains(hi, lo) {
			return verdict{class: v6Ranges[i].class}
		}
	}
	if !globalV6.contains(hi, lo) {
		return verdict{class: Reserved}
	}
	return verdict{class: Public}
}

func classify4(ip netip.Addr) Class {
	hi, lo := halves(ip)
	for i := range v4Ranges {
		if v4Ranges[i].contains(hi, lo) {
			return v4Ranges[i].class
		}
	}
	return Public
}

// embedded classifies the IPv4 address carried by an IPv6 form. When the
// IPv4 address is public the verdict is ifPublic, without naming the form.
func embedded(via string, ip4 netip.Addr, ifPublic Class) verdict {
	c := classify4(ip4)
	if c == Public {
		if ifPublic == Public {
			return verdict{class: Public}
		}
		return verdict{class: ifPublic, via: via, embedded: ip4}
	}
	return verdict{class: c, via: via, embedded: ip4}
}

func v4(b []byte) netip.Addr {
	return netip.AddrFrom4([4]byte{b[0], b[1], b[2], b[3]})
}
