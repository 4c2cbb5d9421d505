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
	rows, err := db.read.QueryContext(ctx, "SELECT id FROM t")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[int]bool{}
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		got[id] = true
	}
	for i := range n {
		if got[i] != want[i] {
			t.Errorf("row %d: stored %v, want %v", i, got[i], want[i])
		}
	}
}
