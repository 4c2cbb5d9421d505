package store

import (
	"context"
	"fmt"
	"time"

	"parvis/internal/model"
)

// Trend is a post or hashtag with its trending score.
type Trend struct {
	ID       int64
	Score    float64
	Accounts int64 // distinct accounts behind the score
}

// TrendingPosts ranks the public posts made since postedSince by the
// engagement they received since since: a favourite counts 1, a boost 2.
// Engagement the integrity scans flagged (and not cleared) and engagement by
// suspended accounts count for nothing, so a bought crowd cannot push a post
// into the trends. Posts need minAccounts distinct engaging accounts.
// Ids follow time, so both windows are ranges of primary keys.
func (q Q) TrendingPosts(ctx context.Context, since, postedSince time.Time, minAccounts int64, limit, offset int) ([]Trend, error) {
	rows, err := q.q.QueryContext(ctx, `
		SELECT e.post_id, SUM(e.w), COUNT(DISTINCT e.account_id)
		FROM (
			SELECT f.post_id, f.account_id, 1 AS w FROM favourites f
			WHERE f.id >= $1 AND f.post_id >= $2 AND NOT EXISTS (SELECT 1 FROM engagement_flags g
				WHERE g.kind = 'favourite' AND g.account_id = f.account_id AND g.post_id = f.post_id AND g.status <> 'cleared')
			UNION ALL
			SELECT b.reblog_of_id, b.account_id, 2 AS w FROM posts b
			WHERE b.id >= $1 AND b.reblog_of_id >= $2 AND NOT EXISTS (SELECT 1 FROM engagement_flags g
				WHERE g.kind = 'reblog' AND g.account_id = b.account_id AND g.post_id = b.reblog_of_id AND g.status <> 'cleared')
		) e
		JOIN accounts ea ON ea.id = e.account_id AND ea.suspended_at = 0
		JOIN posts p ON p.id = e.post_id AND p.visibility = 'public' AND p.reblog_of_id IS NULL
		JOIN accounts pa ON pa.id = p.account_id AND pa.suspended_at = 0
		GROUP BY e.post_id
		HAVING COUNT(DISTINCT e.account_id) >= $3
		ORDER BY SUM(e.w) DESC, e.post_id DESC
		LIMIT $4 OFFSET $5`, model.IDAt(since), model.IDAt(postedSince), minAccounts, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("trending posts: %w", err)
	}
	return scanTrends(rows)
}

// TagUses counts, per hashtag, the distinct accounts that used it in public
// posts in [from, to); suspended accounts are left out.
func (q Q) TagUses(ctx context.Context, from, to time.Time, minAccounts int64, limit int) ([]Trend, error) {
	rows, err := q.q.QueryContext(ctx, `
		SELECT pt.tag_id, COUNT(*), COUNT(DISTINCT p.account_id)
		FROM posts p
		JOIN post_tags pt ON pt.post_id = p.id
		JOIN accounts a ON a.id = p.account_id AND a.suspended_at = 0
		WHERE p.id >= $1 AND p.id < $2 AND p.visibility = 'public' AND p.reblog_of_id IS NULL
		GROUP BY pt.tag_id
		HAVING COUNT(DISTINCT p.account_id) >= $3
		ORDER BY COUNT(DISTINCT p.account_id) DESC, pt.tag_id
		LIMIT $4`, model.IDAt(from), model.IDAt(to), minAccounts, limit)
	if err != nil {
		return nil, fmt.Errorf("tag uses: %w", err)
	}
	return scanTrends(rows)
}

// TagAccountDays sums, per hashtag, the distinct accounts that used it in
// public posts on each day (24-hour slice from from) of [from, to): an
// account using a tag on three days counts three.
func (q Q) TagAccountDays(ctx context.Context, from, to time.Time) (map[int64]int64, error) {
	rows, err := q.q.QueryContext(ctx, `
		SELECT d.tag_id, SUM(d.n) FROM (
			SELECT pt.tag_id, (p.created_at - $3) / 86400000 AS day, COUNT(DISTINCT p.account_id) AS n
			FROM posts p
			JOIN post_tags pt ON pt.post_id = p.id
			JOIN accounts a ON a.id = p.account_id AND a.suspended_at = 0
			WHERE p.id >= $1 AND p.id < $2 AND p.visibility = 'public' AND p.reblog_of_id IS NULL
			GROUP BY pt.tag_id, (p.created_at - $3) / 86400000
		) d GROUP BY d.tag_id`, model.IDAt(from), model.IDAt(to), from.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("tag account-days: %w", err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var id, n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("tag account-days: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}

// TagsByIDs loads hashtags (without their post counts).
func (q Q) TagsByIDs(ctx context.Context, ids []int64) (map[int64]Tag, error) {
	out := map[int64]Tag{}
	if len(ids) == 0 {
		return out, nil
	}
	query, args := inList(`SELECT id, name FROM tags WHERE id IN (%s)`, ids)
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t Tag
		if err := rows.Scan(&t.ID, &t.Name); err != nil {
			return nil, fmt.Errorf("load tags: %w", err)
		}
		out[t.ID] = t
	}
	return out, rows.Err()
}

type rowScanner interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}

func scanTrends(rows rowScanner) ([]Trend, error) {
	defer rows.Close()
	var out []Trend
	for rows.Next() {
		var t Trend
		if err := rows.Scan(&t.ID, &t.Score, &t.Accounts); err != nil {
			return nil, fmt.Errorf("trends: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
