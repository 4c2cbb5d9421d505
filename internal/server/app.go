package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"

	"parvis/internal/api"
	"parvis/internal/federation"
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
	// MediaDir holds uploaded files (shared by every node), unless Media
	// is set.
	MediaDir   string
	Scheme     string
	Mail       mail.Config
	TrustProxy bool
	Logger     *slog.Logger
	// JobPoll is how often idle job workers look for work (tests use a
	// short one).
	JobPoll time.Duration
	// RescueAfter is how long a job may run before it is taken for one of
	// a crashed node and run again; zero means the queue's default.
	RescueAfter time.Duration
	// Federation tunes ActivityPub federation.
	Federation federation.Config
	// Media is the store of uploaded files (an S3 bucket every node
	// reaches); nil means a directory store on MediaDir.
	Media media.Store
	// MediaPublicURL, if set, is the base of links to media files (a CDN
	// or a public bucket) instead of /media/ on this server, which keeps
	// serving them too.
	MediaPublicURL string
	// Limits overrides the rate limits (nil: social.DefaultLimits);
	// benchmarks raise them to measure more than an hour's allowance.
	Limits *social.Limits
}

// App is Parvis wired together: the use cases, their job workers, and the
// HTTP surfaces, on one database.
type App struct {
	DB      *store.DB
	Queue   *jobs.Queue
	Service *social.Service
	Server  *Server
	// Federation is the ActivityPub side.
	Federation *federation.Federation
	Registry   *prometheus.Registry
	// Insights records impressions, clicks, visits and network changes.
	Insights *social.InsightsRecorder
	// broker carries live events between nodes on PostgreSQL (nil on
	// SQLite, whose single node uses the in-process broker).
	broker *social.PGBroker
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
	files := cfg.Media
	if files == nil {
		if files, err = media.NewDirStore(cfg.MediaDir, "/media"); err != nil {
			return nil, fmt.Errorf("media directory: %w", err)
		}
	}
	var broker *social.PGBroker
	var events social.Broker // nil: the in-process broker
	if db.Engine() == store.Postgres {
		if broker, err = social.NewPGBroker(ctx, db.Pool(), log); err != nil {
			return nil, err
		}
		events = broker
	}
	queue := jobs.NewQueue()
	svc := social.New(social.Config{Domain: cfg.Domain, Scheme: cfg.Scheme, Secret: secret,
		MediaBaseURL: strings.TrimSuffix(cfg.MediaPublicURL, "/")},
		social.Deps{DB: db, Queue: queue, Mailer: mail.NewSender(cfg.Mail), Logger: log, Media: files, Events: events, Limits: cfg.Limits})
	insights := social.NewInsightsRecorder(svc, social.InsightsConfig{})
	fed, err := federation.New(cfg.Federation, federation.Deps{Service: svc, Queue: queue, Logger: log})
	if err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	svc.RegisterWorkers(workers)
	fed.RegisterWorkers(workers)
	svc.RegisterInsightsWorkers(workers)
	if err := queue.Open(jobs.Config{DB: db.SQL(), Postgres: db.Engine() == store.Postgres, Listener: db.Pool(),
		Workers: workers, Periodic: append(append(svc.PeriodicJobs(), fed.PeriodicJobs()...), svc.InsightsPeriodicJobs()...), Logger: log, PollInterval: cfg.JobPoll,
		RescueAfter: cfg.RescueAfter, WorkContext: store.Background}); err != nil {
		return nil, err
	}
	webUI, err := web.New(svc, web.Options{Logger: log, SecureCookies: cfg.Scheme == "https", Media: svc.MediaHandler()})
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	fedHandler := fed.Handler()
	srv := New(Config{TrustProxy: cfg.TrustProxy}, log, db, queue, reg,
		Mount{Name: "federation", Prefixes: fed.Prefixes(), Handler: fedHandler},
		Mount{Name: "web", Handler: web.ViewerKeys(insights, activityPubFirst(fedHandler, webUI.Handler()))},
		Mount{Name: "api", Prefixes: []string{"/api/", "/oauth/", "/.well-known/nodeinfo", "/nodeinfo/"},
			Handler: web.ViewerKeys(insights, api.New(svc, api.Options{Logger: log, Done: ctx.Done()}))},
		Mount{Name: "insights", Prefixes: web.InsightsPrefixes(), Handler: web.NewInsightsEndpoints(svc, insights, log)},
	)
	return &App{DB: db, Queue: queue, Service: svc, Server: srv, Registry: reg, broker: broker,
		Federation: fed, Insights: insights}, nil
}

// activityPubFirst sends the requests for an account's, a community's or
// a post's page (/@name, /c/name, /@name/id) that ask for ActivityPub to
// federation, and every other request to the web UI: one URL is a web page
// for browsers and an ActivityPub document for servers.
func activityPubFirst(ap, web http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		community, isCommunity := strings.CutPrefix(r.URL.Path, "/c/")
		if (strings.HasPrefix(r.URL.Path, "/@") || (isCommunity && !strings.Contains(community, "/"))) &&
			(r.Method == http.MethodGet || r.Method == http.MethodHead) && federation.WantsActivityPub(r) {
			ap.ServeHTTP(w, r)
			return
		}
		web.ServeHTTP(w, r)
	})
}

// Start starts the job workers and the insights writer and, on
// PostgreSQL, listens for the live events of every node (returning once it
// listens, so that no event published afterwards is missed). All stop when
// ctx ends.
func (a *App) Start(ctx context.Context) error {
	go a.Insights.Run(store.Background(ctx))
	if a.broker != nil {
		if err := a.broker.Start(ctx); err != nil {
			return err
		}
	}
	return a.Queue.Start(ctx)
}
