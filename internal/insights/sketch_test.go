package insights

import (
	"errors"
	"math"
	"testing"
)

func TestSketchCounts(t *testing.T) {
	tests := []struct {
		name  string
		items int
		// tolerance is the relative error allowed (0: exact).
		tolerance float64
	}{
		{"empty", 0, 0},
		{"one", 1, 0},
		{"exact while sparse", 500, 0},
		{"ten thousand", 10000, 0.05},
		{"a million", 1000000, 0.05},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Sketch
			for i := range tt.items {
				s.Add(int64(i)*7919 - 3) // negative and positive items alike
				s.Add(int64(i)*7919 - 3) // twice: counted once
			}
			got := s.Count()
			if err := math.Abs(float64(got-int64(tt.items))) / math.Max(1, float64(tt.items)); err > tt.tolerance {
				t.Errorf("count: got %d, want %d (±%.0f%%)", got, tt.items, 100*tt.tolerance)
			}
			back, err := DecodeSketch(s.Encode())
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if back.Count() != got {
				t.Errorf("count after a round trip: got %d, want %d", back.Count(), got)
			}
		})
	}
}

func TestSketchMerge(t *testing.T) {
	// Two days with 300 viewers each, 100 of them on both days.
	var a, b Sketch
	for i := range 300 {
		a.Add(int64(i))
		b.Add(int64(i + 200))
	}
	a.Merge(&b)
	if got := a.Count(); got != 500 {
		t.Errorf("union of sparse sketches: got %d, want 500", got)
	}
	var big, small Sketch
	for i := range 20000 {
		big.Add(int64(i))
	}
	for i := range 100 {
		small.Add(int64(i + 20000))
	}
	small.Merge(&big)
	if got := small.Count(); math.Abs(float64(got-20100))/20100 > 0.05 {
		t.Errorf("union with a dense sketch: got %d, want about 20100", got)
	}
}

func TestDecodeSketchRefusesJunk(t *testing.T) {
	for _, in := range []string{"x", "d", "dAAAA", "s!!!", "s" + "////////"} {
		if _, err := DecodeSketch(in); !errors.Is(err, ErrBadSketch) {
			t.Errorf("DecodeSketch(%q): got %v, want ErrBadSketch", in, err)
		}
	}
}
