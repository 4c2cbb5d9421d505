package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"parvis/internal/jobs"
	"parvis/internal/store"
	"parvis/internal/store/storetest"
)

type bigArgs struct {
	ID int64 `json:"id"`
}

func (bigArgs) Kind() string { return "test_big" }

type bigWorker struct {
	river.WorkerDefaults[bigArgs]
	got chan int64
}

func (w *bigWorker) Work(ctx context.Context, job *river.Job[bigArgs]) error {
	w.got <- job.Args.ID
	return nil
}

// Ids are 64-bit and above 2^53: job arguments must keep every digit on
// both engines.
func TestJobArgumentsKeepLargeIDs(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	if err := jobs.Migrate(ctx, config(db)); err != nil {
		t.Fatal(err)
	}
	w := &bigWorker{got: make(chan int64, 1)}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	cfg := config(db)
	cfg.Workers = workers
	q, err := jobs.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_ = q.Stop(sctx)
	})
	const id = int64(117687623973381289)
	if err := db.Tx(ctx, func(tx *store.Tx) error { return q.Enqueue(ctx, tx.SQL(), bigArgs{ID: id}, nil) }); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-w.got:
		if got != id {
			t.Fatalf("got id %d, want %d", got, id)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the job did not run")
	}
}
