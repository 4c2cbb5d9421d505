package lang

import (
	"strings"
	"testing"
)

func TestIsBoundWord(t *testing.T) {
	tests := []struct {
		lang, word string
		want       bool
	}{
		{"fr", "juillet", true}, {"fr", "euros", true}, {"fr", "heures", true}, {"fr", "nouveau", true},
		{"fr", "fusée", false}, {"fr", "euro", false}, {"fr", "le", false},
		{"en", "july", true}, {"en", "dollars", true}, {"en", "new", true}, {"en", "rocket", false},
		{"de", "juli", false}, {"xx", "juillet", false},
	}
	for _, tt := range tests {
		if got := IsBoundWord(tt.lang, tt.word); got != tt.want {
			t.Errorf("IsBoundWord(%q, %q): got %v, want %v", tt.lang, tt.word, got, tt.want)
		}
	}
	// The lists hold single words in tokenizer form, and no stop word,
	// which would never be looked up.
	for lang, set := range boundSets {
		for w := range set {
			if w != strings.ToLower(w) {
				t.Errorf("bound word %q (%s) is not lowercase", w, lang)
			}
			if toks := Tokenize(w); len(toks) != 1 || toks[0].Kind != Word {
				t.Errorf("bound word %q (%s) tokenizes into %v, want one word", w, lang, toks)
			}
			if IsStopWord(lang, w) {
				t.Errorf("bound word %q (%s) is also a stop word", w, lang)
			}
		}
	}
}
