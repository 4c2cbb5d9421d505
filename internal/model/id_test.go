package model

import (
	"testing"
	"time"
)

func TestIDsFollowTimeAndNeverRepeat(t *testing.T) {
	a, b := NewIDGen(), NewIDGen()
	a.SetNode(1)
	b.SetNode(2)
	now := time.Now()
	seen := map[int64]bool{}
	var last int64
	for i := 0; i < 10000; i++ { // many per millisecond: the count overflows
		for _, g := range []*IDGen{a, b} {
			id := g.New(now)
			if seen[id] {
				t.Fatalf("id %d repeated", id)
			}
			seen[id] = true
		}
		id := a.New(now)
		if id <= last {
			t.Fatalf("ids of one node went backwards: %d after %d", id, last)
		}
		last = id
	}
	if got := IDTime(a.New(now.Add(time.Hour))); got.Sub(now.Add(time.Hour)) > time.Second || now.Add(time.Hour).Sub(got) > time.Second {
		t.Fatalf("IDTime: got %v, want about %v", got, now.Add(time.Hour))
	}
	if _, err := ParseID("12x"); ErrorCode(err) != EINVALID {
		t.Fatalf("ParseID(12x): %v", err)
	}
}

func TestExactIDsKeepTheirTimeInAnyOrder(t *testing.T) {
	g := NewExactIDs(3)
	base := time.UnixMilli(1_700_000_000_000)
	seen := map[int64]bool{}
	// Out of order, and more ids in one millisecond than it holds.
	times := []time.Duration{5 * time.Second, 0, 3 * time.Second, 0}
	for _, d := range times {
		id := g.New(base.Add(d))
		if got := IDTime(id); !got.Equal(base.Add(d)) {
			t.Fatalf("id for %v carries time %v", base.Add(d), got)
		}
		seen[id] = true
	}
	for range idCountMax + 5 {
		id := g.New(base)
		if seen[id] {
			t.Fatalf("id %d given twice", id)
		}
		seen[id] = true
		if d := IDTime(id).Sub(base); d < 0 || d > time.Millisecond {
			t.Fatalf("overflowing millisecond moved the id by %v", d)
		}
	}
}
