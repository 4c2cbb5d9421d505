// Package content turns what people type into what other people see. It
// finds the mentions, hashtags and links in a post's plain text the way
// Mastodon does, renders that text to the HTML Mastodon apps expect, counts
// its length by Mastodon's rules, and cleans HTML that arrives from other
// servers so that it can be shown safely.
//
// Everything here is pure computation: no I/O, no package state. Rendering
// asks the caller (through a Renderer's functions) where mentions, hashtags
// and links point, so this package knows nothing of accounts or storage.
package content

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind says what an Entity is.
type Kind uint8

// The kinds of entity that Parse finds.
const (
	KindLink    Kind = iota + 1 // an http or https URL
	KindMention                 // @user or @user@domain
	KindHashtag                 // #tag
)

// String returns the kind's name, for logs and test messages.
func (k Kind) String() string {
	switch k {
	case KindLink:
		return "link"
	case KindMention:
		return "mention"
	case KindHashtag:
		return "hashtag"
	}
	return "unknown"
}

// Entity is a mention, hashtag or link found in a post's text. Start and End
// are byte offsets: text[Start:End] is the entity as typed, with its '@' or
// '#'. The string fields are substrings of the parsed text, so an Entity
// costs no allocation beyond the slice that holds it.
type Entity struct {
	Kind  Kind
	Start int
	End   int

	// URL is the link as typed (KindLink only).
	URL string
	// Username is the part after the first '@' (KindMention only).
	Username string
	// Domain is the part after the second '@', or "" for a local
	// mention (KindMention only).
	Domain string
	// Tag is the hashtag's name without '#', as typed (KindHashtag only).
	Tag string
}

// Acct returns the mention as Mastodon writes an account address:
// "user" for a local mention and "user@domain" for a remote one. It is ""
// for entities that are not mentions.
func (e Entity) Acct() string {
	switch {
	case e.Kind != KindMention:
		return ""
	case e.Domain == "":
		return e.Username
	default:
		return e.Username + "@" + e.Domain
	}
}

// Parse returns the links, mentions and hashtags of text in the order they
// appear. The rules follow Mastodon (which builds on twitter-text):
//
//   - Links start with http:// or https:// (any case) not glued to a
//     preceding ASCII letter, digit, '@', '$' or '#'. The host is dot-separated
//     labels of letters, digits, '-' and '_' with a top-level label of two or
//     more letters (or an IPv4 address), then an optional port. A path may hold
//     anything but white space, '<', '>' and unbalanced parentheses; trailing
//     punctuation (".,:;!?'\"*=$%[]~&|@", closing quotes, "…", "。" and the
//     like) is left out, and so is a ')' that closes a '(' opened before the
//     link. A query uses ASCII URL characters and must end in a letter, digit
//     or one of "_&=#/-".
//   - Mentions are '@' then a username of ASCII letters, digits and '_'
//     (with '.' or '-' allowed inside), optionally '@' and a domain. A mention
//     is not recognised right after a letter, digit, '_', '=' or '/', which
//     leaves e-mail addresses and profile URLs alone, nor when a letter or
//     digit follows the username directly.
//   - Hashtags are '#' then letters, marks, digits, '_' and the separators
//     Mastodon accepts inside a tag ('·' U+00B7, '・' U+30FB and the zero-width
//     non-joiner), with at least one letter (so "#123" is not a tag). The
//     separators may not start or end a tag. A '#' right after a letter,
//     digit, '=', '/' or ')' does not start a tag.
//
// Entities never overlap: whatever starts first wins, so a '#' or '@' inside
// a link is part of the link.
func Parse(text string) []Entity {
	// Every entity holds an '@', a '#' or a "://": counting them (a fast,
	// vectorised scan) sizes the result once instead of growing it.
	n := strings.Count(text, "@") + strings.Count(text, "#") + strings.Count(text, "://")
	if n == 0 {
		return nil
	}
	out := make([]Entity, 0, n)
	for i := 0; i < len(text); {
		var e Entity
		var ok bool
		switch c := text[i]; c {
		case 'h', 'H':
			e, ok = scanLink(text, i)
		case '@':
			e, ok = scanMention(text, i)
		case '#':
			e, ok = scanHashtag(text, i)
		}
		if ok {
			out = append(out, e)
			i = e.End
			continue
		}
		i++
	}
	return out
}

// runeBefore returns the rune that ends just before byte offset i, or -1 at
// the start of the text.
func runeBefore(text string, i int) rune {
	if i == 0 {
		return -1
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return r
}

// runeAt returns the rune starting at byte offset i, or -1 at the end.
func runeAt(text string, i int) (rune, int) {
	if i >= len(text) {
		return -1, 0
	}
	c := text[i]
	if c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(text[i:])
}

func isASCIIAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isWord reports whether r is a "word" character as Ruby's [[:word:]]
// understands it: a letter, a mark, a decimal digit or connector punctuation
// such as '_'.
func isWord(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(byte(r)) || r == '_'
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.Is(unicode.Nd, r) || unicode.Is(unicode.Pc, r)
}

// isAlnum reports whether r is a letter or a decimal digit.
func isAlnum(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(byte(r))
	}
	return unicode.IsLetter(r) || unicode.Is(unicode.Nd, r)
}

func scanMention(text string, at int) (Entity, bool) {
	if prev := runeBefore(text, at); prev == '=' || prev == '/' || isWord(prev) {
		return Entity{}, false
	}
	// Username: ASCII word characters, with '.' and '-' allowed inside.
	i := at + 1
	for i < len(text) && (isASCIIAlnum(text[i]) || text[i] == '_' || text[i] == '.' || text[i] == '-') {
		i++
	}
	for i > at+1 && (text[i-1] == '.' || text[i-1] == '-') {
		i--
	}
	if i == at+1 || text[at+1] == '.' || text[at+1] == '-' {
		return Entity{}, false
	}
	e := Entity{Kind: KindMention, Start: at, Username: text[at+1 : i]}
	end := i
	if i < len(text) && text[i] == '@' {
		if d := scanDomain(text, i+1); d > i+1 {
			e.Domain = text[i+1 : d]
			end = d
		}
	}
	if e.Domain == "" {
		// "@alicé" is not a mention of "alic".
		if r, _ := runeAt(text, end); r >= utf8.RuneSelf && isAlnum(r) {
			return Entity{}, false
		}
	}
	e.End = end
	return e, true
}

// scanDomain returns the end of the mention domain that starts at i: word
// characters with '.' and '-' between them. It returns i when there is none.
func scanDomain(text string, i int) int {
	end, j := i, i
	for j < len(text) {
		r, n := runeAt(text, j)
		switch {
		case isWord(r):
			j += n
			end = j
		case (r == '.' || r == '-') && j > i:
			j += n
		default:
			return end
		}
	}
	return end
}

// Hashtag separators that Mastodon accepts inside a tag but not at its
// ends ('_' is a word character and may appear anywhere).
const (
	middleDot      = '\u00B7'
	katakanaDot    = '\u30FB'
	zeroWidthNJoin = '\u200C'
)

func scanHashtag(text string, at int) (Entity, bool) {
	if prev := runeBefore(text, at); prev == '=' || prev == '/' || prev == ')' || isAlnum(prev) {
		return Entity{}, false
	}
	start := at + 1
	end, hasLetter := start, false
	for j := start; j < len(text); {
		r, n := runeAt(text, j)
		if isWord(r) {
			j += n
			end = j
			if r >= utf8.RuneSelf && unicode.IsLetter(r) || r < utf8.RuneSelf && (r|0x20 >= 'a' && r|0x20 <= 'z') {
				hasLetter = true
			}
			continue
		}
		if (r == middleDot || r == katakanaDot || r == zeroWidthNJoin) && j > start {
			j += n
			continue
		}
		break
	}
	if end == start || !hasLetter {
		return Entity{}, false
	}
	return Entity{Kind: KindHashtag, Start: at, End: end, Tag: text[start:end]}, true
}

func scanLink(text string, at int) (Entity, bool) {
	var i int
	switch {
	case hasPrefixFold(text[at:], "https://"):
		i = at + len("https://")
	case hasPrefixFold(text[at:], "http://"):
		i = at + len("http://")
	default:
		return Entity{}, false
	}
	if at > 0 {
		if c := text[at-1]; isASCIIAlnum(c) || c == '@' || c == '$' || c == '#' {
			return Entity{}, false
		}
		if prev := runeBefore(text, at); prev == '＠' || prev == '＃' {
			return Entity{}, false
		}
	}
	i = scanHost(text, i)
	if i < 0 {
		return Entity{}, false
	}
	if i < len(text) && text[i] == ':' {
		j := i + 1
		for j < len(text) && j-i <= 5 && text[j] >= '0' && text[j] <= '9' {
			j++
		}
		if j > i+1 {
			i = j
		}
	}
	if i < len(text) && text[i] == '/' {
		i = scanPath(text, i)
	}
	if i < len(text) && text[i] == '?' {
		i = scanQuery(text, i)
	}
	return Entity{Kind: KindLink, Start: at, End: i, URL: text[at:i]}, true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// scanHost returns the end of the host name that starts at i, or -1 when
// there is no acceptable host: at least two labels, the last one being two
// or more letters, or four numeric labels (an IPv4 address).
func scanHost(text string, i int) int {
	labels, numeric, end := 0, 0, -1
	var last label
	for {
		l := scanLabel(text, i)
		if l.end == i || text[i] == '-' || text[l.end-1] == '-' {
			break
		}
		labels++
		if l.onlyDigits {
			numeric++
		}
		last, end = l, l.end
		if l.end+1 < len(text) && text[l.end] == '.' {
			i = l.end + 1
			continue
		}
		break
	}
	switch {
	case labels >= 2 && last.onlyLetters && last.letters >= 2:
		return end
	case labels == 4 && numeric == 4:
		return end
	}
	return -1
}

// label describes one dot-separated part of a host name.
type label struct {
	end         int
	letters     int
	onlyLetters bool // letters and combining marks only
	onlyDigits  bool
}

func scanLabel(text string, i int) label {
	l := label{end: i, onlyLetters: true, onlyDigits: true}
	for l.end < len(text) {
		r, n := runeAt(text, l.end)
		switch {
		case r >= '0' && r <= '9' || r >= utf8.RuneSelf && unicode.Is(unicode.Nd, r):
			l.onlyLetters = false
		case r < utf8.RuneSelf && (r|0x20 >= 'a' && r|0x20 <= 'z') || r >= utf8.RuneSelf && unicode.IsLetter(r):
			l.onlyDigits = false
			l.letters++
		case r >= utf8.RuneSelf && unicode.IsMark(r):
			l.onlyDigits = false
		case r == '-' || r == '_':
			l.onlyLetters, l.onlyDigits = false, false
		default:
			return l
		}
		l.end += n
	}
	return l
}

// scanPath returns the end of the path that starts with the '/' at i.
func scanPath(text string, i int) int {
	end := i + 1 // a bare "/" is a valid path
	depth, openAt := 0, -1
	j := i
	for j < len(text) {
		r, n := runeAt(text, j)
		if r == '(' {
			if depth == 0 {
				openAt = j
			}
			depth++
			j += n
			continue
		}
		if r == ')' {
			if depth == 0 {
				break
			}
			depth--
			j += n
			end = j
			continue
		}
		if r == '?' || r == '<' || r == '>' || unicode.IsSpace(r) || r == utf8.RuneError && n <= 1 || unicode.IsControl(r) {
			break
		}
		j += n
		if !trailingPathPunct(r) {
			end = j
		}
	}
	if depth > 0 && openAt >= 0 && openAt < end {
		// An unclosed '(' ends the link just before it.
		end = openAt
		for end > i+1 {
			r, n := utf8.DecodeLastRuneInString(text[:end])
			if !trailingPathPunct(r) {
				break
			}
			end -= n
		}
	}
	return end
}

// trailingPathPunct reports whether r may appear inside a path but not end it.
func trailingPathPunct(r rune) bool {
	if r < utf8.RuneSelf {
		return strings.IndexByte("!*\"';:=,.$%[]~&|@", byte(r)) >= 0
	}
	return unicode.In(r, unicode.Po, unicode.Pi, unicode.Pf, unicode.Ps, unicode.Pe)
}

// scanQuery returns the end of the query that starts with the '?' at i, or
// i when nothing acceptable follows the '?'.
func scanQuery(text string, i int) int {
	end := i
	for j := i + 1; j < len(text); j++ {
		c := text[j]
		switch {
		case isASCIIAlnum(c) || strings.IndexByte("_&=#/-", c) >= 0:
			end = j + 1
		case strings.IndexByte("!?*'();:+$%[].,~|@^", c) >= 0:
			// May appear inside a query, never at its end.
		default:
			return end
		}
	}
	return end
}
