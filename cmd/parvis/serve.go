package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"parvis/internal/federation"
	"parvis/internal/media"
	"parvis/internal/server"
)

func runServe(ctx context.Context, args []string, io stdio) error {
	var f serveFlags
	fs := newFlags("serve", io)
	f.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if !flagSet(fs, "listen") && env("PARVIS_LISTEN", "") == "" {
		// "--domain 127.0.0.2:8082" alone serves on that address, so that
		// instances testing federation on one machine reach each other.
		if addr := listenForDomain(f.domain); addr != "" {
			f.listen = addr
		}
	}
	log, err := newLogger(f.logLevel, f.logFormat, os.Stderr)
	if err != nil {
		return err
	}
	tuneGC()
	start := time.Now()
	publicURL, err := checkMediaPublicURL(f.mediaPublicURL)
	if err != nil {
		return err
	}
	s3, err := f.s3Store(ctx)
	if err != nil {
		return err
	}
	var files media.Store // nil: the directory
	if s3 != nil {
		files = s3
	}
	db, err := f.open(ctx, log)
	if err != nil {
		return err
	}
	defer db.Close()
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", f.listen, err)
	}
	domain := deriveDomain(f.domain, ln.Addr())
	scheme := schemeFor(domain)
	if f.federationHTTP {
		scheme = "http"
	}
	app, err := server.NewApp(ctx, db, server.AppConfig{Domain: domain, Scheme: scheme, Mail: f.smtp,
		MediaDir: f.dir(f.data), Media: files, MediaPublicURL: publicURL,
		TrustProxy: f.trustProxy, Logger: log,
		Federation: federation.Config{AllowPrivate: f.federationAllowPrivate, AllowHTTP: f.federationHTTP, Version: version}})
	if err != nil {
		ln.Close()
		return err
	}
	if err := app.Start(ctx); err != nil {
		ln.Close()
		return err
	}
	if f.debugListen != "" {
		if err := serveDebug(ctx, f.debugListen, log); err != nil {
			return err
		}
	}
	log.Info("parvis is listening", "url", scheme+"://"+domain+"/", "address", ln.Addr().String(),
		"database", string(db.Engine()), "media", f.where(f.data), "startup_ms", time.Since(start).Milliseconds(), "version", version)
	err = app.Server.Serve(ctx, ln)
	log.Info("stopped")
	return err
}

// serveDebug serves the profiler on its own listener until ctx ends.
func serveDebug(ctx context.Context, addr string, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s (--debug-listen): %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	log.Info("profiler is listening", "address", ln.Addr().String())
	return nil
}

// quietLogger is used by commands whose output is for people, not logs.
func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// tuneGC lets the heap grow to five times the live data between
// collections (GOGC=400) unless GOGC is set: a server's live heap is small
// (tens of MB), and the default collected so often that it took a sixth of
// the CPU of a timeline request (GOGC=400 against 100: 2,448 against 2,297
// requests/s under parvis bench). A soft limit of a quarter of the
// machine's memory (unless GOMEMLIMIT is set) makes it collect sooner
// where memory is short.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		if total := memTotal(); total > 0 {
			debug.SetMemoryLimit(total / 4)
		}
	}
}

// memTotal is the machine's memory in bytes from /proc/meminfo, 0 where
// there is none.
func memTotal() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok { // "MemTotal:  24683620 kB"
			f := strings.Fields(rest)
			if len(f) == 0 {
				return 0
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
