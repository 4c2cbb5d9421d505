package content

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NormalizeTag returns the form of a hashtag name under which it is stored
// and looked up, so that "#Café", "#cafe" and "#ＣＡＦＥ" are one tag, as on
// Mastodon: compatibility-normalised (NFKC, which also folds full-width
// letters), lower-cased, and with the accents of Latin letters removed
// (accents on other scripts carry meaning and stay). The separators '·',
// '・' and the zero-width non-joiner are kept, as Mastodon keeps them.
func NormalizeTag(tag string) string {
	s := strings.ToLower(norm.NFKC.String(tag))
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	d := norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	var base rune
	for _, r := range d {
		if unicode.Is(unicode.Mn, r) && isLatin(base) {
			continue
		}
		if !unicode.IsMark(r) {
			base = r
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

func isLatin(r rune) bool {
	return r < utf8.RuneSelf && (r|0x20 >= 'a' && r|0x20 <= 'z') || unicode.Is(unicode.Latin, r)
}
