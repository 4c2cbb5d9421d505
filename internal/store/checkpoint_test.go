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
