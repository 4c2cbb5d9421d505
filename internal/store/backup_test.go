package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"parvis/internal/model"
	"parvis/internal/seed"
	"parvis/internal/store"
	"parvis/internal/store/storetest"
)

// sqliteOnly skips tests of SQLite files when the suite runs on PostgreSQL.
func sqliteOnly(t testing.TB) {
	t.Helper()
	if storetest.Engine() != store.SQLite {
		t.Skip("SQLite file backups; PostgreSQL uses pg_dump")
	}
}

// fillForBackup creates accounts and enough posts for a database of a few
// megabytes, and returns the account ids.
func fillForBackup(tb testing.TB, db *store.DB, accounts, posts int) []int64 {
	tb.Helper()
	ctx := context.Background()
	now := time.Now()
	var ids []int64
	err := db.Tx(ctx, func(tx *store.Tx) error {
		for i := range accounts {
			a := &model.Account{Username: fmt.Sprintf("user%d", i)}
			if err := tx.CreateAccount(ctx, a); err != nil {
				return err
			}
			ids = append(ids, a.ID)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	text := strings.Repeat("Une longue phrase pour remplir les pages de la base. ", 20)
	const batch = 500
	for start := 0; start < posts; start += batch {
		var rows [][]any
		for i := start; i < min(start+batch, posts); i++ {
			id := db.NewID(now)
			rows = append(rows, []any{id, ids[i%len(ids)], text, "<p>" + text + "</p>", id, now.UnixMilli()})
		}
		if err := db.BulkInsert(ctx, "posts", []string{"id", "account_id", "text", "content", "thread_id", "created_at"}, rows); err != nil {
			tb.Fatal(err)
		}
	}
	return ids
}

// A snapshot taken while another connection keeps writing is the database
// as it was at one instant: every follow matches both counters it moved in
// the same transaction, and writes went on during the copy.
func TestSnapshotIsConsistentUnderConcurrentWrites(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := storetest.New(t)
	ids := fillForBackup(t, db, 60, 3000)

	var committed atomic.Int64
	stop := make(chan struct{})
	writerDone := make(chan error, 1)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				writerDone <- nil
				return
			default:
			}
			a, b := ids[n%len(ids)], ids[(n/len(ids)+1+n)%len(ids)]
			n++
			if a == b {
				continue
			}
			err := db.Tx(ctx, func(tx *store.Tx) error {
				_, err := tx.InsertFollow(ctx, store.Follow{AccountID: a, TargetID: b, CreatedAt: time.Now()})
				return err
			})
			if err != nil {
				writerDone <- err
				return
			}
			committed.Add(1)
		}
	}()

	// Let some writes land, then copy one page per step so that the copy
	// and the writes interleave as much as they can.
	for committed.Load() < 20 {
		time.Sleep(time.Millisecond)
	}
	before := committed.Load()
	dest := filepath.Join(t.TempDir(), "copy.db")
	var steps int
	size, err := store.SnapshotSQLite(ctx, db.Path(), dest, store.SnapshotOptions{StepPages: 1,
		Progress: func(done, total int64) {
			if done > 0 {
				steps++
			}
		}})
	after := committed.Load()
	close(stop)
	if werr := <-writerDone; werr != nil {
		t.Fatalf("writer: %v", werr)
	}
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	t.Logf("%d writes before, %d during the snapshot; %d bytes in %d steps", before, after-before, size, steps)
	if after-before < 5 {
		t.Fatalf("only %d writes committed during the snapshot; the test proves nothing", after-before)
	}
	if size < 1<<20 || steps < 100 {
		t.Fatalf("got a copy of %d bytes in %d steps, want at least 1 MB in 100 steps", size, steps)
	}
	// One step per page: the pinned snapshot never made the copy restart,
	// as an unpinned one does after every concurrent write.
	if pages := size / 4096; int64(steps) > pages {
		t.Fatalf("got %d steps for %d pages, want at most one per page (the copy restarted)", steps, pages)
	}
	if err := store.CheckSQLite(ctx, dest, store.CheckFull, nil); err != nil {
		t.Fatalf("integrity of the copy: %v", err)
	}

	copyDB, err := sql.Open("sqlite", "file:"+dest+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	var follows, badFollowing, badFollowers, posts int64
	row := copyDB.QueryRow(`SELECT (SELECT count(*) FROM follows),
		(SELECT count(*) FROM accounts a WHERE a.following_count <> (SELECT count(*) FROM follows f WHERE f.account_id = a.id)),
		(SELECT count(*) FROM accounts a WHERE a.followers_count <> (SELECT count(*) FROM follows f WHERE f.target_id = a.id)),
		(SELECT count(*) FROM posts)`)
	if err := row.Scan(&follows, &badFollowing, &badFollowers, &posts); err != nil {
		t.Fatal(err)
	}
	if badFollowing != 0 || badFollowers != 0 {
		t.Fatalf("got %d accounts whose following count and %d whose followers count disagree with the follows, want 0",
			badFollowing, badFollowers)
	}
	if follows < before || follows > after {
		t.Fatalf("got %d follows in the copy, want between %d (before) and %d (after)", follows, before, after)
	}
	if posts != 3000 {
		t.Fatalf("got %d posts in the copy, want 3000", posts)
	}
}

func TestSnapshotRefusesBadPaths(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := storetest.New(t)
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.db")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SnapshotSQLite(ctx, db.Path(), existing, store.SnapshotOptions{}); model.ErrorCode(err) != model.ECONFLICT {
		t.Fatalf("snapshot over an existing file: got %v, want a conflict", err)
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Fatalf("the existing file was changed to %q", b)
	}
	if _, err := store.SnapshotSQLite(ctx, filepath.Join(dir, "missing.db"), filepath.Join(dir, "out.db"), store.SnapshotOptions{}); err == nil {
		t.Fatalf("snapshot of a missing database: got no error")
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); err == nil {
		t.Fatalf("snapshotting a missing database created it")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	out := filepath.Join(dir, "cancelled.db")
	if _, err := store.SnapshotSQLite(cancelled, db.Path(), out, store.SnapshotOptions{}); err == nil {
		t.Fatalf("cancelled snapshot: got no error")
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatalf("a cancelled snapshot left %s behind", out)
	}
}

// Damage in a table's pages is found by both check levels, and named.
func TestCheckSQLiteFindsDamage(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := storetest.New(t)
	fillForBackup(t, db, 10, 400)
	good := filepath.Join(t.TempDir(), "good.db")
	if _, err := store.SnapshotSQLite(ctx, db.Path(), good, store.SnapshotOptions{}); err != nil {
		t.Fatal(err)
	}
	var last int64
	if err := store.CheckSQLite(ctx, good, store.CheckFull, func(done, total int64) { last = total - done }); err != nil {
		t.Fatalf("check of a good copy: %v", err)
	}
	if last != 0 {
		t.Fatalf("progress ended %d bytes short of the total", last)
	}

	bad := filepath.Join(t.TempDir(), "bad.db")
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	// Scribble over the middle of the file, where the posts' pages are,
	// sparing each page's header so that SQLite still reads it as a page.
	const page = 4096
	for p := len(b) / page / 3; p < len(b)/page/3+8; p++ {
		for i := p*page + 100; i < p*page+page-100; i += 7 {
			b[i] ^= 0x5a
		}
	}
	if err := os.WriteFile(bad, b, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, level := range []store.CheckLevel{store.CheckQuick, store.CheckFull} {
		err := store.CheckSQLite(ctx, bad, level, nil)
		if model.ErrorCode(err) != model.EINVALID || !strings.Contains(err.Error(), "damaged") {
			t.Errorf("%s check of a damaged file: got %v, want it reported damaged", level, err)
		}
	}
	if err := store.CheckSQLite(ctx, bad, store.CheckNone, nil); err != nil {
		t.Errorf("no check: got %v", err)
	}
}

func TestInspectSQLite(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := storetest.New(t)
	snap := filepath.Join(t.TempDir(), "snap.db")
	if _, err := store.SnapshotSQLite(ctx, db.Path(), snap, store.SnapshotOptions{}); err != nil {
		t.Fatal(err)
	}
	info, err := store.InspectSQLite(ctx, snap)
	if err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(snap)); len(entries) != 1 {
		t.Fatalf("got %d files beside the inspected copy, want none (no -wal, no -shm)", len(entries)-1)
	}
	latest, err := store.LatestSchemaVersion(store.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	if info.SchemaVersion != latest || latest == 0 {
		t.Fatalf("got schema version %d, want the latest, %d", info.SchemaVersion, latest)
	}
	notDB := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notDB, []byte("not a database at all, just some text that is long enough"), 0o600)
	if _, err := store.InspectSQLite(ctx, notDB); model.ErrorCode(err) != model.EINVALID {
		t.Fatalf("inspect a text file: got %v, want EINVALID", err)
	}
	for _, level := range []string{"full", " Quick", "none"} {
		if _, err := store.ParseCheckLevel(level); err != nil {
			t.Errorf("ParseCheckLevel(%q): %v", level, err)
		}
	}
	if _, err := store.ParseCheckLevel("thorough"); model.ErrorCode(err) != model.EINVALID {
		t.Errorf("ParseCheckLevel(thorough): got %v, want EINVALID", err)
	}
}

// benchDB returns the path of the database the backup benchmarks copy: a
// seeded world of 2 000 people and 20 000 posts (about 25 MB of accounts,
// posts, favourites, follows and their indexes, the shape of a real
// instance), in WAL mode, in a file no connection of the benchmark holds
// open, as a server's database is to the backup command.
func benchDB(b *testing.B) (string, int64) {
	b.Helper()
	sqliteOnly(b)
	ctx := context.Background()
	db := storetest.New(b)
	if _, err := seed.Run(ctx, db, seed.Options{Users: 6000, Posts: 60000, Communities: 5, Seed: 1, PasswordHash: "x"}); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "source.db")
	if _, err := store.SnapshotSQLite(ctx, db.Path(), path, store.SnapshotOptions{}); err != nil {
		b.Fatal(err)
	}
	wal, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		b.Fatal(err)
	}
	if err := wal.Ping(); err != nil {
		b.Fatal(err)
	}
	wal.Close()
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return path, st.Size()
}

// BenchmarkSnapshotSQLite copies the database with SnapshotSQLite (the
// backup API, in steps, in one read transaction); the MB/s column is the
// backup speed.
func BenchmarkSnapshotSQLite(b *testing.B) {
	ctx := context.Background()
	src, size := benchDB(b)
	b.SetBytes(size)
	dir := b.TempDir()
	for i := 0; b.Loop(); i++ {
		dest := filepath.Join(dir, fmt.Sprintf("copy%d.db", i))
		if _, err := store.SnapshotSQLite(ctx, src, dest, store.SnapshotOptions{}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.Remove(dest)
		b.StartTimer()
	}
}

// BenchmarkVacuumInto copies the same database with VACUUM INTO, the
// other way to an online consistent copy, for comparison.
func BenchmarkVacuumInto(b *testing.B) {
	path, size := benchDB(b)
	b.SetBytes(size)
	src, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	dir := b.TempDir()
	for i := 0; b.Loop(); i++ {
		dest := filepath.Join(dir, fmt.Sprintf("vacuum%d.db", i))
		if _, err := src.Exec("VACUUM INTO $1", dest); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.Remove(dest)
		b.StartTimer()
	}
}

// BenchmarkCheckSQLite runs the full integrity check on a copy of the same
// database.
func BenchmarkCheckSQLite(b *testing.B) {
	ctx := context.Background()
	src, _ := benchDB(b)
	dest := filepath.Join(b.TempDir(), "copy.db")
	size, err := store.SnapshotSQLite(ctx, src, dest, store.SnapshotOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	for b.Loop() {
		if err := store.CheckSQLite(ctx, dest, store.CheckFull, nil); err != nil {
			b.Fatal(err)
		}
	}
}
