package content

import (
	"strings"
	"unicode/utf8"
)

// linkRel is the rel attribute of every link Parvis renders or lets through:
// no SEO credit to the target, no window.opener, no Referer header.
const linkRel = "nofollow noopener noreferrer"

// displayedURLChars is how many characters of a link Mastodon shows before
// it cuts the rest off with an ellipsis.
const displayedURLChars = 30

// Renderer turns a post's plain text into the HTML that Mastodon apps
// display. Its functions say where things point; any of them may be nil.
// A Renderer holds no state, so one value can be shared by goroutines as
// long as its functions can.
type Renderer struct {
	// MentionURL returns the profile URL of the mentioned account, or false
	// when the account is unknown, in which case the mention stays plain
	// text. domain is "" for a local mention. A nil MentionURL leaves every
	// mention as plain text.
	MentionURL func(username, domain string) (profileURL string, ok bool)

	// HashtagURL returns the URL of a tag's page. A nil HashtagURL (or an
	// empty result) leaves hashtags as plain text.
	HashtagURL func(tag string) string

	// LinkHref returns the href for a link typed in the text, for example a
	// tracked https://DOMAIN/l/CODE URL; the displayed text stays the URL as
	// typed. A nil LinkHref (or an empty result) uses the URL itself.
	LinkHref func(rawURL string) string
}

// Render parses text and renders it; see RenderEntities.
func (r Renderer) Render(text string) string {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	return r.RenderEntities(text, Parse(text))
}

// RenderEntities renders text, whose entities a caller has already found
// with Parse, to HTML the way Mastodon does: paragraphs in <p> split on
// blank lines, <br /> for single line breaks, mentions as h-card links,
// hashtags as rel="tag" links, and links with Mastodon's shortened display.
// All text is HTML-escaped, and a URL returned by the Renderer's functions is
// used only when it is an http(s) URL or a path starting with "/"; anything
// else leaves the entity as plain text. Entities that are out of order, out
// of bounds or cross a line break are rendered as plain text. Blank or empty
// text renders as "".
func (r Renderer) RenderEntities(text string, entities []Entity) string {
	var b strings.Builder
	b.Grow(len(text) + len(text)/4 + 240*len(entities))
	inPara, blank := false, false
	ei := 0
	for pos := 0; pos <= len(text); {
		lineEnd := strings.IndexAny(text[pos:], "\r\n")
		next := len(text) + 1
		if lineEnd < 0 {
			lineEnd = len(text)
		} else {
			lineEnd += pos
			next = lineEnd + 1
			if text[lineEnd] == '\r' && next < len(text) && text[next] == '\n' {
				next++
			}
		}
		if isBlankLine(text[pos:lineEnd]) {
			blank = blank || inPara
		} else {
			switch {
			case !inPara:
				b.WriteString("<p>")
				inPara = true
			case blank:
				b.WriteString("</p><p>")
			default:
				b.WriteString("<br />")
			}
			blank = false
			ei = r.writeLine(&b, text, pos, lineEnd, entities, ei)
		}
		pos = next
	}
	if inPara {
		b.WriteString("</p>")
	}
	return b.String()
}

func isBlankLine(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' && s[i] != '\t' && s[i] != '\f' && s[i] != '\v' {
			return false
		}
	}
	return true
}

// writeLine writes text[start:end], which holds no line break, with the
// entities that lie inside it, and returns the index of the first entity
// not consumed.
func (r Renderer) writeLine(b *strings.Builder, text string, start, end int, entities []Entity, ei int) int {
	cursor := start
	for ; ei < len(entities) && entities[ei].Start < end; ei++ {
		e := entities[ei]
		if e.Start < cursor || e.End > end || e.End <= e.Start {
			continue
		}
		if !r.writeEntity(b, text[cursor:e.Start], text[e.Start:e.End], e) {
			continue
		}
		cursor = e.End
	}
	escapeHTML(b, text[cursor:end])
	return ei
}

// writeEntity writes the plain text before the entity and the entity's
// HTML, and reports whether it did; it writes nothing when the entity must
// stay plain text.
func (r Renderer) writeEntity(b *strings.Builder, before, raw string, e Entity) bool {
	switch e.Kind {
	case KindMention:
		if r.MentionURL == nil {
			return false
		}
		href, ok := r.MentionURL(e.Username, e.Domain)
		if !ok || !safeHref(href) {
			return false
		}
		escapeHTML(b, before)
		b.WriteString(`<span class="h-card"><a href="`)
		escapeHTML(b, href)
		b.WriteString(`" class="u-url mention">@<span>`)
		escapeHTML(b, e.Username)
		b.WriteString(`</span></a></span>`)
		return true
	case KindHashtag:
		if r.HashtagURL == nil {
			return false
		}
		href := r.HashtagURL(e.Tag)
		if !safeHref(href) {
			return false
		}
		escapeHTML(b, before)
		b.WriteString(`<a href="`)
		escapeHTML(b, href)
		b.WriteString(`" class="mention hashtag" rel="tag">#<span>`)
		escapeHTML(b, e.Tag)
		b.WriteString(`</span></a>`)
		return true
	case KindLink:
		href := raw
		if r.LinkHref != nil {
			if h := r.LinkHref(raw); h != "" {
				href = h
			}
		}
		if !safeHref(href) {
			return false
		}
		escapeHTML(b, before)
		writeLink(b, href, raw)
		return true
	}
	return false
}

// writeLink writes a link the way Mastodon shortens it: the scheme and
// "www." hidden, the next 30 characters shown, the rest hidden behind an
// ellipsis. Copying the text still copies the whole URL.
func writeLink(b *strings.Builder, href, display string) {
	prefix := urlPrefix(display)
	rest := display[len(prefix):]
	cut := len(rest)
	for i, n := 0, 0; i < len(rest); n++ {
		if n == displayedURLChars {
			cut = i
			break
		}
		_, size := utf8.DecodeRuneInString(rest[i:])
		i += size
	}
	b.WriteString(`<a href="`)
	escapeHTML(b, href)
	b.WriteString(`" target="_blank" rel="` + linkRel + `"><span class="invisible">`)
	escapeHTML(b, prefix)
	if cut < len(rest) {
		b.WriteString(`</span><span class="ellipsis">`)
	} else {
		b.WriteString(`</span><span class="">`)
	}
	escapeHTML(b, rest[:cut])
	b.WriteString(`</span><span class="invisible">`)
	escapeHTML(b, rest[cut:])
	b.WriteString(`</span></a>`)
}

// urlPrefix returns the part of a URL that Mastodon hides: the scheme and a
// leading "www.".
func urlPrefix(u string) string {
	n := 0
	switch {
	case hasPrefixFold(u, "https://"):
		n = len("https://")
	case hasPrefixFold(u, "http://"):
		n = len("http://")
	default:
		return ""
	}
	if hasPrefixFold(u[n:], "www.") {
		n += len("www.")
	}
	return u[:n]
}

// safeHref reports whether href may go into an href attribute: an http(s)
// URL or a path on this server. Everything else (javascript:, data:, a
// scheme-relative "//host") is refused, whatever a caller's function returns.
func safeHref(href string) bool {
	switch {
	case hasPrefixFold(href, "https://"), hasPrefixFold(href, "http://"):
		return true
	case len(href) > 1 && href[0] == '/' && href[1] != '/' && href[1] != '\\':
		return true
	case href == "/":
		return true
	}
	return false
}

// escapeHTML writes s with the five HTML-special characters and CR escaped,
// NUL and invalid UTF-8 replaced by U+FFFD, so that the output is always valid
// UTF-8 and can be placed in text or in a quoted attribute.
func escapeHTML(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		var repl string
		switch {
		case c == '&':
			repl = "&amp;"
		case c == '<':
			repl = "&lt;"
		case c == '>':
			repl = "&gt;"
		case c == '"':
			repl = "&#34;"
		case c == '\'':
			repl = "&#39;"
		case c == '\r':
			// Parsers turn a raw CR into LF; escaped, it survives a
			// round trip (which keeps Sanitize idempotent).
			repl = "&#13;"
		case c == 0:
			repl = "\uFFFD"
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				repl = "\uFFFD"
			} else {
				i += n
				continue
			}
		default:
			i++
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(repl)
		i++
		last = i
	}
	b.WriteString(s[last:])
}
