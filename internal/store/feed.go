package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// AddToFeed puts a post in one reader's home feed.
func (tx *Tx) AddToFeed(ctx context.Context, readerID, postID, authorID, reblogOfID int64) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO home_feed (account_id, post_id, author_id, reblog_of_id)
		VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, readerID, postID, authorID, nullID(reblogOfID))
	if err != nil {
		return fmt.Errorf("add to feed: %w", err)
	}
	return nil
}

// ActiveFollowers returns the local followers of authorID whose home feed
// is kept (active since activeSince, with a valid feed): whom a fan-out
// writes to. It only reads, so a fan-out looks its audience up (a cost in
// proportion to the author's followers) without holding the write lock,
// which SQLite has one of: posts being published do not wait for it.
func (q Q) ActiveFollowers(ctx context.Context, authorID int64, activeSince time.Time, fromReaders bool) ([]int64, error) {
	if fromReaders {
		return q.queryIDs(ctx, `SELECT u.account_id FROM users u
			WHERE u.feed_valid = TRUE AND u.last_active_at >= $2
			AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = u.account_id AND f.target_id = $1)`, authorID, ms(activeSince))
	}
	return q.queryIDs(ctx, `SELECT f.account_id FROM follows f JOIN users u ON u.account_id = f.account_id
		WHERE f.target_id = $1 AND u.last_active_at >= $2 AND u.feed_valid = TRUE`, authorID, ms(activeSince))
}

// FeedReaders counts the people whose home feed is kept: those active
// since activeSince whose feed is valid.
func (q Q) FeedReaders(ctx context.Context, activeSince time.Time) (int64, error) {
	var n int64
	err := q.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM users WHERE feed_valid = TRUE AND last_active_at >= $1", ms(activeSince)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count feed readers: %w", err)
	}
	return n, nil
}

// FanOutTo writes a post into the home feeds of readers (a batch of
// ActiveFollowers), those of them who still follow its author; a boost
// skips followers who turned boosts off and those who already have the
// boosted post (or a boost of it) in their feed. Others get their feed
// rebuilt when they come back. It returns how many feeds it wrote to.
func (tx *Tx) FanOutTo(ctx context.Context, postID, authorID, reblogOfID int64, readers []int64) (int64, error) {
	if len(readers) == 0 {
		return 0, nil
	}
	in, args := inList("%s", readers)
	n := len(args)
	args = append(args, postID, authorID, nullID(reblogOfID))
	q := fmt.Sprintf(`INSERT INTO home_feed (account_id, post_id, author_id, reblog_of_id)
		SELECT f.account_id, CAST($%[1]d AS BIGINT), CAST($%[2]d AS BIGINT), CAST($%[3]d AS BIGINT) FROM follows f
		WHERE f.target_id = $%[2]d AND f.account_id IN (%[4]s)`, n+1, n+2, n+3, in)
	if reblogOfID != 0 {
		q += fmt.Sprintf(` AND f.show_reblogs = TRUE AND NOT EXISTS (SELECT 1 FROM home_feed h WHERE h.account_id = f.account_id
			AND (h.post_id = CAST($%[1]d AS BIGINT) OR h.reblog_of_id = CAST($%[1]d AS BIGINT)))`, n+3)
	}
	res, err := tx.tx.ExecContext(ctx, q+" ON CONFLICT DO NOTHING", args...)
	if err != nil {
		return 0, fmt.Errorf("fan out post %d: %w", postID, err)
	}
	written, _ := res.RowsAffected()
	return written, nil
}

// FeedIDs pages through a reader's home feed, newest first.
func (q Q) FeedIDs(ctx context.Context, readerID int64, p Page) ([]int64, error) {
	if q.rc != nil && p.MaxID == 0 && p.SinceID == 0 && p.MinID == 0 && p.Limit > 0 && p.Limit <= homePage {
		// The first page, read by every refresh, comes from the row cache.
		got, err := cachedLists(q, &q.rc.homes, []int64{readerID}, func(q Q, ids []int64) (map[int64][]int64, error) {
			page, err := q.listIDs(ctx, feedIDsFrom, "post_id", []any{ids[0]}, Page{Limit: homePage})
			if err != nil {
				return nil, err
			}
			return map[int64][]int64{ids[0]: page}, nil
		})
		if err != nil {
			return nil, err
		}
		ids := got[readerID]
		return ids[:min(len(ids), p.Limit)], nil
	}
	return q.listIDs(ctx, feedIDsFrom, "post_id", []any{readerID}, p)
}

const feedIDsFrom = "SELECT post_id FROM home_feed WHERE account_id = $1"

// homePage is how many of a reader's newest feed ids the row cache keeps:
// a first page of up to 40 (Mastodon's largest) is served from them.
const homePage = 40

// HomeIDsFromGraph computes a home timeline page from the follow graph
// instead of the feed: the posts (and boosts) of the accounts the reader
// follows, and the reader's own. It is the slow path: used to rebuild a
// feed, and for pages older than the feed keeps.
//
// Asking for "the newest posts by any of these 1,000 accounts" directly
// makes the database gather every post of every followed account. Instead
// the query walks back through time in growing windows of the id (which is
// time-ordered), keeping the posts whose author is followed, until the page
// is full: a page costs what the reader's recent timeline holds, not what
// their followees ever wrote.
func (q Q) HomeIDsFromGraph(ctx context.Context, readerID int64, p Page) ([]int64, error) {
	const cond = `(+p.account_id = $1 OR +p.account_id IN (SELECT target_id FROM follows WHERE account_id = $1))
		AND (p.visibility <> 'direct' OR p.account_id = $1
			OR EXISTS (SELECT 1 FROM mentions m WHERE m.post_id = p.id AND m.account_id = $1))`
	if p.MinID > 0 || p.SinceID > 0 {
		return q.listIDs(ctx, "SELECT p.id FROM posts p WHERE "+cond, "p.id", []any{readerID}, p)
	}
	upper := p.MaxID
	if upper == 0 {
		upper = IDFor(q.db.clock.Now().Add(time.Hour))
	}
	// Someone who follows accounts with few posts in all (most people)
	// is served straight from the accounts' posts: the time windows
	// would walk back through everyone's posts to find theirs.
	var authored int64
	if err := q.q.QueryRowContext(ctx, `SELECT COALESCE(SUM(a.statuses_count), 0) FROM accounts a
		WHERE a.id = $1 OR a.id IN (SELECT target_id FROM follows WHERE account_id = $1)`, readerID).Scan(&authored); err != nil {
		return nil, fmt.Errorf("home from graph: %w", err)
	}
	if authored <= graphDirectMax {
		return q.queryIDs(ctx, `SELECT p.id FROM posts p
			WHERE p.account_id IN (SELECT target_id FROM follows WHERE account_id = $1 UNION ALL SELECT $1)
			AND p.id < $2 AND (p.visibility <> 'direct' OR p.account_id = $1
				OR EXISTS (SELECT 1 FROM mentions m WHERE m.post_id = p.id AND m.account_id = $1))
			ORDER BY p.id DESC LIMIT $3`, readerID, upper, p.Limit)
	}
	var oldest int64
	if err := q.q.QueryRowContext(ctx, "SELECT COALESCE(MIN(id), 0) FROM posts").Scan(&oldest); err != nil {
		return nil, fmt.Errorf("home from graph: %w", err)
	}
	var out []int64
	window := int64(6*time.Hour/time.Millisecond) << 16
	for len(out) < p.Limit && upper > oldest {
		lower := max(upper-window, oldest)
		ids, err := q.queryIDs(ctx, "SELECT p.id FROM posts p WHERE p.id < $2 AND p.id >= $3 AND "+cond+
			" ORDER BY p.id DESC LIMIT $4", readerID, upper, lower, p.Limit-len(out))
		if err != nil {
			return nil, err
		}
		out = append(out, ids...)
		upper = lower
		window *= 2
	}
	return out, nil
}

// graphDirectMax is the most posts (all of the followed accounts' together)
// that HomeIDsFromGraph reads directly rather than through time windows.
const graphDirectMax = 20000

// IDFor is the smallest id of a row created at t (ids are time-ordered).
func IDFor(t time.Time) int64 { return t.UnixMilli() << 16 }

// RemoveAuthorFromFeed drops an author's posts and boosts from a reader's
// feed (after an unfollow, block or mute).
func (tx *Tx) RemoveAuthorFromFeed(ctx context.Context, readerID, authorID int64) error {
	_, err := tx.tx.ExecContext(ctx, "DELETE FROM home_feed WHERE account_id = $1 AND author_id = $2", readerID, authorID)
	if err != nil {
		return fmt.Errorf("clean feed: %w", err)
	}
	return nil
}

// RebuildFeed refills a reader's feed with the newest posts of the people
// they follow (at most limit), and marks it valid.
func (tx *Tx) RebuildFeed(ctx context.Context, readerID int64, limit int) error {
	ids, err := tx.HomeIDsFromGraph(ctx, readerID, Page{Limit: limit})
	if err != nil {
		return err
	}
	return tx.ReplaceFeed(ctx, readerID, ids, limit)
}

// ReplaceFeed is RebuildFeed with the timeline read beforehand (ids, newest
// first, as HomeIDsFromGraph gives them), outside the write transaction, so
// that SQLite's one writer is held for the writes only. What was posted
// since that read is added here.
func (tx *Tx) ReplaceFeed(ctx context.Context, readerID int64, ids []int64, limit int) error {
	if len(ids) > 0 {
		newer, err := tx.HomeIDsFromGraph(ctx, readerID, Page{SinceID: ids[0], Limit: limit})
		if err != nil {
			return err
		}
		if len(newer) > 0 {
			ids = append(newer, ids...)
			if len(ids) > limit {
				ids = ids[:limit]
			}
		}
	}
	if _, err := tx.tx.ExecContext(ctx, "DELETE FROM home_feed WHERE account_id = $1", readerID); err != nil {
		return fmt.Errorf("rebuild feed: %w", err)
	}
	// One statement for the whole page: row by row, a rebuild of 800
	// posts was 800 round trips inside the write transaction.
	if len(ids) > 0 {
		query, args := inList(`INSERT INTO home_feed (account_id, post_id, author_id, reblog_of_id)
			SELECT CAST($0 AS BIGINT), p.id, p.account_id, p.reblog_of_id FROM posts p WHERE p.id IN (%s)
			ON CONFLICT DO NOTHING`, ids)
		query = strings.Replace(query, "$0", fmt.Sprintf("$%d", len(args)+1), 1)
		if _, err := tx.tx.ExecContext(ctx, query, append(args, readerID)...); err != nil {
			return fmt.Errorf("rebuild feed: %w", err)
		}
	}
	_, err := tx.tx.ExecContext(ctx, "UPDATE users SET feed_valid = TRUE WHERE account_id = $1", readerID)
	if err != nil {
		return fmt.Errorf("rebuild feed: %w", err)
	}
	return nil
}

// TrimFeeds deletes feed entries older than before (pages older than that
// come from the follow graph).
func (tx *Tx) TrimFeeds(ctx context.Context, beforeID int64) (int64, error) {
	res, err := tx.tx.ExecContext(ctx, "DELETE FROM home_feed WHERE post_id < $1", beforeID)
	if err != nil {
		return 0, fmt.Errorf("trim feeds: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// Activity is what TouchActive learned.
type Activity struct {
	// WasAway is true when the user had been inactive longer than the
	// away threshold: their feed missed posts and must be rebuilt.
	WasAway bool
}

// TouchActive records that a user is active now. The caller does it at most
// once an hour per user.
func (tx *Tx) TouchActive(ctx context.Context, accountID int64, now time.Time, away time.Duration) (Activity, error) {
	var last int64
	var valid bool
	err := tx.tx.QueryRowContext(ctx, "SELECT last_active_at, feed_valid FROM users WHERE account_id = $1", accountID).
		Scan(&last, &valid)
	if err != nil {
		return Activity{}, notFound(err, "user")
	}
	wasAway := !valid || ms(now)-last > away.Milliseconds()
	q := "UPDATE users SET last_active_at = $1 WHERE account_id = $2"
	if wasAway {
		q = "UPDATE users SET last_active_at = $1, feed_valid = FALSE WHERE account_id = $2"
	}
	if _, err := tx.tx.ExecContext(ctx, q, ms(now), accountID); err != nil {
		return Activity{}, fmt.Errorf("touch activity: %w", err)
	}
	return Activity{WasAway: wasAway}, nil
}

// FeedState says whether a reader's feed can serve their home timeline.
func (q Q) FeedState(ctx context.Context, accountID int64) (valid bool, lastActive time.Time, err error) {
	if q.rc != nil {
		var st *feedState
		lookup(q.rc, &q.rc.feeds, []int64{accountID}, func(_ int64, f feedState) { st = &f })
		if st != nil {
			return st.valid, fromMS(st.lastActive), nil
		}
		valid, lastActive, err = Q{q: q.q, db: q.db}.FeedState(ctx, accountID)
		if err == nil {
			fill(q.rc, &q.rc.feeds, q.start, map[int64]feedState{accountID: {valid, ms(lastActive)}})
		}
		return valid, lastActive, err
	}
	var last int64
	err = q.q.QueryRowContext(ctx, "SELECT feed_valid, last_active_at FROM users WHERE account_id = $1", accountID).Scan(&valid, &last)
	if err != nil {
		return false, time.Time{}, notFound(err, "user")
	}
	return valid, fromMS(last), nil
}
