package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"parvis/internal/jobs"
	"parvis/internal/mail"
	"parvis/internal/media"
	"parvis/internal/store"
)

// dbFlags are the flags every command that opens the database shares.
type dbFlags struct {
	data     string
	database string
}

func (f *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.data, "data", env("PARVIS_DATA", "parvis-data"), "data directory: SQLite database and media (env PARVIS_DATA)")
	fs.StringVar(&f.database, "database", env("PARVIS_DATABASE_URL", ""), "PostgreSQL URL (postgres://...); empty means SQLite in the data directory (env PARVIS_DATABASE_URL)")
}

// open opens and migrates the database, and the job tables with it.
func (f *dbFlags) open(ctx context.Context, log *slog.Logger) (*store.DB, error) {
	db, err := store.Open(ctx, store.Config{URL: f.database, DataDir: f.data, Logger: log})
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := jobs.Migrate(ctx, jobsConfig(db, log)); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func jobsConfig(db *store.DB, log *slog.Logger) jobs.Config {
	return jobs.Config{DB: db.SQL(), Postgres: db.Engine() == store.Postgres, Listener: db.Pool(), Logger: log}
}

// serveFlags configure "parvis serve".
type serveFlags struct {
	dbFlags
	listen string
	domain string
	mediaFlags
	mediaPublicURL string
	logLevel       string
	logFormat      string
	trustProxy     bool
	smtp           mail.Config
	// federationAllowPrivate and federationHTTP let instances on one
	// machine or network federate (loopback addresses, plain http).
	federationAllowPrivate bool
	federationHTTP         bool
	// debugListen serves Go's profiler (net/http/pprof) on its own
	// address, for an operator to profile a node under load.
	debugListen string
}

func (f *serveFlags) register(fs *flag.FlagSet) {
	f.dbFlags.register(fs)
	fs.StringVar(&f.listen, "listen", env("PARVIS_LISTEN", "127.0.0.1:8080"), "address to listen on (env PARVIS_LISTEN)")
	fs.StringVar(&f.domain, "domain", env("PARVIS_DOMAIN", ""), "public host[:port] used in links and ids; default derived from --listen (env PARVIS_DOMAIN)")
	f.mediaFlags.register(fs)
	fs.StringVar(&f.mediaPublicURL, "media-public-url", env("PARVIS_MEDIA_PUBLIC_URL", ""), "base URL that links to media point at instead of https://DOMAIN/media, e.g. a CDN or a public bucket: https://cdn.example/media (env PARVIS_MEDIA_PUBLIC_URL)")
	fs.StringVar(&f.logLevel, "log-level", env("PARVIS_LOG_LEVEL", "info"), "debug, info, warn or error (env PARVIS_LOG_LEVEL)")
	fs.StringVar(&f.logFormat, "log-format", env("PARVIS_LOG_FORMAT", "text"), "text or json (env PARVIS_LOG_FORMAT)")
	fs.BoolVar(&f.trustProxy, "trust-proxy", env("PARVIS_TRUST_PROXY", "") == "true", "take client addresses from X-Forwarded-For (only behind a reverse proxy) (env PARVIS_TRUST_PROXY)")
	fs.StringVar(&f.smtp.Host, "smtp-host", env("PARVIS_SMTP_HOST", ""), "SMTP server for password resets; empty disables e-mail (env PARVIS_SMTP_HOST)")
	port, _ := strconv.Atoi(env("PARVIS_SMTP_PORT", "587"))
	fs.IntVar(&f.smtp.Port, "smtp-port", port, "SMTP port (env PARVIS_SMTP_PORT)")
	fs.StringVar(&f.smtp.Username, "smtp-user", env("PARVIS_SMTP_USER", ""), "SMTP user name (env PARVIS_SMTP_USER)")
	f.smtp.Password = env("PARVIS_SMTP_PASSWORD", "")
	fs.StringVar(&f.smtp.From, "smtp-from", env("PARVIS_SMTP_FROM", ""), "sender address of e-mails (env PARVIS_SMTP_FROM)")
	fs.StringVar(&f.smtp.TLS, "smtp-tls", env("PARVIS_SMTP_TLS", "starttls"), "starttls, tls or none (env PARVIS_SMTP_TLS)")
	fs.StringVar(&f.debugListen, "debug-listen", env("PARVIS_DEBUG_LISTEN", ""), "serve Go's profiler (/debug/pprof/) on this address, e.g. 127.0.0.1:6060; keep it off the public network (env PARVIS_DEBUG_LISTEN)")
	fs.BoolVar(&f.federationAllowPrivate, "federation-allow-private", env("PARVIS_FEDERATION_ALLOW_PRIVATE", "") == "true",
		"let federation reach loopback and private addresses, for instances testing together; never on a public server (env PARVIS_FEDERATION_ALLOW_PRIVATE)")
	fs.BoolVar(&f.federationHTTP, "federation-http", env("PARVIS_FEDERATION_HTTP", "") == "true",
		"federate over plain http (this instance's ids too), for local testing; production requires https (env PARVIS_FEDERATION_HTTP)")
}

// checkMediaPublicURL accepts an absolute https URL without query,
// fragment or credentials (http only for a loopback host, when testing:
// pages allow images from https origins only).
func checkMediaPublicURL(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("--media-public-url: %w", err)
	}
	host := u.Hostname()
	loopback := host == "localhost" || strings.HasSuffix(host, ".localhost")
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		loopback = true
	}
	if host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || !(u.Scheme == "https" || u.Scheme == "http" && loopback) {
		return "", fmt.Errorf("--media-public-url %q: want an https URL such as https://cdn.example/media, without query or credentials", raw)
	}
	return strings.TrimSuffix(raw, "/"), nil
}

// mediaFlags choose the store of uploaded media, for serve and for the
// commands that read it.
type mediaFlags struct {
	media   string
	mediaS3 string
}

func (f *mediaFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.media, "media", env("PARVIS_MEDIA", ""), "directory of uploaded media, the same for every node (a shared mount when there are several); default DATA/media (env PARVIS_MEDIA)")
	fs.StringVar(&f.mediaS3, "media-s3", env("PARVIS_MEDIA_S3", ""), "keep uploaded media in an S3-compatible bucket instead of --media: https://ENDPOINT/BUCKET[/PREFIX][?region=R&path_style=true]; credentials from PARVIS_S3_ACCESS_KEY and PARVIS_S3_SECRET_KEY (or AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) (env PARVIS_MEDIA_S3)")
}

// dir is where uploads live without --media-s3: --media, or the data
// directory's media folder.
func (f *mediaFlags) dir(data string) string {
	if f.media != "" {
		return f.media
	}
	return filepath.Join(data, "media")
}

// where tells where uploads go, for logs and messages.
func (f *mediaFlags) where(data string) string {
	if f.mediaS3 != "" {
		if c, err := media.ParseS3URL(f.mediaS3); err == nil {
			return c.String()
		}
	}
	return f.dir(data)
}

// s3Store opens the S3 bucket of --media-s3 and checks that it can be
// used; it returns nil without --media-s3.
func (f *mediaFlags) s3Store(ctx context.Context) (*media.S3Store, error) {
	if f.mediaS3 == "" {
		return nil, nil
	}
	if f.media != "" {
		return nil, errors.New("--media and --media-s3 name two different media stores: give one")
	}
	cfg, err := media.ParseS3URL(f.mediaS3)
	if err != nil {
		return nil, err
	}
	cfg.AccessKey, cfg.SecretKey = env("PARVIS_S3_ACCESS_KEY", ""), env("PARVIS_S3_SECRET_KEY", "")
	if cfg.AccessKey == "" && cfg.SecretKey == "" {
		cfg.AccessKey, cfg.SecretKey = env("AWS_ACCESS_KEY_ID", ""), env("AWS_SECRET_ACCESS_KEY", "")
		cfg.SessionToken = env("AWS_SESSION_TOKEN", "")
	}
	if cfg.Region == "" {
		cfg.Region = env("AWS_REGION", env("AWS_DEFAULT_REGION", ""))
	}
	s, err := media.NewS3Store(cfg, "/media")
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := s.Check(cctx); err != nil {
		return nil, err
	}
	return s, nil
}

// openStore opens the media store: the bucket of --media-s3, or the directory.
// close releases it.
func (f *mediaFlags) openStore(ctx context.Context, data string) (store media.Store, close func(), err error) {
	s3, err := f.s3Store(ctx)
	if err != nil {
		return nil, nil, err
	}
	if s3 != nil {
		return s3, func() {}, nil
	}
	dir, err := media.NewDirStore(f.dir(data), "/media")
	if err != nil {
		return nil, nil, err
	}
	return dir, func() { dir.Close() }, nil
}

func newLogger(level, format string, out *os.File) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("bad --log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(out, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(out, opts)), nil
	}
	return nil, fmt.Errorf("bad --log-format %q: want text or json", format)
}

// listenForDomain returns the address to listen on when only --domain is
// given and it is an IP address or localhost with a port (a local test
// instance, e.g. 127.0.0.2:8082), or "" to keep the default.
func listenForDomain(domain string) string {
	host, port, err := net.SplitHostPort(domain)
	if err != nil || port == "" {
		return ""
	}
	if net.ParseIP(host) == nil && host != "localhost" {
		return ""
	}
	return net.JoinHostPort(host, port)
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// deriveDomain picks the public name when --domain is not given: the address
// actually listened on, with a wildcard address shown as localhost.
func deriveDomain(domain string, addr net.Addr) string {
	if domain != "" {
		return strings.ToLower(domain)
	}
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// schemeFor serves plain HTTP ids only for loopback names (local testing);
// every public name is assumed to sit behind HTTPS.
func schemeFor(domain string) string {
	host := domain
	if h, _, err := net.SplitHostPort(domain); err == nil {
		host = h
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return "http"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return "http"
	}
	return "https"
}
