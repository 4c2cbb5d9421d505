package integrity

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// BackgroundOptions shapes a synthetic organic account × object graph.
type BackgroundOptions struct {
	Accounts, Objects, Edges int
	// Exponent is the power-law exponent γ of the degree distributions,
	// P(d) ∝ d^-γ; heavy-tailed engagement has γ between 2 and 3.
	Exponent float64
}

// DefaultBackground is the harness's synthetic background: about 8,000 ×
// 8,000 nodes and 100,000 edges with power-law degrees.
func DefaultBackground() BackgroundOptions {
	return BackgroundOptions{Accounts: 8000, Objects: 8000, Edges: 100_000, Exponent: 2.5}
}

// powerLawSampler draws indices 0..n-1 with probability proportional to
// (i+1)^(-1/(γ-1)), the Chung–Lu weights that give a degree distribution with
// exponent γ.
type powerLawSampler struct{ cum []float64 }

func newPowerLawSampler(n int, gamma float64) powerLawSampler {
	cum := make([]float64, n)
	s := 0.0
	for i := range n {
		s += math.Pow(float64(i+1), -1/(gamma-1))
		cum[i] = s
	}
	return powerLawSampler{cum: cum}
}

func (p powerLawSampler) draw(rng *rand.Rand) int {
	return sort.SearchFloat64s(p.cum, rng.Float64()*p.cum[len(p.cum)-1])
}

// SyntheticBackground returns an organic heavy-tailed graph drawn from the
// Chung–Lu model: each edge picks its account and object independently with
// power-law weights, until o.Edges distinct edges exist. Account and object
// ids start at 1 and are shuffled so that an id says nothing of its degree.
func SyntheticBackground(rng *rand.Rand, o BackgroundOptions) ([]Edge, error) {
	if o.Accounts <= 0 || o.Objects <= 0 || o.Edges <= 0 || o.Exponent <= 1 {
		return nil, fmt.Errorf("integrity: invalid background %+v", o)
	}
	if float64(o.Edges) > 0.5*float64(o.Accounts)*float64(o.Objects) {
		return nil, fmt.Errorf("integrity: background of %d edges is too dense for %d × %d", o.Edges, o.Accounts, o.Objects)
	}
	rows := newPowerLawSampler(o.Accounts, o.Exponent)
	cols := newPowerLawSampler(o.Objects, o.Exponent)
	rowID := shuffledIDs(rng, o.Accounts)
	colID := shuffledIDs(rng, o.Objects)
	seen := make(map[uint64]bool, o.Edges)
	edges := make([]Edge, 0, o.Edges)
	for len(edges) < o.Edges {
		r, c := rows.draw(rng), cols.draw(rng)
		k := edgeKey(int32(r), int32(c))
		if seen[k] {
			continue
		}
		seen[k] = true
		edges = append(edges, Edge{Account: rowID[r], Object: colID[c], Kind: Favourite})
	}
	return edges, nil
}

// shuffledIDs returns the ids 1..n in random order.
func shuffledIDs(rng *rand.Rand, n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	rng.Shuffle(n, func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	return ids
}

// Camouflage is how injected fraud accounts hide their block edges.
type Camouflage uint8

// The camouflage strategies of the FRAUDAR paper.
const (
	// NoCamouflage adds only the block.
	NoCamouflage Camouflage = iota
	// RandomCamouflage gives each fraud account as many extra edges to
	// objects drawn uniformly as it has block edges.
	RandomCamouflage
	// PopularCamouflage draws those objects in proportion to their degree,
	// so fraud accounts look like fans of what everyone engages.
	PopularCamouflage
)

// String names the camouflage.
func (c Camouflage) String() string {
	switch c {
	case RandomCamouflage:
		return "random"
	case PopularCamouflage:
		return "popular"
	}
	return "none"
}

// BlockInjection describes a fraud block to inject: Accounts existing
// accounts (as if taken over) each engage each of Objects existing objects
// with probability Density, plus camouflage.
type BlockInjection struct {
	Accounts, Objects int
	Density           float64
	Camouflage        Camouflage
}

// Truth is what an injection planted, to score detectors against.
type Truth struct {
	Accounts []int64
	Objects  []int64
}

// InjectBlock adds the block inj to the organic edges and returns the new
// edge list and the planted accounts and objects.
func InjectBlock(rng *rand.Rand, organic []Edge, inj BlockInjection) ([]Edge, Truth, error) {
	var accounts, objects []int64
	seenA, seenO := map[int64]bool{}, map[int64]bool{}
	for _, e := range organic {
		if !seenA[e.Account] {
			seenA[e.Account] = true
			accounts = append(accounts, e.Account)
		}
		if !seenO[e.Object] {
			seenO[e.Object] = true
			objects = append(objects, e.Object)
		}
	}
	if inj.Accounts > len(accounts) || inj.Objects > len(objects) || inj.Accounts <= 0 || inj.Objects <= 0 {
		return nil, Truth{}, fmt.Errorf("integrity: cannot inject %d × %d into %d × %d", inj.Accounts, inj.Objects, len(accounts), len(objects))
	}
	var t Truth
	for _, i := range rng.Perm(len(accounts))[:inj.Accounts] {
		t.Accounts = append(t.Accounts, accounts[i])
	}
	for _, i := range rng.Perm(len(objects))[:inj.Objects] {
		t.Objects = append(t.Objects, objects[i])
	}
	slices.Sort(t.Accounts)
	slices.Sort(t.Objects)
	inBlock := make(map[int64]bool, len(t.Objects))
	for _, o := range t.Objects {
		inBlock[o] = true
	}
	out := slices.Clone(organic)
	for _, a := range t.Accounts {
		n := 0
		for _, o := range t.Objects {
			if rng.Float64() < inj.Density {
				out = append(out, Edge{Account: a, Object: o, Kind: Favourite})
				n++
			}
		}
		for range n {
			var o int64
			switch inj.Camouflage {
			case NoCamouflage:
				continue
			case RandomCamouflage:
				o = objects[rng.IntN(len(objects))]
			case PopularCamouflage:
				// An organic edge's object is drawn in proportion to
				// its degree.
				o = organic[rng.IntN(len(organic))].Object
			}
			if inBlock[o] {
				continue
			}
			out = append(out, Edge{Account: a, Object: o, Kind: Favourite})
		}
	}
	return out, t, nil
}
