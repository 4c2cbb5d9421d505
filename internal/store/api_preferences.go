package store

import (
	"context"
	"fmt"

	"parvis/internal/model"
)

// PostingDefaults are what a new post gets when it does not say: the
// Mastodon API's source[privacy], source[sensitive] and source[language].
type PostingDefaults struct {
	Privacy   model.Visibility
	Sensitive bool
	Language  string // "" lets the language be detected
}

// PostingDefaults loads a user's posting defaults.
func (q Q) PostingDefaults(ctx context.Context, userID int64) (PostingDefaults, error) {
	var d PostingDefaults
	var privacy string
	err := q.q.QueryRowContext(ctx, "SELECT post_privacy, post_sensitive, post_language FROM users WHERE id = $1", userID).
		Scan(&privacy, &d.Sensitive, &d.Language)
	if err != nil {
		return d, notFound(err, "user")
	}
	d.Privacy = model.Visibility(privacy)
	return d, nil
}

// SetPostingDefaults saves a user's posting defaults.
func (tx *Tx) SetPostingDefaults(ctx context.Context, userID int64, d PostingDefaults) error {
	res, err := tx.tx.ExecContext(ctx, "UPDATE users SET post_privacy = $1, post_sensitive = $2, post_language = $3 WHERE id = $4",
		string(d.Privacy), d.Sensitive, d.Language, userID)
	return mustAffect(res, err, "user")
}

// CountFollowRequests counts the pending requests to follow an account.
func (q Q) CountFollowRequests(ctx context.Context, accountID int64) (int64, error) {
	var n int64
	if err := q.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM follow_requests WHERE target_id = $1", accountID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count follow requests: %w", err)
	}
	return n, nil
}
