package social

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"parvis/internal/insights"
	"parvis/internal/model"
	"parvis/internal/store"
)

// InsightsConfig tunes the insights recorder. The zero value gives the
// defaults.
type InsightsConfig struct {
	// FlushInterval is how often buffered events are written (1 s).
	FlushInterval time.Duration
	// FlushSize writes at once when that many events wait, and bounds the
	// events one transaction writes (2,000: under load a flush of 10,000
	// held SQLite's one writer for 15 ms, up to 130, and every request's
	// write waited behind it).
	FlushSize int
	// MaxPending bounds the buffer when the database falls behind; events
	// beyond it are dropped and counted (500,000).
	MaxPending int
	// DedupeEntries bounds the memory of who saw what today; past it the
	// memory starts over, which only costs duplicate raw events, never
	// wrong counts of impressions (2,000,000).
	DedupeEntries int
}

func (c *InsightsConfig) defaults() {
	if c.FlushInterval <= 0 {
		c.FlushInterval = time.Second
	}
	if c.FlushSize <= 0 {
		c.FlushSize = 2000
	}
	if c.MaxPending <= 0 {
		c.MaxPending = 500000
	}
	if c.DedupeEntries <= 0 {
		c.DedupeEntries = 2000000
	}
}

// InsightsRecorder collects insight events (impressions, profile views,
// clicks, website visits, network changes) off the request path: they
// wait in memory and a goroutine (Run) writes them in batches. Anonymous
// visitors' keys are hashes of the day's random salt, which every node
// shares through the database (store.VisitorSalt) and which is deleted
// once its day is over, so that a visitor has one key a day on every node
// while nobody can link a visitor across days or recover an address from
// a stored key.
type InsightsRecorder struct {
	svc    *Service
	db     *store.DB
	cfg    InsightsConfig
	secret []byte

	mu      sync.Mutex
	pending []store.InsightEvent
	day     time.Time
	seed    maphash.Seed // hashes the memory of who saw what today (seen)
	seen    map[uint64]struct{}
	links   map[int64]*pendingLinks // by post id, from the link rewriter to the publish hook
	// reach holds the viewers first seen since the last flush, per scope
	// and day, to merge into the stored sketches.
	reach map[reachKey]*insights.Sketch

	// salt is the day's salt of anonymous keys, read from the database
	// once a day (saltMu makes one caller fetch it).
	salt   atomic.Pointer[daySalt]
	saltMu sync.Mutex

	wake    chan struct{}
	flushMu sync.Mutex
	dropped atomic.Int64
	written atomic.Int64
}

// daySalt is the salt of one UTC day.
type daySalt struct {
	day  time.Time
	salt []byte
}

// reachKey names a scope's day: an author's account, or a community.
type reachKey struct {
	account, community int64
	day                time.Time
}

// pendingLinks are the tracked links a post being written will carry.
type pendingLinks struct {
	at       time.Time
	tracking bool
	links    []store.TrackedLink
}

// NewInsightsRecorder returns a recorder and registers its hooks on svc:
// impressions (Views), profile views, follows, joins and connections, and
// the rewriting of posts' links into tracked links. Start writing with Run.
func NewInsightsRecorder(svc *Service, cfg InsightsConfig) *InsightsRecorder {
	cfg.defaults()
	r := &InsightsRecorder{svc: svc, db: svc.db, cfg: cfg, secret: svc.cfg.Secret, seen: map[uint64]struct{}{},
		links: map[int64]*pendingLinks{}, reach: map[reachKey]*insights.Sketch{}, wake: make(chan struct{}, 1)}
	svc.OnViewed(r.viewed)
	svc.OnProfileViewed(r.profileViewed)
	svc.OnFollow(r.follow)
	svc.OnConnection(r.connection)
	svc.SetLinkRewriter(r.rewriteLink)
	svc.OnPublished(r.saveLinks)
	svc.OnUpdated(r.saveLinks)
	return r
}

// Run writes buffered events every FlushInterval (or as soon as FlushSize
// wait) until ctx ends, then writes what is left.
func (r *InsightsRecorder) Run(ctx context.Context) {
	t := time.NewTicker(r.cfg.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			_ = r.Flush(fctx)
			cancel()
			return
		case <-t.C:
		case <-r.wake:
		}
		if err := r.Flush(ctx); err != nil && ctx.Err() == nil {
			r.svc.log.Warn("write insight events", "err", err)
		}
	}
}

// Flush writes the buffered events now, and merges the viewers seen into
// the reach sketches. On failure they go back to the buffer (within
// MaxPending) for the next try.
func (r *InsightsRecorder) Flush(ctx context.Context) error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.mu.Lock()
	batch, reach := r.pending, r.reach
	r.pending, r.reach = nil, map[reachKey]*insights.Sketch{}
	r.mu.Unlock()
	for len(batch) > 0 {
		// FlushSize events a transaction: what failed and what follows go
		// back, what committed before stays written (exactly once).
		n := min(len(batch), r.cfg.FlushSize)
		if err := r.db.InsertInsightEvents(ctx, batch[:n]); err != nil {
			for i := range batch {
				batch[i].ID = 0
			}
			r.mu.Lock()
			room := max(0, r.cfg.MaxPending-len(r.pending))
			keep := batch[:min(room, len(batch))]
			r.dropped.Add(int64(len(batch) - len(keep)))
			r.pending = append(keep, r.pending...)
			r.requeueReachLocked(reach)
			r.mu.Unlock()
			return err
		}
		r.written.Add(int64(n))
		batch = batch[n:]
	}
	merges := make([]store.ReachMerge, 0, len(reach))
	for k, sk := range reach {
		merges = append(merges, store.ReachMerge{AccountID: k.account, CommunityID: k.community, Day: k.day,
			Merge: func(old string) string {
				all, err := insights.DecodeSketch(old)
				if err != nil {
					all = &insights.Sketch{} // a damaged sketch restarts rather than blocking every flush
				}
				all.Merge(sk)
				return all.Encode()
			}})
	}
	if err := r.db.MergeReach(ctx, merges); err != nil {
		r.mu.Lock()
		r.requeueReachLocked(reach)
		r.mu.Unlock()
		return err
	}
	return nil
}

// requeueReachLocked puts back sketches a failed flush could not write;
// r.mu is held.
func (r *InsightsRecorder) requeueReachLocked(reach map[reachKey]*insights.Sketch) {
	for k, sk := range reach {
		if cur := r.reach[k]; cur != nil {
			cur.Merge(sk)
		} else {
			r.reach[k] = sk
		}
	}
}

// InsightsRecorderStats counts what a recorder did since it started.
type InsightsRecorderStats struct {
	Written, Dropped int64
	Pending          int
}

// Stats returns the recorder's counters.
func (r *InsightsRecorder) Stats() InsightsRecorderStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return InsightsRecorderStats{Written: r.written.Load(), Dropped: r.dropped.Load(), Pending: len(r.pending)}
}

// appendLocked buffers an event; r.mu is held.
func (r *InsightsRecorder) appendLocked(e store.InsightEvent) {
	if len(r.pending) >= r.cfg.MaxPending {
		r.dropped.Add(1)
		return
	}
	r.pending = append(r.pending, e)
	if len(r.pending) == r.cfg.FlushSize {
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
}

// record buffers one event.
func (r *InsightsRecorder) record(e store.InsightEvent) {
	r.mu.Lock()
	r.appendLocked(e)
	r.mu.Unlock()
}

// rotateLocked starts a new day: an empty memory of who saw what. r.mu is
// held.
func (r *InsightsRecorder) rotateLocked(now time.Time) {
	if d := insights.Day(now); !d.Equal(r.day) {
		r.day = d
		r.seed = maphash.MakeSeed()
		clear(r.seen)
	}
}

// visitorSalt returns the salt of now's day, shared by every node through
// the database: the first node to need a new day's salt draws it (and
// deletes the older ones), the others read it.
func (r *InsightsRecorder) visitorSalt(ctx context.Context, now time.Time) ([]byte, error) {
	day := insights.Day(now)
	if s := r.salt.Load(); s != nil && s.day.Equal(day) {
		return s.salt, nil
	}
	r.saltMu.Lock()
	defer r.saltMu.Unlock()
	if s := r.salt.Load(); s != nil && s.day.Equal(day) {
		return s.salt, nil
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("draw the visitor salt: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	salt, err := r.db.VisitorSalt(ctx, day, fresh)
	if err != nil {
		return nil, err
	}
	r.salt.Store(&daySalt{day: day, salt: salt})
	return salt, nil
}

// dedupeKey is what "once per day" is about.
type dedupeKey struct {
	kind    store.InsightKind
	a, b, c int64
	s       string
}

// firstTodayLocked reports whether k is seen for the first time today, and
// remembers it. r.mu is held and the day rotated.
func (r *InsightsRecorder) firstTodayLocked(k dedupeKey) bool {
	h := maphash.Comparable(r.seed, k)
	if _, ok := r.seen[h]; ok {
		return false
	}
	if len(r.seen) >= r.cfg.DedupeEntries {
		clear(r.seen)
	}
	r.seen[h] = struct{}{}
	return true
}

// AnonymousKey returns today's key for an anonymous viewer: a salted hash
// of their address and user agent, negative so that it never equals an
// account id. Bots get 0, which counts nothing, and so does everyone when
// the day's salt cannot be read (the error is logged).
func (r *InsightsRecorder) AnonymousKey(ctx context.Context, ip, userAgent string) int64 {
	if insights.IsBot(userAgent) {
		return 0
	}
	k, err := r.anonKey(ctx, "", ip, userAgent)
	if err != nil {
		r.svc.log.Warn("anonymous viewer key", "err", err)
		return 0
	}
	return k
}

// anonKey hashes the day's salt, a site (or ""), an address and a user
// agent into a negative key.
func (r *InsightsRecorder) anonKey(ctx context.Context, site, ip, userAgent string) (int64, error) {
	salt, err := r.visitorSalt(ctx, r.svc.now())
	if err != nil {
		return 0, err
	}
	h := sha256.New()
	h.Write(salt)
	for _, s := range []string{site, ip, userAgent} {
		h.Write([]byte{0})
		h.Write([]byte(s))
	}
	var sum [sha256.Size]byte
	return -int64(binary.BigEndian.Uint64(h.Sum(sum[:0]))>>2) - 1, nil
}

// actorOf is who is viewing: the account, or the anonymous key in ctx.
func actorOf(ctx context.Context, viewer *Actor) int64 {
	if viewer.LoggedIn() {
		return viewer.Account.ID
	}
	return ViewerKeyFrom(ctx)
}

// viewed records an impression of each local post shown, once per viewer,
// post and day; authors do not count for themselves.
func (r *InsightsRecorder) viewed(ctx context.Context, viewer *Actor, views []*PostView) {
	actor := actorOf(ctx, viewer)
	if actor == 0 {
		return
	}
	now := r.svc.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rotateLocked(now)
	for _, v := range views {
		shown := v.Shown()
		p := shown.Post
		if shown.Account == nil || !shown.Account.Local() || p.AccountID == actor {
			continue
		}
		if !r.firstTodayLocked(dedupeKey{store.InsightImpression, p.AccountID, p.ID, actor, ""}) {
			continue
		}
		r.seenLocked(reachKey{account: p.AccountID, day: r.day}, actor)
		if p.CommunityID != 0 {
			r.seenLocked(reachKey{community: p.CommunityID, day: r.day}, actor)
		}
		r.appendLocked(store.InsightEvent{At: now, Kind: store.InsightImpression, AccountID: p.AccountID, PostID: p.ID,
			CommunityID: p.CommunityID, Actor: actor})
	}
}

// seenLocked adds a viewer to a scope's reach of the day; r.mu is held.
func (r *InsightsRecorder) seenLocked(k reachKey, actor int64) {
	sk := r.reach[k]
	if sk == nil {
		sk = &insights.Sketch{}
		r.reach[k] = sk
	}
	sk.Add(actor)
}

// profileViewed records a view of a local profile by someone else, once
// per viewer and day.
func (r *InsightsRecorder) profileViewed(ctx context.Context, viewer *Actor, accountID int64) {
	actor := actorOf(ctx, viewer)
	if actor == 0 || actor == accountID {
		return
	}
	now := r.svc.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rotateLocked(now)
	if r.firstTodayLocked(dedupeKey{store.InsightProfileView, accountID, 0, actor, ""}) {
		r.appendLocked(store.InsightEvent{At: now, Kind: store.InsightProfileView, AccountID: accountID, Actor: actor})
	}
}

// follow records follows, unfollows, joins and departures of local
// accounts and communities, in the transaction of the change.
func (r *InsightsRecorder) follow(ctx context.Context, tx *store.Tx, e FollowEvent) error {
	kinds := map[string]store.InsightKind{"follow": store.InsightFollow, "unfollow": store.InsightUnfollow,
		"join": store.InsightJoin, "leave": store.InsightLeave}
	k, ok := kinds[e.Kind]
	if !ok || e.Target == nil || !e.Target.Local() {
		return nil
	}
	return tx.InsertInsightEvent(ctx, store.InsightEvent{At: e.At, Kind: k, AccountID: e.Target.ID, Actor: e.AccountID})
}

// connection records a connection made or ended, for both sides.
func (r *InsightsRecorder) connection(ctx context.Context, tx *store.Tx, e ConnectionEvent) error {
	k := store.InsightConnect
	if e.Kind == "disconnect" {
		k = store.InsightDisconnect
	}
	for _, side := range [][2]int64{{e.A, e.B}, {e.B, e.A}} {
		if err := tx.InsertInsightEvent(ctx, store.InsightEvent{At: e.At, Kind: k, AccountID: side[0], Actor: side[1]}); err != nil {
			return err
		}
	}
	return nil
}

// rewriteLink turns the index-th link of a post being written into a
// tracked link, unless it points to this server or its author turned
// tracking off. The link is remembered until the post's transaction saves
// it (saveLinks).
func (r *InsightsRecorder) rewriteLink(authorID, postID int64, index int, raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || strings.EqualFold(u.Host, r.svc.cfg.Domain) {
		return raw
	}
	now := r.svc.now()
	r.mu.Lock()
	pl := r.links[postID]
	r.mu.Unlock()
	if pl == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		on, err := r.db.Read().LinkTracking(ctx, authorID)
		cancel()
		if err != nil {
			r.svc.log.Warn("read link tracking setting", "err", err)
		}
		pl = &pendingLinks{at: now, tracking: on && err == nil}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, old := range r.links {
		if now.Sub(old.at) > 10*time.Minute {
			delete(r.links, id) // a post that failed to publish
		}
	}
	r.links[postID] = pl
	if !pl.tracking {
		return raw
	}
	code := insights.LinkCode(r.secret, postID, index, raw)
	pl.links = append(pl.links, store.TrackedLink{Code: code, AccountID: authorID, PostID: postID, Position: index,
		URL: raw, CreatedAt: now})
	return r.svc.BaseURL() + "/l/" + code
}

// saveLinks stores the tracked links of a post in the transaction that
// writes it.
func (r *InsightsRecorder) saveLinks(ctx context.Context, tx *store.Tx, p *model.Post) error {
	r.mu.Lock()
	pl := r.links[p.ID]
	delete(r.links, p.ID)
	r.mu.Unlock()
	if pl == nil || len(pl.links) == 0 {
		return nil
	}
	return tx.SaveTrackedLinks(ctx, pl.links)
}
