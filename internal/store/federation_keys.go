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

// InitAccountKey stores privatePEM as a local account's private key unless
// the account has one already, and returns the key that holds, with the
// account's public key (publicOf derives it) set to match. Nodes sharing
// the database that make a key for the same account at once all end up
// with the first one stored, never with one each.
func (tx *Tx) InitAccountKey(ctx context.Context, accountID int64, privatePEM string, publicOf func(string) (string, error)) (string, error) {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO account_keys (account_id, private_key) VALUES ($1, $2)
		ON CONFLICT (account_id) DO NOTHING`, accountID, privatePEM)
	if err != nil {
		return "", fmt.Errorf("store private key: %w", err)
	}
	var stored string
	if err := tx.tx.QueryRowContext(ctx, "SELECT private_key FROM account_keys WHERE account_id = $1", accountID).Scan(&stored); err != nil {
		return "", fmt.Errorf("load private key: %w", err)
	}
	pub, err := publicOf(stored)
	if err != nil {
		return "", fmt.Errorf("public key of account %d: %w", accountID, err)
	}
	if _, err := tx.tx.ExecContext(ctx, "UPDATE accounts SET public_key = $1 WHERE id = $2 AND public_key <> $1",
		pub, accountID); err != nil {
		return "", fmt.Errorf("store public key: %w", err)
	}
	return stored, nil
}
