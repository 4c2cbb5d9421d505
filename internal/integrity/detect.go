package integrity

import (
	"context"
	"errors"
	"sync"
)

// Config selects and tunes the detectors Detect runs; a detector whose
// Enable flag is false is skipped.
type Config struct {
	DenseBlocks    BlockOptions
	EnableBlocks   bool
	Lockstep       LockstepOptions
	EnableLockstep bool
	Serial         SerialOptions
	EnableSerial   bool
	Rings          RingOptions
	EnableRings    bool
	Bursts         BurstOptions
	EnableBursts   bool
}

// DefaultConfig enables every detector with its calibrated thresholds and
// peels up to five dense blocks.
func DefaultConfig() Config {
	return Config{
		DenseBlocks:    BlockOptions{Blocks: 5, Weighting: ColumnWeighted, Refine: true, Test: DefaultBlockTest()},
		EnableBlocks:   true,
		Lockstep:       DefaultLockstepOptions(),
		EnableLockstep: true,
		Serial:         DefaultSerialOptions(),
		EnableSerial:   true,
		Rings:          DefaultRingOptions(),
		EnableRings:    true,
		Bursts:         DefaultBurstOptions(),
		EnableBursts:   true,
	}
}

// Detect runs the enabled detectors on ds and returns their findings,
// ordered by signal and then most suspicious first. Dense blocks that fail
// their BlockTest are not findings. The detectors only read ds, so they run
// side by side, one goroutine each.
func Detect(ctx context.Context, ds Dataset, cfg Config) ([]Finding, error) {
	type step struct {
		on  bool
		run func() ([]Finding, error)
	}
	steps := []step{
		{cfg.EnableBlocks, func() ([]Finding, error) { return denseBlockFindings(ctx, ds.Edges, cfg.DenseBlocks) }},
		{cfg.EnableLockstep, func() ([]Finding, error) { return Lockstep(ctx, ds.Edges, cfg.Lockstep) }},
		{cfg.EnableSerial, func() ([]Finding, error) { return Serial(ctx, ds.Edges, cfg.Serial) }},
		{cfg.EnableRings, func() ([]Finding, error) { return Rings(ctx, ds.Edges, cfg.Rings) }},
		{cfg.EnableBursts, func() ([]Finding, error) { return Bursts(ctx, ds, cfg.Bursts) }},
	}
	found := make([][]Finding, len(steps))
	errs := make([]error, len(steps))
	var wg sync.WaitGroup
	for i, s := range steps {
		if !s.on {
			continue
		}
		wg.Go(func() { found[i], errs[i] = s.run() })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var out []Finding
	for _, fs := range found {
		out = append(out, fs...)
	}
	sortFindings(out)
	return out, nil
}

// denseBlockFindings peels dense blocks from the account × object graph of
// edges and returns the suspicious ones as findings.
func denseBlockFindings(ctx context.Context, edges []Edge, opt BlockOptions) ([]Finding, error) {
	g, err := NewGraph(edges)
	if err != nil {
		return nil, err
	}
	blocks, err := DenseBlocks(ctx, g, opt)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, b := range blocks {
		if !b.Suspicious {
			continue
		}
		out = append(out, blockFinding(b, edges))
	}
	return out, nil
}

// blockFinding turns a suspicious block into a finding, with the time span
// and authors of its edges.
func blockFinding(b Block, edges []Edge) Finding {
	inA := make(map[int64]bool, len(b.Accounts))
	for _, a := range b.Accounts {
		inA[a] = true
	}
	inO := make(map[int64]bool, len(b.Objects))
	for _, o := range b.Objects {
		inO[o] = true
	}
	var inside []Edge
	var authors []int64
	for _, e := range edges {
		if inA[e.Account] && inO[e.Object] {
			inside = append(inside, e)
			if e.Author != 0 {
				authors = append(authors, e.Author)
			}
		}
	}
	from, to := timeSpan(inside)
	score := b.Lift
	if b.Threshold > 0 {
		score = b.Surplus / b.Threshold
	}
	return Finding{
		Signal:   SignalDenseBlock,
		Score:    score,
		Accounts: b.Accounts,
		Objects:  b.Objects,
		Authors:  sortedUnique(authors),
		From:     from,
		To:       to,
		Reason:   b.Reason,
	}
}
