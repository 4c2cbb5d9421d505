package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"sync"

	"modernc.org/sqlite"

	"parvis/internal/model"
)

// On SQLite every page of a timeline reads the same rows again: its posts,
// their authors, media, hashtags, mentions and cards, and the access token
// of the request with its user. A read transaction that begins after any
// commit starts with SQLite's page cache empty, and with hundreds of writes
// a second that is nearly every one, so those reads cost a B-tree descent
// and a pread per page. rowCache keeps them in memory instead.
//
// Correctness rests on three rules:
//   - Every change is seen. SQLite's pre-update hook on the one writer
//     connection reports each row written, deleted or cascaded, whatever
//     code wrote it (changes below); the keys it names are dropped once the
//     transaction has ended, never before the commit is visible.
//   - No stale fill. A reader notes the generation when it begins; a key
//     dropped after that keeps a tombstone with its generation, and the
//     reader's rows for it are not kept (they may predate the change).
//   - Other processes. A command such as "parvis admin" may write the
//     same file: PRAGMA data_version on the writer connection tells, and
//     the cache empties (checked every second, off the request path).
//
// PostgreSQL has no such cache: several nodes write there, and its own
// buffer cache is not emptied by commits.
type rowCache struct {
	mu sync.Mutex
	// gen counts invalidations; floor is the oldest generation whose
	// readers may still fill (raised when tombstones are forgotten).
	gen, floor uint64

	posts    cacheTable[int64, model.Post]
	accounts cacheTable[int64, model.Account]
	users    cacheTable[int64, model.User]
	media    cacheTable[int64, []model.Media] // by post id
	tags     cacheTable[int64, []string]      // by post id
	mentions cacheTable[int64, []int64]       // by post id
	cards    cacheTable[int64, model.Card]
	apps     cacheTable[int64, OAuthApp]
	tokens   cacheTable[string, tokenRow] // by token hash
	feeds    cacheTable[int64, feedState] // by account id
	homes    cacheTable[int64, []int64]   // a reader's newest homePage feed ids, by account id

	// What a viewer sees of others: flags by (viewer, post) and relations
	// by (viewer, other account).
	flags     cacheTable[idPair, uint8]
	relations cacheTable[idPair, viewRelation]

	// columns says where the key of each watched table is (set by Migrate
	// from PRAGMA table_info; until then a change empties the whole table).
	columns map[string]tableWatch
	// pending collects the keys the writer changed in its current
	// transaction; only the writer connection touches it.
	pending changeSet
	// stale holds keys that committed transactions changed and that are
	// read again at once (a new post by its author, a liked post by its
	// liker): refresh reads them on the writer connection, whose pages
	// are warm, before the next writer can change them.
	stale staleKeys
}

// staleKeys are the keys refresh reads again.
type staleKeys struct {
	posts, accounts, parts []int64
	flags                  []idPair
}

// staleMax bounds each kind of stale key: a transaction that changed more
// (a bulk deletion) leaves the rest to readers.
const staleMax = 64

// tokenRow is an access token with its application, as OAuthTokenByHash
// reads it (the user and account come from their own tables).
type tokenRow struct {
	token OAuthToken
	app   OAuthApp
}

// feedState is a user's FeedState.
type feedState struct {
	valid      bool
	lastActive int64
}

// viewRelation is what stands between a viewer and another account.
type viewRelation struct {
	follows, blocks, blockedBy bool  // the viewer follows, blocks, is blocked by
	muted                      bool  // the viewer mutes the other
	muteExpires                int64 // ms; 0 for a mute without end
}

// rowCacheSize bounds each table; a full table is emptied (a timeline's
// working set is far smaller than this).
const rowCacheSize = 100_000

func newRowCache() *rowCache {
	c := &rowCache{gen: 1, floor: 1}
	for _, t := range c.tables() {
		t.reset()
	}
	return c
}

// resetter is what the cache needs of each table to empty it.
type resetter interface {
	reset()
	size() int
}

func (c *rowCache) tables() []resetter {
	return []resetter{&c.posts, &c.accounts, &c.users, &c.media, &c.tags, &c.mentions, &c.cards, &c.apps, &c.tokens,
		&c.feeds, &c.homes, &c.flags, &c.relations}
}

// begin returns the generation a reader starts at.
func (c *rowCache) begin() uint64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// cacheTable is one table's rows by key; a slot without ok is a tombstone.
type cacheTable[K comparable, V any] struct {
	m map[K]slot[V]
}

type slot[V any] struct {
	v   V
	ok  bool
	gen uint64 // of the key's last change seen (a tombstone's, a patch's)
}

func (t *cacheTable[K, V]) reset() { t.m = make(map[K]slot[V]) }

func (t *cacheTable[K, V]) size() int { return len(t.m) }

// lookup splits keys into the cached values and the keys to read.
func lookup[K comparable, V any](c *rowCache, t *cacheTable[K, V], keys []K, hit func(K, V)) (miss []K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		if s, found := t.m[k]; found && s.ok {
			hit(k, s.v)
		} else {
			miss = append(miss, k)
		}
	}
	return miss
}

// fill keeps rows read by a reader that began at start, unless their key
// changed since (or tombstones it would need were forgotten).
func fill[K comparable, V any](c *rowCache, t *cacheTable[K, V], start uint64, rows map[K]V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if start < c.floor || c.overflows(t, len(rows)) {
		return
	}
	for k, v := range rows {
		// A slot keeps the generation of its key's last change, so that a
		// reader older than that change cannot replace it, whoever filled
		// or patched it since.
		s, found := t.m[k]
		if found && s.gen > start {
			continue
		}
		t.m[k] = slot[V]{v: v, ok: true, gen: s.gen}
	}
}

// drop tombstones keys at a new generation.
func drop[K comparable, V any](c *rowCache, t *cacheTable[K, V], keys []K) {
	if len(keys) == 0 || c.overflows(t, len(keys)) {
		return
	}
	for _, k := range keys {
		t.m[k] = slot[V]{gen: c.gen}
	}
}

// overflows empties t when n more keys would not fit (readers that began
// before cannot fill it again: its tombstones are gone too).
func (c *rowCache) overflows(t resetter, n int) bool {
	if t.size()+n <= rowCacheSize {
		return false
	}
	t.reset()
	c.floor = c.gen + 1
	return true
}

// cachedByID serves rows kept by id through the cache: the hits, then
// one read of the misses outside it, then a fill.
func cachedByID[V any](q Q, t *cacheTable[int64, V], ids []int64, read func(Q, []int64) (map[int64]*V, error)) (map[int64]*V, error) {
	out := make(map[int64]*V, len(ids))
	miss := lookup(q.rc, t, ids, func(id int64, v V) { out[id] = &v })
	if len(miss) == 0 {
		return out, nil
	}
	got, err := read(Q{q: q.q, db: q.db}, miss)
	if err != nil {
		return nil, err
	}
	vals := make(map[int64]V, len(got))
	for id, v := range got {
		out[id] = v
		vals[id] = *v
	}
	fill(q.rc, t, q.start, vals)
	return out, nil
}

// cachedLists serves lists kept by post id (tags, mentions) through the
// cache: the hits, then one read of the misses outside it, then a fill
// ("none" is kept too).
func cachedLists[V any](q Q, t *cacheTable[int64, []V], ids []int64, read func(Q, []int64) (map[int64][]V, error)) (map[int64][]V, error) {
	out := map[int64][]V{}
	miss := lookup(q.rc, t, ids, func(id int64, v []V) {
		if len(v) > 0 {
			out[id] = slices.Clone(v)
		}
	})
	if len(miss) == 0 {
		return out, nil
	}
	got, err := read(Q{q: q.q, db: q.db}, miss)
	if err != nil {
		return nil, err
	}
	fill(q.rc, t, q.start, perKey(miss, got))
	maps.Copy(out, got)
	return out, nil
}

// changeSet is what one write transaction changed.
type changeSet struct {
	posts, parts, accounts, users, cards, apps, feeds, homes []int64
	tokens                                                   []string
	flags, relations                                         []idPair
	// flagOps are the flag changes in order, for patching the cached
	// flags instead of reading them again.
	flagOps []flagOp
	// whole names tables to empty: a change whose key could not be read,
	// or a table whose rows are cached by another key (tags by name).
	whole map[string]bool
}

// flagOp is one change to a viewer's flags on a post: a bit set or
// cleared, or a new post (all clear). A change that cannot be told that
// way (an update, an engagement flag) has patchable false.
type flagOp struct {
	key       idPair
	bit       uint8
	set       bool
	fresh     bool
	patchable bool
}

// flagBits says which bit of the cached flags a table's row is (as
// ViewerFlagsFor numbers them); engagement_flags' bits depend on its
// columns and are not patched.
var flagBits = map[string]uint8{"favourites": 1, "posts": 2, "bookmarks": 3, "pins": 4}

// pair keys what one account does to a post or to another account.
type idPair struct{ a, b int64 }

func (s *changeSet) empty() bool {
	return len(s.posts)+len(s.parts)+len(s.accounts)+len(s.users)+len(s.cards)+len(s.apps)+len(s.feeds)+len(s.homes)+len(s.tokens)+
		len(s.flags)+len(s.relations)+len(s.whole) == 0
}

func (s *changeSet) wholeTable(name string) {
	if s.whole == nil {
		s.whole = map[string]bool{}
	}
	s.whole[name] = true
}

// keyKind says which cached rows a changed row's columns name.
type keyKind int

const (
	keyPost     keyKind = iota // a post's row: the post (counts too)
	keyParts                   // a post id in media, tags, mentions: those lists
	keyAccount                 // an account id
	keyUser                    // a user id
	keyFeed                    // the account id of a user: its feed state
	keyHome                    // a reader's account id in home_feed: its first page
	keyCard                    // a preview card id
	keyApp                     // an application id
	keyToken                   // an access token's hash
	keyFlags                   // (account id, post id): a like, boost, bookmark, pin or flag
	keyRelation                // (account id, target id): a follow, block or mute
	keyNewPost                 // (account id, post id) of a new post: its author's flags, read next
)

// watch is one key a changed row names, by its columns.
type watch struct {
	kind    keyKind
	columns []string
}

// watched lists the tables whose changes matter and the keys they name.
// tags is watched as a whole (a renamed tag is cached under its posts).
var watched = map[string][]watch{
	"posts": {{keyPost, []string{"id"}}, {keyFlags, []string{"account_id", "reblog_of_id"}},
		{keyNewPost, []string{"account_id", "id"}}},
	"accounts":          {{keyAccount, []string{"id"}}},
	"users":             {{keyUser, []string{"id"}}, {keyFeed, []string{"account_id"}}},
	"home_feed":         {{keyHome, []string{"account_id"}}},
	"preview_cards":     {{keyCard, []string{"id"}}},
	"oauth_apps":        {{keyApp, []string{"id"}}},
	"oauth_tokens":      {{keyToken, []string{"token_hash"}}},
	"media_attachments": {{keyParts, []string{"post_id"}}},
	"mentions":          {{keyParts, []string{"post_id"}}},
	"post_tags":         {{keyParts, []string{"post_id"}}},
	"tags":              nil,
	"favourites":        {{keyFlags, []string{"account_id", "post_id"}}},
	"bookmarks":         {{keyFlags, []string{"account_id", "post_id"}}},
	"pins":              {{keyFlags, []string{"account_id", "post_id"}}},
	"engagement_flags":  {{keyFlags, []string{"account_id", "post_id"}}},
	"follows":           {{keyRelation, []string{"account_id", "target_id"}}},
	"blocks":            {{keyRelation, []string{"account_id", "target_id"}}},
	"mutes":             {{keyRelation, []string{"account_id", "target_id"}}},
}

// located is a watch with its columns' positions in the table.
type located struct {
	kind keyKind
	cids []int
}

// tableWatch is what the hook needs for one table.
type tableWatch struct {
	watches []located
	width   int // columns to read: one past the last needed
}

// record is the writer connection's pre-update hook: it notes the keys of a
// row about to change. It runs inside SQLite, on the writer's goroutine.
func (c *rowCache) record(d sqlite.SQLitePreUpdateData) {
	if _, ok := watched[d.TableName]; !ok || d.DatabaseName != "main" {
		return
	}
	if d.TableName == "tags" && d.Op == sqliteInsert {
		return // a new hashtag is on no cached post yet
	}
	s := &c.pending
	tw, known := c.columns[d.TableName]
	if !known || d.TableName == "tags" {
		s.wholeTable(d.TableName)
		return
	}
	vals := make([]any, tw.width)
	for _, old := range []bool{true, false} {
		var err error
		switch {
		case old && d.Op != sqliteInsert:
			err = d.Old(vals...)
		case !old && d.Op != sqliteDelete:
			err = d.New(vals...)
		default:
			continue
		}
		if err != nil {
			s.wholeTable(d.TableName)
			return
		}
		for _, w := range tw.watches {
			if w.kind == keyToken {
				if v, ok := vals[w.cids[0]].(string); ok {
					s.tokens = append(s.tokens, v)
				}
				continue
			}
			a, _ := vals[w.cids[0]].(int64) // NULL (no boost, no user) names nothing
			if a == 0 {
				continue
			}
			switch w.kind {
			case keyPost:
				s.posts = append(s.posts, a)
			case keyParts:
				s.parts = append(s.parts, a)
			case keyAccount:
				s.accounts = append(s.accounts, a)
			case keyUser:
				s.users = append(s.users, a)
			case keyFeed:
				s.feeds = append(s.feeds, a)
			case keyHome:
				s.homes = append(s.homes, a)
			case keyCard:
				s.cards = append(s.cards, a)
			case keyApp:
				s.apps = append(s.apps, a)
			case keyFlags, keyRelation, keyNewPost:
				b, _ := vals[w.cids[1]].(int64)
				if b == 0 || (w.kind == keyNewPost && d.Op != sqliteInsert) {
					continue
				}
				if w.kind != keyRelation {
					s.flags = append(s.flags, idPair{a, b})
					bit, known := flagBits[d.TableName]
					s.flagOps = append(s.flagOps, flagOp{key: idPair{a, b}, bit: bit, set: d.Op == sqliteInsert,
						fresh:     w.kind == keyNewPost,
						patchable: w.kind == keyNewPost || (known && (d.Op == sqliteInsert || d.Op == sqliteDelete))})
				} else {
					s.relations = append(s.relations, idPair{a, b}, idPair{b, a})
				}
			}
		}
	}
}

// SQLite's operation codes, as the pre-update hook reports them.
const (
	sqliteDelete = 9
	sqliteInsert = 18
)

// applyPending drops what the writer's transaction changed; the writer
// calls it once the transaction has ended (committed or not). The keys a
// commit changed that are read again at once become stale, for refresh.
func (c *rowCache) applyPending(committed bool) {
	s := &c.pending
	if s.empty() {
		return
	}
	c.mu.Lock()
	c.gen++
	flags := s.flags
	if committed {
		flags = c.patchFlags(s.flagOps)
		c.stale.posts = appendUpTo(c.stale.posts, s.posts)
		c.stale.accounts = appendUpTo(c.stale.accounts, s.accounts)
		c.stale.parts = appendUpTo(c.stale.parts, s.parts)
		c.stale.flags = appendUpTo(c.stale.flags, flags)
	}
	// A like changes its post's row, not its media, tags or mentions:
	// those lists go only when their own rows change (deleting a post
	// cascades to them, and the hook sees the cascade).
	drop(c, &c.posts, s.posts)
	drop(c, &c.media, s.parts)
	drop(c, &c.tags, s.parts)
	drop(c, &c.mentions, s.parts)
	drop(c, &c.accounts, s.accounts)
	drop(c, &c.users, s.users)
	drop(c, &c.cards, s.cards)
	drop(c, &c.apps, s.apps)
	drop(c, &c.tokens, s.tokens)
	drop(c, &c.feeds, s.feeds)
	drop(c, &c.homes, s.homes)
	drop(c, &c.flags, flags)
	drop(c, &c.relations, s.relations)
	for table := range s.whole {
		c.emptyLocked(table)
	}
	c.mu.Unlock()
	*s = changeSet{posts: s.posts[:0], parts: s.parts[:0], accounts: s.accounts[:0], users: s.users[:0], cards: s.cards[:0],
		apps: s.apps[:0], feeds: s.feeds[:0], homes: s.homes[:0], tokens: s.tokens[:0], flags: s.flags[:0], relations: s.relations[:0],
		flagOps: s.flagOps[:0]}
}

// patchFlags applies a committed transaction's flag changes to the cached
// flags they can be applied to: a pair whose flags are cached (true as of
// the last commit, since every change since then was applied or dropped)
// or a new post's, with every change a bit set or cleared. It returns the
// pairs left to drop. The patched slots carry this generation, so that a
// reader that began before cannot put back what it read. c.mu is held.
func (c *rowCache) patchFlags(ops []flagOp) (rest []idPair) {
	if len(ops) == 0 {
		return nil
	}
	type patch struct {
		v          uint8
		ok, broken bool // ok: v is known; broken: a change could not be applied
	}
	patched := map[idPair]*patch{}
	var order []idPair
	for _, op := range ops {
		p := patched[op.key]
		if p == nil {
			cur, found := c.flags.m[op.key]
			p = &patch{v: cur.v, ok: found && cur.ok}
			patched[op.key] = p
			order = append(order, op.key)
		}
		switch {
		case !op.patchable:
			p.broken = true
		case op.fresh:
			p.v, p.ok = 0, true
		case op.set:
			p.v |= 1 << op.bit
		default:
			p.v &^= 1 << op.bit
		}
	}
	var keep []idPair
	for _, k := range order {
		if p := patched[k]; p.ok && !p.broken {
			keep = append(keep, k)
		} else {
			rest = append(rest, k)
		}
	}
	if len(keep) > 0 && c.overflows(&c.flags, len(keep)) {
		return order
	}
	for _, k := range keep {
		c.flags.m[k] = slot[uint8]{v: patched[k].v, ok: true, gen: c.gen}
	}
	return rest
}

// appendUpTo appends the keys of add not yet in to, up to staleMax.
func appendUpTo[K comparable](to, add []K) []K {
	for _, k := range add {
		if len(to) >= staleMax {
			break
		}
		if !slices.Contains(to, k) {
			to = append(to, k)
		}
	}
	return to
}

// takeStale returns the stale keys and forgets them.
func (c *rowCache) takeStale() staleKeys {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := c.stale
	c.stale = staleKeys{}
	return k
}

// refresh reads the stale keys again through the cache, on q: the writer
// connection, right after a commit. Nothing else writes while it reads
// (SQLite has one writer), and the fill rule keeps a key changed since
// anyway. A failure only leaves the keys to readers.
func (c *rowCache) refresh(ctx context.Context, q Q) {
	k := c.takeStale()
	if len(k.posts) > 0 {
		_, _ = q.PostsByIDs(ctx, k.posts)
	}
	if len(k.accounts) > 0 {
		_, _ = q.AccountsByIDs(ctx, k.accounts)
	}
	if len(k.parts) > 0 {
		_, _ = q.MediaOf(ctx, k.parts)
		_, _ = q.TagsOf(ctx, k.parts)
		_, _ = q.MentionsOf(ctx, k.parts)
	}
	byViewer := map[int64][]int64{}
	for _, f := range k.flags {
		if _, ok := byViewer[f.a]; ok || len(byViewer) < staleViewers {
			byViewer[f.a] = append(byViewer[f.a], f.b)
		}
	}
	for viewer, posts := range byViewer {
		_, _ = q.ViewerFlagsFor(ctx, viewer, posts)
	}
}

// staleViewers bounds the viewers whose flags one refresh reads (a query
// each).
const staleViewers = 8

// emptyLocked empties the tables fed by a database table ("" for all).
func (c *rowCache) emptyLocked(table string) {
	switch table {
	case "posts", "media_attachments", "mentions", "post_tags", "tags":
		c.flags.reset() // boosts are posts
		c.posts.reset()
		c.media.reset()
		c.tags.reset()
		c.mentions.reset()
	case "accounts":
		c.accounts.reset()
	case "users":
		c.users.reset()
		c.feeds.reset()
	case "home_feed":
		c.homes.reset()
	case "preview_cards":
		c.cards.reset()
	case "oauth_apps":
		c.apps.reset()
	case "oauth_tokens":
		c.tokens.reset()
	case "favourites", "bookmarks", "pins", "engagement_flags":
		c.flags.reset()
	case "follows", "blocks", "mutes":
		c.relations.reset()
	default:
		for _, t := range c.tables() {
			t.reset()
		}
	}
	c.floor = c.gen + 1
}

// emptyAll forgets everything (another process wrote the database).
func (c *rowCache) emptyAll() {
	c.mu.Lock()
	c.gen++
	c.emptyLocked("")
	c.mu.Unlock()
}

// locateColumns reads where each watched table keeps its keys.
func (c *rowCache) locateColumns(ctx context.Context, db *sql.DB) error {
	cols := map[string]tableWatch{}
	for table, watches := range watched {
		if watches == nil {
			continue
		}
		cid := map[string]int{}
		rows, err := db.QueryContext(ctx, "SELECT cid, name FROM pragma_table_info(?)", table)
		if err != nil {
			return fmt.Errorf("locate cached columns: %w", err)
		}
		for rows.Next() {
			var i int
			var name string
			if err := rows.Scan(&i, &name); err != nil {
				rows.Close()
				return fmt.Errorf("locate cached columns: %w", err)
			}
			cid[name] = i
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("locate cached columns: %w", err)
		}
		tw := tableWatch{}
		for _, w := range watches {
			l := located{kind: w.kind}
			for _, name := range w.columns {
				i, ok := cid[name]
				if !ok {
					return fmt.Errorf("locate cached columns: %s has no column %s", table, name)
				}
				l.cids = append(l.cids, i)
				tw.width = max(tw.width, i+1)
			}
			tw.watches = append(tw.watches, l)
		}
		cols[table] = tw
	}
	// The writer reads columns in its hook; taking its connection orders
	// this write before the next transaction.
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("locate cached columns: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(any) error {
		c.columns = cols
		return nil
	})
}

// perKey gives every key read its value, the zero value (nothing) for keys
// without rows, so that "no media" is cached as well.
func perKey[V any](keys []int64, read map[int64]V) map[int64]V {
	out := make(map[int64]V, len(keys))
	for _, k := range keys {
		out[k] = read[k]
	}
	return out
}
