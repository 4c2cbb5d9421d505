package federation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"parvis/internal/federation"
	"parvis/internal/federation/ap"
	"parvis/internal/federation/httpsign"
	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// TestRemoteActivities applies the activities that change what is already
// here: an edit, a profile update, a like taken back, a block, a report
// and a move.
func TestRemoteActivities(t *testing.T) {
	l := newLocal(t, federation.Config{})
	ctx := context.Background()
	bob := l.user("bob")
	post, err := l.svc.Publish(ctx, bob, social.PostInput{Text: "bob's post", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	postURI := "https://parvis.example/users/bob/statuses/" + model.FormatID(post.ID)
	alice := l.mastodonAlice()
	send := func(body string) {
		t.Helper()
		if got := l.deliver(alice, "/inbox", []byte(body)); got != http.StatusAccepted {
			t.Fatalf("got status %d, want 202 for %.80s", got, body)
		}
		l.settle()
	}
	const a = `"actor":"https://mastodon.example/users/alice"`
	noteURI := "https://mastodon.example/users/alice/statuses/1"
	send(`{"id":"` + noteURI + `/activity","type":"Create",` + a + `,"object":{"id":"` + noteURI + `","type":"Note",
		"attributedTo":"https://mastodon.example/users/alice","to":["https://parvis.example/users/bob"],
		"content":"<p>first version</p>","published":"2024-08-22T09:00:00Z"}}`)
	stored, err := l.db.Read().PostByURI(ctx, noteURI)
	if err != nil {
		t.Fatalf("the direct message to bob is not stored: %v", err)
	}
	if stored.Visibility != model.Direct {
		t.Errorf("got visibility %s, want direct", stored.Visibility)
	}

	t.Run("an edit keeps the history", func(t *testing.T) {
		send(`{"id":"` + noteURI + `#updates/1","type":"Update",` + a + `,"object":{"id":"` + noteURI + `","type":"Note",
			"attributedTo":"https://mastodon.example/users/alice","to":["https://parvis.example/users/bob"],
			"content":"<p>second version</p>","published":"2024-08-22T09:00:00Z","updated":"2024-08-22T10:00:00Z"}}`)
		p, err := l.db.Read().PostByURI(ctx, noteURI)
		if err != nil {
			t.Fatal(err)
		}
		if p.Text != "second version" {
			t.Errorf("got text %q, want %q", p.Text, "second version")
		}
		edits, err := l.db.Read().PostEdits(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(edits) != 2 || edits[0].Text != "first version" {
			t.Errorf("got %d versions (first %q), want 2 starting with the original", len(edits), firstText(edits))
		}
	})

	t.Run("a profile update", func(t *testing.T) {
		var doc map[string]any
		l.web.mu.Lock()
		_ = json.Unmarshal(l.web.docs["mastodon.example/users/alice"], &doc)
		l.web.mu.Unlock()
		doc["name"] = "Alice M."
		delete(doc, "@context")
		obj, _ := json.Marshal(doc)
		send(`{"id":"https://mastodon.example/users/alice#updates/9","type":"Update",` + a + `,"object":` + string(obj) + `}`)
		acc, err := l.db.Read().AccountByURI(ctx, alice.uri)
		if err != nil {
			t.Fatal(err)
		}
		if acc.DisplayName != "Alice M." {
			t.Errorf("got display name %q, want %q", acc.DisplayName, "Alice M.")
		}
	})

	t.Run("a like taken back by the Like's id", func(t *testing.T) {
		send(`{"id":"https://mastodon.example/users/alice#likes/7","type":"Like",` + a + `,"object":"` + postURI + `"}`)
		if n := l.count("SELECT favourites_count FROM posts WHERE id = $1", post.ID); n != 1 {
			t.Fatalf("got %d favourites, want 1", n)
		}
		send(`{"id":"https://mastodon.example/users/alice#likes/7/undo","type":"Undo",` + a + `,"object":"https://mastodon.example/users/alice#likes/7"}`)
		if n := l.count("SELECT favourites_count FROM posts WHERE id = $1", post.ID); n != 0 {
			t.Errorf("got %d favourites after the Undo, want 0", n)
		}
	})

	t.Run("a report becomes a report for the moderators", func(t *testing.T) {
		send(`{"id":"https://mastodon.example/flags/1","type":"Flag",` + a + `,"content":"spam, again",
			"object":["https://parvis.example/users/bob","` + postURI + `"]}`)
		rs, err := l.svc.Reports(ctx, &social.Actor{User: &model.User{Role: model.RoleModerator}, Account: &model.Account{}}, 0, "open")
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 || rs[0].TargetAccountID != bob.Account.ID || rs[0].PostID != post.ID || rs[0].Comment != "spam, again" {
			t.Errorf("got reports %+v, want one about bob's post saying %q", rs, "spam, again")
		}
	})

	t.Run("a block ends the follows", func(t *testing.T) {
		acc, _ := l.db.Read().AccountByURI(ctx, alice.uri)
		if _, err := l.svc.Follow(ctx, bob, acc.ID, social.FollowOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := l.svc.ReceiveFollowAnswer(ctx, bob.Account.ID, acc, true); err != nil {
			t.Fatal(err)
		}
		send(`{"id":"https://mastodon.example/users/alice#blocks/1","type":"Block",` + a + `,"object":"https://parvis.example/users/bob"}`)
		if n := l.count("SELECT COUNT(*) FROM follows WHERE account_id = $1", bob.Account.ID); n != 0 {
			t.Errorf("bob still follows %d accounts after alice blocked him, want 0", n)
		}
		if n := l.count("SELECT COUNT(*) FROM blocks WHERE account_id = $1", acc.ID); n != 1 {
			t.Errorf("got %d blocks, want 1", n)
		}
		send(`{"id":"https://mastodon.example/users/alice#blocks/1/undo","type":"Undo",` + a + `,"object":{"id":"https://mastodon.example/users/alice#blocks/1",
			"type":"Block",` + a + `,"object":"https://parvis.example/users/bob"}}`)
		if n := l.count("SELECT COUNT(*) FROM blocks"); n != 0 {
			t.Errorf("got %d blocks after the Undo, want 0", n)
		}
	})

	t.Run("a move moves the followers", func(t *testing.T) {
		acc, _ := l.db.Read().AccountByURI(ctx, alice.uri)
		if _, err := l.svc.Follow(ctx, bob, acc.ID, social.FollowOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := l.svc.ReceiveFollowAnswer(ctx, bob.Account.ID, acc, true); err != nil {
			t.Fatal(err)
		}
		newURI := "https://other.example/users/alice"
		doc := personDoc(newURI, "alice")
		var m map[string]any
		_ = json.Unmarshal(doc, &m)
		m["alsoKnownAs"] = []string{alice.uri}
		doc, _ = json.Marshal(m)
		l.addActor(doc, testKeys()[4])
		send(`{"id":"https://mastodon.example/users/alice#moves/1","type":"Move",` + a + `,"object":"` + alice.uri +
			`","target":"` + newURI + `"}`)
		moved, err := l.db.Read().AccountByURI(ctx, newURI)
		if err != nil {
			t.Fatal(err)
		}
		if n := l.count("SELECT COUNT(*) FROM follows WHERE account_id = $1 AND target_id = $2", bob.Account.ID, acc.ID); n != 0 {
			t.Errorf("bob still follows the old account")
		}
		if n := l.count("SELECT COUNT(*) FROM follow_requests WHERE account_id = $1 AND target_id = $2", bob.Account.ID, moved.ID); n != 1 {
			t.Errorf("bob did not ask to follow the new account")
		}
		follows := 0
		for _, d := range l.web.deliveries() {
			if d.URL == newURI+"/inbox" && strings.Contains(string(d.Body), `"Follow"`) {
				follows++
			}
		}
		if follows != 1 {
			t.Errorf("got %d Follow deliveries to the new account, want 1", follows)
		}
	})
}

func firstText(es []store.PostEdit) string {
	if len(es) == 0 {
		return ""
	}
	return es[0].Text
}

// TestDocuments fetches what remote servers fetch: an actor, a note
// (public, and private with authorized fetch), collections, on the
// ActivityPub URLs and with content negotiation.
func TestDocuments(t *testing.T) {
	l := newLocal(t, federation.Config{})
	ctx := context.Background()
	bob := l.user("bob")
	pub, err := l.svc.Publish(ctx, bob, social.PostInput{Text: "hello #world", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	priv, err := l.svc.Publish(ctx, bob, social.PostInput{Text: "for followers", Visibility: "private"})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string, signer *remote) (int, *ap.Object, http.Header) {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, "https://parvis.example"+path, nil)
		req.Header.Set("Accept", ap.LDMediaType)
		if signer != nil {
			s, err := httpsign.NewSigner(signer.keyID, signer.key, l.clock)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Sign(req, nil); err != nil {
				t.Fatal(err)
			}
		}
		rec := httptest.NewRecorder()
		l.handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return rec.Code, nil, rec.Header()
		}
		o, err := ap.Decode(rec.Body.Bytes())
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return rec.Code, o, rec.Header()
	}

	code, actor, h := get("/users/bob", nil)
	if code != http.StatusOK || actor.Type != ap.TypePerson || actor.Inbox.IRI() != "https://parvis.example/users/bob/inbox" ||
		actor.SharedInbox() != "https://parvis.example/inbox" || actor.PublicKey == nil ||
		!strings.Contains(actor.PublicKey.PublicKeyPem, "BEGIN PUBLIC KEY") {
		t.Fatalf("actor: got status %d and %+v", code, actor)
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, ap.MediaType) {
		t.Errorf("got content type %q, want %s", ct, ap.MediaType)
	}
	if _, at, _ := get("/@bob", nil); at == nil || at.ID != actor.ID {
		t.Errorf("/@bob with an ActivityPub Accept is not the actor")
	}
	_, note, _ := get("/users/bob/statuses/"+model.FormatID(pub.ID), nil)
	if note == nil || note.Type != ap.TypeNote || !note.IsPublic() || note.AttributedTo.First().IRI() != actor.ID ||
		len(note.Tag) != 1 || note.Tag[0].Object.Name != "#world" {
		t.Fatalf("public note: got %+v", note)
	}
	_, create, _ := get("/users/bob/statuses/"+model.FormatID(pub.ID)+"/activity", nil)
	if create == nil || create.Type != ap.TypeCreate || create.ObjectID() != note.ID {
		t.Errorf("the note's activity: got %+v", create)
	}

	// A private post: not to anonymous fetches, nor to a stranger; yes to
	// a follower's signed fetch.
	privPath := "/users/bob/statuses/" + model.FormatID(priv.ID)
	if code, _, _ := get(privPath, nil); code != http.StatusNotFound {
		t.Errorf("private note, anonymous: got status %d, want 404", code)
	}
	alice := l.mastodonAlice()
	if code, _, _ := get(privPath, alice); code != http.StatusNotFound {
		t.Errorf("private note, a stranger's signed fetch: got status %d, want 404", code)
	}
	if got := l.deliver(alice, "/inbox", []byte(followBob)); got != http.StatusAccepted {
		t.Fatalf("follow: got %d", got)
	}
	l.settle()
	if code, o, _ := get(privPath, alice); code != http.StatusOK || o.Visibility("https://parvis.example/users/bob/followers") != ap.VisibilityPrivate {
		t.Errorf("private note, a follower's signed fetch: got status %d", code)
	}
	forged := &remote{uri: alice.uri, keyID: alice.keyID, key: testKeys()[5]}
	if code, _, _ := get(privPath, forged); code != http.StatusUnauthorized {
		t.Errorf("private note, a forged signature: got status %d, want 401", code)
	}

	for _, path := range []string{"/users/bob/outbox", "/users/bob/followers", "/users/bob/following", "/users/bob/collections/featured"} {
		code, o, _ := get(path, nil)
		if code != http.StatusOK || !o.Type.IsCollection() {
			t.Errorf("%s: got status %d", path, code)
		}
	}
	_, page, _ := get("/users/bob/outbox?page=true", nil)
	if page == nil || len(page.OrderedItems) != 1 || page.OrderedItems[0].Object.Type != ap.TypeCreate {
		t.Errorf("outbox page: got %+v, want the public post only", page)
	}
	_, followers, _ := get("/users/bob/followers?page=1", nil)
	if followers == nil || !followers.OrderedItems.Has(alice.uri) {
		t.Errorf("followers page: got %+v, want alice", followers)
	}

	// A browser asking an ActivityPub URL goes to the web page.
	req := httptest.NewRequest(http.MethodGet, "https://parvis.example/users/bob", nil)
	req.Header.Set("Accept", "text/html")
	rec := httptest.NewRecorder()
	l.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusFound || rec.Header().Get("Location") != "/@bob" {
		t.Errorf("a browser at /users/bob: got %d to %q, want 302 to /@bob", rec.Code, rec.Header().Get("Location"))
	}
	if code, _, _ := get("/users/nobody", nil); code != http.StatusNotFound {
		t.Errorf("unknown actor: got %d, want 404", code)
	}
}

// TestWantsActivityPub reads Accept headers the way servers send them.
func TestWantsActivityPub(t *testing.T) {
	tests := map[string]bool{
		"application/activity+json": true,
		`application/ld+json; profile="https://www.w3.org/ns/activitystreams"`: true,
		"application/activity+json, application/ld+json":                       true,
		"text/html,application/xhtml+xml":                                      false,
		"application/json":                                                     false,
		"":                                                                     false,
		"*/*":                                                                  false,
	}
	for accept, want := range tests {
		r := httptest.NewRequest(http.MethodGet, "/@bob", nil)
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		if got := federation.WantsActivityPub(r); got != want {
			t.Errorf("Accept %q: got %v, want %v", accept, got, want)
		}
	}
}

// TestDeliveryRetries posts to a server that fails: the delivery is
// retried later, the failure is recorded, and the server is not marked
// unreachable after one failure.
func TestDeliveryRetries(t *testing.T) {
	l := newLocal(t, federation.Config{})
	ctx := context.Background()
	bob := l.user("bob")
	down := l.addActor(personDoc("https://down.example/users/dan", "dan"), testKeys()[3])
	l.web.failHost("down.example")
	body := strings.NewReplacer("mastodon.example/users/alice", "down.example/users/dan",
		"mastodon.example/follows/1", "down.example/follows/1").Replace(followBob)
	if got := l.deliver(down, "/inbox", []byte(body)); got != http.StatusAccepted {
		t.Fatalf("got %d", got)
	}
	l.settle()
	if _, err := l.svc.Publish(ctx, bob, social.PostInput{Text: "to a server that is down", Visibility: "public"}); err != nil {
		t.Fatal(err)
	}
	l.settle()
	st, err := l.db.Read().Server(ctx, "down.example")
	if err != nil {
		t.Fatal(err)
	}
	if st.Failures < 1 || st.Unreachable() {
		t.Errorf("got %d failures (unreachable %v), want some and not unreachable yet", st.Failures, st.Unreachable())
	}
	var pending int
	if err := l.db.ReadSQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'federation_deliver'
		AND state IN ('scheduled', 'retryable') AND scheduled_at > $1`, time.Now().Add(30*time.Second)).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if pending == 0 {
		t.Errorf("no delivery is scheduled for a later retry")
	}
}

// TestDomainCommand blocks, lists and unblocks a domain from the command
// line's entry point.
func TestDomainCommand(t *testing.T) {
	l := newLocal(t, federation.Config{})
	ctx := context.Background()
	var out bytes.Buffer
	for _, args := range [][]string{
		{"block", "Spam.Example", "--reason", "spam waves"},
		{"block", "noisy.example", "--silence"},
		{"list"},
		{"unblock", "spam.example"},
		{"list"},
	} {
		if err := federation.DomainCommand(ctx, l.svc, args, &out); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	got := out.String()
	for _, want := range []string{"spam.example: suspend", "noisy.example: silence", "spam waves", "spam.example: unblocked"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if err := federation.DomainCommand(ctx, l.svc, []string{"block", "not a domain"}, &out); model.ErrorCode(err) != model.EUNPROCESS {
		t.Errorf("a bad domain: got %v, want an unprocessable error", err)
	}
	if n := l.count("SELECT COUNT(*) FROM federation_domains"); n != 1 {
		t.Errorf("got %d blocks left, want 1", n)
	}
}

// TestRemoteMemberPostsInCommunity has a Lemmy member of a local community
// post to it: the community shares the post with its members, remote ones
// included, in both Announce forms (Lemmy's FEP-1b12 form and Mastodon's).
func TestRemoteMemberPostsInCommunity(t *testing.T) {
	l := newLocal(t, federation.Config{})
	ctx := context.Background()
	owner := l.user("owner")
	if _, err := l.svc.CreateCommunity(ctx, owner, social.CommunityInput{Name: "bread", Membership: "open"}); err != nil {
		t.Fatal(err)
	}
	dave := l.addActor(personDoc("https://lemmy.world/u/dave", "dave"), testKeys()[3])
	follow := `{"id":"https://lemmy.world/activities/follow/1","type":"Follow","actor":"https://lemmy.world/u/dave",
		"object":"https://parvis.example/users/bread"}`
	if got := l.deliver(dave, "/users/bread/inbox", []byte(follow)); got != http.StatusAccepted {
		t.Fatalf("join: got %d", got)
	}
	l.settle()
	page := `{"id":"https://lemmy.world/activities/create/2","type":"Create","actor":"https://lemmy.world/u/dave",
		"to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["https://parvis.example/users/bread"],
		"object":{"id":"https://lemmy.world/post/2","type":"Page","attributedTo":"https://lemmy.world/u/dave",
		"name":"Spelt or rye?","content":"<p>Which one for a first loaf?</p>","audience":"https://parvis.example/users/bread",
		"to":["https://parvis.example/users/bread","https://www.w3.org/ns/activitystreams#Public"]}}`
	if got := l.deliver(dave, "/inbox", []byte(page)); got != http.StatusAccepted {
		t.Fatalf("post: got %d", got)
	}
	l.settle()
	p, err := l.db.Read().PostByURI(ctx, "https://lemmy.world/post/2")
	if err != nil {
		t.Fatalf("the post is not stored: %v", err)
	}
	if p.CommunityID == 0 {
		t.Errorf("the post is not in the community")
	}
	group := l.count("SELECT id FROM accounts WHERE username = 'bread' AND domain = ''")
	if n := l.count("SELECT COUNT(*) FROM posts WHERE reblog_of_id = $1 AND account_id = $2", p.ID, group); n != 1 {
		t.Errorf("got %d community boosts of the post, want 1", n)
	}
	var plain, wrapped int
	for _, d := range l.web.deliveries() {
		var act struct {
			Type   string          `json:"type"`
			Actor  string          `json:"actor"`
			Object json.RawMessage `json:"object"`
		}
		if json.Unmarshal(d.Body, &act) != nil || act.Type != "Announce" || act.Actor != "https://parvis.example/users/bread" {
			continue
		}
		switch {
		case string(act.Object) == `"https://lemmy.world/post/2"`:
			plain++
		case strings.Contains(string(act.Object), `"Create"`) && strings.Contains(string(act.Object), "Spelt or rye?"):
			wrapped++
		}
	}
	if plain != 1 || wrapped != 1 {
		t.Errorf("got %d Announces of the post's id and %d of its Create, want 1 and 1", plain, wrapped)
	}
}

// TestResolve finds remote accounts by WebFinger address and by URL.
func TestResolve(t *testing.T) {
	l := newLocal(t, federation.Config{})
	ctx := context.Background()
	alice := l.mastodonAlice()
	l.web.put("https://mastodon.example/.well-known/webfinger?resource=acct%3Aalice%40mastodon.example",
		[]byte(`{"subject":"acct:alice@mastodon.example","links":[{"rel":"self","type":"application/activity+json","href":"`+alice.uri+`"}]}`))
	var resolve social.ResolveRemote = l.fed.ResolveAccount
	a, err := resolve(ctx, "alice", "mastodon.example")
	if err != nil {
		t.Fatalf("resolve alice@mastodon.example: %v", err)
	}
	if a.URI != alice.uri || a.Acct() != "alice@mastodon.example" || a.Inbox != alice.uri+"/inbox" ||
		a.SharedInbox != "https://mastodon.example/inbox" {
		t.Errorf("got %+v", a)
	}
	if b, err := l.fed.Resolve(ctx, alice.uri); err != nil || b.ID != a.ID {
		t.Errorf("resolve by URL: got %v, %v; want the same account", b, err)
	}
	if _, err := resolve(ctx, "nobody", "mastodon.example"); !model.IsNotFound(err) {
		t.Errorf("an unknown address: got %v, want not found", err)
	}
	if _, err := l.fed.Resolve(ctx, "https://box.internal/users/x"); !model.IsNotFound(err) {
		t.Errorf("a private address: got %v, want not found", err)
	}
}
