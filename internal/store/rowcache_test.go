package store

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"parvis/internal/model"
)

// openSQLite opens and migrates a SQLite database at path, closed when the
// test ends.
func openSQLite(t *testing.T, ctx context.Context, path string) *DB {
	t.Helper()
	db, err := Open(ctx, Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// The row cache must never answer with a row older than what a reader that
// began afterwards would read from the database: after a write in this
// process (whatever statement made it, cascades included), after a write
// racing with a reader's fill, and after another process wrote the file.
func TestRowCacheStaysTrue(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rows.db")
	db := openSQLite(t, ctx, path)
	now := time.Now().UTC().Truncate(time.Millisecond)
	acc := &model.Account{Username: "cached", DisplayName: "First"}
	post := &model.Post{Text: "one", Content: "<p>one</p>", Visibility: model.Public, Local: true, CreatedAt: now}
	write := func(what string, fn func(tx *Tx) error) {
		t.Helper()
		if err := db.Tx(ctx, fn); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	write("create", func(tx *Tx) error {
		if err := tx.CreateAccount(ctx, acc); err != nil {
			return err
		}
		post.AccountID = acc.ID
		return tx.InsertPost(ctx, post)
	})
	content := func() string {
		t.Helper()
		ps, err := db.Read().PostsByIDs(ctx, []int64{post.ID})
		if err != nil {
			t.Fatal(err)
		}
		if ps[post.ID] == nil {
			return "(gone)"
		}
		return ps[post.ID].Content
	}
	name := func() string {
		t.Helper()
		as, err := db.Read().AccountsByIDs(ctx, []int64{acc.ID})
		if err != nil {
			t.Fatal(err)
		}
		if as[acc.ID] == nil {
			return "(gone)"
		}
		return as[acc.ID].DisplayName
	}
	tags := func() []string {
		t.Helper()
		ts, err := db.Read().TagsOf(ctx, []int64{post.ID})
		if err != nil {
			t.Fatal(err)
		}
		return ts[post.ID]
	}
	if got := content(); got != "<p>one</p>" {
		t.Fatalf("first read: %q", got)
	}
	if got := tags(); len(got) != 0 {
		t.Fatalf("tags before: %v", got)
	}
	if _, ok := db.rows.posts.m[post.ID]; !ok {
		t.Fatal("a read outside a transaction did not fill the cache")
	}

	// Plain statements, written in this process.
	write("edit", func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, "UPDATE posts SET content = '<p>two</p>' WHERE id = $1", post.ID)
		return err
	})
	if got := content(); got != "<p>two</p>" {
		t.Errorf("after an edit: %q, want <p>two</p>", got)
	}
	write("tag", func(tx *Tx) error {
		ids, err := tx.EnsureTagsNormalized(ctx, map[string]string{"cache": "Cache"}, now)
		if err != nil {
			return err
		}
		return tx.SetPostTags(ctx, post.ID, ids)
	})
	if got := tags(); len(got) != 1 || got[0] != "Cache" {
		t.Errorf("after tagging (a row of post_tags only): %v", got)
	}
	media := func() int {
		t.Helper()
		m, err := db.Read().MediaOf(ctx, []int64{post.ID})
		if err != nil {
			t.Fatal(err)
		}
		return len(m[post.ID])
	}
	if got := media(); got != 0 {
		t.Fatalf("media before: %d", got)
	}
	write("count", func(tx *Tx) error { return tx.AddPostCounter(ctx, post.ID, "favourites_count", 1) })
	write("attach", func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `INSERT INTO media_attachments (id, account_id, post_id, type, path, created_at)
			VALUES (77, $1, $2, 'image', 'x.png', 0)`, acc.ID, post.ID)
		return err
	})
	if got := media(); got != 1 {
		t.Errorf("after attaching (a row of media_attachments only): %d attachments", got)
	}
	write("rename", func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, "UPDATE accounts SET display_name = 'Second' WHERE id = $1", acc.ID)
		return err
	})
	if got := name(); got != "Second" {
		t.Errorf("after a rename: %q", got)
	}
	// A rolled-back change leaves the cache true too.
	_ = db.Tx(ctx, func(tx *Tx) error {
		_, _ = tx.tx.ExecContext(ctx, "UPDATE posts SET content = '<p>never</p>' WHERE id = $1", post.ID)
		return model.Errorf(model.EINVALID, "give up")
	})
	if got := content(); got != "<p>two</p>" {
		t.Errorf("after a rollback: %q", got)
	}

	// A reader whose snapshot predates a write must not keep what it read.
	content() // cached again
	err := db.Snapshot(ctx, func(q Q) error {
		var n int
		if err := q.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM posts").Scan(&n); err != nil { // takes the snapshot
			return err
		}
		// A statement outside a transaction drops the post without
		// reading it again (refresh), so this reader misses and reads its
		// own, older snapshot.
		if _, err := db.write.ExecContext(ctx, "UPDATE posts SET content = '<p>three</p>' WHERE id = $1", post.ID); err != nil {
			return err
		}
		ps, err := q.PostsByIDs(ctx, []int64{post.ID})
		if err != nil {
			return err
		}
		if got := ps[post.ID].Content; got != "<p>two</p>" {
			t.Errorf("inside the older snapshot: %q, want <p>two</p>", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := content(); got != "<p>three</p>" {
		t.Errorf("after a reader of the older snapshot filled: %q, want <p>three</p>", got)
	}

	// Another process writes the same file.
	other, err := Open(ctx, Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.write.ExecContext(ctx, "UPDATE posts SET content = '<p>four</p>' WHERE id = $1", post.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.checkExternalWrites(ctx); err != nil {
		t.Fatal(err)
	}
	if got := content(); got != "<p>four</p>" {
		t.Errorf("after another process wrote: %q, want <p>four</p>", got)
	}

	// What a viewer sees: likes and blocks, written as plain rows.
	viewer := &model.Account{Username: "viewer"}
	write("viewer", func(tx *Tx) error { return tx.CreateAccount(ctx, viewer) })
	flags := func() bool {
		t.Helper()
		f, err := db.Read().ViewerFlagsFor(ctx, viewer.ID, []int64{post.ID})
		if err != nil {
			t.Fatal(err)
		}
		return f.Favourited[post.ID]
	}
	hidden := func() bool {
		t.Helper()
		h, err := db.Read().Hidden(ctx, viewer.ID, []int64{acc.ID}, true, now)
		if err != nil {
			t.Fatal(err)
		}
		return h[acc.ID]
	}
	if flags() || hidden() {
		t.Fatal("liked or hidden before anything happened")
	}
	write("like", func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, "INSERT INTO favourites (id, account_id, post_id, created_at) VALUES (1, $1, $2, 0)", viewer.ID, post.ID)
		return err
	})
	if !flags() {
		t.Error("a like is not seen by its author")
	}
	write("block", func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, "INSERT INTO blocks (account_id, target_id, id, created_at) VALUES ($1, $2, 1, 0)", acc.ID, viewer.ID)
		return err
	})
	if !hidden() {
		t.Error("a post of someone who blocked the viewer is not hidden")
	}

	// A reader's first home page: a fan-out row, then its removal.
	feed := func() []int64 {
		t.Helper()
		ids, err := db.Read().FeedIDs(ctx, viewer.ID, Page{Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if got := feed(); len(got) != 0 {
		t.Fatalf("feed before: %v", got)
	}
	write("fan out", func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, "INSERT INTO home_feed (account_id, post_id, author_id) VALUES ($1, $2, $3)", viewer.ID, post.ID, acc.ID)
		return err
	})
	if got := feed(); len(got) != 1 || got[0] != post.ID {
		t.Errorf("after a fan-out row: %v", got)
	}
	write("unfollow", func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, "DELETE FROM home_feed WHERE account_id = $1 AND author_id = $2", viewer.ID, acc.ID)
		return err
	})
	if got := feed(); len(got) != 0 {
		t.Errorf("after the feed's rows of an author went: %v", got)
	}

	// Cascades: deleting the account deletes its post.
	name()
	write("delete", func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, "DELETE FROM accounts WHERE id = $1", acc.ID)
		return err
	})
	if got := content(); got != "(gone)" {
		t.Errorf("after the author's deletion: %q", got)
	}
	if got := name(); got != "(gone)" {
		t.Errorf("deleted account: %q", got)
	}
	if flags() || hidden() {
		t.Error("the like and block of a deleted account are still seen")
	}
}

// TestRowCacheRefreshesAfterCommit: what a commit changed that is read
// next (a new post with its parts, its author and its author's flags; a
// liked post and its liker's flags) is in the cache before anyone reads
// it, and equal to what an uncached read returns; a rolled-back change is
// only dropped. Both ways a transaction commits are tried: alone
// (background work) and in a batch (requests).
func TestRowCacheRefreshesAfterCommit(t *testing.T) {
	for _, background := range []bool{true, false} {
		t.Run(map[bool]string{true: "alone", false: "batched"}[background], func(t *testing.T) {
			ctx := context.Background()
			if background {
				ctx = Background(ctx)
			}
			db := openSQLite(t, ctx, filepath.Join(t.TempDir(), "refresh.db"))
			now := time.Now().UTC().Truncate(time.Millisecond)
			author := &model.Account{Username: "author"}
			liker := &model.Account{Username: "liker"}
			if err := db.Tx(ctx, func(tx *Tx) error {
				if err := tx.CreateAccount(ctx, author); err != nil {
					return err
				}
				return tx.CreateAccount(ctx, liker)
			}); err != nil {
				t.Fatal(err)
			}
			post := &model.Post{AccountID: author.ID, Text: "new #Refresh @liker", Content: "<p>new</p>", Visibility: model.Public,
				Local: true, CreatedAt: now}
			if err := db.Tx(ctx, func(tx *Tx) error {
				if err := tx.InsertPost(ctx, post); err != nil {
					return err
				}
				ids, err := tx.EnsureTagsNormalized(ctx, map[string]string{"refresh": "Refresh"}, now)
				if err != nil {
					return err
				}
				if err := tx.SetPostTags(ctx, post.ID, ids); err != nil {
					return err
				}
				if err := tx.SetMentions(ctx, post.ID, []int64{liker.ID}); err != nil {
					return err
				}
				return tx.AddAccountCounter(ctx, author.ID, "statuses_count", 1)
			}); err != nil {
				t.Fatal(err)
			}
			uncached := Q{q: db.read, db: db}
			cached := func(what string, ok bool) {
				t.Helper()
				if !ok {
					t.Errorf("%s is not in the cache after the commit", what)
				}
			}
			db.rows.mu.Lock()
			p, pOK := db.rows.posts.m[post.ID]
			a, aOK := db.rows.accounts.m[author.ID]
			tg, tOK := db.rows.tags.m[post.ID]
			mn, mOK := db.rows.mentions.m[post.ID]
			_, mdOK := db.rows.media.m[post.ID]
			fl, fOK := db.rows.flags.m[idPair{author.ID, post.ID}]
			db.rows.mu.Unlock()
			cached("the new post", pOK && p.ok)
			cached("its author", aOK && a.ok)
			cached("its tags", tOK && tg.ok)
			cached("its mentions", mOK && mn.ok)
			cached("its media", mdOK)
			cached("its author's flags", fOK && fl.ok)
			wantPosts, _ := uncached.PostsByIDs(ctx, []int64{post.ID})
			if !reflect.DeepEqual(p.v, *wantPosts[post.ID]) {
				t.Errorf("cached post %+v, the database holds %+v", p.v, *wantPosts[post.ID])
			}
			wantAccounts, _ := uncached.AccountsByIDs(ctx, []int64{author.ID})
			if !reflect.DeepEqual(a.v, *wantAccounts[author.ID]) || a.v.StatusesCount != 1 {
				t.Errorf("cached author %+v, the database holds %+v", a.v, *wantAccounts[author.ID])
			}
			if !reflect.DeepEqual(tg.v, []string{"Refresh"}) || !reflect.DeepEqual(mn.v, []int64{liker.ID}) || fl.v != 0 {
				t.Errorf("cached tags %v, mentions %v, flags %b", tg.v, mn.v, fl.v)
			}

			// A like: the post's count and the liker's flags.
			if err := db.Tx(ctx, func(tx *Tx) error {
				_, err := tx.InsertFavourite(ctx, liker.ID, post.ID, "", now) // counts it too
				return err
			}); err != nil {
				t.Fatal(err)
			}
			db.rows.mu.Lock()
			p = db.rows.posts.m[post.ID]
			fl, fOK = db.rows.flags.m[idPair{liker.ID, post.ID}]
			db.rows.mu.Unlock()
			if !p.ok || p.v.FavouritesCount != 1 {
				t.Errorf("cached post after a like: %+v", p)
			}
			wantFlags, _ := uncached.ViewerFlagsFor(ctx, liker.ID, []int64{post.ID})
			if !fOK || !fl.ok || fl.v != 1<<1 || !wantFlags.Favourited[post.ID] {
				t.Errorf("cached flags of the liker %+v, the database says favourited %v", fl, wantFlags.Favourited[post.ID])
			}

			// An unlike clears the bit in place (the pair is cached now).
			if err := db.Tx(ctx, func(tx *Tx) error {
				_, err := tx.DeleteFavourite(ctx, liker.ID, post.ID)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			db.rows.mu.Lock()
			fl = db.rows.flags.m[idPair{liker.ID, post.ID}]
			gen := db.rows.gen
			db.rows.mu.Unlock()
			if wantFlags, _ = uncached.ViewerFlagsFor(ctx, liker.ID, []int64{post.ID}); !fl.ok || fl.v != 0 || fl.gen != gen ||
				wantFlags.Favourited[post.ID] {
				t.Errorf("cached flags of the liker after an unlike %+v (generation now %d)", fl, gen)
			}

			// A rolled-back change is not read again, or (in a batch whose
			// transaction commits the other members) read as it stayed.
			_ = db.Tx(ctx, func(tx *Tx) error {
				_ = tx.AddPostCounter(ctx, post.ID, "favourites_count", 1)
				return model.Errorf(model.EINVALID, "give up")
			})
			db.rows.mu.Lock()
			p = db.rows.posts.m[post.ID]
			stale := db.rows.stale
			db.rows.mu.Unlock()
			if (background && p.ok) || (p.ok && p.v.FavouritesCount != 0) || len(stale.posts) != 0 {
				t.Errorf("after a rollback the post is cached (%v, %d likes) or stale (%v)", p.ok, p.v.FavouritesCount, stale.posts)
			}
			if ps, _ := db.Read().PostsByIDs(ctx, []int64{post.ID}); ps[post.ID].FavouritesCount != 0 {
				t.Errorf("after a rollback: %d likes", ps[post.ID].FavouritesCount)
			}
		})
	}
}

// TestRowCacheOlderReaderCannotReplace: once a key changed, a reader that
// began before the change cannot put back what it read, even after a newer
// reader filled the key again.
func TestRowCacheOlderReaderCannotReplace(t *testing.T) {
	c := newRowCache()
	older := c.begin()
	c.pending.posts = append(c.pending.posts, 1)
	c.applyPending(false)
	newer := c.begin()
	fill(c, &c.posts, newer, map[int64]model.Post{1: {Content: "new"}})
	fill(c, &c.posts, older, map[int64]model.Post{1: {Content: "old"}})
	if got := c.posts.m[1]; !got.ok || got.v.Content != "new" {
		t.Errorf("cached %+v, want the newer reader's row", got)
	}
}

// TestRowCacheFlagPatches: a committed like, unlike, boost, bookmark or
// pin changes the cached flags of its pair in place, a new post's author's
// flags are known to be clear, and what cannot be patched (a pair not
// cached, an engagement flag, an update, a rollback) is dropped.
func TestRowCacheFlagPatches(t *testing.T) {
	c := newRowCache()
	liked, unliked, unknown, flagged, updated, fresh, rolled := idPair{1, 10}, idPair{1, 11}, idPair{1, 12}, idPair{1, 13},
		idPair{1, 14}, idPair{2, 15}, idPair{1, 16}
	fill(c, &c.flags, c.begin(), map[idPair]uint8{liked: 1 << 3, unliked: 1<<1 | 1<<4, flagged: 0, updated: 0, rolled: 0})
	c.pending.flagOps = []flagOp{
		{key: liked, bit: 1, set: true, patchable: true},
		{key: liked, bit: 2, set: true, patchable: true},
		{key: unliked, bit: 1, patchable: true},
		{key: unknown, bit: 1, set: true, patchable: true},
		{key: flagged, patchable: false},
		{key: updated, bit: 2, set: true, patchable: true},
		{key: updated, patchable: false},
		{key: fresh, fresh: true, patchable: true},
		{key: fresh, bit: 3, set: true, patchable: true},
	}
	for _, op := range c.pending.flagOps {
		c.pending.flags = append(c.pending.flags, op.key)
	}
	c.applyPending(true)
	want := map[idPair]uint8{liked: 1<<3 | 1<<1 | 1<<2, unliked: 1 << 4, fresh: 1 << 3}
	for _, k := range []idPair{liked, unliked, unknown, flagged, updated, fresh} {
		got := c.flags.m[k]
		w, patched := want[k]
		if got.ok != patched || (patched && got.v != w) || got.gen != c.gen {
			t.Errorf("%v: cached %+v, want patched %v to %b at generation %d", k, got, patched, w, c.gen)
		}
	}
	if stale := c.takeStale().flags; len(stale) != 3 || slices.Contains(stale, liked) || slices.Contains(stale, fresh) {
		t.Errorf("left to read again: %v, want only the pairs not patched", stale)
	}
	// An older reader cannot undo a patch.
	fill(c, &c.flags, c.gen-1, map[idPair]uint8{liked: 0})
	if got := c.flags.m[liked]; got.v != want[liked] {
		t.Errorf("after an older reader's fill: %b", got.v)
	}
	// A rollback patches nothing.
	c.pending.flagOps = []flagOp{{key: rolled, bit: 1, set: true, patchable: true}}
	c.pending.flags = []idPair{rolled}
	c.applyPending(false)
	if got := c.flags.m[rolled]; got.ok || len(c.takeStale().flags) != 0 {
		t.Errorf("after a rollback: cached %+v", got)
	}
}
