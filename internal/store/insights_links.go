package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"parvis/internal/model"
)

// TrackedLink is a link of a post served as https://DOMAIN/l/Code.
type TrackedLink struct {
	ID          int64
	Code        string
	AccountID   int64
	PostID      int64
	CommunityID int64 // the post's community, 0 if none
	Position    int
	URL         string
	CreatedAt   time.Time
}

// SaveTrackedLinks records the tracked links of a post (idempotent: a code
// already known is kept).
func (tx *Tx) SaveTrackedLinks(ctx context.Context, links []TrackedLink) error {
	for _, l := range links {
		_, err := tx.tx.ExecContext(ctx, `INSERT INTO insight_links (id, code, account_id, post_id, position, url, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO NOTHING`,
			tx.db.NewID(l.CreatedAt), l.Code, l.AccountID, l.PostID, l.Position, l.URL, ms(l.CreatedAt))
		if err != nil {
			return fmt.Errorf("save tracked link: %w", err)
		}
	}
	return nil
}

const trackedLinkColumns = "l.id, l.code, l.account_id, l.post_id, COALESCE(p.community_id, 0), l.position, l.url, l.created_at"

func scanTrackedLink(s scanner) (*TrackedLink, error) {
	var l TrackedLink
	var created int64
	if err := s.Scan(&l.ID, &l.Code, &l.AccountID, &l.PostID, &l.CommunityID, &l.Position, &l.URL, &created); err != nil {
		return nil, err
	}
	l.CreatedAt = fromMS(created)
	return &l, nil
}

// TrackedLinkByCode finds a tracked link; an unknown code is ENOTFOUND.
func (q Q) TrackedLinkByCode(ctx context.Context, code string) (*TrackedLink, error) {
	l, err := scanTrackedLink(q.q.QueryRowContext(ctx, "SELECT "+trackedLinkColumns+
		" FROM insight_links l JOIN posts p ON p.id = l.post_id WHERE l.code = $1", code))
	if err != nil {
		return nil, notFound(err, "link")
	}
	return l, nil
}

// TrackedLinksOf returns the tracked links of posts, in each post's order.
func (q Q) TrackedLinksOf(ctx context.Context, postIDs []int64) ([]TrackedLink, error) {
	var out []TrackedLink
	for start := 0; start < len(postIDs); start += 500 {
		chunk := postIDs[start:min(start+500, len(postIDs))]
		query, args := inList("SELECT "+trackedLinkColumns+
			" FROM insight_links l JOIN posts p ON p.id = l.post_id WHERE l.post_id IN (%s) ORDER BY l.post_id, l.position, l.id", chunk)
		rows, err := q.q.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, fmt.Errorf("load tracked links: %w", err)
		}
		for rows.Next() {
			l, err := scanTrackedLink(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("load tracked links: %w", err)
			}
			out = append(out, *l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("load tracked links: %w", err)
		}
	}
	return out, nil
}

// InsightSite is a website whose visits an account counts.
type InsightSite struct {
	ID        int64
	AccountID int64
	Key       string // the public data-site value
	Origin    string // scheme://host[:port]
	CreatedAt time.Time
}

// MaxSitesPerAccount bounds the websites one account registers.
const MaxSitesPerAccount = 20

// InsertInsightSite registers a website. The same origin twice for one
// account is ECONFLICT; more than MaxSitesPerAccount is EUNPROCESS.
func (tx *Tx) InsertInsightSite(ctx context.Context, s *InsightSite) error {
	var n int
	if err := tx.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM insight_sites WHERE account_id = $1", s.AccountID).Scan(&n); err != nil {
		return fmt.Errorf("register website: %w", err)
	}
	if n >= MaxSitesPerAccount {
		return model.Errorf(model.EUNPROCESS, "an account can register at most %d websites", MaxSitesPerAccount)
	}
	s.ID = tx.db.NewID(s.CreatedAt)
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO insight_sites (id, account_id, site_key, origin, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, s.ID, s.AccountID, s.Key, s.Origin, ms(s.CreatedAt))
	if err != nil {
		return fmt.Errorf("register website: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.Errorf(model.ECONFLICT, "this website is already registered")
	}
	return nil
}

// DeleteInsightSite removes an account's website; an unknown one is
// ENOTFOUND.
func (tx *Tx) DeleteInsightSite(ctx context.Context, accountID, siteID int64) error {
	res, err := tx.tx.ExecContext(ctx, "DELETE FROM insight_sites WHERE id = $1 AND account_id = $2", siteID, accountID)
	return mustAffect(res, err, "website")
}

const siteColumns = "id, account_id, site_key, origin, created_at"

func scanSite(s scanner) (*InsightSite, error) {
	var site InsightSite
	var created int64
	if err := s.Scan(&site.ID, &site.AccountID, &site.Key, &site.Origin, &created); err != nil {
		return nil, err
	}
	site.CreatedAt = fromMS(created)
	return &site, nil
}

// InsightSiteByKey finds a website by its public key; an unknown key is
// ENOTFOUND.
func (q Q) InsightSiteByKey(ctx context.Context, key string) (*InsightSite, error) {
	s, err := scanSite(q.q.QueryRowContext(ctx, "SELECT "+siteColumns+" FROM insight_sites WHERE site_key = $1", key))
	if err != nil {
		return nil, notFound(err, "website")
	}
	return s, nil
}

// InsightSites lists an account's websites, oldest first.
func (q Q) InsightSites(ctx context.Context, accountID int64) ([]InsightSite, error) {
	rows, err := q.q.QueryContext(ctx, "SELECT "+siteColumns+" FROM insight_sites WHERE account_id = $1 ORDER BY id", accountID)
	if err != nil {
		return nil, fmt.Errorf("list websites: %w", err)
	}
	defer rows.Close()
	var out []InsightSite
	for rows.Next() {
		s, err := scanSite(rows)
		if err != nil {
			return nil, fmt.Errorf("list websites: %w", err)
		}
		out = append(out, *s)
	}
	return out, rows.Err()
}

// LinkTracking reports whether an account's links are tracked (the
// default, when it never changed the setting).
func (q Q) LinkTracking(ctx context.Context, accountID int64) (bool, error) {
	var on bool
	err := q.q.QueryRowContext(ctx, "SELECT track_links FROM insight_settings WHERE account_id = $1", accountID).Scan(&on)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("load insights settings: %w", err)
	}
	return on, nil
}

// SetLinkTracking turns the tracking of an account's links on or off.
func (tx *Tx) SetLinkTracking(ctx context.Context, accountID int64, on bool, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO insight_settings (account_id, track_links, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (account_id) DO UPDATE SET track_links = excluded.track_links, updated_at = excluded.updated_at`,
		accountID, on, ms(at))
	if err != nil {
		return fmt.Errorf("save insights settings: %w", err)
	}
	return nil
}

// InfluenceEdges returns the weighted engagement between accounts since a
// time: for each pair (who engaged, with whom), the replies, boosts,
// mentions and favourites, flagged engagement and the boosts of
// communities' group accounts left out.
func (q Q) InfluenceEdges(ctx context.Context, since time.Time, fn func(from, to int64, kind string, n int64) error) error {
	from := model.IDAt(since)
	notFlagged := func(kind, who, post string) string {
		return `NOT EXISTS (SELECT 1 FROM engagement_flags g WHERE g.kind = '` + kind + `' AND g.account_id = ` + who +
			` AND g.post_id = ` + post + ` AND g.status IN ('pending', 'confirmed'))`
	}
	// "account_id + 0" and "GROUP BY 1, 2": grouping by a plain column,
	// SQLite walked the whole table in that column's index order (every
	// favourite ever, 13 s on a million posts) instead of the window's id
	// range and a sort (3 s).
	queries := []struct{ kind, q string }{
		{"reply", `SELECT r.account_id + 0, r.in_reply_to_account_id, COUNT(*) FROM posts r
			WHERE r.id >= $1 AND r.in_reply_to_account_id IS NOT NULL AND r.reblog_of_id IS NULL AND r.removed_at = 0
			AND r.account_id <> r.in_reply_to_account_id AND ` + notFlagged("reply", "r.account_id", "r.in_reply_to_id") + `
			GROUP BY 1, 2`},
		{"reblog", `SELECT b.account_id + 0, p.account_id, COUNT(*) FROM posts b JOIN posts p ON p.id = b.reblog_of_id
			JOIN accounts ba ON ba.id = b.account_id
			WHERE b.id >= $1 AND ba.is_group = FALSE AND b.account_id <> p.account_id
			AND ` + notFlagged("reblog", "b.account_id", "b.reblog_of_id") + `
			GROUP BY 1, 2`},
		{"mention", `SELECT p.account_id, m.account_id, COUNT(*) FROM mentions m JOIN posts p ON p.id = m.post_id
			WHERE p.id >= $1 AND p.account_id <> m.account_id AND p.removed_at = 0
			GROUP BY p.account_id, m.account_id`},
		{"favourite", `SELECT f.account_id + 0, p.account_id, COUNT(*) FROM favourites f JOIN posts p ON p.id = f.post_id
			WHERE f.id >= $1 AND f.account_id <> p.account_id AND ` + notFlagged("favourite", "f.account_id", "f.post_id") + `
			GROUP BY 1, 2`},
	}
	for _, x := range queries {
		if err := q.eachEdge(ctx, x.q, []any{from}, func(a, b, n int64) error { return fn(a, b, x.kind, n) }); err != nil {
			return fmt.Errorf("influence edges (%s): %w", x.kind, err)
		}
	}
	return nil
}

// FollowEdges calls fn for every follow.
func (q Q) FollowEdges(ctx context.Context, fn func(from, to int64) error) error {
	err := q.eachEdge(ctx, "SELECT account_id, target_id, 1 FROM follows", nil, func(a, b, _ int64) error { return fn(a, b) })
	if err != nil {
		return fmt.Errorf("follow edges: %w", err)
	}
	return nil
}

func (q Q) eachEdge(ctx context.Context, query string, args []any, fn func(a, b, n int64) error) error {
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a, b, n int64
		if err := rows.Scan(&a, &b, &n); err != nil {
			return err
		}
		if err := fn(a, b, n); err != nil {
			return err
		}
	}
	return rows.Err()
}

// InfluenceRow is one account's stored influence in a graph.
type InfluenceRow struct {
	AccountID  int64
	PageRank   float64
	Rank       int64
	Percentile float64
}

// InfluenceBatch is how many accounts' influence one transaction stores:
// the ranks of 100,000 accounts are written in short transactions rather
// than one that would hold SQLite's writer for seconds.
const InfluenceBatch = 1000

// StoreInfluence stores (or replaces) the influence of some accounts in
// graph, computed at at over a graph of nodes accounts. Each row is whole
// on its own; DeleteInfluenceBefore then removes the accounts a newer
// computation left out.
func (tx *Tx) StoreInfluence(ctx context.Context, graph string, rows []InfluenceRow, nodes int, at time.Time) error {
	if len(rows) == 0 {
		return nil
	}
	cols := []string{"graph", "account_id", "pagerank", "rank", "percentile", "nodes", "computed_at"}
	placeholder := "?"
	if tx.db.engine == Postgres {
		placeholder = "$"
	}
	args := make([]any, 0, len(rows)*len(cols))
	for _, r := range rows {
		args = append(args, graph, r.AccountID, r.PageRank, r.Rank, r.Percentile, int64(nodes), ms(at))
	}
	query := multiInsert("insight_influence", cols, len(rows), placeholder) + ` ON CONFLICT (graph, account_id) DO UPDATE
		SET pagerank = excluded.pagerank, rank = excluded.rank, percentile = excluded.percentile,
		nodes = excluded.nodes, computed_at = excluded.computed_at`
	if _, err := tx.tx.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("store influence: %w", err)
	}
	return nil
}

// DeleteInfluenceBefore removes the influence rows of graph computed
// before at: accounts that the computation at at no longer ranks.
func (tx *Tx) DeleteInfluenceBefore(ctx context.Context, graph string, at time.Time) error {
	if _, err := tx.tx.ExecContext(ctx, "DELETE FROM insight_influence WHERE graph = $1 AND computed_at < $2", graph, ms(at)); err != nil {
		return fmt.Errorf("store influence: %w", err)
	}
	return nil
}

// InfluenceComputedAt returns when the influence ranks were last stored,
// the zero time if never.
func (q Q) InfluenceComputedAt(ctx context.Context) (time.Time, error) {
	var at sql.NullInt64
	if err := q.q.QueryRowContext(ctx, "SELECT MAX(computed_at) FROM insight_influence").Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("influence computed at: %w", err)
	}
	return fromMS(at.Int64), nil
}
