package store

import (
	"context"
	"fmt"
	"time"
)

// InsertFavourite records a favourite and counts it; favouriting twice
// changes nothing and returns false.
func (tx *Tx) InsertFavourite(ctx context.Context, accountID, postID int64, uri string, at time.Time) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO favourites (id, account_id, post_id, uri, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, post_id) DO NOTHING`,
		tx.db.NewID(at), accountID, postID, uri, ms(at))
	if err != nil {
		return false, fmt.Errorf("insert favourite: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	return true, tx.AddPostCounter(ctx, postID, "favourites_count", 1)
}

// DeleteFavourite removes a favourite and reports whether there was one.
func (tx *Tx) DeleteFavourite(ctx context.Context, accountID, postID int64) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, "DELETE FROM favourites WHERE account_id = $1 AND post_id = $2", accountID, postID)
	if err != nil {
		return false, fmt.Errorf("delete favourite: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	// A flagged favourite was already taken out of the count.
	flagged, err := tx.dropFlag(ctx, "favourite", accountID, postID)
	if err != nil {
		return false, err
	}
	if flagged {
		_, err := tx.tx.ExecContext(ctx, "UPDATE posts SET discounted_favourites = discounted_favourites - 1 WHERE id = $1 AND discounted_favourites > 0", postID)
		return true, err
	}
	return true, tx.AddPostCounter(ctx, postID, "favourites_count", -1)
}

// InsertBookmark records a bookmark (idempotent).
func (tx *Tx) InsertBookmark(ctx context.Context, accountID, postID int64, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO bookmarks (id, account_id, post_id, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (account_id, post_id) DO NOTHING`, tx.db.NewID(at), accountID, postID, ms(at))
	if err != nil {
		return fmt.Errorf("insert bookmark: %w", err)
	}
	return nil
}

// DeleteBookmark removes a bookmark.
func (tx *Tx) DeleteBookmark(ctx context.Context, accountID, postID int64) error {
	if _, err := tx.tx.ExecContext(ctx, "DELETE FROM bookmarks WHERE account_id = $1 AND post_id = $2", accountID, postID); err != nil {
		return fmt.Errorf("delete bookmark: %w", err)
	}
	return nil
}

// InsertPin pins a post on its author's profile (idempotent).
func (tx *Tx) InsertPin(ctx context.Context, accountID, postID int64, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO pins (account_id, post_id, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (account_id, post_id) DO NOTHING`, accountID, postID, ms(at))
	if err != nil {
		return fmt.Errorf("insert pin: %w", err)
	}
	return nil
}

// DeletePin unpins a post.
func (tx *Tx) DeletePin(ctx context.Context, accountID, postID int64) error {
	if _, err := tx.tx.ExecContext(ctx, "DELETE FROM pins WHERE account_id = $1 AND post_id = $2", accountID, postID); err != nil {
		return fmt.Errorf("delete pin: %w", err)
	}
	return nil
}

// CountPins counts an account's pinned posts.
func (q Q) CountPins(ctx context.Context, accountID int64) (int, error) {
	var n int
	if err := q.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM pins WHERE account_id = $1", accountID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pins: %w", err)
	}
	return n, nil
}

// PinnedIDs returns an account's pinned posts, most recently pinned first.
func (q Q) PinnedIDs(ctx context.Context, accountID int64) ([]int64, error) {
	return q.queryIDs(ctx, "SELECT post_id FROM pins WHERE account_id = $1 ORDER BY created_at DESC, post_id DESC", accountID)
}

// ViewerFlags says what the viewer did to each of some posts. Discounted
// marks the viewer's own favourites and boosts that integrity flagged: the
// counts leave them out, but the viewer still sees them counted.
type ViewerFlags struct {
	Favourited, Reblogged, Bookmarked, Pinned map[int64]bool
	DiscountedFav, DiscountedReblog           map[int64]bool
}

// ViewerFlagsFor loads the viewer's favourites, boosts, bookmarks and pins
// among posts.
func (q Q) ViewerFlagsFor(ctx context.Context, viewer int64, postIDs []int64) (ViewerFlags, error) {
	f := ViewerFlags{map[int64]bool{}, map[int64]bool{}, map[int64]bool{}, map[int64]bool{}, map[int64]bool{}, map[int64]bool{}}
	if viewer == 0 || len(postIDs) == 0 {
		return f, nil
	}
	sets := [...]map[int64]bool{nil, f.Favourited, f.Reblogged, f.Bookmarked, f.Pinned, f.DiscountedFav, f.DiscountedReblog}
	if q.rc != nil {
		keys := make([]idPair, len(postIDs))
		for i, id := range postIDs {
			keys[i] = idPair{viewer, id}
		}
		miss := lookup(q.rc, &q.rc.flags, keys, func(k idPair, bits uint8) {
			for kind := 1; kind < len(sets); kind++ {
				if bits&(1<<kind) != 0 {
					sets[kind][k.b] = true
				}
			}
		})
		if len(miss) == 0 {
			return f, nil
		}
		ids := make([]int64, len(miss))
		for i, k := range miss {
			ids[i] = k.b
		}
		read, err := Q{q: q.q, db: q.db}.ViewerFlagsFor(ctx, viewer, ids)
		if err != nil {
			return f, err
		}
		readSets := [...]map[int64]bool{nil, read.Favourited, read.Reblogged, read.Bookmarked, read.Pinned, read.DiscountedFav, read.DiscountedReblog}
		vals := make(map[idPair]uint8, len(miss))
		for _, k := range miss {
			var bits uint8
			for kind := 1; kind < len(sets); kind++ {
				if readSets[kind][k.b] {
					bits |= 1 << kind
					sets[kind][k.b] = true
				}
			}
			vals[k] = bits
		}
		fill(q.rc, &q.rc.flags, q.start, vals)
		return f, nil
	}
	// One query for the six flags: each part is an index lookup per post.
	in, args := inList("%s", postIDs)
	args = append(args, viewer)
	v := fmt.Sprintf("$%d", len(args))
	query := "SELECT 1, post_id FROM favourites WHERE account_id = " + v + " AND post_id IN (" + in + ")" +
		" UNION ALL SELECT 2, reblog_of_id FROM posts WHERE account_id = " + v + " AND reblog_of_id IN (" + in + ")" +
		" UNION ALL SELECT 3, post_id FROM bookmarks WHERE account_id = " + v + " AND post_id IN (" + in + ")" +
		" UNION ALL SELECT 4, post_id FROM pins WHERE account_id = " + v + " AND post_id IN (" + in + ")" +
		" UNION ALL SELECT CASE kind WHEN 'favourite' THEN 5 ELSE 6 END, post_id FROM engagement_flags" +
		" WHERE kind IN ('favourite', 'reblog') AND status <> 'cleared' AND account_id = " + v + " AND post_id IN (" + in + ")"
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return f, fmt.Errorf("load viewer flags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind int
		var id int64
		if err := rows.Scan(&kind, &id); err != nil {
			return f, fmt.Errorf("load viewer flags: %w", err)
		}
		if kind > 0 && kind < len(sets) {
			sets[kind][id] = true
		}
	}
	if err := rows.Err(); err != nil {
		return f, fmt.Errorf("load viewer flags: %w", err)
	}
	return f, nil
}

// FavouritedBy lists who favourited a post, newest first (cursor: the
// favourite's id).
func (q Q) FavouritedBy(ctx context.Context, postID int64, p Page) ([]IDPair, error) {
	return q.listPairs(ctx, "SELECT id, account_id FROM favourites WHERE post_id = $1", "id", []any{postID}, p)
}

// RebloggedBy lists who boosted a post, newest first (cursor: the boost's
// id).
func (q Q) RebloggedBy(ctx context.Context, postID int64, p Page) ([]IDPair, error) {
	return q.listPairs(ctx, "SELECT id, account_id FROM posts WHERE reblog_of_id = $1", "id", []any{postID}, p)
}

// Favourites lists the posts an account favourited (cursor: favourite id).
func (q Q) Favourites(ctx context.Context, accountID int64, p Page) ([]IDPair, error) {
	return q.listPairs(ctx, "SELECT id, post_id FROM favourites WHERE account_id = $1", "id", []any{accountID}, p)
}

// Bookmarks lists the posts an account bookmarked (cursor: bookmark id).
func (q Q) Bookmarks(ctx context.Context, accountID int64, p Page) ([]IDPair, error) {
	return q.listPairs(ctx, "SELECT id, post_id FROM bookmarks WHERE account_id = $1", "id", []any{accountID}, p)
}
