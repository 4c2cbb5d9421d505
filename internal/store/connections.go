package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

func pair(a, b int64) (int64, int64) {
	if a < b {
		return a, b
	}
	return b, a
}

// InsertConnection connects two accounts (idempotent); it reports whether
// the connection is new.
func (tx *Tx) InsertConnection(ctx context.Context, a, b, introductionID int64, at time.Time) (bool, error) {
	x, y := pair(a, b)
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO connections (account_a, account_b, id, introduction_id, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_a, account_b) DO NOTHING`, x, y, tx.db.NewID(at), nullID(introductionID), ms(at))
	if err != nil {
		return false, fmt.Errorf("connect: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DeleteConnection removes a connection and reports whether there was one.
func (tx *Tx) DeleteConnection(ctx context.Context, a, b int64) (bool, error) {
	x, y := pair(a, b)
	res, err := tx.tx.ExecContext(ctx, "DELETE FROM connections WHERE account_a = $1 AND account_b = $2", x, y)
	if err != nil {
		return false, fmt.Errorf("disconnect: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Connected reports whether two accounts are connected.
func (q Q) Connected(ctx context.Context, a, b int64) (bool, error) {
	x, y := pair(a, b)
	var one int
	err := q.q.QueryRowContext(ctx, "SELECT 1 FROM connections WHERE account_a = $1 AND account_b = $2", x, y).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check connection: %w", err)
	}
	return true, nil
}

// ConnectionIDs returns every connection of an account.
func (q Q) ConnectionIDs(ctx context.Context, accountID int64) ([]int64, error) {
	return q.queryIDs(ctx, `SELECT account_b FROM connections WHERE account_a = $1
		UNION ALL SELECT account_a FROM connections WHERE account_b = $1`, accountID)
}

// Connections pages through an account's connections, newest first.
func (q Q) Connections(ctx context.Context, accountID int64, p Page) ([]IDPair, error) {
	return q.listPairs(ctx, `SELECT id, CASE WHEN account_a = $1 THEN account_b ELSE account_a END FROM connections
		WHERE (account_a = $1 OR account_b = $1)`, "id", []any{accountID}, p)
}

// MutualConnections returns the connections two accounts share.
func (q Q) MutualConnections(ctx context.Context, a, b int64, limit int) ([]int64, error) {
	return q.queryIDs(ctx, `SELECT x.other FROM
		(SELECT account_b AS other FROM connections WHERE account_a = $1 UNION ALL SELECT account_a FROM connections WHERE account_b = $1) x
		JOIN (SELECT account_b AS other FROM connections WHERE account_a = $2 UNION ALL SELECT account_a FROM connections WHERE account_b = $2) y
		ON x.other = y.other ORDER BY x.other LIMIT $3`, a, b, limit)
}

// CountConnections counts an account's connections.
func (q Q) CountConnections(ctx context.Context, accountID int64) (int64, error) {
	var n int64
	err := q.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM connections WHERE account_a = $1 OR account_b = $1", accountID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count connections: %w", err)
	}
	return n, nil
}

// InsertConnectionRequest asks to connect (idempotent); it reports whether
// the request is new.
func (tx *Tx) InsertConnectionRequest(ctx context.Context, from, to int64, message string, at time.Time) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO connection_requests (account_id, target_id, id, message, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, target_id) DO NOTHING`, from, to, tx.db.NewID(at), message, ms(at))
	if err != nil {
		return false, fmt.Errorf("request connection: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DeleteConnectionRequest removes a request and reports whether there was one.
func (tx *Tx) DeleteConnectionRequest(ctx context.Context, from, to int64) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, "DELETE FROM connection_requests WHERE account_id = $1 AND target_id = $2", from, to)
	if err != nil {
		return false, fmt.Errorf("delete connection request: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// ConnectionRequest is a pending request to connect.
type ConnectionRequest struct {
	ID        int64
	From, To  int64
	Message   string
	CreatedAt time.Time
}

// ConnectionRequests lists requests to (incoming) or from an account.
func (q Q) ConnectionRequests(ctx context.Context, accountID int64, incoming bool, limit int) ([]ConnectionRequest, error) {
	col := "account_id"
	if incoming {
		col = "target_id"
	}
	rows, err := q.q.QueryContext(ctx, "SELECT id, account_id, target_id, message, created_at FROM connection_requests WHERE "+
		col+" = $1 ORDER BY id DESC LIMIT $2", accountID, limit)
	if err != nil {
		return nil, fmt.Errorf("list connection requests: %w", err)
	}
	defer rows.Close()
	var out []ConnectionRequest
	for rows.Next() {
		var r ConnectionRequest
		var created int64
		if err := rows.Scan(&r.ID, &r.From, &r.To, &r.Message, &created); err != nil {
			return nil, fmt.Errorf("list connection requests: %w", err)
		}
		r.CreatedAt = fromMS(created)
		out = append(out, r)
	}
	return out, rows.Err()
}

// HasConnectionRequest reports whether from asked to connect with to.
func (q Q) HasConnectionRequest(ctx context.Context, from, to int64) (bool, error) {
	var one int
	err := q.q.QueryRowContext(ctx, "SELECT 1 FROM connection_requests WHERE account_id = $1 AND target_id = $2", from, to).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check connection request: %w", err)
	}
	return true, nil
}

// Introduction is one person introducing two of their connections.
type Introduction struct {
	ID           int64
	IntroducerID int64
	A, B         int64
	Note         string
	AAnswer      string
	BAnswer      string
	Status       string // pending, connected, declined
	CreatedAt    time.Time
	DecidedAt    time.Time
}

const introColumns = "id, introducer_id, account_a, account_b, note, a_answer, b_answer, status, created_at, decided_at"

func scanIntro(s scanner) (*Introduction, error) {
	var in Introduction
	var created, decided int64
	if err := s.Scan(&in.ID, &in.IntroducerID, &in.A, &in.B, &in.Note, &in.AAnswer, &in.BAnswer, &in.Status, &created, &decided); err != nil {
		return nil, err
	}
	in.CreatedAt, in.DecidedAt = fromMS(created), fromMS(decided)
	return &in, nil
}

// InsertIntroduction records an introduction.
func (tx *Tx) InsertIntroduction(ctx context.Context, in *Introduction) error {
	in.ID = tx.db.NewID(in.CreatedAt)
	in.Status = "pending"
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO introductions (id, introducer_id, account_a, account_b, note, status, created_at)
		VALUES ($1, $2, $3, $4, $5, 'pending', $6)`, in.ID, in.IntroducerID, in.A, in.B, in.Note, ms(in.CreatedAt))
	if err != nil {
		return fmt.Errorf("record introduction: %w", err)
	}
	return nil
}

// IntroductionByID loads an introduction.
func (q Q) IntroductionByID(ctx context.Context, id int64) (*Introduction, error) {
	in, err := scanIntro(q.q.QueryRowContext(ctx, "SELECT "+introColumns+" FROM introductions WHERE id = $1", id))
	if err != nil {
		return nil, notFound(err, "introduction")
	}
	return in, nil
}

// PendingIntroductionBetween finds a pending introduction of a and b.
func (q Q) PendingIntroductionBetween(ctx context.Context, a, b int64) (*Introduction, error) {
	in, err := scanIntro(q.q.QueryRowContext(ctx, "SELECT "+introColumns+` FROM introductions WHERE status = 'pending'
		AND ((account_a = $1 AND account_b = $2) OR (account_a = $2 AND account_b = $1)) LIMIT 1`, a, b))
	if err != nil {
		return nil, notFound(err, "introduction")
	}
	return in, nil
}

// UpdateIntroduction saves answers and status.
func (tx *Tx) UpdateIntroduction(ctx context.Context, in *Introduction) error {
	res, err := tx.tx.ExecContext(ctx, "UPDATE introductions SET a_answer = $1, b_answer = $2, status = $3, decided_at = $4 WHERE id = $5",
		in.AAnswer, in.BAnswer, in.Status, ms(in.DecidedAt), in.ID)
	return mustAffect(res, err, "introduction")
}

// Introductions lists the introductions an account made or received,
// newest first.
func (q Q) Introductions(ctx context.Context, accountID int64, limit int) ([]*Introduction, error) {
	rows, err := q.q.QueryContext(ctx, "SELECT "+introColumns+` FROM introductions
		WHERE introducer_id = $1 OR account_a = $1 OR account_b = $1 ORDER BY id DESC LIMIT $2`, accountID, limit)
	if err != nil {
		return nil, fmt.Errorf("list introductions: %w", err)
	}
	defer rows.Close()
	var out []*Introduction
	for rows.Next() {
		in, err := scanIntro(rows)
		if err != nil {
			return nil, fmt.Errorf("list introductions: %w", err)
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// ConnectionGrowth is one connection with how it came about, for the
// network page.
type ConnectionGrowth struct {
	Other        int64
	IntroducedBy int64 // 0 when not through an introduction
	CreatedAt    time.Time
}

// ConnectionHistory lists an account's connections oldest first, with the
// introducer when an introduction made them.
func (q Q) ConnectionHistory(ctx context.Context, accountID int64) ([]ConnectionGrowth, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT CASE WHEN c.account_a = $1 THEN c.account_b ELSE c.account_a END,
		COALESCE(i.introducer_id, 0), c.created_at FROM connections c LEFT JOIN introductions i ON i.id = c.introduction_id
		WHERE c.account_a = $1 OR c.account_b = $1 ORDER BY c.created_at, c.id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("connection history: %w", err)
	}
	defer rows.Close()
	var out []ConnectionGrowth
	for rows.Next() {
		var g ConnectionGrowth
		var created int64
		if err := rows.Scan(&g.Other, &g.IntroducedBy, &created); err != nil {
			return nil, fmt.Errorf("connection history: %w", err)
		}
		g.CreatedAt = fromMS(created)
		out = append(out, g)
	}
	return out, rows.Err()
}
