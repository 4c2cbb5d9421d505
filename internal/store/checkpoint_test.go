package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The writer does not checkpoint; the checkpointer does, so the WAL is
// reused instead of growing with every write.
func TestCheckpointerKeepsTheWALSmall(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ck.db")
	db, err := Open(ctx, Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The same checkpointer, more often, for a short test.
	const every = 100 * time.Millisecond
	conn := db.checkpoints.conn
	db.checkpoints.cancel()
	<-db.checkpoints.done
	db.checkpoints = startCheckpointer(conn, db.log, every, nil)
	if _, err := db.write.ExecContext(ctx, "CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)"); err != nil {
		t.Fatal(err)
	}
	blob := make([]byte, 1<<20)
	var largest int64
	for i := range 6 {
		err := db.Tx(ctx, func(tx *Tx) error {
			_, err := tx.q.ExecContext(ctx, "INSERT INTO blobs (id, data) VALUES ($1, $2)", i, blob)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(every * 3 / 2)
		if st, err := os.Stat(path + "-wal"); err == nil {
			largest = max(largest, st.Size())
		}
	}
	// Six megabytes written; without checkpoints the WAL would hold them all.
	if largest == 0 || largest > 3<<20 {
		t.Fatalf("the WAL grew to %d bytes", largest)
	}
	var n int
	if err := db.Read().q.QueryRowContext(ctx, "SELECT COUNT(*) FROM blobs").Scan(&n); err != nil || n != 6 {
		t.Fatalf("rows: %d %v", n, err)
	}
}

// Under writes that never pause, with readers always in the WAL, a passive
// checkpoint never lets the WAL start afresh; past its bound the
// checkpointer restarts it, and nothing is lost.
func TestCheckpointerRestartsAGrowingWAL(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "grow.db")
	db, err := Open(ctx, Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const every = 50 * time.Millisecond
	conn := db.checkpoints.conn
	db.checkpoints.cancel()
	<-db.checkpoints.done
	ck := startCheckpointer(conn, db.log, every, nil)
	ck.maxWAL = 2 << 20
	db.checkpoints = ck
	// The writer cuts a restarted WAL back to the same bound.
	if _, err := db.write.ExecContext(ctx, "PRAGMA journal_size_limit = 2097152"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, "CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)"); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	readers := make(chan error, 2)
	for range 2 { // readers always inside a read transaction
		go func() {
			for {
				select {
				case <-stop:
					readers <- nil
					return
				default:
				}
				err := db.Snapshot(ctx, func(q Q) error {
					var n int
					return q.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM blobs").Scan(&n)
				})
				if err != nil {
					readers <- err
					return
				}
			}
		}()
	}
	blob := make([]byte, 64<<10)
	var largest int64
	deadline := time.Now().Add(2 * time.Second)
	n := 0
	for ; time.Now().Before(deadline); n++ {
		err := db.Tx(ctx, func(tx *Tx) error {
			_, err := tx.q.ExecContext(ctx, "INSERT INTO blobs (id, data) VALUES ($1, $2)", n, blob)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if st, err := os.Stat(path + "-wal"); err == nil {
			largest = max(largest, st.Size())
		}
	}
	close(stop)
	for range 2 {
		if err := <-readers; err != nil {
			t.Fatal(err)
		}
	}
	db.checkpoints.cancel()
	<-db.checkpoints.done
	t.Logf("%d writes of 64 KiB; the WAL reached %d bytes; %d restarts of %d tried", n, largest, ck.restarted.Load(), ck.tried.Load())
	if ck.restarted.Load() == 0 {
		t.Fatal("the WAL was never restarted")
	}
	// Without restarts the WAL holds everything written (on a busy
	// machine fewer restarts find the readers out of the way).
	if written := int64(n) * 64 << 10; largest > written*3/4 {
		t.Errorf("the WAL grew to %d bytes of %d written (bound 2 MiB, checked every %s)", largest, written, every)
	}
	var rows int
	if err := db.Read().q.QueryRowContext(ctx, "SELECT COUNT(*) FROM blobs").Scan(&rows); err != nil || rows != n {
		t.Fatalf("rows: %d %v, want %d", rows, err, n)
	}
}
