package preview

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// MaxHeadBytes is how much of a document Extract reads at most. Reading
// stops earlier at the end of the <head>; the limit only matters for pages
// whose head is huge or never ends.
const MaxHeadBytes = 1 << 20

// sniffBytes is how much of the document is examined to decide between
// UTF-8 and windows-1252, when the declared charset cannot be trusted.
const sniffBytes = 64 << 10

// Bounds on what is kept of JSON-LD scripts, so that a page cannot make
// the extractor hold or parse much more than its useful metadata.
const (
	maxLinkedDataScripts = 8
	maxLinkedDataBytes   = 256 << 10
)

// Extract reads the head of the HTML document r and returns the card it
// describes. contentType is the response's Content-Type header (its charset
// parameter, if any, names the document's encoding) and pageURL the
// document's URL, against which relative URLs are resolved. Extract reads at
// most MaxHeadBytes from r.
func Extract(r io.Reader, contentType string, pageURL *url.URL) (Card, error) {
	if pageURL == nil || !isHTTP(pageURL) {
		return Card{}, fmt.Errorf("%w: the page URL must be an absolute http or https URL", ErrInvalidURL)
	}
	r = io.LimitReader(r, MaxHeadBytes)
	// The HTML standard looks for a charset declaration in the first
	// 1024 bytes.
	sample, err := readSample(r, make([]byte, 1024))
	if err != nil {
		return Card{}, err
	}
	enc, name, _ := charset.DetermineEncoding(sample, contentType)
	if name == "windows-1252" {
		// windows-1252 is also what a page gets when it declares nothing
		// in its first 1024 bytes, and what servers send by default for
		// latin1; yet most such pages are UTF-8. Text that is valid UTF-8
		// and not ASCII is practically never windows-1252 (it would read
		// as "Ã©"), so such a page is taken as UTF-8.
		longer := make([]byte, sniffBytes)
		copy(longer, sample)
		rest, err := readSample(r, longer[len(sample):])
		if err != nil {
			return Card{}, err
		}
		sample = longer[:len(sample)+len(rest)]
		if validNonASCIIUTF8(sample) {
			enc, name = nil, "utf-8"
		}
	}
	var src io.Reader = io.MultiReader(bytes.NewReader(sample), r)
	switch {
	case name == "utf-8" && bytes.HasPrefix(sample, []byte("\xef\xbb\xbf")):
		src = transform.NewReader(src, unicode.UTF8BOM.NewDecoder())
	case name != "utf-8":
		src = transform.NewReader(src, enc.NewDecoder())
	}
	var s scan
	if err := s.run(src); err != nil {
		return Card{}, err
	}
	return s.card(pageURL), nil
}

// readSample fills buf from r as far as r goes, and returns what it read.
func readSample(r io.Reader, buf []byte) ([]byte, error) {
	n, err := io.ReadFull(r, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("preview: reading the page: %w", err)
	}
	return buf[:n], nil
}

func validNonASCIIUTF8(b []byte) bool {
	// A rune cut at the end of the sample is not an encoding error.
	for i := len(b) - 1; i >= 0 && i >= len(b)-3; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				b = b[:i]
			}
			break
		}
	}
	nonASCII := false
	for _, c := range b {
		if c >= utf8.RuneSelf {
			nonASCII = true
			break
		}
	}
	return nonASCII && utf8.Valid(b)
}

// scan collects the metadata of a document's head, the first value of
// each kind winning.
type scan struct {
	title     string
	htmlLang  string
	base      string
	meta      map[string]string
	links     map[string]string // rel → href
	image     ogImage
	imageDone bool // a second og:image started: ignore the properties of later images

	linkedData      []string
	linkedDataBytes int
}

// ogImage is the first og:image with its structured properties.
type ogImage struct {
	url, secureURL, width, height, alt string
	seen                               bool
}

// wantedMeta reports whether the card is built from the meta name or
// property key; the others are not kept.
func wantedMeta(key string) bool {
	switch key {
	case "og:title", "og:description", "og:url", "og:type", "og:site_name", "og:locale",
		"og:video", "og:video:url", "og:video:secure_url", "og:video:type", "og:video:width", "og:video:height",
		"article:author", "article:published_time",
		"twitter:title", "twitter:description", "twitter:card",
		"twitter:image", "twitter:image:src", "twitter:image:alt",
		"twitter:player", "twitter:player:width", "twitter:player:height", "twitter:player:stream",
		"description", "author", "application-name", "fediverse:creator", "content-language":
		return true
	}
	return false
}

func (s *scan) run(r io.Reader) error {
	s.meta = make(map[string]string)
	s.links = make(map[string]string)
	z := html.NewTokenizer(r)
	inTitle, inLinkedData := false, false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if err := z.Err(); err != io.EOF {
				return fmt.Errorf("preview: reading the page: %w", err)
			}
			return nil
		case html.TextToken:
			switch {
			case inTitle && s.title == "":
				s.title = string(z.Text())
			case inLinkedData:
				s.addLinkedData(z.Text())
				inLinkedData = false
			}
		case html.EndTagToken:
			inLinkedData = false
			name, _ := z.TagName()
			switch string(name) {
			case "head":
				return nil
			case "title":
				inTitle = false
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			inLinkedData = false
			switch string(name) {
			case "body":
				return nil
			case "title":
				inTitle = tt == html.StartTagToken
			case "html":
				if hasAttr {
					s.html(z)
				}
			case "meta":
				if hasAttr {
					s.metaTag(z)
				}
			case "link":
				if hasAttr {
					s.linkTag(z)
				}
			case "base":
				if hasAttr && s.base == "" {
					s.base = attr(z, "href")
				}
			case "script":
				inLinkedData = hasAttr && tt == html.StartTagToken && isLinkedData(attr(z, "type"))
			}
		}
	}
}

// attr returns the value of the attribute key of the current tag. It
// consumes the tag's attributes.
func attr(z *html.Tokenizer, key string) string {
	for {
		k, v, more := z.TagAttr()
		if string(k) == key {
			return string(v)
		}
		if !more {
			return ""
		}
	}
}

func isLinkedData(mediaType string) bool {
	return strings.EqualFold(strings.TrimSpace(mediaType), "application/ld+json")
}

func (s *scan) html(z *html.Tokenizer) {
	for more := true; more; {
		var k, v []byte
		k, v, more = z.TagAttr()
		if (string(k) == "lang" || string(k) == "xml:lang") && s.htmlLang == "" {
			s.htmlLang = string(v)
		}
	}
}

func (s *scan) metaTag(z *html.Tokenizer) {
	var property, name, content string
	hasContent := false
	for more := true; more; {
		var k, v []byte
		k, v, more = z.TagAttr()
		switch string(k) {
		case "property":
			property = string(v)
		case "name", "http-equiv":
			name = string(v)
		case "content":
			content, hasContent = string(v), true
		}
	}
	content = strings.TrimSpace(content)
	if !hasContent || content == "" {
		return
	}
	// Some pages put OpenGraph names in "name" and others put them in
	// "property"; a few give both, different.
	s.addMeta(strings.ToLower(strings.TrimSpace(property)), content)
	s.addMeta(strings.ToLower(strings.TrimSpace(name)), content)
}

func (s *scan) addMeta(key, content string) {
	if key == "" {
		return
	}
	if strings.HasPrefix(key, "og:image") {
		s.addImage(key, content)
		return
	}
	if wantedMeta(key) {
		if _, ok := s.meta[key]; !ok {
			s.meta[key] = content
		}
	}
}

// addImage keeps the first og:image and the properties that follow it, up
// to the next og:image, which starts another image (OpenGraph's
// structured properties).
func (s *scan) addImage(key, content string) {
	if s.imageDone {
		return
	}
	setOnce := func(field *string) {
		if *field == "" {
			*field = content
		}
	}
	img := &s.image
	switch key {
	case "og:image":
		if img.seen {
			s.imageDone = true
			return
		}
		img.seen = true
		setOnce(&img.url)
	case "og:image:url":
		img.seen = true
		setOnce(&img.url)
	case "og:image:secure_url":
		setOnce(&img.secureURL)
	case "og:image:width":
		setOnce(&img.width)
	case "og:image:height":
		setOnce(&img.height)
	case "og:image:alt":
		setOnce(&img.alt)
	}
}

func (s *scan) linkTag(z *html.Tokenizer) {
	var rel, href string
	for more := true; more; {
		var k, v []byte
		k, v, more = z.TagAttr()
		switch string(k) {
		case "rel":
			rel = string(v)
		case "href":
			href = string(v)
		}
	}
	href = strings.TrimSpace(href)
	if href == "" {
		return
	}
	for _, r := range strings.Fields(strings.ToLower(rel)) {
		if _, ok := s.links[r]; !ok {
			s.links[r] = href
		}
	}
}

func (s *scan) addLinkedData(text []byte) {
	if len(s.linkedData) >= maxLinkedDataScripts || s.linkedDataBytes+len(text) > maxLinkedDataBytes {
		return
	}
	s.linkedData = append(s.linkedData, string(text))
	s.linkedDataBytes += len(text)
}
