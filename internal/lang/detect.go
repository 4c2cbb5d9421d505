package lang

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Detection is a naive Bayes classifier over two kinds of evidence, both
// written by hand from general knowledge of the languages:
//   - the most frequent words of each language, ranked; a word's probability
//     follows Zipf's law from its rank;
//   - letters whose frequency differs much between the languages (accents,
//     w, k, y, z, q...), counted in every word.
//   - letter pairs that differ much between the languages;
//   - the final letter of words that no list holds. URLs, mentions, hashtags and numbers are ignored.

// detectLangs are the languages Detect can return, in the order of the
// score arrays below.
var detectLangs = [...]string{French, English, Spanish, German, Italian}

const nLangs = len(detectLangs)

// frequentWords lists, for each language of detectLangs, its most frequent
// words, most frequent first. Elided forms end with an apostrophe.
var frequentWords = [nLangs]string{
	// French
	`de la le et les des l' d' en un du une que est à pour qui dans a par plus
	pas au sur ne se n' ce il qu' sont avec s' ou mais été elle c' son lui nous
	vous je on sa ses aux y leur cette comme être j' tout deux fait était ont
	aussi bien où sans peut dont entre avait ces sous après même autres faire
	très donc alors encore avant depuis lors selon contre chez ils elles notre
	votre mes mon ton ta tu moi ceux celle cela ça pourquoi parce quand comment
	toujours jamais rien jusqu' lorsqu' aujourd'hui avoir ai était été fois
	déjà leurs quelques plusieurs ainsi car vers dès également toutes tous
	trop beaucoup peu chaque nouveau nouvelle premier première grand grande
	là ici oui non merci suis es êtes sommes sera seront avons avez doit faut
	va vont fut chez leurs lui cet quel quelle`,
	// English
	`the of and to a in is that for it was on with as he be by at you are this
	his from or have not but an they which one had we were her she all there
	been their has would will what if can more when so who no about do said up
	out them its into than my then also some could our any only other new time
	may like just how after two me your over people first these him did get
	now i don't can't i'm it's that's should because very through where most
	being those here why while does really think know want going make good
	much many still should year years today great thanks love day way well
	back even never every something nothing anyone everyone`,
	// Spanish
	`de la que el en y a los del se las por un para con no una su al lo como
	más pero sus le ya o este sí porque esta entre cuando muy sin sobre también
	me hasta hay donde quien desde todo nos durante todos uno les ni contra
	otros ese eso ante ellos e esto mí antes algunos qué unos yo otro otras otra
	él tanto esa estos mucho quienes nada muchos cual poco ella estar estas
	algunas algo nosotros es son está fue ha han era hace puede tiene ser años
	están gracias hoy bien así después cómo dónde porqué aquí ahora siempre
	tiene tienen mejor nuevo nueva gran parte vez`,
	// German
	`der die und in den von zu das mit sich des auf für ist im dem nicht ein
	eine als auch es an werden aus er hat dass daß sie nach wird bei einer um
	am sind noch wie einem über einen so zum war haben nur oder aber vor zur
	bis mehr durch man sein wurde sei ich du wir ihr kann wenn dann schon sehr
	diese dieser gibt keine kein jetzt heute immer hier gut neue neuen uns
	mich mir dich dir ihre ihren seine seiner unsere euch habe hatte wieder
	können muss soll will viel viele ganz danke gegen ohne unter zwischen`,
	// Italian
	`di e il la che a in un per è del non una da sono le con si i al della gli
	lo ha nel come più ma anche alla ci dei delle questo se ne sua mi suo
	nella o io tu noi voi loro era essere cosa quando molto tutto fatto stato
	hanno dopo perché l' dell' all' nell' un' sul sulla degli agli negli dal
	dalla questa quello quella sempre oggi grazie ancora solo tra fra dove
	siamo siete sei ho hai abbiamo avete fare può nuovo nuova primo prima
	ogni altri altre alle ai nei sui tutti tutte uno bene qui`,
}

// letterPerMille gives, for letters whose frequency differs much between
// the languages, their approximate frequency per thousand letters in each
// language of detectLangs.
var letterPerMille = map[rune][nLangs]float64{
	'é': {19, 0.1, 4, 0.1, 0.5},
	'è': {2.7, 0.05, 0.05, 0.05, 3},
	'ê': {2.2, 0.05, 0.05, 0.05, 0.05},
	'à': {5, 0.05, 0.1, 0.05, 6},
	'ç': {0.9, 0.05, 0.05, 0.05, 0.05},
	'â': {0.4, 0.05, 0.05, 0.05, 0.05},
	'î': {0.5, 0.05, 0.05, 0.05, 0.05},
	'ô': {0.3, 0.05, 0.05, 0.05, 0.05},
	'û': {0.6, 0.05, 0.05, 0.05, 0.05},
	'ù': {0.6, 0.05, 0.05, 0.05, 1.7},
	'ë': {0.1, 0.05, 0.05, 0.05, 0.05},
	'ï': {0.2, 0.05, 0.05, 0.05, 0.05},
	'ñ': {0.05, 0.05, 3, 0.05, 0.05},
	'á': {0.05, 0.05, 5, 0.05, 0.05},
	'í': {0.05, 0.05, 7, 0.05, 0.1},
	'ó': {0.05, 0.05, 8, 0.05, 0.1},
	'ú': {0.05, 0.05, 2, 0.05, 0.1},
	'ì': {0.05, 0.05, 0.05, 0.05, 0.3},
	'ò': {0.05, 0.05, 0.05, 0.05, 1},
	'ä': {0.05, 0.05, 0.05, 5, 0.05},
	'ö': {0.05, 0.05, 0.05, 3, 0.05},
	'ü': {0.05, 0.05, 0.05, 6.5, 0.05},
	'ß': {0.05, 0.05, 0.05, 3, 0.05},
	'w': {0.5, 24, 0.2, 19, 0.3},
	'k': {0.5, 8, 0.1, 12, 0.1},
	'y': {3, 20, 9, 0.4, 0.2},
	'j': {6, 1.5, 4, 3, 0.1},
	'z': {3, 0.7, 5, 11, 9},
	'q': {14, 1, 9, 0.2, 5},
	'h': {7, 61, 7, 46, 15},
	'v': {16, 10, 10, 8, 21},
	'u': {63, 28, 39, 41, 30},
	'o': {54, 75, 87, 25, 98},
}

// bigramPerMille gives, for letter pairs whose frequency differs much
// between the languages, their approximate frequency per thousand letter
// pairs in each language of detectLangs.
var bigramPerMille = map[[2]rune][nLangs]float64{
	{'o', 'u'}: {25, 14, 1, 0.5, 1},
	{'e', 'u'}: {14, 0.5, 2, 10, 1},
	{'a', 'i'}: {12, 4, 2, 2, 3},
	{'o', 'i'}: {6, 1, 0.5, 0.2, 2},
	{'a', 'u'}: {9, 2, 2, 9, 2},
	{'t', 'h'}: {0.5, 35, 0.1, 0.5, 0.1},
	{'s', 'h'}: {0.1, 7, 0.1, 0.1, 0.1},
	{'c', 'h'}: {6, 6, 4, 28, 4},
	{'c', 'k'}: {0.05, 2, 0.05, 4, 0.05},
	{'u', 'e'}: {4, 1, 12, 1, 3},
	{'i', 'e'}: {4, 5, 6, 20, 5},
	{'e', 'i'}: {1, 2, 0.5, 20, 1},
	{'l', 'l'}: {4, 6, 9, 4, 10},
	{'g', 'l'}: {0.5, 0.5, 0.5, 0.5, 6},
	{'z', 'z'}: {0.05, 0.05, 0.05, 0.2, 2},
	{'z', 'i'}: {0.2, 0.2, 0.5, 1, 6},
	{'q', 'u'}: {12, 1, 9, 0.1, 5},
	{'e', 'e'}: {1, 4, 0.5, 2, 0.2},
	{'o', 'o'}: {0.1, 4, 0.2, 0.3, 0.2},
	{'s', 's'}: {5, 4, 0.1, 5, 6},
	{'r', 'r'}: {1.5, 0.5, 2, 0.2, 3},
	{'t', 't'}: {2, 2, 0.1, 3, 8},
	{'n', 'n'}: {2, 1, 0.2, 4, 3},
	{'p', 'p'}: {1, 1, 0.1, 0.5, 2},
	{'n', 'g'}: {1, 9, 0.5, 6, 2},
	{'u', 'x'}: {2, 0.05, 0.05, 0.05, 0.05},
}

// finalPercent gives, for each language of detectLangs, the approximate
// share in percent of words ending with a letter. Endings tell apart
// languages that share their short function words (French "de la" and
// Spanish "de la"); letters not listed count 0.1.
var finalPercent = map[rune][nLangs]float64{
	'e': {35, 20, 12, 18, 22},
	's': {18, 14, 18, 8, 0.3},
	't': {9, 10, 0.1, 11, 0.2},
	'r': {6, 4, 5, 15, 1},
	'é': {4, 0.1, 0.5, 0.1, 0.2},
	'x': {2, 0.1, 0.1, 0.1, 0.1},
	'n': {3, 8, 7, 26, 3},
	'l': {3, 3, 7, 0.5, 4},
	'a': {3, 3, 22, 0.5, 20},
	'u': {2, 0.3, 0.2, 0.3, 0.3},
	'i': {2, 0.3, 0.3, 0.3, 20},
	'd': {1, 10, 1, 3, 0.3},
	'o': {0.5, 3, 22, 0.5, 23},
	'y': {0.5, 6, 2, 0.1, 0.1},
	'h': {0.3, 3, 0.1, 4, 0.1},
	'm': {0.3, 1, 0.1, 4, 0.1},
	'f': {0.3, 5, 0.1, 1, 0.1},
	'g': {0.3, 3, 0.1, 2, 0.1},
	'k': {0.1, 1, 0.1, 0.5, 0.1},
	'z': {0.3, 0.1, 0.5, 0.3, 0.1},
	'í': {0.1, 0.1, 1, 0.1, 0.1},
	'ó': {0.1, 0.1, 0.5, 0.1, 0.1},
	'è': {0.1, 0.1, 0.1, 0.1, 2},
	'à': {0.5, 0.1, 0.1, 0.1, 1},
	'ù': {0.1, 0.1, 0.1, 0.1, 0.5},
}

// detectTables holds the log-probabilities built from the tables above,
// letter tables indexed by rune and already scaled by their weights. It is
// built once when the package is initialised and only read afterwards.
var detectTables = buildDetectTables()

type detectTable struct {
	words map[string][nLangs]float32
	// letters holds the scaled evidence of Latin-1 letters (zero when not
	// listed); finals that of final letters, otherFinal for unlisted ones.
	letters    [256][nLangs]float32
	finals     [256][nLangs]float32
	otherFinal [nLangs]float32
	// bigramIndex maps an ASCII letter pair (128·first + second) to 1 +
	// its index in bigrams, or 0.
	bigramIndex [128 * 128]uint8
	bigrams     [][nLangs]float32
}

// unlistedLogProb is the log-probability given to a word that is in another
// language's list but not in this one's: about that of a word of rank 400.
var unlistedLogProb = float32(math.Log(zipf(400)))

// zipf returns the approximate probability of the word of rank r (0-based)
// in running text.
func zipf(r int) float64 {
	return 0.06 / math.Pow(float64(r)+1.5, 0.95)
}

// scaledLog returns weight·log(f/per) for each language.
func scaledLog(freq [nLangs]float64, per, weight float64) [nLangs]float32 {
	var lp [nLangs]float32
	for k, f := range freq {
		lp[k] = float32(weight * math.Log(f/per))
	}
	return lp
}

func buildDetectTables() *detectTable {
	t := &detectTable{words: make(map[string][nLangs]float32)}
	for li, list := range frequentWords {
		for r, w := range strings.Fields(list) {
			p, ok := t.words[w]
			if !ok {
				for k := range p {
					p[k] = unlistedLogProb
				}
			}
			if lp := float32(math.Log(zipf(r))); lp > p[li] {
				p[li] = lp
			}
			t.words[w] = p
		}
	}
	for r, freq := range letterPerMille {
		t.letters[r] = scaledLog(freq, 1000, letterWeight)
	}
	t.otherFinal = scaledLog([nLangs]float64{0.1, 0.1, 0.1, 0.1, 0.1}, 100, finalWeight)
	for r := range t.finals {
		t.finals[r] = t.otherFinal
	}
	for r, pct := range finalPercent {
		t.finals[r] = scaledLog(pct, 100, finalWeight)
	}
	for b, freq := range bigramPerMille {
		t.bigrams = append(t.bigrams, scaledLog(freq, 1000, bigramWeight))
		t.bigramIndex[128*b[0]+b[1]] = uint8(len(t.bigrams))
	}
	return t
}

// letterWeight scales letter evidence: letters are not independent of each
// other or of the words, so each counts for less than a word.
const letterWeight = 0.35

// bigramWeight scales the evidence of letter pairs.
const bigramWeight = 0.3

// finalWeight scales the evidence of the final letter of words that are in
// no list.
const finalWeight = 0.5

// minMargin is the least difference in log-probability between the best
// and the second language for Detect to be sure.
const minMargin = 2.0

// Detect returns the ISO 639-1 code of the language of text (fr, en, es,
// de or it), and false when the text holds too little evidence to tell, such
// as only links, tags, numbers or emoji, or a few words common to several
// languages.
func Detect(text string) (code string, ok bool) {
	var score [nLangs]float32
	t := detectTables
	words := 0
	scan(text, func(tok Token) {
		if tok.Kind != Word {
			return
		}
		words++
		addWord(&score, t, tok.Text, tok.Capitalized)
		addLetters(&score, t, tok.Text)
	})
	if words == 0 {
		return "", false
	}
	best, second := 0, -1
	for k := 1; k < nLangs; k++ {
		switch {
		case score[k] > score[best]:
			best, second = k, best
		case second < 0 || score[k] > score[second]:
			second = k
		}
	}
	if score[best]-score[second] < minMargin {
		return "", false
	}
	return detectLangs[best], true
}

// addWord adds the evidence of one lowercased word. A word with an inner
// apostrophe ("dell'anno", "don't") is also looked up by its parts. A word
// in no list gives the evidence of its final letter, unless it is
// capitalized: names and acronyms ("PSA", "Obama") follow no language.
func addWord(score *[nLangs]float32, t *detectTable, w string, capitalized bool) {
	if lp, ok := t.words[w]; ok {
		add(score, lp)
		return
	}
	if last, _ := utf8.DecodeLastRuneInString(w); !capitalized && utf8.RuneCountInString(w) > 2 && unicode.IsLetter(last) {
		if last < 256 {
			add(score, t.finals[last])
		} else {
			add(score, t.otherFinal)
		}
	}
	k := strings.IndexByte(w, '\'')
	if k <= 0 {
		return
	}
	if lp, ok := t.words[w[:k+1]]; ok {
		add(score, lp)
	}
	if rest := w[k+1:]; utf8.RuneCountInString(rest) > 1 {
		if lp, ok := t.words[rest]; ok {
			add(score, lp)
		}
	}
}

// addLetters adds the evidence of the letters and letter pairs of w.
func addLetters(score *[nLangs]float32, t *detectTable, w string) {
	var prev rune
	for _, r := range w {
		if r < 256 {
			add(score, t.letters[r])
			if r < 128 && prev < 128 {
				if i := t.bigramIndex[128*prev+r]; i > 0 {
					add(score, t.bigrams[i-1])
				}
			}
		}
		prev = r
	}
}

func add(score *[nLangs]float32, lp [nLangs]float32) {
	for k := range score {
		score[k] += lp[k]
	}
}
