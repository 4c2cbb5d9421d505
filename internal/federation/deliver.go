package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"parvis/internal/federation/ap"
	"parvis/internal/jobs"
	"parvis/internal/store"
)

// Delivery policy. A delivery is retried with exponential backoff (one
// minute, then three times longer each time, at most a day apart) for
// about a week; a server that has failed for a day is marked unreachable,
// and deliveries to it then wait at least unreachableRetry between
// attempts, and are dropped once it has been unreachable for giveUpAfter.
const (
	deliverAttempts    = 14
	firstRetry         = time.Minute
	maxRetry           = 24 * time.Hour
	unreachableAfter   = 24 * time.Hour
	unreachableMinFail = 5
	unreachableRetry   = 6 * time.Hour
	giveUpAfter        = 7 * 24 * time.Hour
)

// FanOutArgs turns one activity into deliveries: one per server for the
// followers that share an inbox, one per inbox for the others.
type FanOutArgs struct {
	// ActorID is the local account that sends the activity (0: the
	// instance actor).
	ActorID  int64           `json:"actor_id,string"`
	Activity json.RawMessage `json:"activity"`
	// Followers sends to the actor's remote followers (or, for a
	// community's account, its remote members).
	Followers bool `json:"followers,omitempty"`
	// To are remote accounts addressed directly.
	To idList `json:"to,omitempty"`
	// Inboxes, when set, are the inboxes computed when the activity was
	// made (a deleted account's Delete: its follows are gone by the time
	// the job runs).
	Inboxes []string `json:"inboxes,omitempty"`
}

// idList is a list of row ids that travels in job arguments as strings.
// River's PostgreSQL driver passes arguments through a JSON codec that
// reads numbers as float64, which would round 64-bit ids.
type idList []int64

// MarshalJSON writes the ids as JSON strings.
func (l idList) MarshalJSON() ([]byte, error) {
	out := make([]string, len(l))
	for i, id := range l {
		out[i] = strconv.FormatInt(id, 10)
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads ids written as strings (or as numbers).
func (l *idList) UnmarshalJSON(b []byte) error {
	var raw []json.Number
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(idList, len(raw))
	for i, n := range raw {
		id, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil {
			return fmt.Errorf("job argument id %q: %w", n, err)
		}
		out[i] = id
	}
	*l = out
	return nil
}

// Kind names the job.
func (FanOutArgs) Kind() string { return "federation_fan_out" }

// InsertOpts puts federation work on the delivery queue.
func (FanOutArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueDelivery, MaxAttempts: 10}
}

type fanOutWorker struct {
	river.WorkerDefaults[FanOutArgs]
	f *Federation
}

func (w *fanOutWorker) Work(ctx context.Context, job *river.Job[FanOutArgs]) error {
	f := w.f
	var recipients []store.Recipient
	q := f.db.Read()
	if job.Args.Followers {
		rs, err := q.RemoteFollowers(ctx, job.Args.ActorID)
		if err != nil {
			return err
		}
		recipients = rs
	}
	if len(job.Args.To) > 0 {
		accs, err := q.AccountsByIDs(ctx, job.Args.To)
		if err != nil {
			return err
		}
		for _, id := range job.Args.To {
			if a := accs[id]; a != nil && !a.Local() && !a.Suspended() {
				r := store.Recipient{AccountID: a.ID, Domain: a.Domain, Inbox: a.Inbox, SharedInbox: a.SharedInbox}
				if !job.Args.Followers {
					// An activity for one actor (a Follow, a Like, an
					// Accept) goes to its own inbox, as Mastodon sends it.
					r.SharedInbox = ""
				}
				recipients = append(recipients, r)
			}
		}
	}
	inboxes := f.inboxes(ctx, recipients)
	if len(job.Args.Inboxes) > 0 {
		inboxes = job.Args.Inboxes
	}
	f.log.Debug("federation: fan out", "actor_id", job.Args.ActorID, "recipients", len(recipients), "inboxes", len(inboxes))
	if len(inboxes) == 0 {
		return nil
	}
	unreachable, err := q.UnreachableServers(ctx)
	if err != nil {
		return err
	}
	now := f.now()
	var params []river.InsertManyParams
	var batch []string
	flush := func() {
		if len(batch) > 0 {
			params = append(params, river.InsertManyParams{Args: DeliverBatchArgs{ActorID: job.Args.ActorID,
				Inboxes: batch, Activity: job.Args.Activity}})
			batch = nil
		}
	}
	for _, inbox := range inboxes {
		st, down := unreachable[hostKey(inbox)]
		if !down {
			if batch = append(batch, inbox); len(batch) == deliverBatch {
				flush()
			}
			continue
		}
		// An unreachable server is tried again at its next probe, alone.
		args := DeliverArgs{ActorID: job.Args.ActorID, Inbox: inbox, Activity: job.Args.Activity}
		opts := args.InsertOpts()
		opts.ScheduledAt = st.LastFailureAt.Add(unreachableRetry)
		if opts.ScheduledAt.Before(now) {
			opts.ScheduledAt = now
		}
		params = append(params, river.InsertManyParams{Args: args, InsertOpts: &opts})
	}
	flush()
	return f.db.Tx(ctx, func(tx *store.Tx) error { return f.queue.EnqueueMany(ctx, tx.SQL(), params) })
}

// inboxes returns the inboxes to deliver to: per server, its shared inbox
// when one of the recipients there has one, else each personal inbox. A
// suspended server gets nothing.
func (f *Federation) inboxes(ctx context.Context, rs []store.Recipient) []string {
	type server struct {
		shared  string
		inboxes map[string]bool
	}
	servers := map[string]*server{}
	for _, r := range rs {
		if r.Inbox == "" || !f.validID(r.Inbox) {
			continue
		}
		host := hostKey(r.Inbox)
		s := servers[host]
		if s == nil {
			s = &server{inboxes: map[string]bool{}}
			servers[host] = s
		}
		if r.SharedInbox != "" && f.validID(r.SharedInbox) && hostKey(r.SharedInbox) == host {
			s.shared = r.SharedInbox
		} else {
			s.inboxes[r.Inbox] = true
		}
	}
	var out []string
	for host, s := range servers {
		if f.blocked(ctx, host) || host == f.host {
			continue
		}
		if s.shared != "" {
			out = append(out, s.shared)
			continue
		}
		for in := range s.inboxes {
			out = append(out, in)
		}
	}
	sort.Strings(out)
	return out
}

// DeliverArgs posts one activity to one inbox.
type DeliverArgs struct {
	ActorID  int64           `json:"actor_id,string"`
	Inbox    string          `json:"inbox"`
	Activity json.RawMessage `json:"activity"`
	// Failed counts the attempts made before this job (the batch's), so
	// that the backoff goes on from there.
	Failed int `json:"failed,omitempty"`
}

// Kind names the job.
func (DeliverArgs) Kind() string { return "federation_deliver" }

// InsertOpts puts deliveries on the delivery queue with their attempts.
func (DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueDelivery, MaxAttempts: deliverAttempts}
}

// Batches: the first attempt of a delivery goes in a batch of inboxes
// posted concurrently by one job, which costs the queue one job per
// deliverBatch servers instead of one per server; an inbox that fails is
// retried alone, by a DeliverArgs job with its own backoff.
const (
	deliverBatch       = 32
	deliverConcurrency = 8
	// batchDeadline leaves a batch time to finish before the queue takes
	// it for stuck (two minutes): inboxes not done by then are handed over
	// to their own jobs.
	batchDeadline = 90 * time.Second
)

// DeliverBatchArgs posts one activity to several inboxes, each on its own
// server.
type DeliverBatchArgs struct {
	ActorID  int64           `json:"actor_id,string"`
	Inboxes  []string        `json:"inboxes"`
	Activity json.RawMessage `json:"activity"`
}

// Kind names the job.
func (DeliverBatchArgs) Kind() string { return "federation_deliver_batch" }

// InsertOpts puts batches on the delivery queue. A batch that fails as a
// whole (the node stopped) runs again; inboxes already served then get the
// activity twice, which receivers ignore by its id.
func (DeliverBatchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueDelivery, MaxAttempts: 3}
}

type deliverBatchWorker struct {
	river.WorkerDefaults[DeliverBatchArgs]
	f *Federation
}

// Timeout gives a batch its deadline and a margin.
func (w *deliverBatchWorker) Timeout(*river.Job[DeliverBatchArgs]) time.Duration {
	return batchDeadline + 10*time.Second
}

func (w *deliverBatchWorker) Work(ctx context.Context, job *river.Job[DeliverBatchArgs]) error {
	f := w.f
	ctx, cancel := context.WithTimeout(ctx, batchDeadline)
	defer cancel()
	troubled, err := f.db.Read().TroubledServers(ctx)
	if err != nil {
		return err
	}
	type result struct {
		inbox string
		err   error
	}
	results := make([]result, len(job.Args.Inboxes))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(deliverConcurrency, len(job.Args.Inboxes)) {
		wg.Go(func() {
			for i := range next {
				inbox := job.Args.Inboxes[i]
				_, failing := troubled[hostKey(inbox)]
				results[i] = result{inbox: inbox, err: f.deliverOnce(ctx, job.Args.ActorID, inbox, job.Args.Activity, failing)}
			}
		})
	}
	for i := range job.Args.Inboxes {
		next <- i
	}
	close(next)
	wg.Wait()

	now := f.now()
	var retries []river.InsertManyParams
	var failed []result
	for _, r := range results {
		switch {
		case r.err == nil || errors.Is(r.err, errDropped):
		case isPermanent(r.err):
			f.log.Info("federation: delivery refused", "inbox", r.inbox, "err", r.err)
		default:
			failed = append(failed, r)
			args := DeliverArgs{ActorID: job.Args.ActorID, Inbox: r.inbox, Activity: job.Args.Activity, Failed: 1}
			opts := args.InsertOpts()
			opts.MaxAttempts -= args.Failed
			opts.ScheduledAt = now.Add(retryDelay(1, false))
			retries = append(retries, river.InsertManyParams{Args: args, InsertOpts: &opts})
		}
	}
	if len(retries) == 0 {
		return nil
	}
	return f.db.Tx(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		for _, r := range failed {
			host := hostKey(r.inbox)
			st, err := tx.RecordDeliveryFailure(ctx, host, r.err.Error(), now, unreachableMinFail, unreachableAfter)
			if err != nil {
				return err
			}
			f.servers.setUnreachable(host, st.Unreachable())
		}
		return f.queue.EnqueueMany(ctx, tx.SQL(), retries)
	})
}

// errDropped means a delivery was left out on purpose (a domain blocked
// since the activity was queued).
var errDropped = errors.New("delivery dropped")

// deliverOnce makes one attempt at delivering to an inbox, waiting for a
// free slot on its server, and records the server alive after a success
// when it was failing.
func (f *Federation) deliverOnce(ctx context.Context, actorID int64, inbox string, body []byte, failing bool) error {
	host := hostKey(inbox)
	if f.blocked(ctx, host) {
		return errDropped
	}
	for {
		release, ok, err := f.claim(ctx, host)
		if err != nil {
			return err
		}
		if ok {
			defer release()
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(50+rand.IntN(100)) * time.Millisecond):
		}
	}
	err := f.post(ctx, actorID, inbox, body)
	if err == nil && (failing || f.servers.unreachable(host)) {
		if terr := f.db.Tx(ctx, func(tx *store.Tx) error { return tx.RecordServerAlive(ctx, host, f.now()) }); terr == nil {
			f.servers.setUnreachable(host, false)
		}
	}
	return err
}

type deliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	f *Federation
}

// NextRetry spaces the attempts: exponential, jittered, and at least
// unreachableRetry apart for a server marked unreachable.
func (w *deliverWorker) NextRetry(job *river.Job[DeliverArgs]) time.Time {
	return w.f.now().Add(retryDelay(job.Attempt+job.Args.Failed, w.f.servers.unreachable(hostKey(job.Args.Inbox))))
}

// retryDelay is the wait after the attempt-th failed attempt.
func retryDelay(attempt int, unreachable bool) time.Duration {
	d := firstRetry
	for i := 1; i < attempt && d < maxRetry; i++ {
		d *= 3
	}
	d = min(d, maxRetry)
	if unreachable {
		d = max(d, unreachableRetry)
	}
	// ±10% keeps the retries of one outage from arriving all at once.
	jitter := time.Duration(rand.Int64N(int64(d)/5+1)) - d/10
	return d + jitter
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	f := w.f
	inbox := job.Args.Inbox
	host := hostKey(inbox)
	if f.blocked(ctx, host) {
		f.log.Info("federation: delivery dropped, domain blocked", "inbox", inbox)
		return river.JobCancel(fmt.Errorf("deliver to %s: the domain is blocked", inbox))
	}
	st, err := f.db.Read().Server(ctx, host)
	if err != nil {
		return err
	}
	f.servers.setUnreachable(host, st.Unreachable())
	if st.Unreachable() && f.now().Sub(st.UnreachableSince) > giveUpAfter {
		return river.JobCancel(fmt.Errorf("deliver to %s: unreachable since %s", inbox, st.UnreachableSince.Format(time.RFC3339)))
	}
	release, ok, err := f.claim(ctx, host)
	if err != nil {
		return err
	}
	if !ok {
		// Enough deliveries are in flight to this server: come back soon
		// rather than holding a worker.
		return river.JobSnooze(time.Duration(500+rand.IntN(1000)) * time.Millisecond)
	}
	defer release()
	err = f.post(ctx, job.Args.ActorID, inbox, job.Args.Activity)
	if err == nil {
		if st.Failures > 0 {
			return f.db.Tx(ctx, func(tx *store.Tx) error { return tx.RecordServerAlive(ctx, host, f.now()) })
		}
		return nil
	}
	if errors.Is(err, errPermanent) || isPermanent(err) {
		f.log.Info("federation: delivery refused", "inbox", inbox, "err", err)
		return river.JobCancel(err)
	}
	var nst store.ServerState
	if terr := f.db.Tx(ctx, func(tx *store.Tx) error {
		var e error
		nst, e = tx.RecordDeliveryFailure(ctx, host, err.Error(), f.now(), unreachableMinFail, unreachableAfter)
		return e
	}); terr != nil {
		return errors.Join(err, terr)
	}
	f.servers.setUnreachable(host, nst.Unreachable())
	if job.Attempt >= job.MaxAttempts {
		f.log.Warn("federation: delivery abandoned", "inbox", inbox, "attempts", job.Attempt, "err", err)
	}
	return err
}

// post signs and sends one activity to an inbox.
func (f *Federation) post(ctx context.Context, actorID int64, inbox string, body []byte) error {
	s, err := f.signer(ctx, actorID)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inbox, bytes.NewReader(body))
	if err != nil {
		return permanent(fmt.Errorf("deliver to %s: %w", clip(inbox), err))
	}
	req.Header.Set("Content-Type", ap.MediaType)
	req.Header.Set("Accept", acceptHeader)
	if err := s.Sign(req, body); err != nil {
		return fmt.Errorf("deliver to %s: %w", clip(inbox), err)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return fmt.Errorf("deliver to %s: %w", clip(inbox), err)
	}
	defer resp.Body.Close()
	drain(resp.Body)
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout ||
		resp.StatusCode == http.StatusUnauthorized:
		// 401 too: the receiver may not have our key yet, or fetched it
		// while our actor was being created.
		return fmt.Errorf("deliver to %s: status %d", clip(inbox), resp.StatusCode)
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		return permanent(fmt.Errorf("deliver to %s: status %d", clip(inbox), resp.StatusCode))
	}
	return fmt.Errorf("deliver to %s: status %d", clip(inbox), resp.StatusCode)
}

// claim takes a delivery slot on host: one of this node's (hostLimiter,
// no database work when the node alone is over the limit), then one of the
// PerServer leases shared by every node on the database, so that N nodes
// never have more than PerServer requests in flight to one server. ok is
// false when every slot is taken; release gives the slot back. A lease
// outlives a node that dies holding it by leaseTTL at most.
func (f *Federation) claim(ctx context.Context, host string) (release func(), ok bool, err error) {
	if !f.servers.acquire(host) {
		return nil, false, nil
	}
	now := f.now()
	slot, err := f.db.AcquireLease(ctx, host, f.node, f.cfg.PerServer, now, now.Add(f.leaseTTL()))
	if err != nil || slot < 0 {
		f.servers.release(host)
		return nil, false, err
	}
	return func() {
		if err := f.db.ReleaseLease(context.WithoutCancel(ctx), host, slot, f.node); err != nil {
			f.log.Warn("federation: release delivery lease", "host", host, "err", err)
		}
		f.servers.release(host)
	}, true, nil
}

// leaseTTL is how long a delivery lease holds: past the request's timeout
// and the signing, so that only a dead node's lease expires.
func (f *Federation) leaseTTL() time.Duration { return f.cfg.Timeout + 30*time.Second }

// newNodeName names this process in the delivery leases.
func newNodeName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/%x", host, os.Getpid(), rand.Uint64())
}

// hostLimiter bounds the deliveries in flight to each server on this node,
// and remembers which servers are unreachable for the retry policy.
type hostLimiter struct {
	mu   sync.Mutex
	max  int
	busy map[string]int
	down map[string]bool
}

func newHostLimiter(max int) *hostLimiter {
	return &hostLimiter{max: max, busy: map[string]int{}, down: map[string]bool{}}
}

func (h *hostLimiter) acquire(host string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.busy[host] >= h.max {
		return false
	}
	h.busy[host]++
	return true
}

func (h *hostLimiter) release(host string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.busy[host] <= 1 {
		delete(h.busy, host)
		return
	}
	h.busy[host]--
}

func (h *hostLimiter) setUnreachable(host string, v bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if v {
		h.down[host] = true
	} else {
		delete(h.down, host)
	}
}

func (h *hostLimiter) unreachable(host string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.down[host]
}
