package content

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestSanitize(t *testing.T) {
	s := NewSanitizer()
	const rel = ` rel="nofollow noopener noreferrer" target="_blank"`
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"text", "a & b", "a &amp; b"},
		{"paragraphs", "<p>one<br>two</p><p>three</p>", "<p>one<br />two</p><p>three</p>"},
		{"mastodon mention", `<p><span class="h-card" translate="no"><a href="https://m.example/@a" class="u-url mention" rel="nofollow">@<span>a</span></a></span></p>`,
			`<p><span class="h-card"><a href="https://m.example/@a" class="u-url mention"` + rel + `>@<span>a</span></a></span></p>`},
		{"mastodon hashtag", `<a href="https://m.example/tags/go" class="mention hashtag" rel="tag">#<span>go</span></a>`,
			`<a href="https://m.example/tags/go" class="mention hashtag"` + rel + `>#<span>go</span></a>`},
		{"mastodon link", `<a href="https://example.com/x" target="_blank" rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://</span><span class="">example.com/x</span><span class="invisible"></span></a>`,
			`<a href="https://example.com/x"` + rel + `><span class="invisible">https://</span><span>example.com/x</span><span class="invisible"></span></a>`},
		{"unknown classes dropped", `<span class="evil invisible other ellipsis invisible">x</span>`, `<span class="invisible ellipsis">x</span>`},
		{"only unknown classes", `<span class="big red">x</span>`, `<span>x</span>`},
		{"formatting kept", "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><del>d</del><s>s</s><code>c</code>",
			"<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><del>d</del><s>s</s><code>c</code>"},
		{"blocks kept", "<blockquote><p>q</p></blockquote><pre><code>x := 1</code></pre>", "<blockquote><p>q</p></blockquote><pre><code>x := 1</code></pre>"},
		{"lists kept", `<ol start="3" reversed><li value="5">a</li></ol><ul><li>b</li></ul>`, `<ol start="3" reversed=""><li value="5">a</li></ol><ul><li>b</li></ul>`},
		{"list bad attrs", `<ol start="x" style="color:red"><li value="1;x">a</li></ol>`, `<ol><li>a</li></ol>`},
		{"headings become bold paragraphs", "<h1>Title</h1><h3>Sub</h3><p>text</p>", "<p><strong>Title</strong></p><p><strong>Sub</strong></p><p>text</p>"},
		{"ruby kept", "<ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby>", "<ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby>"},
		{"div and img dropped", `<div><img src="https://x/a.png" alt="a">text</div>`, "text"},
		{"mailto kept", `<a href="mailto:a@b.c">m</a>`, `<a href="mailto:a@b.c"` + rel + `>m</a>`},
		{"relative link unwrapped", `<a href="/relative">r</a>`, "r"},
		{"javascript link unwrapped", `<a href="javascript:alert(1)">x</a>`, "x"},
		{"link without href unwrapped", `<a class="mention">x</a> <a name="y">y</a>`, "x y"},
		{"link target and rel replaced", `<a href="https://x.fr" target="_self" rel="opener">x</a>`, `<a href="https://x.fr"` + rel + `>x</a>`},
		{"script removed with content", "a<script>alert(1)</script>b", "ab"},
		{"style removed with content", "a<style>p{}</style>b", "ab"},
		{"stray end tags", "</a></span>x</p>", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Sanitize(tt.in); got != tt.want {
				t.Errorf("Sanitize(%q)\n got %s\nwant %s", tt.in, got, tt.want)
			}
		})
	}
}

// xssPayloads are classic and less classic injection attempts: script
// elements, event handlers, dangerous URL schemes (plain, encoded, padded),
// SVG and MathML, CSS, frames, and mutation-XSS shapes that try to make a
// parser see markup that the sanitiser saw as text.
var xssPayloads = []string{
	`<script>alert(1)</script>`,
	`<SCRIPT SRC=//evil.example/x.js></SCRIPT>`,
	`<scr<script>ipt>alert(1)</scr</script>ipt>`,
	`<img src=x onerror=alert(1)>`,
	`<img src="x" onerror="alert(1)"/>`,
	`<body onload=alert(1)>`,
	`<p onclick="alert(1)">click</p>`,
	`<a href="javascript:alert(1)">x</a>`,
	`<a href="JaVaScRiPt:alert(1)">x</a>`,
	`<a href=" javascript:alert(1)">x</a>`,
	`<a href="java&#x09;script:alert(1)">x</a>`,
	`<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>`,
	`<a href="&#x6A;avascript:alert(1)">x</a>`,
	`<a href="javascript&colon;alert(1)">x</a>`,
	`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`,
	`<a href="vbscript:msgbox(1)">x</a>`,
	`<a href="https://ok.example" onmouseover="alert(1)">x</a>`,
	`<a href='https://ok.example/"onmouseover="alert(1)'>x</a>`,
	`<a href="https://ok.example/" style="position:fixed;top:0">x</a>`,
	`<svg onload=alert(1)><circle r=10></svg>`,
	`<svg><script>alert(1)</script></svg>`,
	`<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`<iframe src="https://evil.example"></iframe>`,
	`<iframe srcdoc="<script>alert(1)</script>"></iframe>`,
	`<object data="javascript:alert(1)"></object>`,
	`<embed src="javascript:alert(1)">`,
	`<style>@import 'https://evil.example/x.css';</style>`,
	`<span style="background:url(javascript:alert(1))">x</span>`,
	`<link rel=stylesheet href=https://evil.example/x.css>`,
	`<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`,
	`<form action="javascript:alert(1)"><button>x</button></form>`,
	`<input autofocus onfocus=alert(1)>`,
	`<details open ontoggle=alert(1)>`,
	`<video><source onerror="alert(1)"></video>`,
	`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
	`<textarea></textarea><script>alert(1)</script>`,
	`<title><img src=x onerror=alert(1)></title>`,
	`<xmp><script>alert(1)</script></xmp>`,
	`<plaintext><script>alert(1)</script>`,
	`<!--<img src=x onerror=alert(1)>-->`,
	`<![CDATA[<script>alert(1)</script>]]>`,
	`<p title="&quot;><script>alert(1)</script>">x</p>`,
	`<a href="https://ok.example" title='"><script>alert(1)</script>'>x</a>`,
	`"><script>alert(1)</script>`,
	`'';!--"<XSS>=&{()}`,
	`<<script>script>alert(1)<</script>/script>`,
	`<img src="x` + "\x00" + `" onerror=alert(1)>`,
	`<a href="https://ok.example">x</a ><script>alert(1)</script>`,
	`<span class="mention" onclick=alert(1)>x</span>`,
	`<p/onclick=alert(1)>x`,
	`<a/href="javascript:alert(1)">x</a>`,
	`<svg/onload=alert(1)>`,
	`&lt;script&gt;alert(1)&lt;/script&gt;`,
	`&#60;script&#62;alert(1)&#60;/script&#62;`,
	`<base href="javascript:alert(1)//">`,
	`<isindex action=javascript:alert(1) type=image>`,
	`<a href="https://ok.example"><a href="javascript:alert(1)">nested</a></a>`,
	`<h1 onmouseover=alert(1)>title</h1>`,
	`<ol start="1 onclick=alert(1)"><li>x</li></ol>`,
}

// assertInert fails unless out is HTML that cannot run code: no element
// outside allowed, no event-handler or style attribute, no href outside
// http(s)/mailto and the other link schemes, and no literal "<script".
func assertInert(t *testing.T, in, out string, allowed map[string]bool) {
	t.Helper()
	if strings.Contains(strings.ToLower(out), "<script") {
		t.Errorf("input %q: output contains <script: %s", in, out)
	}
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			if tt == html.CommentToken || tt == html.DoctypeToken {
				t.Errorf("input %q: output has a comment or doctype: %s", in, out)
			}
			continue
		}
		tok := z.Token()
		if !allowed[tok.Data] {
			t.Errorf("input %q: output has element <%s>: %s", in, tok.Data, out)
		}
		for _, a := range tok.Attr {
			key := strings.ToLower(a.Key)
			switch {
			case strings.HasPrefix(key, "on"), key == "style", key == "src", key == "srcdoc", key == "action", key == "formaction":
				t.Errorf("input %q: output has attribute %s: %s", in, a.Key, out)
			case key == "href":
				if !hrefIsSafe(a.Val) {
					t.Errorf("input %q: output has href %q: %s", in, a.Val, out)
				}
			}
		}
	}
}

// hrefIsSafe reports whether a decoded href uses a harmless scheme, after
// removing what browsers ignore (controls and white space).
func hrefIsSafe(href string) bool {
	v := strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToLower(href))
	for _, scheme := range linkSchemes {
		if strings.HasPrefix(v, scheme+":") {
			return true
		}
	}
	return strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//")
}

var sanitizedElements = map[string]bool{
	"p": true, "br": true, "span": true, "a": true, "del": true, "s": true, "pre": true,
	"blockquote": true, "code": true, "b": true, "strong": true, "u": true, "i": true,
	"em": true, "ul": true, "ol": true, "li": true, "ruby": true, "rt": true, "rp": true,
}

var renderedElements = map[string]bool{"p": true, "br": true, "span": true, "a": true}

func TestSanitizeXSS(t *testing.T) {
	s := NewSanitizer()
	for _, in := range xssPayloads {
		out := s.Sanitize(in)
		assertInert(t, in, out, sanitizedElements)
		if again := s.Sanitize(out); again != out {
			t.Errorf("Sanitize is not idempotent on %q:\nonce  %s\ntwice %s", in, out, again)
		}
		// Wrapped in a post's usual markup, too.
		wrapped := `<p>hi <span class="h-card">` + in + `</span></p>`
		assertInert(t, wrapped, s.Sanitize(wrapped), sanitizedElements)
	}
}

func TestRenderXSS(t *testing.T) {
	r := testRenderer()
	for _, in := range xssPayloads {
		for _, text := range []string{in, "@alice " + in + " #tag https://ok.example/" + in} {
			assertInert(t, text, r.Render(text), renderedElements)
		}
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"paragraphs", "<p>one</p><p>two</p>", "one\n\ntwo"},
		{"line breaks", "<p>one<br>two<br/>three</p>", "one\ntwo\nthree"},
		{"entities", "<p>a &amp; b &lt;c&gt; &#39;d&#39; &eacute;</p>", "a & b <c> 'd' é"},
		{"mastodon link", `<p>see <a href="https://example.com/a/very/long/path/that/goes/on"><span class="invisible">https://</span><span class="ellipsis">example.com/a/very/long/path/t</span><span class="invisible">hat/goes/on</span></a> now</p>`,
			"see https://example.com/a/very/long/path/that/goes/on now"},
		{"mention", `<p><span class="h-card"><a href="https://x/@a" class="u-url mention">@<span>a</span></a></span> hi</p>`, "@a hi"},
		{"whitespace collapsed", "<p>  a \n\t b  </p>\n\n<p>c</p>", "a b\n\nc"},
		{"inline tags join words", "<p>Par<b>vis</b> is <i>here</i>.</p>", "Parvis is here."},
		{"pre kept", "<pre>a\n  b</pre><p>c</p>", "a\n  b\n\nc"},
		{"script and style skipped", "<p>a<script>alert(1)</script><style>p{}</style>b</p>", "ab"},
		{"lists", "<ul><li>one</li><li>two</li></ul><p>after</p>", "one\ntwo\n\nafter"},
		{"blockquote", "<p>x</p><blockquote><p>quoted</p></blockquote>", "x\n\nquoted"},
		{"plain text in", "just text", "just text"},
		{"rendered post", testRenderer().Render("Hi @alice\n\n#tag https://example.com/x"), "Hi @alice\n\n#tag https://example.com/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlainText(tt.in); got != tt.want {
				t.Errorf("PlainText(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}
