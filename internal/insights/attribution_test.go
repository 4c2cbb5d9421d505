package insights

import (
	"net/http"
	"net/url"
	"testing"
)

func TestAttribute(t *testing.T) {
	const domain = "parvis.example"
	tests := []struct {
		name, page, referrer string
		want                 Attribution
	}{
		{"tracked link", "https://shop.example/x?utm_source=parvis.example&utm_medium=social&utm_campaign=42", "",
			Attribution{Source: SourcePost, PostID: 42}},
		{"our tags without a post", "https://shop.example/?utm_source=www.Parvis.example", "", Attribution{Source: SourceParvis}},
		{"our pages as referrer", "https://shop.example/", "https://parvis.example/@alice", Attribution{Source: SourceParvis}},
		{"someone else's campaign", "https://shop.example/?utm_source=newsletter&utm_campaign=7", "https://parvis.example/",
			Attribution{Source: SourceCampaign}},
		{"another site", "https://shop.example/", "https://News.Example/a?b=c", Attribution{Source: SourceReferral, Host: "news.example"}},
		{"inside the site", "https://shop.example/b", "https://shop.example/a", Attribution{Source: SourceInternal}},
		{"no referrer", "https://shop.example/", "", Attribution{Source: SourceDirect}},
		{"junk campaign", "https://shop.example/?utm_source=parvis.example&utm_campaign=-3", "", Attribution{Source: SourceParvis}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := url.Parse(tt.page)
			if err != nil {
				t.Fatal(err)
			}
			if got := Attribute(page, tt.referrer, domain); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestTagLink(t *testing.T) {
	tests := []struct {
		raw, want string
		ok        bool
	}{
		{"https://a.example/p", "https://a.example/p?utm_source=d.example&utm_medium=social&utm_campaign=9", true},
		{"https://a.example/p?b=%2F&a=1#frag", "https://a.example/p?b=%2F&a=1&utm_source=d.example&utm_medium=social&utm_campaign=9#frag", true},
		{"https://a.example/?utm_medium=email", "https://a.example/?utm_medium=email&utm_source=d.example&utm_campaign=9", true},
		{"https://a.example/?utm_source=x&utm_medium=y&utm_campaign=z", "https://a.example/?utm_source=x&utm_medium=y&utm_campaign=z", true},
		{"ftp://a.example/", "ftp://a.example/", false},
		{"not a url", "not a url", false},
	}
	for _, tt := range tests {
		got, ok := TagLink(tt.raw, "d.example", "9")
		if got != tt.want || ok != tt.ok {
			t.Errorf("TagLink(%q): got %q %v, want %q %v", tt.raw, got, ok, tt.want, tt.ok)
		}
	}
}

func TestIsBot(t *testing.T) {
	tests := []struct {
		ua  string
		bot bool
	}{
		{"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", false},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", false},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0", false},
		{"", true},
		{"curl/8.5.0", true},
		{"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", true},
		{"http.rb/5.1.1 (Mastodon/4.2.10; +https://mastodon.social/)", true},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36", true},
		{"facebookexternalhit/1.1", true},
		{"Go-http-client/1.1", true},
	}
	for _, tt := range tests {
		if got := IsBot(tt.ua); got != tt.bot {
			t.Errorf("IsBot(%q): got %v, want %v", tt.ua, got, tt.bot)
		}
	}
}

func TestIsPrefetch(t *testing.T) {
	tests := []struct {
		header http.Header
		want   bool
	}{
		{http.Header{"Sec-Purpose": {"prefetch"}}, true},
		{http.Header{"Sec-Purpose": {"prefetch;prerender"}}, true},
		{http.Header{"Purpose": {"prefetch"}}, true},
		{http.Header{"X-Moz": {"prefetch"}}, true},
		{http.Header{"X-Purpose": {"preview"}}, true},
		{http.Header{"Accept": {"text/html"}}, false},
	}
	for _, tt := range tests {
		if got := IsPrefetch(tt.header); got != tt.want {
			t.Errorf("IsPrefetch(%v): got %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestLinkCodes(t *testing.T) {
	secret := []byte("secret")
	a := LinkCode(secret, 1, 0, "https://a.example/")
	if a != LinkCode(secret, 1, 0, "https://a.example/") {
		t.Errorf("codes are not stable")
	}
	for _, other := range []string{LinkCode(secret, 2, 0, "https://a.example/"), LinkCode(secret, 1, 1, "https://a.example/"),
		LinkCode(secret, 1, 0, "https://b.example/"), LinkCode([]byte("other"), 1, 0, "https://a.example/")} {
		if other == a {
			t.Errorf("two links share the code %s", a)
		}
	}
	if !ValidLinkCode(a) || ValidLinkCode(a[:5]) || ValidLinkCode(a[:11]+"-") {
		t.Errorf("ValidLinkCode disagrees with LinkCode on %q", a)
	}
	key, err := NewSiteKey()
	if err != nil || !ValidSiteKey(key) || ValidSiteKey(key+"x") {
		t.Errorf("site key %q: %v", key, err)
	}
}
