package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"parvis/internal/model"
)

// The row cache must never answer with a row older than what a reader that
// began afterwards would read from the database: after a write in this
// process (whatever statement made it, cascades included), after a write
// racing with a reader's fill, and after another process wrote the file.
func TestRowCacheStaysTrue(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rows.db")
	db, err := Open(ctx, Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
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
	err = db.Snapshot(ctx, func(q Q) error {
		var n int
		if err := q.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM posts").Scan(&n); err != nil { // takes the snapshot
			return err
		}
		write("edit meanwhile", func(tx *Tx) error {
			_, err := tx.tx.ExecContext(ctx, "UPDATE posts SET content = '<p>three</p>' WHERE id = $1", post.ID)
			return err
		})
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
