package store

import (
	"context"
	"fmt"

	"parvis/internal/model"
)

// MediaByIDs loads attachments keyed by id (the versions of an edited post
// name theirs); missing ids are absent.
func (q Q) MediaByIDs(ctx context.Context, ids []int64) (map[int64]*model.Media, error) {
	out := map[int64]*model.Media{}
	if len(ids) == 0 {
		return out, nil
	}
	query, args := inList("SELECT "+mediaColumns+" FROM media_attachments WHERE id IN (%s)", ids)
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load media: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMedia(rows)
		if err != nil {
			return nil, fmt.Errorf("load media: %w", err)
		}
		out[m.ID] = m
	}
	return out, rows.Err()
}
