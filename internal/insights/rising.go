package insights

import (
	"cmp"
	"slices"
	"strings"

	"parvis/internal/lang"
)

// Trend is a phrase whose share of attention grew from one period to the
// next.
type Trend struct {
	Phrase string `json:"phrase"`
	// Share and PreviousShare are the phrase's part of the total score of
	// its period's list, between 0 and 1; PreviousShare is 0 for a phrase
	// absent before.
	Share         float64 `json:"share"`
	PreviousShare float64 `json:"previous_share"`
	// Lift is the smoothed ratio of the shares; above 1 the phrase rose.
	Lift float64 `json:"lift"`
	// New reports that the phrase was absent from the previous list.
	New bool `json:"new"`
}

// Rising returns the phrases of cur whose share of the total score grew
// against prev, the previous period, highest lift first. Shares, not raw
// scores, are compared, because scores depend on the volume of each
// period. Lift is (share + s) / (previousShare + s) with s = 1/(len(prev) +
// len(cur)), so that a phrase new in the period rises with its weight
// rather than infinitely. Phrases match when their words have the same
// Snowball stems in language code ("fr" or "en"; "" compares lowercase
// strings).
func Rising(prev, cur []Phrase, code string) []Trend {
	key := func(p string) string {
		words := lang.Words(p)
		for i, w := range words {
			words[i] = lang.Stem(code, w)
		}
		return strings.Join(words, " ")
	}
	prevShare := map[string]float64{}
	for _, p := range prev {
		prevShare[key(p.Phrase)] += p.Score
	}
	prevTotal := total(prev)
	for k := range prevShare {
		prevShare[k] /= prevTotal
	}
	curTotal := total(cur)
	smooth := 1 / float64(len(prev)+len(cur))
	var out []Trend
	for _, p := range cur {
		share := p.Score / curTotal
		before, seen := prevShare[key(p.Phrase)]
		lift := (share + smooth) / (before + smooth)
		if lift <= 1 {
			continue
		}
		out = append(out, Trend{Phrase: p.Phrase, Share: share, PreviousShare: before, Lift: lift, New: !seen})
	}
	slices.SortStableFunc(out, func(x, y Trend) int {
		if c := cmp.Compare(y.Lift, x.Lift); c != 0 {
			return c
		}
		return cmp.Compare(x.Phrase, y.Phrase)
	})
	return out
}

// total returns the sum of the positive scores of ps, or 1 when there is
// none, so that shares stay defined.
func total(ps []Phrase) float64 {
	var t float64
	for _, p := range ps {
		if p.Score > 0 {
			t += p.Score
		}
	}
	if t == 0 {
		return 1
	}
	return t
}
