package social

import (
	"context"
	"slices"
	"testing"
	"time"

	"parvis/internal/jobs"
	"parvis/internal/store"
	"parvis/internal/store/storetest"
)

// TestInsightsFlushInTransactionsOfFlushSize: a flush writes FlushSize
// events a transaction; when one of them fails, what committed before it
// stays written and the rest waits for the next flush, so every event is
// written exactly once.
func TestInsightsFlushInTransactionsOfFlushSize(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	svc := New(Config{Domain: "parvis.example", Secret: []byte("secret")}, Deps{DB: db, Queue: jobs.NewQueue()})
	rec := NewInsightsRecorder(svc, InsightsConfig{FlushSize: 3})
	at := time.Now().UTC().Truncate(time.Millisecond)
	for post := int64(1); post <= 8; post++ {
		rec.record(store.InsightEvent{At: at, Kind: store.InsightImpression, AccountID: 42, PostID: post, Actor: 7})
	}
	// Event 5 fails: it is in the second transaction (4, 5, 6).
	refuse, allow := `CREATE TRIGGER refuse_five BEFORE INSERT ON insight_events WHEN NEW.post_id = 5
		BEGIN SELECT RAISE(ABORT, 'refused'); END`, `DROP TRIGGER refuse_five`
	if db.Engine() == store.Postgres {
		refuse = `CREATE FUNCTION refuse_five() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN IF NEW.post_id = 5 THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$;
			CREATE TRIGGER refuse_five BEFORE INSERT ON insight_events FOR EACH ROW EXECUTE FUNCTION refuse_five()`
		allow = `DROP TRIGGER refuse_five ON insight_events; DROP FUNCTION refuse_five()`
	}
	if _, err := db.SQL().ExecContext(ctx, refuse); err != nil {
		t.Fatal(err)
	}
	written := func() []int64 {
		t.Helper()
		rows, err := db.SQL().QueryContext(ctx, "SELECT post_id FROM insight_events WHERE account_id = 42 ORDER BY post_id")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		return ids
	}
	if err := rec.Flush(ctx); err == nil {
		t.Fatal("a flush with a refused event succeeded")
	}
	if got := written(); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Errorf("after the failed flush: %v written, want the first transaction's 1, 2, 3", got)
	}
	if st := rec.Stats(); st.Pending != 5 || st.Written != 3 || st.Dropped != 0 {
		t.Errorf("after the failed flush: %+v, want 5 pending and 3 written", st)
	}
	if _, err := db.SQL().ExecContext(ctx, allow); err != nil {
		t.Fatal(err)
	}
	if err := rec.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := written(); !slices.Equal(got, []int64{1, 2, 3, 4, 5, 6, 7, 8}) {
		t.Errorf("after the second flush: %v written, want each of 1 to 8 once", got)
	}
	if st := rec.Stats(); st.Pending != 0 || st.Written != 8 {
		t.Errorf("after the second flush: %+v", st)
	}
}
