package insights

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzBeacon feeds the beacon's input, as a browser posts it (a JSON body
// with the page and its referrer, and a user agent), through the parsing
// and attribution a hit goes through: nothing panics, the source is one of
// the known ones, a post is named only with a positive id, and a referral
// host is short and lowercased.
func FuzzBeacon(f *testing.F) {
	for _, seed := range []struct{ body, ua string }{
		{`{"p":"https://shop.example/a?utm_source=parvis.example&utm_medium=social&utm_campaign=42","r":""}`, "Mozilla/5.0"},
		{`{"p":"https://shop.example/","r":"https://news.example/story"}`, "Mozilla/5.0 (X11)"},
		{`{"p":"https://shop.example/b","r":"https://shop.example/a"}`, "Mozilla/5.0"},
		{`{"p":"https://shop.example/","r":"https://parvis.example/@ana/1"}`, "curl/8"},
		{`{"p":"https://shop.example/?utm_source=newsletter","r":"x"}`, ""},
		{`{"p":"https://[::1]:99/%zz","r":"http://a b"}`, "Mozilla/5.0"},
		{`{"p":"https://shop.example/?utm_source=PARVIS.example&utm_campaign=-1"}`, "Mozilla/5.0"},
		{`{"p":1}`, "Mozilla/5.0"},
		{`not json`, ""},
	} {
		f.Add(seed.body, seed.ua)
	}
	known := map[Source]bool{SourceUnknown: true}
	for _, s := range Sources() {
		known[s] = true
	}
	f.Fuzz(func(t *testing.T, body, ua string) {
		_ = IsBot(ua)
		h := http.Header{}
		h.Set("Sec-Purpose", ua)
		_ = IsPrefetch(h)
		var hit struct {
			Page     string `json:"p"`
			Referrer string `json:"r"`
		}
		if json.NewDecoder(strings.NewReader(body)).Decode(&hit) != nil {
			return
		}
		page, err := url.Parse(hit.Page)
		if err != nil {
			page = nil
		}
		a := Attribute(page, hit.Referrer, "parvis.example")
		if !known[a.Source] || a.Source.String() == "" {
			t.Fatalf("unknown source %d for %q", a.Source, body)
		}
		if (a.Source == SourcePost) != (a.PostID > 0) {
			t.Fatalf("source %s with post id %d for %q", a.Source, a.PostID, body)
		}
		if a.Source == SourceReferral {
			if len(a.Host) > 100 || a.Host != strings.ToLower(a.Host) {
				t.Fatalf("referral host %q", a.Host)
			}
		} else if a.Host != "" {
			t.Fatalf("host %q outside a referral", a.Host)
		}
		_ = SamePage(page, hit.Referrer)
		if tagged, ok := TagLink(hit.Page, "parvis.example", "42"); ok {
			u, err := url.Parse(tagged)
			if err != nil {
				t.Fatalf("TagLink(%q) = %q does not parse: %v", hit.Page, tagged, err)
			}
			if u.Query().Get("utm_medium") == "" {
				t.Fatalf("TagLink(%q) = %q has no utm_medium", hit.Page, tagged)
			}
		} else if tagged != hit.Page {
			t.Fatalf("TagLink changed a link it refused: %q", tagged)
		}
	})
}

// FuzzLinkCode checks the tracked-link and website-key codes: a code is
// always of the valid form and the same for the same input; the validity
// checks never panic and accept only the right length and alphabet.
func FuzzLinkCode(f *testing.F) {
	f.Add([]byte("secret"), int64(1), 0, "https://example.com/", "AbC123xyz789")
	f.Add([]byte{}, int64(-1), -5, "", "")
	f.Add([]byte("s"), int64(1<<62), 1<<20, "http://é.example/%00", "ééééééé")
	f.Add([]byte("s"), int64(7), 3, "x", "0123456789abcdef")
	f.Fuzz(func(t *testing.T, secret []byte, postID int64, index int, rawURL, code string) {
		c := LinkCode(secret, postID, index, rawURL)
		if !ValidLinkCode(c) || c != LinkCode(secret, postID, index, rawURL) {
			t.Fatalf("LinkCode gave %q", c)
		}
		if ValidLinkCode(code) {
			if len(code) != LinkCodeLength || !utf8.ValidString(code) || strings.ContainsAny(code, "/?#%&=+ ") {
				t.Fatalf("ValidLinkCode accepted %q", code)
			}
		}
		if ValidSiteKey(code) && len(code) != SiteKeyLength {
			t.Fatalf("ValidSiteKey accepted %q", code)
		}
	})
}
