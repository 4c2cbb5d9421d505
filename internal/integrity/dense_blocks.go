package integrity

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
)

// Block is one dense account × object block found by peeling.
type Block struct {
	// Accounts and Objects are the block's ids, ascending.
	Accounts []int64 `json:"accounts"`
	Objects  []int64 `json:"objects"`
	// Edges is the number of edges inside the block; Density is Edges over
	// |Accounts|·|Objects|.
	Edges   int     `json:"edges"`
	Density float64 `json:"density"`
	// Score is the peeling objective g(S) = f(S)/|S| of the block, in the
	// weighting it was found with.
	Score float64 `json:"score"`
	// Expected is the number of edges the block would hold if edges fell at
	// random with every node keeping its degree (see BlockTest), and Lift
	// is Edges over Expected.
	Expected float64 `json:"expected"`
	Lift     float64 `json:"lift"`
	// Surplus is (Edges − Expected) per node of the block, and Threshold
	// the surplus the BlockTest asked of it.
	Surplus   float64 `json:"surplus"`
	Threshold float64 `json:"threshold"`
	// Suspicious says whether the block passed the BlockTest; Reason says
	// why or why not.
	Suspicious bool   `json:"suspicious"`
	Reason     string `json:"reason"`
}

// BlockTest decides whether a dense block is suspicious at all. Peeling
// always returns some densest block, and organic graphs have dense parts of
// their own, of two kinds. Cores: the most active accounts engage the most
// popular objects, so a heavy-tailed graph's densest block is dense simply
// because its nodes have high degrees. Communities: groups of people who
// engage the same things, such as the regular voters of wiki-Vote, are
// denser than degrees predict.
//
// The test measures a block against the configuration model in its
// Chung–Lu form, the graph rewired at random with every degree kept: an edge
// between account i and object j then exists with probability
// min(1, d_i·d_j/|E|), and the block's expected edge count μ is the sum of
// that over its pairs (the degrees include the block's own edges, which only
// makes the test more conservative). A block of e edges is suspicious when
//
//   - it has at least MinAccounts accounts and MinObjects objects, since a
//     few accounts sharing a few objects are common and prove nothing;
//   - its density is at least MinDensity;
//   - its lift e/μ is at least MinLift, which rejects cores: they hold about
//     as many edges as their degrees predict (lift 1.0 to 1.1 in both
//     harness backgrounds);
//   - its surplus per node (e − μ)/(|A|+|B|), the number of engagements
//     each member adds beyond what its activity explains, is high enough,
//     which rejects organic communities. This is where size matters: the
//     densest communities of wiki-Vote have lifts of 2.5 to 3 and densities
//     up to 0.35, as high as a fraud block's, but only 10 to 14 surplus
//     edges per node, while the harness's 200 × 200 block at density 0.4
//     has 24 to 31 even behind camouflage. Synthetic heavy-tailed graphs,
//     which have no communities, stay below 3.
//
// How much surplus is enough depends on how much community structure the
// graph has, so there are two ways to be enough. MinSurplus is absolute: a
// block above it is suspicious in any graph. Below it, a block is still
// suspicious when its surplus is at least MinRelativeSurplus and at least
// RelativeSurplus times the graph's own level, the median surplus of the
// first five blocks peeled (peeled for the purpose when fewer were asked
// for). The median is the organic level as long as fewer than three of
// those five are fraud, and a graph with that much dense fraud has it above
// MinSurplus too. In wiki-Vote the level is about 13, which puts the
// relative bar at 20, the absolute one; in a graph without communities the
// level is about 2.5 and MinRelativeSurplus, 6, is the bar, which lets the
// harness find 100 × 100 and 50 × 50 blocks there.
//
// The thresholds are calibrated by the harness. A fraud block smaller or
// sparser than the bar is indistinguishable, by its edges alone, from the
// organic communities of its graph, and needs the timed signals (Lockstep,
// Bursts) instead.
type BlockTest struct {
	MinAccounts int
	MinObjects  int
	MinDensity  float64
	MinLift     float64
	MinSurplus  float64
	// RelativeSurplus and MinRelativeSurplus are the relative bar; a zero
	// RelativeSurplus turns it off.
	RelativeSurplus    float64
	MinRelativeSurplus float64
}

// DefaultBlockTest returns the thresholds calibrated by the harness.
func DefaultBlockTest() BlockTest {
	return BlockTest{MinAccounts: 10, MinObjects: 5, MinDensity: 0.1, MinLift: 2, MinSurplus: 20,
		RelativeSurplus: 1.5, MinRelativeSurplus: 6}
}

// BlockOptions configures DenseBlocks.
type BlockOptions struct {
	// Blocks is how many blocks to peel in turn; each run removes the
	// edges of the block before it. Zero means 1.
	Blocks    int
	Weighting Weighting
	// Refine looks inside each peeled block for the part that is densest
	// relative to its degrees and reports that instead. When fraud accounts
	// spend their camouflage on popular objects, FRAUDAR's block can hold
	// both the fraud block and the organic core those objects belong to;
	// refining separates them (on wiki-Vote, F1 0.42 becomes 0.99).
	Refine bool
	Test   BlockTest
}

// referenceBlocks is how many blocks set a graph's organic surplus level.
const referenceBlocks = 5

// DenseBlocks peels up to opt.Blocks dense blocks from g, each from the
// graph less the edges of the blocks before it, and judges each with
// opt.Test. Peeling is FRAUDAR's (Hooi et al., KDD 2016) with the
// ColumnWeighted weighting, and the average-degree baseline with
// Unweighted; each run costs O(|E| log |V|). It stops early when no edges
// are left.
func DenseBlocks(ctx context.Context, g *Graph, opt BlockOptions) ([]Block, error) {
	k := max(opt.Blocks, 1)
	var blocks []Block
	var inRow, inCol []bool
	for i := 0; i < max(k, referenceBlocks); i++ {
		if i >= k && !needsLevel(blocks, opt.Test) {
			break
		}
		if i > 0 {
			g = g.withoutBlock(inRow, inCol)
		}
		if g.NumEdges() == 0 {
			break
		}
		p, err := peel(ctx, g, opt.Weighting)
		if err != nil {
			return nil, err
		}
		if len(p.rows) == 0 || len(p.cols) == 0 {
			break
		}
		if opt.Refine {
			if p, err = refine(ctx, g, p); err != nil {
				return nil, err
			}
		}
		var b Block
		b, inRow, inCol = describeBlock(g, p, opt.Weighting)
		blocks = append(blocks, b)
	}
	level := surplusLevel(blocks)
	blocks = blocks[:min(k, len(blocks))]
	for i := range blocks {
		judge(&blocks[i], opt.Test, level)
	}
	return blocks, nil
}

// needsLevel says whether judging blocks needs the graph's surplus level:
// whether one of them passes every test but the absolute surplus, and could
// pass the relative one.
func needsLevel(blocks []Block, t BlockTest) bool {
	for _, b := range blocks {
		if t.RelativeSurplus > 0 && b.Surplus < t.MinSurplus && b.Surplus >= t.MinRelativeSurplus &&
			len(b.Accounts) >= t.MinAccounts && len(b.Objects) >= t.MinObjects && b.Density >= t.MinDensity && b.Lift >= t.MinLift {
			return true
		}
	}
	return false
}

// surplusLevel returns the median surplus of the first referenceBlocks
// blocks.
func surplusLevel(blocks []Block) float64 {
	var s []float64
	for _, b := range blocks[:min(len(blocks), referenceBlocks)] {
		s = append(s, b.Surplus)
	}
	if len(s) == 0 {
		return 0
	}
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// describeBlock measures the peeled block p of g.
func describeBlock(g *Graph, p peeled, w Weighting) (Block, []bool, []bool) {
	inRow := make([]bool, g.NumAccounts())
	inCol := make([]bool, g.NumObjects())
	weights := columnWeights(g, w)
	var b Block
	f := 0.0
	for _, r := range p.rows {
		inRow[r] = true
		b.Accounts = append(b.Accounts, g.accounts[r])
	}
	for _, c := range p.cols {
		inCol[c] = true
		b.Objects = append(b.Objects, g.objects[c])
	}
	slices.Sort(b.Accounts)
	slices.Sort(b.Objects)
	for _, r := range p.rows {
		for _, c := range g.rowAdj[g.rowStart[r]:g.rowStart[r+1]] {
			if inCol[c] {
				b.Edges++
				f += weights[c]
			}
		}
	}
	b.Score = f / float64(len(p.rows)+len(p.cols))
	b.Density = float64(b.Edges) / (float64(len(p.rows)) * float64(len(p.cols)))
	b.Expected = expectedEdges(g, p.rows, p.cols)
	if b.Expected > 0 {
		b.Lift = float64(b.Edges) / b.Expected
	}
	b.Surplus = (float64(b.Edges) - b.Expected) / float64(len(p.rows)+len(p.cols))
	return b, inRow, inCol
}

// expectedEdges returns the sum over the block's pairs of
// min(1, d_r·d_c/|E|). With the column degrees sorted and prefix-summed, each
// row's sum splits at the first column whose pair probability reaches 1, so
// the whole costs O((|rows| + |cols|) log |cols|) instead of |rows|·|cols|.
func expectedEdges(g *Graph, rows, cols []int32) float64 {
	m := float64(g.NumEdges())
	deg := make([]float64, len(cols))
	for i, c := range cols {
		deg[i] = float64(g.colDegree(c))
	}
	slices.Sort(deg)
	prefix := make([]float64, len(deg)+1)
	for i, d := range deg {
		prefix[i+1] = prefix[i] + d
	}
	sum := 0.0
	for _, r := range rows {
		dr := float64(g.rowDegree(r))
		if dr == 0 {
			continue
		}
		// Columns from k on have dr·dc ≥ m and probability 1.
		k := sort.SearchFloat64s(deg, m/dr)
		sum += dr*prefix[k]/m + float64(len(deg)-k)
	}
	return sum
}

// judge applies t to b, with level the graph's surplus level, and explains
// the verdict in b.Reason.
func judge(b *Block, t BlockTest, level float64) {
	b.Threshold = t.MinSurplus
	relative := ""
	if t.RelativeSurplus > 0 {
		if bar := max(t.MinRelativeSurplus, t.RelativeSurplus*level); bar < b.Threshold {
			b.Threshold = bar
			relative = fmt.Sprintf(", %.1f× the graph's level of %.1f", b.Surplus/level, level)
		}
	}
	size := fmt.Sprintf("%d accounts × %d objects, %d edges, density %.3f, %.1f× the %.0f edges their degrees predict, %.1f surplus edges per node",
		len(b.Accounts), len(b.Objects), b.Edges, b.Density, b.Lift, b.Expected, b.Surplus)
	switch {
	case len(b.Accounts) < t.MinAccounts || len(b.Objects) < t.MinObjects:
		b.Reason = fmt.Sprintf("not suspicious: too small (%s)", size)
	case b.Density < t.MinDensity:
		b.Reason = fmt.Sprintf("not suspicious: too sparse (%s)", size)
	case b.Lift < t.MinLift || math.IsNaN(b.Lift):
		b.Reason = fmt.Sprintf("not suspicious: explained by degrees (%s)", size)
	case b.Surplus < b.Threshold:
		b.Reason = fmt.Sprintf("not suspicious: no more surplus than organic communities (%s; %.1f needed)", size, b.Threshold)
	default:
		b.Suspicious = true
		b.Reason = fmt.Sprintf("dense block: %s%s", size, relative)
	}
}
