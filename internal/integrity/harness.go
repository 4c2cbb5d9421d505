package integrity

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"text/tabwriter"
)

// HarnessOptions configures RunHarness.
type HarnessOptions struct {
	// Seeds are the random seeds; each setting runs once per seed.
	Seeds []uint64
	// WikiVotePath is the wiki-Vote edge list; empty skips its settings.
	WikiVotePath string
	Background   BackgroundOptions
	Week         WeekOptions
	// Config holds the detectors' thresholds. Zero values of Background,
	// Week and Config mean their defaults.
	Config Config
	// Extra adds settings beyond the asserted ones (smaller and sparser
	// blocks), for the first seed only.
	Extra bool
}

// DefaultHarnessOptions returns three seeds, the default backgrounds and the
// default detector configuration, without wiki-Vote.
func DefaultHarnessOptions() HarnessOptions {
	return HarnessOptions{Seeds: []uint64{1, 2, 3}, Background: DefaultBackground(), Week: DefaultWeek(),
		Config: DefaultConfig(), Extra: true}
}

// The methods the harness reports.
const (
	MethodDenseBlocks   = "fraudar+refine+test" // DenseBlocks as Detect runs it
	MethodFraudarTop    = "fraudar top block"   // FRAUDAR's first block, unrefined and untested
	MethodAverageDegree = "avg-degree top block"
)

// HarnessRow is one detector's result in one setting with one seed.
// Precision, recall and F1 are over accounts and objects together: a
// flagged account or object counts once, and is right if it was planted.
// In organic-only settings nothing was planted and only the flagged counts
// matter.
type HarnessRow struct {
	Setting         string
	Method          string
	Seed            uint64
	Organic         bool
	Precision       float64
	Recall          float64
	F1              float64
	FlaggedAccounts int
	Accounts        int
}

// FlaggedShare is the share of all accounts that were flagged.
func (r HarnessRow) FlaggedShare() float64 {
	if r.Accounts == 0 {
		return 0
	}
	return float64(r.FlaggedAccounts) / float64(r.Accounts)
}

// Report is the harness's results.
type Report struct {
	Rows []HarnessRow
}

// Select returns the rows of one setting and method.
func (r Report) Select(setting, method string) []HarnessRow {
	var out []HarnessRow
	for _, row := range r.Rows {
		if row.Setting == setting && row.Method == method {
			out = append(out, row)
		}
	}
	return out
}

// Harness setting names, for Report.Select.
const (
	SettingSynthetic = "synthetic"
	SettingWikiVote  = "wiki-Vote"
	SettingWeek      = "week"
)

// BlockSetting names a bipartite setting: a background with an injected
// block, or the background alone when inj.Accounts is 0.
func BlockSetting(background string, inj BlockInjection) string {
	if inj.Accounts == 0 {
		return background + " organic"
	}
	return fmt.Sprintf("%s + %d×%d d=%.2f camo=%s", background, inj.Accounts, inj.Objects, inj.Density, inj.Camouflage)
}

// RunHarness measures the detectors on organic backgrounds with and without
// injected manipulation and writes a table of the results to out.
func RunHarness(ctx context.Context, out io.Writer, opt HarnessOptions) (Report, error) {
	if len(opt.Seeds) == 0 {
		return Report{}, fmt.Errorf("integrity: harness needs at least one seed")
	}
	if opt.Background == (BackgroundOptions{}) {
		opt.Background = DefaultBackground()
	}
	if opt.Week == (WeekOptions{}) {
		opt.Week = DefaultWeek()
	}
	if opt.Config == (Config{}) {
		opt.Config = DefaultConfig()
	}
	var rep Report
	var wiki []Edge
	if opt.WikiVotePath != "" {
		f, err := os.Open(opt.WikiVotePath)
		if err != nil {
			return Report{}, fmt.Errorf("integrity: harness: %w", err)
		}
		wiki, err = ReadEdgeList(ctx, f)
		f.Close()
		if err != nil {
			return Report{}, fmt.Errorf("integrity: harness: reading %s: %w", opt.WikiVotePath, err)
		}
	}
	injections := []BlockInjection{{}}
	for _, c := range []Camouflage{NoCamouflage, RandomCamouflage, PopularCamouflage} {
		injections = append(injections, BlockInjection{Accounts: 200, Objects: 200, Density: 0.4, Camouflage: c})
	}
	extras := []BlockInjection{
		{Accounts: 100, Objects: 100, Density: 0.4, Camouflage: PopularCamouflage},
		{Accounts: 200, Objects: 200, Density: 0.2, Camouflage: PopularCamouflage},
		{Accounts: 50, Objects: 50, Density: 0.8, Camouflage: PopularCamouflage},
	}
	for i, seed := range opt.Seeds {
		rng := rand.New(rand.NewPCG(seed, 0x5eed))
		syn, err := SyntheticBackground(rng, opt.Background)
		if err != nil {
			return Report{}, err
		}
		backgrounds := []struct {
			name  string
			edges []Edge
		}{{SettingSynthetic, syn}}
		if wiki != nil {
			backgrounds = append(backgrounds, struct {
				name  string
				edges []Edge
			}{SettingWikiVote, wiki})
		}
		for _, bg := range backgrounds {
			injs := injections
			if opt.Extra && i == 0 {
				injs = append(slices.Clone(injs), extras...)
			}
			for _, inj := range injs {
				rows, err := blockRows(ctx, rng, bg.name, bg.edges, inj, opt.Config.DenseBlocks)
				if err != nil {
					return Report{}, err
				}
				for j := range rows {
					rows[j].Seed = seed
				}
				rep.Rows = append(rep.Rows, rows...)
			}
		}
		rows, err := weekRows(ctx, seed, opt)
		if err != nil {
			return Report{}, err
		}
		rep.Rows = append(rep.Rows, rows...)
	}
	if err := rep.WriteTable(out); err != nil {
		return Report{}, err
	}
	return rep, nil
}

// blockRows runs the dense-block methods on one background with one
// injection.
func blockRows(ctx context.Context, rng *rand.Rand, background string, organic []Edge, inj BlockInjection, opt BlockOptions) ([]HarnessRow, error) {
	edges, truth := organic, Truth{}
	if inj.Accounts > 0 {
		var err error
		if edges, truth, err = InjectBlock(rng, organic, inj); err != nil {
			return nil, err
		}
	}
	g, err := NewGraph(edges)
	if err != nil {
		return nil, err
	}
	setting := BlockSetting(background, inj)
	row := func(method string, accounts, objects []int64) HarnessRow {
		r := score(truth, accounts, objects)
		r.Setting, r.Method, r.Organic, r.Accounts = setting, method, inj.Accounts == 0, g.NumAccounts()
		return r
	}
	blocks, err := DenseBlocks(ctx, g, opt)
	if err != nil {
		return nil, err
	}
	var accounts, objects []int64
	for _, b := range blocks {
		if b.Suspicious {
			accounts = append(accounts, b.Accounts...)
			objects = append(objects, b.Objects...)
		}
	}
	rows := []HarnessRow{row(MethodDenseBlocks, accounts, objects)}
	if inj.Accounts == 0 {
		return rows, nil
	}
	for _, m := range []struct {
		name string
		w    Weighting
	}{{MethodFraudarTop, ColumnWeighted}, {MethodAverageDegree, Unweighted}} {
		p, err := peel(ctx, g, m.w)
		if err != nil {
			return nil, err
		}
		b, _, _ := describeBlock(g, p, m.w)
		rows = append(rows, row(m.name, b.Accounts, b.Objects))
	}
	return rows, nil
}

// The timed injections of the harness.
const (
	lockstepAccounts, lockstepObjects, lockstepWindow = 50, 30, 600
	serialVoters, serialPosts, serialWindow           = 20, 8, 1200
	ringSize, ringShare                               = 8, 0.8
	newBurstAccounts, relatedBurstAccounts            = 30, 15
)

// weekRows runs the timed detectors on a synthetic week, organic and with
// each timed injection in turn.
func weekRows(ctx context.Context, seed uint64, opt HarnessOptions) ([]HarnessRow, error) {
	cfg := opt.Config
	type injection struct {
		name   string
		signal Signal
		inject func(*rand.Rand, *Week) (Truth, error)
	}
	injs := []injection{
		{"organic", "", nil},
		{fmt.Sprintf("lockstep %d×%d in %s", lockstepAccounts, lockstepObjects, seconds(lockstepWindow)), SignalLockstep,
			func(r *rand.Rand, w *Week) (Truth, error) {
				return w.InjectLockstep(r, lockstepAccounts, lockstepObjects, lockstepWindow)
			}},
		{fmt.Sprintf("serial %d voters × %d posts in %s", serialVoters, serialPosts, seconds(serialWindow/2)), SignalSerial,
			func(r *rand.Rand, w *Week) (Truth, error) {
				return w.InjectSerial(r, serialVoters, serialPosts, serialWindow)
			}},
		{fmt.Sprintf("ring of %d, %.0f%% of each other's posts", ringSize, 100*ringShare), SignalRing,
			func(r *rand.Rand, w *Week) (Truth, error) { return w.InjectRing(r, ringSize, ringShare) }},
		{fmt.Sprintf("%d new accounts on one post in 30min", newBurstAccounts), SignalBurstNew,
			func(r *rand.Rand, w *Week) (Truth, error) {
				return w.InjectNewAccountBurst(r, newBurstAccounts, 1800), nil
			}},
		{fmt.Sprintf("%d related accounts on one post in 1h", relatedBurstAccounts), SignalBurstRelated,
			func(r *rand.Rand, w *Week) (Truth, error) {
				return w.InjectRelatedBurst(r, relatedBurstAccounts, 3600), nil
			}},
	}
	var rows []HarnessRow
	for _, inj := range injs {
		// Each setting gets the same organic week for its seed.
		rng := rand.New(rand.NewPCG(seed, 0x3eec))
		w, err := SyntheticWeek(rng, opt.Week)
		if err != nil {
			return nil, err
		}
		var truth Truth
		if inj.inject != nil {
			if truth, err = inj.inject(rng, w); err != nil {
				return nil, err
			}
		}
		findings, err := Detect(ctx, w.Dataset, cfg)
		if err != nil {
			return nil, err
		}
		setting := SettingWeek + " " + inj.name
		bySignal := map[Signal][2][]int64{}
		for _, f := range findings {
			got := bySignal[f.Signal]
			got[0] = append(got[0], f.Accounts...)
			got[1] = append(got[1], f.Objects...)
			bySignal[f.Signal] = got
		}
		signals := []Signal{inj.signal}
		if inj.inject == nil {
			signals = []Signal{SignalDenseBlock, SignalLockstep, SignalSerial, SignalRing, SignalBurstNew, SignalBurstRelated}
		}
		for _, s := range signals {
			got := bySignal[s]
			r := score(truth, got[0], got[1])
			r.Setting, r.Method, r.Seed, r.Organic, r.Accounts = setting, string(s), seed, inj.inject == nil, len(w.Accounts)
			rows = append(rows, r)
		}
	}
	return rows, nil
}

// score compares flagged accounts and objects with the truth.
func score(truth Truth, accounts, objects []int64) HarnessRow {
	accounts = sortedUnique(slices.Clone(accounts))
	objects = sortedUnique(slices.Clone(objects))
	hits := countIn(accounts, truth.Accounts) + countIn(objects, truth.Objects)
	flagged := len(accounts) + len(objects)
	planted := len(truth.Accounts) + len(truth.Objects)
	r := HarnessRow{FlaggedAccounts: len(accounts)}
	if flagged > 0 {
		r.Precision = float64(hits) / float64(flagged)
	}
	if planted > 0 {
		r.Recall = float64(hits) / float64(planted)
	}
	if r.Precision+r.Recall > 0 {
		r.F1 = 2 * r.Precision * r.Recall / (r.Precision + r.Recall)
	}
	return r
}

// countIn counts the elements of sorted a that are in sorted b.
func countIn(a, b []int64) int {
	n := 0
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); ok {
			n++
		}
	}
	return n
}

// WriteTable writes the report as a table, one line per setting and method,
// with means over seeds and the worst F1 or the most flagged.
func (r Report) WriteTable(out io.Writer) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "setting\tmethod\tseeds\tprecision\trecall\tF1\tmin F1\tflagged accounts (max share)")
	type key struct{ setting, method string }
	var order []key
	groups := map[key][]HarnessRow{}
	for _, row := range r.Rows {
		k := key{row.Setting, row.Method}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], row)
	}
	for _, k := range order {
		rows := groups[k]
		var p, rc, f, flagged float64
		minF, maxShare := math.Inf(1), 0.0
		for _, row := range rows {
			p += row.Precision
			rc += row.Recall
			f += row.F1
			flagged += float64(row.FlaggedAccounts)
			minF = math.Min(minF, row.F1)
			maxShare = math.Max(maxShare, row.FlaggedShare())
		}
		n := float64(len(rows))
		quality := fmt.Sprintf("%.3f\t%.3f\t%.3f\t%.3f", p/n, rc/n, f/n, minF)
		if rows[0].Organic {
			quality = "-\t-\t-\t-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%.1f (%.2f%%)\n", k.setting, k.method, len(rows), quality, flagged/n, 100*maxShare)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("integrity: writing harness table: %w", err)
	}
	return nil
}
