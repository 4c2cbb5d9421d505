package preview

import (
	"fmt"
	"html"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Lengths beyond which card texts are cut, in characters: enough for any
// real title or summary, and a bound on what a page can make Parvis store.
const (
	maxTitle       = 300
	maxDescription = 1000
	maxName        = 200
	maxURLBytes    = 2048
	maxDimension   = 10000
)

// card builds the card from what the scan found.
func (s *scan) card(page *url.URL) Card {
	base := page
	if s.base != "" {
		if u := resolve(page, s.base); u != nil {
			base = u
		}
	}
	ld := parseLinkedData(s.linkedData)
	m := s.meta

	c := Card{Type: TypeLink}
	c.URL = canonical(page, base, s.links["canonical"], m["og:url"])
	c.Title = cleanText(firstOf(m["og:title"], m["twitter:title"], ld.headline, s.title), maxTitle)
	c.Description = cleanText(firstOf(m["og:description"], m["twitter:description"], ld.description, m["description"]), maxDescription)
	c.ProviderName = cleanText(firstOf(ld.publisherName, m["og:site_name"], m["application-name"]), maxName)
	c.ProviderURL = resolveString(base, ld.publisherURL)

	// article:author holds a profile URL by the OpenGraph specification,
	// but many sites put the name there.
	articleAuthor, articleAuthorURL := m["article:author"], ""
	if u, err := url.Parse(strings.TrimSpace(articleAuthor)); err == nil && u.IsAbs() {
		articleAuthor, articleAuthorURL = "", resolveString(base, u.String())
	}
	c.AuthorName = cleanText(firstOf(ld.authorName, m["author"], articleAuthor), maxName)
	c.AuthorURL = firstOf(resolveString(base, ld.authorURL), articleAuthorURL, resolveString(base, s.links["author"]))
	c.FediverseCreator = fediverseAccount(m["fediverse:creator"])

	s.setImage(&c, base, ld.image)

	c.Language = languageCode(firstOf(ld.language, m["og:locale"], s.htmlLang, m["content-language"]))
	c.PublishedAt = parseTime(firstOf(ld.datePublished, m["article:published_time"]))

	if player := s.player(base); player != "" {
		c.Type = TypeVideo
		w := firstOf(m["twitter:player:width"], m["og:video:width"])
		h := firstOf(m["twitter:player:height"], m["og:video:height"])
		c.Width, c.Height = dimension(w), dimension(h)
		c.HTML = iframe(player, c.Width, c.Height)
		c.EmbedURL = s.stream(base)
	} else if strings.EqualFold(m["twitter:card"], "photo") && c.Image != "" {
		c.Type = TypePhoto
		c.EmbedURL = c.Image
	}
	return c
}

// setImage picks the og:image, with its size, or another declared image.
func (s *scan) setImage(c *Card, base *url.URL, linkedDataImage string) {
	m := s.meta
	img := s.image
	// og:image:secure_url is the https copy of og:image.
	if u := resolve(base, img.secureURL); u != nil && u.Scheme == "https" {
		c.Image = u.String()
	} else {
		c.Image = resolveString(base, img.url)
	}
	if c.Image != "" {
		c.Width, c.Height = dimension(img.width), dimension(img.height)
		c.ImageDescription = cleanText(firstOf(img.alt, m["twitter:image:alt"]), maxDescription)
		return
	}
	c.Image = firstOf(
		resolveString(base, m["twitter:image"]),
		resolveString(base, m["twitter:image:src"]),
		resolveString(base, linkedDataImage),
		resolveString(base, s.links["image_src"]),
	)
	if c.Image != "" {
		c.ImageDescription = cleanText(m["twitter:image:alt"], maxDescription)
	}
}

// player returns the URL of an embeddable video player page, https only
// since it ends up in an iframe on an https page.
func (s *scan) player(base *url.URL) string {
	m := s.meta
	candidates := []string{m["twitter:player"]}
	if strings.EqualFold(strings.TrimSpace(m["og:video:type"]), "text/html") {
		candidates = append(candidates, m["og:video:secure_url"], m["og:video:url"], m["og:video"])
	}
	for _, cand := range candidates {
		if u := resolve(base, cand); u != nil && u.Scheme == "https" {
			return u.String()
		}
	}
	return ""
}

// stream returns the URL of the video file itself, when the page gives one.
func (s *scan) stream(base *url.URL) string {
	m := s.meta
	if u := resolveString(base, m["twitter:player:stream"]); u != "" {
		return u
	}
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(m["og:video:type"])), "video/") {
		return firstOf(resolveString(base, m["og:video:secure_url"]), resolveString(base, m["og:video:url"]), resolveString(base, m["og:video"]))
	}
	return ""
}

func iframe(src string, width, height int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<iframe src="%s"`, html.EscapeString(src))
	if width > 0 && height > 0 {
		fmt.Fprintf(&b, ` width="%d" height="%d"`, width, height)
	}
	b.WriteString(` frameborder="0" allowfullscreen="true" sandbox="allow-scripts allow-same-origin allow-popups allow-presentation"></iframe>`)
	return b.String()
}

// canonical returns the page's canonical URL when it is on the same host as
// the page; another host could be used to make a card pass for another
// site's.
func canonical(page, base *url.URL, candidates ...string) string {
	for _, cand := range candidates {
		u := resolve(base, cand)
		if u != nil && strings.EqualFold(u.Hostname(), page.Hostname()) {
			return u.String()
		}
	}
	return withoutUserinfo(page).String()
}

func isHTTP(u *url.URL) bool {
	scheme := strings.ToLower(u.Scheme)
	return (scheme == "http" || scheme == "https") && u.Hostname() != ""
}

// resolve returns ref resolved against base when the result is an http or
// https URL of reasonable length, and nil otherwise.
func resolve(base *url.URL, ref string) *url.URL {
	ref = strings.TrimSpace(ref)
	if ref == "" || len(ref) > maxURLBytes {
		return nil
	}
	u, err := base.Parse(ref)
	if err != nil || !isHTTP(u) {
		return nil
	}
	u = withoutUserinfo(u)
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	if len(u.String()) > maxURLBytes {
		return nil
	}
	return u
}

func resolveString(base *url.URL, ref string) string {
	if u := resolve(base, ref); u != nil {
		return u.String()
	}
	return ""
}

// withoutUserinfo drops credentials from a URL, which have no place in a
// card and help phishing ("https://bank.example@evil.example/").
func withoutUserinfo(u *url.URL) *url.URL {
	if u.User == nil {
		return u
	}
	c := *u
	c.User = nil
	return &c
}

func firstOf(values ...string) string {
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// cleanText makes s fit for a card: valid UTF-8, no control characters,
// runs of white space as one space, and at most max characters.
func cleanText(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	// Many sites escape their meta content twice ("&amp;amp;"); the
	// tokenizer undid one level.
	if strings.Contains(s, "&") && strings.Contains(s, ";") {
		s = html.UnescapeString(s)
	}
	var b strings.Builder
	space, n := false, 0
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsControl(r), r == '\uFEFF':
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
			n++
		}
		space = false
		b.WriteRune(r)
		n++
		if n > max {
			break
		}
	}
	if n > max {
		return strings.TrimRightFunc(truncateRunes(b.String(), max-1), unicode.IsSpace) + "…"
	}
	return b.String()
}

func truncateRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// dimension parses a width or height in pixels ("1200", "1200px",
// "1200.0"), and returns 0 for anything else.
func dimension(s string) int {
	s = strings.TrimSuffix(strings.TrimSpace(s), "px")
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 1 || f > maxDimension {
		return 0
	}
	return int(f)
}

// languageCode returns the primary language subtag of a language tag or
// locale ("fr" for "fr-CA" or "fr_CA"), lower case, or "" when s is not one.
func languageCode(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	if len(s) < 2 || len(s) > 3 {
		return ""
	}
	s = strings.ToLower(s)
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return ""
		}
	}
	if s == "und" || s == "mul" || s == "zxx" {
		return ""
	}
	return s
}

// timeLayouts are the date formats found in article:published_time and
// JSON-LD datePublished, ISO 8601 in its common variants first.
var timeLayouts = [...]string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02",
	time.RFC1123Z,
	time.RFC1123,
}

// parseTime returns the time s names, in UTC, or the zero time. A time
// without a zone is taken as UTC.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() < 1900 || t.Year() > 9999 {
				return time.Time{}
			}
			return t.UTC()
		}
	}
	return time.Time{}
}

// fediverseAccount returns the "user@domain" of a fediverse:creator value
// ("@user@domain"), or "" when it is not one.
func fediverseAccount(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "@")
	user, domain, ok := strings.Cut(s, "@")
	bad := func(r rune) bool { return r <= ' ' || r == 0x7f || strings.ContainsRune("@/:?#", r) }
	if !ok || user == "" || len(s) > 255 || !strings.Contains(strings.Trim(domain, "."), ".") ||
		strings.ContainsFunc(user, bad) || strings.ContainsFunc(domain, bad) {
		return ""
	}
	return user + "@" + strings.ToLower(domain)
}
