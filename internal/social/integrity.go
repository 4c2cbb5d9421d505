package social

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"parvis/internal/integrity"
	"parvis/internal/model"
	"parvis/internal/store"
)

// Integrity scans look for manipulated engagement (dense blocks, lockstep,
// serial engagement, rings, bursts of new or related accounts) and flag it:
// flagged favourites and boosts leave the displayed counts (but for the
// people who made them), the rankings and every insight, until a moderator
// clears them. Nothing is deleted; every decision is logged and reversible.

// scanLookback is how much engagement before the new one a scan looks at:
// the context dense blocks and rings need.
const scanLookback = 7 * 24 * time.Hour

// ScanReport says what a scan did.
type ScanReport struct {
	From, To    time.Time
	Engagements int
	Findings    int
	Flagged     int
	Elapsed     time.Duration
}

// ScanOptions bound a scan.
type ScanOptions struct {
	// Since is the start of the new engagement to judge; zero continues
	// from the last scan (or the lookback on the first).
	Since time.Time
	// Lookback is the context before Since (default 7 days).
	Lookback time.Duration
	Config   *integrity.Config
	// Progress, if set, is told how far each stage is: "read" (engagement
	// rows loaded; the total is 0 while unknown), "detect" (0 then 1),
	// "flag" (findings written).
	Progress func(stage string, done, total int64)
}

func (o ScanOptions) progress(stage string, done, total int64) {
	if o.Progress != nil {
		o.Progress(stage, done, total)
	}
}

// IntegrityScan runs the detectors on the engagement since the last scan
// (with its context) and flags what they find.
func (s *Service) IntegrityScan(ctx context.Context, o ScanOptions) (ScanReport, error) {
	start := time.Now()
	now := s.now()
	q := s.db.Read()
	since := o.Since
	if since.IsZero() {
		pos, err := q.Cursor(ctx, "scan")
		if err != nil {
			return ScanReport{}, err
		}
		since = time.UnixMilli(pos).UTC()
		if pos == 0 {
			since = now.Add(-scanLookback)
		}
	}
	lookback := o.Lookback
	if lookback <= 0 {
		lookback = scanLookback
	}
	from := since.Add(-lookback)
	o.progress("read", 0, 0)
	rows, err := q.EngagementBetween(ctx, from, now.Add(time.Millisecond))
	if err != nil {
		return ScanReport{}, err
	}
	rep := ScanReport{From: since, To: now, Engagements: len(rows)}
	o.progress("read", int64(len(rows)), int64(len(rows)))
	ds := integrity.Dataset{Edges: make([]integrity.Edge, 0, len(rows)), Accounts: map[int64]integrity.AccountFacts{}}
	var accountIDs []int64
	seen := map[int64]bool{}
	for _, r := range rows {
		k := integrity.Favourite
		switch r.Kind {
		case "reblog":
			k = integrity.Boost
		case "reply":
			k = integrity.Reply
		}
		ds.Edges = append(ds.Edges, integrity.Edge{Account: r.AccountID, Object: r.PostID, Author: r.AuthorID, Kind: k,
			Time: r.At.Unix()})
		if !seen[r.AccountID] {
			seen[r.AccountID] = true
			accountIDs = append(accountIDs, r.AccountID)
		}
	}
	facts, err := q.AccountFactsFor(ctx, accountIDs)
	if err != nil {
		return rep, err
	}
	for id, f := range facts {
		ds.Accounts[id] = integrity.AccountFacts{CreatedAt: f.CreatedAt.Unix(), Network: hash64(f.Network), Client: hash64(f.Client)}
	}
	cfg := integrity.DefaultConfig()
	if o.Config != nil {
		cfg = *o.Config
	}
	o.progress("detect", 0, 1)
	findings, err := integrity.Detect(ctx, ds, cfg)
	if err != nil {
		return rep, err
	}
	o.progress("detect", 1, 1)
	// Index the engagement so each finding flags the engagement it is about.
	byAccount := map[int64][]store.EngagementRow{}
	for _, r := range rows {
		byAccount[r.AccountID] = append(byAccount[r.AccountID], r)
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		for i, f := range findings {
			o.progress("flag", int64(i), int64(len(findings)))
			// A finding about engagement that is all older than this scan's
			// new engagement was already judged by an earlier scan.
			if time.Unix(f.To, 0).Before(since) && f.To != 0 {
				continue
			}
			objects := map[int64]bool{}
			for _, o := range f.Objects {
				objects[o] = true
			}
			var flagged []store.EngagementRow
			for _, a := range f.Accounts {
				for _, r := range byAccount[a] {
					if !objects[r.PostID] {
						continue
					}
					if f.From != 0 && (r.At.Unix() < f.From || r.At.Unix() > f.To) {
						continue
					}
					flagged = append(flagged, r)
				}
			}
			if len(flagged) == 0 {
				continue
			}
			evidence, _ := json.Marshal(f)
			sf := &store.Finding{Signal: string(f.Signal), Score: f.Score, Reason: f.Reason, Evidence: string(evidence),
				WindowFrom: time.Unix(f.From, 0).UTC(), WindowTo: time.Unix(f.To, 0).UTC(), CreatedAt: now}
			if f.From == 0 {
				sf.WindowFrom, sf.WindowTo = from, now
			}
			if err := tx.InsertFinding(ctx, sf); err != nil {
				return err
			}
			added := 0
			for _, r := range flagged {
				ok, err := tx.FlagEngagement(ctx, r, sf.ID)
				if err != nil {
					return err
				}
				if ok {
					added++
				}
			}
			if added == 0 {
				// Everything was flagged already: the finding adds nothing.
				if err := tx.SetFindingStatus(ctx, sf.ID, "cleared", 0, now); err != nil {
					return err
				}
				continue
			}
			rep.Findings++
			rep.Flagged += added
		}
		o.progress("flag", int64(len(findings)), int64(len(findings)))
		return tx.SetCursor(ctx, "scan", now.UnixMilli(), now)
	})
	rep.Elapsed = time.Since(start)
	if err != nil {
		return rep, wrap("integrity scan", err)
	}
	if rep.Findings > 0 {
		s.log.Info("integrity scan flagged engagement", "findings", rep.Findings, "flagged", rep.Flagged,
			"engagements", rep.Engagements, "elapsed_ms", rep.Elapsed.Milliseconds())
	}
	return rep, nil
}

// hash64 turns a stored hash (hex) into the number the detectors compare;
// "" stays 0 (unknown).
func hash64(s string) uint64 {
	if s == "" {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// FindingView is a finding with what moderators need to judge it.
type FindingView struct {
	Finding  *store.Finding
	Evidence integrity.Finding
	Flags    []store.EngagementRow
	Accounts map[int64]*model.Account
}

// Findings lists findings for moderators (status "" for all).
func (s *Service) Findings(ctx context.Context, actor *Actor, status string) ([]*store.Finding, error) {
	if err := actor.requireRole(model.RoleModerator); err != nil {
		return nil, err
	}
	switch status {
	case "", "pending", "confirmed", "cleared":
	default:
		return nil, model.Errorf(model.EUNPROCESS, "unknown status %q (want pending, confirmed or cleared)", status)
	}
	return s.db.Read().Findings(ctx, status, 500)
}

// Finding loads one finding with its evidence.
func (s *Service) Finding(ctx context.Context, actor *Actor, id int64) (*FindingView, error) {
	if err := actor.requireRole(model.RoleModerator); err != nil {
		return nil, err
	}
	q := s.db.Read()
	f, err := q.FindingByID(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &FindingView{Finding: f}
	if err := json.Unmarshal([]byte(f.Evidence), &v.Evidence); err != nil {
		return nil, fmt.Errorf("decode evidence of finding %d: %w", id, err)
	}
	if v.Flags, err = q.FlagsOf(ctx, id, 5000); err != nil {
		return nil, err
	}
	ids := append(append([]int64{}, v.Evidence.Accounts...), v.Evidence.Authors...)
	if v.Accounts, err = q.AccountsByIDs(ctx, ids); err != nil {
		return nil, err
	}
	return v, nil
}

// Finding decisions.
const (
	DecisionConfirm = "confirm"
	DecisionClear   = "clear"
	DecisionReopen  = "reopen"
	DecisionSuspend = "suspend" // confirm and suspend the accounts
)

// DecideFinding records a moderator's decision. Clearing restores the
// counts; confirming (or reopening) discounts them again; suspending
// confirms and suspends the finding's accounts. Every decision is logged.
func (s *Service) DecideFinding(ctx context.Context, actor *Actor, id int64, decision string) error {
	if err := actor.requireRole(model.RoleModerator); err != nil {
		return err
	}
	status := map[string]string{DecisionConfirm: "confirmed", DecisionClear: "cleared", DecisionReopen: "pending",
		DecisionSuspend: "confirmed"}[decision]
	if status == "" {
		return model.Errorf(model.EUNPROCESS, "unknown decision %q (want confirm, clear, reopen or suspend)", decision)
	}
	v, err := s.Finding(ctx, actor, id)
	if err != nil {
		return err
	}
	return wrap("decide finding", s.db.Tx(ctx, func(tx *store.Tx) error {
		now := s.now()
		if err := tx.SetFindingStatus(ctx, id, status, actor.Account.ID, now); err != nil {
			return err
		}
		if decision == DecisionSuspend {
			for _, a := range v.Evidence.Accounts {
				u, err := tx.UserByAccountID(ctx, a)
				if err == nil && u.Role.AtLeast(model.RoleModerator) {
					continue // staff are never suspended by a scan
				}
				if err := tx.SetSuspended(ctx, a, now); err != nil && !model.IsNotFound(err) {
					return err
				}
				if err := tx.LogModeration(ctx, store.LogEntry{ActorID: actor.Account.ID, Action: "suspend",
					TargetAccountID: a, Reason: fmt.Sprintf("integrity finding %d", id), CreatedAt: now}); err != nil {
					return err
				}
			}
		}
		return tx.LogModeration(ctx, store.LogEntry{ActorID: actor.Account.ID, Action: "finding_" + decision,
			Reason: fmt.Sprintf("finding %d (%s)", id, v.Finding.Signal), CreatedAt: now})
	}))
}

// Unsuspend lifts a suspension (server moderators).
func (s *Service) Unsuspend(ctx context.Context, actor *Actor, accountID int64) error {
	if err := actor.requireRole(model.RoleModerator); err != nil {
		return err
	}
	return wrap("unsuspend", s.db.Tx(ctx, func(tx *store.Tx) error {
		a, err := tx.AccountByID(ctx, accountID)
		if err != nil {
			return err
		}
		if a.Deleted() {
			return model.Errorf(model.ECONFLICT, "a deleted account cannot be unsuspended")
		}
		if err := tx.SetSuspended(ctx, accountID, time.Time{}); err != nil {
			return err
		}
		return tx.LogModeration(ctx, store.LogEntry{ActorID: actor.Account.ID, Action: "unsuspend",
			TargetAccountID: accountID, CreatedAt: s.now()})
	}))
}

// IntegrityScanArgs runs an incremental scan.
type IntegrityScanArgs struct{}

// Kind names the job.
func (IntegrityScanArgs) Kind() string { return "integrity_scan" }

// InsertOpts keeps one scan queued at a time, on the scans queue.
func (IntegrityScanArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: "scans", UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable,
		rivertype.JobStateScheduled}}}
}

type integrityScanWorker struct {
	river.WorkerDefaults[IntegrityScanArgs]
	s *Service
}

func (w *integrityScanWorker) Timeout(*river.Job[IntegrityScanArgs]) time.Duration {
	return 55 * time.Second
}

func (w *integrityScanWorker) Work(ctx context.Context, job *river.Job[IntegrityScanArgs]) error {
	_, err := w.s.IntegrityScan(ctx, ScanOptions{})
	return err
}

// scanEvery is how often incremental scans run while engagement keeps
// coming: a scan reads a week of context (seconds of CPU on a large
// server), so once a minute would cost a core's tenth all day long.
const scanEvery = 10 * time.Minute

// scanSoon queues an incremental scan at the next ten-minute mark (one at a
// time): new engagement is judged within minutes, without a scan per click.
func (s *Service) scanSoon(ctx context.Context, tx *store.Tx) error {
	at := s.now().Add(scanEvery).Truncate(scanEvery)
	// The queue keeps one scan per mark; asking it again for every like
	// cost half of a like's transaction. Remember the mark once queued.
	if s.scanQueued.Load() == at.UnixMilli() {
		return nil
	}
	opts := IntegrityScanArgs{}.InsertOpts()
	opts.ScheduledAt = at
	if err := s.queue.Enqueue(ctx, tx.SQL(), IntegrityScanArgs{}, &opts); err != nil {
		return err
	}
	tx.AfterCommit(func() { s.scanQueued.Store(at.UnixMilli()) })
	return nil
}
