package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"parvis/internal/model"
)

// InsightScope is whose figures a report reads: an account's (its posts,
// its followers) or a community's (the posts in it, its members, counted
// under its group account).
type InsightScope struct {
	AccountID   int64 // the person's account, or the community's group account
	CommunityID int64 // 0 for a person
}

// postFilter returns the SQL condition selecting the scope's posts in the
// table alias p, and its argument.
func (s InsightScope) postFilter(p string) (string, int64) {
	if s.CommunityID != 0 {
		return p + ".community_id = $1", s.CommunityID
	}
	return p + ".account_id = $1", s.AccountID
}

// InsightCount is a sum of roll-up rows, grouped as the method that
// returns it says; the fields it does not group by are zero.
type InsightCount struct {
	Bucket time.Time // the day (UTC)
	Kind   InsightKind
	PostID int64
	RefID  int64
	Source int16
	Detail string
	N      int64
}

// AllInsightKinds lists every kind, for queries about all of them.
var AllInsightKinds = []InsightKind{InsightImpression, InsightProfileView, InsightClick, InsightClickFiltered,
	InsightPageview, InsightVisit, InsightVisitor, InsightHitFiltered, InsightFollow, InsightUnfollow, InsightConnect,
	InsightDisconnect, InsightJoin, InsightLeave}

// insightGroups are the ways the report sums the roll-ups up: the
// columns selected, and their positions grouped by.
var insightGroups = map[string][2]string{
	"day":  {"(bucket / 86400000 * 86400000), kind, 0, 0, source, ''", "1, 2, 5"},
	"post": {"0, kind, post_id, 0, 0, ''", "2, 3"},
	"ref":  {"0, kind, 0, ref_id, source, detail", "2, 4, 5, 6"},
}

// InsightsByDay sums a scope's counts of kinds in [since, until) by day,
// kind and source: the daily roll-up for the days before dailyEnd, the
// hourly one after.
func (q Q) InsightsByDay(ctx context.Context, accountID int64, kinds []InsightKind, since, until, dailyEnd time.Time) ([]InsightCount, error) {
	return q.insightSums(ctx, "day", accountID, kinds, since, until, dailyEnd)
}

// InsightsByPost sums a scope's counts of kinds in [since, until) by post
// and kind.
func (q Q) InsightsByPost(ctx context.Context, accountID int64, kinds []InsightKind, since, until, dailyEnd time.Time) ([]InsightCount, error) {
	return q.insightSums(ctx, "post", accountID, kinds, since, until, dailyEnd)
}

// InsightsByRef sums a scope's counts of kinds in [since, until) by kind,
// link or site, source and detail.
func (q Q) InsightsByRef(ctx context.Context, accountID int64, kinds []InsightKind, since, until, dailyEnd time.Time) ([]InsightCount, error) {
	return q.insightSums(ctx, "ref", accountID, kinds, since, until, dailyEnd)
}

// insightSums sums the roll-ups in SQL: a month of a busy account is tens
// of thousands of rows, which cost far less to add up inside the database
// than to scan one by one.
func (q Q) insightSums(ctx context.Context, group string, accountID int64, kinds []InsightKind, since, until, dailyEnd time.Time) ([]InsightCount, error) {
	split := max(ms(since), min(ms(until), ms(dailyEnd)))
	g := insightGroups[group]
	in := kindList(kinds)
	rows, err := q.q.QueryContext(ctx, `SELECT `+g[0]+`, SUM(n) FROM (
		SELECT bucket, kind, post_id, ref_id, source, detail, n FROM insight_daily
		WHERE account_id = $1 AND kind IN (`+in+`) AND bucket >= $2 AND bucket < $3
		UNION ALL SELECT bucket, kind, post_id, ref_id, source, detail, n FROM insight_hourly
		WHERE account_id = $1 AND kind IN (`+in+`) AND bucket >= $3 AND bucket < $4) x
		GROUP BY `+g[1], accountID, ms(since), split, ms(until))
	if err != nil {
		return nil, fmt.Errorf("sum insight counts: %w", err)
	}
	defer rows.Close()
	var out []InsightCount
	for rows.Next() {
		var c InsightCount
		var bucket int64
		var kind int16
		if err := rows.Scan(&bucket, &kind, &c.PostID, &c.RefID, &c.Source, &c.Detail, &c.N); err != nil {
			return nil, fmt.Errorf("sum insight counts: %w", err)
		}
		c.Kind = InsightKind(kind)
		if bucket != 0 {
			c.Bucket = fromMS(bucket)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// kindList renders kinds for an IN (...) list; they are numbers, never input.
func kindList(kinds []InsightKind) string {
	var b strings.Builder
	for i, k := range kinds {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(int(k)))
	}
	return b.String()
}

// HourlyInsightCounts returns, per hour in [since, until), the sum of a
// scope's counts of kinds (the visits around each post).
func (q Q) HourlyInsightCounts(ctx context.Context, accountID int64, kinds []InsightKind, since, until time.Time) (map[time.Time]int64, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT bucket, SUM(n) FROM insight_hourly
		WHERE account_id = $1 AND bucket >= $2 AND bucket < $3 AND kind IN (`+kindList(kinds)+`) GROUP BY bucket`,
		accountID, ms(since), ms(until))
	if err != nil {
		return nil, fmt.Errorf("load hourly counts: %w", err)
	}
	defer rows.Close()
	out := map[time.Time]int64{}
	for rows.Next() {
		var bucket, n int64
		if err := rows.Scan(&bucket, &n); err != nil {
			return nil, fmt.Errorf("load hourly counts: %w", err)
		}
		out[fromMS(bucket)] = n
	}
	return out, rows.Err()
}

// HourlyCountsSince returns the earliest hour the hourly roll-up still
// holds everything of (the zero time: everything since the start).
func (q Q) HourlyCountsSince(ctx context.Context) (time.Time, error) {
	v, err := q.insightState(ctx, stateHourlyFrom)
	if err != nil {
		return time.Time{}, err
	}
	return fromMS(v), nil
}

// InsightPost is a post as the reports see it.
type InsightPost struct {
	ID          int64
	AccountID   int64
	InReplyToID int64
	ThreadID    int64
	CommunityID int64
	Language    string
	Text        string // the source for local posts, the HTML for remote ones
	Local       bool
	CreatedAt   time.Time
	// Flagged marks a reply whose engagement integrity flagged.
	Flagged bool
}

const insightPostColumns = `p.id, p.account_id, COALESCE(p.in_reply_to_id, 0), p.thread_id, COALESCE(p.community_id, 0),
	p.language, CASE WHEN p.text <> '' THEN p.text ELSE p.content END, p.local, p.created_at,
	EXISTS (SELECT 1 FROM engagement_flags g WHERE g.kind = 'reply' AND g.account_id = p.account_id
		AND g.post_id = p.in_reply_to_id AND g.status IN ('pending', 'confirmed'))`

func (q Q) insightPosts(ctx context.Context, query string, args ...any) ([]InsightPost, error) {
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load posts for insights: %w", err)
	}
	defer rows.Close()
	var out []InsightPost
	for rows.Next() {
		var p InsightPost
		var created int64
		if err := rows.Scan(&p.ID, &p.AccountID, &p.InReplyToID, &p.ThreadID, &p.CommunityID, &p.Language, &p.Text,
			&p.Local, &created, &p.Flagged); err != nil {
			return nil, fmt.Errorf("load posts for insights: %w", err)
		}
		p.CreatedAt = fromMS(created)
		out = append(out, p)
	}
	return out, rows.Err()
}

// ScopePosts returns the posts of a scope published in [since, until)
// (boosts and posts a moderator removed left out), oldest first.
func (q Q) ScopePosts(ctx context.Context, s InsightScope, since, until time.Time) ([]InsightPost, error) {
	cond, arg := s.postFilter("p")
	return q.insightPosts(ctx, "SELECT "+insightPostColumns+" FROM posts p WHERE "+cond+
		" AND p.reblog_of_id IS NULL AND p.removed_at = 0 AND p.id >= $2 AND p.id < $3 ORDER BY p.id",
		arg, model.IDAt(since), model.IDAt(until))
}

// ThreadsOf returns every post (boosts and removed posts left out) of the
// threads whose roots are given, oldest first.
func (q Q) ThreadsOf(ctx context.Context, roots []int64) ([]InsightPost, error) {
	var out []InsightPost
	for start := 0; start < len(roots); start += 500 {
		chunk := roots[start:min(start+500, len(roots))]
		query, args := inList("SELECT "+insightPostColumns+" FROM posts p WHERE p.thread_id IN (%s)"+
			" AND p.reblog_of_id IS NULL AND p.removed_at = 0 ORDER BY p.id", chunk)
		ps, err := q.insightPosts(ctx, query, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	return out, nil
}

// RepliesTo returns the replies by others to a scope's posts published in
// [since, until), oldest first: what people said to the account (or in the
// community), for its topics.
func (q Q) RepliesTo(ctx context.Context, s InsightScope, since, until time.Time) ([]InsightPost, error) {
	if s.CommunityID != 0 {
		return nil, nil // a community's replies are its posts already
	}
	return q.insightPosts(ctx, "SELECT "+insightPostColumns+` FROM posts p JOIN posts t ON t.id = p.in_reply_to_id
		WHERE t.account_id = $1 AND p.account_id <> $1 AND p.reblog_of_id IS NULL AND p.removed_at = 0
		AND p.id >= $2 AND p.id < $3 ORDER BY p.id`, s.AccountID, model.IDAt(since), model.IDAt(until))
}

// Engagement is one favourite, boost or reply received by a scope's post.
type Engagement struct {
	Kind      string // favourite, reblog, reply
	AccountID int64  // who engaged
	PostID    int64  // the post engaged with
	At        time.Time
	// Flagged marks engagement that integrity flagged (pending review or
	// confirmed): it counts nowhere, only in the discounted figures.
	Flagged bool
}

// EngagementsOn returns the favourites, boosts and replies that a scope's
// posts received in [since, until), from others: the author's own and the
// boosts of communities' group accounts (which share every member post)
// are no engagement.
func (q Q) EngagementsOn(ctx context.Context, s InsightScope, since, until time.Time) ([]Engagement, error) {
	cond, arg := s.postFilter("p")
	flagged := func(kind, who, post string) string {
		return `EXISTS (SELECT 1 FROM engagement_flags g WHERE g.kind = '` + kind + `' AND g.account_id = ` + who +
			` AND g.post_id = ` + post + ` AND g.status IN ('pending', 'confirmed'))`
	}
	query := `SELECT 'favourite', f.account_id, f.post_id, f.created_at, ` + flagged("favourite", "f.account_id", "f.post_id") + `
		FROM favourites f JOIN posts p ON p.id = f.post_id
		WHERE ` + cond + ` AND f.account_id <> p.account_id AND f.created_at >= $2 AND f.created_at < $3
		UNION ALL
		SELECT 'reblog', b.account_id, b.reblog_of_id, b.created_at, ` + flagged("reblog", "b.account_id", "b.reblog_of_id") + `
		FROM posts b JOIN posts p ON p.id = b.reblog_of_id JOIN accounts ba ON ba.id = b.account_id
		WHERE ` + cond + ` AND b.account_id <> p.account_id AND ba.is_group = FALSE AND b.created_at >= $2 AND b.created_at < $3
		UNION ALL
		SELECT 'reply', r.account_id, r.in_reply_to_id, r.created_at, ` + flagged("reply", "r.account_id", "r.in_reply_to_id") + `
		FROM posts r JOIN posts p ON p.id = r.in_reply_to_id
		WHERE ` + cond + ` AND r.account_id <> p.account_id AND r.reblog_of_id IS NULL AND r.removed_at = 0
		AND r.created_at >= $2 AND r.created_at < $3`
	rows, err := q.q.QueryContext(ctx, query, arg, ms(since), ms(until))
	if err != nil {
		return nil, fmt.Errorf("load engagement: %w", err)
	}
	defer rows.Close()
	var out []Engagement
	for rows.Next() {
		var e Engagement
		var at int64
		if err := rows.Scan(&e.Kind, &e.AccountID, &e.PostID, &at, &e.Flagged); err != nil {
			return nil, fmt.Errorf("load engagement: %w", err)
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// PostTagCounts counts the hashtags of posts: how many of them carry each.
func (q Q) PostTagCounts(ctx context.Context, postIDs []int64) (map[string]int, error) {
	out := map[string]int{}
	for start := 0; start < len(postIDs); start += 500 {
		chunk := postIDs[start:min(start+500, len(postIDs))]
		query, args := inList(`SELECT t.name_lower, COUNT(*) FROM post_tags pt JOIN tags t ON t.id = pt.tag_id
			WHERE pt.post_id IN (%s) GROUP BY t.name_lower`, chunk)
		rows, err := q.q.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, fmt.Errorf("count hashtags: %w", err)
		}
		for rows.Next() {
			var tag string
			var n int
			if err := rows.Scan(&tag, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("count hashtags: %w", err)
			}
			out[tag] += n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("count hashtags: %w", err)
		}
	}
	return out, nil
}

// NetworkSize is how big a scope's network is now.
type NetworkSize struct {
	Followers   int64
	Following   int64
	Connections int64
	Members     int64 // communities only
}

// NetworkSizeOf counts a scope's followers, connections and members now.
func (q Q) NetworkSizeOf(ctx context.Context, s InsightScope) (NetworkSize, error) {
	var n NetworkSize
	err := q.q.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM follows WHERE target_id = $1),
		(SELECT COUNT(*) FROM follows WHERE account_id = $1),
		(SELECT COUNT(*) FROM connections WHERE account_a = $1 OR account_b = $1),
		(SELECT COUNT(*) FROM community_members WHERE community_id = $2)`, s.AccountID, s.CommunityID).
		Scan(&n.Followers, &n.Following, &n.Connections, &n.Members)
	if err != nil {
		return n, fmt.Errorf("count network: %w", err)
	}
	return n, nil
}

// Influence is an account's standing in one graph.
type Influence struct {
	Graph      string
	PageRank   float64
	Rank       int64
	Percentile float64
	Nodes      int64
	ComputedAt time.Time
}

// InfluenceOf returns an account's influence in each graph it is part of.
func (q Q) InfluenceOf(ctx context.Context, accountID int64) (map[string]Influence, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT graph, pagerank, rank, percentile, nodes, computed_at
		FROM insight_influence WHERE account_id = $1`, accountID)
	if err != nil {
		return nil, fmt.Errorf("load influence: %w", err)
	}
	defer rows.Close()
	out := map[string]Influence{}
	for rows.Next() {
		var in Influence
		var at int64
		if err := rows.Scan(&in.Graph, &in.PageRank, &in.Rank, &in.Percentile, &in.Nodes, &at); err != nil {
			return nil, fmt.Errorf("load influence: %w", err)
		}
		in.ComputedAt = fromMS(at)
		out[in.Graph] = in
	}
	return out, rows.Err()
}

// FlaggedReplies returns which of postIDs are replies whose engagement
// integrity flagged (pending or confirmed), so that the response figures
// leave them out as every other figure does.
func (q Q) FlaggedReplies(ctx context.Context, postIDs []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	for start := 0; start < len(postIDs); start += 500 {
		chunk := postIDs[start:min(start+500, len(postIDs))]
		query, args := inList(`SELECT p.id FROM posts p WHERE p.id IN (%s) AND p.in_reply_to_id IS NOT NULL
			AND EXISTS (SELECT 1 FROM engagement_flags g WHERE g.kind = 'reply' AND g.account_id = p.account_id
			AND g.post_id = p.in_reply_to_id AND g.status IN ('pending', 'confirmed'))`, chunk)
		rows, err := q.q.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, fmt.Errorf("flagged replies: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("flagged replies: %w", err)
			}
			out[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("flagged replies: %w", err)
		}
	}
	return out, nil
}
