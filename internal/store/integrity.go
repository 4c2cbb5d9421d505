package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"parvis/internal/model"
)

// EngagementRow is one favourite, boost or reply, for the integrity scans.
type EngagementRow struct {
	Kind      string // favourite, reblog, reply
	AccountID int64
	PostID    int64
	AuthorID  int64
	At        time.Time
}

// EngagementBetween returns the engagement recorded in [from, to):
// favourites, boosts and replies, with the engaged post's author. Ids are
// sortable by the time they were made, so the window is a range of primary
// keys and needs no index on the creation times.
func (q Q) EngagementBetween(ctx context.Context, from, to time.Time) ([]EngagementRow, error) {
	lo, hi := model.IDAt(from), model.IDAt(to)
	rows, err := q.q.QueryContext(ctx, `
		SELECT 'favourite', f.account_id, f.post_id, p.account_id, f.created_at
		FROM favourites f JOIN posts p ON p.id = f.post_id WHERE f.id >= $1 AND f.id < $2
		UNION ALL
		SELECT 'reblog', b.account_id, b.reblog_of_id, o.account_id, b.created_at
		FROM posts b JOIN posts o ON o.id = b.reblog_of_id WHERE b.id >= $1 AND b.id < $2 AND b.reblog_of_id IS NOT NULL
		UNION ALL
		SELECT 'reply', r.account_id, r.in_reply_to_id, r.in_reply_to_account_id, r.created_at
		FROM posts r WHERE r.id >= $1 AND r.id < $2 AND r.in_reply_to_id IS NOT NULL AND r.in_reply_to_account_id IS NOT NULL
		AND r.in_reply_to_account_id <> r.account_id`, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("load engagement: %w", err)
	}
	out, err := scanEngagement(rows)
	if err != nil {
		return nil, fmt.Errorf("load engagement: %w", err)
	}
	return out, nil
}

// scanEngagement reads and closes rows of (kind, account_id, post_id,
// author_id, engaged at in Unix ms).
func scanEngagement(rows *sql.Rows) ([]EngagementRow, error) {
	defer rows.Close()
	var out []EngagementRow
	for rows.Next() {
		var e EngagementRow
		var at int64
		if err := rows.Scan(&e.Kind, &e.AccountID, &e.PostID, &e.AuthorID, &at); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// AccountFacts are what the scans compare about accounts.
type AccountFacts struct {
	CreatedAt      time.Time
	Network        string // salted hash of the sign-up network, "" when unknown
	Client         string // salted hash of the sign-up client
	Suspended      bool
	FollowersCount int64
}

// AccountFactsFor loads creation time and sign-up hashes of accounts.
func (q Q) AccountFactsFor(ctx context.Context, ids []int64) (map[int64]AccountFacts, error) {
	out := make(map[int64]AccountFacts, len(ids))
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		query, args := inList(`SELECT a.id, a.created_at, COALESCE(u.signup_network, ''), COALESCE(u.signup_client, ''),
			a.suspended_at, a.followers_count FROM accounts a LEFT JOIN users u ON u.account_id = a.id WHERE a.id IN (%s)`, chunk)
		rows, err := q.q.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, fmt.Errorf("load account facts: %w", err)
		}
		for rows.Next() {
			var id, created, suspended int64
			var f AccountFacts
			if err := rows.Scan(&id, &created, &f.Network, &f.Client, &suspended, &f.FollowersCount); err != nil {
				rows.Close()
				return nil, fmt.Errorf("load account facts: %w", err)
			}
			f.CreatedAt, f.Suspended = fromMS(created), suspended != 0
			out[id] = f
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Finding is a stored integrity finding.
type Finding struct {
	ID         int64
	Signal     string
	Score      float64
	Reason     string
	Evidence   string // JSON
	Status     string // pending, confirmed, cleared
	DecidedBy  int64
	DecidedAt  time.Time
	WindowFrom time.Time
	WindowTo   time.Time
	CreatedAt  time.Time
	Flags      int // engagements it flags (filled by listings)
}

// InsertFinding stores a finding.
func (tx *Tx) InsertFinding(ctx context.Context, f *Finding) error {
	f.ID = tx.db.NewID(f.CreatedAt)
	f.Status = "pending"
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO integrity_findings (id, signal, score, reason, evidence, status,
		window_from, window_to, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8)`,
		f.ID, f.Signal, f.Score, f.Reason, f.Evidence, ms(f.WindowFrom), ms(f.WindowTo), ms(f.CreatedAt))
	if err != nil {
		return fmt.Errorf("store finding: %w", err)
	}
	return nil
}

// FlagEngagement ties an engagement to a finding and takes it out of the
// post's counts. An engagement already flagged (by another finding, or
// cleared by a moderator) is left alone; it reports whether a flag was
// added.
func (tx *Tx) FlagEngagement(ctx context.Context, e EngagementRow, findingID int64) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO engagement_flags (kind, account_id, post_id, author_id, finding_id,
		engaged_at, status) VALUES ($1, $2, $3, $4, $5, $6, 'pending') ON CONFLICT (kind, account_id, post_id) DO NOTHING`,
		e.Kind, e.AccountID, e.PostID, e.AuthorID, findingID, ms(e.At))
	if err != nil {
		return false, fmt.Errorf("flag engagement: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	return true, tx.discount(ctx, e.Kind, e.PostID, 1)
}

// discount moves n engagements of a kind between a post's count and its
// discounted count (n < 0 restores them).
func (tx *Tx) discount(ctx context.Context, kind string, postID int64, n int) error {
	var counter, discounted string
	switch kind {
	case "favourite":
		counter, discounted = "favourites_count", "discounted_favourites"
	case "reblog":
		counter, discounted = "reblogs_count", "discounted_reblogs"
	default:
		return nil // replies stay in threads; insights leave them out
	}
	_, err := tx.tx.ExecContext(ctx, "UPDATE posts SET "+counter+" = CASE WHEN "+counter+" - $1 < 0 THEN 0 ELSE "+counter+
		" - $1 END, "+discounted+" = CASE WHEN "+discounted+" + $1 < 0 THEN 0 ELSE "+discounted+" + $1 END WHERE id = $2", n, postID)
	if err != nil {
		return fmt.Errorf("discount %s: %w", kind, err)
	}
	return nil
}

// dropFlag deletes the flag of an engagement being undone and reports
// whether it was still discounting (pending or confirmed).
func (tx *Tx) dropFlag(ctx context.Context, kind string, accountID, postID int64) (bool, error) {
	var status string
	err := tx.tx.QueryRowContext(ctx, "DELETE FROM engagement_flags WHERE kind = $1 AND account_id = $2 AND post_id = $3 RETURNING status",
		kind, accountID, postID).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("drop flag: %w", err)
	}
	return status != "cleared", nil
}

// SetFindingStatus confirms, clears or reopens a finding. Clearing
// restores the counts its flags took out; confirming or reopening a cleared
// finding takes them out again. It is reversible both ways.
func (tx *Tx) SetFindingStatus(ctx context.Context, id int64, status string, by int64, at time.Time) error {
	var old string
	if err := tx.tx.QueryRowContext(ctx, "SELECT status FROM integrity_findings WHERE id = $1", id).Scan(&old); err != nil {
		return notFound(err, "finding")
	}
	if old == status {
		return nil
	}
	wasActive, nowActive := old != "cleared", status != "cleared"
	if wasActive != nowActive {
		rows, err := tx.tx.QueryContext(ctx, "SELECT kind, post_id FROM engagement_flags WHERE finding_id = $1", id)
		if err != nil {
			return fmt.Errorf("load flags: %w", err)
		}
		type kp struct {
			kind string
			post int64
		}
		var flags []kp
		for rows.Next() {
			var f kp
			if err := rows.Scan(&f.kind, &f.post); err != nil {
				rows.Close()
				return fmt.Errorf("load flags: %w", err)
			}
			flags = append(flags, f)
		}
		rows.Close()
		n := 1
		if !nowActive {
			n = -1
		}
		for _, f := range flags {
			if err := tx.discount(ctx, f.kind, f.post, n); err != nil {
				return err
			}
		}
	}
	if _, err := tx.tx.ExecContext(ctx, "UPDATE engagement_flags SET status = $1 WHERE finding_id = $2", status, id); err != nil {
		return fmt.Errorf("update flags: %w", err)
	}
	_, err := tx.tx.ExecContext(ctx, "UPDATE integrity_findings SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4",
		status, nullID(by), ms(at), id)
	if err != nil {
		return fmt.Errorf("update finding: %w", err)
	}
	return nil
}

const findingColumns = `f.id, f.signal, f.score, f.reason, f.evidence, f.status, COALESCE(f.decided_by, 0), f.decided_at,
	f.window_from, f.window_to, f.created_at, (SELECT COUNT(*) FROM engagement_flags e WHERE e.finding_id = f.id)`

func scanFinding(s scanner) (*Finding, error) {
	var f Finding
	var decided, from, to, created int64
	if err := s.Scan(&f.ID, &f.Signal, &f.Score, &f.Reason, &f.Evidence, &f.Status, &f.DecidedBy, &decided, &from, &to,
		&created, &f.Flags); err != nil {
		return nil, err
	}
	f.DecidedAt, f.WindowFrom, f.WindowTo, f.CreatedAt = fromMS(decided), fromMS(from), fromMS(to), fromMS(created)
	return &f, nil
}

// FindingByID loads a finding.
func (q Q) FindingByID(ctx context.Context, id int64) (*Finding, error) {
	f, err := scanFinding(q.q.QueryRowContext(ctx, "SELECT "+findingColumns+" FROM integrity_findings f WHERE f.id = $1", id))
	if err != nil {
		return nil, notFound(err, "finding")
	}
	return f, nil
}

// Findings lists findings with a status ("" for all), newest first.
func (q Q) Findings(ctx context.Context, status string, limit int) ([]*Finding, error) {
	query := "SELECT " + findingColumns + " FROM integrity_findings f"
	args := []any{limit}
	if status != "" {
		query += " WHERE f.status = $2"
		args = append(args, status)
	}
	rows, err := q.q.QueryContext(ctx, query+" ORDER BY f.id DESC LIMIT $1", args...)
	if err != nil {
		return nil, fmt.Errorf("list findings: %w", err)
	}
	defer rows.Close()
	var out []*Finding
	for rows.Next() {
		f, err := scanFinding(rows)
		if err != nil {
			return nil, fmt.Errorf("list findings: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// FlagsOf returns the engagements a finding flags.
func (q Q) FlagsOf(ctx context.Context, findingID int64, limit int) ([]EngagementRow, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT kind, account_id, post_id, author_id, engaged_at FROM engagement_flags
		WHERE finding_id = $1 ORDER BY engaged_at LIMIT $2`, findingID, limit)
	if err != nil {
		return nil, fmt.Errorf("load flags: %w", err)
	}
	out, err := scanEngagement(rows)
	if err != nil {
		return nil, fmt.Errorf("load flags: %w", err)
	}
	return out, nil
}

// DiscountedFor sums, for an author's posts created in [from, to), the
// engagement taken out by active flags, by kind.
func (q Q) DiscountedFor(ctx context.Context, authorID int64, from, to time.Time) (map[string]int64, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT e.kind, COUNT(*) FROM engagement_flags e JOIN posts p ON p.id = e.post_id
		WHERE e.author_id = $1 AND e.status <> 'cleared' AND p.created_at >= $2 AND p.created_at < $3 GROUP BY e.kind`,
		authorID, ms(from), ms(to))
	if err != nil {
		return nil, fmt.Errorf("discounted engagement: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("discounted engagement: %w", err)
		}
		out[k] = n
	}
	return out, rows.Err()
}

// Cursor returns a scan's saved position (0 when never run).
func (q Q) Cursor(ctx context.Context, name string) (int64, error) {
	var pos int64
	err := q.q.QueryRowContext(ctx, "SELECT position FROM integrity_cursor WHERE name = $1", name).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read cursor: %w", err)
	}
	return pos, nil
}

// SetCursor saves a scan's position.
func (tx *Tx) SetCursor(ctx context.Context, name string, pos int64, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO integrity_cursor (name, position, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`, name, pos, ms(at))
	if err != nil {
		return fmt.Errorf("save cursor: %w", err)
	}
	return nil
}

// SetSuspended suspends (or unsuspends) an account.
func (tx *Tx) SetSuspended(ctx context.Context, accountID int64, at time.Time) error {
	res, err := tx.tx.ExecContext(ctx, "UPDATE accounts SET suspended_at = $1 WHERE id = $2", ms(at), accountID)
	return mustAffect(res, err, "account")
}
