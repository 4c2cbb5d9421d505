package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"parvis/internal/model"
)

// ReadSnapshot runs fn with a Q whose reads all see the database as it was
// at one instant, so that an export that reads for a while (posts, then
// media, then follows) is consistent with itself while people keep
// posting. On SQLite it is a read transaction on the read pool; on
// PostgreSQL a read-only REPEATABLE READ transaction.
func (db *DB) ReadSnapshot(ctx context.Context, fn func(q Q) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.engine == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := db.read.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin read snapshot: %w", err)
	}
	defer tx.Rollback()
	return fn(Q{q: tx, db: db})
}

// ExportedRelation is an account another one follows, blocks or mutes, as
// the exports name it, with the options of the relation.
type ExportedRelation struct {
	Username string
	Domain   string // "" for a local account
	// Follows only.
	ShowReblogs bool
	Notify      bool
	// Mutes only: the mute also hides notifications.
	HideNotifications bool
}

// queryRelations runs a query selecting username, domain and three flags.
func (q Q) queryRelations(ctx context.Context, query string, args ...any) ([]ExportedRelation, error) {
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("export relations: %w", err)
	}
	defer rows.Close()
	var out []ExportedRelation
	for rows.Next() {
		var r ExportedRelation
		if err := rows.Scan(&r.Username, &r.Domain, &r.ShowReblogs, &r.Notify, &r.HideNotifications); err != nil {
			return nil, fmt.Errorf("export relations: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// FollowingForExport lists the accounts accountID follows, newest follow
// first (the order of Mastodon's export).
func (q Q) FollowingForExport(ctx context.Context, accountID int64) ([]ExportedRelation, error) {
	return q.queryRelations(ctx, `SELECT a.username, a.domain, f.show_reblogs, f.notify, FALSE
		FROM follows f JOIN accounts a ON a.id = f.target_id
		WHERE f.account_id = $1 ORDER BY f.id DESC`, accountID)
}

// BlocksForExport lists the accounts accountID blocks, newest first.
func (q Q) BlocksForExport(ctx context.Context, accountID int64) ([]ExportedRelation, error) {
	return q.queryRelations(ctx, `SELECT a.username, a.domain, FALSE, FALSE, FALSE
		FROM blocks b JOIN accounts a ON a.id = b.target_id
		WHERE b.account_id = $1 ORDER BY b.id DESC`, accountID)
}

// MutesForExport lists the accounts accountID mutes at now (expired mutes
// left out), newest first.
func (q Q) MutesForExport(ctx context.Context, accountID int64, now time.Time) ([]ExportedRelation, error) {
	return q.queryRelations(ctx, `SELECT a.username, a.domain, FALSE, FALSE, m.notifications
		FROM mutes m JOIN accounts a ON a.id = m.target_id
		WHERE m.account_id = $1 AND (m.expires_at = 0 OR m.expires_at > $2) ORDER BY m.id DESC`, accountID, ms(now))
}

// CountPostsForExport counts the posts (and boosts) of an account that an
// export holds: all but those removed by moderators.
func (q Q) CountPostsForExport(ctx context.Context, accountID int64) (int64, error) {
	var n int64
	err := q.q.QueryRowContext(ctx, "SELECT count(*) FROM posts WHERE account_id = $1 AND removed_at = 0", accountID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count posts: %w", err)
	}
	return n, nil
}

// PostsForExport returns up to limit posts (and boosts) of an account with
// ids above afterID, oldest first, leaving out posts removed by
// moderators. Calling it again with the last id returned pages through
// them all on the (account_id, id) index.
func (q Q) PostsForExport(ctx context.Context, accountID, afterID int64, limit int) ([]*model.Post, error) {
	return q.queryPosts(ctx, "SELECT "+postColumns+` FROM posts p
		WHERE p.account_id = $1 AND p.id > $2 AND p.removed_at = 0 ORDER BY p.id LIMIT $3`, accountID, afterID, limit)
}

// ExportedPost names a post someone favourited or bookmarked: enough to
// give its ActivityPub id.
type ExportedPost struct {
	ID             int64
	URI            string // "" for a local post, whose id derives from its author and id
	AuthorUsername string
	AuthorDomain   string
}

func (q Q) queryExportedPosts(ctx context.Context, table string, accountID int64) ([]ExportedPost, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT p.id, p.uri, a.username, a.domain FROM `+table+` r
		JOIN posts p ON p.id = r.post_id JOIN accounts a ON a.id = p.account_id
		WHERE r.account_id = $1 ORDER BY r.id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", table, err)
	}
	defer rows.Close()
	var out []ExportedPost
	for rows.Next() {
		var p ExportedPost
		if err := rows.Scan(&p.ID, &p.URI, &p.AuthorUsername, &p.AuthorDomain); err != nil {
			return nil, fmt.Errorf("export %s: %w", table, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// FavouritesForExport lists the posts an account favourited, oldest first.
func (q Q) FavouritesForExport(ctx context.Context, accountID int64) ([]ExportedPost, error) {
	return q.queryExportedPosts(ctx, "favourites", accountID)
}

// BookmarksForExport lists the posts an account bookmarked, oldest first.
func (q Q) BookmarksForExport(ctx context.Context, accountID int64) ([]ExportedPost, error) {
	return q.queryExportedPosts(ctx, "bookmarks", accountID)
}
