package store

import (
	"context"
	"fmt"
	"time"
)

// InstanceUsage is what the instance and NodeInfo endpoints tell about the
// server's size.
type InstanceUsage struct {
	Users          int64 // local people who may log in
	ActiveMonth    int64 // of those, active in the last 30 days
	ActiveHalfYear int64 // active in the last 180 days
	LocalPosts     int64 // posts (and boosts) by local accounts, as Mastodon counts them
	Domains        int64 // other servers whose accounts are known here
}

// InstanceUsage counts users, activity, local posts and known domains at
// now. Local posts are the sum of the local accounts' counters, as Mastodon
// computes it, so no query scans the posts table.
func (q Q) InstanceUsage(ctx context.Context, now time.Time) (InstanceUsage, error) {
	var u InstanceUsage
	err := q.q.QueryRowContext(ctx, `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN u.last_active_at >= $1 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN u.last_active_at >= $2 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(a.statuses_count), 0)
		FROM users u JOIN accounts a ON a.id = u.account_id
		WHERE u.approved = TRUE AND u.disabled = FALSE AND a.suspended_at = 0`,
		ms(now.Add(-30*24*time.Hour)), ms(now.Add(-180*24*time.Hour))).Scan(&u.Users, &u.ActiveMonth, &u.ActiveHalfYear, &u.LocalPosts)
	if err != nil {
		return u, fmt.Errorf("count users: %w", err)
	}
	if err := q.q.QueryRowContext(ctx, "SELECT COUNT(DISTINCT domain) FROM accounts WHERE domain <> ''").Scan(&u.Domains); err != nil {
		return u, fmt.Errorf("count domains: %w", err)
	}
	return u, nil
}
