package httpsign

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// Limits on a Signature header. Real headers from Mastodon, GoToSocial and
// Lemmy are about 500 bytes with four or five signed headers; the limits
// leave room for long key ids while bounding the work done on hostile input.
const (
	// MaxHeaderLen is the longest Signature header accepted, in bytes.
	MaxHeaderLen = 8192
	// MaxSignedHeaders is the most names accepted in the headers parameter.
	MaxSignedHeaders = 32
	// maxParams bounds the parameters in one header, unknown ones included.
	maxParams = 16
)

// Names of the pseudo-headers of draft-cavage-http-signatures.
const (
	RequestTarget = "(request-target)"
	createdHeader = "(created)"
	expiresHeader = "(expires)"
)

// Params is a parsed Signature header (draft-cavage-http-signatures-12,
// section 2.1).
type Params struct {
	// KeyID names the key that made the signature; in ActivityPub it is the
	// URL of the actor's public key, such as https://host/users/alice#main-key.
	KeyID string
	// Algorithm is the declared algorithm, lower-cased, or "" when absent.
	Algorithm string
	// Headers lists the signed header names, lower-cased, in signing order.
	// When the header has no headers parameter it is ["date"], the default
	// Mastodon and the earlier drafts use.
	Headers []string
	// Signature is the base64 signature as sent.
	Signature string
	// Created and Expires are the Unix times of the created and expires
	// parameters, or 0 when absent.
	Created, Expires int64
}

// Has reports whether name (lower case) is among the signed headers.
func (p Params) Has(name string) bool {
	for _, h := range p.Headers {
		if h == name {
			return true
		}
	}
	return false
}

// String formats p as a Signature header value. The result parses back to
// p, and has no character that a naive split on commas and quotes could
// read differently, which is why ParseSignature refuses such characters.
func (p Params) String() string {
	var b strings.Builder
	b.WriteString(`keyId="`)
	b.WriteString(p.KeyID)
	b.WriteString(`"`)
	if p.Algorithm != "" {
		b.WriteString(`,algorithm="`)
		b.WriteString(p.Algorithm)
		b.WriteString(`"`)
	}
	if p.Created != 0 {
		b.WriteString(",created=")
		b.WriteString(strconv.FormatInt(p.Created, 10))
	}
	if p.Expires != 0 {
		b.WriteString(",expires=")
		b.WriteString(strconv.FormatInt(p.Expires, 10))
	}
	b.WriteString(`,headers="`)
	b.WriteString(strings.Join(p.Headers, " "))
	b.WriteString(`",signature="`)
	b.WriteString(p.Signature)
	b.WriteString(`"`)
	return b.String()
}

// ParseSignature parses the value of a Signature header: comma-separated
// name="value" parameters, optionally surrounded by spaces. It is stricter
// than the draft on purpose: duplicate parameters, empty key ids, values
// holding commas, quotes, backslashes or control characters, duplicate
// signed headers and signatures that are not valid base64 are all refused,
// so that every component that later reads the header sees the same thing.
// Errors wrap ErrMalformedSignature.
func ParseSignature(header string) (Params, error) {
	var p Params
	if len(header) > MaxHeaderLen {
		return p, malformed("header is %d bytes, limit %d", len(header), MaxHeaderLen)
	}
	seen := make(map[string]bool, 6)
	rest := header
	for n := 0; ; n++ {
		if n == maxParams {
			return Params{}, malformed("more than %d parameters", maxParams)
		}
		var name, value string
		var err error
		name, value, rest, err = nextParam(rest)
		if err != nil {
			return Params{}, err
		}
		if err := p.set(name, value, seen); err != nil {
			return Params{}, err
		}
		rest = trimSpace(rest)
		if rest == "" {
			break
		}
		if rest[0] != ',' {
			return Params{}, malformed("expected ',' after parameter %q", name)
		}
		rest = rest[1:]
	}
	switch {
	case p.KeyID == "":
		return Params{}, malformed("missing keyId")
	case p.Signature == "":
		return Params{}, malformed("missing signature")
	}
	if len(p.Headers) == 0 {
		p.Headers = []string{"date"}
	}
	return p, nil
}

// nextParam reads one name=value pair from the start of s.
func nextParam(s string) (name, value, rest string, err error) {
	s = trimSpace(s)
	i := 0
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	if i == 0 {
		return "", "", "", malformed("expected a parameter name at %q", clip(s))
	}
	name, s = s[:i], s[i:]
	if s == "" || s[0] != '=' {
		return "", "", "", malformed("parameter %q has no value", name)
	}
	s = s[1:]
	if s != "" && s[0] == '"' {
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return "", "", "", malformed("unterminated value of %q", name)
		}
		value = s[1 : 1+end]
		for j := 0; j < len(value); j++ {
			if c := value[j]; c == ',' || c == '\\' || c < 0x20 || c == 0x7f {
				return "", "", "", malformed("value of %q holds a forbidden character %q", name, c)
			}
		}
		return name, value, s[2+end:], nil
	}
	j := 0
	for j < len(s) && isTokenChar(s[j]) {
		j++
	}
	if j == 0 {
		return "", "", "", malformed("parameter %q has an empty value", name)
	}
	return name, s[:j], s[j:], nil
}

// set stores one parameter in p. Parameter names are case-sensitive, as in
// the draft; unknown ones are ignored so that later extensions still parse.
func (p *Params) set(name, value string, seen map[string]bool) error {
	if seen[name] {
		return malformed("duplicate parameter %q", name)
	}
	seen[name] = true
	switch name {
	case "keyId":
		p.KeyID = value
	case "algorithm":
		p.Algorithm = strings.ToLower(value)
	case "headers":
		names := strings.Fields(strings.ToLower(value))
		if len(names) == 0 {
			return malformed("empty headers parameter")
		}
		if len(names) > MaxSignedHeaders {
			return malformed("%d signed headers, limit %d", len(names), MaxSignedHeaders)
		}
		for i, h := range names {
			for _, prev := range names[:i] {
				if prev == h {
					return malformed("header %q signed twice", h)
				}
			}
		}
		p.Headers = names
	case "signature":
		if _, err := base64.StdEncoding.DecodeString(value); err != nil || value == "" {
			return malformed("signature is not base64")
		}
		p.Signature = value
	case "created", "expires":
		t, err := strconv.ParseInt(value, 10, 64)
		if err != nil || t <= 0 {
			return malformed("%s is not a positive Unix time", name)
		}
		if name == "created" {
			p.Created = t
		} else {
			p.Expires = t
		}
	}
	return nil
}

// isTokenChar reports whether c may appear in an unquoted name or value
// (the tchar set of RFC 9110, section 5.6.2).
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func trimSpace(s string) string {
	return strings.TrimLeft(s, " \t")
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformedSignature, fmt.Sprintf(format, args...))
}
