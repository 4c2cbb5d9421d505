package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Severities of a domain block.
const (
	// DomainSuspend refuses every activity from the domain, delivers nothing
	// to it and fetches nothing from it.
	DomainSuspend = "suspend"
	// DomainSilence accepts the domain's activities but keeps its posts off
	// public timelines and turns its follows into requests.
	DomainSilence = "silence"
)

// DomainBlock is an admin's decision about a remote domain (and its
// subdomains).
type DomainBlock struct {
	Domain    string
	Severity  string
	Reason    string
	CreatedBy int64
	CreatedAt time.Time
}

// PutDomainBlock creates or changes a domain block.
func (tx *Tx) PutDomainBlock(ctx context.Context, b DomainBlock) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO federation_domains (domain, severity, reason, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (domain) DO UPDATE SET severity = excluded.severity,
		reason = excluded.reason, created_by = excluded.created_by`,
		strings.ToLower(b.Domain), b.Severity, b.Reason, nullID(b.CreatedBy), ms(b.CreatedAt))
	if err != nil {
		return fmt.Errorf("block domain: %w", err)
	}
	return nil
}

// DeleteDomainBlock lifts a domain block and reports whether there was one.
func (tx *Tx) DeleteDomainBlock(ctx context.Context, domain string) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, "DELETE FROM federation_domains WHERE domain = $1", strings.ToLower(domain))
	if err != nil {
		return false, fmt.Errorf("unblock domain: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DomainBlocks lists every domain block, by domain.
func (q Q) DomainBlocks(ctx context.Context) ([]DomainBlock, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT domain, severity, reason, COALESCE(created_by, 0), created_at
		FROM federation_domains ORDER BY domain`)
	if err != nil {
		return nil, fmt.Errorf("list domain blocks: %w", err)
	}
	defer rows.Close()
	var out []DomainBlock
	for rows.Next() {
		var b DomainBlock
		var created int64
		if err := rows.Scan(&b.Domain, &b.Severity, &b.Reason, &b.CreatedBy, &created); err != nil {
			return nil, fmt.Errorf("list domain blocks: %w", err)
		}
		b.CreatedAt = fromMS(created)
		out = append(out, b)
	}
	return out, rows.Err()
}
