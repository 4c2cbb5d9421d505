package social_test

import (
	"testing"

	"parvis/internal/social"
)

func TestScopes(t *testing.T) {
	cases := []struct {
		granted string
		need    string
		want    bool
	}{
		{"read", "read:statuses", true},
		{"read", "write:statuses", false},
		{"write", "write:media", true},
		{"read:statuses", "read:notifications", false},
		{"read:statuses", "read:statuses", true},
		{"follow", "read:follows", true},
		{"follow", "write:blocks", true},
		{"follow", "read:statuses", false},
		{"profile", "profile", true},
		{"read", "profile", true},
		{"read:accounts", "profile", true},
		{"profile", "read:accounts", false},
		{"admin:read", "admin:read:accounts", true},
		{"read", "admin:read:accounts", false},
		{"push", "read", false},
	}
	for _, tc := range cases {
		sc, err := social.ParseScopes(tc.granted)
		if err != nil {
			t.Fatalf("parse %q: %v", tc.granted, err)
		}
		if got := sc.Allows(tc.need); got != tc.want {
			t.Errorf("%q allows %q: got %v, want %v", tc.granted, tc.need, got, tc.want)
		}
	}
}

func TestParseScopes(t *testing.T) {
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{"read write follow", "read write follow", true},
		{"read+write", "read write", true},
		{"read,read  write", "read write", true},
		{"", "", true},
		{"read everything", "", false},
		{"READ", "", false},
	}
	for _, tc := range cases {
		sc, err := social.ParseScopes(tc.in)
		if (err == nil) != tc.ok || (tc.ok && sc.String() != tc.want) {
			t.Errorf("ParseScopes(%q): got %q, %v; want %q, ok %v", tc.in, sc.String(), err, tc.want, tc.ok)
		}
	}
}
