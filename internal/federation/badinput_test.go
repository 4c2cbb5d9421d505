package federation_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"parvis/internal/federation"
	"parvis/internal/social"
)

// TestInboxRefusesMalformedDocuments posts documents that are not
// ActivityPub, or too big, or too nested: each is refused in the request,
// nothing is stored.
func TestInboxRefusesMalformedDocuments(t *testing.T) {
	l := newLocal(t, federation.Config{})
	l.user("bob")
	alice := l.mastodonAlice()
	many := make([]string, 5000)
	for i := range many {
		many[i] = fmt.Sprintf(`"https://mastodon.example/users/u%d"`, i)
	}
	tests := []struct {
		name string
		body string
		want int
	}{
		{"not JSON", `<html>hello</html>`, http.StatusBadRequest},
		{"truncated", `{"type":"Create","actor":"https://mastodon.example/users/alice","object":{`, http.StatusBadRequest},
		{"not an object", `["Follow"]`, http.StatusBadRequest},
		{"no type", `{"id":"https://mastodon.example/x","actor":"https://mastodon.example/users/alice"}`, http.StatusBadRequest},
		{"type of the wrong shape", `{"type":{"a":1},"actor":"https://mastodon.example/users/alice"}`, http.StatusBadRequest},
		{"context of the wrong shape", `{"@context":5,"type":"Follow","actor":"https://mastodon.example/users/alice"}`, http.StatusBadRequest},
		{"nested too deeply", strings.Repeat(`{"type":"Note","object":`, 40) + `{}` + strings.Repeat(`}`, 40), http.StatusBadRequest},
		{"a huge collection", `{"id":"https://mastodon.example/flag/1","type":"Flag","actor":"https://mastodon.example/users/alice","object":[` +
			strings.Join(many, ",") + `]}`, http.StatusBadRequest},
		{"a body over 1 MiB", `{"type":"Note","content":"` + strings.Repeat("a", 1<<20) + `"}`, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := l.stored()
			if got := l.deliver(alice, "/inbox", []byte(tt.body)); got != tt.want {
				t.Errorf("got status %d, want %d", got, tt.want)
			}
			l.settle()
			if after := l.stored(); after != before {
				t.Errorf("got %d rows stored, want %d", after, before)
			}
		})
	}
}

// TestProcessingRefusesBadObjects sends signed activities whose objects
// turn out bad only once fetched: a reply chain that loops, objects that
// redirect to or live at private addresses, a fetched object too big. Each
// is refused with a log line saying why, nothing is stored, and the
// workers go on with the next activity.
func TestProcessingRefusesBadObjects(t *testing.T) {
	l := newLocal(t, federation.Config{})
	ctx := context.Background()
	bob := l.user("bob")
	alice := l.mastodonAlice()
	aliceAcc, err := l.fed.Resolve(ctx, alice.uri)
	if err != nil {
		t.Fatal(err)
	}
	// bob follows alice, so that her boosts concern this server.
	if _, err := l.svc.Follow(ctx, bob, aliceAcc.ID, social.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := l.svc.ReceiveFollowAnswer(ctx, bob.Account.ID, aliceAcc, true); err != nil {
		t.Fatal(err)
	}
	l.settle()

	note := func(id, inReplyTo string) string {
		return fmt.Sprintf(`{"id":%q,"type":"Note","attributedTo":"https://mastodon.example/users/alice",
			"inReplyTo":%q,"to":["https://www.w3.org/ns/activitystreams#Public"],"content":"<p>hi</p>"}`, id, inReplyTo)
	}
	const base = "https://mastodon.example/users/alice/statuses/"
	// A two-post loop: 1 replies to 2, which replies to 1.
	l.web.put(base+"2", []byte(note(base+"2", base+"1")))
	// Objects behind redirects to private addresses, and on a host that
	// resolves to one.
	l.web.redirect(base+"3", "https://127.0.0.1:8443/admin")
	l.web.redirect(base+"4", "https://169.254.169.254/latest/meta-data/")
	l.web.put("https://box.internal/notes/5", []byte(note("https://box.internal/notes/5", "")))
	// A fetched object with a collection far too big.
	many := make([]string, 5000)
	for i := range many {
		many[i] = fmt.Sprintf(`"https://mastodon.example/users/u%d"`, i)
	}
	l.web.put(base+"6", []byte(`{"id":"`+base+`6","type":"Note","attributedTo":"https://mastodon.example/users/alice",
		"to":["https://www.w3.org/ns/activitystreams#Public"],"cc":[`+strings.Join(many, ",")+`],"content":"x"}`))

	create := func(id, obj string) string {
		return fmt.Sprintf(`{"id":%q,"type":"Create","actor":"https://mastodon.example/users/alice","object":%s}`, id, obj)
	}
	announce := func(id, obj string) string {
		return fmt.Sprintf(`{"id":%q,"type":"Announce","actor":"https://mastodon.example/users/alice",
			"to":["https://www.w3.org/ns/activitystreams#Public"],"object":%q}`, id, obj)
	}
	tests := []struct {
		name, body, log string
	}{
		{"a reply chain that loops", create(base+"1/activity", note(base+"1", base+"2")), "reply chain loops"},
		{"a reply to itself", create(base+"7/activity", note(base+"7", base+"7")), "reply chain loops"},
		{"a redirect to loopback", announce(base+"3/activity", base+"3"), "refusing to connect to 127.0.0.1"},
		{"a redirect to cloud metadata", announce(base+"4/activity", base+"4"), "refusing to connect to 169.254.169.254"},
		{"a host on a private network", announce(base+"5/activity", "https://box.internal/notes/5"), "refusing to connect to 10.1.2.3"},
		{"a fetched collection too big", announce(base+"6/activity", base+"6"), "array too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := l.count("SELECT COUNT(*) FROM posts")
			if got := l.deliver(alice, "/inbox", []byte(tt.body)); got != http.StatusAccepted {
				t.Fatalf("got status %d, want 202 (the object is checked by the job)", got)
			}
			l.settle()
			if after := l.count("SELECT COUNT(*) FROM posts"); after != before {
				t.Errorf("got %d posts, want %d", after, before)
			}
			if !strings.Contains(l.logs.String(), tt.log) {
				t.Errorf("the log does not say %q:\n%s", tt.log, l.logs.String())
			}
		})
	}

	// The workers go on: a good post still arrives.
	good := create(base+"8/activity", `{"id":"`+base+`8","type":"Note","attributedTo":"https://mastodon.example/users/alice",
		"to":["https://www.w3.org/ns/activitystreams#Public"],"content":"<p>still here</p>"}`)
	if got := l.deliver(alice, "/inbox", []byte(good)); got != http.StatusAccepted {
		t.Fatalf("got status %d, want 202", got)
	}
	l.settle()
	if n := l.count("SELECT COUNT(*) FROM posts WHERE uri = $1", base+"8"); n != 1 {
		t.Errorf("the good post after the bad ones: got %d, want 1", n)
	}
}

// TestThreadAssembly stores a reply whose parents are on two other
// servers: they are fetched and threaded, up to the depth limit.
func TestThreadAssembly(t *testing.T) {
	l := newLocal(t, federation.Config{MaxThreadDepth: 3})
	ctx := context.Background()
	bob := l.user("bob")
	keys := testKeys()
	alice := l.mastodonAlice()
	carla := l.addActor(personDoc("https://gts.example/users/carla", "carla"), keys[1])
	aliceAcc, err := l.fed.Resolve(ctx, alice.uri)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.svc.Follow(ctx, bob, aliceAcc.ID, social.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := l.svc.ReceiveFollowAnswer(ctx, bob.Account.ID, aliceAcc, true); err != nil {
		t.Fatal(err)
	}
	// A chain of six posts alternating between two servers: 6 replies to
	// 5 ... replies to 1.
	uri := func(i int) string {
		if i%2 == 0 {
			return fmt.Sprintf("https://mastodon.example/users/alice/statuses/%d", i)
		}
		return fmt.Sprintf("https://gts.example/users/carla/statuses/%d", i)
	}
	author := func(i int) string {
		if i%2 == 0 {
			return alice.uri
		}
		return carla.uri
	}
	for i := 1; i <= 5; i++ {
		parent := ""
		if i > 1 {
			parent = fmt.Sprintf(`,"inReplyTo":%q`, uri(i-1))
		}
		l.web.put(uri(i), []byte(fmt.Sprintf(`{"id":%q,"type":"Note","attributedTo":%q%s,
			"to":["https://www.w3.org/ns/activitystreams#Public"],"content":"<p>post %d</p>"}`, uri(i), author(i), parent, i)))
	}
	body := fmt.Sprintf(`{"id":"%s/activity","type":"Create","actor":%q,"object":{"id":%q,"type":"Note",
		"attributedTo":%q,"inReplyTo":%q,"to":["https://www.w3.org/ns/activitystreams#Public"],"content":"<p>post 6</p>"}}`,
		uri(6), alice.uri, uri(6), alice.uri, uri(5))
	if got := l.deliver(alice, "/inbox", []byte(body)); got != http.StatusAccepted {
		t.Fatalf("got status %d, want 202", got)
	}
	l.settle()
	// Post 6 arrives, and with a depth limit of 3, parents 5, 4 and 3 are
	// fetched with it.
	for i, want := range map[int]int{6: 1, 5: 1, 4: 1, 3: 1, 2: 0, 1: 0} {
		if n := l.count("SELECT COUNT(*) FROM posts WHERE uri = $1", uri(i)); n != want {
			t.Errorf("post %d: got %d stored, want %d", i, n, want)
		}
	}
	if threads := l.count(`SELECT COUNT(DISTINCT thread_id) FROM posts WHERE local = FALSE`); threads != 1 {
		t.Errorf("got %d threads, want 1", threads)
	}
	// Post 3 waits for its parent: when post 2 arrives (here, boosted), it
	// is linked, and the thread grows.
	ann := fmt.Sprintf(`{"id":"%s/boost","type":"Announce","actor":%q,"to":["https://www.w3.org/ns/activitystreams#Public"],"object":%q}`,
		uri(2), alice.uri, uri(2))
	if got := l.deliver(alice, "/inbox", []byte(ann)); got != http.StatusAccepted {
		t.Fatalf("got status %d, want 202", got)
	}
	l.settle()
	if n := l.count(`SELECT COUNT(*) FROM posts p JOIN posts q ON q.id = p.in_reply_to_id WHERE p.uri = $1 AND q.uri = $2`,
		uri(3), uri(2)); n != 1 {
		t.Errorf("post 3 is not linked to post 2 once it arrived")
	}
	if n := l.count(`SELECT COUNT(DISTINCT thread_id) FROM posts WHERE local = FALSE AND reblog_of_id IS NULL`); n != 1 {
		t.Errorf("got %d threads after the parent arrived, want 1", n)
	}
}
