package store

import (
	"context"
	"fmt"
	"time"

	"parvis/internal/model"
)

// TagDay is one day of a hashtag's use.
type TagDay struct {
	Day      time.Time // midnight UTC
	Uses     int64     // public posts carrying the tag that day
	Accounts int64     // distinct authors of those posts
}

// TagHistories counts, for each tag, its public uses per day since since
// (days without use are absent). Post ids follow time, so the scan is a
// range of the (tag_id, post_id) key.
func (q Q) TagHistories(ctx context.Context, tagIDs []int64, since time.Time) (map[int64][]TagDay, error) {
	out := map[int64][]TagDay{}
	if len(tagIDs) == 0 {
		return out, nil
	}
	in, args := inList("%s", tagIDs)
	args = append(args, model.IDAt(since))
	rows, err := q.q.QueryContext(ctx, fmt.Sprintf(`SELECT pt.tag_id, p.created_at / 86400000, COUNT(*), COUNT(DISTINCT p.account_id)
		FROM post_tags pt JOIN posts p ON p.id = pt.post_id
		WHERE pt.tag_id IN (%s) AND pt.post_id >= $%d AND p.visibility = 'public'
		GROUP BY pt.tag_id, p.created_at / 86400000`, in, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("tag history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, day int64
		var d TagDay
		if err := rows.Scan(&id, &day, &d.Uses, &d.Accounts); err != nil {
			return nil, fmt.Errorf("tag history: %w", err)
		}
		d.Day = time.UnixMilli(day * 86400000).UTC()
		out[id] = append(out[id], d)
	}
	return out, rows.Err()
}
