package store

import (
	"context"
	"fmt"
	"time"
)

// Hit counts one event against key in the fixed window of length window that
// contains now, and returns the count so far in that window. The counter lives
// in the database so that every node sees the same count.
func (db *DB) Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error) {
	var n int64
	err := db.Tx(ctx, func(tx *Tx) (err error) {
		n, err = tx.Hit(ctx, key, window, now)
		return err
	})
	return n, err
}

// Hit is DB.Hit inside a transaction: the event counts if the transaction
// commits (one write transaction for an action and its count).
func (tx *Tx) Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error) {
	start := now.UnixMilli() - now.UnixMilli()%window.Milliseconds()
	var n int64
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1)
		ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1 RETURNING count`,
		key, start).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("rate limit %s: %w", key, err)
	}
	return n, nil
}

// Hits returns the count of key in the window containing now, without
// counting anything.
func (q Q) Hits(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error) {
	start := now.UnixMilli() - now.UnixMilli()%window.Milliseconds()
	var n int64
	err := q.q.QueryRowContext(ctx, "SELECT COALESCE(SUM(count), 0) FROM rate_limits WHERE key = $1 AND window_start = $2",
		key, start).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("rate limit %s: %w", key, err)
	}
	return n, nil
}

// ResetHits forgets the counts of key (after a successful login, say).
func (tx *Tx) ResetHits(ctx context.Context, key string) error {
	if _, err := tx.tx.ExecContext(ctx, "DELETE FROM rate_limits WHERE key = $1", key); err != nil {
		return fmt.Errorf("reset rate limit: %w", err)
	}
	return nil
}
