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

type pingArgs struct {
	Note string `json:"note"`
}

func (pingArgs) Kind() string { return "test_ping" }

type pingWorker struct {
	river.WorkerDefaults[pingArgs]
	done chan string
}

func (w *pingWorker) Work(ctx context.Context, job *river.Job[pingArgs]) error {
	w.done <- job.Args.Note
	return nil
}

func config(db *store.DB) jobs.Config {
	return jobs.Config{DB: db.SQL(), Postgres: db.Engine() == store.Postgres, Listener: db.Pool(),
		PollInterval: 50 * time.Millisecond, RescueAfter: time.Second}
}

// A job committed by one process runs in another started later: the queue
// lives in the database, not in memory.
func TestJobQueuedBeforeRestartRuns(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	if err := jobs.Migrate(ctx, config(db)); err != nil {
		t.Fatal(err)
	}
	inserter, err := jobs.New(config(db))
	if err != nil {
		t.Fatal(err)
	}
	// One job commits, one is rolled back with its transaction.
	if err := db.Tx(ctx, func(tx *store.Tx) error {
		return inserter.Enqueue(ctx, tx.SQL(), pingArgs{Note: "kept"}, nil)
	}); err != nil {
		t.Fatal(err)
	}
	_ = db.Tx(ctx, func(tx *store.Tx) error {
		if err := inserter.Enqueue(ctx, tx.SQL(), pingArgs{Note: "rolled back"}, nil); err != nil {
			return err
		}
		return context.Canceled
	})

	w := &pingWorker{done: make(chan string, 4)}
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
	select {
	case got := <-w.done:
		if got != "kept" {
			t.Fatalf("got job %q, want kept", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the committed job did not run")
	}
	select {
	case got := <-w.done:
		t.Fatalf("got unexpected job %q", got)
	case <-time.After(300 * time.Millisecond):
	}
}

// A job that was running when its node died is rescued and run again.
func TestJobRunningAtCrashIsRescued(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	if err := jobs.Migrate(ctx, config(db)); err != nil {
		t.Fatal(err)
	}
	inserter, err := jobs.New(config(db))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Tx(ctx, func(tx *store.Tx) error {
		return inserter.Enqueue(ctx, tx.SQL(), pingArgs{Note: "orphan"}, nil)
	}); err != nil {
		t.Fatal(err)
	}
	// What a node killed mid-job leaves behind: the job marked running, long ago.
	past := time.Now().Add(-time.Hour).UTC()
	if _, err := db.SQL().ExecContext(ctx, "UPDATE river_job SET state = 'running', attempt = 1, attempted_at = $1",
		past); err != nil {
		t.Fatal(err)
	}
	w := &pingWorker{done: make(chan string, 1)}
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
	select {
	case got := <-w.done:
		if got != "orphan" {
			t.Fatalf("got job %q, want orphan", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the orphaned job was not rescued")
	}
}
