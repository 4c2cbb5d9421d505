package store

import (
	"context"
	"fmt"
)

// SampleActiveUserIDs returns up to n local users who may act (approved,
// not disabled, their account not suspended), chosen at random: the
// accounts a load test acts as.
func (q Q) SampleActiveUserIDs(ctx context.Context, n int) ([]int64, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT u.id FROM users u JOIN accounts a ON a.id = u.account_id
		WHERE u.approved = TRUE AND u.disabled = FALSE AND a.suspended_at = 0 ORDER BY random() LIMIT $1`, n)
	if err != nil {
		return nil, fmt.Errorf("sample users: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sample users: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
