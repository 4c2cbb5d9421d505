package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"parvis/internal/model"
)

// InsightKind says what an insight event records. The values are stored;
// never renumber them.
type InsightKind int16

// The kinds of insight events.
const (
	// InsightImpression: a post shown to a viewer (account_id is its author).
	InsightImpression InsightKind = 1
	// InsightProfileView: a profile's first page of posts shown to someone
	// other than its owner.
	InsightProfileView InsightKind = 2
	// InsightClick: a tracked link followed by a person (ref_id is the link).
	InsightClick InsightKind = 3
	// InsightClickFiltered: a tracked link fetched by a bot or a prefetch;
	// counted apart, never as a click.
	InsightClickFiltered InsightKind = 4
	// InsightPageview: a beacon hit inside a visit already counted.
	InsightPageview InsightKind = 5
	// InsightVisit: a beacon hit that starts a visit (an entry from a post,
	// a link or another site) by a visitor already seen that day.
	InsightVisit InsightKind = 6
	// InsightVisitor: a visitor's first hit of the day on a site, which also
	// starts a visit.
	InsightVisitor InsightKind = 7
	// InsightHitFiltered: a beacon hit from a bot; counted apart.
	InsightHitFiltered InsightKind = 8
	// Network changes: account_id is the followed account, the community's
	// account, or one side of a connection; actor is the other side.
	InsightFollow     InsightKind = 9
	InsightUnfollow   InsightKind = 10
	InsightConnect    InsightKind = 11
	InsightDisconnect InsightKind = 12
	InsightJoin       InsightKind = 13
	InsightLeave      InsightKind = 14
)

// DedupedPerDay reports whether events of kind count once per viewer, post
// and day.
func (k InsightKind) DedupedPerDay() bool {
	return k == InsightImpression || k == InsightProfileView
}

// InsightEvent is one raw event.
type InsightEvent struct {
	// ID is time-sortable; 0 lets InsertInsightEvents derive it from At.
	ID   int64
	At   time.Time
	Kind InsightKind
	// AccountID is whose figure the event is.
	AccountID   int64
	PostID      int64
	CommunityID int64
	// RefID is the tracked link of a click or the site of a beacon hit.
	RefID int64
	// Actor is the account acting (> 0) or an anonymous viewer's daily key
	// (< 0); 0 when unknown.
	Actor int64
	// Source is where a visit came from (insights.Source).
	Source int16
	// Detail is the referring host of a visit from another site.
	Detail string
}

var insightColumns = []string{"id", "kind", "account_id", "post_id", "community_id", "ref_id", "actor", "source", "detail"}

// insightRowsPerStatement keeps SQLite's multi-row statements within its
// variable limit while amortising the per-statement cost.
const insightRowsPerStatement = 500

// InsertInsightEvents appends events in one transaction: multi-row INSERTs
// on SQLite, COPY on PostgreSQL. Events without an id get one from At
// (imports and tests may set their own, unique); an event at
// or before the hourly roll-up's position (its writer was held up longer
// than the roll-up waits) is moved to just after it, so that it is counted,
// an hour late at worst, rather than lost. The transaction takes turns
// with the roll-ups for that.
func (db *DB) InsertInsightEvents(ctx context.Context, evs []InsightEvent) error {
	if len(evs) == 0 {
		return nil
	}
	stamp := func(rolled int64) {
		for i := range evs {
			if evs[i].ID == 0 {
				evs[i].ID = db.NewID(evs[i].At)
			}
			if evs[i].ID <= rolled {
				evs[i].At = model.IDTime(rolled).Add(time.Millisecond)
				evs[i].ID = db.NewID(evs[i].At)
			}
		}
	}
	if db.engine == Postgres {
		return db.copyInsightEvents(ctx, evs, stamp)
	}
	return db.Tx(ctx, func(tx *Tx) error {
		rolled, err := tx.insightState(ctx, stateHourly)
		if err != nil {
			return err
		}
		stamp(rolled)
		full := multiInsert("insight_events", insightColumns, insightRowsPerStatement, "?")
		stmt, err := tx.tx.PrepareContext(ctx, full)
		if err != nil {
			return fmt.Errorf("insert insight events: %w", err)
		}
		defer stmt.Close()
		args := make([]any, 0, insightRowsPerStatement*len(insightColumns))
		for start := 0; start < len(evs); start += insightRowsPerStatement {
			end := min(start+insightRowsPerStatement, len(evs))
			args = args[:0]
			for i := start; i < end; i++ {
				e := &evs[i]
				args = append(args, e.ID, int16(e.Kind), e.AccountID, e.PostID, e.CommunityID, e.RefID, e.Actor, e.Source, e.Detail)
			}
			if end-start == insightRowsPerStatement {
				_, err = stmt.ExecContext(ctx, args...)
			} else {
				_, err = tx.tx.ExecContext(ctx, multiInsert("insight_events", insightColumns, end-start, "?"), args...)
			}
			if err != nil {
				return fmt.Errorf("insert insight events: %w", err)
			}
		}
		return nil
	})
}

// copyInsightEvents writes events with COPY, in a transaction holding the
// roll-up lock.
func (db *DB) copyInsightEvents(ctx context.Context, evs []InsightEvent, stamp func(rolled int64)) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("copy insight events: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", insightsLockKey); err != nil {
		return fmt.Errorf("copy insight events: %w", err)
	}
	var rolled int64
	err = tx.QueryRow(ctx, "SELECT COALESCE(MAX(value), 0) FROM insight_state WHERE name = $1", stateHourly).Scan(&rolled)
	if err != nil {
		return fmt.Errorf("copy insight events: %w", err)
	}
	stamp(rolled)
	src := pgx.CopyFromSlice(len(evs), func(i int) ([]any, error) {
		e := &evs[i]
		return []any{e.ID, int16(e.Kind), e.AccountID, e.PostID, e.CommunityID, e.RefID, e.Actor, e.Source, e.Detail}, nil
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"insight_events"}, insightColumns, src); err != nil {
		return fmt.Errorf("copy insight events: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("copy insight events: %w", err)
	}
	return nil
}

// InsertInsightEvent appends one event inside a transaction, for the
// changes (follows, joins) recorded together with the change itself.
func (tx *Tx) InsertInsightEvent(ctx context.Context, e InsightEvent) error {
	if e.ID == 0 {
		e.ID = tx.db.NewID(e.At)
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO insight_events (`+strings.Join(insightColumns, ", ")+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.ID, int16(e.Kind), e.AccountID, e.PostID, e.CommunityID, e.RefID, e.Actor, e.Source, e.Detail)
	if err != nil {
		return fmt.Errorf("record insight event: %w", err)
	}
	return nil
}

// CountInsightEvents counts the raw events of a kind in [since, until), for
// tests and the command line.
func (q Q) CountInsightEvents(ctx context.Context, kind InsightKind, since, until time.Time) (int64, error) {
	var n int64
	err := q.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM insight_events WHERE kind = $1 AND id >= $2 AND id < $3",
		int16(kind), model.IDAt(since), model.IDAt(until)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count insight events: %w", err)
	}
	return n, nil
}
