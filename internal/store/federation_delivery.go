package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"time"
)

// Recipient is a remote account that an activity goes to, with its
// inboxes.
type Recipient struct {
	AccountID   int64
	Domain      string
	Inbox       string
	SharedInbox string
}

// RemoteFollowers returns the remote followers of an account (for a
// community's group account: its remote members), not suspended.
func (q Q) RemoteFollowers(ctx context.Context, accountID int64) ([]Recipient, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT a.id, a.domain, a.inbox, a.shared_inbox FROM follows f
		JOIN accounts a ON a.id = f.account_id
		WHERE f.target_id = $1 AND a.domain <> '' AND a.suspended_at = 0`, accountID)
	if err != nil {
		return nil, fmt.Errorf("load remote followers: %w", err)
	}
	defer rows.Close()
	var out []Recipient
	for rows.Next() {
		var r Recipient
		if err := rows.Scan(&r.AccountID, &r.Domain, &r.Inbox, &r.SharedInbox); err != nil {
			return nil, fmt.Errorf("load remote followers: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// HasRemoteFollowers reports whether any remote account follows accountID.
// It is asked inside the transaction that publishes a post, so it must not
// cost in proportion to a popular author's followers: it looks from the
// smaller side, the author's followers or the remote accounts known
// (counted up to the followers' number on the accounts_domain_id index),
// so its cost stays within four times the smaller of the two.
func (q Q) HasRemoteFollowers(ctx context.Context, accountID int64) (bool, error) {
	var followers int64
	err := q.q.QueryRowContext(ctx, "SELECT followers_count FROM accounts WHERE id = $1", accountID).Scan(&followers)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // nobody follows an account that does not exist
	}
	if err != nil {
		return false, fmt.Errorf("check remote followers: %w", err)
	}
	// The bound is written into the query, rounded up to a power of two
	// (a few dozen texts in all): given as a parameter, SQLite prepared the
	// statement again at every new value, a tenth of a post's time in the
	// writer.
	limit := int64(1) << bits.Len64(uint64(max(followers, 0))) // the power of two above followers
	var remote int64
	if err := q.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM accounts WHERE domain > '' LIMIT "+
		strconv.FormatInt(limit, 10)+") x").Scan(&remote); err != nil {
		return false, fmt.Errorf("check remote followers: %w", err)
	}
	query := `SELECT COUNT(*) FROM (SELECT 1 FROM follows f JOIN accounts a ON a.id = f.account_id
		WHERE f.target_id = $1 AND a.domain <> '' LIMIT 1) x`
	if remote <= followers {
		if remote == 0 {
			return false, nil
		}
		query = `SELECT COUNT(*) FROM (SELECT 1 FROM accounts a WHERE a.domain > ''
			AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = a.id AND f.target_id = $1) LIMIT 1) x`
	}
	var n int
	if err := q.q.QueryRowContext(ctx, query, accountID).Scan(&n); err != nil {
		return false, fmt.Errorf("check remote followers: %w", err)
	}
	return n > 0, nil
}

// HasLocalFollowers reports whether any local person follows accountID.
func (q Q) HasLocalFollowers(ctx context.Context, accountID int64) (bool, error) {
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM follows f JOIN users u ON u.account_id = f.account_id
		WHERE f.target_id = $1 LIMIT 1) x`, accountID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("check local followers: %w", err)
	}
	return n > 0, nil
}

// ServerState is the delivery health of one remote server.
type ServerState struct {
	Host             string
	Failures         int
	FirstFailureAt   time.Time
	LastFailureAt    time.Time
	LastSuccessAt    time.Time
	UnreachableSince time.Time
	LastError        string
}

// Unreachable reports whether the server is marked unreachable.
func (s ServerState) Unreachable() bool { return !s.UnreachableSince.IsZero() }

const serverColumns = `host, failures, first_failure_at, last_failure_at, last_success_at, unreachable_since, last_error`

func scanServer(s scanner) (ServerState, error) {
	var st ServerState
	var first, last, success, unreachable int64
	err := s.Scan(&st.Host, &st.Failures, &first, &last, &success, &unreachable, &st.LastError)
	st.FirstFailureAt, st.LastFailureAt, st.LastSuccessAt, st.UnreachableSince = fromMS(first), fromMS(last),
		fromMS(success), fromMS(unreachable)
	return st, err
}

// Server returns the delivery health of a server; a server never failed
// has a zero state.
func (q Q) Server(ctx context.Context, host string) (ServerState, error) {
	st, err := scanServer(q.q.QueryRowContext(ctx, "SELECT "+serverColumns+" FROM federation_servers WHERE host = $1", host))
	if isNoRows(err) {
		return ServerState{Host: host}, nil
	}
	if err != nil {
		return ServerState{}, fmt.Errorf("load server %s: %w", host, err)
	}
	return st, nil
}

// UnreachableServers returns the servers marked unreachable, by host.
func (q Q) UnreachableServers(ctx context.Context) (map[string]ServerState, error) {
	return q.servers(ctx, "unreachable_since > 0")
}

// TroubledServers returns the servers whose last deliveries failed, by
// host.
func (q Q) TroubledServers(ctx context.Context) (map[string]ServerState, error) {
	return q.servers(ctx, "failures > 0")
}

func (q Q) servers(ctx context.Context, where string) (map[string]ServerState, error) {
	rows, err := q.q.QueryContext(ctx, "SELECT "+serverColumns+" FROM federation_servers WHERE "+where)
	if err != nil {
		return nil, fmt.Errorf("load unreachable servers: %w", err)
	}
	defer rows.Close()
	out := map[string]ServerState{}
	for rows.Next() {
		st, err := scanServer(rows)
		if err != nil {
			return nil, fmt.Errorf("load unreachable servers: %w", err)
		}
		out[st.Host] = st
	}
	return out, rows.Err()
}

// RecordDeliveryFailure counts a failed delivery to host. The server is
// marked unreachable once it has failed at least minFailures times over
// at least unreachableAfter. It returns the new state.
func (tx *Tx) RecordDeliveryFailure(ctx context.Context, host, reason string, now time.Time, minFailures int, unreachableAfter time.Duration) (ServerState, error) {
	if len(reason) > 500 {
		reason = reason[:500]
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO federation_servers (host, failures, first_failure_at, last_failure_at, last_error)
		VALUES ($1, 1, $2, $2, $3) ON CONFLICT (host) DO UPDATE SET failures = federation_servers.failures + 1,
		first_failure_at = CASE WHEN federation_servers.first_failure_at = 0 THEN excluded.first_failure_at
			ELSE federation_servers.first_failure_at END,
		last_failure_at = excluded.last_failure_at, last_error = excluded.last_error`, host, ms(now), reason)
	if err != nil {
		return ServerState{}, fmt.Errorf("record delivery failure: %w", err)
	}
	_, err = tx.tx.ExecContext(ctx, `UPDATE federation_servers SET unreachable_since = $1
		WHERE host = $2 AND unreachable_since = 0 AND failures >= $3 AND first_failure_at <= $4`,
		ms(now), host, minFailures, ms(now.Add(-unreachableAfter)))
	if err != nil {
		return ServerState{}, fmt.Errorf("record delivery failure: %w", err)
	}
	st, err := scanServer(tx.tx.QueryRowContext(ctx, "SELECT "+serverColumns+" FROM federation_servers WHERE host = $1", host))
	if err != nil {
		return ServerState{}, fmt.Errorf("record delivery failure: %w", err)
	}
	return st, nil
}

// RecordServerAlive clears a server's failures: a delivery to it
// succeeded, or it sent us an activity.
func (tx *Tx) RecordServerAlive(ctx context.Context, host string, now time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE federation_servers SET failures = 0, first_failure_at = 0,
		unreachable_since = 0, last_success_at = $1, last_error = '' WHERE host = $2`, ms(now), host)
	if err != nil {
		return fmt.Errorf("record server alive: %w", err)
	}
	return nil
}
