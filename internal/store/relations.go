package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Follow is one follow edge.
type Follow struct {
	ID          int64
	AccountID   int64
	TargetID    int64
	ShowReblogs bool
	Notify      bool
	URI         string
	CreatedAt   time.Time
}

// InsertFollow records a follow and updates both counters; following twice
// is not an error and changes nothing (it returns false).
func (tx *Tx) InsertFollow(ctx context.Context, f Follow) (bool, error) {
	if f.ID == 0 {
		f.ID = tx.db.NewID(f.CreatedAt)
	}
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO follows (account_id, target_id, id, show_reblogs, notify, uri, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (account_id, target_id) DO NOTHING`,
		f.AccountID, f.TargetID, f.ID, f.ShowReblogs, f.Notify, f.URI, ms(f.CreatedAt))
	if err != nil {
		return false, fmt.Errorf("insert follow: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if err := tx.AddAccountCounter(ctx, f.AccountID, "following_count", 1); err != nil {
		return false, err
	}
	return true, tx.AddAccountCounter(ctx, f.TargetID, "followers_count", 1)
}

// UpdateFollowOptions changes show_reblogs and notify of an existing follow.
func (tx *Tx) UpdateFollowOptions(ctx context.Context, accountID, targetID int64, showReblogs, notify bool) error {
	_, err := tx.tx.ExecContext(ctx, "UPDATE follows SET show_reblogs = $1, notify = $2 WHERE account_id = $3 AND target_id = $4",
		showReblogs, notify, accountID, targetID)
	if err != nil {
		return fmt.Errorf("update follow: %w", err)
	}
	return nil
}

// DeleteFollow removes a follow and updates counters; it reports whether
// there was one.
func (tx *Tx) DeleteFollow(ctx context.Context, accountID, targetID int64) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, "DELETE FROM follows WHERE account_id = $1 AND target_id = $2", accountID, targetID)
	if err != nil {
		return false, fmt.Errorf("delete follow: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if err := tx.AddAccountCounter(ctx, accountID, "following_count", -1); err != nil {
		return false, err
	}
	return true, tx.AddAccountCounter(ctx, targetID, "followers_count", -1)
}

// FollowOf returns the follow edge, or ENOTFOUND.
func (q Q) FollowOf(ctx context.Context, accountID, targetID int64) (*Follow, error) {
	var f Follow
	var created int64
	err := q.q.QueryRowContext(ctx, `SELECT id, account_id, target_id, show_reblogs, notify, uri, created_at FROM follows
		WHERE account_id = $1 AND target_id = $2`, accountID, targetID).Scan(&f.ID, &f.AccountID, &f.TargetID,
		&f.ShowReblogs, &f.Notify, &f.URI, &created)
	if err != nil {
		return nil, notFound(err, "follow")
	}
	f.CreatedAt = fromMS(created)
	return &f, nil
}

// InsertFollowRequest records a request to follow a locked account; a
// repeated request changes nothing.
func (tx *Tx) InsertFollowRequest(ctx context.Context, accountID, targetID int64, uri string, at time.Time) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO follow_requests (account_id, target_id, id, uri, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, target_id) DO NOTHING`,
		accountID, targetID, tx.db.NewID(at), uri, ms(at))
	if err != nil {
		return false, fmt.Errorf("insert follow request: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DeleteFollowRequest removes a pending request and reports whether there
// was one.
func (tx *Tx) DeleteFollowRequest(ctx context.Context, accountID, targetID int64) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, "DELETE FROM follow_requests WHERE account_id = $1 AND target_id = $2", accountID, targetID)
	if err != nil {
		return false, fmt.Errorf("delete follow request: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// FollowRequestURI returns the ActivityPub id of a pending request.
func (q Q) FollowRequestURI(ctx context.Context, accountID, targetID int64) (string, error) {
	var uri string
	err := q.q.QueryRowContext(ctx, "SELECT uri FROM follow_requests WHERE account_id = $1 AND target_id = $2",
		accountID, targetID).Scan(&uri)
	if err != nil {
		return "", notFound(err, "follow request")
	}
	return uri, nil
}

// InsertBlock records a block; blocking twice changes nothing.
func (tx *Tx) InsertBlock(ctx context.Context, accountID, targetID int64, uri string, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO blocks (account_id, target_id, id, uri, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, target_id) DO NOTHING`,
		accountID, targetID, tx.db.NewID(at), uri, ms(at))
	if err != nil {
		return fmt.Errorf("insert block: %w", err)
	}
	return nil
}

// DeleteBlock removes a block.
func (tx *Tx) DeleteBlock(ctx context.Context, accountID, targetID int64) error {
	if _, err := tx.tx.ExecContext(ctx, "DELETE FROM blocks WHERE account_id = $1 AND target_id = $2", accountID, targetID); err != nil {
		return fmt.Errorf("delete block: %w", err)
	}
	return nil
}

// InsertMute records or updates a mute.
func (tx *Tx) InsertMute(ctx context.Context, accountID, targetID int64, notifications bool, expires, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO mutes (account_id, target_id, id, notifications, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, target_id)
		DO UPDATE SET notifications = excluded.notifications, expires_at = excluded.expires_at`,
		accountID, targetID, tx.db.NewID(at), notifications, ms(expires), ms(at))
	if err != nil {
		return fmt.Errorf("insert mute: %w", err)
	}
	return nil
}

// DeleteMute removes a mute.
func (tx *Tx) DeleteMute(ctx context.Context, accountID, targetID int64) error {
	if _, err := tx.tx.ExecContext(ctx, "DELETE FROM mutes WHERE account_id = $1 AND target_id = $2", accountID, targetID); err != nil {
		return fmt.Errorf("delete mute: %w", err)
	}
	return nil
}

// Relationship is how one account stands towards another.
type Relationship struct {
	TargetID            int64
	Following           bool
	ShowingReblogs      bool
	Notifying           bool
	FollowedBy          bool
	Blocking            bool
	BlockedBy           bool
	Muting              bool
	MutingNotifications bool
	Requested           bool
	RequestedBy         bool
}

// Relationships returns how accountID stands towards each target.
func (q Q) Relationships(ctx context.Context, accountID int64, targets []int64, now time.Time) (map[int64]*Relationship, error) {
	out := make(map[int64]*Relationship, len(targets))
	for _, t := range targets {
		out[t] = &Relationship{TargetID: t}
	}
	if len(targets) == 0 || accountID == 0 {
		return out, nil
	}
	in, args := inList("%s", targets)
	n := len(args)
	args = append(args, accountID, ms(now))
	a, nowArg := fmt.Sprintf("$%d", n+1), fmt.Sprintf("$%d", n+2)
	queries := []struct {
		q   string
		set func(r *Relationship, b1, b2 bool)
	}{
		{"SELECT target_id, show_reblogs, notify FROM follows WHERE account_id = " + a + " AND target_id IN (" + in + ")",
			func(r *Relationship, b1, b2 bool) { r.Following, r.ShowingReblogs, r.Notifying = true, b1, b2 }},
		{"SELECT account_id, TRUE, TRUE FROM follows WHERE target_id = " + a + " AND account_id IN (" + in + ")",
			func(r *Relationship, _, _ bool) { r.FollowedBy = true }},
		{"SELECT target_id, TRUE, TRUE FROM blocks WHERE account_id = " + a + " AND target_id IN (" + in + ")",
			func(r *Relationship, _, _ bool) { r.Blocking = true }},
		{"SELECT account_id, TRUE, TRUE FROM blocks WHERE target_id = " + a + " AND account_id IN (" + in + ")",
			func(r *Relationship, _, _ bool) { r.BlockedBy = true }},
		{"SELECT target_id, notifications, TRUE FROM mutes WHERE account_id = " + a + " AND target_id IN (" + in + ") AND (expires_at = 0 OR expires_at > " + nowArg + ")",
			func(r *Relationship, b1, _ bool) { r.Muting, r.MutingNotifications = true, b1 }},
		{"SELECT target_id, TRUE, TRUE FROM follow_requests WHERE account_id = " + a + " AND target_id IN (" + in + ")",
			func(r *Relationship, _, _ bool) { r.Requested = true }},
		{"SELECT account_id, TRUE, TRUE FROM follow_requests WHERE target_id = " + a + " AND account_id IN (" + in + ")",
			func(r *Relationship, _, _ bool) { r.RequestedBy = true }},
	}
	for _, qq := range queries {
		qargs := args
		if !containsArg(qq.q, nowArg) {
			qargs = args[:n+1]
		}
		rows, err := q.q.QueryContext(ctx, qq.q, qargs...)
		if err != nil {
			return nil, fmt.Errorf("load relationships: %w", err)
		}
		for rows.Next() {
			var id int64
			var b1, b2 bool
			if err := rows.Scan(&id, &b1, &b2); err != nil {
				rows.Close()
				return nil, fmt.Errorf("load relationships: %w", err)
			}
			if r, ok := out[id]; ok {
				qq.set(r, b1, b2)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("load relationships: %w", err)
		}
	}
	return out, nil
}

func containsArg(q, arg string) bool {
	for i := 0; i+len(arg) <= len(q); i++ {
		if q[i:i+len(arg)] == arg && (i+len(arg) == len(q) || q[i+len(arg)] < '0' || q[i+len(arg)] > '9') {
			return true
		}
	}
	return false
}

// NotifyAllowed reports, in one query, whether recipient is a local user
// and whether a notification from another account may reach them: neither
// blocks the other, and recipient does not mute from with notifications.
// (Relationships answers this too, with seven queries inside the writer's
// transaction of every like.)
func (q Q) NotifyAllowed(ctx context.Context, recipient, from int64, now time.Time) (local, allowed bool, err error) {
	var blocked bool
	err = q.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE account_id = $1),
		EXISTS (SELECT 1 FROM blocks WHERE account_id = $1 AND target_id = $2)
		OR EXISTS (SELECT 1 FROM blocks WHERE account_id = $2 AND target_id = $1)
		OR EXISTS (SELECT 1 FROM mutes WHERE account_id = $1 AND target_id = $2 AND notifications
			AND (expires_at = 0 OR expires_at > $3))`, recipient, from, ms(now)).Scan(&local, &blocked)
	if err != nil {
		return false, false, fmt.Errorf("check notification: %w", err)
	}
	return local, !blocked, nil
}

// IsBlockedEitherWay reports whether a blocks b or b blocks a.
func (q Q) IsBlockedEitherWay(ctx context.Context, a, b int64) (bool, error) {
	var one int
	err := q.q.QueryRowContext(ctx, `SELECT 1 FROM blocks WHERE (account_id = $1 AND target_id = $2)
		OR (account_id = $2 AND target_id = $1) LIMIT 1`, a, b).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check blocks: %w", err)
	}
	return true, nil
}

// IsFollowing reports whether a follows b.
func (q Q) IsFollowing(ctx context.Context, a, b int64) (bool, error) {
	var one int
	err := q.q.QueryRowContext(ctx, "SELECT 1 FROM follows WHERE account_id = $1 AND target_id = $2", a, b).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check follow: %w", err)
	}
	return true, nil
}

// Hidden lists, among authors, those viewer must not see: blocked either
// way or (when withMutes) muted by the viewer.
func (q Q) Hidden(ctx context.Context, viewer int64, authors []int64, withMutes bool, now time.Time) (map[int64]bool, error) {
	out := map[int64]bool{}
	if viewer == 0 || len(authors) == 0 {
		return out, nil
	}
	if q.rc != nil {
		rels, err := q.viewRelations(ctx, viewer, authors)
		if err != nil {
			return nil, err
		}
		for id, r := range rels {
			if r.blocks || r.blockedBy || withMutes && r.muted && (r.muteExpires == 0 || r.muteExpires > ms(now)) {
				out[id] = true
			}
		}
		return out, nil
	}
	in, args := inList("%s", authors)
	n := len(args)
	args = append(args, viewer)
	v := fmt.Sprintf("$%d", n+1)
	query := "SELECT target_id FROM blocks WHERE account_id = " + v + " AND target_id IN (" + in + ")" +
		" UNION SELECT account_id FROM blocks WHERE target_id = " + v + " AND account_id IN (" + in + ")"
	if withMutes {
		args = append(args, ms(now))
		query += " UNION SELECT target_id FROM mutes WHERE account_id = " + v + " AND target_id IN (" + in + ")" +
			fmt.Sprintf(" AND (expires_at = 0 OR expires_at > $%d)", n+2)
	}
	ids, err := q.queryIDs(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// FollowingAmong returns which of targets viewer follows.
func (q Q) FollowingAmong(ctx context.Context, viewer int64, targets []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if viewer == 0 || len(targets) == 0 {
		return out, nil
	}
	if q.rc != nil {
		rels, err := q.viewRelations(ctx, viewer, targets)
		if err != nil {
			return nil, err
		}
		for id, r := range rels {
			if r.follows {
				out[id] = true
			}
		}
		return out, nil
	}
	in, args := inList("%s", targets)
	args = append(args, viewer)
	ids, err := q.queryIDs(ctx, fmt.Sprintf("SELECT target_id FROM follows WHERE account_id = $%d AND target_id IN (%s)",
		len(args), in), args...)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// Page bounds a listing the way the Mastodon API does: MaxID and SinceID are
// exclusive bounds, MinID asks for the items right after it (oldest first,
// then returned newest first).
type Page struct {
	MaxID, SinceID, MinID int64
	Limit                 int
}

// where adds the page bounds on column col to a query with n arguments so
// far, and returns the extra SQL, arguments, and the ORDER BY direction.
func (p Page) where(col string, n int) (string, []any, string) {
	var sqlParts string
	var args []any
	if p.MaxID > 0 {
		args = append(args, p.MaxID)
		sqlParts += fmt.Sprintf(" AND %s < $%d", col, n+len(args))
	}
	if p.SinceID > 0 {
		args = append(args, p.SinceID)
		sqlParts += fmt.Sprintf(" AND %s > $%d", col, n+len(args))
	}
	order := "DESC"
	if p.MinID > 0 {
		args = append(args, p.MinID)
		sqlParts += fmt.Sprintf(" AND %s > $%d", col, n+len(args))
		order = "ASC"
	}
	return sqlParts, args, order
}

// listIDs runs "SELECT col FROM ... WHERE <cond>" paginated, newest first.
func (q Q) listIDs(ctx context.Context, selectFrom, col string, args []any, p Page) ([]int64, error) {
	cond, extra, order := p.where(col, len(args))
	args = append(args, extra...)
	args = append(args, p.Limit)
	ids, err := q.queryIDs(ctx, fmt.Sprintf("%s%s ORDER BY %s %s LIMIT $%d", selectFrom, cond, col, order, len(args)), args...)
	if err != nil {
		return nil, err
	}
	if order == "ASC" {
		for i, j := 0, len(ids)-1; i < j; i, j = i+1, j-1 {
			ids[i], ids[j] = ids[j], ids[i]
		}
	}
	return ids, nil
}

// IDPair is an item of a paginated list whose cursor (the follow's or
// favourite's own id) differs from the item it points to.
type IDPair struct {
	Cursor int64
	ItemID int64
}

// listPairs is listIDs for lists whose cursor differs from the item.
func (q Q) listPairs(ctx context.Context, selectFrom, col string, args []any, p Page) ([]IDPair, error) {
	cond, extra, order := p.where(col, len(args))
	args = append(args, extra...)
	args = append(args, p.Limit)
	rows, err := q.q.QueryContext(ctx, fmt.Sprintf("%s%s ORDER BY %s %s LIMIT $%d", selectFrom, cond, col, order, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	defer rows.Close()
	var out []IDPair
	for rows.Next() {
		var pr IDPair
		if err := rows.Scan(&pr.Cursor, &pr.ItemID); err != nil {
			return nil, fmt.Errorf("list: %w", err)
		}
		out = append(out, pr)
	}
	if order == "ASC" {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, rows.Err()
}

// Followers lists who follows an account, newest follow first.
func (q Q) Followers(ctx context.Context, accountID int64, p Page) ([]IDPair, error) {
	return q.listPairs(ctx, "SELECT id, account_id FROM follows WHERE target_id = $1", "id", []any{accountID}, p)
}

// Following lists whom an account follows, newest follow first.
func (q Q) Following(ctx context.Context, accountID int64, p Page) ([]IDPair, error) {
	return q.listPairs(ctx, "SELECT id, target_id FROM follows WHERE account_id = $1", "id", []any{accountID}, p)
}

// FollowRequests lists pending requests to follow an account.
func (q Q) FollowRequests(ctx context.Context, accountID int64, p Page) ([]IDPair, error) {
	return q.listPairs(ctx, "SELECT id, account_id FROM follow_requests WHERE target_id = $1", "id", []any{accountID}, p)
}

// Blocks lists whom an account blocks.
func (q Q) Blocks(ctx context.Context, accountID int64, p Page) ([]IDPair, error) {
	return q.listPairs(ctx, "SELECT id, target_id FROM blocks WHERE account_id = $1", "id", []any{accountID}, p)
}

// Mutes lists whom an account mutes.
func (q Q) Mutes(ctx context.Context, accountID int64, p Page) ([]IDPair, error) {
	return q.listPairs(ctx, "SELECT id, target_id FROM mutes WHERE account_id = $1", "id", []any{accountID}, p)
}

// LocalFollowerIDs returns the local people following an account, for
// notifications and streaming.
func (q Q) LocalFollowerIDs(ctx context.Context, accountID int64) ([]int64, error) {
	return q.queryIDs(ctx, `SELECT f.account_id FROM follows f JOIN users u ON u.account_id = f.account_id
		WHERE f.target_id = $1`, accountID)
}

// viewRelations returns, through the row cache, what stands between viewer
// and each of others (absent: nothing).
func (q Q) viewRelations(ctx context.Context, viewer int64, others []int64) (map[int64]viewRelation, error) {
	out := map[int64]viewRelation{}
	keys := make([]idPair, len(others))
	for i, id := range others {
		keys[i] = idPair{viewer, id}
	}
	miss := lookup(q.rc, &q.rc.relations, keys, func(k idPair, r viewRelation) {
		if r != (viewRelation{}) {
			out[k.b] = r
		}
	})
	if len(miss) == 0 {
		return out, nil
	}
	ids := make([]int64, len(miss))
	for i, k := range miss {
		ids[i] = k.b
	}
	in, args := inList("%s", ids)
	args = append(args, viewer)
	v := fmt.Sprintf("$%d", len(args))
	rows, err := q.q.QueryContext(ctx, "SELECT 1, target_id, 0 FROM follows WHERE account_id = "+v+" AND target_id IN ("+in+")"+
		" UNION ALL SELECT 2, target_id, 0 FROM blocks WHERE account_id = "+v+" AND target_id IN ("+in+")"+
		" UNION ALL SELECT 3, account_id, 0 FROM blocks WHERE target_id = "+v+" AND account_id IN ("+in+")"+
		" UNION ALL SELECT 4, target_id, expires_at FROM mutes WHERE account_id = "+v+" AND target_id IN ("+in+")", args...)
	if err != nil {
		return nil, fmt.Errorf("load relations: %w", err)
	}
	defer rows.Close()
	read := make(map[idPair]viewRelation, len(miss))
	for _, k := range miss {
		read[k] = viewRelation{}
	}
	for rows.Next() {
		var kind int
		var id, expires int64
		if err := rows.Scan(&kind, &id, &expires); err != nil {
			return nil, fmt.Errorf("load relations: %w", err)
		}
		k := idPair{viewer, id}
		r := read[k]
		switch kind {
		case 1:
			r.follows = true
		case 2:
			r.blocks = true
		case 3:
			r.blockedBy = true
		case 4:
			r.muted, r.muteExpires = true, expires
		}
		read[k] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load relations: %w", err)
	}
	for k, r := range read {
		if r != (viewRelation{}) {
			out[k.b] = r
		}
	}
	fill(q.rc, &q.rc.relations, q.start, read)
	return out, nil
}
