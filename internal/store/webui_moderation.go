package store

import (
	"context"
	"fmt"
	"time"

	"parvis/internal/model"
)

// The queries of the moderation pages of the web UI: the server's own
// moderation log, suspended accounts, a community's bans and pending
// invitations.

// ServerModerationLog pages through the server's moderation log (the
// actions outside any community: suspensions, integrity decisions), newest
// first.
func (q Q) ServerModerationLog(ctx context.Context, p Page) ([]LogEntry, error) {
	cond, extra, order := p.where("id", 0)
	args := append(extra, p.Limit)
	rows, err := q.q.QueryContext(ctx, fmt.Sprintf(`SELECT id, COALESCE(actor_id, 0), action, COALESCE(target_account_id, 0),
		COALESCE(post_id, 0), reason, created_at FROM moderation_log
		WHERE community_id IS NULL%s ORDER BY id %s LIMIT $%d`, cond, order, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("read server moderation log: %w", err)
	}
	defer rows.Close()
	var out []LogEntry
	for rows.Next() {
		var e LogEntry
		var created int64
		if err := rows.Scan(&e.ID, &e.ActorID, &e.Action, &e.TargetAccountID, &e.PostID, &e.Reason, &created); err != nil {
			return nil, fmt.Errorf("read server moderation log: %w", err)
		}
		e.CreatedAt = fromMS(created)
		out = append(out, e)
	}
	if order == "ASC" {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, rows.Err()
}

// SuspendedAccounts lists suspended accounts, the most recently suspended
// first.
func (q Q) SuspendedAccounts(ctx context.Context, limit int) ([]*model.Account, error) {
	rows, err := q.q.QueryContext(ctx, "SELECT "+accountColumns+
		" FROM accounts a WHERE a.suspended_at <> 0 ORDER BY a.suspended_at DESC, a.id LIMIT $1", limit)
	if err != nil {
		return nil, fmt.Errorf("list suspended accounts: %w", err)
	}
	defer rows.Close()
	var out []*model.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("list suspended accounts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// BanRow is a ban as moderators see it.
type BanRow struct {
	AccountID int64
	BannedBy  int64
	Reason    string
	CreatedAt time.Time
}

// BanRows lists a community's bans with their reasons, newest first.
func (q Q) BanRows(ctx context.Context, communityID int64, limit int) ([]BanRow, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT account_id, COALESCE(banned_by, 0), reason, created_at FROM community_bans
		WHERE community_id = $1 ORDER BY created_at DESC, account_id LIMIT $2`, communityID, limit)
	if err != nil {
		return nil, fmt.Errorf("list bans: %w", err)
	}
	defer rows.Close()
	var out []BanRow
	for rows.Next() {
		var b BanRow
		var created int64
		if err := rows.Scan(&b.AccountID, &b.BannedBy, &b.Reason, &created); err != nil {
			return nil, fmt.Errorf("list bans: %w", err)
		}
		b.CreatedAt = fromMS(created)
		out = append(out, b)
	}
	return out, rows.Err()
}

// CommunityInvites lists the accounts invited to a community who have not
// joined yet, newest invitation first.
func (q Q) CommunityInvites(ctx context.Context, communityID int64, limit int) ([]int64, error) {
	return q.queryIDs(ctx, `SELECT account_id FROM community_invites WHERE community_id = $1
		ORDER BY created_at DESC, account_id LIMIT $2`, communityID, limit)
}
