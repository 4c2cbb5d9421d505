package insights

import (
	"strings"

	"parvis/internal/lang"
)

// This file turns texts into the statistics that keyphrase scoring reads:
// terms (one per stem, stop words included) and candidate phrases (runs of
// words inside a sentence that neither start nor end with a stop word).

const (
	// maxCandidateWords is the longest run counted, in tokens. Runs longer than the
	// phrases shown are counted so that the fragments of a long name
	// ("mondial de la langue" in "forum mondial de la langue française")
	// can be recognised as such.
	maxCandidateWords = 7
	// maxPhraseWords is the longest phrase returned, in written words.
	maxPhraseWords = 4
)

// term gathers the occurrences of one stem.
type term struct {
	stop, number bool
	tf           int32
	// capitalized counts occurrences written with a capital inside a
	// sentence, or in capitals, which marks names and acronyms.
	capitalized int32
	// firstSent is the smallest index, inside its text, of a sentence
	// holding the term: titles and leads come first.
	firstSent int32
}

// phraseKey is a run of term ids (or, for written forms, of word ids);
// unused slots are -1.
type phraseKey [maxCandidateWords]int32

func newKey(ids []int32) phraseKey {
	var k phraseKey
	n := copy(k[:], ids)
	for i := n; i < len(k); i++ {
		k[i] = -1
	}
	return k
}

// candidate gathers the occurrences of one phrase.
type candidate struct {
	key   phraseKey
	words int32 // tokens in key
	// length counts the words as written, an elided article and the word
	// after it ("d'un") counting as one.
	length int32
	tf     int32
	// afterNoun and afterVerb count occurrences that follow a word which
	// usually comes before a noun (determiner, preposition) or before a
	// verb (pronoun, auxiliary): a cheap stand-in for part-of-speech tags.
	afterNoun, afterVerb int32
	// hashtag counts occurrences as a hashtag.
	hashtag int32
	// form is the first written form seen, as word ids, and forms counts
	// the others, if any; the most frequent is shown.
	form  phraseKey
	formN int32
	forms map[phraseKey]int32
}

// analysis holds the statistics of a set of texts.
type analysis struct {
	ids   map[string]int32 // stem → term id
	terms []term
	stems []string // term id → stem
	cands map[phraseKey]*candidate
	// wordIDs and wordForms number the written words, to record phrase
	// forms without building strings.
	wordIDs   map[string]int32
	wordForms []string
	stemCache map[[2]string]string
}

// word is a token of a text prepared for candidate search.
type word struct {
	id, form    int32
	stop        bool
	elided      bool // ends with an apostrophe ("l'", "qu'")
	number      bool
	capitalized bool // capitalized and not first in its sentence, or in capitals
	sentence    int32
	// context says what usually follows the word, when it is a stop word.
	context wordContext
	// connector marks a stop word that may stand inside a phrase ("de" in
	// "demande de changement").
	connector bool
	// breakBefore marks a phrase boundary before the word: punctuation,
	// a link, a mention or a hashtag.
	breakBefore bool
}

func newAnalysis() *analysis {
	return &analysis{
		ids:       make(map[string]int32),
		cands:     make(map[phraseKey]*candidate),
		wordIDs:   make(map[string]int32),
		stemCache: make(map[[2]string]string),
	}
}

// stem returns the stem of w in language code, cached: the same words come
// back often and stemming is the costliest step.
func (a *analysis) stem(code, w string) string {
	k := [2]string{code, w}
	if s, ok := a.stemCache[k]; ok {
		return s
	}
	s := lang.Stem(code, w)
	a.stemCache[k] = s
	return s
}

// termID returns the id of stem, adding a term when it is new.
func (a *analysis) termID(stem string, stop, number bool) int32 {
	if id, ok := a.ids[stem]; ok {
		return id
	}
	id := int32(len(a.terms))
	a.ids[stem] = id
	a.terms = append(a.terms, term{stop: stop, number: number, firstSent: -1})
	a.stems = append(a.stems, stem)
	return id
}

// formID returns the id of a written word.
func (a *analysis) formID(w string) int32 {
	if id, ok := a.wordIDs[w]; ok {
		return id
	}
	id := int32(len(a.wordForms))
	a.wordIDs[w] = id
	a.wordForms = append(a.wordForms, w)
	return id
}

// addText adds one text in language code ("fr" or "en").
func (a *analysis) addText(text, code string) {
	toks := lang.Tokenize(text)
	words := make([]word, 0, len(toks))
	var sent int32
	sentStart := true
	breakNext := false
	for _, tok := range toks {
		switch tok.Kind {
		case lang.Punct:
			breakNext = true
			if tok.EndsSentence() && !sentStart {
				sent++
				sentStart = true
			}
			continue
		case lang.URL, lang.Mention:
			breakNext = true
			continue
		case lang.Hashtag:
			breakNext = true
			a.addHashtag(tok.Text, code)
			continue
		}
		w := word{
			number:      tok.Kind == lang.Number,
			capitalized: (tok.Capitalized && !sentStart) || tok.AllCaps,
			sentence:    sent,
			breakBefore: breakNext,
		}
		// One-letter words ("x" in "Space X") carry no topic alone.
		w.stop = lang.IsStopWord(code, tok.Text) || (!w.number && len(tok.Text) < 2)
		if w.stop {
			w.connector = isConnector(code, tok.Text)
			w.context = contextOf(code, tok.Text)
		}
		stem := tok.Text
		if !w.number {
			stem = a.stem(code, tok.Text)
		}
		w.id = a.termID(stem, w.stop, w.number)
		w.form = a.formID(tok.Text)
		w.elided = strings.HasSuffix(tok.Text, "'")
		words = append(words, w)
		sentStart = false
		breakNext = false
	}
	a.countTerms(words)
	a.countCandidates(words)
}

func (a *analysis) countTerms(words []word) {
	for _, w := range words {
		t := &a.terms[w.id]
		t.tf++
		if w.capitalized {
			t.capitalized++
		}
		if t.firstSent < 0 || w.sentence < t.firstSent {
			t.firstSent = w.sentence
		}
	}
}

// isConnector reports whether stop word w may stand inside a phrase: the
// prepositions and articles that join nouns ("demande de changement de
// service", "state of the art"), not verbs or pronouns, which mostly join
// unrelated words.
func isConnector(code, w string) bool {
	switch code {
	case lang.French:
		switch w {
		case "de", "d'", "du", "des", "la", "le", "l'", "les", "à", "au", "aux", "en", "et", "un", "une":
			return true
		}
	case lang.English:
		switch w {
		case "of", "the", "and", "for", "in", "on", "at", "a", "an":
			return true
		}
	}
	return false
}

// wordContext classes stop words by what usually follows them.
type wordContext uint8

const (
	neutral wordContext = iota
	// beforeNoun: determiners and prepositions.
	beforeNoun
	// beforeVerb: subject pronouns, negations and auxiliaries.
	beforeVerb
)

func contextOf(code, w string) wordContext {
	switch code {
	case lang.French:
		switch w {
		case "le", "la", "les", "l'", "un", "une", "des", "du", "de", "d'", "au", "aux", "ce", "cet", "cette", "ces",
			"son", "sa", "ses", "leur", "leurs", "mon", "ma", "mes", "notre", "nos", "votre", "vos",
			"à", "en", "par", "pour", "sur", "sous", "avec", "sans", "dans", "chez", "entre", "vers", "contre", "selon":
			return beforeNoun
		case "il", "elle", "ils", "elles", "on", "qui", "ne", "n'", "se", "s'", "je", "j'", "nous", "vous",
			"a", "ont", "est", "sont", "été", "était", "avait", "sera", "aurait", "avaient", "étaient":
			return beforeVerb
		}
	case lang.English:
		switch w {
		case "the", "a", "an", "this", "these", "those", "its", "his", "her", "their", "our", "my", "your",
			"of", "in", "on", "for", "with", "by", "from", "at", "about", "into", "over", "under":
			return beforeNoun
		case "i", "you", "he", "she", "it", "we", "they", "who", "will", "would", "can", "could", "should",
			"must", "may", "might", "to", "has", "have", "had", "is", "are", "was", "were", "been", "not",
			"do", "does", "did", "don't", "didn't", "won't":
			return beforeVerb
		}
	}
	return neutral
}

// canStart reports whether a candidate may start at word i: a content
// word, or a stop word written with a capital inside a sentence and
// followed by a capitalized content word, as in "président de La Poste".
func canStart(words []word, i int) bool {
	w := words[i]
	if !w.stop {
		return true
	}
	return w.capitalized && i+1 < len(words) && !words[i+1].breakBefore && words[i+1].capitalized && !words[i+1].stop
}

func (a *analysis) countCandidates(words []word) {
	var ids, forms [maxCandidateWords]int32
	for i := range words {
		if !canStart(words, i) {
			continue
		}
		allNumbers := true
		for n := 1; n <= maxCandidateWords && i+n <= len(words); n++ {
			last := words[i+n-1]
			if n > 1 && (last.breakBefore || (last.stop && !last.connector)) {
				break
			}
			ids[n-1], forms[n-1] = last.id, last.form
			allNumbers = allNumbers && last.number
			if last.stop || allNumbers {
				continue
			}
			a.countOccurrence(words, i, n, ids[:n], forms[:n])
		}
	}
}

// countOccurrence counts the phrase words[i:i+n].
func (a *analysis) countOccurrence(words []word, i, n int, ids, forms []int32) {
	key := newKey(ids)
	form := newKey(forms)
	c := a.cands[key]
	if c == nil {
		c = &candidate{key: key, words: int32(n), form: form, formN: 1}
		for _, w := range words[i : i+n] {
			if !w.elided {
				c.length++
			}
		}
		a.cands[key] = c
	} else {
		c.addForm(form)
	}
	c.tf++
	if i > 0 && !words[i].breakBefore {
		switch words[i-1].context {
		case beforeNoun:
			c.afterNoun++
		case beforeVerb:
			c.afterVerb++
		}
	}
}

func (c *candidate) addForm(form phraseKey) {
	if form == c.form {
		c.formN++
		return
	}
	if c.forms == nil {
		c.forms = make(map[phraseKey]int32)
	}
	c.forms[form]++
}

// addHashtag counts a hashtag as a one-word candidate, a label that the
// author chose.
func (a *analysis) addHashtag(tag, code string) {
	id := a.termID(a.stem(code, tag), false, false)
	t := &a.terms[id]
	t.tf++
	t.firstSent = 0
	key := newKey([]int32{id})
	form := newKey([]int32{a.formID(tag)})
	c := a.cands[key]
	if c == nil {
		c = &candidate{key: key, words: 1, length: 1, form: form, formN: 1}
		a.cands[key] = c
	} else {
		c.addForm(form)
	}
	c.tf++
	c.hashtag++
}

// surface returns the most frequent written form of c, the alphabetically
// first among equals, as words separated by spaces except after an elided word
// ("d'un").
func (a *analysis) surface(c *candidate) string {
	best, n := c.form, c.formN
	for f, k := range c.forms {
		if k > n || (k == n && a.render(f) < a.render(best)) {
			best, n = f, k
		}
	}
	return a.render(best)
}

func (a *analysis) render(form phraseKey) string {
	var b strings.Builder
	for i, id := range form {
		if id < 0 {
			break
		}
		w := a.wordForms[id]
		if i > 0 && !strings.HasSuffix(a.wordForms[form[i-1]], "'") {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	return b.String()
}
