package store

import (
	"context"
	"fmt"
	"time"
)

// FollowActivity is the Follow activity behind a follow or a request
// between a local and a remote account.
type FollowActivity struct {
	AccountID int64 // the follower
	TargetID  int64
	URI       string
	CreatedAt time.Time
}

// PutFollowActivity records (or replaces) the id of the Follow activity
// from accountID to targetID, and writes it on the pending request too.
func (tx *Tx) PutFollowActivity(ctx context.Context, f FollowActivity) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO federation_follows (account_id, target_id, uri, created_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, target_id) DO UPDATE SET uri = excluded.uri,
		created_at = excluded.created_at`, f.AccountID, f.TargetID, f.URI, ms(f.CreatedAt))
	if err != nil {
		return fmt.Errorf("record follow activity: %w", err)
	}
	if _, err := tx.tx.ExecContext(ctx, "UPDATE follow_requests SET uri = $1 WHERE account_id = $2 AND target_id = $3",
		f.URI, f.AccountID, f.TargetID); err != nil {
		return fmt.Errorf("record follow activity: %w", err)
	}
	if _, err := tx.tx.ExecContext(ctx, "UPDATE follows SET uri = $1 WHERE account_id = $2 AND target_id = $3",
		f.URI, f.AccountID, f.TargetID); err != nil {
		return fmt.Errorf("record follow activity: %w", err)
	}
	return nil
}

// FollowActivityOf returns the Follow activity from accountID to targetID.
func (q Q) FollowActivityOf(ctx context.Context, accountID, targetID int64) (*FollowActivity, error) {
	var f FollowActivity
	var created int64
	err := q.q.QueryRowContext(ctx, `SELECT account_id, target_id, uri, created_at FROM federation_follows
		WHERE account_id = $1 AND target_id = $2`, accountID, targetID).Scan(&f.AccountID, &f.TargetID, &f.URI, &created)
	if err != nil {
		return nil, notFound(err, "follow activity")
	}
	f.CreatedAt = fromMS(created)
	return &f, nil
}

// FollowActivityByURI finds a Follow activity by its id.
func (q Q) FollowActivityByURI(ctx context.Context, uri string) (*FollowActivity, error) {
	var f FollowActivity
	var created int64
	err := q.q.QueryRowContext(ctx, `SELECT account_id, target_id, uri, created_at FROM federation_follows
		WHERE uri = $1`, uri).Scan(&f.AccountID, &f.TargetID, &f.URI, &created)
	if err != nil {
		return nil, notFound(err, "follow activity")
	}
	f.CreatedAt = fromMS(created)
	return &f, nil
}

// DeleteFollowActivity forgets the Follow activity from accountID to
// targetID.
func (tx *Tx) DeleteFollowActivity(ctx context.Context, accountID, targetID int64) error {
	if _, err := tx.tx.ExecContext(ctx, "DELETE FROM federation_follows WHERE account_id = $1 AND target_id = $2",
		accountID, targetID); err != nil {
		return fmt.Errorf("forget follow activity: %w", err)
	}
	return nil
}

// HasFollowRequest reports whether accountID asked to follow targetID.
func (q Q) HasFollowRequest(ctx context.Context, accountID, targetID int64) (bool, error) {
	var n int
	err := q.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM follow_requests WHERE account_id = $1 AND target_id = $2",
		accountID, targetID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("check follow request: %w", err)
	}
	return n > 0, nil
}
