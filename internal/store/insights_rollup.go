package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"parvis/internal/model"
)

// Time buckets of the roll-ups, in milliseconds.
const (
	hourMS = int64(time.Hour / time.Millisecond)
	dayMS  = int64(24 * time.Hour / time.Millisecond)
)

// Names of the roll-up positions in insight_state.
const (
	stateHourly = "hourly" // the last event id rolled up by hour
	stateDaily  = "daily"  // the start of the first day not rolled up by day
	// stateHourlyFrom is the first hour the hourly counts are complete from
	// (the sweep deletes older ones).
	stateHourlyFrom = "hourly_from"
)

// insightState reads a roll-up position (0 when never set).
func (q Q) insightState(ctx context.Context, name string) (int64, error) {
	var v int64
	err := q.q.QueryRowContext(ctx, "SELECT value FROM insight_state WHERE name = $1", name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read insights state %s: %w", name, err)
	}
	return v, nil
}

func (tx *Tx) setInsightState(ctx context.Context, name string, v int64, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO insight_state (name, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, name, v, ms(at))
	if err != nil {
		return fmt.Errorf("save insights state %s: %w", name, err)
	}
	return nil
}

// insightsLockKey names the roll-up lock; arbitrary but fixed: "insight"
// in ASCII.
const insightsLockKey int64 = 29676314523297908

// lockInsights makes roll-ups take turns. SQLite's single writer already
// does; on PostgreSQL two nodes (or a node and the command line) could
// otherwise read the same position and count a range twice.
func (tx *Tx) lockInsights(ctx context.Context) error {
	if tx.db.engine != Postgres {
		return nil
	}
	if _, err := tx.tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", insightsLockKey); err != nil {
		return fmt.Errorf("lock insights roll-up: %w", err)
	}
	return nil
}

// InsightWatermarks tells how far the roll-ups went: reports are complete
// up to Hourly; days before Daily are read from the daily roll-up.
type InsightWatermarks struct {
	Hourly time.Time
	Daily  time.Time
}

// InsightWatermarks returns the roll-up positions.
func (q Q) InsightWatermarks(ctx context.Context) (InsightWatermarks, error) {
	h, err := q.insightState(ctx, stateHourly)
	if err != nil {
		return InsightWatermarks{}, err
	}
	d, err := q.insightState(ctx, stateDaily)
	if err != nil {
		return InsightWatermarks{}, err
	}
	var w InsightWatermarks
	if h > 0 {
		w.Hourly = model.IDTime(h + 1)
	}
	if d > 0 {
		w.Daily = fromMS(d)
	}
	return w, nil
}

// RollupInsightsHourly adds the raw events with ids up to the one of
// upTo (exclusive) and not yet rolled up to the hourly counts, and returns
// how many it added. An impression or a profile view counts once per
// viewer, post and day across nodes and restarts, and a website visitor
// once per site and day (see insight_seen): logged-in viewers by account,
// anonymous ones by their daily key, which every node derives from the
// same salt. It runs in tx, which also advances the position, so a run is
// all or nothing.
func (tx *Tx) RollupInsightsHourly(ctx context.Context, upTo time.Time) (int64, error) {
	n, _, err := tx.RollupInsightsHourlyPart(ctx, upTo, 0)
	return n, err
}

// RollupInsightsHourlyPart is RollupInsightsHourly for at most max events
// (0: all), the oldest; more says whether some remain. Under load a
// minute of impressions took the writer for 400 ms in one transaction;
// parts keep each short, and the counts are the same (first sightings
// are remembered across parts as across runs).
func (tx *Tx) RollupInsightsHourlyPart(ctx context.Context, upTo time.Time, max int) (n int64, more bool, err error) {
	if err := tx.lockInsights(ctx); err != nil {
		return 0, false, err
	}
	lo, err := tx.insightState(ctx, stateHourly)
	if err != nil {
		return 0, false, err
	}
	hi := model.IDAt(upTo) - 1
	if hi <= lo {
		return 0, false, nil
	}
	if max > 0 {
		var last int64
		err := tx.q.QueryRowContext(ctx, "SELECT id FROM insight_events WHERE id > $1 AND id <= $2 ORDER BY id LIMIT 1 OFFSET $3",
			lo, hi, max-1).Scan(&last)
		switch {
		case err == nil:
			more, hi = last < hi, last
		case !errors.Is(err, sql.ErrNoRows):
			return 0, false, fmt.Errorf("roll up insights: %w", err)
		}
	}
	if err := tx.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM insight_events WHERE id > $1 AND id <= $2", lo, hi).Scan(&n); err != nil {
		return 0, false, fmt.Errorf("roll up insights: %w", err)
	}
	if n > 0 {
		if err := tx.rollupRange(ctx, lo, hi); err != nil {
			return 0, false, err
		}
	}
	return n, more, tx.setInsightState(ctx, stateHourly, hi, tx.db.Now())
}

// dedupeKinds lists the kinds counted once per viewer and day.
var dedupeKinds = fmt.Sprintf("%d, %d", InsightImpression, InsightProfileView)

// The kinds of beacon hits, as SQL literals.
var (
	visitorKind  = fmt.Sprint(int(InsightVisitor))
	visitKind    = fmt.Sprint(int(InsightVisit))
	pageviewKind = fmt.Sprint(int(InsightPageview))
)

// entrySources lists the sources of visits whose first hit of the day
// starts a visit (all but direct, internal and unknown; insights.Source).
const entrySources = "1, 2, 3, 4, 5"

// fanOutKinds lists the kinds also counted for the post's community.
var fanOutKinds = fmt.Sprintf("%d, %d, %d", InsightImpression, InsightClick, InsightClickFiltered)

func (tx *Tx) rollupRange(ctx context.Context, lo, hi int64) error {
	batch := hi
	hourOf := fmt.Sprintf("((id >> 16) / %d * %d)", hourMS, hourMS)
	eHourOf := fmt.Sprintf("((e.id >> 16) / %d * %d)", hourMS, hourMS)
	dayOf := fmt.Sprintf("((id >> 16) / %d * %d)", dayMS, dayMS)
	stmts := []struct {
		what, q string
		args    []any
	}{
		{"first sightings", `INSERT INTO insight_seen (day, kind, account_id, post_id, actor, community_id, bucket, batch)
			SELECT ` + dayOf + `, kind, account_id, post_id, actor, MAX(community_id), MIN(` + hourOf + `), $3
			FROM insight_events WHERE id > $1 AND id <= $2 AND kind IN (` + dedupeKinds + `) AND actor <> 0
			GROUP BY ` + dayOf + `, kind, account_id, post_id, actor
			ON CONFLICT (day, kind, account_id, post_id, actor) DO NOTHING`, []any{lo, hi, batch}},
		// A visitor's first hit of the day on a site (post_id holds the
		// site): the first node to count it wins.
		{"first visitors", `INSERT INTO insight_seen (day, kind, account_id, post_id, actor, community_id, bucket, batch)
			SELECT ` + dayOf + `, kind, account_id, ref_id, actor, 0, MIN(` + hourOf + `), $3
			FROM insight_events WHERE id > $1 AND id <= $2 AND kind = ` + visitorKind + ` AND actor <> 0
			GROUP BY ` + dayOf + `, kind, account_id, ref_id, actor
			ON CONFLICT (day, kind, account_id, post_id, actor) DO NOTHING`, []any{lo, hi, batch}},
		{"sightings", `INSERT INTO insight_hourly (account_id, bucket, kind, post_id, ref_id, source, detail, n)
			SELECT account_id, bucket, kind, post_id, 0, 0, '', COUNT(*) FROM insight_seen
			WHERE batch = $1 AND kind IN (` + dedupeKinds + `)
			GROUP BY account_id, bucket, kind, post_id
			ON CONFLICT (account_id, kind, bucket, post_id, ref_id, source, detail) DO UPDATE SET n = insight_hourly.n + excluded.n`, []any{batch}},
		{"community sightings", `INSERT INTO insight_hourly (account_id, bucket, kind, post_id, ref_id, source, detail, n)
			SELECT c.account_id, s.bucket, s.kind, s.post_id, 0, 0, '', COUNT(*) FROM insight_seen s
			JOIN communities c ON c.id = s.community_id
			WHERE s.batch = $1 AND s.community_id <> 0 AND s.kind IN (` + fanOutKinds + `)
			GROUP BY c.account_id, s.bucket, s.kind, s.post_id
			ON CONFLICT (account_id, kind, bucket, post_id, ref_id, source, detail) DO UPDATE SET n = insight_hourly.n + excluded.n`, []any{batch}},
		{"events", `INSERT INTO insight_hourly (account_id, bucket, kind, post_id, ref_id, source, detail, n)
			SELECT account_id, ` + hourOf + `, kind, post_id, ref_id, source, detail, COUNT(*) FROM insight_events
			WHERE id > $1 AND id <= $2 AND (kind NOT IN (` + dedupeKinds + `) OR actor = 0)
			AND NOT (kind = ` + visitorKind + ` AND actor <> 0)
			GROUP BY account_id, ` + hourOf + `, kind, post_id, ref_id, source, detail
			ON CONFLICT (account_id, kind, bucket, post_id, ref_id, source, detail) DO UPDATE SET n = insight_hourly.n + excluded.n`, []any{lo, hi}},
		// A visitor's first hits of the day: only the one the sightings
		// above kept stays a visitor; another node's (or an earlier run's)
		// counts as a visit when it is an entry, as a pageview otherwise.
		{"visitors", `INSERT INTO insight_hourly (account_id, bucket, kind, post_id, ref_id, source, detail, n)
			SELECT account_id, bucket, k, post_id, ref_id, source, detail, COUNT(*) FROM (
				SELECT v.account_id, v.bucket, v.post_id, v.ref_id, v.source, v.detail,
					CASE WHEN v.rn = 1 AND EXISTS (SELECT 1 FROM insight_seen s WHERE s.day = v.day AND s.kind = v.kind
						AND s.account_id = v.account_id AND s.post_id = v.ref_id AND s.actor = v.actor AND s.batch = $3)
					THEN v.kind WHEN v.source IN (` + entrySources + `) THEN ` + visitKind + ` ELSE ` + pageviewKind + ` END AS k
				FROM (SELECT kind, account_id, post_id, ref_id, source, detail, actor, ` + dayOf + ` AS day, ` + hourOf + ` AS bucket,
					ROW_NUMBER() OVER (PARTITION BY ` + dayOf + `, account_id, ref_id, actor ORDER BY id) AS rn
					FROM insight_events WHERE id > $1 AND id <= $2 AND kind = ` + visitorKind + ` AND actor <> 0) v
			) x WHERE true
			GROUP BY account_id, bucket, k, post_id, ref_id, source, detail
			ON CONFLICT (account_id, kind, bucket, post_id, ref_id, source, detail) DO UPDATE SET n = insight_hourly.n + excluded.n`, []any{lo, hi, batch}},
		{"community events", `INSERT INTO insight_hourly (account_id, bucket, kind, post_id, ref_id, source, detail, n)
			SELECT c.account_id, ` + eHourOf + `, e.kind, e.post_id, e.ref_id, e.source, e.detail, COUNT(*) FROM insight_events e
			JOIN communities c ON c.id = e.community_id
			WHERE e.id > $1 AND e.id <= $2 AND e.community_id <> 0 AND e.kind IN (` + fanOutKinds + `)
			AND (e.kind NOT IN (` + dedupeKinds + `) OR e.actor = 0)
			GROUP BY c.account_id, ` + eHourOf + `, e.kind, e.post_id, e.ref_id, e.source, e.detail
			ON CONFLICT (account_id, kind, bucket, post_id, ref_id, source, detail) DO UPDATE SET n = insight_hourly.n + excluded.n`, []any{lo, hi}},
	}
	for _, s := range stmts {
		if _, err := tx.tx.ExecContext(ctx, s.q, s.args...); err != nil {
			return fmt.Errorf("roll up insights (%s): %w", s.what, err)
		}
	}
	// Events that arrive for a day already rolled up by day (a node whose
	// flush was late) send the daily roll-up back to that day.
	var first int64
	if err := tx.q.QueryRowContext(ctx, "SELECT MIN(id) FROM insight_events WHERE id > $1 AND id <= $2", lo, hi).Scan(&first); err != nil {
		return fmt.Errorf("roll up insights: %w", err)
	}
	daily, err := tx.insightState(ctx, stateDaily)
	if err != nil {
		return err
	}
	if day := (first >> 16) / dayMS * dayMS; daily > 0 && day < daily {
		return tx.setInsightState(ctx, stateDaily, day, tx.db.Now())
	}
	return nil
}

// ReachSketches returns the stored reach sketches of a scope for the days
// in [since, until), by day.
func (q Q) ReachSketches(ctx context.Context, accountID int64, since, until time.Time) (map[time.Time]string, error) {
	rows, err := q.q.QueryContext(ctx, "SELECT day, sketch FROM insight_reach WHERE account_id = $1 AND day >= $2 AND day < $3",
		accountID, ms(since), ms(until))
	if err != nil {
		return nil, fmt.Errorf("load reach: %w", err)
	}
	defer rows.Close()
	out := map[time.Time]string{}
	for rows.Next() {
		var day int64
		var s string
		if err := rows.Scan(&day, &s); err != nil {
			return nil, fmt.Errorf("load reach: %w", err)
		}
		out[fromMS(day)] = s
	}
	return out, rows.Err()
}

// ReachMerge adds the viewers a recorder saw to one day's reach sketch of
// a scope, named by its account or by its community.
type ReachMerge struct {
	AccountID   int64
	CommunityID int64 // instead of AccountID: the community's group account
	Day         time.Time
	// Merge returns the sketch with the new viewers added to old ("" when
	// there was none).
	Merge func(old string) string
}

// MergeReach applies reach updates in one transaction, taking turns with
// the roll-ups and the other nodes.
func (db *DB) MergeReach(ctx context.Context, merges []ReachMerge) error {
	if len(merges) == 0 {
		return nil
	}
	return db.Tx(ctx, func(tx *Tx) error {
		if err := tx.lockInsights(ctx); err != nil {
			return err
		}
		groups := map[int64]int64{}
		for _, m := range merges {
			acc := m.AccountID
			if m.CommunityID != 0 {
				a, ok := groups[m.CommunityID]
				if !ok {
					err := tx.q.QueryRowContext(ctx, "SELECT account_id FROM communities WHERE id = $1", m.CommunityID).Scan(&a)
					if errors.Is(err, sql.ErrNoRows) {
						continue // the community is gone
					}
					if err != nil {
						return fmt.Errorf("merge reach: %w", err)
					}
					groups[m.CommunityID] = a
				}
				acc = a
			}
			var old string
			err := tx.q.QueryRowContext(ctx, "SELECT sketch FROM insight_reach WHERE account_id = $1 AND day = $2",
				acc, ms(m.Day)).Scan(&old)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("merge reach: %w", err)
			}
			_, err = tx.tx.ExecContext(ctx, `INSERT INTO insight_reach (account_id, day, sketch) VALUES ($1, $2, $3)
				ON CONFLICT (account_id, day) DO UPDATE SET sketch = excluded.sketch`, acc, ms(m.Day), m.Merge(old))
			if err != nil {
				return fmt.Errorf("merge reach: %w", err)
			}
		}
		return nil
	})
}

// RollupInsightsDaily sums the hourly counts of every whole day that the
// hourly roll-up has finished and the daily one has not, and returns how
// many days it rolled up. A day rolled up again replaces its counts.
func (tx *Tx) RollupInsightsDaily(ctx context.Context) (int, error) {
	if err := tx.lockInsights(ctx); err != nil {
		return 0, err
	}
	h, err := tx.insightState(ctx, stateHourly)
	if err != nil || h == 0 {
		return 0, err
	}
	done := ((h+1)>>16)/dayMS*dayMS - dayMS // the start of the last whole day covered
	next, err := tx.insightState(ctx, stateDaily)
	if err != nil {
		return 0, err
	}
	if next == 0 {
		if err := tx.q.QueryRowContext(ctx, "SELECT COALESCE(MIN(bucket), 0) FROM insight_hourly").Scan(&next); err != nil {
			return 0, fmt.Errorf("roll up insights by day: %w", err)
		}
		if next == 0 {
			next = done + dayMS
		}
		next = next / dayMS * dayMS
	}
	if next > done {
		return 0, nil
	}
	if _, err := tx.tx.ExecContext(ctx, "DELETE FROM insight_daily WHERE bucket >= $1 AND bucket <= $2", next, done); err != nil {
		return 0, fmt.Errorf("roll up insights by day: %w", err)
	}
	dayOf := fmt.Sprintf("(bucket / %d * %d)", dayMS, dayMS)
	_, err = tx.tx.ExecContext(ctx, `INSERT INTO insight_daily (account_id, bucket, kind, post_id, ref_id, source, detail, n)
		SELECT account_id, `+dayOf+`, kind, post_id, ref_id, source, detail, SUM(n) FROM insight_hourly
		WHERE bucket >= $1 AND bucket < $2
		GROUP BY account_id, `+dayOf+`, kind, post_id, ref_id, source, detail`, next, done+dayMS)
	if err != nil {
		return 0, fmt.Errorf("roll up insights by day: %w", err)
	}
	if err := tx.setInsightState(ctx, stateDaily, done+dayMS, tx.db.Now()); err != nil {
		return 0, err
	}
	return int((done + dayMS - next) / dayMS), nil
}

// InsightSweep says what SweepInsights removed.
type InsightSweep struct {
	Events, Hourly, Seen int64
}

// SweepInsights deletes raw events older than rawBefore and hourly counts
// older than hourlyBefore, never anything not yet rolled up, and the
// sightings of days before yesterday. It deletes in slices so that the
// SQLite writer is never held for long.
func (db *DB) SweepInsights(ctx context.Context, rawBefore, hourlyBefore time.Time) (InsightSweep, error) {
	var out InsightSweep
	q := db.Read()
	h, err := q.insightState(ctx, stateHourly)
	if err != nil {
		return out, err
	}
	d, err := q.insightState(ctx, stateDaily)
	if err != nil {
		return out, err
	}
	cut := min(model.IDAt(rawBefore), h+1)
	const slice = (10 * 60 * 1000) << 16 // ids per slice: ten minutes of events
	var first int64
	if err := db.read.QueryRowContext(ctx, "SELECT COALESCE(MIN(id), 0) FROM insight_events").Scan(&first); err != nil {
		return out, fmt.Errorf("sweep insights: %w", err)
	}
	for lo := first; first > 0 && lo < cut; lo += slice {
		hi := min(lo+slice, cut)
		err := db.Tx(ctx, func(tx *Tx) error {
			res, err := tx.tx.ExecContext(ctx, "DELETE FROM insight_events WHERE id >= $1 AND id < $2", lo, hi)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			out.Events += n
			return nil
		})
		if err != nil {
			return out, fmt.Errorf("sweep insight events: %w", err)
		}
	}
	err = db.Tx(ctx, func(tx *Tx) error {
		cut := min(ms(hourlyBefore)/hourMS*hourMS, d)
		res, err := tx.tx.ExecContext(ctx, "DELETE FROM insight_hourly WHERE bucket < $1", cut)
		if err != nil {
			return err
		}
		out.Hourly, _ = res.RowsAffected()
		if from, err := tx.insightState(ctx, stateHourlyFrom); err != nil {
			return err
		} else if cut > from {
			if err := tx.setInsightState(ctx, stateHourlyFrom, cut, tx.db.Now()); err != nil {
				return err
			}
		}
		today := (h >> 16) / dayMS * dayMS
		res, err = tx.tx.ExecContext(ctx, "DELETE FROM insight_seen WHERE day < $1", today-dayMS)
		if err != nil {
			return err
		}
		out.Seen, _ = res.RowsAffected()
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("sweep insights: %w", err)
	}
	return out, nil
}
