package insights

import (
	"bufio"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"parvis/internal/lang"
)

func phrases(ps []Phrase) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Phrase
	}
	return out
}

// TestKeyphrasesEnglish checks, on short English texts written for the
// purpose, that the expected topics are found in the top ten.
func TestKeyphrasesEnglish(t *testing.T) {
	f, err := os.Open("testdata/en_keyphrases.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type doc struct {
		want []string
		text string
	}
	var docs []doc
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#") || line == "":
		case strings.HasPrefix(line, "want: "):
			var want []string
			for _, w := range strings.Split(strings.TrimPrefix(line, "want: "), "|") {
				want = append(want, strings.TrimSpace(w))
			}
			docs = append(docs, doc{want: want})
		default:
			docs[len(docs)-1].text += line + "\n"
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(docs) != 5 {
		t.Fatalf("got %d documents, want 5", len(docs))
	}
	for _, d := range docs {
		got := phrases(Keyphrases([]string{d.text}, KeyphraseOptions{}))
		for _, w := range d.want {
			if !slices.Contains(got, w) {
				t.Errorf("top ten %q: want it to hold %q", got, w)
			}
		}
	}
}

func TestKeyphrasesRules(t *testing.T) {
	tests := []struct {
		name    string
		texts   []string
		opt     KeyphraseOptions
		want    []string // must be among the results
		notWant []string // must not be among the results
	}{
		{
			name: "variants grouped by stem, most frequent form shown",
			texts: []string{"Les élections municipales approchent.", "Les élections municipales auront lieu en mars.",
				"Une élection municipale se prépare."},
			opt:     KeyphraseOptions{Lang: "fr", Top: -1},
			want:    []string{"élections municipales"},
			notWant: []string{"élection municipale"},
		},
		{
			name:    "no stop word at either end, no number alone",
			texts:   []string{"Le vote de la loi sur le climat aura lieu le 12 mai 2024 à Paris, et le vote de la loi sera public."},
			opt:     KeyphraseOptions{Lang: "fr", Top: -1},
			notWant: []string{"le vote", "loi sur le", "12", "2024", "12 mai 2024 à"},
			want:    []string{"vote de la loi"},
		},
		{
			name:  "hashtags are labels",
			texts: []string{"Great evening at the #makerspace tonight", "Building robots with kids #makerspace #robots", "Who is coming next week? #makerspace"},
			opt:   KeyphraseOptions{Top: 1},
			want:  []string{"makerspace"},
		},
		{
			name:  "elisions joined in the surface form",
			texts: []string{"L'accident d'un camion d'hydrocarbures a bloqué l'autoroute. L'accident d'un camion d'hydrocarbures est le deuxième cette année."},
			opt:   KeyphraseOptions{Lang: "fr", Top: -1},
			want:  []string{"accident d'un camion d'hydrocarbures"},
		},
		{
			name: "names are not cut",
			texts: []string{"Le journaliste Thierry Roland est mort. Thierry Roland commentait le football.",
				"Il travaillait avec Thierry Henry. Thierry Henry jouait à Londres."},
			opt:     KeyphraseOptions{Lang: "fr", Top: -1},
			want:    []string{"thierry roland", "thierry henry"},
			notWant: []string{"thierry"},
		},
		{
			name:  "a name inside a description stays a phrase",
			texts: []string{"Le conservateur Antonis Samaras forme un gouvernement."},
			opt:   KeyphraseOptions{Lang: "fr", Top: -1},
			want:  []string{"antonis samaras"},
		},
		{
			name: "à and en join nouns, not places, dates or verbs",
			texts: []string{"Une attaque a visé un hôtel à Kaboul. Les clients de l'hôtel à Kaboul sont sortis en juillet.",
				"Les médecins sont venus constater le décès. Un accord pour la vie au travail. La vie au travail change."},
			opt:     KeyphraseOptions{Lang: "fr", Top: -1},
			want:    []string{"hôtel", "kaboul", "vie au travail", "décès"},
			notWant: []string{"hôtel à kaboul", "sortis en juillet", "constater le décès"},
		},
		{
			name:    "conjugated verbs end phrases",
			texts:   []string{"France : le SMIC augmentera de 2 %. Le SMIC augmentera en juillet."},
			opt:     KeyphraseOptions{Lang: "fr", Top: -1},
			want:    []string{"smic"},
			notWant: []string{"smic augmentera", "augmentera"},
		},
		{
			name: "units, dates and prenominal adjectives are not phrases alone",
			texts: []string{"Le SMIC passera à 9,40 euros en juillet. Le SMIC concerne 2,5 millions de personnes.",
				"Le nouveau gouvernement est formé. Le nouveau gouvernement se réunit dimanche."},
			opt:     KeyphraseOptions{Lang: "fr", Top: -1},
			want:    []string{"smic", "9,40 euros", "nouveau gouvernement"},
			notWant: []string{"euros", "juillet", "millions", "personnes", "nouveau", "dimanche"},
		},
		{
			name:    "a topic is shown by its noun",
			texts:   []string{"Les militants veulent libérer les otages. Il faut libérer le pays. La libération est proche."},
			opt:     KeyphraseOptions{Lang: "fr", Top: -1},
			want:    []string{"libération"},
			notWant: []string{"libérer"},
		},
		{
			name:    "urls and mentions ignored",
			texts:   []string{"@alice regarde https://example.org/jardin le jardin partagé ouvre samedi", "@alice le jardin partagé cherche des bénévoles"},
			opt:     KeyphraseOptions{Top: -1},
			want:    []string{"jardin partagé"},
			notWant: []string{"alice", "example", "https"},
		},
		{
			name:    "other languages skipped",
			texts:   []string{"Der Bahnhof wird nächste Woche wegen Bauarbeiten geschlossen und die Züge fahren nicht.", "The station will close next week for repairs, and the trains will not run."},
			opt:     KeyphraseOptions{Top: -1},
			want:    []string{"station"},
			notWant: []string{"bahnhof", "bauarbeiten"},
		},
		{
			name:  "nothing to say",
			texts: []string{"", "🎉🎉", "https://example.org"},
			opt:   KeyphraseOptions{Top: -1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := phrases(Keyphrases(tt.texts, tt.opt))
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("got %q, want it to hold %q", got, w)
				}
			}
			for _, w := range tt.notWant {
				if slices.Contains(got, w) {
					t.Errorf("got %q, want it not to hold %q", got, w)
				}
			}
		})
	}
}

// TestRepeatedSentence checks that a sentence printed twice, such as a
// title above its article, counts once for phrases of several words but
// twice for single words.
func TestRepeatedSentence(t *testing.T) {
	text := "Lancement réussi pour la fusée\nLancement réussi pour la fusée\nLa fusée a décollé. Le lancement a eu lieu à l'heure."
	a := analyze([]string{text}, "fr")
	tests := []struct {
		phrase             string
		wantTF, wantUnique int32
	}{
		{"lancement réussi", 2, 1},
		{"fusée", 3, 2},
	}
	for _, tt := range tests {
		var ids []int32
		for _, w := range lang.Words(tt.phrase) {
			ids = append(ids, a.ids[a.stem("fr", w)])
		}
		c := a.cands[newKey(ids)]
		if c == nil {
			t.Errorf("%q: not a candidate", tt.phrase)
			continue
		}
		if c.tf != tt.wantTF || c.unrepeated != tt.wantUnique {
			t.Errorf("%q: got %d occurrences, %d outside repeats; want %d, %d", tt.phrase, c.tf, c.unrepeated, tt.wantTF, tt.wantUnique)
		}
	}
}

func TestKeyphrasesTopAndOrder(t *testing.T) {
	text := "La fusée Falcon 9 a décollé. La fusée emporte la capsule Dragon vers la station spatiale. La capsule Dragon est arrivée à la station."
	all := Keyphrases([]string{text}, KeyphraseOptions{Lang: "fr", Top: -1})
	if len(all) < 5 {
		t.Fatalf("got %d phrases, want at least 5", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].Score > all[i-1].Score {
			t.Errorf("phrase %d (%v) scores more than phrase %d (%v)", i, all[i], i-1, all[i-1])
		}
	}
	top := Keyphrases([]string{text}, KeyphraseOptions{Lang: "fr", Top: 3})
	if !slices.Equal(top, all[:3]) {
		t.Errorf("top 3: got %v, want %v", top, all[:3])
	}
	if got := Keyphrases([]string{text}, KeyphraseOptions{Lang: "fr"}); len(got) != min(10, len(all)) {
		t.Errorf("default top: got %d phrases, want %d", len(got), min(10, len(all)))
	}
	// The same input gives the same output, whatever the map order.
	for range 5 {
		if again := Keyphrases([]string{text}, KeyphraseOptions{Lang: "fr", Top: -1}); !slices.Equal(again, all) {
			t.Fatalf("second run: got %v, want %v", again, all)
		}
	}
}

func TestDocFreq(t *testing.T) {
	d := NewDocFreq()
	d.Add([]string{"Le vote de la loi."}, "fr")
	d.Add([]string{"Les votes du budget."}, "fr")
	if d.Docs() != 2 {
		t.Errorf("Docs: got %d, want 2", d.Docs())
	}
	stem := lang.Stem("fr", "vote")
	if got := d.Count(stem); got != 2 {
		t.Errorf("Count(%q): got %d, want 2", stem, got)
	}
	if got := d.Count("le"); got != 0 {
		t.Errorf("Count of a stop word: got %d, want 0", got)
	}
	d.Remove([]string{"Les votes du budget."}, "fr")
	if d.Docs() != 1 || d.Count(stem) != 1 || d.Count(lang.Stem("fr", "budget")) != 0 {
		t.Errorf("after Remove: got %d docs, %d for vote, %d for budget; want 1, 1, 0", d.Docs(), d.Count(stem), d.Count(lang.Stem("fr", "budget")))
	}
	// A word common to every document weighs less than a rare one.
	if d.idf(stem) >= d.idf(lang.Stem("fr", "budget")) {
		t.Errorf("idf of a common stem %v not below that of an absent one %v", d.idf(stem), d.idf(lang.Stem("fr", "budget")))
	}
}

func TestRising(t *testing.T) {
	prev := []Phrase{{"élections", 6}, {"budget", 3}, {"jardin partagé", 1}}
	cur := []Phrase{{"jardin partagé", 5}, {"élection", 3}, {"canicule", 2}}
	got := Rising(prev, cur, "fr")
	var names []string
	for _, tr := range got {
		names = append(names, tr.Phrase)
	}
	if want := []string{"jardin partagé", "canicule"}; !slices.Equal(names, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got[0].New || !got[1].New {
		t.Errorf("New flags: got %v and %v, want false then true", got[0].New, got[1].New)
	}
	if got[0].Lift <= got[1].Lift || got[1].Lift <= 1 {
		t.Errorf("lifts %v and %v: want decreasing and above 1", got[0].Lift, got[1].Lift)
	}
	if r := Rising(nil, nil, "fr"); len(r) != 0 {
		t.Errorf("empty periods: got %v, want none", r)
	}
	if r := Rising(nil, []Phrase{{"neuf", 1}}, ""); len(r) != 1 || !r[0].New {
		t.Errorf("first period: got %v, want one new phrase", r)
	}
}

// syntheticPosts returns n French-looking posts of 20 to 60 words: stop
// words and invented content words drawn with Zipf-like frequencies, with
// punctuation, hashtags, mentions and links.
func syntheticPosts(n int, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	stops := lang.StopWords(lang.French)
	slices.Sort(stops)
	syllables := []string{"ba", "ché", "lo", "ri", "tan", "mu", "vé", "son", "pa", "gra", "fi", "deau", "min", "tro", "ser", "lu", "qui", "nel"}
	vocab := make([]string, 3000)
	for i := range vocab {
		var b strings.Builder
		for k := 0; k < 2+i%3; k++ {
			b.WriteString(syllables[(i*7+k*13+i/17)%len(syllables)])
		}
		b.WriteString([]string{"", "s", "tion", "ment", "e"}[i%5])
		vocab[i] = b.String()
	}
	zipfStop := rand.NewZipf(rng, 1.2, 2, uint64(len(stops)-1))
	zipfWord := rand.NewZipf(rng, 1.1, 5, uint64(len(vocab)-1))
	posts := make([]string, n)
	for i := range posts {
		var b strings.Builder
		words := 20 + rng.IntN(41)
		for k := range words {
			if k > 0 {
				b.WriteByte(' ')
			}
			switch r := rng.IntN(100); {
			case r < 45:
				b.WriteString(stops[zipfStop.Uint64()])
			case r < 97:
				b.WriteString(vocab[zipfWord.Uint64()])
			case r < 98:
				b.WriteString("#" + vocab[zipfWord.Uint64()%50])
			case r < 99:
				b.WriteString("@ami" + strconv.Itoa(rng.IntN(100)))
			default:
				b.WriteString("https://example.org/" + strconv.Itoa(rng.IntN(1000)))
			}
			if rng.IntN(10) == 0 {
				b.WriteString([]string{",", ".", " !", " ?"}[rng.IntN(4)])
			}
		}
		posts[i] = b.String()
	}
	return posts
}

// BenchmarkKeyphrasesMonth extracts the topics of a community's month:
// 3,000 posts of 20 to 60 words, languages detected per post.
func BenchmarkKeyphrasesMonth(b *testing.B) {
	posts := syntheticPosts(3000, 1)
	words := 0
	for _, p := range posts {
		words += len(strings.Fields(p))
	}
	for b.Loop() {
		if got := Keyphrases(posts, KeyphraseOptions{Top: 20}); len(got) != 20 {
			b.Fatalf("got %d phrases, want 20", len(got))
		}
	}
	b.ReportMetric(float64(words), "words/op")
}
