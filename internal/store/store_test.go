package store_test

import (
	"context"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parvis/internal/model"
	"parvis/internal/store"
	"parvis/internal/store/storetest"
)

func TestMigrateFromEmptyIsIdempotent(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v < 2 {
		t.Fatalf("schema version after migrate: got %d, want at least 2", v)
	}
	n, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("second migrate applied %d migrations, want 0", n)
	}
}

func TestAccountsAndUsers(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	var acc *model.Account
	err := db.Tx(ctx, func(tx *store.Tx) error {
		acc = &model.Account{Username: "Alice", DisplayName: "Alice A."}
		if err := tx.CreateAccount(ctx, acc); err != nil {
			return err
		}
		_, err := tx.CreateUser(ctx, acc.ID, store.NewUser{Email: "alice@example.org", PasswordHash: "h", Role: model.RoleAdmin, Approved: true})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Read().AccountByUsername(ctx, "alice", "")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != acc.ID || got.Username != "Alice" {
		t.Fatalf("got account %d %q, want %d Alice", got.ID, got.Username, acc.ID)
	}
	// Usernames are unique whatever their case, and a failed use case leaves nothing behind.
	err = db.Tx(ctx, func(tx *store.Tx) error {
		return tx.CreateAccount(ctx, &model.Account{Username: "ALICE"})
	})
	if model.ErrorCode(err) != model.ECONFLICT {
		t.Fatalf("duplicate username: got %v, want a conflict", err)
	}
	for _, login := range []string{"alice", "ALICE@example.org"} {
		c, err := db.Read().CredentialsByLogin(ctx, login)
		if err != nil {
			t.Fatalf("login %q: %v", login, err)
		}
		if c.User.Role != model.RoleAdmin || c.PasswordHash != "h" {
			t.Fatalf("login %q: got role %q hash %q", login, c.User.Role, c.PasswordHash)
		}
	}
	if _, err := db.Read().CredentialsByLogin(ctx, "nobody"); !model.IsNotFound(err) {
		t.Fatalf("unknown login: got %v, want not found", err)
	}
	has, err := db.Read().HasAdmin(ctx)
	if err != nil || !has {
		t.Fatalf("HasAdmin: got %v, %v; want true", has, err)
	}
}

func TestRateLimitWindows(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := 1; i <= 3; i++ {
		n, err := db.Hit(ctx, "login:x", time.Minute, now)
		if err != nil {
			t.Fatal(err)
		}
		if n != int64(i) {
			t.Fatalf("hit %d: got count %d", i, n)
		}
	}
	n, err := db.Hit(ctx, "login:x", time.Minute, now.Add(time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("next window: got %d, %v; want 1", n, err)
	}
	// A day later the windows go with the sweep (on both engines).
	var swept int64
	err = db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		swept, err = tx.DeleteExpired(ctx, now.Add(24*time.Hour+time.Minute/2))
		return err
	})
	if err != nil || swept != 1 {
		t.Fatalf("sweep: %d rows, %v; want the first window only", swept, err)
	}
	if n, err := db.Hit(ctx, "login:x", time.Minute, now.Add(time.Minute)); err != nil || n != 2 {
		t.Fatalf("the later window: got %d, %v; want it kept", n, err)
	}
}

// A data directory whose name has URI characters still opens the right file.
func TestOpenPathWithURICharacters(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir() + "/odd?name#x%20y"
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir + "/parvis.db"); err != nil {
		t.Fatalf("the database is not where it should be: %v", err)
	}
}

// Posts bringing the same new hashtag at once all get its one row (on
// PostgreSQL their transactions run together).
func TestNewHashtagFromConcurrentPosts(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const n = 8
	ids := make([]int64, n)
	errs := make([]error, n)
	// On PostgreSQL each transaction stays open a moment after adding the
	// tag, so that the others look for it before it is committed.
	var arrived atomic.Int32
	all := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = db.Tx(ctx, func(tx *store.Tx) error {
				got, err := tx.EnsureTagsNormalized(ctx, map[string]string{"together": "Together"}, at)
				ids[i] = got["together"]
				if arrived.Add(1) == n {
					close(all)
				}
				if db.Engine() == store.Postgres {
					select {
					case <-all:
					case <-time.After(300 * time.Millisecond):
					}
				}
				return err
			})
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || ids[i] == 0 || ids[i] != ids[0] {
			t.Fatalf("post %d: tag id %d (first %d), %v", i, ids[i], ids[0], errs[i])
		}
	}
}
