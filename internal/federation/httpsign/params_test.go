package httpsign

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseSignature(t *testing.T) {
	const sig = "c2lnbmF0dXJl"
	tests := []struct {
		name   string
		header string
		want   Params
		err    bool
	}{
		{
			name:   "mastodon",
			header: `keyId="https://m.example/users/a#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="` + sig + `"`,
			want: Params{KeyID: "https://m.example/users/a#main-key", Algorithm: "rsa-sha256",
				Headers: []string{"(request-target)", "host", "date", "digest", "content-type"}, Signature: sig},
		},
		{
			name:   "spaces, upper-case names in headers, hs2019 and created",
			header: ` keyId="k", algorithm="HS2019" ,created=1402170695, headers="(Request-Target) Host  Date (created)",  signature="` + sig + `" `,
			want: Params{KeyID: "k", Algorithm: "hs2019", Created: 1402170695,
				Headers: []string{"(request-target)", "host", "date", "(created)"}, Signature: sig},
		},
		{
			name:   "no headers means date",
			header: `keyId="k",signature="` + sig + `"`,
			want:   Params{KeyID: "k", Headers: []string{"date"}, Signature: sig},
		},
		{
			name:   "unknown parameter ignored",
			header: `keyId="k",nonce="abc",signature="` + sig + `"`,
			want:   Params{KeyID: "k", Headers: []string{"date"}, Signature: sig},
		},
		{name: "empty", header: "", err: true},
		{name: "no keyId", header: `signature="` + sig + `"`, err: true},
		{name: "no signature", header: `keyId="k"`, err: true},
		{name: "empty keyId", header: `keyId="",signature="` + sig + `"`, err: true},
		{name: "duplicate keyId", header: `keyId="a",keyId="b",signature="` + sig + `"`, err: true},
		{name: "comma in value", header: `keyId="a,headers=\"date\"",signature="` + sig + `"`, err: true},
		{name: "quote in value", header: `keyId="a"b",signature="` + sig + `"`, err: true},
		{name: "unterminated", header: `keyId="a,signature="` + sig, err: true},
		{name: "not base64", header: `keyId="a",signature="@@@"`, err: true},
		{name: "headers signed twice", header: `keyId="a",headers="date date",signature="` + sig + `"`, err: true},
		{name: "empty headers", header: `keyId="a",headers=" ",signature="` + sig + `"`, err: true},
		{name: "bad created", header: `keyId="a",created=-1,signature="` + sig + `"`, err: true},
		{name: "missing comma", header: `keyId="a" signature="` + sig + `"`, err: true},
		{name: "trailing comma", header: `keyId="a",signature="` + sig + `",`, err: true},
		{name: "no value", header: `keyId,signature="` + sig + `"`, err: true},
		{name: "control character", header: "keyId=\"a\x00\",signature=\"" + sig + `"`, err: true},
		{name: "too long", header: `keyId="` + strings.Repeat("a", MaxHeaderLen) + `",signature="` + sig + `"`, err: true},
		{name: "too many parameters", header: strings.Repeat(`x="1",`, maxParams) + `keyId="a",signature="` + sig + `"`, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSignature(tt.header)
			if tt.err {
				if !errors.Is(err, ErrMalformedSignature) {
					t.Fatalf("got %+v, %v; want ErrMalformedSignature", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if !equalParams(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			again, err := ParseSignature(got.String())
			if err != nil || !equalParams(again, got) {
				t.Fatalf("round trip of %q: got %+v, %v; want %+v", got.String(), again, err, got)
			}
		})
	}
}

func equalParams(a, b Params) bool {
	return a.KeyID == b.KeyID && a.Algorithm == b.Algorithm && a.Signature == b.Signature &&
		a.Created == b.Created && a.Expires == b.Expires && slices.Equal(a.Headers, b.Headers)
}

// FuzzParseSignature checks that no header makes the parser panic, and that
// whatever it accepts formats to a header that parses back the same, the
// property that lets Verify hand httpsig the formatted form.
func FuzzParseSignature(f *testing.F) {
	for _, v := range cavageVectors {
		f.Add(v.header)
	}
	f.Add(`keyId="https://m.example/users/a#main-key",algorithm="hs2019",headers="(request-target) host date digest",signature="c2ln"`)
	f.Add(`keyId="a",created=1,expires=2,headers="(created) (expires)",signature="c2ln"`)
	f.Fuzz(func(t *testing.T, header string) {
		p, err := ParseSignature(header)
		if err != nil {
			if !errors.Is(err, ErrMalformedSignature) {
				t.Fatalf("error %v does not wrap ErrMalformedSignature", err)
			}
			return
		}
		if p.KeyID == "" || p.Signature == "" || len(p.Headers) == 0 {
			t.Fatalf("accepted incomplete %+v from %q", p, header)
		}
		again, err := ParseSignature(p.String())
		if err != nil {
			t.Fatalf("reparse of %q: %v", p.String(), err)
		}
		if !equalParams(again, p) {
			t.Fatalf("round trip: got %+v, want %+v", again, p)
		}
	})
}
