package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Requests sharing a write transaction must each get what they would get
// alone: a change that returned nil is committed, one that failed,
// panicked or whose request ended leaves nothing, and the others do not
// notice.
func TestBatchedTransactionsKeepEachOutcome(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Config{SQLitePath: filepath.Join(t.TempDir(), "batch.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.write.ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	insert := func(tx *Tx, i int) error {
		_, err := tx.tx.ExecContext(ctx, "INSERT INTO t (id, v) VALUES ($1, $2)", i, fmt.Sprint("v", i))
		return err
	}
	// The first transaction stays open until the others are queued behind
	// it, so that they share the next one.
	hold := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- db.Tx(ctx, func(tx *Tx) error {
			if err := insert(tx, 0); err != nil {
				return err
			}
			<-hold
			return nil
		})
	}()
	time.Sleep(20 * time.Millisecond)

	const n = 40
	want := map[int]bool{0: true}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 1; i < n; i++ {
		ctx := ctx
		cancel := context.CancelFunc(func() {})
		switch {
		case i%5 == 0: // fails after writing
		case i%7 == 0: // panics after writing
		case i%11 == 0: // its request ends while it waits
			ctx, cancel = context.WithCancel(ctx)
		case i == 13: // a statement fails (duplicate key): nothing of it stays
		default:
			want[i] = true
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil && i%7 != 0 {
					t.Errorf("member %d panicked: %v", i, p)
				}
			}()
			if i%11 == 0 {
				cancel()
			}
			errs[i] = db.Tx(ctx, func(tx *Tx) error {
				if err := insert(tx, i); err != nil {
					return err
				}
				switch {
				case i%5 == 0:
					return errors.New("changed its mind")
				case i%7 == 0:
					panic("member panics")
				case i == 13:
					return insert(tx, i)
				}
				return nil
			})
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(hold)
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatalf("first transaction: %v", err)
	}
	for i := 1; i < n; i++ {
		if want[i] && errs[i] != nil {
			t.Errorf("member %d: %v", i, errs[i])
		}
		if !want[i] && i%7 != 0 && errs[i] == nil {
			t.Errorf("member %d should have failed", i)
		}
	}
	got := storedIDs(t, db, "t")
	for i := range n {
		if got[int64(i)] != want[i] {
			t.Errorf("row %d: stored %v, want %v", i, got[int64(i)], want[i])
		}
	}
}

// What the members of a batch gather (Tx.Gather) is written once, before
// the commit, and only for the members whose changes are committed; a
// flush that fails undoes the whole batch. A transaction of its own
// (background work) flushes what it gathered too.
func TestGatherWritesWhatCommits(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Config{SQLitePath: filepath.Join(t.TempDir(), "gather.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"CREATE TABLE t (id INTEGER PRIMARY KEY)", "CREATE TABLE g (id INTEGER PRIMARY KEY, flush INTEGER NOT NULL)"} {
		if _, err := db.write.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var flushes int
	g := &Gather{Flush: func(ctx context.Context, tx *Tx, ids []int64) error {
		flushes++
		for _, id := range ids {
			if id == 999 {
				return errors.New("flush refused")
			}
			if _, err := tx.tx.ExecContext(ctx, "INSERT INTO g (id, flush) VALUES ($1, $2)", id, flushes); err != nil {
				return err
			}
		}
		return nil
	}}
	member := func(ctx context.Context, id int64, fail bool) error {
		return db.Tx(ctx, func(tx *Tx) error {
			if _, err := tx.tx.ExecContext(ctx, "INSERT INTO t (id) VALUES ($1)", id); err != nil {
				return err
			}
			tx.Gather(g, id)
			if fail {
				return errors.New("changed its mind")
			}
			return nil
		})
	}
	// Members queued behind a held transaction share the next ones.
	run := func(ids []int64) []error {
		hold := make(chan struct{})
		first := make(chan error, 1)
		go func() {
			first <- db.Tx(ctx, func(tx *Tx) error { <-hold; return nil })
		}()
		time.Sleep(20 * time.Millisecond)
		errs := make([]error, len(ids))
		var wg sync.WaitGroup
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = member(ctx, id, id%2 == 1)
			}()
		}
		time.Sleep(50 * time.Millisecond)
		close(hold)
		wg.Wait()
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		return errs
	}
	stored := func(table string) map[int64]bool { return storedIDs(t, db, table) }

	var ids []int64
	for i := int64(1); i <= 16; i++ {
		ids = append(ids, i)
	}
	for i, err := range run(ids) {
		if (err != nil) != (ids[i]%2 == 1) {
			t.Errorf("member %d: %v", ids[i], err)
		}
	}
	got := stored("g")
	for _, id := range ids {
		if got[id] != (id%2 == 0) {
			t.Errorf("id %d gathered: %v, want %v", id, got[id], id%2 == 0)
		}
	}
	// 16 members, eight a batch at most, one flush a batch.
	if flushes > 2 {
		t.Errorf("%d flushes for 8 committed members queued together, want one a batch (2)", flushes)
	}

	// A member that fails keeps its id out of the flush.
	before := flushes
	errs := run([]int64{200, 202, 999, 204}) // 999 is odd: it fails alone
	for i, err := range errs {
		if err != nil && i != 2 {
			t.Errorf("member %d of a batch whose failed member gathered 999: %v", i, err)
		}
	}
	if got := stored("g"); got[999] || !got[200] {
		t.Errorf("a failed member's id was flushed, or a committed one's was not: %v", got)
	}
	// A flush that fails: every member of its batch fails, nothing stays.
	g.Flush = func(ctx context.Context, tx *Tx, ids []int64) error { flushes++; return errors.New("flush refused") }
	for i, err := range run([]int64{400, 402, 404}) {
		if err == nil {
			t.Errorf("member %d committed although its batch's flush failed", i)
		}
	}
	if got := stored("t"); got[400] || got[402] || got[404] {
		t.Errorf("a batch whose flush failed left rows: %v", got)
	}
	if flushes == before {
		t.Error("no flush ran")
	}

	// A transaction of its own flushes too.
	g.Flush = func(ctx context.Context, tx *Tx, ids []int64) error {
		_, err := tx.tx.ExecContext(ctx, "INSERT INTO g (id, flush) VALUES ($1, 0)", ids[0])
		return err
	}
	if err := member(Background(ctx), 500, false); err != nil {
		t.Fatal(err)
	}
	if !stored("g")[500] {
		t.Error("a background transaction's gathered id was not flushed")
	}
}

// storedIDs is the set of ids in a test table.
func storedIDs(t *testing.T, db *DB, table string) map[int64]bool {
	t.Helper()
	rows, err := db.read.QueryContext(context.Background(), "SELECT id FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		got[id] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}
