package integrity

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

const t0 = 1_700_000_000

// noise returns organic-looking timed engagement: accounts 1000..1999 on
// posts 1000..2999 by authors 3000..3199, spread over a week.
func noise(seed uint64, n int) []Edge {
	rng := rand.New(rand.NewPCG(seed, 2))
	edges := make([]Edge, n)
	for i := range edges {
		post := 1000 + rng.Int64N(2000)
		edges[i] = Edge{Account: 1000 + rng.Int64N(1000), Object: post, Author: 3000 + post%200, Kind: Favourite, Time: t0 + rng.Int64N(7*86400)}
	}
	return edges
}

func TestLockstep(t *testing.T) {
	opt := LockstepOptions{MinAccounts: 10, MinObjects: 10, Window: 600, MaxPartners: 500}
	tests := []struct {
		name   string
		spread int64 // seconds over which the group's engagements of one post fall
		want   bool
	}{
		{"in sync", 300, true},
		{"spread over hours", 6 * 3600, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 1))
			edges := noise(1, 20000)
			for p := range int64(12) {
				at := t0 + p*7200
				for a := range int64(15) {
					edges = append(edges, Edge{Account: 1 + a, Object: 1 + p, Author: 3000, Kind: Favourite, Time: at + rng.Int64N(tc.spread)})
				}
			}
			fs, err := Lockstep(context.Background(), edges, opt)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.want {
				if len(fs) != 0 {
					t.Errorf("got %d findings (%s), want none", len(fs), fs[0].Reason)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("got %d findings, want 1", len(fs))
			}
			if !slices.Equal(fs[0].Accounts, ids(1, 15)) || !slices.Equal(fs[0].Objects, ids(1, 12)) {
				t.Errorf("got accounts %v objects %v, want 1..15 and 1..12", fs[0].Accounts, fs[0].Objects)
			}
		})
	}
}

func TestSerial(t *testing.T) {
	opt := SerialOptions{MinPosts: 5, Window: 1800}
	tests := []struct {
		name  string
		kind  Kind
		gap   int64 // seconds between engagements
		self  bool
		posts int
		want  int // findings
	}{
		{"five in twenty minutes", Favourite, 240, false, 5, 1},
		{"boosts count", Boost, 240, false, 5, 1},
		{"four is not enough", Favourite, 240, false, 4, 0},
		{"spread over hours", Favourite, 3600, false, 8, 0},
		{"replies are conversation", Reply, 60, false, 8, 0},
		{"own posts ignored", Favourite, 60, true, 8, 0},
		{"two sittings", Favourite, 0, false, 12, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			edges := noise(2, 5000)
			author := int64(77)
			if tc.self {
				author = 1
			}
			for i := range int64(tc.posts) {
				at := t0 + i*tc.gap
				if tc.gap == 0 { // two sittings of six, a day apart
					at = t0 + (i/6)*86400 + (i%6)*60
				}
				edges = append(edges, Edge{Account: 1, Object: 100 + i, Author: author, Kind: tc.kind, Time: at})
			}
			fs, err := Serial(context.Background(), edges, opt)
			if err != nil {
				t.Fatal(err)
			}
			var mine []Finding
			for _, f := range fs {
				if f.Accounts[0] == 1 {
					mine = append(mine, f)
				}
			}
			if len(mine) != tc.want {
				t.Fatalf("got %d findings for account 1, want %d", len(mine), tc.want)
			}
			if tc.want > 0 && (mine[0].Authors[0] != 77 || mine[0].Score < 1) {
				t.Errorf("got author %v score %v, want author 77 and score ≥ 1", mine[0].Authors, mine[0].Score)
			}
		})
	}
	if _, err := Serial(context.Background(), nil, SerialOptions{}); err == nil {
		t.Errorf("zero options: got nil error, want an error")
	}
}

func TestRings(t *testing.T) {
	edges := noise(3, 30000)
	// Accounts 1..6 each write posts 10a..10a+4 and engage most of the
	// others' posts.
	rng := rand.New(rand.NewPCG(3, 3))
	for a := int64(1); a <= 6; a++ {
		for b := int64(1); b <= 6; b++ {
			if a == b {
				continue
			}
			for p := range int64(5) {
				if rng.Float64() < 0.8 {
					edges = append(edges, Edge{Account: a, Object: 10*b + p, Author: b, Kind: Favourite, Time: t0 + rng.Int64N(86400*7)})
				}
			}
		}
	}
	fs, err := Rings(context.Background(), edges, DefaultRingOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || !slices.Equal(fs[0].Accounts, ids(1, 6)) {
		t.Fatalf("got %v, want one ring of accounts 1..6", fs)
	}
	if fs[0].Score < 1 {
		t.Errorf("got score %v, want ≥ 1", fs[0].Score)
	}
}

func TestBursts(t *testing.T) {
	edges := noise(4, 20000)
	facts := map[int64]AccountFacts{}
	rng := rand.New(rand.NewPCG(4, 4))
	for a := int64(1000); a < 2000; a++ {
		facts[a] = AccountFacts{CreatedAt: t0 - 400*86400, Network: rng.Uint64() | 1, Client: 1 + rng.Uint64N(5)}
	}
	// Twelve accounts made yesterday on post 5000; twelve old accounts on
	// one network and client on post 5001.
	for i := range int64(12) {
		facts[100+i] = AccountFacts{CreatedAt: t0 + 86400, Network: rng.Uint64() | 1, Client: 1}
		edges = append(edges, Edge{Account: 100 + i, Object: 5000, Author: 3000, Kind: Favourite, Time: t0 + 2*86400 + i*60})
		facts[200+i] = AccountFacts{CreatedAt: t0 - 400*86400, Network: 42, Client: 43}
		edges = append(edges, Edge{Account: 200 + i, Object: 5001, Author: 3000, Kind: Boost, Time: t0 + 3*86400 + i*120})
	}
	fs, err := Bursts(context.Background(), Dataset{Edges: edges, Accounts: facts}, DefaultBurstOptions())
	if err != nil {
		t.Fatal(err)
	}
	got := map[Signal]Finding{}
	for _, f := range fs {
		got[f.Signal] = f
	}
	if len(fs) != 2 {
		t.Fatalf("got %d findings, want 2: %v", len(fs), fs)
	}
	if f := got[SignalBurstNew]; !slices.Equal(f.Accounts, ids(100, 111)) || !slices.Equal(f.Objects, []int64{5000}) {
		t.Errorf("new accounts burst: got %v on %v, want 100..111 on 5000", f.Accounts, f.Objects)
	}
	if f := got[SignalBurstRelated]; !slices.Equal(f.Accounts, ids(200, 211)) || !slices.Equal(f.Objects, []int64{5001}) {
		t.Errorf("related burst: got %v on %v, want 200..211 on 5001", f.Accounts, f.Objects)
	}
}

func TestBinomialTail(t *testing.T) {
	tests := []struct {
		n, k int
		p    float64
		want float64
	}{
		{10, 0, 0.3, 1},
		{10, 11, 0.3, 0},
		{10, 10, 0.5, 1.0 / 1024},
		{10, 9, 0.5, 11.0 / 1024},
		{4, 2, 0.25, 1 - math.Pow(0.75, 4) - 4*0.25*math.Pow(0.75, 3)},
	}
	for _, tc := range tests {
		if got := binomialTail(tc.n, tc.k, tc.p); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("binomialTail(%d, %d, %v): got %v, want %v", tc.n, tc.k, tc.p, got, tc.want)
		}
	}
}

func TestDetectOrganicWeekIsQuiet(t *testing.T) {
	w, err := SyntheticWeek(rand.New(rand.NewPCG(11, 11)), WeekOptions{Accounts: 1000, Start: t0, Days: 7,
		PostsPerAccount: 3, EngagementsPerAccount: 30, Exponent: 2.5, NewAccountShare: 0.03})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Detect(context.Background(), w.Dataset, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	flagged := map[int64]bool{}
	for _, f := range fs {
		for _, a := range f.Accounts {
			flagged[a] = true
		}
	}
	if len(flagged) >= len(w.Accounts)/100 {
		t.Errorf("got %d accounts flagged of %d, want under 1%%", len(flagged), len(w.Accounts))
	}
}
