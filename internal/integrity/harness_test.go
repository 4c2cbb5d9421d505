package integrity

import (
	"context"
	"strings"
	"testing"

	"parvis/internal/testshared"
)

// logWriter writes each complete line to the test log, so that the harness
// table shows with go test -v.
type logWriter struct {
	t    *testing.T
	line []byte
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	for _, b := range p {
		if b == '\n' {
			w.t.Log(string(w.line))
			w.line = w.line[:0]
			continue
		}
		w.line = append(w.line, b)
	}
	return len(p), nil
}

// TestHarness runs the evaluation harness and asserts the targets: the
// 200 × 200 block at density 0.4 behind popularity-biased camouflage found
// with F1 ≥ 0.95 on both backgrounds, under 1 % of accounts flagged on
// organic graphs, and every timed injection found.
func TestHarness(t *testing.T) {
	opt := DefaultHarnessOptions()
	if testing.Short() {
		opt.Seeds = opt.Seeds[:1]
		opt.Extra = false
	}
	backgrounds := []string{SettingSynthetic}
	t.Run("wiki-Vote", func(t *testing.T) {
		opt.WikiVotePath = testshared.Path(t, "datasets/wiki-vote/wiki-Vote.txt")
		backgrounds = append(backgrounds, SettingWikiVote)
	})
	rep, err := RunHarness(context.Background(), &logWriter{t: t}, opt)
	if err != nil {
		t.Fatalf("RunHarness: %v", err)
	}
	check := func(setting, method string, test func(HarnessRow) bool, want string) {
		t.Helper()
		rows := rep.Select(setting, method)
		if len(rows) != len(opt.Seeds) {
			t.Errorf("%s, %s: got %d rows, want %d", setting, method, len(rows), len(opt.Seeds))
		}
		for _, r := range rows {
			if !test(r) {
				t.Errorf("%s, %s, seed %d: got F1 %.3f (P %.3f, R %.3f), %d accounts flagged of %d; want %s",
					setting, method, r.Seed, r.F1, r.Precision, r.Recall, r.FlaggedAccounts, r.Accounts, want)
			}
		}
	}
	atLeast := func(f float64) func(HarnessRow) bool { return func(r HarnessRow) bool { return r.F1 >= f } }
	quiet := func(r HarnessRow) bool { return r.FlaggedShare() < 0.01 }
	for _, bg := range backgrounds {
		for _, c := range []Camouflage{NoCamouflage, RandomCamouflage, PopularCamouflage} {
			inj := BlockInjection{Accounts: 200, Objects: 200, Density: 0.4, Camouflage: c}
			check(BlockSetting(bg, inj), MethodDenseBlocks, atLeast(0.95), "F1 ≥ 0.95")
		}
		check(BlockSetting(bg, BlockInjection{}), MethodDenseBlocks, quiet, "under 1% flagged")
	}
	week := SettingWeek + " organic"
	for _, s := range []Signal{SignalDenseBlock, SignalLockstep, SignalSerial, SignalRing, SignalBurstNew, SignalBurstRelated} {
		check(week, string(s), quiet, "under 1% flagged")
	}
	timed := []struct {
		prefix string
		signal Signal
		minF1  float64
	}{
		{"week lockstep", SignalLockstep, 0.9},
		{"week serial", SignalSerial, 0.9},
		{"week ring", SignalRing, 0.9},
		{"week 30 new accounts", SignalBurstNew, 0.9},
		{"week 15 related accounts", SignalBurstRelated, 0.9},
	}
	for _, tc := range timed {
		found := false
		for _, r := range rep.Rows {
			if strings.HasPrefix(r.Setting, tc.prefix) && r.Method == string(tc.signal) {
				found = true
				if r.F1 < tc.minF1 {
					t.Errorf("%s, seed %d: got F1 %.3f (P %.3f, R %.3f), want ≥ %.2f", r.Setting, r.Seed, r.F1, r.Precision, r.Recall, tc.minF1)
				}
			}
		}
		if !found {
			t.Errorf("no rows for %s", tc.prefix)
		}
	}
}
