package store

import (
	"context"
	"fmt"
)

// ThreadReplyIDsAfter lists the replies of a thread newer than afterID,
// oldest first: what a live thread page missed while it reconnected.
func (q Q) ThreadReplyIDsAfter(ctx context.Context, threadID, afterID int64, limit int) ([]int64, error) {
	return q.queryIDs(ctx, `SELECT p.id FROM posts p WHERE p.thread_id = $1 AND p.id > $2 AND p.reblog_of_id IS NULL
		AND p.in_reply_to_id IS NOT NULL ORDER BY p.id LIMIT $3`, threadID, afterID, limit)
}

// ThreadLink is a post of a thread and the post it answers (0 for the
// thread's first).
type ThreadLink struct {
	ID, InReplyTo int64
}

// ThreadShape lists the posts of a thread and what each answers, oldest
// first: the thread's tree without its posts, which a page loads only for
// the part it shows.
func (q Q) ThreadShape(ctx context.Context, threadID int64, limit int) ([]ThreadLink, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT p.id, COALESCE(p.in_reply_to_id, 0) FROM posts p
		WHERE p.thread_id = $1 AND p.reblog_of_id IS NULL ORDER BY p.id LIMIT $2`, threadID, limit)
	if err != nil {
		return nil, fmt.Errorf("load thread shape: %w", err)
	}
	defer rows.Close()
	var out []ThreadLink
	for rows.Next() {
		var l ThreadLink
		if err := rows.Scan(&l.ID, &l.InReplyTo); err != nil {
			return nil, fmt.Errorf("load thread shape: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
