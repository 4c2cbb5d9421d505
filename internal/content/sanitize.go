package content

import (
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// Sanitizer cleans HTML that comes from other servers (the content of
// ActivityPub objects) so that it can be stored and shown as is. It keeps
// what Mastodon keeps and nothing else. Build one with NewSanitizer at
// start-up and share it: it is safe for concurrent use and never changes.
type Sanitizer struct {
	policy *bluemonday.Policy
}

// allowedClasses are the microformat and display classes that survive
// sanitising, as in Mastodon's strict policy: h-card and u-url mark
// mentions, mention and hashtag style them, and invisible and ellipsis
// shorten links.
var allowedClasses = [...]string{"h-card", "u-url", "mention", "hashtag", "invisible", "ellipsis"}

// keptElements are the elements that leave Sanitize as they came in (a,
// span, br and the headings get special treatment).
var keptElements = [...]string{
	"p", "del", "s", "pre", "blockquote", "code", "b", "strong", "u", "i",
	"em", "ul", "ol", "li", "ruby", "rt", "rp",
}

// linkSchemes are the URL schemes a link may use: the web, mail, and the
// peer-to-peer and small-web schemes that Mastodon also lets through.
var linkSchemes = [...]string{
	"http", "https", "mailto", "xmpp", "gemini", "gopher",
	"dat", "dweb", "ipfs", "ipns", "ssb", "magnet",
}

// NewSanitizer builds the allow-list policy. Building it costs a few
// hundred microseconds, so do it once.
func NewSanitizer() *Sanitizer {
	p := bluemonday.NewPolicy()
	p.AllowElements(
		"p", "br", "span", "a", "del", "s", "pre", "blockquote", "code",
		"b", "strong", "u", "i", "em", "ul", "ol", "li", "ruby", "rt", "rp",
		"h1", "h2", "h3", "h4", "h5", "h6",
	)
	p.AllowAttrs("href").OnElements("a")
	// Class lists are filtered token by token afterwards (see rewrite);
	// here only harmless characters may pass.
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^[A-Za-z0-9_ -]{1,200}$`)).OnElements("a", "span")
	p.AllowAttrs("start").Matching(regexp.MustCompile(`^-?[0-9]{1,9}$`)).OnElements("ol")
	p.AllowAttrs("reversed").Matching(regexp.MustCompile(`^(reversed)?$`)).OnElements("ol")
	p.AllowAttrs("value").Matching(regexp.MustCompile(`^-?[0-9]{1,9}$`)).OnElements("li")
	p.AllowURLSchemes(linkSchemes[:]...)
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	return &Sanitizer{policy: p}
}

// Sanitize returns html with everything outside the allow-list removed:
// only p, br, span, a, del, s, pre, blockquote, code, b, strong, u, i, em,
// ul, ol, li and ruby annotations remain; headings become a bold paragraph
// (<p><strong>…</strong></p>) as Mastodon renders them; links keep only an
// href with a safe scheme (http, https, mailto and the few others Mastodon
// allows; relative and unparseable URLs are dropped, and a link left without
// an href becomes its text) and always get rel="nofollow noopener
// noreferrer" and target="_blank"; class attributes keep only h-card, u-url,
// mention, hashtag, invisible and ellipsis. Script, style and similar
// elements disappear with their content; other unknown elements disappear
// but their text stays. Sanitize is idempotent.
func (s *Sanitizer) Sanitize(input string) string {
	if input == "" {
		return ""
	}
	return rewrite(s.policy.Sanitize(input))
}

// rewrite applies the parts of Mastodon's policy that bluemonday cannot
// express to HTML that bluemonday has already cleaned: per-token class
// filtering, forced rel and target on links, unwrapping links without an
// href, and headings turned into bold paragraphs.
func rewrite(clean string) string {
	var b strings.Builder
	b.Grow(len(clean) + len(clean)/8)
	z := html.NewTokenizer(strings.NewReader(clean))
	var links []bool         // for each open <a>: was it kept?
	open := map[string]int{} // open elements by name, to drop stray end tags
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			escapeHTML(&b, string(z.Text()))
		case html.StartTagToken, html.SelfClosingTagToken:
			t := z.Token()
			switch {
			case t.Data == "a":
				kept := writeAnchor(&b, t)
				if tt == html.StartTagToken {
					links = append(links, kept)
				} else if kept {
					b.WriteString("</a>")
				}
				continue
			case t.Data == "br":
				b.WriteString("<br />")
				continue
			case t.Data == "span":
				b.WriteString("<span")
				writeClass(&b, t)
				b.WriteString(">")
			case isHeading(t.Data):
				b.WriteString("<p><strong>")
			case isKeptElement(t.Data):
				writeTag(&b, t)
			default:
				continue
			}
			if tt == html.SelfClosingTagToken {
				writeEndTag(&b, t.Data)
			} else {
				open[t.Data]++
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			switch {
			case tag == "a":
				if n := len(links); n > 0 {
					if links[n-1] {
						b.WriteString("</a>")
					}
					links = links[:n-1]
				}
			case tag == "br":
				// Browsers read </br> as <br>.
				b.WriteString("<br />")
			case open[tag] > 0:
				open[tag]--
				writeEndTag(&b, tag)
			}
		}
	}
}

func writeEndTag(b *strings.Builder, tag string) {
	if isHeading(tag) {
		b.WriteString("</strong></p>")
		return
	}
	b.WriteString("</")
	b.WriteString(tag)
	b.WriteString(">")
}

func isHeading(tag string) bool {
	return len(tag) == 2 && tag[0] == 'h' && tag[1] >= '1' && tag[1] <= '6'
}

// writeAnchor writes an <a> start tag with its href, filtered classes and
// the forced rel and target, and reports whether it wrote anything (a link
// without an href is dropped and its text kept).
func writeAnchor(b *strings.Builder, t html.Token) bool {
	href := ""
	for _, a := range t.Attr {
		if a.Key == "href" && a.Namespace == "" {
			href = a.Val
		}
	}
	if href == "" {
		return false
	}
	b.WriteString(`<a href="`)
	escapeHTML(b, href)
	b.WriteString(`"`)
	writeClass(b, t)
	b.WriteString(` rel="` + linkRel + `" target="_blank">`)
	return true
}

// writeClass writes a class attribute holding the allowed classes of t, or
// nothing when none is left.
func writeClass(b *strings.Builder, t html.Token) {
	var kept []string
	for _, a := range t.Attr {
		if a.Key != "class" {
			continue
		}
		for _, c := range strings.Fields(a.Val) {
			if isAllowedClass(c) && !contains(kept, c) {
				kept = append(kept, c)
			}
		}
	}
	if len(kept) == 0 {
		return
	}
	b.WriteString(` class="`)
	b.WriteString(strings.Join(kept, " "))
	b.WriteString(`"`)
}

func isAllowedClass(c string) bool {
	for _, a := range allowedClasses {
		if c == a {
			return true
		}
	}
	return false
}

func isKeptElement(name string) bool {
	for _, e := range keptElements {
		if name == e {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// writeTag writes a start tag that bluemonday has already vetted, with its
// attributes re-escaped.
func writeTag(b *strings.Builder, t html.Token) {
	b.WriteString("<")
	b.WriteString(t.Data)
	for _, a := range t.Attr {
		b.WriteString(" ")
		b.WriteString(a.Key)
		b.WriteString(`="`)
		escapeHTML(b, a.Val)
		b.WriteString(`"`)
	}
	b.WriteString(">")
}
