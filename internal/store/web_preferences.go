package store

import "context"

// RequireAltText tells whether a user asked that every image they post
// have a description.
func (q Q) RequireAltText(ctx context.Context, userID int64) (bool, error) {
	var on bool
	if err := q.q.QueryRowContext(ctx, "SELECT require_alt FROM users WHERE id = $1", userID).Scan(&on); err != nil {
		return false, notFound(err, "user")
	}
	return on, nil
}

// SetRequireAltText saves that choice.
func (tx *Tx) SetRequireAltText(ctx context.Context, userID int64, on bool) error {
	res, err := tx.tx.ExecContext(ctx, "UPDATE users SET require_alt = $1 WHERE id = $2", on, userID)
	return mustAffect(res, err, "user")
}
