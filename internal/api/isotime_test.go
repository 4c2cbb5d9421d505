package api

import (
	"math/rand/v2"
	"testing"
	"time"
)

// isoTime writes the digits by hand; it must agree with time.Format.
func TestIsoTimeMatchesFormat(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []time.Time{time.Unix(0, 0), time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 27, 16, 5, 9, 7_000_000, time.FixedZone("x", 5*3600+1800))}
	for range 10000 {
		cases = append(cases, time.UnixMilli(rng.Int64N(400_000_000_000_000)-62_000_000_000_000))
	}
	for _, c := range cases {
		if got, want := isoTime(c), c.UTC().Format("2006-01-02T15:04:05.000Z"); got != want {
			t.Fatalf("isoTime(%v) = %q, want %q", c, got, want)
		}
	}
}
