package lang

import (
	"strings"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/french"
	"github.com/kljensen/snowball/spanish"
)

// Stem returns the Snowball stem of word in language lang. Stop words are
// stemmed too, so that one word always has one stem. Hyphenated words are
// stemmed part by part ("porte-paroles" gives "port-parol"). Languages
// without a stemmer give the lowercased word back.
func Stem(lang, word string) string {
	var stem func(string, bool) string
	switch lang {
	case French:
		stem = french.Stem
	case English:
		stem = english.Stem
	case Spanish:
		stem = spanish.Stem
	default:
		return strings.ToLower(word)
	}
	if !strings.Contains(word, "-") {
		return stem(word, true)
	}
	parts := strings.Split(word, "-")
	for i, p := range parts {
		parts[i] = stem(p, true)
	}
	return strings.Join(parts, "-")
}
