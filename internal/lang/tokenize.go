package lang

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind says what a Token is.
type Kind uint8

// Token kinds.
const (
	// Word is a run of letters and digits holding at least one letter, with
	// inner hyphens and apostrophes ("porte-parole", "aujourd'hui",
	// "Moody's"), or an elided French article or pronoun ("l'", "qu'").
	Word Kind = iota + 1
	// Number is a run of digits with inner decimal or grouping marks ("7,2").
	Number
	// Hashtag is a "#tag"; its Text has no '#'.
	Hashtag
	// Mention is an "@user" or "@user@host"; its Text keeps the '@'.
	Mention
	// URL is a web address starting with a scheme or "www.".
	URL
	// Punct is a run of punctuation, symbols or emoji, or a line break; it
	// ends a phrase.
	Punct
)

// Token is one unit of text.
type Token struct {
	// Text is the lowercased token (a URL keeps its case). Apostrophes are
	// normalised to U+0027 and soft hyphens are removed. A line break is the
	// Punct "\n".
	Text string
	Kind Kind
	// Capitalized reports that the word started with an upper-case letter.
	Capitalized bool
	// AllCaps reports that the word had two letters or more, all upper case
	// (an acronym such as "NASA").
	AllCaps bool
}

// EndsSentence reports whether the token closes a sentence: a Punct holding
// '.', '!', '?', '…' or a line break.
func (t Token) EndsSentence() bool {
	return t.Kind == Punct && strings.ContainsAny(t.Text, ".!?…\n")
}

// isElision reports whether prefix is one of the French words that lose
// their vowel before another vowel and take an apostrophe; the tokenizer
// splits them off.
func isElision(prefix string) bool {
	switch prefix {
	case "l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "presqu":
		return true
	}
	return false
}

func isApostrophe(r rune) bool {
	return r == '\'' || r == '’' || r == 'ʼ' || r == '‘'
}

func isHyphen(r rune) bool {
	return r == '-' || r == '‐' || r == '‑'
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// isIgnorable reports whether r is dropped inside words: soft hyphens, which
// only say where a line may break, and zero-width joiners.
func isIgnorable(r rune) bool {
	return r == '\u00ad' || r == '\u200d' || r == '\u2060' || r == '\ufeff'
}

// Tokenize splits text into tokens. It knows French elisions ("l'homme" is
// "l'" and "homme", with ' or ’), hyphenated words, numbers with a decimal
// comma or point, hashtags, mentions and URLs. It never fails: invalid UTF-8
// becomes punctuation.
func Tokenize(text string) []Token {
	toks := make([]Token, 0, len(text)/6+1)
	scan(text, func(t Token) { toks = append(toks, t) })
	return toks
}

// Words returns the lowercased words and numbers of text, in order, without
// punctuation, hashtags, mentions or URLs.
func Words(text string) []string {
	var words []string
	scan(text, func(t Token) {
		if t.Kind == Word || t.Kind == Number {
			words = append(words, t.Text)
		}
	})
	return words
}

// scan calls emit for each token of text. It allocates only for words that
// need lowercasing or cleaning.
func scan(text string, emit func(Token)) {
	i := 0
	lastNewline := false
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '\n':
			if !lastNewline {
				emit(Token{Text: "\n", Kind: Punct})
			}
			lastNewline = true
			i += size
			continue
		case unicode.IsSpace(r) || isIgnorable(r) || r == '\u200b':
			i += size
			continue
		}
		lastNewline = false
		if i == 0 || !isWordRune(lastRune(text[:i])) {
			if n := special(text[i:], emit); n > 0 {
				i += n
				continue
			}
		}
		if isWordRune(r) {
			n := wordLen(text[i:])
			emitWord(text[i:i+n], emit)
			i += n
			continue
		}
		// Punctuation, symbols, emoji and invalid bytes: one token per run.
		j := i + size
		for j < len(text) {
			r2, s2 := utf8.DecodeRuneInString(text[j:])
			if unicode.IsSpace(r2) || isWordRune(r2) || r2 == '#' || r2 == '@' {
				break
			}
			j += s2
		}
		emit(Token{Text: text[i:j], Kind: Punct})
		i = j
	}
}

// special emits the URL, hashtag or mention starting s and returns its
// length, or returns 0.
func special(s string, emit func(Token)) int {
	if n := urlLen(s); n > 0 {
		emit(Token{Text: s[:n], Kind: URL})
		return n
	}
	r, size := utf8.DecodeRuneInString(s)
	switch r {
	case '#', '＃':
		if n := tagLen(s[size:]); n > 0 {
			tag := cleanWord(s[size : size+n])
			if hasLetter(tag) {
				emit(Token{Text: tag, Kind: Hashtag})
				return size + n
			}
		}
	case '@':
		if n := mentionLen(s[size:]); n > 0 {
			emit(Token{Text: strings.ToLower(s[:size+n]), Kind: Mention})
			return size + n
		}
	}
	return 0
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// wordLen returns the byte length of the word starting s: word runes, joined
// by single hyphens or apostrophes followed by a letter, by '.' or ',' between
// digits, and soft hyphens.
func wordLen(s string) int {
	i := 0
	var prev rune
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case isWordRune(r) || isIgnorable(r):
			i += size
			if !isIgnorable(r) {
				prev = r
			}
			continue
		case isHyphen(r) || isApostrophe(r) || r == '.' || r == ',':
			next, nsize := utf8.DecodeRuneInString(s[i+size:])
			if nsize == 0 {
				return i
			}
			joins := false
			switch {
			case r == '.' || r == ',':
				joins = unicode.IsDigit(prev) && unicode.IsDigit(next)
			case isHyphen(r):
				joins = isWordRune(next)
			default:
				joins = unicode.IsLetter(next)
			}
			if !joins {
				return i
			}
			i += size
			prev = r
			continue
		}
		return i
	}
	return i
}

// emitWord classifies a raw word, splits French elisions and English
// off it, and emits the parts. English possessives stay attached ("Moody's"
// is a name); the English stemmer removes them.
func emitWord(raw string, emit func(Token)) {
	for {
		k := strings.IndexFunc(raw, isApostrophe)
		if k <= 0 {
			break
		}
		prefix := cleanWord(raw[:k])
		if !isElision(prefix) {
			break
		}
		capitalized, _ := caseOf(raw[:k])
		emit(Token{Text: prefix + "'", Kind: Word, Capitalized: capitalized})
		_, size := utf8.DecodeRuneInString(raw[k:])
		raw = raw[k+size:]
	}
	capitalized, allCaps := caseOf(raw)
	w := cleanWord(raw)
	kind := Word
	if !hasLetter(w) || isTimeOfDay(w) {
		kind = Number
		capitalized = false
	}
	emit(Token{Text: w, Kind: kind, Capitalized: capitalized, AllCaps: allCaps})
}

// cleanWord lowercases w, normalises apostrophes and hyphens and drops soft
// hyphens, allocating only when something changes.
func cleanWord(w string) string {
	clean := true
	for _, r := range w {
		if r >= utf8.RuneSelf || (r >= 'A' && r <= 'Z') {
			clean = false
			break
		}
	}
	if clean {
		return w
	}
	var b strings.Builder
	b.Grow(len(w))
	for _, r := range w {
		switch {
		case isIgnorable(r):
		case isApostrophe(r):
			b.WriteByte('\'')
		case isHyphen(r):
			b.WriteByte('-')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// caseOf reports whether raw starts with an upper-case letter, and whether
// it has two letters or more, all upper case.
func caseOf(raw string) (capitalized, allCaps bool) {
	letters, upper := 0, 0
	for k, r := range raw {
		if !unicode.IsLetter(r) {
			continue
		}
		letters++
		if unicode.IsUpper(r) {
			upper++
			if letters == 1 && k == 0 {
				capitalized = true
			}
		}
	}
	return capitalized, letters >= 2 && upper == letters
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// urlLen returns the length of the URL starting s, or 0.
func urlLen(s string) int {
	if s == "" || (s[0]|0x20 != 'h' && s[0]|0x20 != 'w') {
		return 0
	}
	if !hasPrefixFold(s, "http://") && !hasPrefixFold(s, "https://") && !hasPrefixFold(s, "www.") {
		return 0
	}
	n := strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '<' || r == '>' || r == '"' || r == '«' || r == '»'
	})
	if n < 0 {
		n = len(s)
	}
	// Trailing punctuation belongs to the sentence, not the address.
	for n > 0 && strings.ContainsRune(".,;:!?)]'’", rune(s[n-1])) {
		n--
	}
	return n
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// tagLen returns the length of the hashtag body starting s (after '#'), or 0.
func tagLen(s string) int {
	n := 0
	for n < len(s) {
		r, size := utf8.DecodeRuneInString(s[n:])
		if !isWordRune(r) && r != '_' && !isIgnorable(r) {
			break
		}
		n += size
	}
	return n
}

// mentionLen returns the length of the mention body starting s (after '@'):
// a user name, optionally followed by "@host".
func mentionLen(s string) int {
	n := 0
	for n < len(s) {
		r, size := utf8.DecodeRuneInString(s[n:])
		if isWordRune(r) || r == '_' {
			n += size
			continue
		}
		if (r == '.' || r == '-' || r == '@') && n > 0 {
			next, _ := utf8.DecodeRuneInString(s[n+size:])
			if isWordRune(next) {
				n += size
				continue
			}
		}
		break
	}
	return n
}

// isTimeOfDay reports whether w is a time written the French way, hours,
// "h" and optional minutes ("7h44", "16h"): a number, not a word.
func isTimeOfDay(w string) bool {
	h := strings.IndexByte(w, 'h')
	if h < 1 || h > 2 || len(w)-h-1 > 2 || len(w)-h-1 == 1 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if i != h && (w[i] < '0' || w[i] > '9') {
			return false
		}
	}
	return true
}
