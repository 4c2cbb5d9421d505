package content

import (
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/render")

// testRenderer resolves two known accounts, links tags to /tags/NAME and
// rewrites links to tracked links, as the post service will.
func testRenderer() Renderer {
	known := map[string]string{
		"alice":              "https://parvis.example/@alice",
		"bob@example.social": "https://example.social/@bob",
	}
	return Renderer{
		MentionURL: func(username, domain string) (string, bool) {
			acct := username
			if domain != "" {
				acct += "@" + domain
			}
			u, ok := known[strings.ToLower(acct)]
			return u, ok
		},
		HashtagURL: func(tag string) string {
			return "https://parvis.example/tags/" + url.PathEscape(NormalizeTag(tag))
		},
		LinkHref: func(raw string) string {
			return "https://parvis.example/l/" + url.PathEscape(raw[len(raw)-3:])
		},
	}
}

func TestRenderFormats(t *testing.T) {
	r := testRenderer()
	tests := []struct {
		name string
		text string
		want string
	}{
		{"empty", "", ""},
		{"blank", " \n\n \t\n", ""},
		{"plain", "Bonjour", "<p>Bonjour</p>"},
		{"escaping", `a < b & "c" > 'd'`, "<p>a &lt; b &amp; &#34;c&#34; &gt; &#39;d&#39;</p>"},
		{"line break", "one\ntwo", "<p>one<br />two</p>"},
		{"crlf", "one\r\ntwo\r\n\r\nthree\rfour", "<p>one<br />two</p><p>three<br />four</p>"},
		{"paragraphs", "one\n\ntwo\n\n\n\nthree", "<p>one</p><p>two</p><p>three</p>"},
		{"blank line with spaces", "one\n  \ntwo", "<p>one</p><p>two</p>"},
		{"surrounding blank lines", "\n\none\n\n", "<p>one</p>"},
		{"known mention", "hi @alice", `<p>hi <span class="h-card"><a href="https://parvis.example/@alice" class="u-url mention">@<span>alice</span></a></span></p>`},
		{"remote mention shows username", "@bob@example.social", `<p><span class="h-card"><a href="https://example.social/@bob" class="u-url mention">@<span>bob</span></a></span></p>`},
		{"unknown mention stays text", "hi @carol@x.org", "<p>hi @carol@x.org</p>"},
		{"hashtag", "#Café", `<p><a href="https://parvis.example/tags/cafe" class="mention hashtag" rel="tag">#<span>Café</span></a></p>`},
		{"short link", "https://go.dev", `<p><a href="https://parvis.example/l/dev" target="_blank" rel="nofollow noopener noreferrer"><span class="invisible">https://</span><span class="">go.dev</span><span class="invisible"></span></a></p>`},
		{"long link", "https://www.example.com/a/very/long/path/that/goes/on?and=on",
			`<p><a href="https://parvis.example/l/=on" target="_blank" rel="nofollow noopener noreferrer"><span class="invisible">https://www.</span><span class="ellipsis">example.com/a/very/long/path/t</span><span class="invisible">hat/goes/on?and=on</span></a></p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.Render(tt.text); got != tt.want {
				t.Errorf("Render(%q)\n got %s\nwant %s", tt.text, got, tt.want)
			}
		})
	}
}

func TestRenderWithoutFunctions(t *testing.T) {
	got := Renderer{}.Render("@alice #tag https://example.com/x")
	want := `<p>@alice #tag <a href="https://example.com/x" target="_blank" rel="nofollow noopener noreferrer"><span class="invisible">https://</span><span class="">example.com/x</span><span class="invisible"></span></a></p>`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestRenderRefusesUnsafeHrefs(t *testing.T) {
	for _, href := range []string{"javascript:alert(1)", "data:text/html,x", "//evil.example/x", `/\evil`, "vbscript:x", " https://x.fr"} {
		r := Renderer{
			MentionURL: func(string, string) (string, bool) { return href, true },
			HashtagURL: func(string) string { return href },
			LinkHref:   func(string) string { return href },
		}
		got := r.Render("@a #b https://c.fr")
		if strings.Contains(got, "<a") {
			t.Errorf("href %q: got %s, want no link at all", href, got)
		}
	}
}

func TestRenderEntitiesIgnoresBadEntities(t *testing.T) {
	text := "hello #world"
	bad := []Entity{
		{Kind: KindHashtag, Start: 6, End: 12, Tag: "world"},
		{Kind: KindHashtag, Start: 3, End: 8, Tag: "overlap"},
		{Kind: KindHashtag, Start: 10, End: 99, Tag: "out of bounds"},
		{Kind: KindHashtag, Start: -1, End: 2, Tag: "negative"},
	}
	got := testRenderer().RenderEntities(text, bad)
	want := `<p>hello <a href="https://parvis.example/tags/world" class="mention hashtag" rel="tag">#<span>world</span></a></p>`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestRenderGolden renders each testdata/render/*.txt and compares with the
// .html beside it. Run with -update to rewrite the .html files after a
// deliberate change, then review the diff.
func TestRenderGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "render", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) == 0 {
		t.Fatal("no golden inputs in testdata/render")
	}
	r := testRenderer()
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			text, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := r.Render(string(text)) + "\n"
			goldenPath := strings.TrimSuffix(in, ".txt") + ".html"
			if *update {
				if err := os.WriteFile(goldenPath, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("%v (run go test -run TestRenderGolden -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestLength(t *testing.T) {
	tests := []struct {
		text string
		want int
	}{
		{"", 0},
		{"hello", 5},
		{"héllo", 5},
		{"he\u0301llo", 5},
		{"日本語", 3},
		{"👍", 1},
		{"👍🏽", 1},
		{"👨‍👩‍👧‍👦", 1},
		{"🇫🇷🇩🇪", 2},
		{"🇫", 1},
		{"❤️", 1},
		{"a\r\nb", 3},
		{"한국어", 3},
		{"\u1112\u1161\u11ab", 1}, // a Hangul syllable spelt in jamo
		{"https://example.com/a/very/long/path/that/is/long", 23},
		{"voir https://a.fr.", 5 + 23 + 1},
		{"@alice", 6},
		{"@alice@a.very.long.domain.example", 6},
		{"#hashtag", 8},
		{"mail a@b.com", 12},
	}
	for _, tt := range tests {
		if got := Length(tt.text); got != tt.want {
			t.Errorf("Length(%q) = %d, want %d", tt.text, got, tt.want)
		}
	}
}
