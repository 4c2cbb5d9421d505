package federation_test

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"parvis/internal/federation"
	"parvis/internal/federation/ap"
	"parvis/internal/federation/httpsign"
	"parvis/internal/social"
	"parvis/internal/store"
)

// follower is a remote account to create as a follower: its server, its
// name, and whether its server has a shared inbox.
type follower struct {
	host, name string
	shared     bool
}

var nextRemoteID atomic.Int64

// addFollowers stores remote accounts following target, as if their
// follows had been accepted earlier.
func (l *local) addFollowers(target *social.Actor, fs ...follower) {
	l.t.Helper()
	nextRemoteID.CompareAndSwap(0, 1<<40)
	now := time.Now().UnixMilli()
	var accounts, follows [][]any
	for _, f := range fs {
		id := nextRemoteID.Add(1)
		uri := "https://" + f.host + "/users/" + f.name
		shared := ""
		if f.shared {
			shared = "https://" + f.host + "/inbox"
		}
		accounts = append(accounts, []any{id, f.name, f.host, uri, uri + "/inbox", shared, now, now})
		follows = append(follows, []any{id, target.Account.ID, id, now})
	}
	ctx := context.Background()
	if err := l.db.BulkInsert(ctx, "accounts", []string{"id", "username", "domain", "uri", "inbox", "shared_inbox",
		"created_at", "updated_at"}, accounts); err != nil {
		l.t.Fatal(err)
	}
	if err := l.db.BulkInsert(ctx, "follows", []string{"account_id", "target_id", "id", "created_at"}, follows); err != nil {
		l.t.Fatal(err)
	}
}

// creates returns the inboxes that received a Create whose note contains
// text, one entry per request.
func (l *local) creates(text string) []posted {
	var out []posted
	for _, p := range l.web.deliveries() {
		if bytes.Contains(p.Body, []byte(`"Create"`)) && bytes.Contains(p.Body, []byte(text)) {
			out = append(out, p)
		}
	}
	return out
}

// waitFor polls cond for at most 20 seconds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkSigned verifies that a delivery was signed by the local account
// username with the key its actor publishes, over (request-target), host,
// date and digest.
func (l *local) checkSigned(p posted, username string) {
	l.t.Helper()
	var pemText string
	if err := l.db.ReadSQL().QueryRowContext(context.Background(),
		"SELECT public_key FROM accounts WHERE username = $1 AND domain = ''", username).Scan(&pemText); err != nil {
		l.t.Fatal(err)
	}
	pub, err := httpsign.DecodePublicKeyPEM([]byte(pemText))
	if err != nil {
		l.t.Fatal(err)
	}
	keyID := "https://parvis.example/users/" + username + "#main-key"
	req := httptest.NewRequest(http.MethodPost, p.URL, bytes.NewReader(p.Body))
	req.Header = p.Header.Clone()
	v := &httpsign.Verifier{Clock: l.clock, Resolve: func(_ context.Context, id string) (crypto.PublicKey, string, error) {
		if id != keyID {
			return nil, "", fmt.Errorf("signed with %s, want %s", id, keyID)
		}
		return pub, "https://parvis.example/users/" + username, nil
	}}
	if _, err := v.Verify(context.Background(), req, p.Body); err != nil {
		l.t.Errorf("delivery to %s: %v", p.URL, err)
	}
	params, err := httpsign.ParseSignature(p.Header.Get("Signature"))
	if err != nil {
		l.t.Fatal(err)
	}
	for _, h := range []string{"(request-target)", "host", "date", "digest"} {
		if !params.Has(h) {
			l.t.Errorf("delivery to %s: %s is not signed (headers %v)", p.URL, h, params.Headers)
		}
	}
}

// TestDeliveryOneRequestPerSharedInbox publishes a post to followers on
// three servers: a server with a shared inbox gets one request whatever
// its number of followers, a server without one gets one per follower,
// a suspended server gets nothing; every request is signed.
func TestDeliveryOneRequestPerSharedInbox(t *testing.T) {
	l := newLocal(t, federation.Config{})
	ctx := context.Background()
	bob := l.user("bob")
	l.addFollowers(bob, follower{"a.example", "ann", true}, follower{"a.example", "amy", true},
		follower{"a.example", "abe", true}, follower{"b.example", "ben", false}, follower{"b.example", "bea", false},
		follower{"spam.example", "sam", true})
	if _, err := l.svc.BlockDomain(ctx, adminActor(), social.DomainBlockInput{Domain: "spam.example"}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.svc.Publish(ctx, bob, social.PostInput{Text: "one request per server", Visibility: "public"}); err != nil {
		t.Fatal(err)
	}
	l.settle()
	var got []string
	for _, p := range l.creates("one request per server") {
		got = append(got, p.URL)
		l.checkSigned(p, "bob")
	}
	slices.Sort(got)
	want := []string{"https://a.example/inbox", "https://b.example/users/bea/inbox", "https://b.example/users/ben/inbox"}
	if !slices.Equal(got, want) {
		t.Errorf("got deliveries to %v, want %v", got, want)
	}
}

// TestDeliveryPerServerLimit publishes to 24 followers on one slow server
// without a shared inbox: at most PerServer requests are in flight to it
// at once, and every follower's inbox still gets the post.
func TestDeliveryPerServerLimit(t *testing.T) {
	l := newLocal(t, federation.Config{PerServer: 2})
	ctx := context.Background()
	bob := l.user("bob")
	var fs []follower
	for i := range 24 {
		fs = append(fs, follower{"slow.example", fmt.Sprintf("s%d", i), false})
	}
	l.addFollowers(bob, fs...)
	l.web.slowDown("slow.example", 60*time.Millisecond)
	if _, err := l.svc.Publish(ctx, bob, social.PostInput{Text: "to a slow server", Visibility: "public"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every inbox of the slow server receives the post", func() bool {
		return len(l.creates("to a slow server")) == 24
	})
	if peak := l.web.peakInFlight("slow.example"); peak != 2 {
		t.Errorf("got at most %d deliveries at once to one server, want 2", peak)
	}
}

// deliverJobs returns the federation_deliver jobs (single retried
// deliveries).
func (l *local) deliverJobs() []*rivertype.JobRow {
	l.t.Helper()
	res, err := l.queue.Client().JobList(context.Background(),
		river.NewJobListParams().Kinds("federation_deliver").States(rivertype.JobStateAvailable,
			rivertype.JobStateScheduled, rivertype.JobStateRetryable, rivertype.JobStateRunning,
			rivertype.JobStateCompleted, rivertype.JobStateCancelled, rivertype.JobStateDiscarded).First(100))
	if err != nil {
		l.t.Fatal(err)
	}
	return res.Jobs
}

// TestDeliveryToUnreachableServer checks the life of a server that stops
// answering: it is marked unreachable only after failing for a day, its
// deliveries then wait hours between attempts instead of minutes, a
// success clears the mark, and deliveries to a server unreachable for
// more than a week are dropped.
func TestDeliveryToUnreachableServer(t *testing.T) {
	l := newLocal(t, federation.Config{})
	ctx := context.Background()
	bob := l.user("bob")
	l.addFollowers(bob, follower{"up.example", "uma", true}, follower{"down.example", "dan", true})

	// Failures spread over two days mark the server unreachable; as many
	// failures within a few hours do not.
	now := time.Now()
	fail := func(at time.Time) store.ServerState {
		t.Helper()
		var st store.ServerState
		if err := l.db.Tx(ctx, func(tx *store.Tx) error {
			var err error
			st, err = tx.RecordDeliveryFailure(ctx, "down.example", "status 503", at, 5, 24*time.Hour)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return st
	}
	for i, ago := range []time.Duration{49 * time.Hour, 48 * time.Hour, 47 * time.Hour, 46 * time.Hour} {
		if st := fail(now.Add(-ago)); st.Unreachable() || st.Failures != i+1 {
			t.Fatalf("after %d failures in 3 hours: got %+v, want not unreachable", i+1, st)
		}
	}
	lastFailure := now.Add(-time.Hour)
	if st := fail(lastFailure); !st.Unreachable() {
		t.Fatalf("after failures over two days: got %+v, want unreachable", st)
	}

	// A post goes at once to the server that answers, and is scheduled
	// for the unreachable one six hours after its last failure.
	l.web.failHost("down.example")
	if _, err := l.svc.Publish(ctx, bob, social.PostInput{Text: "while down is down", Visibility: "public"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the post reaches the server that answers", func() bool { return len(l.creates("while down is down")) == 1 })
	var job *rivertype.JobRow
	waitFor(t, "a delivery to the unreachable server is scheduled", func() bool {
		jobs := l.deliverJobs()
		if len(jobs) == 1 {
			job = jobs[0]
		}
		return job != nil
	})
	var args federation.DeliverArgs
	if err := json.Unmarshal(job.EncodedArgs, &args); err != nil {
		t.Fatal(err)
	}
	if args.Inbox != "https://down.example/inbox" || job.State != rivertype.JobStateScheduled {
		t.Fatalf("got a %s delivery to %s, want one scheduled to https://down.example/inbox", job.State, args.Inbox)
	}
	if wait := job.ScheduledAt.Sub(lastFailure.Add(6 * time.Hour)); wait < -time.Minute || wait > time.Minute {
		t.Errorf("delivery scheduled at %s, want six hours after the last failure (%s)", job.ScheduledAt, lastFailure.Add(6*time.Hour))
	}

	// Run it now: it fails, and the next attempt waits hours, not the
	// minute a first retry to a reachable server waits.
	if _, err := l.queue.Client().JobRetry(ctx, job.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the attempt fails and is rescheduled", func() bool {
		j, err := l.queue.Client().JobGet(ctx, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		job = j
		return j.State == rivertype.JobStateRetryable && j.Attempt == 1
	})
	if wait := time.Until(job.ScheduledAt); wait < 5*time.Hour {
		t.Errorf("next attempt to an unreachable server in %s, want at least 5 h 24 min (6 h less jitter)", wait)
	}

	// The server comes back: the next attempt delivers and clears the mark.
	l.web.heal("down.example")
	if _, err := l.queue.Client().JobRetry(ctx, job.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the post reaches the server that came back", func() bool { return len(l.creates("while down is down")) == 2 })
	waitFor(t, "the server is marked alive", func() bool {
		st, err := l.db.Read().Server(ctx, "down.example")
		if err != nil {
			t.Fatal(err)
		}
		return !st.Unreachable() && st.Failures == 0 && !st.LastSuccessAt.IsZero()
	})

	// A server unreachable for more than a week gets nothing more.
	for range 5 {
		fail(now.Add(-9 * 24 * time.Hour))
	}
	if _, err := l.db.SQL().ExecContext(ctx, "UPDATE federation_servers SET unreachable_since = $1 WHERE host = $2",
		now.Add(-8*24*time.Hour).UnixMilli(), "down.example"); err != nil {
		t.Fatal(err)
	}
	l.web.failHost("down.example")
	if _, err := l.svc.Publish(ctx, bob, social.PostInput{Text: "after a week down", Visibility: "public"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the delivery to a server down for a week is dropped", func() bool {
		for _, j := range l.deliverJobs() {
			var a federation.DeliverArgs
			_ = json.Unmarshal(j.EncodedArgs, &a)
			if j.ID != job.ID && a.Inbox == "https://down.example/inbox" {
				return j.State == rivertype.JobStateCancelled
			}
		}
		return false
	})
	if n := len(l.creates("after a week down")); n != 1 {
		t.Errorf("got %d deliveries of the later post, want 1 (to up.example only)", n)
	}
}

// TestDeliverySurvivesRestart queues a post's delivery on a node that
// stops before working it: a node started later on the same database
// delivers it, signed with the same key.
func TestDeliverySurvivesRestart(t *testing.T) {
	first := newLocalWith(t, federation.Config{}, nil, false)
	ctx := context.Background()
	bob := first.user("bob")
	first.addFollowers(bob, follower{"r.example", "rae", true})
	if _, err := first.svc.Publish(ctx, bob, social.PostInput{Text: "queued before the restart", Visibility: "public"}); err != nil {
		t.Fatal(err)
	}
	first.stop()
	if n := first.count("SELECT COUNT(*) FROM river_job WHERE kind = 'federation_fan_out' AND state = 'available'"); n != 1 {
		t.Fatalf("got %d fan-out jobs waiting, want 1", n)
	}
	if n := len(first.web.deliveries()); n != 0 {
		t.Fatalf("got %d deliveries before the restart, want none", n)
	}
	second := newLocalOn(t, first.db, first.clock, first.web, federation.Config{}, nil, true)
	waitFor(t, "the node started later delivers the post", func() bool {
		return len(second.creates("queued before the restart")) == 1
	})
	second.checkSigned(second.creates("queued before the restart")[0], "bob")
}

// TestAccountKeyMadeOnceAcrossNodes asks two nodes sharing a database for
// a new account's actor at the same moment: each makes a key, only one is
// stored, and both nodes publish (and sign with) that one.
func TestAccountKeyMadeOnceAcrossNodes(t *testing.T) {
	a := newLocal(t, federation.Config{})
	b := newLocalOn(t, a.db, a.clock, a.web, federation.Config{}, nil, true)
	bob := a.user("bob")
	const tries = 6
	pems := make([]string, tries)
	var wg sync.WaitGroup
	for i := range tries {
		node := a
		if i%2 == 1 {
			node = b
		}
		wg.Go(func() {
			req := httptest.NewRequest(http.MethodGet, "https://parvis.example/users/bob", nil)
			req.Header.Set("Accept", ap.MediaType)
			rec := httptest.NewRecorder()
			node.handler.ServeHTTP(rec, req)
			o, err := ap.Decode(rec.Body.Bytes())
			if err != nil || o.PublicKey == nil {
				t.Errorf("actor: status %d, %v", rec.Code, err)
				return
			}
			pems[i] = o.PublicKey.PublicKeyPem
		})
	}
	wg.Wait()
	var stored, private string
	if err := a.db.ReadSQL().QueryRowContext(context.Background(), `SELECT a.public_key, k.private_key FROM accounts a
		JOIN account_keys k ON k.account_id = a.id WHERE a.id = $1`, bob.Account.ID).Scan(&stored, &private); err != nil {
		t.Fatal(err)
	}
	k, err := httpsign.DecodePrivateKeyPEM([]byte(private))
	if err != nil {
		t.Fatal(err)
	}
	derived, err := httpsign.PublicKeyPEM(k)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(derived) != strings.TrimSpace(stored) {
		t.Fatalf("the stored public key is not the stored private key's")
	}
	for i, p := range pems {
		if strings.TrimSpace(p) != strings.TrimSpace(stored) {
			t.Errorf("request %d (node %c) published another key than the stored one", i, "ab"[i%2])
		}
	}
	// Both nodes sign deliveries with the stored key.
	a.addFollowers(bob, follower{"r.example", "rae", true})
	ctx := context.Background()
	if _, err := a.svc.Publish(ctx, bob, social.PostInput{Text: "signed by node a or b", Visibility: "public"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.Publish(ctx, bob, social.PostInput{Text: "signed by node b or a", Visibility: "public"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "both posts are delivered", func() bool {
		return len(a.creates("signed by node")) == 2
	})
	for _, p := range a.creates("signed by node") {
		a.checkSigned(p, "bob")
	}
}
