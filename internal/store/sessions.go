package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"parvis/internal/model"
)

// Session is a logged-in browser.
type Session struct {
	ID         string // SHA-256 of the cookie secret
	UserID     int64
	CSRFToken  string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// CreateSession stores a new session.
func (tx *Tx) CreateSession(ctx context.Context, s *Session) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO sessions (id, user_id, csrf_token, user_agent, created_at,
		last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		s.ID, s.UserID, s.CSRFToken, s.UserAgent, ms(s.CreatedAt), ms(s.LastSeenAt), ms(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionWithUser is a live session and who it belongs to.
type SessionWithUser struct {
	Session Session
	User    *model.User
	Account *model.Account
}

// SessionByID loads a session that has not expired at now, with its user
// and account.
func (q Q) SessionByID(ctx context.Context, id string, now time.Time) (*SessionWithUser, error) {
	var s SessionWithUser
	var u model.User
	var role string
	var created, lastLogin, lastActive, sCreated, sSeen, sExpires int64
	row := q.q.QueryRowContext(ctx, `SELECT s.id, s.user_id, s.csrf_token, s.user_agent, s.created_at,
		s.last_seen_at, s.expires_at, `+userColumns+", "+accountColumns+`
		FROM sessions s JOIN users u ON u.id = s.user_id JOIN accounts a ON a.id = u.account_id
		WHERE s.id = $1 AND s.expires_at > $2`, id, ms(now))
	a, err := scanAccount(multiScanner{row, []any{&s.Session.ID, &s.Session.UserID, &s.Session.CSRFToken,
		&s.Session.UserAgent, &sCreated, &sSeen, &sExpires, &u.ID, &u.AccountID, &u.Email, &role, &u.Approved,
		&u.Disabled, &u.Locale, &u.SignupNote, &created, &lastLogin, &lastActive}})
	if err != nil {
		return nil, notFound(err, "session")
	}
	u.Role = model.Role(role)
	u.CreatedAt, u.LastLoginAt, u.LastActiveAt = fromMS(created), fromMS(lastLogin), fromMS(lastActive)
	s.Session.CreatedAt, s.Session.LastSeenAt, s.Session.ExpiresAt = fromMS(sCreated), fromMS(sSeen), fromMS(sExpires)
	s.User, s.Account = &u, a
	return &s, nil
}

// TouchSession slides a session's expiry.
func (tx *Tx) TouchSession(ctx context.Context, id string, seen, expires time.Time) error {
	_, err := tx.tx.ExecContext(ctx, "UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3",
		ms(seen), ms(expires), id)
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session (logging out).
func (tx *Tx) DeleteSession(ctx context.Context, id string) error {
	if _, err := tx.tx.ExecContext(ctx, "DELETE FROM sessions WHERE id = $1", id); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions ends every session of a user.
func (tx *Tx) DeleteUserSessions(ctx context.Context, userID int64) error {
	if _, err := tx.tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1", userID); err != nil {
		return fmt.Errorf("delete sessions: %w", err)
	}
	return nil
}

// DeleteExpired removes expired sessions, used password-reset tokens and
// rate-limit windows that ended before now; it returns how many rows went.
func (tx *Tx) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	// The arithmetic stays in Go: PostgreSQL typed "$1 - 86400000" as a
	// 32-bit integer and refused every timestamp.
	for _, st := range []struct {
		sql string
		at  int64
	}{
		{"DELETE FROM sessions WHERE expires_at <= $1", ms(now)},
		{"DELETE FROM password_resets WHERE expires_at <= $1", ms(now)},
		{"DELETE FROM rate_limits WHERE window_start < $1", ms(now.Add(-24 * time.Hour))},
	} {
		res, err := tx.tx.ExecContext(ctx, st.sql, st.at)
		if err != nil {
			return total, fmt.Errorf("sweep expired rows: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}

// PasswordReset is a one-time token sent by e-mail.
type PasswordReset struct {
	TokenHash string
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreatePasswordReset stores a reset token's hash.
func (tx *Tx) CreatePasswordReset(ctx context.Context, r PasswordReset) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO password_resets (token_hash, user_id, created_at, expires_at)
		VALUES ($1, $2, $3, $4)`, r.TokenHash, r.UserID, ms(r.CreatedAt), ms(r.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create password reset: %w", err)
	}
	return nil
}

// UsePasswordReset consumes a valid, unused, unexpired token and returns its
// user id. Every other token of that user is consumed too.
func (tx *Tx) UsePasswordReset(ctx context.Context, tokenHash string, now time.Time) (int64, error) {
	var userID int64
	err := tx.tx.QueryRowContext(ctx, `UPDATE password_resets SET used_at = $1
		WHERE token_hash = $2 AND used_at = 0 AND expires_at > $1 RETURNING user_id`, ms(now), tokenHash).Scan(&userID)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, model.Errorf(model.EINVALID, "this password reset link is invalid or has expired")
		}
		return 0, fmt.Errorf("use password reset: %w", err)
	}
	if _, err := tx.tx.ExecContext(ctx, "UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at = 0",
		ms(now), userID); err != nil {
		return 0, fmt.Errorf("use password reset: %w", err)
	}
	return userID, nil
}
