package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"parvis/internal/model"
)

const accountColumns = `a.id, a.username, a.domain, a.display_name, a.note, a.note_html, a.avatar_path,
	a.header_path, a.locked, a.bot, a.is_group, a.discoverable, a.uri, a.url, a.inbox, a.shared_inbox,
	a.followers_url, a.public_key, a.fields, a.followers_count, a.following_count, a.statuses_count,
	a.last_status_at, a.created_at, a.updated_at, a.suspended_at, a.deleted_at, a.moved_to_id`

type scanner interface{ Scan(dest ...any) error }

func scanAccount(s scanner) (*model.Account, error) {
	var a model.Account
	var fields string
	var lastStatus, created, updated, suspended, deleted int64
	err := s.Scan(&a.ID, &a.Username, &a.Domain, &a.DisplayName, &a.Note, &a.NoteHTML, &a.AvatarPath,
		&a.HeaderPath, &a.Locked, &a.Bot, &a.Group, &a.Discoverable, &a.URI, &a.URL, &a.Inbox, &a.SharedInbox,
		&a.FollowersURL, &a.PublicKeyPEM, &fields, &a.FollowersCount, &a.FollowingCount, &a.StatusesCount,
		&lastStatus, &created, &updated, &suspended, &deleted, &a.MovedToID)
	if err != nil {
		return nil, err
	}
	a.LastStatusAt, a.CreatedAt, a.UpdatedAt, a.SuspendedAt = fromMS(lastStatus), fromMS(created), fromMS(updated), fromMS(suspended)
	a.DeletedAt = fromMS(deleted)
	if fields != "" && fields != "[]" {
		if err := json.Unmarshal([]byte(fields), &a.Fields); err != nil {
			return nil, fmt.Errorf("decode profile fields of account %d: %w", a.ID, err)
		}
	}
	return &a, nil
}

// AccountByID loads one account.
func (q Q) AccountByID(ctx context.Context, id int64) (*model.Account, error) {
	a, err := scanAccount(q.q.QueryRowContext(ctx, "SELECT "+accountColumns+" FROM accounts a WHERE a.id = $1", id))
	if err != nil {
		return nil, notFound(err, "account")
	}
	return a, nil
}

// AccountByUsername loads an account by its username (case-insensitive) and
// domain ("" for local accounts).
func (q Q) AccountByUsername(ctx context.Context, username, domain string) (*model.Account, error) {
	a, err := scanAccount(q.q.QueryRowContext(ctx,
		"SELECT "+accountColumns+" FROM accounts a WHERE lower(a.username) = $1 AND a.domain = $2",
		strings.ToLower(username), strings.ToLower(domain)))
	if err != nil {
		return nil, notFound(err, "account")
	}
	return a, nil
}

// AccountsByIDs loads several accounts at once, keyed by id; missing ids are
// simply absent from the map.
func (q Q) AccountsByIDs(ctx context.Context, ids []int64) (map[int64]*model.Account, error) {
	out := make(map[int64]*model.Account, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	if q.rc != nil {
		return cachedByID(q, &q.rc.accounts, ids, func(r Q, ids []int64) (map[int64]*model.Account, error) { return r.AccountsByIDs(ctx, ids) })
	}
	query, args := inList("SELECT "+accountColumns+" FROM accounts a WHERE a.id IN (%s)", ids)
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load accounts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("load accounts: %w", err)
		}
		out[a.ID] = a
	}
	return out, rows.Err()
}

// inList expands a "%s" in query to $1,...,$n for ids. The list is padded
// to a power of two by repeating its last id (harmless inside IN): a few
// query texts per query then cover every list length, and the prepared
// statements of stmtcache.go are reused.
func inList(query string, ids []int64) (string, []any) {
	n := 1
	for n < len(ids) {
		n *= 2
	}
	if len(ids) == 0 {
		n = 0
	}
	var b strings.Builder
	args := make([]any, n)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(i + 1))
		args[i] = ids[min(i, len(ids)-1)]
	}
	return fmt.Sprintf(query, b.String()), args
}

// CreateAccount inserts a new account and fills in its id and times. A taken
// username is an ECONFLICT error.
func (tx *Tx) CreateAccount(ctx context.Context, a *model.Account) error {
	now := tx.db.clock.Now()
	if a.ID == 0 {
		a.ID = tx.db.NewID(now)
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	a.UpdatedAt = a.CreatedAt
	fields, err := json.Marshal(a.Fields)
	if err != nil {
		return fmt.Errorf("encode profile fields: %w", err)
	}
	if a.Fields == nil {
		fields = []byte("[]")
	}
	_, err = tx.tx.ExecContext(ctx, `INSERT INTO accounts (id, username, domain, display_name, note, note_html,
		avatar_path, header_path, locked, bot, is_group, discoverable, uri, url, inbox, shared_inbox, followers_url,
		public_key, fields, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
		a.ID, a.Username, strings.ToLower(a.Domain), a.DisplayName, a.Note, a.NoteHTML, a.AvatarPath, a.HeaderPath,
		a.Locked, a.Bot, a.Group, a.Discoverable, a.URI, a.URL, a.Inbox, a.SharedInbox, a.FollowersURL,
		a.PublicKeyPEM, string(fields), ms(a.CreatedAt), ms(a.UpdatedAt))
	if isUniqueViolation(err) {
		return model.Errorf(model.ECONFLICT, "the username %q is taken", a.Username)
	}
	if err != nil {
		return fmt.Errorf("create account: %w", err)
	}
	return nil
}

// UpdateProfile saves the editable profile of an account.
func (tx *Tx) UpdateProfile(ctx context.Context, a *model.Account) error {
	a.UpdatedAt = tx.db.clock.Now()
	fields, err := json.Marshal(a.Fields)
	if err != nil {
		return fmt.Errorf("encode profile fields: %w", err)
	}
	if a.Fields == nil {
		fields = []byte("[]")
	}
	res, err := tx.tx.ExecContext(ctx, `UPDATE accounts SET display_name = $1, note = $2, note_html = $3,
		avatar_path = $4, header_path = $5, locked = $6, bot = $7, discoverable = $8, fields = $9, updated_at = $10
		WHERE id = $11`,
		a.DisplayName, a.Note, a.NoteHTML, a.AvatarPath, a.HeaderPath, a.Locked, a.Bot, a.Discoverable,
		string(fields), ms(a.UpdatedAt), a.ID)
	return mustAffect(res, err, "account")
}

// SetAccountKeys stores an account's key pair (the private key apart).
func (tx *Tx) SetAccountKeys(ctx context.Context, accountID int64, publicPEM, privatePEM string) error {
	if _, err := tx.tx.ExecContext(ctx, "UPDATE accounts SET public_key = $1 WHERE id = $2", publicPEM, accountID); err != nil {
		return fmt.Errorf("store public key: %w", err)
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO account_keys (account_id, private_key) VALUES ($1, $2)
		ON CONFLICT (account_id) DO UPDATE SET private_key = excluded.private_key`, accountID, privatePEM)
	if err != nil {
		return fmt.Errorf("store private key: %w", err)
	}
	return nil
}

// PrivateKey returns a local account's private key (PEM).
func (q Q) PrivateKey(ctx context.Context, accountID int64) (string, error) {
	var pem string
	err := q.q.QueryRowContext(ctx, "SELECT private_key FROM account_keys WHERE account_id = $1", accountID).Scan(&pem)
	if err != nil {
		return "", notFound(err, "account key")
	}
	return pem, nil
}

// CountLocalAccounts counts local accounts that are people (not communities).
func (q Q) CountLocalAccounts(ctx context.Context) (int64, error) {
	var n int64
	err := q.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// mustAffect turns an UPDATE/DELETE result that touched no row into
// ENOTFOUND.
func mustAffect(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("update %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update %s: %w", what, err)
	}
	if n == 0 {
		return model.Errorf(model.ENOTFOUND, "%s not found", what)
	}
	return nil
}
