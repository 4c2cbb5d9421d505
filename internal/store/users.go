package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"parvis/internal/model"
)

const userColumns = `u.id, u.account_id, COALESCE(u.email, ''), u.role, u.approved, u.disabled, u.locale,
	u.signup_note, u.created_at, u.last_login_at, u.last_active_at`

func scanUser(s scanner) (*model.User, error) {
	var u model.User
	var role string
	var created, lastLogin, lastActive int64
	if err := s.Scan(&u.ID, &u.AccountID, &u.Email, &role, &u.Approved, &u.Disabled, &u.Locale,
		&u.SignupNote, &created, &lastLogin, &lastActive); err != nil {
		return nil, err
	}
	u.Role = model.Role(role)
	u.CreatedAt, u.LastLoginAt, u.LastActiveAt = fromMS(created), fromMS(lastLogin), fromMS(lastActive)
	return &u, nil
}

// NewUser is what CreateUser needs besides the account.
type NewUser struct {
	Email         string
	PasswordHash  string
	Role          model.Role
	Approved      bool
	Locale        string
	SignupNote    string
	SignupNetwork string // salted hash
	SignupClient  string // salted hash
}

// CreateUser inserts a user for an existing local account. A taken e-mail
// address is an ECONFLICT error.
func (tx *Tx) CreateUser(ctx context.Context, accountID int64, nu NewUser) (*model.User, error) {
	now := tx.db.clock.Now()
	u := &model.User{ID: tx.db.NewID(now), AccountID: accountID, Email: nu.Email, Role: nu.Role,
		Approved: nu.Approved, Locale: nu.Locale, CreatedAt: now, SignupNote: nu.SignupNote, LastActiveAt: now}
	var email any
	if nu.Email != "" {
		email = nu.Email
	}
	// A new user is active and has a valid (empty) home feed.
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO users (id, account_id, email, password_hash, role, approved,
		locale, signup_note, signup_network, signup_client, created_at, password_changed_at, last_active_at, feed_valid)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $11, TRUE)`,
		u.ID, accountID, email, nu.PasswordHash, string(nu.Role), nu.Approved, nu.Locale, nu.SignupNote,
		nu.SignupNetwork, nu.SignupClient, ms(now))
	if isUniqueViolation(err) {
		return nil, model.Errorf(model.ECONFLICT, "the e-mail address is already in use")
	}
	if err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// UserByID loads a user.
func (q Q) UserByID(ctx context.Context, id int64) (*model.User, error) {
	u, err := scanUser(q.q.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users u WHERE u.id = $1", id))
	if err != nil {
		return nil, notFound(err, "user")
	}
	return u, nil
}

// UserByAccountID loads the user of a local account.
func (q Q) UserByAccountID(ctx context.Context, accountID int64) (*model.User, error) {
	u, err := scanUser(q.q.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users u WHERE u.account_id = $1", accountID))
	if err != nil {
		return nil, notFound(err, "user")
	}
	return u, nil
}

// Credentials is what logging in needs to check.
type Credentials struct {
	User         *model.User
	Account      *model.Account
	PasswordHash string
}

// CredentialsByLogin finds a local user by username or e-mail address
// (case-insensitive), with the stored password hash.
func (q Q) CredentialsByLogin(ctx context.Context, login string) (*Credentials, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	cond := "lower(a.username) = $1 AND a.domain = ''"
	if strings.Contains(login, "@") {
		cond = "lower(u.email) = $1"
	}
	row := q.q.QueryRowContext(ctx, "SELECT "+userColumns+", u.password_hash, "+accountColumns+
		" FROM users u JOIN accounts a ON a.id = u.account_id WHERE "+cond, login)
	var c Credentials
	var u model.User
	var role string
	var created, lastLogin, lastActive int64
	a, err := scanAccount(multiScanner{row, []any{&u.ID, &u.AccountID, &u.Email, &role, &u.Approved, &u.Disabled,
		&u.Locale, &u.SignupNote, &created, &lastLogin, &lastActive, &c.PasswordHash}})
	if err != nil {
		return nil, notFound(err, "user")
	}
	u.Role = model.Role(role)
	u.CreatedAt, u.LastLoginAt, u.LastActiveAt = fromMS(created), fromMS(lastLogin), fromMS(lastActive)
	c.User, c.Account = &u, a
	return &c, nil
}

// PasswordHash returns a user's stored password hash.
func (q Q) PasswordHash(ctx context.Context, userID int64) (string, error) {
	var h string
	if err := q.q.QueryRowContext(ctx, "SELECT password_hash FROM users WHERE id = $1", userID).Scan(&h); err != nil {
		return "", notFound(err, "user")
	}
	return h, nil
}

// multiScanner scans some leading columns into fixed destinations, then
// hands the rest to another scan function.
type multiScanner struct {
	row  scanner
	head []any
}

func (m multiScanner) Scan(dest ...any) error { return m.row.Scan(append(m.head, dest...)...) }

// SetPassword replaces a user's password hash and ends all their sessions
// except keepSession (pass "" to end them all).
func (tx *Tx) SetPassword(ctx context.Context, userID int64, hash, keepSession string) error {
	res, err := tx.tx.ExecContext(ctx, "UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3",
		hash, ms(tx.db.clock.Now()), userID)
	if err := mustAffect(res, err, "user"); err != nil {
		return err
	}
	if _, err := tx.tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1 AND id <> $2", userID, keepSession); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	return nil
}

// TouchLogin records a successful login.
func (tx *Tx) TouchLogin(ctx context.Context, userID int64) error {
	_, err := tx.tx.ExecContext(ctx, "UPDATE users SET last_login_at = $1 WHERE id = $2", ms(tx.db.clock.Now()), userID)
	if err != nil {
		return fmt.Errorf("record login: %w", err)
	}
	return nil
}

// SetRole changes a user's role.
func (tx *Tx) SetRole(ctx context.Context, userID int64, role model.Role) error {
	res, err := tx.tx.ExecContext(ctx, "UPDATE users SET role = $1 WHERE id = $2", string(role), userID)
	return mustAffect(res, err, "user")
}

// SetApproved approves (or un-approves) a pending sign-up.
func (tx *Tx) SetApproved(ctx context.Context, userID int64, approved bool) error {
	res, err := tx.tx.ExecContext(ctx, "UPDATE users SET approved = $1 WHERE id = $2", approved, userID)
	return mustAffect(res, err, "user")
}

// SetLocale stores a user's language choice ("" follows the browser).
func (tx *Tx) SetLocale(ctx context.Context, userID int64, locale string) error {
	res, err := tx.tx.ExecContext(ctx, "UPDATE users SET locale = $1 WHERE id = $2", locale, userID)
	return mustAffect(res, err, "user")
}

// DeleteUnapprovedUser rejects a pending sign-up: its account goes too.
func (tx *Tx) DeleteUnapprovedUser(ctx context.Context, userID int64) error {
	res, err := tx.tx.ExecContext(ctx,
		"DELETE FROM accounts WHERE id = (SELECT account_id FROM users WHERE id = $1 AND approved = FALSE)", userID)
	return mustAffect(res, err, "pending user")
}

// UserWithAccount pairs a user with its account, for listings.
type UserWithAccount struct {
	User    *model.User
	Account *model.Account
}

// ListUsers lists local users, newest first; pendingOnly keeps sign-ups
// awaiting approval.
func (q Q) ListUsers(ctx context.Context, pendingOnly bool, limit int) ([]UserWithAccount, error) {
	where := ""
	if pendingOnly {
		where = "WHERE u.approved = FALSE"
	}
	rows, err := q.q.QueryContext(ctx, "SELECT "+userColumns+", "+accountColumns+
		" FROM users u JOIN accounts a ON a.id = u.account_id "+where+" ORDER BY u.id DESC LIMIT $1", limit)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []UserWithAccount
	for rows.Next() {
		var u model.User
		var role string
		var created, lastLogin, lastActive int64
		a, err := scanAccount(multiScanner{rows, []any{&u.ID, &u.AccountID, &u.Email, &role, &u.Approved,
			&u.Disabled, &u.Locale, &u.SignupNote, &created, &lastLogin, &lastActive}})
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		u.Role = model.Role(role)
		u.CreatedAt, u.LastLoginAt, u.LastActiveAt = fromMS(created), fromMS(lastLogin), fromMS(lastActive)
		out = append(out, UserWithAccount{&u, a})
	}
	return out, rows.Err()
}

// HasAdmin reports whether any admin exists (the first-run page offers to
// create one until then).
func (q Q) HasAdmin(ctx context.Context) (bool, error) {
	var one int
	err := q.q.QueryRowContext(ctx, "SELECT 1 FROM users WHERE role = 'admin' LIMIT 1").Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look for an admin: %w", err)
	}
	return true, nil
}
