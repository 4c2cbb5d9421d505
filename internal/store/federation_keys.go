package store

import (
	"context"
	"fmt"
)

// InitSetting stores value under key unless the key already has a value,
// and returns the value that holds. Nodes racing to create the same
// setting (the instance actor's key) all end up with the first one.
func (db *DB) InitSetting(ctx context.Context, key, value string) (string, error) {
	err := db.Tx(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
			key, value)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("init setting %s: %w", key, err)
	}
	var v string
	if err := db.write.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = $1", key).Scan(&v); err != nil {
		return "", fmt.Errorf("load setting %s: %w", key, err)
	}
	return v, nil
}

// Setting returns one instance setting, or ENOTFOUND.
func (q Q) Setting(ctx context.Context, key string) (string, error) {
	var v string
	if err := q.q.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = $1", key).Scan(&v); err != nil {
		return "", notFound(err, "setting")
	}
	return v, nil
}
