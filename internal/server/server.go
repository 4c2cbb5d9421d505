// Package server mounts the web UI, the APIs and the operations endpoints on
// one http.Server, wraps them in the shared middleware (panic recovery, body
// limits, security headers, metrics, logs), and shuts down gracefully.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"parvis/internal/jobs"
	"parvis/internal/store"
)

// Config tunes the HTTP server.
type Config struct {
	// TrustProxy takes the client address from X-Forwarded-For (set it only
	// behind a reverse proxy that overwrites that header).
	TrustProxy bool
	// BodyLimit caps request bodies; uploads get UploadLimit.
	BodyLimit   int64
	UploadLimit int64
	// ShutdownTimeout bounds the wait for in-flight requests and jobs.
	ShutdownTimeout time.Duration
}

// Mount is one surface to serve: requests whose path has one of Prefixes (or
// every other request, for the one with no prefixes) go to Handler.
type Mount struct {
	Name     string
	Prefixes []string
	Handler  http.Handler
}

// Server is the running HTTP server and what it must stop.
type Server struct {
	cfg     Config
	log     *slog.Logger
	db      *store.DB
	queue   *jobs.Queue
	http    *http.Server
	reg     *prometheus.Registry
	reqs    *prometheus.CounterVec
	latency *prometheus.HistogramVec
}

// New builds the server's handler tree.
func New(cfg Config, log *slog.Logger, db *store.DB, queue *jobs.Queue, reg *prometheus.Registry, mounts ...Mount) *Server {
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = 1 << 20
	}
	if cfg.UploadLimit == 0 {
		cfg.UploadLimit = 40 << 20
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 20 * time.Second
	}
	s := &Server{cfg: cfg, log: log, db: db, queue: queue, reg: reg}
	s.reqs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "parvis_http_requests_total",
		Help: "HTTP requests by route pattern, method and status class."}, []string{"route", "method", "code"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "parvis_http_request_duration_seconds",
		Help: "HTTP request latency by route pattern.", Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}},
		[]string{"route"})
	reg.MustRegister(s.reqs, s.latency, collectors.NewDBStatsCollector(db.SQL(), "write"))
	if db.Engine() == store.SQLite {
		reg.MustRegister(collectors.NewDBStatsCollector(db.ReadSQL(), "read"))
	}

	ops := http.NewServeMux()
	ops.HandleFunc("GET /healthz", s.healthz)
	ops.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))

	root := http.NewServeMux()
	root.Handle("/healthz", ops)
	root.Handle("/metrics", ops)
	for _, m := range mounts {
		if len(m.Prefixes) == 0 {
			root.Handle("/", m.Handler)
			continue
		}
		for _, p := range m.Prefixes {
			root.Handle(p, m.Handler)
		}
	}
	s.http = &http.Server{
		Handler:           s.middleware(root),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return s
}

// Handler returns the full handler (tests serve it with httptest).
func (s *Server) Handler() http.Handler { return s.http.Handler }

// Serve answers on ln until ctx ends, then shuts down gracefully: the
// listener closes, in-flight requests finish (within ShutdownTimeout), then
// the job queue stops, letting running jobs finish or be retried later.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	if err := s.http.Shutdown(sctx); err != nil {
		errs = append(errs, fmt.Errorf("http shutdown: %w", err))
	}
	if s.queue != nil {
		if err := s.queue.Stop(sctx); err != nil {
			errs = append(errs, err)
		}
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.db.Ping(ctx); err != nil {
		s.log.Error("health check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "unavailable", "error": "database unreachable"})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]string{"status": "ok", "database": string(s.db.Engine())})
}

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and Hijack (streaming).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// uploadPaths get the larger body limit.
var uploadPaths = []string{"/api/v1/media", "/api/v2/media", "/settings/profile", "/api/v1/accounts/update_credentials",
	"/compose", "/api/parvis/v1/import", "/settings/import"}

func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		if s.cfg.TrustProxy {
			if ip := forwardedFor(r.Header.Get("X-Forwarded-For")); ip != "" {
				r.RemoteAddr = net.JoinHostPort(ip, "0")
			}
		}
		limit := s.cfg.BodyLimit
		for _, p := range uploadPaths {
			if strings.HasPrefix(r.URL.Path, p) {
				limit = s.cfg.UploadLimit
				break
			}
		}
		if r.ContentLength > limit {
			writeError(sw, r, http.StatusRequestEntityTooLarge, "request body is too large")
			s.observe(r, sw, start)
			return
		}
		r.Body = http.MaxBytesReader(sw, r.Body, limit)
		h := sw.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if !strings.HasPrefix(r.URL.Path, "/beacon") {
			h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: https:; media-src 'self' https:; "+
				"style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
		}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic serving request", "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.status == 0 {
					writeError(sw, r, http.StatusInternalServerError, "internal error")
				}
			}
			s.observe(r, sw, start)
		}()
		next.ServeHTTP(sw, r)
	})
}

func (s *Server) observe(r *http.Request, sw *statusWriter, start time.Time) {
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	status := sw.status
	if status == 0 {
		status = http.StatusOK
	}
	d := time.Since(start)
	s.reqs.WithLabelValues(route, r.Method, strconv.Itoa(status/100)+"xx").Inc()
	s.latency.WithLabelValues(route).Observe(d.Seconds())
	level := slog.LevelDebug
	if status >= 500 {
		level = slog.LevelError
	}
	s.log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path, "route", route,
		"status", status, "bytes", sw.bytes, "duration_ms", float64(d.Microseconds())/1000)
}

// forwardedFor returns the client address a trusted proxy appended last.
func forwardedFor(h string) string {
	if h == "" {
		return ""
	}
	parts := strings.Split(h, ",")
	ip := strings.TrimSpace(parts[len(parts)-1])
	if net.ParseIP(ip) == nil {
		return ""
	}
	return ip
}

// writeError answers JSON to API clients and plain text to browsers.
func writeError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/oauth/") ||
		strings.Contains(r.Header.Get("Accept"), "json") {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
		return
	}
	http.Error(w, msg, status)
}
