package content

import (
	"reflect"
	"strings"
	"testing"
)

// describe renders entities compactly for comparison: "kind:value" where
// value is the URL, the acct or the tag.
func describe(t *testing.T, text string, entities []Entity) []string {
	t.Helper()
	var out []string
	prevEnd := 0
	for _, e := range entities {
		if e.Start < prevEnd || e.End <= e.Start || e.End > len(text) {
			t.Fatalf("entity %+v out of order or bounds in %q", e, text)
		}
		prevEnd = e.End
		raw := text[e.Start:e.End]
		var value string
		switch e.Kind {
		case KindLink:
			value = e.URL
			if raw != e.URL {
				t.Errorf("link raw text %q, want %q", raw, e.URL)
			}
		case KindMention:
			value = e.Acct()
			if raw != "@"+e.Acct() {
				t.Errorf("mention raw text %q, want %q", raw, "@"+e.Acct())
			}
		case KindHashtag:
			value = e.Tag
			if raw != "#"+e.Tag {
				t.Errorf("hashtag raw text %q, want %q", raw, "#"+e.Tag)
			}
		}
		out = append(out, e.Kind.String()+":"+value)
	}
	return out
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"empty", "", nil},
		{"plain", "Bonjour tout le monde", nil},

		// Mentions.
		{"local mention", "hi @alice!", []string{"mention:alice"}},
		{"remote mention", "cc @bob@example.social.", []string{"mention:bob@example.social"}},
		{"mention at start", "@alice hello", []string{"mention:alice"}},
		{"mention with dot inside", "@first.last ok", []string{"mention:first.last"}},
		{"mention trailing dot", "thanks @alice.", []string{"mention:alice"}},
		{"mention trailing dash", "@alice- ok", []string{"mention:alice"}},
		{"mention underscore", "@_x_ ok", []string{"mention:_x_"}},
		{"mention unicode domain", "@zoe@exemple.café", []string{"mention:zoe@exemple.café"}},
		{"mention domain with dash", "@a@my-host.example", []string{"mention:a@my-host.example"}},
		{"mention empty domain", "@alice@ hi", []string{"mention:alice"}},
		{"email is not a mention", "write to alice@example.com", nil},
		{"mention after equals", "a=@alice", nil},
		{"mention after slash", "see /@alice", nil},
		{"mention after paren", "(@alice)", []string{"mention:alice"}},
		{"mention glued to non-ascii letter", "@alicé", nil},
		{"lone at", "@ alone and @", nil},
		{"mention after punctuation", "hey,@alice", []string{"mention:alice"}},
		{"two mentions", "@a @b@c.d", []string{"mention:a", "mention:b@c.d"}},

		// Hashtags.
		{"hashtag", "I like #golang.", []string{"hashtag:golang"}},
		{"hashtag unicode", "#café #日本語 #Москва", []string{"hashtag:café", "hashtag:日本語", "hashtag:Москва"}},
		{"hashtag digits and letters", "#web3 #2024election", []string{"hashtag:web3", "hashtag:2024election"}},
		{"all digits is not a tag", "issue #123", nil},
		{"underscore only is not a tag", "#_ #__1", nil},
		{"underscore inside", "#snake_case_", []string{"hashtag:snake_case_"}},
		{"middle dot inside", "#l·lit", []string{"hashtag:l·lit"}},
		{"middle dot trailing", "#abc· end", []string{"hashtag:abc"}},
		{"middle dot leading", "#·abc", nil},
		{"katakana middle dot", "#ハッシュ・タグ", []string{"hashtag:ハッシュ・タグ"}},
		{"hash after letter", "C#sharp and a#b", nil},
		{"hash after digit", "1#abc", nil},
		{"hash after close paren", ")#abc", nil},
		{"hash after equals", "x=#abc", nil},
		{"hash after hash", "##abc", []string{"hashtag:abc"}},
		{"hashtag then punctuation", "#tag! #other?", []string{"hashtag:tag", "hashtag:other"}},
		{"hashtag with combining mark", "#cafe\u0301", []string{"hashtag:cafe\u0301"}},
		{"glued hashtags", "#one#two", []string{"hashtag:one"}},
		{"lone hash", "# title", nil},

		// Links.
		{"link", "see https://example.com", []string{"link:https://example.com"}},
		{"link http", "see http://example.com/a/b", []string{"link:http://example.com/a/b"}},
		{"link uppercase scheme", "HTTPS://Example.COM/x", []string{"link:HTTPS://Example.COM/x"}},
		{"link trailing period", "Go to https://example.com/page.", []string{"link:https://example.com/page"}},
		{"link trailing comma and more", "https://example.com/a, then", []string{"link:https://example.com/a"}},
		{"link trailing many", "https://example.com/a?!...", []string{"link:https://example.com/a"}},
		{"link trailing quote", `"https://example.com/a"`, []string{"link:https://example.com/a"}},
		{"link in parens", "(see https://example.com/a)", []string{"link:https://example.com/a"}},
		{"link with balanced parens", "https://en.wikipedia.org/wiki/Go_(language) rocks", []string{"link:https://en.wikipedia.org/wiki/Go_(language)"}},
		{"link with balanced parens in parens", "(https://en.wikipedia.org/wiki/Go_(language))", []string{"link:https://en.wikipedia.org/wiki/Go_(language)"}},
		{"link unclosed paren", "https://example.com/foo(bar", []string{"link:https://example.com/foo"}},
		{"link query", "https://example.com/search?q=go&lang=fr.", []string{"link:https://example.com/search?q=go&lang=fr"}},
		{"link query in parens", "(https://example.com/?q=1)", []string{"link:https://example.com/?q=1"}},
		{"link fragment", "https://example.com/doc#part-2", []string{"link:https://example.com/doc#part-2"}},
		{"link port", "http://example.com:8080/x", []string{"link:http://example.com:8080/x"}},
		{"link ipv4", "http://192.168.1.10/admin", []string{"link:http://192.168.1.10/admin"}},
		{"link idn", "https://exemple.café/été", []string{"link:https://exemple.café/été"}},
		{"link french ellipsis", "lire https://example.com/article…", []string{"link:https://example.com/article"}},
		{"link guillemets", "«https://example.com/a»", []string{"link:https://example.com/a"}},
		{"link host only trailing dot", "https://example.com.", []string{"link:https://example.com"}},
		{"link path slash", "https://example.com/", []string{"link:https://example.com/"}},
		{"link stops at angle", "https://example.com/a<b", []string{"link:https://example.com/a"}},
		{"link with at in path", "https://mastodon.social/@alice", []string{"link:https://mastodon.social/@alice"}},
		{"link with tag in fragment", "https://example.com/#tag", []string{"link:https://example.com/#tag"}},
		{"no tld", "http://localhost:3000/x", nil},
		{"digit tld", "https://example.123/x", nil},
		{"no host", "https:// and http://", nil},
		{"glued to letter", "xhttps://example.com", nil},
		{"glued to at is a mention", "@https://example.com", []string{"mention:https"}},
		{"not a scheme", "ftp://example.com hxxp://example.com", nil},
		{"scheme only prefix", "httpsexample.com", nil},
		{"two links", "https://a.fr et https://b.fr", []string{"link:https://a.fr", "link:https://b.fr"}},

		// Mixed.
		{"mixed", "@alice regarde #GoLang sur https://go.dev/doc/ !", []string{"mention:alice", "hashtag:GoLang", "link:https://go.dev/doc/"}},
		{"email and hashtag", "mail bob@example.com #contact", []string{"hashtag:contact"}},
		{"newlines", "#a\n@b\nhttps://c.de", []string{"hashtag:a", "mention:b", "link:https://c.de"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := describe(t, tt.text, Parse(tt.text))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestParseOffsets(t *testing.T) {
	text := "é @bob@ex.org #tag https://x.fr/a"
	got := Parse(text)
	want := []Entity{
		{Kind: KindMention, Start: 3, End: 14, Username: "bob", Domain: "ex.org"},
		{Kind: KindHashtag, Start: 15, End: 19, Tag: "tag"},
		{Kind: KindLink, Start: 20, End: 34, URL: "https://x.fr/a"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestParseNeverPanicsOnOddInput(t *testing.T) {
	inputs := []string{
		"\xff\xfe@\xff#\xffhttps://\xff.fr/\xff",
		"https://a.b" + strings.Repeat("(", 1000),
		strings.Repeat("#", 1000) + "a",
		strings.Repeat("@a", 1000),
		"https://" + strings.Repeat("a.", 500) + "fr",
	}
	for _, in := range inputs {
		_ = describe(t, in, Parse(in))
	}
}

func TestEntityAcct(t *testing.T) {
	tests := []struct {
		e    Entity
		want string
	}{
		{Entity{Kind: KindMention, Username: "a"}, "a"},
		{Entity{Kind: KindMention, Username: "a", Domain: "b.c"}, "a@b.c"},
		{Entity{Kind: KindHashtag, Tag: "x"}, ""},
	}
	for _, tt := range tests {
		if got := tt.e.Acct(); got != tt.want {
			t.Errorf("Acct() of %+v = %q, want %q", tt.e, got, tt.want)
		}
	}
}

func TestNormalizeTag(t *testing.T) {
	tests := []struct{ in, want string }{
		{"GoLang", "golang"},
		{"Café", "cafe"},
		{"cafe\u0301", "cafe"},
		{"ＣＡＦＥ", "cafe"},
		{"Москва", "москва"},
		{"日本語", "日本語"},
		{"हिन्दी", "हिन्दी"}, // Devanagari marks carry meaning
		{"l·lit", "l·lit"},
	}
	for _, tt := range tests {
		if got := NormalizeTag(tt.in); got != tt.want {
			t.Errorf("NormalizeTag(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
