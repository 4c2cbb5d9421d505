package insights

import (
	"strings"

	"parvis/internal/lang"
)

// This file turns texts into the statistics that keyphrase scoring reads:
// terms (one per stem, stop words included) and candidate phrases (runs of
// words inside a sentence that neither start nor end with a stop word,
// joined only by the words that join nouns, and that do not cut a name).

const (
	// maxCandidateWords is the longest run counted, in tokens. Runs longer
	// than most phrases shown are counted so that the fragments of a long
	// name ("mondial de la langue" in "forum mondial de la langue
	// française") can be recognised as such.
	maxCandidateWords = 7
	// maxPhraseWords is the longest phrase returned as soon as it is seen,
	// in written words; phrases up to maxLongPhraseWords are returned
	// when two sentences or more hold them.
	maxPhraseWords     = 4
	maxLongPhraseWords = 6
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
	// unrepeated counts the occurrences outside sentences that repeat an
	// earlier one (a title printed twice): only separate sentences show
	// that words form a phrase.
	unrepeated int32
	// firstSent is the smallest index, inside its text, of a sentence
	// holding the phrase.
	firstSent int32
	// afterNoun and afterVerb count occurrences that follow a word which
	// usually comes before a noun (determiner, preposition) or before a
	// verb (pronoun, auxiliary, a preposition before an infinitive): a
	// cheap stand-in for part-of-speech tags.
	afterNoun, afterVerb int32
	// names counts the occurrences that are a whole name ("Antonis
	// Samaras").
	names int32
	// hashtag counts occurrences as a hashtag.
	hashtag int32
	// form is the first written form seen and more the others, if any;
	// surface chooses among them.
	form formCount
	more []formCount
}

// formCount counts the occurrences of one written form of a candidate, as
// word ids, and those of them that stand where nouns do (after a
// determiner or a preposition).
type formCount struct {
	form    phraseKey
	n, noun int32
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
	id, form int32
	sentence int32
	stop     bool
	elided   bool // ends with an apostrophe ("l'", "qu'")
	number   bool
	// capitalized: capitalized and not first in its sentence, or in
	// capitals; upper: capitalized wherever it stands.
	capitalized, upper bool
	// verb marks a conjugated verb, which ends phrases; infinitive a word
	// shaped like a French infinitive, a verb after a bare preposition.
	verb, infinitive bool
	// bound marks a word that makes no phrase alone ("juillet", "nouveau").
	bound bool
	// repeat marks the words of a sentence that repeats an earlier one
	// word for word.
	repeat bool
	// inName marks the words of a name of two words or more ("Thierry
	// Roland"); nameStart and nameEnd its first and last word.
	inName, nameStart, nameEnd bool
	// breakBefore marks a phrase boundary before the word: punctuation,
	// a link, a mention or a hashtag.
	breakBefore bool
	// context says what usually follows the word, when it is a stop word.
	context wordContext
	// link says whether a stop word may stand inside a phrase ("de" in
	// "demande de changement").
	link linkKind
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
			// A capital after a colon starts a clause, as in the titles
			// "France : Disparition de ...".
			if tok.Text == ":" {
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
			upper:       tok.Capitalized || tok.AllCaps,
			sentence:    sent,
			breakBefore: breakNext,
			elided:      strings.HasSuffix(tok.Text, "'"),
		}
		// One-letter words ("x" in "Space X") carry no topic alone.
		w.stop = lang.IsStopWord(code, tok.Text) || (!w.number && len(tok.Text) < 2)
		if w.stop {
			w.link = linkKindOf(code, tok.Text)
			w.context = contextOf(code, tok.Text)
		}
		if !w.number && !w.stop {
			w.bound = !w.capitalized && lang.IsBoundWord(code, tok.Text)
			w.verb = !w.upper && finiteVerb(code, tok.Text)
			w.infinitive = !w.upper && infinitiveShape(code, tok.Text)
		}
		stem := tok.Text
		if !w.number {
			stem = a.stem(code, tok.Text)
		}
		w.id = a.termID(stem, w.stop, w.number)
		w.form = a.formID(tok.Text)
		words = append(words, w)
		sentStart = false
		breakNext = false
	}
	markRepeats(words)
	markNames(words)
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

// markRepeats marks the sentences that repeat an earlier sentence of the
// text word for word, such as a title printed again above the body.
func markRepeats(words []word) {
	if len(words) == 0 || words[len(words)-1].sentence == words[0].sentence {
		return // one sentence, as most posts
	}
	seen := make(map[uint64]bool)
	for i := 0; i < len(words); {
		j := i
		// FNV-1a over the written words: a collision between two
		// different sentences of one text is too unlikely to matter.
		h := uint64(14695981039346656037)
		for ; j < len(words) && words[j].sentence == words[i].sentence; j++ {
			h = (h ^ uint64(uint32(words[j].form))) * 1099511628211
		}
		if seen[h] {
			for k := i; k < j; k++ {
				words[k].repeat = true
			}
		}
		seen[h] = true
		i = j
	}
}

// markNames finds the names: runs of two words or more, each capitalized
// and not first in its sentence, where the first word of a sentence joins
// when the next word is capitalized too ("Thierry Roland a ..."). Names
// are read as ending on their head, the family name: a candidate may
// start inside a name ("Samaras", "Le Pen") but not end inside one, so
// that "Thierry" inside "Thierry Roland" does not count as a mention of
// its own.
func markNames(words []word) {
	nameWord := func(i int) bool {
		w := words[i]
		if w.capitalized {
			return true
		}
		return w.upper && !w.stop && i+1 < len(words) && !words[i+1].breakBefore &&
			words[i+1].capitalized && !words[i+1].stop
	}
	for i := 0; i < len(words); {
		j := i + 1
		if nameWord(i) {
			for j < len(words) && !words[j].breakBefore && nameWord(j) {
				j++
			}
		}
		if j-i >= 2 {
			for k := i; k < j; k++ {
				words[k].inName = true
			}
			words[i].nameStart = true
			words[j-1].nameEnd = true
		}
		i = j
	}
}

// linkKind classes the stop words that may stand inside a phrase.
type linkKind uint8

const (
	noLink linkKind = iota
	// linkOf: "de" and its forms, which join a noun to its complement
	// ("forces de sécurité", "accident d'un camion", "state of the art").
	linkOf
	// linkTo: "à", "en" and their forms, which join a noun to a complement
	// ("vie au travail", "commerce en ligne") but more often to a place or
	// a date ("hôtel à Kaboul", "en 2012", "en juillet"): they link only
	// before a lowercase word that is not a number or a bound word.
	linkTo
	// linkArticle: articles, inside a phrase only right after a
	// preposition ("forces de la coalition"); after any other word they
	// start a new phrase ("constater le décès").
	linkArticle
)

// linkKindOf returns the link kind of stop word w.
func linkKindOf(code, w string) linkKind {
	switch code {
	case lang.French:
		switch w {
		case "de", "d'", "du", "des":
			return linkOf
		case "à", "au", "aux", "en":
			return linkTo
		case "la", "le", "l'", "les", "un", "une":
			return linkArticle
		}
	case lang.English:
		switch w {
		case "of":
			return linkOf
		case "for", "in", "on", "at":
			return linkTo
		case "the", "a", "an":
			return linkArticle
		}
	}
	return noLink
}

// canLink reports whether words[k], a stop word, may stand inside a
// phrase that starts at words[start].
func canLink(words []word, start, k int) bool {
	w := words[k]
	if w.inName && !w.nameStart && !w.nameEnd {
		return true // "Marine Le Pen"
	}
	switch w.link {
	case linkOf:
		return true
	case linkTo:
		if k+1 >= len(words) {
			return false
		}
		next := words[k+1]
		return !next.upper && !next.number && !next.bound
	case linkArticle:
		return k > start && (words[k-1].link == linkOf || words[k-1].link == linkTo)
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
	// beforeEither: the bare prepositions that come before a noun or an
	// infinitive ("de sécurité", "de libérer").
	beforeEither
)

func contextOf(code, w string) wordContext {
	switch code {
	case lang.French:
		switch w {
		case "de", "d'", "à", "par", "pour", "sans":
			return beforeEither
		case "le", "la", "les", "l'", "un", "une", "des", "du", "au", "aux", "ce", "cet", "cette", "ces",
			"son", "sa", "ses", "leur", "leurs", "mon", "ma", "mes", "notre", "nos", "votre", "vos",
			"en", "sur", "sous", "avec", "dans", "chez", "entre", "vers", "contre", "selon":
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

// contextBefore returns what the word before words[i] says of it.
func contextBefore(words []word, i int) wordContext {
	if i == 0 || words[i].breakBefore {
		return neutral
	}
	ctx := words[i-1].context
	if ctx == beforeEither {
		if words[i].infinitive {
			return beforeVerb
		}
		return beforeNoun
	}
	return ctx
}

// finiteVerb reports whether w has an ending that, in French, is almost
// only found on conjugated verbs (imperfect, conditional, future, simple
// past: "augmentera", "poursuivaient"), which no keyphrase holds, apart
// from a few nouns ("portrait", "souhait", "opéra", "front").
func finiteVerb(code, w string) bool {
	if code != lang.French || len(w) < 5 {
		return false
	}
	for _, suffix := range [...]string{"aient", "eront", "erait", "èrent", "irent", "ssent"} {
		if strings.HasSuffix(w, suffix) {
			return true
		}
	}
	switch {
	case strings.HasSuffix(w, "ait"):
		for _, noun := range [...]string{"trait", "lait", "souhait", "fait"} {
			if strings.HasSuffix(w, noun) {
				return false
			}
		}
		return true
	case strings.HasSuffix(w, "era"):
		return w != "opéra" && w != "caméra" && w != "choléra"
	case strings.HasSuffix(w, "ront"):
		return !strings.HasSuffix(w, "front")
	}
	return false
}

// infinitiveShape reports whether French word w ends like the infinitive
// of a verb of the first two groups ("libérer", "réussir"). Nouns end so
// too ("dossier", "avenir"), so the word before decides.
func infinitiveShape(code, w string) bool {
	return code == lang.French && len(w) > 4 && (strings.HasSuffix(w, "er") || strings.HasSuffix(w, "ir"))
}

// canStart reports whether a candidate may start at word i: a content
// word, or a capitalized stop word that starts a name ("La Poste") or
// stands inside one ("Le Pen" in "Marine Le Pen").
func canStart(words []word, i int) bool {
	w := words[i]
	if !w.stop {
		return !w.verb
	}
	return w.nameStart || (w.inName && w.capitalized && w.link != noLink)
}

func (a *analysis) countCandidates(words []word) {
	var ids, forms [maxCandidateWords]int32
	for i := range words {
		if !canStart(words, i) {
			continue
		}
		allNumbers := true
		for n := 1; n <= maxCandidateWords && i+n <= len(words); n++ {
			k := i + n - 1
			last := words[k]
			if n > 1 && (last.breakBefore || last.verb || (last.stop && !canLink(words, i, k))) {
				break
			}
			ids[n-1], forms[n-1] = last.id, last.form
			allNumbers = allNumbers && last.number
			switch {
			case last.stop, allNumbers:
			case n == 1 && last.bound: // "juillet", "euros"
			case last.inName && !last.nameEnd: // "Thierry" in "Thierry Roland"
			default:
				a.countOccurrence(words, i, n, ids[:n], forms[:n])
			}
		}
	}
}

// countOccurrence counts the phrase words[i:i+n].
func (a *analysis) countOccurrence(words []word, i, n int, ids, forms []int32) {
	key := newKey(ids)
	first := words[i]
	c := a.cands[key]
	if c == nil {
		c = &candidate{key: key, words: int32(n), firstSent: first.sentence}
		for _, w := range words[i : i+n] {
			if !w.elided {
				c.length++
			}
		}
		a.cands[key] = c
	}
	ctx := contextBefore(words, i)
	c.addForm(newKey(forms), ctx == beforeNoun)
	c.tf++
	if !first.repeat {
		c.unrepeated++
	}
	c.firstSent = min(c.firstSent, first.sentence)
	switch ctx {
	case beforeNoun:
		c.afterNoun++
	case beforeVerb:
		c.afterVerb++
	}
	if first.nameStart && words[i+n-1].nameEnd {
		c.names++
	}
}

func (c *candidate) addForm(form phraseKey, noun bool) {
	f := &c.form
	switch {
	case c.form.n == 0:
		c.form.form = form
	case c.form.form != form:
		f = nil
		for k := range c.more {
			if c.more[k].form == form {
				f = &c.more[k]
				break
			}
		}
		if f == nil {
			c.more = append(c.more, formCount{form: form})
			f = &c.more[len(c.more)-1]
		}
	}
	f.n++
	if noun {
		f.noun++
	}
}

// addHashtag counts a hashtag as a one-word candidate, a label that the
// author chose.
func (a *analysis) addHashtag(tag, code string) {
	id := a.termID(a.stem(code, tag), false, false)
	t := &a.terms[id]
	t.tf++
	t.firstSent = 0
	key := newKey([]int32{id})
	c := a.cands[key]
	if c == nil {
		c = &candidate{key: key, words: 1, length: 1}
		a.cands[key] = c
	}
	c.addForm(newKey([]int32{a.formID(tag)}), false)
	c.tf++
	c.unrepeated++
	c.hashtag++
}

// surface returns the written form that names c best, as words separated
// by spaces except after an elided word ("d'un"). Each form weighs its
// occurrences, plus those where it stands as a noun, plus its occurrences
// again if it ends with a suffix that makes nouns: a topic is named by a
// noun ("libération" rather than "libérer"). Among equals the base form
// wins, the one the others extend ("gendarme" before "gendarmes"), then
// the first seen.
func (a *analysis) surface(c *candidate) string {
	best, bestWeight := "", int32(-1)
	for k := -1; k < len(c.more); k++ {
		f := c.form
		if k >= 0 {
			f = c.more[k]
		}
		text := a.render(f.form)
		w := f.n + f.noun
		if nounSuffix(text) {
			w += f.n
		}
		if w > bestWeight || (w == bestWeight && len(text) < len(best) && strings.HasPrefix(best, text)) {
			best, bestWeight = text, w
		}
	}
	return best
}

// nounSuffix reports whether s ends with a French suffix that makes nouns
// ("libération", "antisémitisme", "fiscalité", "bourgeoisie").
func nounSuffix(s string) bool {
	for _, suffix := range [...]string{"tion", "sion", "isme", "ité", "ance", "ence", "ie"} {
		if strings.HasSuffix(s, suffix) {
			return true
		}
	}
	return false
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
