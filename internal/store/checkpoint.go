package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// checkpointEvery is how often the WAL is copied into the database. Each
// checkpoint that catches up makes the next commit start the WAL afresh,
// which syncs its header: a second between them keeps that sync off all
// but one request in several hundred at a few hundred writes a second.
const checkpointEvery = time.Second

// checkpointer copies the SQLite WAL into the database from a connection
// of its own, every checkpointEvery. A passive checkpoint takes no write
// lock: commits go on meanwhile, and the writer starts the WAL afresh once
// everything in it is in the database and no reader still needs it.
type checkpointer struct {
	conn   *sql.DB
	maxWAL int64 // past this size, the WAL is started afresh
	cancel context.CancelFunc
	done   chan struct{}
	// restarts counts the WAL restarts tried and done (for tests).
	tried, restarted atomic.Int64
}

// A passive checkpoint never lets the writer start the WAL afresh under
// sustained writes: a commit always lands while it copies, so the WAL
// is never all in the database at the moment the writer looks, and it
// grew by 25 MB a second under parvis bench (860 MB in half a minute).
// Past maxWALSize the checkpointer restarts it: right after a passive
// checkpoint only the last few commits remain to copy, and the writer
// waits at most restartWait while the readers move to the database file.
// The file then stays near maxWALSize (750 MB before, 73 MB after, in the
// same 30-second run, with the same throughput).
const (
	maxWALSize   = 64 << 20
	restartWait  = 20 * time.Millisecond
	walFrameSize = 4096 + 24 // a page and its frame header
)

func startCheckpointer(conn *sql.DB, log *slog.Logger, every time.Duration, also func(context.Context) error) *checkpointer {
	conn.SetMaxOpenConns(1)
	conn.SetMaxIdleConns(1)
	conn.SetConnMaxIdleTime(0)
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{conn: conn, maxWAL: maxWALSize, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		t := time.NewTicker(every)
		defer t.Stop()
		failing := false
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			err := c.checkpoint(ctx)
			if also != nil && err == nil {
				err = also(ctx)
			}
			if err != nil && !failing && ctx.Err() == nil {
				log.Warn("checkpoint the SQLite WAL", "err", err)
			}
			failing = err != nil
		}
	}()
	return c
}

// checkpoint runs one passive checkpoint, and restarts a WAL grown past
// maxWAL.
func (c *checkpointer) checkpoint(ctx context.Context) error {
	var busy, frames, copied int
	if err := c.conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
		return fmt.Errorf("wal checkpoint: %w", err)
	}
	// frames counts the WAL's pages since it last started afresh.
	if int64(frames)*walFrameSize <= c.maxWAL {
		return nil
	}
	// One connection: the pragmas and the checkpoint run on it in order.
	conn, err := c.conn.Conn(ctx)
	if err != nil {
		return fmt.Errorf("wal restart: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", restartWait.Milliseconds())); err != nil {
		return fmt.Errorf("wal restart: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA busy_timeout = 10000")
	// RESTART makes the writer reuse the file from its start (its size
	// stays about maxWAL); TRUNCATE, which also gives the space back, cost
	// 40 % of parvis bench's throughput in file growth and syncs. Busy
	// means a reader stayed: the next second tries again.
	if err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(RESTART)").Scan(&busy, &frames, &copied); err != nil {
		return fmt.Errorf("wal restart: %w", err)
	}
	c.tried.Add(1)
	if busy == 0 {
		c.restarted.Add(1)
	}
	return nil
}

// stop ends the checkpoints and closes the connection (the last connection
// to close checkpoints the rest and removes the WAL).
func (c *checkpointer) stop() error {
	c.cancel()
	<-c.done
	return c.conn.Close()
}
