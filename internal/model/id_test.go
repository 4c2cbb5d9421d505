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
