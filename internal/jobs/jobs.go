// Package jobs runs Parvis's durable background work (timeline fan-out,
// federation delivery, link previews, roll-ups, scans) on River, in the same
// database as the data: a job is inserted in the transaction of the change that
// needs it, so it exists exactly when the change does, and it survives
// restarts and crashes. The packages that own a job's logic define its
// arguments and worker; main registers the workers here.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// Queue names. Federation delivery gets its own queue so that a slow remote
// server cannot hold up local work.
const (
	QueueDefault  = river.QueueDefault
	QueueDelivery = "delivery"
	QueueScans    = "scans"
)

// Config says where the jobs live and who works them.
type Config struct {
	// DB is the database/sql pool the data uses (SQLite's single writer
	// connection, or the PostgreSQL pool).
	DB *sql.DB
	// Listener, on PostgreSQL, is the pgx pool used for LISTEN/NOTIFY so
	// that a job inserted on one node is picked up at once by another. Nil on
	// SQLite, which polls.
	Listener *pgxpool.Pool
	// Postgres is true on PostgreSQL.
	Postgres bool
	// Workers are the registered job handlers. Nil makes an insert-only
	// queue (CLI commands that queue work for the server).
	Workers *river.Workers
	// Periodic jobs run on a schedule by the elected leader node.
	Periodic []*river.PeriodicJob
	// Concurrency per queue; zero picks defaults sized for two cores.
	DefaultWorkers, DeliveryWorkers, ScanWorkers int
	// PollInterval is how often idle nodes look for new jobs (also the
	// fallback when notifications are lost). Zero means 200 ms.
	PollInterval time.Duration
	// RescueAfter is how long a job may stay "running" before it is taken to
	// belong to a crashed node and run again. Zero means 2 minutes.
	RescueAfter time.Duration
	// WorkContext, when set, derives the context every job runs under (the
	// store marks it as background work, whose writes yield to requests).
	WorkContext func(context.Context) context.Context
	Logger      *slog.Logger
}

// Queue queues and runs jobs.
type Queue struct {
	client  *river.Client[*sql.Tx]
	working bool
}

func driver(cfg Config) riverdriver.Driver[*sql.Tx] {
	if cfg.Postgres {
		if cfg.Listener != nil {
			return riverdatabasesql.NewWithPgxListener(cfg.DB, cfg.Listener)
		}
		return riverdatabasesql.New(cfg.DB)
	}
	return riversqlite.New(cfg.DB)
}

// Migrate creates or upgrades River's tables.
func Migrate(ctx context.Context, cfg Config) error {
	m, err := rivermigrate.New(driver(cfg), &rivermigrate.Config{Logger: quiet(cfg.Logger)})
	if err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	return nil
}

// quiet lowers River's own logging to warnings: its info lines would drown
// the server's.
func quiet(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(levelFilter{l.Handler(), slog.LevelWarn})
}

type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.Handler.Enabled(ctx, l)
}

// New creates and opens a queue. With workers it must be started with Start.
func New(cfg Config) (*Queue, error) {
	q := NewQueue()
	if err := q.Open(cfg); err != nil {
		return nil, err
	}
	return q, nil
}

// NewQueue returns a queue that is not open yet. The use cases that enqueue
// jobs and the workers that run them depend on each other; creating the
// queue first and opening it once every worker is registered breaks the
// cycle.
func NewQueue() *Queue { return &Queue{} }

// Open connects the queue to the database with cfg's workers.
func (q *Queue) Open(cfg Config) error {
	rc := &river.Config{
		Logger:               quiet(cfg.Logger),
		FetchPollInterval:    cfg.PollInterval,
		RescueStuckJobsAfter: cfg.RescueAfter,
		JobTimeout:           time.Minute,
		PeriodicJobs:         cfg.Periodic,
		// Completed jobs are kept a day for inspection, then swept.
		CompletedJobRetentionPeriod: 24 * time.Hour,
	}
	if cfg.WorkContext != nil {
		rc.Middleware = []rivertype.Middleware{&workContext{derive: cfg.WorkContext}}
	}
	if rc.FetchPollInterval == 0 {
		rc.FetchPollInterval = 200 * time.Millisecond
	}
	rc.FetchCooldown = min(rc.FetchPollInterval, 50*time.Millisecond)
	if rc.RescueStuckJobsAfter == 0 {
		rc.RescueStuckJobsAfter = 2 * time.Minute
	}
	if rc.RescueStuckJobsAfter <= rc.JobTimeout {
		rc.JobTimeout = rc.RescueStuckJobsAfter / 2
	}
	if !cfg.Postgres || cfg.Listener == nil {
		rc.PollOnly = true
	}
	if cfg.Workers != nil {
		rc.Workers = cfg.Workers
		rc.Queues = map[string]river.QueueConfig{
			QueueDefault:  {MaxWorkers: orDefault(cfg.DefaultWorkers, 8)},
			QueueDelivery: {MaxWorkers: orDefault(cfg.DeliveryWorkers, 16)},
			QueueScans:    {MaxWorkers: orDefault(cfg.ScanWorkers, 1)},
		}
	}
	client, err := river.NewClient(driver(cfg), rc)
	if err != nil {
		return fmt.Errorf("create job queue: %w", err)
	}
	q.client, q.working = client, cfg.Workers != nil
	return nil
}

// workContext runs every job under a context derived by derive.
type workContext struct {
	river.MiddlewareDefaults
	derive func(context.Context) context.Context
}

func (m *workContext) Work(ctx context.Context, _ *rivertype.JobRow, doInner func(context.Context) error) error {
	return doInner(m.derive(ctx))
}

func orDefault(v, d int) int {
	if v > 0 {
		return v
	}
	return d
}

// Start begins working jobs; it returns at once.
func (q *Queue) Start(ctx context.Context) error {
	if !q.working {
		return nil
	}
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	return nil
}

// Stop lets running jobs finish until ctx ends, then cancels them; jobs that
// did not finish are retried later, on this node or another.
func (q *Queue) Stop(ctx context.Context) error {
	if !q.working {
		return nil
	}
	err := q.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = q.client.StopAndCancel(cctx)
	}
	if err != nil {
		return fmt.Errorf("stop job queue: %w", err)
	}
	return nil
}

// Enqueue inserts a job in tx, so that it exists if and only if tx commits.
func (q *Queue) Enqueue(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	if _, err := q.client.InsertTx(ctx, tx, args, opts); err != nil {
		return fmt.Errorf("queue %s job: %w", args.Kind(), err)
	}
	return nil
}

// EnqueueFast inserts a job that is never unique (no UniqueOpts) in tx,
// without reading the inserted row back: on SQLite a third of the cost of
// Enqueue, which a post pays for its fan-out.
func (q *Queue) EnqueueFast(ctx context.Context, tx *sql.Tx, args river.JobArgs) error {
	if _, err := q.client.InsertManyFastTx(ctx, tx, []river.InsertManyParams{{Args: args}}); err != nil {
		return fmt.Errorf("queue %s job: %w", args.Kind(), err)
	}
	return nil
}

// EnqueueMany inserts several jobs in tx.
func (q *Queue) EnqueueMany(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) error {
	if len(params) == 0 {
		return nil
	}
	if _, err := q.client.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("queue %d jobs: %w", len(params), err)
	}
	return nil
}

// Client exposes the River client, for subscriptions in tests and for the
// job list on the admin page.
func (q *Queue) Client() *river.Client[*sql.Tx] { return q.client }
