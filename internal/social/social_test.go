package social_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"parvis/internal/model"
	"parvis/internal/server/servertest"
	"parvis/internal/social"
	"parvis/internal/store"
)

type world struct {
	t   *testing.T
	svc *social.Service
	ctx context.Context
}

func newWorld(t *testing.T) *world {
	env := servertest.New(t, servertest.Options{})
	return &world{t: t, svc: env.App.Service, ctx: context.Background()}
}

func (w *world) user(name string) *social.Actor {
	w.t.Helper()
	u, err := w.svc.CreateUser(w.ctx, social.SignupInput{Username: name, Password: "password of " + name})
	if err != nil {
		w.t.Fatalf("create %s: %v", name, err)
	}
	a, err := w.svc.DB().Read().AccountByID(w.ctx, u.AccountID)
	if err != nil {
		w.t.Fatal(err)
	}
	return &social.Actor{User: u, Account: a}
}

func (w *world) post(a *social.Actor, in social.PostInput) *model.Post {
	w.t.Helper()
	p, err := w.svc.Publish(w.ctx, a, in)
	if err != nil {
		w.t.Fatalf("publish: %v", err)
	}
	return p
}

func (w *world) follow(a, b *social.Actor) {
	w.t.Helper()
	if _, err := w.svc.Follow(w.ctx, a, b.Account.ID, social.FollowOptions{}); err != nil {
		w.t.Fatalf("follow: %v", err)
	}
}

func ids(vs []*social.PostView) []int64 {
	out := make([]int64, len(vs))
	for i, v := range vs {
		out[i] = v.Post.ID
	}
	return out
}

// eventually polls until cond holds (background jobs run asynchronously).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestPublishReachesFollowersTimelines(t *testing.T) {
	w := newWorld(t)
	alice, bob, carol := w.user("alice"), w.user("bob"), w.user("carol")
	w.follow(bob, alice)
	p := w.post(alice, social.PostInput{Text: "Bonjour @bob, voici mon #Jardin : https://example.org/tomates"})
	if p.Language != "fr" {
		t.Errorf("detected language %q, want fr", p.Language)
	}
	eventually(t, "the post in bob's home", func() bool {
		vs, err := w.svc.Home(w.ctx, bob, social.Page{Limit: 20})
		return err == nil && slices.Contains(ids(vs), p.ID)
	})
	vs, _ := w.svc.Home(w.ctx, carol, social.Page{Limit: 20})
	if slices.Contains(ids(vs), p.ID) {
		t.Fatalf("carol, who follows nobody, sees the post at home")
	}
	pub, _ := w.svc.PublicTimeline(w.ctx, &social.Actor{}, store.PublicFilter{Local: true}, social.Page{Limit: 20})
	if !slices.Contains(ids(pub), p.ID) {
		t.Fatalf("the public post is not on the local timeline")
	}
	tag, _ := w.svc.TagTimeline(w.ctx, &social.Actor{}, "jardin", store.PublicFilter{}, social.Page{Limit: 20})
	if !slices.Contains(ids(tag), p.ID) {
		t.Fatalf("the post is not on the #jardin timeline")
	}
	v, err := w.svc.View(w.ctx, carol, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Mentions) != 1 || v.Mentions[0].Username != "bob" || !slices.Equal(v.Tags, []string{"Jardin"}) {
		t.Fatalf("mentions %v tags %v", v.Mentions, v.Tags)
	}
	if !strings.Contains(v.Post.Content, `class="u-url mention"`) || !strings.Contains(v.Post.Content, `rel="tag"`) {
		t.Fatalf("content not rendered: %s", v.Post.Content)
	}
	ns, _ := w.svc.Notifications(w.ctx, bob, store.NotificationFilter{}, social.Page{Limit: 10})
	if len(ns) != 1 || ns[0].Notification.Type != model.NotifyMention {
		t.Fatalf("bob's notifications: %+v", ns)
	}
}

// Who may see what: a table over visibilities and relationships.
func TestVisibilityRules(t *testing.T) {
	w := newWorld(t)
	author, follower, mentioned, stranger, blocked := w.user("author"), w.user("follower"), w.user("mentioned"), w.user("stranger"), w.user("blocked")
	anon := &social.Actor{}
	w.follow(follower, author)
	w.follow(blocked, author)
	if _, err := w.svc.Block(w.ctx, author, blocked.Account.ID); err != nil {
		t.Fatal(err)
	}
	posts := map[model.Visibility]*model.Post{}
	for _, v := range []model.Visibility{model.Public, model.Unlisted, model.Private, model.Direct} {
		posts[v] = w.post(author, social.PostInput{Text: "@mentioned a " + string(v) + " post", Visibility: string(v)})
	}
	cases := []struct {
		viewer string
		actor  *social.Actor
		see    map[model.Visibility]bool
	}{
		{"author", author, map[model.Visibility]bool{model.Public: true, model.Unlisted: true, model.Private: true, model.Direct: true}},
		{"follower", follower, map[model.Visibility]bool{model.Public: true, model.Unlisted: true, model.Private: true}},
		{"mentioned", mentioned, map[model.Visibility]bool{model.Public: true, model.Unlisted: true, model.Private: true, model.Direct: true}},
		{"stranger", stranger, map[model.Visibility]bool{model.Public: true, model.Unlisted: true}},
		{"anonymous", anon, map[model.Visibility]bool{model.Public: true, model.Unlisted: true}},
		{"blocked", blocked, map[model.Visibility]bool{}},
	}
	for _, c := range cases {
		for vis, p := range posts {
			_, err := w.svc.View(w.ctx, c.actor, p.ID)
			if got := err == nil; got != c.see[vis] {
				t.Errorf("%s viewing a %s post: visible=%v, want %v (%v)", c.viewer, vis, got, c.see[vis], err)
			}
			acct, _ := w.svc.AccountPosts(w.ctx, c.actor, author.Account.ID, social.AccountPostsOptions{}, social.Page{Limit: 40})
			wantListed := c.see[vis] && (vis.Rank() <= 1 || c.viewer == "author" || (vis == model.Private && c.viewer == "follower"))
			if got := slices.Contains(ids(acct), p.ID); got != wantListed {
				t.Errorf("%s on the author's profile, %s post: listed=%v", c.viewer, vis, got)
			}
			_, ctxv, err := w.svc.ThreadContext(w.ctx, c.actor, p.ID)
			if (err == nil) != c.see[vis] || (err == nil && ctxv == nil) {
				t.Errorf("%s, context of a %s post: err=%v", c.viewer, vis, err)
			}
		}
		pub, _ := w.svc.PublicTimeline(w.ctx, c.actor, store.PublicFilter{}, social.Page{Limit: 40})
		for vis, p := range posts {
			want := vis == model.Public && c.viewer != "blocked"
			if got := slices.Contains(ids(pub), p.ID); got != want {
				t.Errorf("%s, public timeline, %s post: listed=%v want %v", c.viewer, vis, got, want)
			}
		}
		if c.actor.LoggedIn() {
			eventually(t, "fan-out", func() bool {
				home, _ := w.svc.Home(w.ctx, c.actor, social.Page{Limit: 40})
				for vis, p := range posts {
					want := c.see[vis] && (c.viewer == "author" || c.viewer == "follower")
					if slices.Contains(ids(home), p.ID) != want {
						return false
					}
				}
				return true
			})
		}
	}
	// A reply to a post one cannot see is refused as if it did not exist.
	if _, err := w.svc.Publish(w.ctx, stranger, social.PostInput{Text: "hi", InReplyToID: posts[model.Private].ID}); !model.IsNotFound(err) {
		t.Fatalf("reply to an invisible post: got %v, want not found", err)
	}
	if err := w.svc.Favourite(w.ctx, blocked, posts[model.Public].ID); !model.IsNotFound(err) {
		t.Fatalf("blocked user favouriting: got %v, want not found", err)
	}
}

func TestEngagementCountersAndUndo(t *testing.T) {
	w := newWorld(t)
	alice, bob := w.user("alice"), w.user("bob")
	p := w.post(alice, social.PostInput{Text: "count me"})
	for i := 0; i < 2; i++ { // twice: idempotent
		if err := w.svc.Favourite(w.ctx, bob, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Reblog(w.ctx, bob, p.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	v, _ := w.svc.View(w.ctx, bob, p.ID)
	if v.Post.FavouritesCount != 1 || v.Post.ReblogsCount != 1 || !v.Favourited || !v.Reblogged {
		t.Fatalf("after favourite and boost: %+v favourited=%v reblogged=%v", v.Post, v.Favourited, v.Reblogged)
	}
	ns, _ := w.svc.Notifications(w.ctx, alice, store.NotificationFilter{}, social.Page{Limit: 10})
	if len(ns) != 2 {
		t.Fatalf("alice has %d notifications, want 2 (favourite, reblog)", len(ns))
	}
	if err := w.svc.Unfavourite(w.ctx, bob, p.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.Unreblog(w.ctx, bob, p.ID); err != nil {
		t.Fatal(err)
	}
	v, _ = w.svc.View(w.ctx, bob, p.ID)
	if v.Post.FavouritesCount != 0 || v.Post.ReblogsCount != 0 || v.Favourited || v.Reblogged {
		t.Fatalf("after undo: %+v", v.Post)
	}
	ns, _ = w.svc.Notifications(w.ctx, alice, store.NotificationFilter{}, social.Page{Limit: 10})
	if len(ns) != 0 {
		t.Fatalf("undone actions left %d notifications", len(ns))
	}
	bobAcc, _ := w.svc.DB().Read().AccountByID(w.ctx, bob.Account.ID)
	if bobAcc.StatusesCount != 0 {
		t.Fatalf("bob's statuses_count after unboost: %d", bobAcc.StatusesCount)
	}
}

func TestEditKeepsHistoryAndDeleteFixesCounters(t *testing.T) {
	w := newWorld(t)
	alice, bob := w.user("alice"), w.user("bob")
	root := w.post(alice, social.PostInput{Text: "first version"})
	reply := w.post(bob, social.PostInput{Text: "a reply", InReplyToID: root.ID})
	if _, err := w.svc.Edit(w.ctx, alice, root.ID, social.PostInput{Text: "second version", SpoilerText: "cw"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Edit(w.ctx, bob, root.ID, social.PostInput{Text: "hijack"}); !model.IsNotFound(err) {
		t.Fatalf("editing someone else's post: got %v", err)
	}
	_, versions, err := w.svc.History(w.ctx, bob, root.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(versions) != 2 || versions[0].Text != "first version" || versions[1].Text != "second version" || versions[1].SpoilerText != "cw" {
		t.Fatalf("history: %+v", versions)
	}
	v, _ := w.svc.View(w.ctx, alice, root.ID)
	if v.Post.RepliesCount != 1 {
		t.Fatalf("replies_count %d, want 1", v.Post.RepliesCount)
	}
	_, c, err := w.svc.ThreadContext(w.ctx, alice, root.ID)
	if err != nil || len(c.Descendants) != 1 || c.Descendants[0].Post.ID != reply.ID {
		t.Fatalf("context: %v %+v", err, c)
	}
	if _, err := w.svc.Delete(w.ctx, alice, reply.ID); model.ErrorCode(err) != model.EFORBIDDEN {
		t.Fatalf("deleting someone else's reply: got %v", err)
	}
	if _, err := w.svc.Delete(w.ctx, bob, reply.ID); err != nil {
		t.Fatal(err)
	}
	v, _ = w.svc.View(w.ctx, alice, root.ID)
	if v.Post.RepliesCount != 0 {
		t.Fatalf("replies_count after delete %d, want 0", v.Post.RepliesCount)
	}
	if _, err := w.svc.Publish(w.ctx, bob, social.PostInput{Text: "late", InReplyToID: reply.ID}); !model.IsNotFound(err) {
		t.Fatalf("reply to a deleted post: got %v", err)
	}
}

func TestBadPostsAreRefusedWholly(t *testing.T) {
	w := newWorld(t)
	alice := w.user("alice")
	cases := []struct {
		name string
		in   social.PostInput
		code string
	}{
		{"too long", social.PostInput{Text: strings.Repeat("a", 501)}, model.EUNPROCESS},
		{"blank", social.PostInput{Text: "   "}, model.EUNPROCESS},
		{"bad visibility", social.PostInput{Text: "x", Visibility: "friends"}, model.EUNPROCESS},
		{"bad language", social.PostInput{Text: "x", Language: "français"}, model.EUNPROCESS},
		{"unknown media", social.PostInput{Text: "x", MediaIDs: []int64{12345}}, model.EUNPROCESS},
		{"five media", social.PostInput{Text: "x", MediaIDs: []int64{1, 2, 3, 4, 5}}, model.EUNPROCESS},
		{"long warning", social.PostInput{Text: "x", SpoilerText: strings.Repeat("w", 501)}, model.EUNPROCESS},
	}
	for _, c := range cases {
		if _, err := w.svc.Publish(w.ctx, alice, c.in); model.ErrorCode(err) != c.code {
			t.Errorf("%s: got %v, want code %s", c.name, err, c.code)
		}
	}
	// A URL counts 23 characters whatever its length.
	long := "https://example.org/" + strings.Repeat("x", 600)
	if _, err := w.svc.Publish(w.ctx, alice, social.PostInput{Text: long}); err != nil {
		t.Fatalf("a long URL: %v", err)
	}
	acc, _ := w.svc.DB().Read().AccountByID(w.ctx, alice.Account.ID)
	if acc.StatusesCount != 1 {
		t.Fatalf("statuses_count %d after refused posts, want 1", acc.StatusesCount)
	}
	// The same idempotency key gives the same post.
	a := w.post(alice, social.PostInput{Text: "once", IdempotencyKey: "k1"})
	b := w.post(alice, social.PostInput{Text: "once", IdempotencyKey: "k1"})
	if a.ID != b.ID {
		t.Fatalf("idempotency: two posts %d and %d", a.ID, b.ID)
	}
}

func TestLockedAccountsApproveFollowers(t *testing.T) {
	w := newWorld(t)
	alice, bob := w.user("alice"), w.user("bob")
	if _, err := w.svc.UpdateProfile(w.ctx, alice, social.ProfileInput{Locked: true}); err != nil {
		t.Fatal(err)
	}
	alice.Account.Locked = true
	rel, err := w.svc.Follow(w.ctx, bob, alice.Account.ID, social.FollowOptions{})
	if err != nil || !rel.Requested || rel.Following {
		t.Fatalf("follow a locked account: %+v %v", rel, err)
	}
	secret := w.post(alice, social.PostInput{Text: "for followers", Visibility: "private"})
	if _, err := w.svc.View(w.ctx, bob, secret.ID); !model.IsNotFound(err) {
		t.Fatalf("a pending request sees private posts")
	}
	if _, err := w.svc.FollowRequestDecision(w.ctx, alice, bob.Account.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.View(w.ctx, bob, secret.ID); err != nil {
		t.Fatalf("an accepted follower cannot see private posts: %v", err)
	}
	if _, err := w.svc.FollowRequestDecision(w.ctx, alice, bob.Account.ID, true); !model.IsNotFound(err) {
		t.Fatalf("answering a request twice: %v", err)
	}
}
