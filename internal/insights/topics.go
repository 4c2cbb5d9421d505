package insights

import (
	"cmp"
	"slices"
	"sync"

	"parvis/internal/lang"
)

// TopicText is one post's text and its language ("fr", "en", another
// code, or "" when unknown).
type TopicText struct {
	Text string
	Lang string
}

// Topic is a keyphrase of a period's conversations. Score is the phrase's
// share of its language's keyphrase scores, times that language's share of
// the texts, so that scores compare across languages and periods.
type Topic struct {
	Phrase string  `json:"phrase"`
	Score  float64 `json:"score"`
	Lang   string  `json:"lang"`
}

// RisingTopic is a topic whose share grew against the previous period.
type RisingTopic struct {
	Trend
	Lang string `json:"lang"`
}

// Topics finds the keyphrases of cur, French and English texts apart
// (other and unknown languages together, detected per text), best first,
// at most top of them; and the phrases rising against prev. The
// extractions (each language of each period) run side by side.
func Topics(cur, prev []TopicText, top int) ([]Topic, []RisingTopic) {
	curGroups, prevGroups := groupByLang(cur), groupByLang(prev)
	codes := []string{lang.French, lang.English, ""}
	now := make([][]Phrase, len(codes))
	before := make([][]Phrase, len(codes))
	var wg sync.WaitGroup
	for i, code := range codes {
		if len(curGroups[code]) == 0 {
			continue
		}
		wg.Go(func() { now[i] = Keyphrases(curGroups[code], KeyphraseOptions{Lang: code, Top: top}) })
		if len(prevGroups[code]) > 0 {
			wg.Go(func() { before[i] = Keyphrases(prevGroups[code], KeyphraseOptions{Lang: code, Top: 3 * top}) })
		}
	}
	wg.Wait()
	var topics []Topic
	var rising []RisingTopic
	for i, code := range codes {
		texts := curGroups[code]
		if len(texts) == 0 {
			continue
		}
		share := float64(len(texts)) / float64(len(cur))
		sum := total(now[i])
		for _, p := range now[i] {
			topics = append(topics, Topic{Phrase: p.Phrase, Score: p.Score / sum * share, Lang: langLabel(code)})
		}
		for _, t := range Rising(before[i], now[i], code) {
			rising = append(rising, RisingTopic{Trend: t, Lang: langLabel(code)})
		}
	}
	slices.SortStableFunc(topics, func(a, b Topic) int { return cmp.Compare(b.Score, a.Score) })
	if len(topics) > top {
		topics = topics[:top]
	}
	slices.SortStableFunc(rising, func(a, b RisingTopic) int { return cmp.Compare(b.Lift, a.Lift) })
	if len(rising) > top {
		rising = rising[:top]
	}
	return topics, rising
}

// groupByLang splits texts into French, English and the rest ("").
func groupByLang(texts []TopicText) map[string][]string {
	out := map[string][]string{}
	for _, t := range texts {
		code := t.Lang
		if len(code) > 2 {
			code = code[:2]
		}
		if code != lang.French && code != lang.English {
			code = ""
		}
		out[code] = append(out[code], t.Text)
	}
	return out
}

func langLabel(code string) string {
	if code == "" {
		return "other"
	}
	return code
}
