package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// Settings returns every instance setting as a map.
func (q Q) Settings(ctx context.Context) (map[string]string, error) {
	rows, err := q.q.QueryContext(ctx, "SELECT key, value FROM settings")
	if err != nil {
		return nil, fmt.Errorf("load settings: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("load settings: %w", err)
		}
		out[k] = v
	}
	return out, rows.Err()
}

// SetSetting stores one instance setting.
func (tx *Tx) SetSetting(ctx context.Context, key, value string) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("save setting %s: %w", key, err)
	}
	return nil
}

// InstanceSecret returns the server's random secret, creating it on first
// use. It lives in the database, not in a file, so that every node sharing
// the database shares it.
func (db *DB) InstanceSecret(ctx context.Context) ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("generate secret: %w", err)
	}
	err := db.Tx(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ('secret', $1) ON CONFLICT (key) DO NOTHING",
			hex.EncodeToString(b))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store secret: %w", err)
	}
	var v string
	if err := db.write.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = 'secret'").Scan(&v); err != nil {
		return nil, fmt.Errorf("load secret: %w", err)
	}
	return hex.DecodeString(v)
}
