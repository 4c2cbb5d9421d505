package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// MarkActivitySeen records that the activity with id was accepted by an
// inbox, and reports false when it had already been: the caller then
// leaves it alone, which makes inboxes idempotent.
func (tx *Tx) MarkActivitySeen(ctx context.Context, id string, at time.Time) (bool, error) {
	sum := sha256.Sum256([]byte(id))
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO federation_activities (id_hash, received_at) VALUES ($1, $2)
		ON CONFLICT (id_hash) DO NOTHING`, hex.EncodeToString(sum[:]), ms(at))
	if err != nil {
		return false, fmt.Errorf("record activity: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// SweepActivities forgets activities received before t.
func (tx *Tx) SweepActivities(ctx context.Context, before time.Time) (int64, error) {
	res, err := tx.tx.ExecContext(ctx, "DELETE FROM federation_activities WHERE received_at < $1", ms(before))
	if err != nil {
		return 0, fmt.Errorf("sweep activities: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
