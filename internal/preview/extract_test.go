package preview

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// repeatReader yields pattern over and over, n bytes in all, without
// holding them in memory.
type repeatReader struct {
	pattern []byte
	n       int64
	off     int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.pattern[r.off:])
		n += c
		r.off = (r.off + c) % len(r.pattern)
	}
	r.n -= int64(n)
	return n, nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type goldenCase struct {
	name        string // testdata/<name>.html, compared with testdata/<name>.json
	contentType string
	pageURL     string
	tail        func() io.Reader // appended to the file, for the huge pages
	maxRead     int64            // when set, the most bytes Extract may read
}

var goldenCases = []goldenCase{
	{name: "article", contentType: "text/html; charset=utf-8", pageURL: "https://journal.example/2024/05/02/le-parvis-souvre.html?utm_source=mastodon"},
	{name: "title-only", contentType: "text/html", pageURL: "https://petit.example/"},
	{name: "latin1", contentType: "text/html", pageURL: "http://vieux-site.example/cafe.html"},
	{name: "shift-jis", contentType: "text/html; charset=Shift_JIS", pageURL: "https://jp.example/page"},
	{name: "undeclared-utf8", contentType: "text/html", pageURL: "https://utf8.example/"},
	{name: "relative-image", contentType: "text/html", pageURL: "https://blog.example.org/posts/2024/hello.html?ref=feed"},
	{name: "base-href", contentType: "text/html", pageURL: "https://photos.example/p/1"},
	{name: "video", contentType: "text/html", pageURL: "https://videos.example/watch?v=talk"},
	{name: "hostile", contentType: "text/html", pageURL: "https://hostile.example/post"},
	{
		name: "huge", contentType: "text/html", pageURL: "https://long.example/",
		tail: func() io.Reader {
			return &repeatReader{pattern: []byte("<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>\n"), n: 64 << 20}
		},
		maxRead: 64 << 10,
	},
	{
		name: "huge-head", contentType: "text/html", pageURL: "https://long.example/head",
		tail: func() io.Reader {
			flood := &repeatReader{pattern: []byte(`<meta name="x-filler" content="filler filler filler">` + "\n"), n: 4 << 20}
			late := strings.NewReader(`<meta property="og:title" content="Too late: beyond the limit"></head><body>`)
			return io.MultiReader(flood, late)
		},
		maxRead: MaxHeadBytes,
	},
}

func TestExtractGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			page, err := os.ReadFile(filepath.Join("testdata", tc.name+".html"))
			if err != nil {
				t.Fatal(err)
			}
			var r io.Reader = bytes.NewReader(page)
			if tc.tail != nil {
				r = io.MultiReader(r, tc.tail())
			}
			counter := &countingReader{r: r}
			card, err := Extract(counter, tc.contentType, mustParse(t, tc.pageURL))
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if tc.maxRead > 0 && counter.n > tc.maxRead {
				t.Errorf("got %d bytes read, want at most %d", counter.n, tc.maxRead)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(card); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			goldenPath := filepath.Join("testdata", tc.name+".json")
			if *update {
				if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("card differs from %s\ngot:\n%s\nwant:\n%s", goldenPath, got, want)
			}
		})
	}
}

func mustParse(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestExtractRejectsBadPageURL(t *testing.T) {
	for _, s := range []string{"", "/relative", "ftp://example.com/", "javascript:alert(1)", "https:///no-host"} {
		u, _ := url.Parse(s)
		if _, err := Extract(strings.NewReader("<title>x</title>"), "text/html", u); err == nil {
			t.Errorf("Extract with page URL %q: got nil error, want one", s)
		}
	}
	if _, err := Extract(strings.NewReader("<title>x</title>"), "text/html", nil); err == nil {
		t.Error("Extract with a nil page URL: got nil error, want one")
	}
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

func TestExtractReportsReadErrors(t *testing.T) {
	boom := io.ErrClosedPipe
	r := io.MultiReader(strings.NewReader("<html><head><title>Half"), failingReader{boom})
	_, err := Extract(r, "text/html", mustParse(t, "https://example.com/"))
	if err == nil || !strings.Contains(err.Error(), boom.Error()) {
		t.Errorf("got %v, want an error wrapping %v", err, boom)
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"  a \n\t b  ", 10, "a b"},
		{"Tom &amp; Jerry", 20, "Tom & Jerry"},
		{"AT&T", 20, "AT&T"},
		{"bell\x07 and\x00nul", 20, "bell andnul"},
		{"\xff\xfeinvalid", 20, "\uFFFDinvalid"},
		{"abcdef", 6, "abcdef"},
		{"abcdefg", 6, "abcde…"},
		{"abcd efg", 6, "abcd…"},
		{"ééééééé", 3, "éé…"},
	}
	for _, tt := range tests {
		if got := cleanText(tt.in, tt.max); got != tt.want {
			t.Errorf("cleanText(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestLanguageCode(t *testing.T) {
	tests := map[string]string{
		"fr": "fr", "fr-FR": "fr", "fr_CA": "fr", "EN-us": "en", "zh-Hant-TW": "zh", "ast": "ast",
		"": "", "und": "", "english": "", "e1": "", "x": "",
	}
	for in, want := range tests {
		if got := languageCode(in); got != want {
			t.Errorf("languageCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFediverseAccount(t *testing.T) {
	tests := map[string]string{
		"@camille@Social.Example":         "camille@social.example",
		"camille@social.example":          "camille@social.example",
		" @a@b.c ":                        "a@b.c",
		"@camille":                        "",
		"@@social.example":                "",
		"@a@@b.c":                         "",
		"@a@localhost":                    "",
		"https://social.example/@camille": "",
		"@a b@c.d":                        "",
	}
	for in, want := range tests {
		if got := fediverseAccount(in); got != want {
			t.Errorf("fediverseAccount(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseTime(t *testing.T) {
	tests := map[string]string{
		"2024-05-02T08:15:00+02:00":     "2024-05-02T06:15:00Z",
		"2024-05-02T08:15:00.123+0200":  "2024-05-02T06:15:00.123Z",
		"2024-05-02T08:15:00":           "2024-05-02T08:15:00Z",
		"2024-05-02":                    "2024-05-02T00:00:00Z",
		"Thu, 02 May 2024 08:15:00 GMT": "2024-05-02T08:15:00Z",
		"yesterday":                     "0001-01-01T00:00:00Z",
		"0001-01-01":                    "0001-01-01T00:00:00Z",
	}
	for in, want := range tests {
		if got := parseTime(in).Format("2006-01-02T15:04:05.999Z07:00"); got != want {
			t.Errorf("parseTime(%q) = %s, want %s", in, got, want)
		}
	}
}

// validUTF8 reports whether every text field of c is valid UTF-8.
func validUTF8(c Card) bool {
	for _, s := range []string{c.URL, c.Title, c.Description, c.Type, c.AuthorName, c.AuthorURL, c.ProviderName,
		c.ProviderURL, c.HTML, c.Image, c.ImageDescription, c.EmbedURL, c.Blurhash, c.Language, c.FediverseCreator} {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

func FuzzExtract(f *testing.F) {
	for _, tc := range goldenCases {
		page, err := os.ReadFile(filepath.Join("testdata", tc.name+".html"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(page, tc.contentType)
	}
	f.Add([]byte("<title>&amp;amp;</title><meta property=og:image content=//x>"), "text/html; charset=utf-16")
	page := mustParse(f, "https://fuzz.example/a/b?c=d")
	f.Fuzz(func(t *testing.T, data []byte, contentType string) {
		card, err := Extract(bytes.NewReader(data), contentType, page)
		if err != nil {
			t.Fatalf("Extract: %v", err)
		}
		if !validUTF8(card) {
			t.Fatalf("got a card with invalid UTF-8: %+v", card)
		}
		if card.Type != TypeLink && card.Type != TypePhoto && card.Type != TypeVideo {
			t.Fatalf("got type %q", card.Type)
		}
		if n := utf8.RuneCountInString(card.Title); n > maxTitle {
			t.Fatalf("got a title of %d characters, want at most %d", n, maxTitle)
		}
		if n := utf8.RuneCountInString(card.Description); n > maxDescription {
			t.Fatalf("got a description of %d characters, want at most %d", n, maxDescription)
		}
		for _, u := range []string{card.URL, card.Image, card.AuthorURL, card.ProviderURL, card.EmbedURL} {
			if u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				t.Fatalf("got URL %q, want http or https", u)
			}
		}
		if card.URL == "" {
			t.Fatal("got an empty card URL")
		}
		if card.Width < 0 || card.Width > maxDimension || card.Height < 0 || card.Height > maxDimension {
			t.Fatalf("got size %dx%d", card.Width, card.Height)
		}
	})
}

func BenchmarkExtract(b *testing.B) {
	for _, name := range []string{"article", "huge"} {
		page, err := os.ReadFile(filepath.Join("testdata", name+".html"))
		if err != nil {
			b.Fatal(err)
		}
		u := mustParse(b, "https://bench.example/")
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Extract(bytes.NewReader(page), "text/html; charset=utf-8", u); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestExtractFields(t *testing.T) {
	tests := []struct {
		name  string
		html  string
		check func(c Card) (got, want any)
	}{
		{
			"article:author as a name",
			`<meta property="article:author" content="Ana Lima"><title>t</title>`,
			func(c Card) (any, any) { return c.AuthorName + "|" + c.AuthorURL, "Ana Lima|" },
		},
		{
			"secure_url preferred over http og:image",
			`<meta property="og:image" content="http://img.example/a.jpg"><meta property="og:image:secure_url" content="https://img.example/a.jpg">`,
			func(c Card) (any, any) { return c.Image, "https://img.example/a.jpg" },
		},
		{
			"secure_url over http ignored",
			`<meta property="og:image:url" content="https://img.example/a.jpg"><meta property="og:image:secure_url" content="http://img.example/b.jpg">`,
			func(c Card) (any, any) { return c.Image, "https://img.example/a.jpg" },
		},
		{
			"size of a second og:image not applied to the first",
			`<meta property="og:image" content="/a.jpg"><meta property="og:image" content="/b.jpg"><meta property="og:image:width" content="600"><meta property="og:image:height" content="600">`,
			func(c Card) (any, any) {
				return fmt.Sprint(c.Image, " ", c.Width, "x", c.Height), "https://page.example/a.jpg 0x0"
			},
		},
		{
			"OpenGraph in name attributes",
			`<meta name="og:title" content="From name"><title>From title</title>`,
			func(c Card) (any, any) { return c.Title, "From name" },
		},
		{
			"JSON-LD array, prefixed type, Language object",
			`<title>t</title><script type="application/ld+json">[{"@type":"schema:BlogPosting","inLanguage":{"@type":"Language","name":"German","alternateName":"de"},"author":[{"name":"Kim"}]}]</script>`,
			func(c Card) (any, any) { return c.Language + "|" + c.AuthorName, "de|Kim" },
		},
		{
			"white space after a JSON-LD script is not a script",
			`<script type="application/ld+json">{"@type":"NewsArticle","headline":"Headline"}</script>` + strings.Repeat("\n<!-- -->", 10),
			func(c Card) (any, any) { return c.Title, "Headline" },
		},
		{
			"canonical on another host ignored",
			`<link rel="canonical" href="https://other.example/x"><title>t</title>`,
			func(c Card) (any, any) { return c.URL, "https://page.example/dir/page" },
		},
		{
			"canonical on the same host, in another case",
			`<link rel="canonical" href="https://PAGE.example/clean">`,
			func(c Card) (any, any) { return c.URL, "https://page.example/clean" },
		},
		{
			"body ends the scan",
			`<title>t</title><body><meta property="og:title" content="in body">`,
			func(c Card) (any, any) { return c.Title, "t" },
		},
		{
			"empty title tag",
			`<title></title><meta name="description" content="d">`,
			func(c Card) (any, any) { return c.Title + "|" + c.Description, "|d" },
		},
		{
			"content-language fallback",
			`<meta http-equiv="Content-Language" content="pt-BR">`,
			func(c Card) (any, any) { return c.Language, "pt" },
		},
	}
	page := mustParse(t, "https://page.example/dir/page")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card, err := Extract(strings.NewReader(tt.html), "text/html", page)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := tt.check(card); got != want {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}
