package content

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseRender checks that any text parses into well-formed entities and
// renders to inert, valid UTF-8 HTML. Seeds are in testdata/fuzz.
func FuzzParseRender(f *testing.F) {
	f.Add("@alice #tag https://example.com/a_(b) c")
	r := testRenderer()
	f.Fuzz(func(t *testing.T, text string) {
		entities := Parse(text)
		prevEnd := 0
		for _, e := range entities {
			if e.Start < prevEnd || e.End <= e.Start || e.End > len(text) {
				t.Fatalf("entity %+v out of order or bounds in %q", e, text)
			}
			prevEnd = e.End
			raw := text[e.Start:e.End]
			switch e.Kind {
			case KindLink:
				if raw != e.URL || !safeHref(e.URL) {
					t.Fatalf("link %q from raw %q", e.URL, raw)
				}
			case KindMention:
				if raw != "@"+e.Acct() {
					t.Fatalf("mention %q from raw %q", e.Acct(), raw)
				}
			case KindHashtag:
				if raw != "#"+e.Tag {
					t.Fatalf("hashtag %q from raw %q", e.Tag, raw)
				}
			default:
				t.Fatalf("unknown kind %d", e.Kind)
			}
			if strings.ContainsAny(raw, " \t\r\n") {
				t.Fatalf("entity %q contains white space", raw)
			}
		}
		out := r.Render(text)
		if !utf8.ValidString(out) {
			t.Fatalf("Render(%q) is not valid UTF-8: %q", text, out)
		}
		assertInert(t, text, out, renderedElements)
		if n := Length(text); n < 0 || n > utf8.RuneCountInString(text)+URLLength*len(entities) {
			t.Fatalf("Length(%q) = %d", text, n)
		}
		_ = PlainText(out)
	})
}

// FuzzSanitize checks that Sanitize output is inert and that sanitising it
// again changes nothing. Seeds are in testdata/fuzz.
func FuzzSanitize(f *testing.F) {
	f.Add(`<p>hi <a href="https://x.example" class="mention">@<span>x</span></a></p>`)
	s := NewSanitizer()
	f.Fuzz(func(t *testing.T, in string) {
		out := s.Sanitize(in)
		assertInert(t, in, out, sanitizedElements)
		if strings.Contains(strings.ToLower(out), "javascript:") && strings.Contains(strings.ToLower(out), "href=\"javascript") {
			t.Fatalf("Sanitize(%q) kept a javascript: link: %s", in, out)
		}
		if again := s.Sanitize(out); again != out {
			t.Fatalf("Sanitize is not idempotent on %q:\nonce  %q\ntwice %q", in, out, again)
		}
		_ = PlainText(out)
	})
}
