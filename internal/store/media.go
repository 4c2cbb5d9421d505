package store

import (
	"context"
	"fmt"
	"maps"

	"parvis/internal/model"
)

const mediaColumns = `id, account_id, COALESCE(post_id, 0), position, type, mime, path, thumb_path, remote_url, size,
	width, height, thumb_width, thumb_height, blurhash, description, focus_x, focus_y, created_at`

func scanMedia(s scanner) (*model.Media, error) {
	var m model.Media
	var created int64
	err := s.Scan(&m.ID, &m.AccountID, &m.PostID, &m.Position, &m.Type, &m.MIME, &m.Path, &m.ThumbPath, &m.RemoteURL,
		&m.Size, &m.Width, &m.Height, &m.ThumbWidth, &m.ThumbHeight, &m.Blurhash, &m.Description, &m.FocusX, &m.FocusY, &created)
	if err != nil {
		return nil, err
	}
	m.CreatedAt = fromMS(created)
	return &m, nil
}

// InsertMedia stores an uploaded (or remote) attachment.
func (tx *Tx) InsertMedia(ctx context.Context, m *model.Media) error {
	if m.ID == 0 {
		m.ID = tx.db.NewID(m.CreatedAt)
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO media_attachments (id, account_id, post_id, position, type, mime, path,
		thumb_path, remote_url, size, width, height, thumb_width, thumb_height, blurhash, description, focus_x, focus_y, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
		m.ID, m.AccountID, nullID(m.PostID), m.Position, m.Type, m.MIME, m.Path, m.ThumbPath, m.RemoteURL, m.Size, m.Width,
		m.Height, m.ThumbWidth, m.ThumbHeight, m.Blurhash, m.Description, m.FocusX, m.FocusY, ms(m.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert media: %w", err)
	}
	return nil
}

// MediaByID loads an attachment.
func (q Q) MediaByID(ctx context.Context, id int64) (*model.Media, error) {
	m, err := scanMedia(q.q.QueryRowContext(ctx, "SELECT "+mediaColumns+" FROM media_attachments WHERE id = $1", id))
	if err != nil {
		return nil, notFound(err, "media")
	}
	return m, nil
}

// UpdateMediaMeta changes an attachment's alt text and focus point.
func (tx *Tx) UpdateMediaMeta(ctx context.Context, m *model.Media) error {
	res, err := tx.tx.ExecContext(ctx, "UPDATE media_attachments SET description = $1, focus_x = $2, focus_y = $3 WHERE id = $4",
		m.Description, m.FocusX, m.FocusY, m.ID)
	return mustAffect(res, err, "media")
}

// AttachMedia ties uploaded attachments to a post, in order.
func (tx *Tx) AttachMedia(ctx context.Context, postID int64, ids []int64) error {
	if _, err := tx.tx.ExecContext(ctx, "UPDATE media_attachments SET post_id = NULL WHERE post_id = $1", postID); err != nil {
		return fmt.Errorf("attach media: %w", err)
	}
	for i, id := range ids {
		if _, err := tx.tx.ExecContext(ctx, "UPDATE media_attachments SET post_id = $1, position = $2 WHERE id = $3",
			postID, i, id); err != nil {
			return fmt.Errorf("attach media: %w", err)
		}
	}
	return nil
}

// MediaOf returns the attachments of each post, in order.
func (q Q) MediaOf(ctx context.Context, postIDs []int64) (map[int64][]*model.Media, error) {
	out := map[int64][]*model.Media{}
	if q.rc != nil && len(postIDs) > 0 {
		miss := lookup(q.rc, &q.rc.media, postIDs, func(id int64, ms []model.Media) {
			for i := range ms {
				m := ms[i]
				out[id] = append(out[id], &m)
			}
		})
		if len(miss) == 0 {
			return out, nil
		}
		read, err := Q{q: q.q, db: q.db}.MediaOf(ctx, miss)
		if err != nil {
			return nil, err
		}
		vals := make(map[int64][]model.Media, len(miss))
		for _, id := range miss {
			ms := make([]model.Media, 0, len(read[id]))
			for _, m := range read[id] {
				ms = append(ms, *m)
			}
			vals[id] = ms
		}
		fill(q.rc, &q.rc.media, q.start, vals)
		maps.Copy(out, read)
		return out, nil
	}
	err := q.mediaIn(ctx, "post_id IN (%s) ORDER BY post_id, position", postIDs, func(m *model.Media) {
		out[m.PostID] = append(out[m.PostID], m)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// mediaIn loads the attachments that where selects (its %s is the list of
// ids) and gives each to add, in the order of the query.
func (q Q) mediaIn(ctx context.Context, where string, ids []int64, add func(*model.Media)) error {
	if len(ids) == 0 {
		return nil
	}
	query, args := inList("SELECT "+mediaColumns+" FROM media_attachments WHERE "+where, ids)
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("load media: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMedia(rows)
		if err != nil {
			return fmt.Errorf("load media: %w", err)
		}
		add(m)
	}
	return rows.Err()
}

// UnattachedMediaBefore lists uploads never attached to a post, created
// before id (for cleaning up).
func (q Q) UnattachedMediaBefore(ctx context.Context, beforeID int64, limit int) ([]*model.Media, error) {
	rows, err := q.q.QueryContext(ctx, "SELECT "+mediaColumns+
		" FROM media_attachments WHERE post_id IS NULL AND id < $1 ORDER BY id LIMIT $2", beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("list unattached media: %w", err)
	}
	defer rows.Close()
	var out []*model.Media
	for rows.Next() {
		m, err := scanMedia(rows)
		if err != nil {
			return nil, fmt.Errorf("list unattached media: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// DeleteMedia removes an attachment row.
func (tx *Tx) DeleteMedia(ctx context.Context, id int64) error {
	if _, err := tx.tx.ExecContext(ctx, "DELETE FROM media_attachments WHERE id = $1", id); err != nil {
		return fmt.Errorf("delete media: %w", err)
	}
	return nil
}

// MediaOfPostForDelete returns the attachments a post deletion will orphan.
func (q Q) MediaOfPostForDelete(ctx context.Context, postID int64) ([]*model.Media, error) {
	m, err := q.MediaOf(ctx, []int64{postID})
	if err != nil {
		return nil, err
	}
	return m[postID], nil
}
