package outbound

import (
	"errors"
	"net"
	"net/netip"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		addr string
		want Class
	}{
		// IPv4, forbidden.
		{"0.0.0.0", Unspecified},
		{"0.1.2.3", Unspecified},
		{"10.0.0.1", Private},
		{"10.255.255.255", Private},
		{"100.64.0.1", Shared},
		{"100.100.100.200", Shared},
		{"100.127.255.254", Shared},
		{"127.0.0.1", Loopback},
		{"127.255.255.254", Loopback},
		{"169.254.0.1", LinkLocal},
		{"169.254.169.254", CloudMetadata},
		{"169.254.169.253", LinkLocal},
		{"172.16.0.1", Private},
		{"172.31.255.255", Private},
		{"192.0.0.8", Reserved},
		{"192.0.2.1", Documentation},
		{"192.88.99.1", Reserved},
		{"192.168.1.1", Private},
		{"198.18.0.1", Benchmarking},
		{"198.19.255.255", Benchmarking},
		{"198.51.100.7", Documentation},
		{"203.0.113.9", Documentation},
		{"224.0.0.1", Multicast},
		{"239.255.255.250", Multicast},
		{"240.0.0.1", Reserved},
		{"255.255.255.254", Reserved},
		{"255.255.255.255", Broadcast},

		// IPv4, allowed, including the neighbours of every forbidden range.
		{"1.1.1.1", Public},
		{"8.8.8.8", Public},
		{"9.255.255.255", Public},
		{"11.0.0.0", Public},
		{"100.63.255.255", Public},
		{"100.128.0.0", Public},
		{"126.255.255.255", Public},
		{"128.0.0.0", Public},
		{"169.253.255.255", Public},
		{"169.255.0.0", Public},
		{"172.15.255.255", Public},
		{"172.32.0.0", Public},
		{"192.0.1.0", Public},
		{"192.167.255.255", Public},
		{"192.169.0.0", Public},
		{"198.17.255.255", Public},
		{"198.20.0.0", Public},
		{"223.255.255.255", Public},

		// IPv6, forbidden.
		{"::", Unspecified},
		{"::1", Loopback},
		{"fe80::1", LinkLocal},
		{"fe80::1%eth0", LinkLocal},
		{"febf::1", LinkLocal},
		{"fc00::1", Private},
		{"fd12:3456:789a::1", Private},
		{"fd00:ec2::254", CloudMetadata},
		{"fec0::1", Private},
		{"ff02::1", Multicast},
		{"ff05::1:3", Multicast},
		{"2001:db8::1", Documentation},
		{"3fff::1", Documentation},
		{"2001:2::1", Benchmarking},
		{"2001:10::1", Reserved},
		{"2001:20::1", Reserved},
		{"100::1", Reserved},
		{"64:ff9b:1::a00:1", Private},
		{"5f00::1", Reserved},
		{"4000::1", Reserved},
		{"::ffff:0:808:808", Reserved}, // IPv4-translated (SIIT), not global
		{"::8.8.8.8", Reserved},        // IPv4-compatible, deprecated

		// IPv6, allowed.
		{"2606:4700:4700::1111", Public},
		{"2001:4860:4860::8888", Public},
		{"2001:200::1", Public},
		{"2a00:1450:4007:80f::200e", Public},
		{"::ffff:8.8.8.8", Public},
		{"64:ff9b::808:808", Public},
		{"2002:808:808::1", Public},
		{"2001:0:4136:e378:8000:63bf:f7f7:f7f7", Public}, // Teredo: server 65.54.227.120, client 8.8.8.8
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			ip := netip.MustParseAddr(tt.addr)
			if got := Classify(ip); got != tt.want {
				t.Errorf("Classify(%s) = %v, want %v", tt.addr, got, tt.want)
			}
			err := Check(ip)
			if tt.want == Public && err != nil {
				t.Errorf("Check(%s) = %v, want nil", tt.addr, err)
			}
			if tt.want != Public && !errors.Is(err, ErrForbiddenAddress) {
				t.Errorf("Check(%s) = %v, want ErrForbiddenAddress", tt.addr, err)
			}
		})
	}
	if got := Classify(netip.Addr{}); got != Invalid {
		t.Errorf("Classify(zero Addr) = %v, want %v", got, Invalid)
	}
}

// embeddedForms returns the IPv6 forms that carry v4, with the name each
// form has in an AddressError.
func embeddedForms(v4 netip.Addr) map[string]netip.Addr {
	b := v4.As4()
	inv := [4]byte{^b[0], ^b[1], ^b[2], ^b[3]}
	public := [4]byte{65, 54, 227, 120}
	forms := map[string][16]byte{
		"IPv4-mapped":     {10: 0xff, 11: 0xff, 12: b[0], 13: b[1], 14: b[2], 15: b[3]},
		"IPv4-compatible": {12: b[0], 13: b[1], 14: b[2], 15: b[3]},
		"NAT64":           {0: 0x00, 1: 0x64, 2: 0xff, 3: 0x9b, 12: b[0], 13: b[1], 14: b[2], 15: b[3]},
		"6to4":            {0: 0x20, 1: 0x02, 2: b[0], 3: b[1], 4: b[2], 5: b[3], 15: 1},
		"Teredo server":   {0: 0x20, 1: 0x01, 4: b[0], 5: b[1], 6: b[2], 7: b[3], 12: 0xf7, 13: 0xf7, 14: 0xf7, 15: 0xf7},
		"Teredo client":   {0: 0x20, 1: 0x01, 4: public[0], 5: public[1], 6: public[2], 7: public[3], 12: inv[0], 13: inv[1], 14: inv[2], 15: inv[3]},
	}
	out := make(map[string]netip.Addr, len(forms))
	for via, a := range forms {
		out[via] = netip.AddrFrom16(a)
	}
	return out
}

func TestEmbeddedIPv4Forms(t *testing.T) {
	forbidden := []string{
		"0.0.0.0", "10.1.2.3", "100.64.1.1", "127.0.0.1", "169.254.169.254", "169.254.1.1",
		"172.20.0.1", "192.0.0.1", "192.0.2.1", "192.168.0.1", "198.18.0.1", "198.51.100.1",
		"203.0.113.1", "224.0.0.251", "240.0.0.1", "255.255.255.255",
	}
	for _, s := range forbidden {
		v4 := netip.MustParseAddr(s)
		want := Classify(v4)
		for via, ip := range embeddedForms(v4) {
			t.Run(via+" "+s, func(t *testing.T) {
				err := Check(ip)
				var ae *AddressError
				if !errors.As(err, &ae) {
					t.Fatalf("Check(%s) = %v, want an *AddressError", ip, err)
				}
				if ip == netip.IPv6Unspecified() {
					// The IPv4-compatible form of 0.0.0.0 is ::, refused for itself.
					if ae.Class != Unspecified {
						t.Errorf("Check(::) refused as %v, want %v", ae.Class, Unspecified)
					}
					return
				}
				if ae.Class != want || ae.Via != via || ae.Embedded != v4 {
					t.Errorf("Check(%s) refused as (%v, %q, %s), want (%v, %q, %s)", ip, ae.Class, ae.Via, ae.Embedded, want, via, v4)
				}
			})
		}
	}

	// The same forms of a public address are allowed, except the
	// deprecated IPv4-compatible form, which is never routed.
	for via, ip := range embeddedForms(netip.MustParseAddr("8.8.4.4")) {
		want := Public
		if via == "IPv4-compatible" {
			want = Reserved
		}
		if got := Classify(ip); got != want {
			t.Errorf("Classify(%s) (%s of 8.8.4.4) = %v, want %v", ip, via, got, want)
		}
	}
}

func TestAddressErrorMessage(t *testing.T) {
	err := Check(netip.MustParseAddr("::ffff:169.254.169.254"))
	var ae *AddressError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want an *AddressError", err)
	}
	ae.Host = "metadata.example"
	want := `outbound: refusing to connect to ::ffff:169.254.169.254 (cloud metadata service, IPv4-mapped 169.254.169.254), the address of "metadata.example"`
	if got := ae.Error(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestControlCheck(t *testing.T) {
	tests := []struct {
		address string
		wantErr bool
	}{
		{"127.0.0.1:80", true},
		{"[::1]:443", true},
		{"[fe80::1%eth0]:443", true},
		{"[::ffff:10.0.0.1]:443", true},
		{"not an address", true},
		{"93.184.215.14:443", false},
		{"[2606:4700::6810:84e5]:443", false},
	}
	for _, tt := range tests {
		err := controlCheck("tcp", tt.address, nil)
		if got := err != nil; got != tt.wantErr {
			t.Errorf("controlCheck(%q) = %v, want error: %v", tt.address, err, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("controlCheck(%q) = %v, want ErrForbiddenAddress", tt.address, err)
		}
	}
}

// FuzzClassify checks the classification against the standard library's own
// predicates and checks that every IPv6 form of a forbidden IPv4 address is
// forbidden too.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "10.0.0.1", "8.8.8.8", "::1", "fe80::1", "2606:4700::1", "::ffff:192.168.1.1", "64:ff9b::7f00:1", "2002:a00:1::1"} {
		f.Add(netip.MustParseAddr(s).AsSlice())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ip, ok := netip.AddrFromSlice(b)
		if !ok {
			if c := Classify(ip); c != Invalid {
				t.Fatalf("Classify(zero Addr) = %v, want %v", c, Invalid)
			}
			return
		}
		c := Classify(ip)
		std := net.IP(ip.AsSlice())
		if (std.IsLoopback() || std.IsPrivate() || std.IsLinkLocalUnicast() || std.IsLinkLocalMulticast() ||
			std.IsMulticast() || std.IsUnspecified() || std.IsInterfaceLocalMulticast()) && c == Public {
			t.Fatalf("Classify(%s) = public, but the standard library calls it non-public", ip)
		}
		if c != Public && Check(ip) == nil {
			t.Fatalf("Check(%s) = nil for class %v", ip, c)
		}
		if c.String() == "unknown class" {
			t.Fatalf("Classify(%s) returned an unnamed class %d", ip, c)
		}
		if ip.Is4() && c != Public {
			for via, form := range embeddedForms(ip) {
				if Classify(form) == Public {
					t.Fatalf("Classify(%s) = public, but it is the %s form of %s (%v)", form, via, ip, c)
				}
			}
		}
	})
}

func BenchmarkClassify(b *testing.B) {
	addrs := []struct {
		name string
		ip   netip.Addr
	}{
		{"v4-public", netip.MustParseAddr("93.184.215.14")},
		{"v4-private", netip.MustParseAddr("192.168.1.1")},
		{"v6-public", netip.MustParseAddr("2606:4700::6810:84e5")},
		{"v6-mapped", netip.MustParseAddr("::ffff:10.0.0.1")},
	}
	for _, a := range addrs {
		b.Run(a.name, func(b *testing.B) {
			for b.Loop() {
				Classify(a.ip)
			}
		})
	}
}
