package lang

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parvis/internal/testshared"
)

func TestDetectExamples(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"Le lancement de la fusée a été reporté à cause d'une valve défaillante.", "fr", true},
		{"The launch was delayed because of a faulty valve in one of the engines.", "en", true},
		{"@anna merci pour le lien, je regarde ça ce soir https://example.org #lecture", "fr", true},
		{"@anna thanks for the link, I will read it tonight https://example.org #reading", "en", true},
		{"El lanzamiento fue aplazado por un problema en una válvula del motor.", "es", true},
		{"Der Start wurde wegen eines Problems mit einem Ventil verschoben.", "de", true},
		{"Il lancio è stato rinviato per un problema a una valvola del motore.", "it", true},
		{"", "", false},
		{"https://example.org @anna #tag 2012", "", false},
		{"🎉🎉🎉", "", false},
		{"ok", "", false},
	}
	for _, tt := range tests {
		got, ok := Detect(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("Detect(%q): got (%q, %v), want (%q, %v)", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

// readLines returns the non-empty lines of a test file that do not start
// with '#'.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			lines = append(lines, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// frenchParagraphs returns the paragraphs of the WikiNews French documents
// that have at least minWords words.
func frenchParagraphs(t *testing.T, minWords int) []string {
	t.Helper()
	dir := testshared.Path(t, "datasets/wikinews-fr/docsutf8")
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var paras []string
	for _, f := range files {
		for _, line := range readLines(t, f) {
			if len(strings.Fields(line)) >= minWords {
				paras = append(paras, line)
			}
		}
	}
	return paras
}

// firstWords returns the first n whitespace-separated words of s.
func firstWords(s string, n int) string {
	f := strings.Fields(s)
	if len(f) > n {
		f = f[:n]
	}
	return strings.Join(f, " ")
}

type accuracy struct{ right, unsure, wrong int }

func (a accuracy) String() string {
	n := a.right + a.unsure + a.wrong
	return strings.Join([]string{
		percent(a.right, n) + " right",
		percent(a.unsure, n) + " unsure",
		percent(a.wrong, n) + " wrong",
	}, ", ") + " of " + itoa(n)
}

func percent(k, n int) string {
	if n == 0 {
		return "-"
	}
	p := 1000 * k / n
	return itoa(p/10) + "." + itoa(p%10) + "%"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func measure(t *testing.T, want string, texts []string) accuracy {
	t.Helper()
	var a accuracy
	for _, s := range texts {
		got, ok := Detect(s)
		switch {
		case !ok:
			a.unsure++
		case got == want:
			a.right++
		default:
			a.wrong++
			t.Logf("wrong (%s for %s): %q", got, want, s)
		}
	}
	return a
}

// TestDetectAccuracy measures Detect on real French sentences (the WikiNews
// paragraphs, whole and cut to their first 8 and 12 words, as short social
// posts are) and on the English, Spanish, German and Italian sentences in
// testdata. It fails when accuracy drops below floors set a little under the
// measured figures.
func TestDetectAccuracy(t *testing.T) {
	paras := frenchParagraphs(t, 8)
	var short8, short12 []string
	for _, p := range paras {
		short8 = append(short8, firstWords(p, 8))
		short12 = append(short12, firstWords(p, 12))
	}
	tests := []struct {
		name, lang string
		texts      []string
		minRight   float64
	}{
		{"fr paragraphs", "fr", paras, 0.98},
		{"fr first 12 words", "fr", short12, 0.97},
		{"fr first 8 words", "fr", short8, 0.95},
		{"en sentences", "en", readLines(t, "testdata/en.txt"), 0.97},
		{"en first 8 words", "en", mapWords(readLines(t, "testdata/en.txt"), 8), 0.93},
		{"es sentences", "es", readLines(t, "testdata/es.txt"), 0.9},
		{"de sentences", "de", readLines(t, "testdata/de.txt"), 0.9},
		{"it sentences", "it", readLines(t, "testdata/it.txt"), 0.9},
	}
	for _, tt := range tests {
		a := measure(t, tt.lang, tt.texts)
		t.Logf("%-18s %s", tt.name, a)
		if n := a.right + a.unsure + a.wrong; float64(a.right) < tt.minRight*float64(n) {
			t.Errorf("%s: got %d of %d right, want at least %.0f%%", tt.name, a.right, n, 100*tt.minRight)
		}
	}
}

func mapWords(lines []string, n int) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = firstWords(l, n)
	}
	return out
}

func BenchmarkDetect(b *testing.B) {
	post := "@anna merci pour le lien, je regarde ça ce soir avec les collègues du club de lecture https://example.org #lecture"
	b.SetBytes(int64(len(post)))
	for b.Loop() {
		Detect(post)
	}
}

func BenchmarkTokenize(b *testing.B) {
	post := "@anna merci pour le lien, je regarde ça ce soir avec les collègues du club de lecture https://example.org #lecture"
	b.SetBytes(int64(len(post)))
	for b.Loop() {
		Tokenize(post)
	}
}
