// Package social holds Parvis's use cases: signing up, logging in, publishing,
// following, joining, liking, introducing. Each use case runs in one
// transaction, checks who may do it, and queues the background jobs its
// change needs in that same transaction.
package social

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/netip"
	"sync/atomic"
	"time"

	"parvis/internal/jobs"
	"parvis/internal/mail"
	"parvis/internal/media"
	"parvis/internal/model"
	"parvis/internal/outbound"
	"parvis/internal/store"
)

// Config is the instance configuration the use cases need.
type Config struct {
	// Domain is the public host[:port] used in links and ids.
	Domain string
	// Scheme is "https" in production, "http" for local testing.
	Scheme string
	// Secret keys the salted hashes (sign-up networks) and one-time tokens.
	Secret []byte
	// SessionTTL is how long an idle web session lives.
	SessionTTL time.Duration
	// ResetTTL is how long a password-reset link works.
	ResetTTL time.Duration
	// MaxPostChars limits the length of posts (500 by default).
	MaxPostChars int
	// MediaBaseURL, if set, is where links to media files point instead of
	// BaseURL()+"/media": a CDN, or the public address of the bucket.
	MediaBaseURL string
}

// Service runs the use cases.
type Service struct {
	db     *store.DB
	queue  *jobs.Queue
	mailer *mail.Sender
	clock  model.Clock
	log    *slog.Logger
	cfg    Config
	limits Limits
	media  media.Store
	events Broker
	hooks  hooks
	// outbound fetches remote pages (preview cards); nil disables fetching.
	outbound *outbound.Client
	// linkRewriter turns links in posts into tracked links.
	linkRewriter func(authorID, postID int64, index int, raw string) string
	// resolver finds remote accounts on their servers (federation).
	resolver func(ctx context.Context, query string) (*model.Account, error)
	// lookup finds accounts afresh for aliases and moves (account_move.go).
	lookup func(ctx context.Context, handle string) (*LookedUp, error)
	// candidates keeps people-you-may-know candidates a while (suggestions.go).
	candidates *candidateCache
	// readers counts the people whose home feed is kept, a minute at a
	// time (feedjobs.go).
	readers *readerCount
	// scanQueued is the time (Unix ms) of the last integrity scan queued
	// from here: likes before it need not ask again (integrity.go).
	scanQueued atomic.Int64
	// fanOuts gathers the new posts of a write transaction into one
	// fan-out job (feedjobs.go).
	fanOuts *store.Gather
}

// Deps are the service's collaborators.
type Deps struct {
	DB     *store.DB
	Queue  *jobs.Queue
	Mailer *mail.Sender // nil: e-mail disabled
	Logger *slog.Logger
	Limits *Limits // nil: DefaultLimits
	Media  media.Store
	Events Broker // nil: an in-process broker
	// Outbound is the SSRF-safe client for remote fetches.
	Outbound *outbound.Client
}

// New returns a service.
func New(cfg Config, d Deps) *Service {
	if cfg.Scheme == "" {
		cfg.Scheme = "https"
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 30 * 24 * time.Hour
	}
	if cfg.ResetTTL == 0 {
		cfg.ResetTTL = time.Hour
	}
	s := &Service{db: d.DB, queue: d.Queue, mailer: d.Mailer, clock: d.DB.Clock(), log: d.Logger, cfg: cfg,
		limits: DefaultLimits(), media: d.Media, events: d.Events,
		outbound: d.Outbound, candidates: &candidateCache{m: map[int64]cachedCandidates{}}, readers: &readerCount{}}
	s.fanOuts = &store.Gather{Flush: func(ctx context.Context, tx *store.Tx, ids []int64) error {
		return s.queue.EnqueueFast(ctx, tx.SQL(), FanOutArgs{PostIDs: ids})
	}}
	if s.events == nil {
		s.events = NewLocalBroker()
	}
	if d.Limits != nil {
		s.limits = *d.Limits
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.mailer == nil {
		s.mailer = mail.NewSender(mail.Config{})
	}
	return s
}

// DB returns the store, for read-only pages that need no use-case logic.
func (s *Service) DB() *store.DB { return s.db }

// Config returns the instance configuration.
func (s *Service) Config() Config { return s.cfg }

// BaseURL is the instance's public root URL without a trailing slash.
func (s *Service) BaseURL() string { return s.cfg.Scheme + "://" + s.cfg.Domain }

// now reads the clock.
func (s *Service) now() time.Time { return s.clock.Now() }

// hashKeyed returns an HMAC of parts under the instance secret: how Parvis
// compares networks and clients without keeping them.
func (s *Service) hashKeyed(parts ...string) string {
	m := hmac.New(sha256.New, s.cfg.Secret)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// Actor is who is acting: a logged-in user, or nobody.
type Actor struct {
	User    *model.User
	Account *model.Account
	// network is the request's network (see networkKey), set by the web
	// and API layers with From; per-network rate limits count against it.
	network string
}

// From records the address the actor's request came from, reduced to its
// network, for the per-network rate limits. It returns the actor.
// Loopback, private and link-local addresses are not counted as a network:
// they are a reverse proxy (without --trust-proxy every visitor would share
// them), a tool on the server itself, or the local network.
func (a *Actor) From(ip string) *Actor {
	addr, err := netip.ParseAddr(ip)
	if a == nil || err != nil {
		return a
	}
	addr = addr.Unmap()
	if !addr.IsGlobalUnicast() || addr.IsPrivate() {
		return a
	}
	a.network = networkKey(addr.String(), true)
	return a
}

// LoggedIn reports whether the actor is a user.
func (a *Actor) LoggedIn() bool { return a != nil && a.User != nil }

// Is reports whether the actor has at least role.
func (a *Actor) Is(role model.Role) bool { return a.LoggedIn() && a.User.Role.AtLeast(role) }

func (a *Actor) require() error {
	if !a.LoggedIn() {
		return model.Errorf(model.EUNAUTHORIZED, "you need to log in")
	}
	return nil
}

func (a *Actor) requireRole(role model.Role) error {
	if err := a.require(); err != nil {
		return err
	}
	if !a.User.Role.AtLeast(role) {
		return model.Errorf(model.EFORBIDDEN, "this needs the %s role", role)
	}
	return nil
}

// wrap adds the use case's name to unexpected errors; domain errors pass
// through unchanged (their messages are for the user).
func wrap(what string, err error) error {
	if err == nil || model.ErrorCode(err) != model.EINTERNAL {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

// ctxKey is unexported so nobody else can collide with it.
type ctxKey struct{}

// WithActor returns a context carrying the actor (set by the web and API
// authentication middleware).
func WithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, ctxKey{}, a)
}

// ActorFrom returns the actor in ctx, or an anonymous one.
func ActorFrom(ctx context.Context) *Actor {
	if a, ok := ctx.Value(ctxKey{}).(*Actor); ok && a != nil {
		return a
	}
	return &Actor{}
}
