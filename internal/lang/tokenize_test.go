package lang

import (
	"slices"
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // Text of each token, Kind shown as a prefix for non-words
	}{
		{"elisions", "L'homme qu'il a vu jusqu'à l’aube d’hier", []string{"l'", "homme", "qu'", "il", "a", "vu", "jusqu'", "à", "l'", "aube", "d'", "hier"}},
		{"lorsqu", "Lorsqu'elle arrive, c'est fini.", []string{"lorsqu'", "elle", "arrive", "P:,", "c'", "est", "fini", "P:."}},
		{"not an elision", "aujourd'hui O'Brien", []string{"aujourd'hui", "o'brien"}},
		{"possessive", "Anna's cat and it’s fine", []string{"anna's", "cat", "and", "it's", "fine"}},
		{"contraction kept", "don't stop", []string{"don't", "stop"}},
		{"soft hyphen", "pre\u00admier lan\u00adceur", []string{"premier", "lanceur"}},
		{"hyphenated", "États-Unis, porte-parole", []string{"états-unis", "P:,", "porte-parole"}},
		{"numbers", "7,2 milliards et 3.5 % en 2012.", []string{"N:7,2", "milliards", "et", "N:3.5", "P:%", "en", "N:2012", "P:."}},
		{"list comma", "1,2,3 et a,b", []string{"N:1,2,3", "et", "a", "P:,", "b"}},
		{"social", "Merci @anna@parvis.example pour #OpenSource https://x.org/a?b=1. Super", []string{"merci", "M:@anna@parvis.example", "pour", "H:opensource", "U:https://x.org/a?b=1", "P:.", "super"}},
		{"numeric hashtag", "#1 fan", []string{"P:#", "N:1", "fan"}},
		{"line breaks", "titre\n\n\tsuite -\nfin", []string{"titre", "P:\n", "suite", "P:-", "P:\n", "fin"}},
		{"alnum", "Falcon 9 à 7h44 (SLC-40) 3ds", []string{"falcon", "N:9", "à", "N:7h44", "P:(", "slc-40", "P:)", "3ds"}},
		{"times", "16h, 16h45, 1h5, h24", []string{"N:16h", "P:,", "N:16h45", "P:,", "1h5", "P:,", "h24"}},
		{"invalid utf8", "a\xffb", []string{"a", "P:\xff", "b"}},
		{"empty", "", nil},
		{"emoji", "super 🎉🎉 soirée", []string{"super", "P:🎉🎉", "soirée"}},
	}
	prefix := map[Kind]string{Number: "N:", Hashtag: "H:", Mention: "M:", URL: "U:", Punct: "P:"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, tok := range Tokenize(tt.in) {
				got = append(got, prefix[tok.Kind]+tok.Text)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Tokenize(%q):\ngot  %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTokenizeCase(t *testing.T) {
	toks := Tokenize("La NASA et SpaceX. L'ISS")
	type flags struct {
		text        string
		cap, allCap bool
	}
	var got []flags
	for _, tok := range toks {
		if tok.Kind == Word {
			got = append(got, flags{tok.Text, tok.Capitalized, tok.AllCaps})
		}
	}
	want := []flags{{"la", true, false}, {"nasa", true, true}, {"et", false, false}, {"spacex", true, false}, {"l'", true, false}, {"iss", true, true}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestEndsSentence(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{{".", true}, {"?!", true}, {"\n", true}, {",", false}, {"…", true}, {":", false}}
	for _, tt := range tests {
		if got := (Token{Text: tt.in, Kind: Punct}).EndsSentence(); got != tt.want {
			t.Errorf("EndsSentence(%q): got %v, want %v", tt.in, got, tt.want)
		}
	}
	if (Token{Text: "word", Kind: Word}).EndsSentence() {
		t.Error("a word ends a sentence: got true, want false")
	}
}

func TestWords(t *testing.T) {
	got := Words("Bonjour @ami, #fête à 20h ! https://a.b")
	want := []string{"bonjour", "à", "20h"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestStopWords(t *testing.T) {
	tests := []struct {
		lang, word string
		want       bool
	}{
		{"fr", "le", true}, {"fr", "l'", true}, {"fr", "qu'", true}, {"fr", "fusée", false},
		{"en", "the", true}, {"en", "it's", true}, {"en", "don't", true}, {"en", "rocket", false},
		{"de", "der", false}, {"xx", "le", false},
	}
	for _, tt := range tests {
		if got := IsStopWord(tt.lang, tt.word); got != tt.want {
			t.Errorf("IsStopWord(%q, %q): got %v, want %v", tt.lang, tt.word, got, tt.want)
		}
	}
	for _, lang := range []string{French, English} {
		for _, w := range StopWords(lang) {
			if w != strings.ToLower(w) || strings.ContainsRune(w, '’') {
				t.Errorf("stop word %q (%s) is not in tokenizer form", w, lang)
			}
			if toks := Tokenize(w); len(toks) != 1 && !strings.HasSuffix(w, "'") {
				t.Errorf("stop word %q (%s) tokenizes into %d tokens, want 1", w, lang, len(toks))
			}
		}
	}
}

func TestStem(t *testing.T) {
	tests := []struct{ lang, word, want string }{
		{"fr", "lancements", "lanc"},
		{"fr", "lancement", "lanc"},
		{"fr", "fusées", "fus"},
		{"en", "rockets", "rocket"},
		{"en", "running", "run"},
		{"fr", "porte-paroles", "port-parol"},
		{"de", "Häuser", "häuser"},
	}
	for _, tt := range tests {
		if got := Stem(tt.lang, tt.word); got != tt.want {
			t.Errorf("Stem(%q, %q): got %q, want %q", tt.lang, tt.word, got, tt.want)
		}
	}
}
