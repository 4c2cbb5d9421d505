package social

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"parvis/internal/store"
)

// SweepArgs removes expired sessions, reset tokens and rate-limit windows.
type SweepArgs struct{}

// Kind names the job.
func (SweepArgs) Kind() string { return "sweep_expired" }

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	s *Service
}

func (w *sweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) error {
	var n int64
	err := w.s.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.DeleteExpired(ctx, w.s.now())
		return err
	})
	if err == nil && n > 0 {
		w.s.log.Info("swept expired rows", "rows", n)
	}
	return err
}

// PeriodicJobs are the service's scheduled jobs; the leader node runs them.
func (s *Service) PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(6*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return TrimFeedsArgs{}, nil }, nil),
		river.NewPeriodicJob(river.PeriodicInterval(15*time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return IntegrityScanArgs{}, nil }, nil),
	}
}
