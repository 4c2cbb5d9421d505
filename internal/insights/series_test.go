package insights

import (
	"math"
	"testing"
	"time"
)

func date(d int) time.Time { return time.Date(2025, 3, d, 0, 0, 0, 0, time.UTC) }

func TestSizes(t *testing.T) {
	// 10 followers now (7 March); +3 on the 3rd, -1 on the 4th, +2 on the
	// 6th (after the period).
	days := Days(date(2), date(5))
	got := Sizes(10, days, map[time.Time]int64{date(3): 3, date(4): -1, date(6): 2})
	want := []float64{6, 9, 8}
	if len(got) != len(want) {
		t.Fatalf("got %d points, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Value != want[i] || got[i].Date != DateString(days[i]) {
			t.Errorf("day %d: got %+v, want %s %v", i, got[i], DateString(days[i]), want[i])
		}
	}
	if r := GrowthRate(got); r != (8.0-6)/6 {
		t.Errorf("growth rate: got %v, want %v", r, (8.0-6)/6)
	}
}

func TestParsePeriod(t *testing.T) {
	now := time.Date(2025, 3, 20, 15, 30, 0, 0, time.UTC)
	tests := []struct {
		since, until string
		want         Period
		bad          bool
	}{
		{"2025-03-01", "2025-03-07", Period{date(1), date(8)}, false},
		{"", "", Period{date(20).AddDate(0, 0, -27), now}, false},
		{"2025-03-01T12:00:00Z", "2025-03-02T00:00:00+01:00", Period{date(1).Add(12 * time.Hour), date(1).Add(23 * time.Hour)}, false},
		{"2025-03-07", "2025-03-01", Period{}, true},
		{"yesterday", "", Period{}, true},
		{"2020-01-01", "2025-03-01", Period{}, true},
	}
	for _, tt := range tests {
		got, err := ParsePeriod(tt.since, tt.until, now)
		if (err != nil) != tt.bad {
			t.Errorf("ParsePeriod(%q, %q): error %v, want error %v", tt.since, tt.until, err, tt.bad)
			continue
		}
		if !tt.bad && (!got.Since.Equal(tt.want.Since) || !got.Until.Equal(tt.want.Until)) {
			t.Errorf("ParsePeriod(%q, %q): got %v, want %v", tt.since, tt.until, got, tt.want)
		}
	}
}

func TestFans(t *testing.T) {
	rule := FanRule{MinDays: 3, Window: 10 * 24 * time.Hour}
	at := func(d int) time.Time { return date(d).Add(15 * time.Hour) }
	touches := []Touch{
		// 1 engages on the 1st, 2nd and 5th: a fan from the 5th until the
		// 1st leaves the window (the 11th).
		{1, at(1)}, {1, at(2)}, {1, at(2)}, {1, at(5)},
		// 2 engages on the 4th, 6th and 9th.
		{2, at(4)}, {2, at(6)}, {2, at(9)},
		// 3 only twice.
		{3, at(6)}, {3, at(7)},
	}
	days := Days(date(4), date(13))
	got := Fans(touches, days, rule, 10)
	want := []float64{0, 1, 1, 1, 1, 2, 2, 1, 1} // the 4th to the 12th
	for i, w := range want {
		if got.Series[i].Value != w {
			t.Errorf("%s: got %v fans, want %v", got.Series[i].Date, got.Series[i].Value, w)
		}
	}
	if got.Count != 1 || got.New != 1 || got.Lost != 0 || got.Engagers != 3 {
		t.Errorf("summary: got count %d new %d lost %d engagers %d, want 1 1 0 3", got.Count, got.New, got.Lost, got.Engagers)
	}
	if len(got.Top) != 2 || got.Top[0].AccountID != 2 || got.Top[0].Engagements != 3 || got.Top[1].AccountID != 1 {
		t.Errorf("top fans: got %+v, want 2 (3 engagements) then 1", got.Top)
	}
}

func TestSummarizeThreads(t *testing.T) {
	chain, err := Thread([]ThreadNode{{ID: "a", Author: "x"}, {ID: "b", Parent: "a", Author: "y"}, {ID: "c", Parent: "b", Author: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	star, err := Thread([]ThreadNode{{ID: "a", Author: "x"}, {ID: "b", Parent: "a", Author: "y"}, {ID: "c", Parent: "a", Author: "z"},
		{ID: "d", Parent: "a", Author: "w"}})
	if err != nil {
		t.Fatal(err)
	}
	lone, _ := Thread([]ThreadNode{{ID: "a"}})
	s := SummarizeThreads([]ThreadStats{chain, star, lone})
	if s.Threads != 3 || s.Conversations != 2 || s.Replies != 5 || s.MaxDepth != 2 || s.MaxBreadth != 3 || s.MaxSize != 4 {
		t.Errorf("summary: got %+v", s)
	}
	// Chain of 3: 4/3; star of 4: 2·3/4.
	if want := (4.0/3 + 1.5) / 2; math.Abs(s.MeanStructuralVirality-want) > 1e-12 {
		t.Errorf("mean structural virality: got %v, want %v", s.MeanStructuralVirality, want)
	}
	if s.AuthorReturnedShare != 0.5 || s.MedianSize != 3 {
		t.Errorf("author returned %v, median size %v; want 0.5 and 3", s.AuthorReturnedShare, s.MedianSize)
	}
	if s.SizeDistribution[0].Count != 1 || s.SizeDistribution[2].Count != 2 || s.SizeDistribution[2].Label != "3–4" {
		t.Errorf("size distribution: got %+v", s.SizeDistribution)
	}
}

func TestInfluence(t *testing.T) {
	// The hand-worked example of docs/INSIGHTS.md: 2→1 weight 4, 3→1
	// weight 5, 1→2 weight 3, and a self-link that is dropped.
	got, err := Influence([]Link{{2, 1, 4}, {3, 1, 5}, {1, 2, 3}, {1, 1, 9}}, true)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]Standing{1: {1, 0.135 / 0.2775, 1, 100}, 2: {2, 0.05 + 0.85*0.135/0.2775, 2, 50}, 3: {3, 0.05, 3, 0}}
	if len(got) != 3 {
		t.Fatalf("got %d accounts, want 3", len(got))
	}
	for _, s := range got {
		w := want[s.AccountID]
		if d := s.PageRank - w.PageRank; d > 1e-5 || d < -1e-5 || s.Rank != w.Rank || s.Percentile != w.Percentile {
			t.Errorf("account %d: got %+v, want %+v", s.AccountID, s, w)
		}
	}
}
