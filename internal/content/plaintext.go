package content

import (
	"strings"

	"golang.org/x/net/html"
)

// PlainText returns the text of an HTML fragment (a rendered or sanitised
// post) for search indexing, notifications and topic extraction: tags
// removed, entities decoded, a blank line between paragraphs and other
// blocks, a line break for <br> and between list items, white space
// collapsed as a browser would except inside <pre>, and the contents of
// script, style and similar elements left out. Links read as their full
// URL, since Mastodon's hidden spans hold the parts that are not displayed.
func PlainText(fragment string) string {
	var p plainWriter
	p.b.Grow(len(fragment))
	z := html.NewTokenizer(strings.NewReader(fragment))
	skip, pre := 0, 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return strings.TrimSpace(p.b.String())
		case html.TextToken:
			if skip == 0 {
				p.text(string(z.Text()), pre > 0)
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			start := tt != html.EndTagToken
			switch {
			case skip > 0 && !isInvisibleElement(tag):
			case isInvisibleElement(tag):
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case tag == "br":
				p.lineBreak(1)
			case tag == "li" || tag == "tr" || tag == "dt" || tag == "dd":
				p.lineBreak(1)
			case tag == "pre":
				p.lineBreak(2)
				if tt == html.StartTagToken {
					pre++
				} else if !start && pre > 0 {
					pre--
				}
			case isBlockElement(tag):
				p.lineBreak(2)
			}
		}
	}
}

// plainWriter accumulates text, collapsing white space and line breaks.
type plainWriter struct {
	b       strings.Builder
	breaks  int  // line breaks owed before the next text
	space   bool // a space is owed before the next text
	started bool // some text has been written
}

func (p *plainWriter) lineBreak(n int) {
	if n > p.breaks {
		p.breaks = n
	}
	p.space = false
}

func (p *plainWriter) text(s string, pre bool) {
	if pre {
		p.flush()
		p.b.WriteString(s)
		return
	}
	if s != "" && isHTMLSpace(rune(s[0])) {
		p.space = true
	}
	for i, w := range strings.FieldsFunc(s, isHTMLSpace) {
		if i > 0 {
			p.space = true
		}
		p.flush()
		p.b.WriteString(w)
	}
	// Text that ends in white space owes a space to what follows; text that
	// does not lets the next word stick to it ("<b>Par</b>vis").
	if s != "" && isHTMLSpace(rune(s[len(s)-1])) {
		p.space = true
	}
}

// flush writes the separators owed before new text.
func (p *plainWriter) flush() {
	switch {
	case !p.started:
	case p.breaks > 0:
		p.b.WriteString(strings.Repeat("\n", p.breaks))
	case p.space:
		p.b.WriteByte(' ')
	}
	p.breaks, p.space, p.started = 0, false, true
}

func isHTMLSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f'
}

func isInvisibleElement(tag string) bool {
	switch tag {
	case "script", "style", "template", "noscript", "iframe", "object", "head", "title", "svg", "math", "textarea", "select":
		return true
	}
	return false
}

func isBlockElement(tag string) bool {
	switch tag {
	case "p", "div", "blockquote", "ul", "ol", "dl", "table", "h1", "h2", "h3", "h4", "h5", "h6",
		"section", "article", "header", "footer", "aside", "nav", "figure", "hr", "details", "summary", "main":
		return true
	}
	return false
}
