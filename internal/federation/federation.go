package federation

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"parvis/internal/content"
	"parvis/internal/federation/ap"
	"parvis/internal/federation/httpsign"
	"parvis/internal/jobs"
	"parvis/internal/model"
	"parvis/internal/outbound"
	"parvis/internal/social"
	"parvis/internal/store"
)

// Defaults of the Config fields left zero.
const (
	// DefaultInboxLimit is how many activities one remote server may post
	// per InboxWindow: a busy Mastodon server with thousands of our
	// followers' posts stays far below it, a flood does not.
	DefaultInboxLimit  = 3000
	DefaultInboxWindow = time.Minute
	// DefaultMaxThreadDepth is how many missing parents are fetched to
	// assemble one thread; deeper ancestors are linked when they arrive.
	DefaultMaxThreadDepth = 16
	// DefaultPerServer is how many deliveries to one server may be in
	// flight at once on one node.
	DefaultPerServer = 4
	// DefaultTimeout bounds one request to another server.
	DefaultTimeout = 15 * time.Second
	// domainCacheTTL is how soon an admin's domain block takes effect on
	// every node.
	domainCacheTTL = 5 * time.Second
)

// Config tunes federation.
type Config struct {
	// AllowPrivate lets fetches and deliveries reach loopback and private
	// addresses (--federation-allow-private): only for instances testing
	// together on one machine or network.
	AllowPrivate bool
	// AllowHTTP accepts and uses plain http ids and URLs
	// (--federation-http); production requires https.
	AllowHTTP bool
	// Version is Parvis's version, sent in the User-Agent.
	Version string
	// InboxLimit activities per InboxWindow are accepted from one server.
	InboxLimit  int64
	InboxWindow time.Duration
	// MaxThreadDepth bounds the parents fetched for one reply.
	MaxThreadDepth int
	// PerServer bounds the concurrent deliveries to one server.
	PerServer int
	// Timeout bounds one request to another server.
	Timeout time.Duration
}

// Deps are federation's collaborators.
type Deps struct {
	Service *social.Service
	Queue   *jobs.Queue
	Logger  *slog.Logger
	// Client makes every outbound request; nil builds one from Config.
	// Tests pass a client whose resolver and dialer reach local servers.
	Client *outbound.Client
}

// Federation is the ActivityPub side of one Parvis instance.
type Federation struct {
	cfg       Config
	svc       *social.Service
	db        *store.DB
	queue     *jobs.Queue
	log       *slog.Logger
	client    *outbound.Client
	clock     model.Clock
	sanitizer *content.Sanitizer
	verifier  *httpsign.Verifier
	limits    ap.Limits

	base   string // https://domain, no trailing slash
	host   string // domain[:port], lower-case, as SameHost compares it
	domain string

	keys     *keyCache
	signers  *signerCache
	domains  *domainCache
	servers  *hostLimiter
	node     string // this node's name in the delivery leases
	refetch  *onceEvery
	instance *instanceKey
	inbox    inboxBatcher
}

// New builds the federation of svc's instance and registers its hooks on
// svc (every new, edited and deleted post, engagement and follow change is
// then federated), and its remote-account resolver for searches.
func New(cfg Config, d Deps) (*Federation, error) {
	if d.Service == nil || d.Queue == nil {
		return nil, errors.New("federation: Service and Queue are required")
	}
	if cfg.InboxLimit <= 0 {
		cfg.InboxLimit = DefaultInboxLimit
	}
	if cfg.InboxWindow <= 0 {
		cfg.InboxWindow = DefaultInboxWindow
	}
	if cfg.MaxThreadDepth <= 0 {
		cfg.MaxThreadDepth = DefaultMaxThreadDepth
	}
	if cfg.PerServer <= 0 {
		cfg.PerServer = DefaultPerServer
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	sc := d.Service.Config()
	f := &Federation{
		cfg: cfg, svc: d.Service, db: d.Service.DB(), queue: d.Queue, log: d.Logger, client: d.Client,
		clock: d.Service.DB().Clock(), sanitizer: content.NewSanitizer(),
		limits: ap.Limits{MaxBytes: ap.MaxBodyBytes, MaxDepth: ap.MaxDepth, MaxArrayLen: ap.MaxArrayLen},
		base:   d.Service.BaseURL(), domain: strings.ToLower(sc.Domain),
		keys: newKeyCache(10000, time.Hour), signers: newSignerCache(10000), domains: newDomainCache(domainCacheTTL),
		servers: newHostLimiter(cfg.PerServer), refetch: newOnceEvery(time.Minute), instance: &instanceKey{},
		node: newNodeName(),
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	f.host = hostKey(f.base)
	if f.client == nil {
		ua := sc.Domain
		if ua == "" {
			ua = "localhost"
		}
		c, err := outbound.New(outbound.Options{Domain: ua, Version: cfg.Version, AllowHTTP: cfg.AllowHTTP,
			AllowPrivate: cfg.AllowPrivate, Timeout: cfg.Timeout, MaxBodyBytes: ap.MaxBodyBytes})
		if err != nil {
			return nil, fmt.Errorf("federation: %w", err)
		}
		f.client = c
	}
	f.verifier = &httpsign.Verifier{Resolve: f.resolveKey, Refetch: f.refetchKey, Clock: f.clock}
	f.registerHooks()
	d.Service.SetRemoteResolver(f.Resolve)
	return f, nil
}

// Prefixes are the path prefixes that belong to federation whatever the
// Accept header says: actors, their collections and inboxes, the shared
// inbox, the instance actor, WebFinger and host-meta.
func (f *Federation) Prefixes() []string {
	return []string{"/users/", "/inbox", "/actor", "/actor/", "/.well-known/webfinger", "/.well-known/host-meta",
		"/.well-known/host-meta.json"}
}

// WantsActivityPub reports whether r asks for an ActivityPub document
// (application/activity+json, or application/ld+json with any profile)
// rather than a web page.
func WantsActivityPub(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(v, ",") {
			mt, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			mt = strings.ToLower(strings.TrimSpace(mt))
			if mt == ap.MediaType {
				return true
			}
			if mt == "application/ld+json" && !strings.Contains(params, "q=0") {
				return true
			}
		}
	}
	return false
}

// RegisterWorkers adds federation's job workers.
func (f *Federation) RegisterWorkers(w *river.Workers) {
	river.AddWorker(w, &processWorker{f: f})
	river.AddWorker(w, &fanOutWorker{f: f})
	river.AddWorker(w, &deliverWorker{f: f})
	river.AddWorker(w, &deliverBatchWorker{f: f})
	river.AddWorker(w, &refreshWorker{f: f})
	river.AddWorker(w, &updateActorWorker{f: f})
	river.AddWorker(w, &sweepWorker{f: f})
}

// PeriodicJobs are federation's scheduled jobs.
func (f *Federation) PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(6*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil }, nil),
	}
}

// now reads the clock.
func (f *Federation) now() time.Time { return f.clock.Now() }

// validID reports whether id may name a remote object: an absolute https
// URL (or http with AllowHTTP) with a host and no user information.
func (f *Federation) validID(id string) bool {
	u, err := url.Parse(id)
	if err != nil || u.Host == "" || u.User != nil || u.Opaque != "" {
		return false
	}
	return u.Scheme == "https" || (u.Scheme == "http" && f.cfg.AllowHTTP)
}

// isLocal reports whether uri is on this instance.
func (f *Federation) isLocal(uri string) bool {
	return hostKey(uri) == f.host
}

// hostKey returns the lower-case host[:port] of a URL, with the default
// port of its scheme left out: the form domains are stored and blocked in.
func hostKey(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	h := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	p := u.Port()
	if p == "" || (u.Scheme == "https" && p == "443") || (u.Scheme == "http" && p == "80") {
		if strings.Contains(h, ":") {
			return "[" + h + "]"
		}
		return h
	}
	if strings.Contains(h, ":") {
		return "[" + h + "]:" + p
	}
	return h + ":" + p
}
