package content

import (
	"unicode"
	"unicode/utf8"
)

// URLLength is how many characters every link counts for, whatever its real
// length, as on Mastodon (and Twitter before it).
const URLLength = 23

// DefaultMaxChars is Mastodon's default limit on a post's length.
const DefaultMaxChars = 500

// Length returns the length of a post's text as Mastodon counts it against
// the character limit:
//
//   - every link found by Parse counts URLLength characters;
//   - a mention counts as "@" plus its username, so "@user@domain" costs the
//     same as "@user" (the domain is free);
//   - hashtags and everything else count their characters, where a
//     character is a user-perceived one (an extended grapheme cluster, as
//     Ruby's grapheme_length counts them): combining marks, variation
//     selectors, emoji skin-tone modifiers, tag characters and zero-width
//     joiner sequences join the character before them, a pair of regional
//     indicators (a flag) is one character, "\r\n" is one, and Hangul
//     conjoining vowels and final consonants join their syllable.
//
// This approximates Unicode's segmentation rules (UAX #29) without their
// rarer cases (prepended concatenation marks, Indic conjunct rules, emoji
// that join through a ZWJ after a non-emoji), which only matter for a few
// scripts; Latin, Cyrillic, Greek, Arabic, CJK text and emoji count as on
// Mastodon. The content
// warning (spoiler text) is counted separately by Mastodon with plain
// Graphemes, without the link and mention rules.
func Length(text string) int {
	n, pos := 0, 0
	for _, e := range Parse(text) {
		switch e.Kind {
		case KindLink:
			n += Graphemes(text[pos:e.Start]) + URLLength
		case KindMention:
			n += Graphemes(text[pos:e.Start]) + 1 + Graphemes(e.Username)
		default:
			continue
		}
		pos = e.End
	}
	return n + Graphemes(text[pos:])
}

// Graphemes returns the number of user-perceived characters in s, by the
// rule described for Length.
func Graphemes(s string) int {
	n := 0
	var prev rune = -1
	riOpen := false // an odd regional indicator is waiting for its pair
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		switch {
		case prev == '\r' && r == '\n':
		case prev == zeroWidthJoiner && r >= utf8.RuneSelf && !unicode.IsControl(r):
		case extendsCluster(r) && prev != -1 && prev != '\n' && prev != '\r':
		case isRegionalIndicator(r) && riOpen:
			riOpen = false
		default:
			n++
			riOpen = isRegionalIndicator(r)
		}
		prev = r
	}
	return n
}

const zeroWidthJoiner = '\u200D'

func isRegionalIndicator(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

// extendsCluster reports whether r never starts a character of its own.
func extendsCluster(r rune) bool {
	if r < 0x300 {
		return false
	}
	switch {
	case r == zeroWidthJoiner,
		r >= 0xFE00 && r <= 0xFE0F, // variation selectors
		r >= 0xE0100 && r <= 0xE01EF,
		r >= 0x1F3FB && r <= 0x1F3FF, // emoji skin tones
		r >= 0xE0020 && r <= 0xE007F, // tag characters (subdivision flags)
		r >= 0x1160 && r <= 0x11FF,   // Hangul medial vowels and final consonants
		r >= 0xD7B0 && r <= 0xD7FF:
		return true
	}
	return unicode.IsMark(r)
}
