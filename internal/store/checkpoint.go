package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
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
	cancel context.CancelFunc
	done   chan struct{}
}

func startCheckpointer(conn *sql.DB, log *slog.Logger, every time.Duration, also func(context.Context) error) *checkpointer {
	conn.SetMaxOpenConns(1)
	conn.SetMaxIdleConns(1)
	conn.SetConnMaxIdleTime(0)
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{conn: conn, cancel: cancel, done: make(chan struct{})}
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

// checkpoint runs one passive checkpoint.
func (c *checkpointer) checkpoint(ctx context.Context) error {
	var busy, frames, copied int
	if err := c.conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
		return fmt.Errorf("wal checkpoint: %w", err)
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
