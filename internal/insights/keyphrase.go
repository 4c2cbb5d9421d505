package insights

import (
	"container/heap"
	"math"
	"slices"

	"parvis/internal/lang"
)

// Phrase is a keyphrase with its score; higher scores rank first. Scores
// compare phrases of one call; across calls only their shares do.
type Phrase struct {
	// Phrase is the written form that names the phrase best, lowercased:
	// the most frequent, noun uses counting extra.
	Phrase string  `json:"phrase"`
	Score  float64 `json:"score"`
}

// KeyphraseOptions tunes Keyphrases. The zero value detects the language
// of each text and returns ten phrases.
type KeyphraseOptions struct {
	// Lang is "fr" or "en" to force a language, or "" (or "auto") to detect
	// it per text; any other value also detects. Texts detected as another
	// language are skipped; texts too short to tell take the language of
	// most others, English if none.
	Lang string
	// Top is the number of phrases returned; 0 means 10, negative means all.
	Top int
	// DocFreq holds document frequencies from a background corpus, which
	// lower the weight of words common to all documents. It may be nil.
	DocFreq *DocFreq
}

// Keyphrases returns the phrases that best describe texts taken together as
// one document (the posts of a conversation or of a period, or the
// paragraphs of an article), best first.
//
// Candidates are runs of one to four written words inside a sentence (up
// to six when two sentences hold them) that neither start nor end with a
// stop word and are joined inside only by the words that join nouns ("de",
// "à" before a lowercase word, an article right after those). They hold no
// conjugated verb, do not cut a name ("Thierry" alone inside "Thierry
// Roland"), and are neither only numbers nor a word that needs another
// alone ("juillet", "euros", "nouveau": see lang.IsBoundWord). Variants
// that share their Snowball stems count as one phrase, shown in its most
// frequent written form, uses as a noun and noun suffixes counting extra
// ("libération" rather than "libérer"). Hashtags are candidates of their
// own, weighted as labels. The comment on the scoring constants below
// describes the ranking.
func Keyphrases(texts []string, opt KeyphraseOptions) []Phrase {
	a := analyze(texts, opt.Lang)
	return a.rank(opt.DocFreq, opt.Top)
}

// analyze resolves the language of each text and gathers the statistics.
func analyze(texts []string, forced string) *analysis {
	a := newAnalysis()
	codes := make([]string, len(texts))
	const other = "-"
	counts := map[string]int{}
	for i, t := range texts {
		switch forced {
		case lang.French, lang.English:
			codes[i] = forced
			continue
		}
		code, ok := lang.Detect(t)
		switch {
		case !ok:
		case code == lang.French || code == lang.English:
			codes[i] = code
			counts[code]++
		default:
			codes[i] = other
		}
	}
	fallback := lang.English
	if counts[lang.French] > counts[lang.English] {
		fallback = lang.French
	}
	for i, t := range texts {
		switch codes[i] {
		case other:
		case "":
			a.addText(t, fallback)
		default:
			a.addText(t, codes[i])
		}
	}
	return a
}

// Scoring. A content term t (a stem that is not a stop word or a number)
// weighs
//
//	w(t) = idf(t) · (1 + positionBoost/(1+s)) · (1 + caseBoost·c/tf)
//
// where s is the index of the first sentence holding t inside its text
// (titles and leads come first), c counts its capitalized occurrences
// inside sentences (names, acronyms), and idf comes from DocFreq (1
// without). A candidate phrase p scores
//
//	score(p) = f(p)^tfExponent · geomean of w over its content terms
//	           · lengthFactor[len(p)] · nounness(p)^nounExponent
//	           · (1 + positionBoost/(1+s(p)))
//
// where s(p) is the first sentence holding p itself, and f(p) counts its
// occurrences; for a phrase of several words, only those outside sentences
// that repeat an earlier one word for word: a title printed twice stresses
// its words, but only separate sentences show that words make a phrase
// ("lancement réussi" in a title seen once is no term). nounness(p) =
// (a+1)/(a+v+2), a and v counting the occurrences of p that follow a
// determiner or preposition (as nouns do) and a pronoun, an auxiliary or,
// for a word shaped like an infinitive, a bare preposition (as verbs do).
// Phrases found only inside a longer candidate (as often as it) are
// fragments of it and are dropped, except a whole name inside the name
// with a description ("conservateur Antonis Samaras"). Hashtags score
// hashtagBoost times more. Phrases are then chosen greedily, each one's
// score multiplied by overlapFactor for every chosen phrase that shares a
// content term with it, so that one topic does not fill the list.
//
// The features come from YAKE (Campos et al., 2020: frequency, position,
// casing), TF-IDF, and TopicRank's grouping of variants (Bougouin et al.,
// 2013); the candidate rules are general facts of French and English
// writing. The constants, first chosen on the whole WikiNews French set,
// were checked again on its first half only, the second half being held
// out (see TestWikiNews); they have few degrees of freedom.
const (
	positionBoost = 1.0
	caseBoost     = 0.5
	tfExponent    = 1.5
	nounExponent  = 1.5
	hashtagBoost  = 2.0
	overlapFactor = 0.9
)

// lengthFactor favours two-word phrases, which were right most often.
var lengthFactor = [maxLongPhraseWords]float64{1, 1.4, 1.2, 1, 1, 1}

// scored is a candidate with its current score, for the greedy choice.
type scored struct {
	c     *candidate
	score float64
	// seen is how many phrases were chosen when score was computed.
	seen int
}

func (a *analysis) rank(df *DocFreq, top int) []Phrase {
	if top == 0 {
		top = 10
	}
	weights := make([]float64, len(a.terms))
	for id, t := range a.terms {
		if t.stop || t.number || t.tf == 0 {
			continue
		}
		idf := 1.0
		if df != nil {
			idf = df.idf(a.stems[id])
		}
		weights[id] = idf *
			(1 + positionBoost/(1+float64(t.firstSent))) *
			(1 + caseBoost*float64(t.capitalized)/float64(t.tf))
	}
	nested := a.nested()
	h := make(scoreHeap, 0, len(a.cands))
	for _, c := range a.cands {
		if c.length > maxLongPhraseWords || (c.length > maxPhraseWords && c.unrepeated < 2) || nested[c] {
			continue
		}
		var logSum float64
		content := 0
		for _, id := range c.key[:c.words] {
			if w := weights[id]; w > 0 {
				logSum += math.Log(w)
				content++
			}
		}
		if content == 0 {
			continue
		}
		f := c.tf
		if c.words > 1 {
			f = c.unrepeated
		}
		s := math.Pow(float64(f), tfExponent) *
			math.Exp(logSum/float64(content)) *
			lengthFactor[c.length-1] *
			math.Pow(float64(c.afterNoun+1)/float64(c.afterNoun+c.afterVerb+2), nounExponent) *
			(1 + positionBoost/(1+float64(c.firstSent)))
		if c.hashtag > 0 {
			s *= hashtagBoost
		}
		h = append(h, scored{c: c, score: s})
	}
	heap.Init(&h)
	// Lazy greedy choice: overlap only lowers scores, so a candidate whose
	// score, brought up to date, still beats the next one is the best.
	var chosen []*candidate
	var scores []float64
	for h.Len() > 0 && (top < 0 || len(chosen) < top) {
		best := &h[0]
		if best.seen < len(chosen) {
			for _, o := range chosen[best.seen:] {
				if a.shareTerm(best.c, o) {
					best.score *= overlapFactor
				}
			}
			best.seen = len(chosen)
			heap.Fix(&h, 0)
			continue
		}
		chosen = append(chosen, best.c)
		scores = append(scores, best.score)
		heap.Pop(&h)
	}
	out := make([]Phrase, len(chosen))
	for i, c := range chosen {
		out[i] = Phrase{Phrase: a.surface(c), Score: scores[i]}
	}
	return out
}

// nested returns the candidates that occur only inside a longer
// candidate: one that holds them has the same frequency. Only the two
// largest candidates inside each one are looked at, the run without its
// first content word and the run without its last: frequencies can only
// grow from a run to the runs it holds, so an equal frequency further in
// passes through them. A name is no fragment of itself with a
// description ("conservateur Antonis Samaras").
func (a *analysis) nested() map[*candidate]bool {
	out := make(map[*candidate]bool)
	for _, c := range a.cands {
		n := int(c.words)
		if n < 2 {
			continue
		}
		start := 1
		for start < n && a.terms[c.key[start]].stop {
			start++
		}
		end := n - 1
		for end > 0 && a.terms[c.key[end-1]].stop {
			end--
		}
		for _, run := range [...][2]int{{start, n}, {0, end}} {
			if run[0] >= run[1] {
				continue
			}
			sub := a.cands[newKey(c.key[run[0]:run[1]])]
			if sub != nil && sub.tf == c.tf && (sub.names < sub.tf || c.names == c.tf) {
				out[sub] = true
			}
		}
	}
	return out
}

// shareTerm reports whether x and y have a content term in common.
func (a *analysis) shareTerm(x, y *candidate) bool {
	for _, i := range x.key[:x.words] {
		if a.terms[i].stop {
			continue
		}
		if slices.Contains(y.key[:y.words], i) {
			return true
		}
	}
	return false
}

// scoreHeap orders candidates by score, best first, and by key among
// equals so that results do not depend on map order.
type scoreHeap []scored

func (h scoreHeap) Len() int { return len(h) }
func (h scoreHeap) Less(i, j int) bool {
	if h[i].score != h[j].score {
		return h[i].score > h[j].score
	}
	return slices.Compare(h[i].c.key[:], h[j].c.key[:]) < 0
}
func (h scoreHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *scoreHeap) Push(x any)   { *h = append(*h, x.(scored)) }
func (h *scoreHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// DocFreq counts, over a background corpus of documents, how many
// documents hold each stem.
type DocFreq struct {
	docs   int
	counts map[string]int
}

// NewDocFreq returns an empty DocFreq.
func NewDocFreq() *DocFreq {
	return &DocFreq{counts: make(map[string]int)}
}

// Add counts one document made of texts, in language code ("fr", "en", or
// "" to detect it per text).
func (d *DocFreq) Add(texts []string, code string) {
	d.update(texts, code, 1)
}

// Remove takes back a document counted by Add, for leave-one-out use.
func (d *DocFreq) Remove(texts []string, code string) {
	d.update(texts, code, -1)
}

func (d *DocFreq) update(texts []string, code string, delta int) {
	a := analyze(texts, code)
	for id, t := range a.terms {
		if t.stop || t.number {
			continue
		}
		k := a.stems[id]
		d.counts[k] += delta
		if d.counts[k] <= 0 {
			delete(d.counts, k)
		}
	}
	d.docs += delta
}

// Docs returns the number of documents counted.
func (d *DocFreq) Docs() int { return d.docs }

// Count returns the number of documents holding stem.
func (d *DocFreq) Count(stem string) int { return d.counts[stem] }

// idf returns the smoothed inverse document frequency of stem.
func (d *DocFreq) idf(stem string) float64 {
	return math.Log(float64(d.docs+1)/float64(d.counts[stem]+1)) + 1
}
