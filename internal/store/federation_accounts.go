package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"parvis/internal/model"
)

// Account deletion, moves and aliases (migration 0021). A deleted local
// account keeps its row (suspended, its profile emptied) so that its
// username is never given to someone else, and its key so that its Delete
// can be signed; everything else goes, in batches (PurgeAccount*).

// MarkAccountDeleted suspends an account, empties its profile and records
// its deletion. It reports false when the account was already deleted.
func (tx *Tx) MarkAccountDeleted(ctx context.Context, accountID int64, at time.Time) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `UPDATE accounts SET deleted_at = $1,
		suspended_at = CASE WHEN suspended_at = 0 THEN $1 ELSE suspended_at END,
		display_name = '', note = '', note_html = '', avatar_path = '', header_path = '', fields = '[]',
		discoverable = FALSE, updated_at = $1
		WHERE id = $2 AND deleted_at = 0`, ms(at), accountID)
	if err != nil {
		return false, fmt.Errorf("mark account deleted: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DeleteUserOfAccount removes the local user of an account: its sessions,
// OAuth codes and tokens and password resets go with it (foreign keys),
// which signs it out everywhere.
func (tx *Tx) DeleteUserOfAccount(ctx context.Context, accountID int64) error {
	if _, err := tx.tx.ExecContext(ctx, "DELETE FROM users WHERE account_id = $1", accountID); err != nil {
		return fmt.Errorf("delete user: %w", err)
	}
	return nil
}

// PostsToPurge returns up to limit of an account's posts, newest first,
// with what DeletePost needs.
func (q Q) PostsToPurge(ctx context.Context, accountID int64, limit int) ([]*model.Post, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT id, in_reply_to_id, reblog_of_id, thread_id FROM posts
		WHERE account_id = $1 ORDER BY id DESC LIMIT $2`, accountID, limit)
	if err != nil {
		return nil, fmt.Errorf("posts to purge: %w", err)
	}
	defer rows.Close()
	var out []*model.Post
	for rows.Next() {
		var id, thread int64
		var parent, reblog *int64
		if err := rows.Scan(&id, &parent, &reblog, &thread); err != nil {
			return nil, fmt.Errorf("posts to purge: %w", err)
		}
		p := &model.Post{ID: id, AccountID: accountID, ThreadID: thread}
		if parent != nil {
			p.InReplyToID = *parent
		}
		if reblog != nil {
			p.ReblogOfID = *reblog
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// DeleteMediaOfAccount deletes up to limit of an account's attachments
// (of its posts or never attached) and returns their stored files.
func (tx *Tx) DeleteMediaOfAccount(ctx context.Context, accountID int64, limit int) (n int, keys []string, err error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT id, path, thumb_path FROM media_attachments
		WHERE account_id = $1 ORDER BY id LIMIT $2`, accountID, limit)
	if err != nil {
		return 0, nil, fmt.Errorf("media to purge: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		var path, thumb string
		if err := rows.Scan(&id, &path, &thumb); err != nil {
			rows.Close()
			return 0, nil, fmt.Errorf("media to purge: %w", err)
		}
		ids = append(ids, id)
		for _, k := range []string{path, thumb} {
			if k != "" {
				keys = append(keys, k)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("media to purge: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil, nil
	}
	query, args := inList("DELETE FROM media_attachments WHERE id IN (%s)", ids)
	if _, err := tx.tx.ExecContext(ctx, query, args...); err != nil {
		return 0, nil, fmt.Errorf("purge media: %w", err)
	}
	return len(ids), keys, nil
}

// FavouritedPostIDs returns up to limit of the posts an account favourited.
func (q Q) FavouritedPostIDs(ctx context.Context, accountID int64, limit int) ([]int64, error) {
	return q.queryIDs(ctx, "SELECT post_id FROM favourites WHERE account_id = $1 LIMIT $2", accountID, limit)
}

// PurgeFollowsOf ends up to limit follows from and to an account, keeping
// the other side's counters right, and reports how many it ended.
func (tx *Tx) PurgeFollowsOf(ctx context.Context, accountID int64, limit int) (int, error) {
	n := 0
	for _, side := range []struct{ mine, other, counter string }{
		{"account_id", "target_id", "followers_count"},
		{"target_id", "account_id", "following_count"},
	} {
		ids, err := tx.queryIDs(ctx, "SELECT "+side.other+" FROM follows WHERE "+side.mine+" = $1 LIMIT $2", accountID, limit-n)
		if err != nil {
			return n, fmt.Errorf("follows to purge: %w", err)
		}
		if len(ids) == 0 {
			continue
		}
		q, args := inList("UPDATE accounts SET "+side.counter+" = "+side.counter+" - 1 WHERE "+side.counter+" > 0 AND id IN (%s)", ids)
		if _, err := tx.tx.ExecContext(ctx, q, args...); err != nil {
			return n, fmt.Errorf("purge follows: %w", err)
		}
		q, args = inList("DELETE FROM follows WHERE "+side.other+" IN (%s)", ids)
		q += fmt.Sprintf(" AND %s = $%d", side.mine, len(args)+1)
		if _, err := tx.tx.ExecContext(ctx, q, append(args, accountID)...); err != nil {
			return n, fmt.Errorf("purge follows: %w", err)
		}
		n += len(ids)
		if n >= limit {
			return n, nil
		}
	}
	return n, nil
}

// PurgeRelationsOf removes what is left of an account once its posts,
// media, favourites and follows are gone: requests, blocks, mutes,
// bookmarks, notifications, its home feed, conversations, connections,
// introductions, memberships (with the communities' counts), invites,
// federation follow ids, aliases and insights settings.
func (tx *Tx) PurgeRelationsOf(ctx context.Context, accountID int64) error {
	stmts := []string{
		`UPDATE communities SET members_count = members_count - 1 WHERE members_count > 0 AND id IN
			(SELECT community_id FROM community_members WHERE account_id = $1)`,
		"DELETE FROM community_members WHERE account_id = $1",
		"DELETE FROM community_invites WHERE account_id = $1",
		"DELETE FROM follow_requests WHERE account_id = $1 OR target_id = $1",
		"DELETE FROM federation_follows WHERE account_id = $1 OR target_id = $1",
		"DELETE FROM blocks WHERE account_id = $1 OR target_id = $1",
		"DELETE FROM mutes WHERE account_id = $1 OR target_id = $1",
		"DELETE FROM bookmarks WHERE account_id = $1",
		"DELETE FROM notifications WHERE account_id = $1 OR from_account_id = $1",
		"DELETE FROM markers WHERE account_id = $1",
		"DELETE FROM home_feed WHERE account_id = $1",
		"DELETE FROM conversations WHERE account_id = $1",
		"DELETE FROM inbox_items WHERE account_id = $1 OR from_account_id = $1",
		"DELETE FROM connections WHERE account_a = $1 OR account_b = $1",
		"DELETE FROM connection_requests WHERE account_id = $1 OR target_id = $1",
		"DELETE FROM introductions WHERE introducer_id = $1 OR account_a = $1 OR account_b = $1",
		"DELETE FROM suggestion_dismissals WHERE account_id = $1 OR target_id = $1",
		"DELETE FROM engagement_flags WHERE account_id = $1",
		"DELETE FROM insight_links WHERE account_id = $1",
		"DELETE FROM insight_sites WHERE account_id = $1",
		"DELETE FROM insight_settings WHERE account_id = $1",
		"DELETE FROM account_aliases WHERE account_id = $1",
	}
	for _, s := range stmts {
		if _, err := tx.tx.ExecContext(ctx, s, accountID); err != nil {
			return fmt.Errorf("purge account relations: %w", err)
		}
	}
	_, err := tx.tx.ExecContext(ctx, "UPDATE accounts SET followers_count = 0, following_count = 0, statuses_count = 0 WHERE id = $1", accountID)
	if err != nil {
		return fmt.Errorf("purge account relations: %w", err)
	}
	return nil
}

// Alias is another account a local account says it also is.
type Alias struct {
	URI       string // the other account's ActivityPub id
	Acct      string // its address, user@domain
	CreatedAt time.Time
}

// AddAlias records an alias (adding it twice changes nothing).
func (tx *Tx) AddAlias(ctx context.Context, accountID int64, a Alias) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO account_aliases (account_id, uri, acct, created_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, uri) DO NOTHING`, accountID, a.URI, a.Acct, ms(a.CreatedAt))
	if err != nil {
		return fmt.Errorf("add alias: %w", err)
	}
	return nil
}

// RemoveAlias forgets an alias and reports whether there was one.
func (tx *Tx) RemoveAlias(ctx context.Context, accountID int64, uri string) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, "DELETE FROM account_aliases WHERE account_id = $1 AND uri = $2", accountID, uri)
	if err != nil {
		return false, fmt.Errorf("remove alias: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Aliases lists an account's aliases, oldest first.
func (q Q) Aliases(ctx context.Context, accountID int64) ([]Alias, error) {
	rows, err := q.q.QueryContext(ctx, "SELECT uri, acct, created_at FROM account_aliases WHERE account_id = $1 ORDER BY created_at, uri", accountID)
	if err != nil {
		return nil, fmt.Errorf("aliases: %w", err)
	}
	defer rows.Close()
	var out []Alias
	for rows.Next() {
		var a Alias
		var at int64
		if err := rows.Scan(&a.URI, &a.Acct, &at); err != nil {
			return nil, fmt.Errorf("aliases: %w", err)
		}
		a.CreatedAt = fromMS(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// SetAccountMovedTo records that an account moved to another one (0:
// the move is taken back).
func (tx *Tx) SetAccountMovedTo(ctx context.Context, accountID, movedToID int64, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, "UPDATE accounts SET moved_to_id = $1, updated_at = $2 WHERE id = $3", movedToID, ms(at), accountID)
	if err != nil {
		return fmt.Errorf("record move: %w", err)
	}
	return nil
}

// Delivery leases: at most n deliveries in flight to one server across
// every node. A delivery takes a free or expired slot of its host with one
// statement, and gives it back after.

// AcquireLease takes one of the n slots of host for holder until expires,
// and returns the slot taken, or -1 when all are busy.
func (db *DB) AcquireLease(ctx context.Context, host, holder string, n int, now, expires time.Time) (int, error) {
	// Start at a random slot, so that deliveries do not all race for slot
	// 0: most acquisitions are then one statement.
	start := rand.IntN(n)
	for i := range n {
		slot := (start + i) % n
		// One statement in autocommit: no BEGIN/COMMIT round trips.
		res, err := db.write.ExecContext(ctx, `INSERT INTO federation_leases (host, slot, holder, expires_at)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT (host, slot) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
			WHERE federation_leases.expires_at < $5`, host, slot, holder, ms(expires), ms(now))
		if err != nil {
			return -1, fmt.Errorf("acquire delivery lease: %w", err)
		}
		if k, _ := res.RowsAffected(); k > 0 {
			return slot, nil
		}
	}
	return -1, nil
}

// ReleaseLease gives a slot back, if holder still holds it.
func (db *DB) ReleaseLease(ctx context.Context, host string, slot int, holder string) error {
	_, err := db.write.ExecContext(ctx, "DELETE FROM federation_leases WHERE host = $1 AND slot = $2 AND holder = $3", host, slot, holder)
	if err != nil {
		return fmt.Errorf("release delivery lease: %w", err)
	}
	return nil
}

// InteractedRemoteRecipients returns the remote accounts, not suspended,
// that a local account followed or asked to follow, replied to,
// mentioned, favourited or boosted: with its followers, who hears of its
// deletion, as Mastodon tells them.
func (q Q) InteractedRemoteRecipients(ctx context.Context, accountID int64) ([]Recipient, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT a.id, a.domain, a.inbox, a.shared_inbox FROM accounts a
		WHERE a.domain <> '' AND a.suspended_at = 0 AND a.id IN (
			SELECT target_id FROM follows WHERE account_id = $1
			UNION SELECT target_id FROM follow_requests WHERE account_id = $1
			UNION SELECT in_reply_to_account_id FROM posts WHERE account_id = $1 AND in_reply_to_account_id IS NOT NULL
			UNION SELECT m.account_id FROM mentions m JOIN posts p ON p.id = m.post_id WHERE p.account_id = $1
			UNION SELECT p.account_id FROM favourites f JOIN posts p ON p.id = f.post_id WHERE f.account_id = $1
			UNION SELECT o.account_id FROM posts b JOIN posts o ON o.id = b.reblog_of_id WHERE b.account_id = $1)`, accountID)
	if err != nil {
		return nil, fmt.Errorf("load interacted accounts: %w", err)
	}
	defer rows.Close()
	var out []Recipient
	for rows.Next() {
		var r Recipient
		if err := rows.Scan(&r.AccountID, &r.Domain, &r.Inbox, &r.SharedInbox); err != nil {
			return nil, fmt.Errorf("load interacted accounts: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
