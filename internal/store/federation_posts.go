package store

import (
	"context"
	"fmt"
	"time"

	"parvis/internal/model"
)

// PutOrphan records that a remote reply was stored before its parent,
// whose id is parentURI.
func (tx *Tx) PutOrphan(ctx context.Context, postID int64, parentURI string) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO federation_orphans (post_id, parent_uri) VALUES ($1, $2)
		ON CONFLICT (post_id) DO UPDATE SET parent_uri = excluded.parent_uri`, postID, parentURI)
	if err != nil {
		return fmt.Errorf("record orphan reply: %w", err)
	}
	return nil
}

// AdoptOrphans links the replies waiting for parent (stored before it)
// to it: each becomes a reply of parent, and its whole subthread joins
// parent's thread. It returns the ids of the adopted replies.
func (tx *Tx) AdoptOrphans(ctx context.Context, parent *model.Post) ([]int64, error) {
	if parent.URI == "" {
		return nil, nil
	}
	ids, err := tx.queryIDs(ctx, "SELECT post_id FROM federation_orphans WHERE parent_uri = $1", parent.URI)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if id == parent.ID {
			continue
		}
		stmts := []struct {
			q    string
			args []any
		}{
			// The orphan was the root of its own thread, so its replies
			// carry its id as their thread id.
			{"UPDATE posts SET thread_id = $1 WHERE thread_id = $2", []any{parent.ThreadID, id}},
			{"UPDATE posts SET in_reply_to_id = $1, in_reply_to_account_id = $2 WHERE id = $3",
				[]any{parent.ID, parent.AccountID, id}},
			{"UPDATE posts SET replies_count = replies_count + 1 WHERE id = $1", []any{parent.ID}},
			{"DELETE FROM federation_orphans WHERE post_id = $1", []any{id}},
		}
		for _, s := range stmts {
			if _, err := tx.tx.ExecContext(ctx, s.q, s.args...); err != nil {
				return nil, fmt.Errorf("adopt orphan reply %d: %w", id, err)
			}
		}
	}
	return ids, nil
}

// FavouriteByURI finds a favourite by the id of its Like activity and
// returns who liked which post.
func (q Q) FavouriteByURI(ctx context.Context, uri string) (accountID, postID int64, err error) {
	err = q.q.QueryRowContext(ctx, "SELECT account_id, post_id FROM favourites WHERE uri = $1", uri).Scan(&accountID, &postID)
	if err != nil {
		return 0, 0, notFound(err, "favourite")
	}
	return accountID, postID, nil
}

// ReplaceRemoteMedia replaces the attachments of a remote post with media
// (referenced by their RemoteURL: no file is stored), in order.
func (tx *Tx) ReplaceRemoteMedia(ctx context.Context, postID, accountID int64, media []*model.Media, at time.Time) error {
	if _, err := tx.tx.ExecContext(ctx, "DELETE FROM media_attachments WHERE post_id = $1", postID); err != nil {
		return fmt.Errorf("replace remote media: %w", err)
	}
	for i, m := range media {
		m.ID, m.PostID, m.AccountID, m.Position, m.CreatedAt = 0, postID, accountID, i, at
		if err := tx.InsertMedia(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// LockPost holds a post's row until the transaction ends, so that
// concurrent transactions about the post (the same boost brought by two
// activities at once) run one after the other. SQLite's single writer
// already serialises them.
func (tx *Tx) LockPost(ctx context.Context, id int64) error {
	if tx.db.engine != Postgres {
		return nil
	}
	if _, err := tx.tx.ExecContext(ctx, "SELECT id FROM posts WHERE id = $1 FOR UPDATE", id); err != nil {
		return fmt.Errorf("lock post %d: %w", id, err)
	}
	return nil
}
