package store

import (
	"context"

	"parvis/internal/model"
)

// MediaByIDs loads attachments keyed by id (the versions of an edited post
// name theirs); missing ids are absent.
func (q Q) MediaByIDs(ctx context.Context, ids []int64) (map[int64]*model.Media, error) {
	out := map[int64]*model.Media{}
	if err := q.mediaIn(ctx, "id IN (%s)", ids, func(m *model.Media) { out[m.ID] = m }); err != nil {
		return nil, err
	}
	return out, nil
}
