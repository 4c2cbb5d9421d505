package federation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"parvis/internal/federation"
	"parvis/internal/federation/ap"
	"parvis/internal/jobs"
	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
	"parvis/internal/store/storetest"
)

// withPassword gives a test user a real password (l.user makes none).
func (l *local) withPassword(a *social.Actor, password string) {
	l.t.Helper()
	hash, err := social.HashPassword(password)
	if err != nil {
		l.t.Fatal(err)
	}
	if _, err := l.db.SQL().ExecContext(context.Background(), "UPDATE users SET password_hash = $1 WHERE id = $2", hash, a.User.ID); err != nil {
		l.t.Fatal(err)
	}
}

// getDoc fetches a path of the instance as an ActivityPub client.
func (l *local) getDoc(path string) (int, *ap.Object) {
	l.t.Helper()
	req := httptest.NewRequest(http.MethodGet, "https://parvis.example"+path, nil)
	req.Header.Set("Accept", ap.MediaType)
	rec := httptest.NewRecorder()
	l.handler.ServeHTTP(rec, req)
	o, _ := ap.Decode(rec.Body.Bytes())
	return rec.Code, o
}

// activitiesOf returns the deliveries of activities of type typ.
func (l *local) activitiesOf(typ string) []posted {
	var out []posted
	for _, p := range l.web.deliveries() {
		var a struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(p.Body, &a) == nil && a.Type == typ {
			out = append(out, p)
		}
	}
	return out
}

// TestLocalAccountDeletionIsFederated deletes a local account followed on
// two servers (one with a shared inbox) that also follows a third: each
// server gets one Delete of the actor, to Public, signed with the
// account's key; the actor then answers 410 with a Tombstone, WebFinger
// 404.
func TestLocalAccountDeletionIsFederated(t *testing.T) {
	l := newLocal(t, federation.Config{})
	ctx := context.Background()
	bob := l.user("bob")
	l.withPassword(bob, "bob's password")
	l.addFollowers(bob, follower{"shared.example", "s1", true}, follower{"shared.example", "s2", true},
		follower{"plain.example", "p1", false})
	alice := l.mastodonAlice()
	aliceAcc, err := l.fed.Resolve(ctx, alice.uri)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.svc.Follow(ctx, bob, aliceAcc.ID, social.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	if code, _ := l.getDoc("/users/bob"); code != http.StatusOK {
		t.Fatalf("bob's actor before: %d", code)
	}
	if err := l.svc.DeleteAccount(ctx, bob, "bob's password"); err != nil {
		t.Fatal(err)
	}
	bobURI := "https://parvis.example/users/bob"
	want := []string{"https://mastodon.example/inbox", "https://plain.example/users/p1/inbox", "https://shared.example/inbox"}
	waitFor(t, "the Delete reaches every server", func() bool { return len(l.activitiesOf("Delete")) >= len(want) })
	var got []string
	for _, d := range l.activitiesOf("Delete") {
		got = append(got, d.URL)
		o, err := ap.Decode(d.Body)
		if err != nil {
			t.Fatal(err)
		}
		if o.ObjectID() != bobURI || o.Actor.IRI() != bobURI || !o.To.Has(ap.Public) {
			t.Errorf("Delete: object %q actor %q to %v", o.ObjectID(), o.Actor.IRI(), o.To)
		}
		l.checkSigned(d, "bob")
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("Delete delivered to %v, want %v", got, want)
	}
	code, o := l.getDoc("/users/bob")
	if code != http.StatusGone || o == nil || o.Type != ap.TypeTombstone || o.ID != bobURI {
		t.Errorf("bob's actor after deletion: status %d, %+v", code, o)
	}
	rec := httptest.NewRecorder()
	l.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet,
		"https://parvis.example/.well-known/webfinger?resource=acct:bob@parvis.example", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("WebFinger after deletion: %d", rec.Code)
	}
	waitFor(t, "bob's follows are purged", func() bool {
		return l.count("SELECT COUNT(*) FROM follows WHERE account_id = $1 OR target_id = $1", bob.Account.ID) == 0
	})
}

// TestLocalAccountMoveIsFederated moves a local account to a remote one:
// refused while the new account does not name the old one, then recorded,
// sent as Move to the followers, and published as movedTo; aliases are
// published as alsoKnownAs.
func TestLocalAccountMoveIsFederated(t *testing.T) {
	l := newLocal(t, federation.Config{})
	ctx := context.Background()
	bob := l.user("bob")
	l.withPassword(bob, "bob's password")
	l.addFollowers(bob, follower{"shared.example", "s1", true})
	bobURI := "https://parvis.example/users/bob"
	newURI := "https://new.example/users/bob2"
	l.addActor(personDoc(newURI, "bob2"), testKeys()[3])

	_, err := l.svc.MoveAccount(ctx, bob, newURI, "bob's password")
	if model.ErrorCode(err) != model.EINVALID || !strings.Contains(err.Error(), "does not list this account") {
		t.Fatalf("move to an account without the alias: %v", err)
	}
	_, err = l.svc.MoveAccount(ctx, bob, "https://nowhere.example/users/x", "bob's password")
	if model.ErrorCode(err) != model.EINVALID || !strings.Contains(err.Error(), "no account found") {
		t.Fatalf("move to an unknown account: %v", err)
	}
	if n := l.count("SELECT moved_to_id FROM accounts WHERE id = $1", bob.Account.ID); n != 0 {
		t.Fatal("a refused move was recorded")
	}

	var m map[string]any
	_ = json.Unmarshal(personDoc(newURI, "bob2"), &m)
	m["alsoKnownAs"] = []string{bobURI}
	doc, _ := json.Marshal(m)
	l.addActor(doc, testKeys()[3])
	to, err := l.svc.MoveAccount(ctx, bob, newURI, "bob's password")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the Move reaches the followers", func() bool { return len(l.activitiesOf("Move")) == 1 })
	d := l.activitiesOf("Move")[0]
	o, err := ap.Decode(d.Body)
	if err != nil {
		t.Fatal(err)
	}
	if d.URL != "https://shared.example/inbox" || o.Actor.IRI() != bobURI || o.ObjectID() != bobURI || o.Target.IRI() != newURI {
		t.Errorf("Move to %s: actor %q object %q target %q", d.URL, o.Actor.IRI(), o.ObjectID(), o.Target.IRI())
	}
	l.checkSigned(d, "bob")

	// An alias of bob's, and the move, in his actor document.
	oldURI := "https://old.example/users/bobby"
	l.addActor(personDoc(oldURI, "bobby"), testKeys()[4])
	if _, err := l.svc.AddAlias(ctx, bob, oldURI); err != nil {
		t.Fatal(err)
	}
	code, actor := l.getDoc("/users/bob")
	if code != http.StatusOK || actor.MovedTo.IRI() != newURI || !actor.AlsoKnownAs.Has(oldURI) {
		t.Errorf("bob's actor: status %d, movedTo %q, alsoKnownAs %v", code, actor.MovedTo.IRI(), actor.AlsoKnownAs)
	}
	if to.URI != newURI {
		t.Errorf("moved to %q", to.URI)
	}
}

// TestRemoteActorDeletePurges: a remote actor's Delete of itself removes
// its posts and its follows here; a Move whose target does not name the
// mover is refused and changes nothing.
func TestRemoteActorDeletePurges(t *testing.T) {
	l := newLocal(t, federation.Config{})
	ctx := context.Background()
	bob := l.user("bob")
	alice := l.mastodonAlice()
	const a = `"actor":"https://mastodon.example/users/alice"`
	send := func(body string) {
		t.Helper()
		if got := l.deliver(alice, "/inbox", []byte(body)); got != http.StatusAccepted {
			t.Fatalf("got status %d, want 202 for %.80s", got, body)
		}
		l.settle()
	}
	send(`{"id":"https://mastodon.example/follows/9","type":"Follow",` + a + `,"object":"https://parvis.example/users/bob"}`)
	noteURI := "https://mastodon.example/users/alice/statuses/5"
	send(`{"id":"` + noteURI + `/activity","type":"Create",` + a + `,"object":{"id":"` + noteURI + `","type":"Note",
		"attributedTo":"https://mastodon.example/users/alice","to":["https://parvis.example/users/bob"],
		"content":"<p>hello bob</p>","published":"2024-08-22T09:00:00Z"}}`)
	acc, err := l.db.Read().AccountByURI(ctx, alice.uri)
	if err != nil {
		t.Fatal(err)
	}
	if l.count("SELECT COUNT(*) FROM posts WHERE account_id = $1", acc.ID) != 1 ||
		l.count("SELECT COUNT(*) FROM follows WHERE account_id = $1", acc.ID) != 1 {
		t.Fatal("alice's post or follow is missing")
	}

	// A Move to an account that does not name alice changes nothing.
	other := "https://other.example/users/alice"
	l.addActor(personDoc(other, "alice"), testKeys()[4])
	send(`{"id":"https://mastodon.example/users/alice#moves/2","type":"Move",` + a + `,"object":"` + alice.uri +
		`","target":"` + other + `"}`)
	if l.count("SELECT moved_to_id FROM accounts WHERE id = $1", acc.ID) != 0 {
		t.Error("a Move without the alias was recorded")
	}
	// Nor a Move to a local account that does not name alice.
	send(`{"id":"https://mastodon.example/users/alice#moves/3","type":"Move",` + a + `,"object":"` + alice.uri +
		`","target":"https://parvis.example/users/bob"}`)
	if l.count("SELECT moved_to_id FROM accounts WHERE id = $1", acc.ID) != 0 {
		t.Error("a Move to a local account without the alias was recorded")
	}

	send(`{"id":"https://mastodon.example/users/alice#delete","type":"Delete",` + a + `,"object":"` + alice.uri + `"}`)
	waitFor(t, "alice's posts and follows are gone", func() bool {
		return l.count("SELECT COUNT(*) FROM posts WHERE account_id = $1", acc.ID) == 0 &&
			l.count("SELECT COUNT(*) FROM follows WHERE account_id = $1 OR target_id = $1", acc.ID) == 0
	})
	if n := l.count("SELECT followers_count FROM accounts WHERE id = $1", bob.Account.ID); n != 0 {
		t.Errorf("bob still counts %d followers", n)
	}
}

// TestDeliveryPerServerLimitAcrossNodes runs two nodes, each on its own
// handle of one database, with 60 single deliveries queued to a slow
// server (each node's workers take some): at most PerServer requests are
// in flight to the server at once across both nodes, not PerServer on
// each, and no lease is left held.
func TestDeliveryPerServerLimitAcrossNodes(t *testing.T) {
	ctx := context.Background()
	cfg := storetest.Config(t)
	clock := &testClock{}
	cfg.Clock = clock
	open := func() *store.DB {
		db, err := store.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	db1 := open()
	if _, err := db1.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Migrate(ctx, jobs.Config{DB: db1.SQL(), Postgres: db1.Engine() == store.Postgres, Listener: db1.Pool()}); err != nil {
		t.Fatal(err)
	}
	web := newFakeWeb(t)
	fc := federation.Config{PerServer: 2}
	n1 := newLocalOn(t, db1, clock, web, fc, nil, true)
	newLocalOn(t, open(), clock, web, fc, nil, true)
	bob := n1.user("bob")
	web.slowDown("slow.example", 30*time.Millisecond)
	const n = 60
	var params []river.InsertManyParams
	for i := range n {
		body := fmt.Sprintf(`{"type":"Create","id":"https://parvis.example/users/bob/statuses/%d","content":"two nodes"}`, i)
		params = append(params, river.InsertManyParams{Args: federation.DeliverArgs{ActorID: bob.Account.ID,
			Inbox: fmt.Sprintf("https://slow.example/users/s%d/inbox", i), Activity: json.RawMessage(body)}})
	}
	if err := db1.Tx(ctx, func(tx *store.Tx) error { return n1.queue.EnqueueMany(ctx, tx.SQL(), params) }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every inbox of the slow server receives its delivery", func() bool {
		return len(n1.creates("two nodes")) == n
	})
	if peak := web.peakInFlight("slow.example"); peak != 2 {
		t.Errorf("got at most %d deliveries at once to one server from two nodes, want 2", peak)
	}
	// The slow server records a delivery before it answers, and the lease
	// is released once the answer is read: wait for the last ones.
	waitFor(t, "every delivery lease is released", func() bool {
		return n1.count("SELECT COUNT(*) FROM federation_leases") == 0
	})
}
