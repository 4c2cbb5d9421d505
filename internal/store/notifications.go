package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"parvis/internal/model"
)

// InsertNotification records a notification once: the same actor doing the
// same thing to the same post twice notifies once. It returns the stored
// notification, or nil when it already existed.
func (tx *Tx) InsertNotification(ctx context.Context, n model.Notification) (*model.Notification, error) {
	if n.ID == 0 {
		n.ID = tx.db.NewID(n.CreatedAt)
	}
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO notifications (id, account_id, from_account_id, type, post_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
		n.ID, n.AccountID, n.FromAccountID, n.Type, nullID(n.PostID), ms(n.CreatedAt))
	if err != nil {
		return nil, fmt.Errorf("insert notification: %w", err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return nil, nil
	}
	return &n, nil
}

// DeleteNotificationsAbout removes the notifications an action caused, when
// it is undone (an unfavourite removes the favourite notification).
func (tx *Tx) DeleteNotificationsAbout(ctx context.Context, fromAccountID int64, typ string, postID int64) error {
	q := "DELETE FROM notifications WHERE from_account_id = $1 AND type = $2 AND post_id = $3"
	args := []any{fromAccountID, typ, postID}
	if postID == 0 {
		q = "DELETE FROM notifications WHERE from_account_id = $1 AND type = $2 AND post_id IS NULL"
		args = args[:2]
	}
	if _, err := tx.tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("delete notifications: %w", err)
	}
	return nil
}

// DeleteNotificationsBetween removes what from did to account (after a block).
func (tx *Tx) DeleteNotificationsBetween(ctx context.Context, accountID, fromAccountID int64) error {
	_, err := tx.tx.ExecContext(ctx, "DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2", accountID, fromAccountID)
	if err != nil {
		return fmt.Errorf("delete notifications: %w", err)
	}
	return nil
}

// NotificationFilter narrows a notification listing.
type NotificationFilter struct {
	Types        []string
	ExcludeTypes []string
	FromAccount  int64
}

// Notifications pages through an account's notifications, newest first.
func (q Q) Notifications(ctx context.Context, accountID int64, f NotificationFilter, p Page) ([]model.Notification, error) {
	args := []any{accountID}
	where := "account_id = $1"
	addList := func(col string, not bool, vals []string) {
		if len(vals) == 0 {
			return
		}
		ph := make([]string, len(vals))
		for i, v := range vals {
			args = append(args, v)
			ph[i] = fmt.Sprintf("$%d", len(args))
		}
		op := " IN "
		if not {
			op = " NOT IN "
		}
		where += " AND " + col + op + "(" + strings.Join(ph, ",") + ")"
	}
	addList("type", false, f.Types)
	addList("type", true, f.ExcludeTypes)
	if f.FromAccount != 0 {
		args = append(args, f.FromAccount)
		where += fmt.Sprintf(" AND from_account_id = $%d", len(args))
	}
	cond, extra, order := p.where("id", len(args))
	args = append(args, extra...)
	args = append(args, p.Limit)
	rows, err := q.q.QueryContext(ctx, fmt.Sprintf(`SELECT id, account_id, from_account_id, type, COALESCE(post_id, 0), created_at
		FROM notifications WHERE %s%s ORDER BY id %s LIMIT $%d`, where, cond, order, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	defer rows.Close()
	var out []model.Notification
	for rows.Next() {
		var n model.Notification
		var created int64
		if err := rows.Scan(&n.ID, &n.AccountID, &n.FromAccountID, &n.Type, &n.PostID, &created); err != nil {
			return nil, fmt.Errorf("list notifications: %w", err)
		}
		n.CreatedAt = fromMS(created)
		out = append(out, n)
	}
	if order == "ASC" {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, rows.Err()
}

// NotificationByID loads one of an account's notifications.
func (q Q) NotificationByID(ctx context.Context, accountID, id int64) (*model.Notification, error) {
	var n model.Notification
	var created int64
	err := q.q.QueryRowContext(ctx, `SELECT id, account_id, from_account_id, type, COALESCE(post_id, 0), created_at
		FROM notifications WHERE id = $1 AND account_id = $2`, id, accountID).Scan(&n.ID, &n.AccountID,
		&n.FromAccountID, &n.Type, &n.PostID, &created)
	if err != nil {
		return nil, notFound(err, "notification")
	}
	n.CreatedAt = fromMS(created)
	return &n, nil
}

// DismissNotification deletes one notification of an account.
func (tx *Tx) DismissNotification(ctx context.Context, accountID, id int64) error {
	res, err := tx.tx.ExecContext(ctx, "DELETE FROM notifications WHERE id = $1 AND account_id = $2", id, accountID)
	return mustAffect(res, err, "notification")
}

// ClearNotifications deletes all of an account's notifications.
func (tx *Tx) ClearNotifications(ctx context.Context, accountID int64) error {
	if _, err := tx.tx.ExecContext(ctx, "DELETE FROM notifications WHERE account_id = $1", accountID); err != nil {
		return fmt.Errorf("clear notifications: %w", err)
	}
	return nil
}

// CountUnreadNotifications counts notifications newer than the
// notifications marker.
func (q Q) CountUnreadNotifications(ctx context.Context, accountID int64) (int64, error) {
	var n int64
	err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE account_id = $1 AND id >
		COALESCE((SELECT last_read_id FROM markers WHERE account_id = $1 AND timeline = 'notifications'), 0)`, accountID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count unread: %w", err)
	}
	return n, nil
}

// Marker is a reading position.
type Marker struct {
	Timeline   string
	LastReadID int64
	Version    int
	UpdatedAt  time.Time
}

// Markers returns an account's reading positions.
func (q Q) Markers(ctx context.Context, accountID int64, timelines []string) (map[string]Marker, error) {
	out := map[string]Marker{}
	rows, err := q.q.QueryContext(ctx, "SELECT timeline, last_read_id, version, updated_at FROM markers WHERE account_id = $1", accountID)
	if err != nil {
		return nil, fmt.Errorf("load markers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m Marker
		var updated int64
		if err := rows.Scan(&m.Timeline, &m.LastReadID, &m.Version, &updated); err != nil {
			return nil, fmt.Errorf("load markers: %w", err)
		}
		m.UpdatedAt = fromMS(updated)
		for _, t := range timelines {
			if t == m.Timeline {
				out[m.Timeline] = m
			}
		}
	}
	return out, rows.Err()
}

// SetMarker saves a reading position, bumping its version.
func (tx *Tx) SetMarker(ctx context.Context, accountID int64, timeline string, lastReadID int64, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO markers (account_id, timeline, last_read_id, version, updated_at)
		VALUES ($1, $2, $3, 1, $4) ON CONFLICT (account_id, timeline)
		DO UPDATE SET last_read_id = excluded.last_read_id, version = markers.version + 1, updated_at = excluded.updated_at`,
		accountID, timeline, lastReadID, ms(at))
	if err != nil {
		return fmt.Errorf("save marker: %w", err)
	}
	return nil
}
