package store

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"
)

// VisitorSalt returns the salt of the anonymous visitors' keys for day (the
// start of a UTC day). The first node to ask for a day stores fresh (random
// bytes it drew) as that day's salt; every other node gets the same one.
// Salts of earlier days are deleted in the same transaction, so a key can
// never be recomputed once its day is over.
func (db *DB) VisitorSalt(ctx context.Context, day time.Time, fresh []byte) ([]byte, error) {
	var salt []byte
	err := db.Tx(ctx, func(tx *Tx) error {
		if _, err := tx.tx.ExecContext(ctx, "DELETE FROM insight_salts WHERE day < $1", ms(day)); err != nil {
			return err
		}
		_, err := tx.tx.ExecContext(ctx, `INSERT INTO insight_salts (day, salt, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (day) DO NOTHING`, ms(day), hex.EncodeToString(fresh), ms(db.Now()))
		if err != nil {
			return err
		}
		var s string
		if err := tx.q.QueryRowContext(ctx, "SELECT salt FROM insight_salts WHERE day = $1", ms(day)).Scan(&s); err != nil {
			return err
		}
		salt, err = hex.DecodeString(s)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("visitor salt: %w", err)
	}
	return salt, nil
}

// VisitorSaltDays lists the days whose salt is stored, for tests and checks.
func (q Q) VisitorSaltDays(ctx context.Context) ([]time.Time, error) {
	rows, err := q.q.QueryContext(ctx, "SELECT day FROM insight_salts ORDER BY day")
	if err != nil {
		return nil, fmt.Errorf("visitor salts: %w", err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var d int64
		if err := rows.Scan(&d); err != nil {
			return nil, fmt.Errorf("visitor salts: %w", err)
		}
		out = append(out, fromMS(d))
	}
	return out, rows.Err()
}
