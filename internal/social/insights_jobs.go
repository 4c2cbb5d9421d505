package social

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"parvis/internal/insights"
	"parvis/internal/jobs"
	"parvis/internal/store"
)

// rollupGrace is how long the roll-up waits before it counts a minute:
// events wait in the recorders' buffers for a second or so, and several
// nodes commit in any order. (An event later than that is moved after the
// roll-up's position when written: see store.InsertInsightEvents.)
const rollupGrace = time.Minute

// InfluenceWindow is the engagement the influence graph is built from.
const InfluenceWindow = 90 * 24 * time.Hour

// InsightsRollup says what a roll-up run did.
type InsightsRollup struct {
	Events int64 // raw events added to the hourly counts
	Days   int   // days added to the daily counts
}

// rollupPart bounds the raw events one roll-up transaction takes (on
// SQLite it holds the one writer: 1,000 events are 25 ms of it).
const rollupPart = 1000

// RollupInsights adds the raw events before upTo to the hourly counts, in
// transactions of rollupPart events, then sums every finished day into
// the daily counts. Running it again does nothing new.
func (s *Service) RollupInsights(ctx context.Context, upTo time.Time) (InsightsRollup, error) {
	var out InsightsRollup
	for more := true; more; {
		err := s.db.Tx(ctx, func(tx *store.Tx) error {
			n, m, err := tx.RollupInsightsHourlyPart(ctx, upTo, rollupPart)
			out.Events += n
			more = m
			return err
		})
		if err != nil {
			return out, wrap("roll up insights", err)
		}
	}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		out.Days, err = tx.RollupInsightsDaily(ctx)
		return err
	})
	return out, wrap("roll up insights by day", err)
}

// SweepInsights deletes the raw events and hourly counts older than the
// retention (see InsightsRetention).
func (s *Service) SweepInsights(ctx context.Context) (store.InsightSweep, error) {
	raw, hourly, err := s.InsightsRetention(ctx)
	if err != nil {
		return store.InsightSweep{}, err
	}
	now := s.now()
	out, err := s.db.SweepInsights(ctx, now.Add(-raw), now.Add(-hourly))
	return out, wrap("sweep insights", err)
}

// InfluenceRun says what an influence computation did.
type InfluenceRun struct {
	EngagementAccounts, EngagementLinks int
	FollowAccounts, FollowLinks         int
	Took                                time.Duration
}

// ComputeInfluence ranks everyone by PageRank over the engagement of the
// last InfluenceWindow (replies, boosts, mentions and favourites, weighted;
// flagged engagement left out) and over the follow graph, and stores the
// ranks and percentiles.
func (s *Service) ComputeInfluence(ctx context.Context) (InfluenceRun, error) {
	start := time.Now()
	now := s.now()
	var run InfluenceRun
	weights := map[string]float64{"reply": insights.WeightReply, "reblog": insights.WeightReblog,
		"mention": insights.WeightMention, "favourite": insights.WeightFavourite}
	var links []insights.Link
	err := s.db.Read().InfluenceEdges(ctx, now.Add(-InfluenceWindow), func(from, to int64, kind string, n int64) error {
		links = append(links, insights.Link{From: from, To: to, Weight: weights[kind] * float64(n)})
		return nil
	})
	if err != nil {
		return run, err
	}
	run.EngagementLinks = len(links)
	eng, err := insights.Influence(links, true)
	if err != nil {
		return run, err
	}
	run.EngagementAccounts = len(eng)
	links = links[:0]
	err = s.db.Read().FollowEdges(ctx, func(from, to int64) error {
		links = append(links, insights.Link{From: from, To: to, Weight: 1})
		return nil
	})
	if err != nil {
		return run, err
	}
	run.FollowLinks = len(links)
	fol, err := insights.Influence(links, false)
	if err != nil {
		return run, err
	}
	run.FollowAccounts = len(fol)
	err = s.storeInfluence(ctx, "engagement", influenceRows(eng), now)
	if err == nil {
		err = s.storeInfluence(ctx, "follow", influenceRows(fol), now)
	}
	run.Took = time.Since(start)
	return run, wrap("store influence", err)
}

// storeInfluence replaces the stored ranks of graph by rows, in short
// transactions (each row whole on its own), then removes the accounts
// the new ranks leave out.
func (s *Service) storeInfluence(ctx context.Context, graph string, rows []store.InfluenceRow, at time.Time) error {
	for start := 0; start < len(rows); start += store.InfluenceBatch {
		batch := rows[start:min(start+store.InfluenceBatch, len(rows))]
		if err := s.db.Tx(ctx, func(tx *store.Tx) error { return tx.StoreInfluence(ctx, graph, batch, len(rows), at) }); err != nil {
			return err
		}
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error { return tx.DeleteInfluenceBefore(ctx, graph, at) })
}

func influenceRows(st []insights.Standing) []store.InfluenceRow {
	out := make([]store.InfluenceRow, len(st))
	for i, x := range st {
		out[i] = store.InfluenceRow{AccountID: x.AccountID, PageRank: x.PageRank, Rank: int64(x.Rank), Percentile: x.Percentile}
	}
	return out
}

// InsightsRollupArgs rolls the insight events up by hour (and by day).
type InsightsRollupArgs struct{}

// Kind names the job.
func (InsightsRollupArgs) Kind() string { return "insights_rollup" }

type insightsRollupWorker struct {
	river.WorkerDefaults[InsightsRollupArgs]
	s *Service
}

func (w *insightsRollupWorker) Timeout(*river.Job[InsightsRollupArgs]) time.Duration {
	return 10 * time.Minute
}

func (w *insightsRollupWorker) Work(ctx context.Context, _ *river.Job[InsightsRollupArgs]) error {
	_, err := w.s.RollupInsights(ctx, w.s.now().Add(-rollupGrace))
	return err
}

// InsightsSweepArgs deletes insight data past its retention.
type InsightsSweepArgs struct{}

// Kind names the job.
func (InsightsSweepArgs) Kind() string { return "insights_sweep" }

type insightsSweepWorker struct {
	river.WorkerDefaults[InsightsSweepArgs]
	s *Service
}

func (w *insightsSweepWorker) Timeout(*river.Job[InsightsSweepArgs]) time.Duration {
	return 30 * time.Minute
}

func (w *insightsSweepWorker) Work(ctx context.Context, _ *river.Job[InsightsSweepArgs]) error {
	n, err := w.s.SweepInsights(ctx)
	if err == nil && n.Events+n.Hourly > 0 {
		w.s.log.Info("swept insights", "events", n.Events, "hourly", n.Hourly, "seen", n.Seen)
	}
	return err
}

// InfluenceEvery is how often the influence ranks are computed again.
const InfluenceEvery = 6 * time.Hour

// InsightsInfluenceArgs ranks everyone's influence.
type InsightsInfluenceArgs struct{}

// Kind names the job.
func (InsightsInfluenceArgs) Kind() string { return "insights_influence" }

// InsertOpts runs it on the scans queue, one at a time, and queues it
// only when none is waiting or running: it runs on every start, and a
// server restarted often piled up ranks of everyone that took minutes each.
func (InsightsInfluenceArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueScans, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

type insightsInfluenceWorker struct {
	river.WorkerDefaults[InsightsInfluenceArgs]
	s *Service
}

func (w *insightsInfluenceWorker) Timeout(*river.Job[InsightsInfluenceArgs]) time.Duration {
	return 30 * time.Minute
}

func (w *insightsInfluenceWorker) Work(ctx context.Context, _ *river.Job[InsightsInfluenceArgs]) error {
	// The job runs on every start as well as every InfluenceEvery; ranks
	// from before a restart are kept while fresh (ranking 100,000 people
	// takes half a minute of a core).
	last, err := w.s.db.Read().InfluenceComputedAt(ctx)
	if err != nil {
		return err
	}
	if w.s.now().Sub(last) < InfluenceEvery-time.Minute {
		return nil
	}
	run, err := w.s.ComputeInfluence(ctx)
	if err == nil {
		w.s.log.Info("ranked influence", "accounts", run.EngagementAccounts, "links", run.EngagementLinks,
			"follow_accounts", run.FollowAccounts, "follow_links", run.FollowLinks, "took_ms", run.Took.Milliseconds())
	}
	return err
}

// RegisterInsightsWorkers adds the insights jobs' workers.
func (s *Service) RegisterInsightsWorkers(workers *river.Workers) {
	river.AddWorker(workers, &insightsRollupWorker{s: s})
	river.AddWorker(workers, &insightsSweepWorker{s: s})
	river.AddWorker(workers, &insightsInfluenceWorker{s: s})
}

// InsightsPeriodicJobs schedules the insights jobs: the roll-up every five
// minutes (the hourly counts fill as the hour goes, and finished days move
// to the daily counts), the sweep every hour, the influence ranks every six
// hours.
func (s *Service) InsightsPeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(5*time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return InsightsRollupArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return InsightsSweepArgs{}, nil }, nil),
		river.NewPeriodicJob(river.PeriodicInterval(InfluenceEvery),
			func() (river.JobArgs, *river.InsertOpts) { return InsightsInfluenceArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
