package server

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"

	"parvis/internal/jobs"
	"parvis/internal/mail"
	"parvis/internal/media"
	"parvis/internal/social"
	"parvis/internal/store"
	"parvis/internal/web"
)

// AppConfig is what wiring the application needs beyond an open database.
type AppConfig struct {
	Domain string
	// MediaDir holds uploaded files (shared by every node).
	MediaDir   string
	Scheme     string
	Mail       mail.Config
	TrustProxy bool
	Logger     *slog.Logger
	// JobPoll is how often idle job workers look for work (tests use a
	// short one).
	JobPoll time.Duration
}

// App is Parvis wired together: the use cases, their job workers, and the
// HTTP surfaces, on one database.
type App struct {
	DB       *store.DB
	Queue    *jobs.Queue
	Service  *social.Service
	Server   *Server
	Registry *prometheus.Registry
}

// NewApp wires the application on db, which must be migrated. Start the
// job workers with Start and serve with Server.Serve.
func NewApp(ctx context.Context, db *store.DB, cfg AppConfig) (*App, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	secret, err := db.InstanceSecret(ctx)
	if err != nil {
		return nil, err
	}
	if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.SetSetting(ctx, "domain", cfg.Domain) }); err != nil {
		return nil, fmt.Errorf("record domain: %w", err)
	}
	files, err := media.NewDirStore(cfg.MediaDir, "/media")
	if err != nil {
		return nil, fmt.Errorf("media directory: %w", err)
	}
	queue := jobs.NewQueue()
	svc := social.New(social.Config{Domain: cfg.Domain, Scheme: cfg.Scheme, Secret: secret},
		social.Deps{DB: db, Queue: queue, Mailer: mail.NewSender(cfg.Mail), Logger: log, Media: files})
	workers := river.NewWorkers()
	svc.RegisterWorkers(workers)
	if err := queue.Open(jobs.Config{DB: db.SQL(), Postgres: db.Engine() == store.Postgres, Listener: db.Pool(),
		Workers: workers, Periodic: svc.PeriodicJobs(), Logger: log, PollInterval: cfg.JobPoll}); err != nil {
		return nil, err
	}
	webUI, err := web.New(svc, web.Options{Logger: log, SecureCookies: cfg.Scheme == "https", Media: svc.MediaHandler()})
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv := New(Config{TrustProxy: cfg.TrustProxy}, log, db, queue, reg,
		Mount{Name: "web", Handler: webUI.Handler()},
	)
	return &App{DB: db, Queue: queue, Service: svc, Server: srv, Registry: reg}, nil
}

// Start starts the job workers.
func (a *App) Start(ctx context.Context) error { return a.Queue.Start(ctx) }
