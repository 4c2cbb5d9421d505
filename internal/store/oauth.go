package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"parvis/internal/model"
)

// OAuthApp is a client application registered through the Mastodon API.
// Its secret is kept as a SHA-256 only: it is shown once, at registration.
type OAuthApp struct {
	ID           int64
	Name         string
	Website      string
	RedirectURIs []string
	Scopes       []string
	ClientID     string
	SecretHash   string
	CreatedAt    time.Time
}

const oauthAppColumns = `ap.id, ap.name, ap.website, ap.redirect_uris, ap.scopes, ap.client_id, ap.client_secret_hash, ap.created_at`

func scanOAuthApp(s scanner) (*OAuthApp, error) {
	var a OAuthApp
	var uris, scopes string
	var created int64
	if err := s.Scan(&a.ID, &a.Name, &a.Website, &uris, &scopes, &a.ClientID, &a.SecretHash, &created); err != nil {
		return nil, err
	}
	a.RedirectURIs = strings.Fields(uris)
	a.Scopes = strings.Fields(scopes)
	a.CreatedAt = fromMS(created)
	return &a, nil
}

// InsertOAuthApp registers an application and fills in its id.
func (tx *Tx) InsertOAuthApp(ctx context.Context, a *OAuthApp) error {
	if a.ID == 0 {
		a.ID = tx.db.NewID(a.CreatedAt)
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO oauth_apps (id, name, website, redirect_uris, scopes, client_id,
		client_secret_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		a.ID, a.Name, a.Website, strings.Join(a.RedirectURIs, "\n"), strings.Join(a.Scopes, " "), a.ClientID,
		a.SecretHash, ms(a.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert oauth app: %w", err)
	}
	return nil
}

// OAuthAppByClientID loads an application by its public client id.
func (q Q) OAuthAppByClientID(ctx context.Context, clientID string) (*OAuthApp, error) {
	a, err := scanOAuthApp(q.q.QueryRowContext(ctx, "SELECT "+oauthAppColumns+" FROM oauth_apps ap WHERE ap.client_id = $1", clientID))
	if err != nil {
		return nil, notFound(err, "application")
	}
	return a, nil
}

// OAuthAppsByIDs loads applications keyed by id (to name the app a post
// was written with); missing ids are absent.
func (q Q) OAuthAppsByIDs(ctx context.Context, ids []int64) (map[int64]*OAuthApp, error) {
	out := map[int64]*OAuthApp{}
	if len(ids) == 0 {
		return out, nil
	}
	if q.rc != nil {
		return cachedByID(q, &q.rc.apps, ids, func(r Q, ids []int64) (map[int64]*OAuthApp, error) { return r.OAuthAppsByIDs(ctx, ids) })
	}
	query, args := inList("SELECT "+oauthAppColumns+" FROM oauth_apps ap WHERE ap.id IN (%s)", ids)
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load oauth apps: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanOAuthApp(rows)
		if err != nil {
			return nil, fmt.Errorf("load oauth apps: %w", err)
		}
		out[a.ID] = a
	}
	return out, rows.Err()
}

// OAuthCode is a pending authorization code (RFC 6749 §4.1), kept as a
// SHA-256, with the PKCE challenge it must be redeemed with.
type OAuthCode struct {
	Hash            string
	AppID           int64
	UserID          int64
	RedirectURI     string
	Scopes          []string
	Challenge       string
	ChallengeMethod string
	ExpiresAt       time.Time
}

// InsertOAuthCode stores a new authorization code, and forgets the codes
// that expired before now (they are few: a code lives minutes).
func (tx *Tx) InsertOAuthCode(ctx context.Context, c OAuthCode, now time.Time) error {
	if _, err := tx.tx.ExecContext(ctx, "DELETE FROM oauth_codes WHERE expires_at <= $1", ms(now)); err != nil {
		return fmt.Errorf("sweep oauth codes: %w", err)
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO oauth_codes (code_hash, app_id, user_id, redirect_uri, scopes,
		code_challenge, challenge_method, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.Hash, c.AppID, c.UserID, c.RedirectURI, strings.Join(c.Scopes, " "), c.Challenge, c.ChallengeMethod, ms(c.ExpiresAt))
	if err != nil {
		return fmt.Errorf("insert oauth code: %w", err)
	}
	return nil
}

// TakeOAuthCode consumes an authorization code: it is deleted whether or
// not it is still valid, so it can be tried once only. An unknown or
// expired code is ENOTFOUND.
func (tx *Tx) TakeOAuthCode(ctx context.Context, hash string, now time.Time) (*OAuthCode, error) {
	var c OAuthCode
	var scopes string
	var expires int64
	err := tx.tx.QueryRowContext(ctx, `DELETE FROM oauth_codes WHERE code_hash = $1 RETURNING code_hash, app_id, user_id,
		redirect_uri, scopes, code_challenge, challenge_method, expires_at`, hash).Scan(&c.Hash, &c.AppID, &c.UserID,
		&c.RedirectURI, &scopes, &c.Challenge, &c.ChallengeMethod, &expires)
	if err != nil {
		return nil, notFound(err, "authorization code")
	}
	c.Scopes = strings.Fields(scopes)
	c.ExpiresAt = fromMS(expires)
	if !c.ExpiresAt.After(now) {
		return nil, model.Errorf(model.ENOTFOUND, "authorization code not found")
	}
	return &c, nil
}

// OAuthToken is an access token, kept as a SHA-256. UserID is 0 for the
// tokens an application gets for itself (client credentials).
type OAuthToken struct {
	Hash       string
	AppID      int64
	UserID     int64
	Scopes     []string
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
}

// InsertOAuthToken stores a new access token.
func (tx *Tx) InsertOAuthToken(ctx context.Context, t OAuthToken) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO oauth_tokens (token_hash, app_id, user_id, scopes, created_at, last_used_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, t.Hash, t.AppID, nullID(t.UserID), strings.Join(t.Scopes, " "),
		ms(t.CreatedAt), ms(t.LastUsedAt))
	if err != nil {
		return fmt.Errorf("insert oauth token: %w", err)
	}
	return nil
}

// TokenOwner is an access token with its application and, for user
// tokens, its user and account.
type TokenOwner struct {
	Token   OAuthToken
	App     *OAuthApp
	User    *model.User    // nil for application tokens
	Account *model.Account // nil for application tokens
}

// OAuthTokenByHash loads a token (revoked ones too: the caller decides)
// with its owner.
func (q Q) OAuthTokenByHash(ctx context.Context, hash string) (*TokenOwner, error) {
	if q.rc != nil {
		var o *TokenOwner
		lookup(q.rc, &q.rc.tokens, []string{hash}, func(_ string, r tokenRow) {
			o = &TokenOwner{Token: r.token, App: &r.app}
		})
		if o == nil {
			var err error
			if o, err = (Q{q: q.q, db: q.db}).OAuthTokenByHash(ctx, hash); err != nil {
				return nil, err
			}
			fill(q.rc, &q.rc.tokens, q.start, map[string]tokenRow{hash: {token: o.Token, app: *o.App}})
			return o, nil
		}
		if o.Token.UserID != 0 {
			uw, err := q.UserWithAccountByID(ctx, o.Token.UserID)
			if err != nil {
				return nil, err
			}
			o.User, o.Account = uw.User, uw.Account
		}
		return o, nil
	}
	var o TokenOwner
	var scopes string
	var created, used, revoked int64
	row := q.q.QueryRowContext(ctx, `SELECT t.token_hash, t.app_id, COALESCE(t.user_id, 0), t.scopes, t.created_at,
		t.last_used_at, t.revoked_at, `+oauthAppColumns+`
		FROM oauth_tokens t JOIN oauth_apps ap ON ap.id = t.app_id WHERE t.token_hash = $1`, hash)
	app, err := scanOAuthApp(multiScanner{row, []any{&o.Token.Hash, &o.Token.AppID, &o.Token.UserID, &scopes,
		&created, &used, &revoked}})
	if err != nil {
		return nil, notFound(err, "access token")
	}
	o.App = app
	o.Token.Scopes = strings.Fields(scopes)
	o.Token.CreatedAt, o.Token.LastUsedAt, o.Token.RevokedAt = fromMS(created), fromMS(used), fromMS(revoked)
	if o.Token.UserID != 0 {
		uw, err := q.UserWithAccountByID(ctx, o.Token.UserID)
		if err != nil {
			return nil, err
		}
		o.User, o.Account = uw.User, uw.Account
	}
	return &o, nil
}

// UserWithAccountByID loads a user with their account in one query.
func (q Q) UserWithAccountByID(ctx context.Context, userID int64) (*UserWithAccount, error) {
	if q.rc != nil {
		var uw UserWithAccount
		lookup(q.rc, &q.rc.users, []int64{userID}, func(_ int64, u model.User) { uw.User = &u })
		if uw.User != nil {
			lookup(q.rc, &q.rc.accounts, []int64{uw.User.AccountID}, func(_ int64, a model.Account) { uw.Account = &a })
			if uw.Account != nil {
				return &uw, nil
			}
		}
		read, err := Q{q: q.q, db: q.db}.UserWithAccountByID(ctx, userID)
		if err != nil {
			return nil, err
		}
		fill(q.rc, &q.rc.users, q.start, map[int64]model.User{userID: *read.User})
		fill(q.rc, &q.rc.accounts, q.start, map[int64]model.Account{read.Account.ID: *read.Account})
		return read, nil
	}
	var u model.User
	var role string
	var created, lastLogin, lastActive int64
	row := q.q.QueryRowContext(ctx, "SELECT "+userColumns+", "+accountColumns+
		" FROM users u JOIN accounts a ON a.id = u.account_id WHERE u.id = $1", userID)
	a, err := scanAccount(multiScanner{row, []any{&u.ID, &u.AccountID, &u.Email, &role, &u.Approved, &u.Disabled,
		&u.Locale, &u.SignupNote, &created, &lastLogin, &lastActive}})
	if err != nil {
		return nil, notFound(err, "user")
	}
	u.Role = model.Role(role)
	u.CreatedAt, u.LastLoginAt, u.LastActiveAt = fromMS(created), fromMS(lastLogin), fromMS(lastActive)
	return &UserWithAccount{User: &u, Account: a}, nil
}

// TouchOAuthToken records that a token was used at now.
func (tx *Tx) TouchOAuthToken(ctx context.Context, hash string, now time.Time) error {
	if _, err := tx.tx.ExecContext(ctx, "UPDATE oauth_tokens SET last_used_at = $1 WHERE token_hash = $2", ms(now), hash); err != nil {
		return fmt.Errorf("touch oauth token: %w", err)
	}
	return nil
}

// RevokeOAuthToken revokes an application's token; it reports whether
// there was such a live token.
func (tx *Tx) RevokeOAuthToken(ctx context.Context, hash string, appID int64, now time.Time) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, "UPDATE oauth_tokens SET revoked_at = $1 WHERE token_hash = $2 AND app_id = $3 AND revoked_at = 0",
		ms(now), hash, appID)
	if err != nil {
		return false, fmt.Errorf("revoke oauth token: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// RevokeUserTokens revokes every access token of a user (after a password
// reset: whoever held the account may have granted apps access).
func (tx *Tx) RevokeUserTokens(ctx context.Context, userID int64, now time.Time) error {
	_, err := tx.tx.ExecContext(ctx, "UPDATE oauth_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at = 0", ms(now), userID)
	if err != nil {
		return fmt.Errorf("revoke tokens: %w", err)
	}
	return nil
}
