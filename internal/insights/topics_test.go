package insights

import (
	"strings"
	"testing"
)

func TestTopicsByLanguageAndRising(t *testing.T) {
	prev := []TopicText{
		{Text: "Our espresso machine is broken again.", Lang: "en"},
		{Text: "The espresso machine needs a new gasket.", Lang: "en"},
	}
	cur := []TopicText{
		{Text: "The cold brew recipe is ready: cold brew for everyone!", Lang: "en"},
		{Text: "Cold brew tastes sweeter than the espresso machine coffee.", Lang: "en"},
		{Text: "Notre recette de café glacé est prête : le café glacé pour tous.", Lang: "fr"},
		{Text: "Le café glacé est plus doux que l'expresso.", Lang: "fr-CA"},
	}
	topics, rising := Topics(cur, prev, 10)
	var langs = map[string]bool{}
	var sum float64
	for _, tp := range topics {
		langs[tp.Lang] = true
		sum += tp.Score
	}
	if !langs["en"] || !langs["fr"] {
		t.Errorf("topics: got %+v, want English and French phrases", topics)
	}
	if sum > 1.0001 {
		t.Errorf("scores are shares of attention: got a sum of %v", sum)
	}
	var cold, espresso *RisingTopic
	for i, r := range rising {
		switch {
		case strings.Contains(r.Phrase, "cold brew"):
			cold = &rising[i]
		case r.Phrase == "espresso machine":
			espresso = &rising[i]
		}
	}
	if cold == nil || !cold.New || cold.Lift <= 1 {
		t.Errorf("cold brew should rise as new: got %+v in %+v", cold, rising)
	}
	if espresso != nil {
		t.Errorf("the espresso machine lost ground yet rises: %+v", espresso)
	}
	if tp, r := Topics(nil, prev, 10); len(tp) != 0 || len(r) != 0 {
		t.Errorf("no texts: got %v and %v", tp, r)
	}
}
