package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"

	"parvis/internal/server/servertest"
)

// pv calls one of Parvis's own endpoints with a JSON body (nil for none).
func (w *world) pv(method, path, token string, body any) response {
	w.t.Helper()
	var data []byte
	ctype := ""
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			w.t.Fatal(err)
		}
		ctype = "application/json"
	}
	var b any
	if data != nil {
		b = data
	}
	return w.call(method, "/api/parvis/v1"+path, token, b, ctype)
}

// mustPV calls a Parvis endpoint and fails unless it answers want.
func (w *world) mustPV(want int, method, path, token string, body any) response {
	w.t.Helper()
	r := w.pv(method, path, token, body)
	if r.status != want {
		w.t.Fatalf("%s %s: got %d %s, want %d", method, path, r.status, r.body, want)
	}
	return r
}

// get sends a GET through the validating client (Mastodon endpoints).
func (w *world) get(path, token string) response {
	w.t.Helper()
	req, err := http.NewRequest("GET", w.env.URL+path, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := w.http.Do(req)
	if err != nil {
		w.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

type pvCommunity struct {
	ID           string  `json:"id"`
	AccountID    string  `json:"account_id"`
	Name         string  `json:"name"`
	Membership   string  `json:"membership"`
	MembersCount int64   `json:"members_count"`
	Role         *string `json:"role"`
	Requested    bool    `json:"requested"`
	Account      struct {
		Group bool `json:"group"`
	} `json:"account"`
}

// createCommunity creates a community through Parvis's API.
func (w *world) createCommunity(owner *person, name, membership string) pvCommunity {
	w.t.Helper()
	r := w.mustPV(http.StatusCreated, "POST", "/communities", owner.token, map[string]any{"name": name,
		"display_name": strings.ToUpper(name[:1]) + name[1:], "description": "About " + name, "membership": membership})
	var c pvCommunity
	r.json(w.t, &c)
	if c.AccountID == "" || !c.Account.Group || c.Role == nil || *c.Role != "owner" || c.Membership != membership {
		w.t.Fatalf("created community: %s", r.body)
	}
	return c
}

func hasStatus(ss []*mastodon.Status, id mastodon.ID) bool {
	for _, s := range ss {
		if s.ID == id || (s.Reblog != nil && s.Reblog.ID == id) {
			return true
		}
	}
	return false
}

// TestCommunityThroughMastodonApps: a member joins a community by
// following its group account in a Mastodon app, mentions it, and another
// member sees the community's boost in their home timeline and replies.
func TestCommunityThroughMastodonApps(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	ctx := w.ctx
	alice, bob, carol := w.person("alice"), w.person("bob"), w.person("carol")
	garden := w.createCommunity(alice, "gardening", "open")
	groupID := mastodon.ID(garden.AccountID)

	// The group account is an account with "group": true.
	r := w.get("/api/v1/accounts/"+garden.AccountID, bob.token)
	var acc map[string]any
	r.json(t, &acc)
	if r.status != http.StatusOK || acc["group"] != true || acc["username"] != "gardening" {
		t.Fatalf("the group account: %d %s", r.status, r.body)
	}
	for _, p := range []*person{bob, carol} {
		rel, err := p.c.AccountFollow(ctx, groupID)
		if err != nil || !rel.Following {
			t.Fatalf("%s follows the community: %+v %v", p.name, rel, err)
		}
	}
	var joined pvCommunity
	w.mustPV(http.StatusOK, "GET", "/communities/"+garden.ID, bob.token, nil).json(t, &joined)
	if joined.Role == nil || *joined.Role != "member" || joined.MembersCount != 3 {
		t.Fatalf("bob after following: %+v", joined)
	}
	// Following again changes nothing; joining again through Parvis's API is a conflict.
	if rel, err := bob.c.AccountFollow(ctx, groupID); err != nil || !rel.Following {
		t.Fatalf("following twice: %+v %v", rel, err)
	}
	if r := w.pv("POST", "/communities/"+garden.ID+"/join", bob.token, nil); r.status != http.StatusConflict ||
		!strings.Contains(r.errorText(t), "already a member") {
		t.Fatalf("joining twice: %d %s", r.status, r.body)
	}

	post, err := bob.c.PostStatus(ctx, &mastodon.Toot{Status: "@gardening what do you plant in March?", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	var boost *mastodon.Status
	eventually(t, "the community's boost in carol's home", func() string {
		home, err := carol.c.GetTimelineHome(ctx, nil)
		if err != nil {
			return err.Error()
		}
		for _, s := range home {
			if s.Reblog != nil && s.Reblog.ID == post.ID && s.Account.ID == groupID {
				boost = s
				return ""
			}
		}
		return fmt.Sprintf("%d statuses, no boost", len(home))
	})
	reply, err := carol.c.PostStatus(ctx, &mastodon.Toot{Status: "@bob tomatoes, as always", InReplyToID: boost.Reblog.ID,
		Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	thread, err := bob.c.GetStatusContext(ctx, post.ID)
	if err != nil || !hasStatus(thread.Descendants, reply.ID) {
		t.Fatalf("the reply in bob's thread: %v %v", thread, err)
	}
	var statuses []struct {
		ID string `json:"id"`
	}
	w.mustPV(http.StatusOK, "GET", "/communities/"+garden.ID+"/statuses", "", nil).json(t, &statuses)
	if len(statuses) != 1 || statuses[0].ID != string(post.ID) {
		t.Fatalf("the community timeline: %+v", statuses)
	}
	// carol's reply mentions bob: it waits in bob's inbox until he answers.
	var inbox []struct {
		ID            string `json:"id"`
		Kind          string `json:"kind"`
		WaitedSeconds int64  `json:"waited_seconds"`
	}
	w.mustPV(http.StatusOK, "GET", "/inbox", bob.token, nil).json(t, &inbox)
	if len(inbox) != 1 || inbox[0].ID != string(reply.ID) || inbox[0].Kind != "mention" {
		t.Fatalf("bob's inbox: %+v", inbox)
	}
	if _, err := bob.c.PostStatus(ctx, &mastodon.Toot{Status: "@carol thanks!", InReplyToID: reply.ID}); err != nil {
		t.Fatal(err)
	}
	w.mustPV(http.StatusOK, "GET", "/inbox", bob.token, nil).json(t, &inbox)
	if len(inbox) != 0 {
		t.Fatalf("bob's inbox after answering: %+v", inbox)
	}

	// Approval: following is a request; a moderator's approval makes it a follow.
	club := w.createCommunity(alice, "seed_swap", "approval")
	rel, err := bob.c.AccountFollow(ctx, mastodon.ID(club.AccountID))
	if err != nil || rel.Following || !rel.Requested {
		t.Fatalf("following a community that needs approval: %+v %v", rel, err)
	}
	var reqs []struct {
		ID string `json:"id"`
	}
	w.mustPV(http.StatusOK, "GET", "/communities/"+club.ID+"/requests", alice.token, nil).json(t, &reqs)
	if len(reqs) != 1 || reqs[0].ID != string(bob.id) {
		t.Fatalf("join requests: %+v", reqs)
	}
	if r := w.pv("POST", "/communities/"+club.ID+"/requests/"+string(bob.id)+"/approve", carol.token, nil); r.status != http.StatusForbidden {
		t.Fatalf("a non-member approving: %d %s", r.status, r.body)
	}
	w.mustPV(http.StatusOK, "POST", "/communities/"+club.ID+"/requests/"+string(bob.id)+"/approve", alice.token, nil)
	rels, err := bob.c.GetAccountRelationships(ctx, []string{club.AccountID})
	if err != nil || len(rels) != 1 || !rels[0].Following {
		t.Fatalf("after approval: %+v %v", rels, err)
	}
	// Leaving by unfollowing.
	if _, err := bob.c.AccountUnfollow(ctx, mastodon.ID(club.AccountID)); err != nil {
		t.Fatal(err)
	}
	w.mustPV(http.StatusOK, "GET", "/communities/"+club.ID, bob.token, nil).json(t, &joined)
	if joined.Role != nil {
		t.Fatalf("bob still in the community after unfollowing: %+v", joined)
	}
	if w.vt.validated() == 0 {
		t.Fatalf("no response was checked against the schema")
	}
}

// TestPrivateCommunityPostsStayInside: nobody outside a private community
// sees its posts, through any endpoint.
func TestPrivateCommunityPostsStayInside(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	ctx := w.ctx
	alice, bob, dave := w.person("alice"), w.person("bob"), w.person("dave")
	club := w.createCommunity(alice, "secret_club", "private")
	groupID := mastodon.ID(club.AccountID)
	if rel, err := bob.c.AccountFollow(ctx, groupID); err != nil || !rel.Requested {
		t.Fatalf("asking to join by following: %+v %v", rel, err)
	}
	w.mustPV(http.StatusOK, "POST", "/communities/"+club.ID+"/requests/"+string(bob.id)+"/approve", alice.token, nil)
	// dave follows bob, the author, and asks to join (not approved).
	if _, err := dave.c.AccountFollow(ctx, bob.id); err != nil {
		t.Fatal(err)
	}
	if rel, err := dave.c.AccountFollow(ctx, groupID); err != nil || !rel.Requested {
		t.Fatalf("dave asks to join: %+v %v", rel, err)
	}
	secret, err := bob.c.PostStatus(ctx, &mastodon.Toot{Status: "@secret_club @dave members only #hushhush", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := alice.c.PostStatus(ctx, &mastodon.Toot{Status: "hushhush indeed", InReplyToID: secret.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.c.Favourite(ctx, secret.ID); err != nil {
		t.Fatal(err)
	}
	// alice, a member, sees it in her home through the community's boost.
	eventually(t, "the private post in alice's home", func() string {
		home, err := alice.c.GetTimelineHome(ctx, nil)
		if err != nil || !hasStatus(home, secret.ID) {
			return fmt.Sprintf("not there (%v)", err)
		}
		return ""
	})
	// Something public afterwards, so that the fan-out has run for dave.
	public, err := bob.c.PostStatus(ctx, &mastodon.Toot{Status: "a public word #hushhush", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "bob's public post in dave's home", func() string {
		home, err := dave.c.GetTimelineHome(ctx, nil)
		if err != nil || !hasStatus(home, public.ID) {
			return fmt.Sprintf("not there (%v)", err)
		}
		return ""
	})

	for _, o := range []struct {
		name string
		c    *mastodon.Client
		tok  string
	}{{"dave", dave.c, dave.token}, {"anonymous", w.client(""), ""}} {
		hidden := []mastodon.ID{secret.ID, reply.ID}
		see := func(where string, ss []*mastodon.Status, err error) {
			t.Helper()
			if err != nil {
				t.Errorf("%s, %s: %v", o.name, where, err)
			}
			for _, id := range hidden {
				if hasStatus(ss, id) {
					t.Errorf("%s sees a private community's post in %s", o.name, where)
				}
			}
		}
		for _, id := range hidden {
			if _, err := o.c.GetStatus(ctx, id); err == nil {
				t.Errorf("%s reads a private community's post %s", o.name, id)
			}
			if _, err := o.c.GetStatusContext(ctx, id); err == nil {
				t.Errorf("%s reads the thread of a private community's post", o.name)
			}
			if _, err := o.c.GetFavouritedBy(ctx, id, nil); err == nil {
				t.Errorf("%s lists who favourited a private community's post", o.name)
			}
			if _, err := o.c.GetRebloggedBy(ctx, id, nil); err == nil {
				t.Errorf("%s lists who boosted a private community's post", o.name)
			}
		}
		ctxOf, err := o.c.GetStatusContext(ctx, public.ID)
		if err == nil {
			see("a public post's context", append(ctxOf.Ancestors, ctxOf.Descendants...), nil)
		}
		ss, err := o.c.GetAccountStatuses(ctx, bob.id, nil)
		see("the author's profile", ss, err)
		ss, err = o.c.GetAccountStatuses(ctx, groupID, nil)
		see("the community's profile", ss, err)
		ss, err = o.c.GetTimelinePublic(ctx, false, nil)
		see("the public timeline", ss, err)
		ss, err = o.c.GetTimelinePublic(ctx, true, nil)
		see("the local timeline", ss, err)
		ss, err = o.c.GetTimelineHashtag(ctx, "hushhush", false, nil)
		see("the hashtag timeline", ss, err)
		if o.tok != "" {
			found, err := o.c.Search(ctx, "members only", false)
			if err == nil {
				see("search", found.Statuses, nil)
			}
			ss, err = o.c.GetTimelineHome(ctx, nil)
			see("the home timeline", ss, err)
			ns, err := o.c.GetNotifications(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range ns {
				if n.Status != nil && (n.Status.ID == secret.ID || n.Status.ID == reply.ID) {
					t.Errorf("%s is notified of a private community's post", o.name)
				}
			}
			if _, err := o.c.Favourite(ctx, secret.ID); err == nil {
				t.Errorf("%s favourites a private community's post", o.name)
			}
			if _, err := o.c.Reblog(ctx, secret.ID); err == nil {
				t.Errorf("%s boosts a private community's post", o.name)
			}
			if _, err := o.c.PostStatus(ctx, &mastodon.Toot{Status: "let me in", InReplyToID: secret.ID}); err == nil {
				t.Errorf("%s replies to a private community's post", o.name)
			}
			if _, err := o.c.Bookmark(ctx, secret.ID); err == nil {
				t.Errorf("%s bookmarks a private community's post", o.name)
			}
			if _, err := o.c.Report(ctx, bob.id, []mastodon.ID{secret.ID}, "what is this"); err == nil {
				t.Errorf("%s reports a private community's post they cannot see", o.name)
			}
			var inbox []any
			w.mustPV(http.StatusOK, "GET", "/inbox", o.tok, nil).json(t, &inbox)
			if len(inbox) != 0 {
				t.Errorf("%s's inbox holds a private community's post", o.name)
			}
		}
		// Parvis's own endpoints: the community exists, its posts and members don't show.
		if r := w.pv("GET", "/communities/"+club.ID+"/statuses", o.tok, nil); r.status != http.StatusNotFound {
			t.Errorf("%s reads the community's timeline: %d", o.name, r.status)
		}
		if r := w.pv("GET", "/communities/"+club.ID+"/members", o.tok, nil); r.status != http.StatusNotFound {
			t.Errorf("%s reads the member directory: %d", o.name, r.status)
		}
		followers, err := o.c.GetAccountFollowers(ctx, groupID, nil)
		if err != nil || len(followers) != 0 {
			t.Errorf("%s lists the private community's members as followers: %d %v", o.name, len(followers), err)
		}
		var list []pvCommunity
		w.mustPV(http.StatusOK, "GET", "/communities", o.tok, nil).json(t, &list)
		if slices.ContainsFunc(list, func(c pvCommunity) bool { return c.ID == club.ID }) {
			t.Errorf("%s finds the private community in the directory", o.name)
		}
	}
	// Members see it all.
	if _, err := alice.c.GetStatus(ctx, secret.ID); err != nil {
		t.Fatalf("a member cannot read the post: %v", err)
	}
	if followers, err := alice.c.GetAccountFollowers(ctx, groupID, nil); err != nil || len(followers) != 2 {
		t.Fatalf("a member lists the members: %d %v", len(followers), err)
	}
}

// TestPrivateCommunityPostsStayOffStreams: an outsider's streams (user,
// public, hashtag) never carry a private community's posts.
func TestPrivateCommunityPostsStayOffStreams(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	ctx, cancel := context.WithCancel(w.ctx)
	defer cancel()
	alice, bob, dave := w.person("alice"), w.person("bob"), w.person("dave")
	club := w.createCommunity(alice, "secret_club", "private")
	if _, err := bob.c.AccountFollow(ctx, mastodon.ID(club.AccountID)); err != nil {
		t.Fatal(err)
	}
	w.mustPV(http.StatusOK, "POST", "/communities/"+club.ID+"/requests/"+string(bob.id)+"/approve", alice.token, nil)
	if _, err := dave.c.AccountFollow(ctx, bob.id); err != nil {
		t.Fatal(err)
	}
	user, err := dave.c.StreamingUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	public, err := w.client("").StreamingPublic(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := dave.c.StreamingHashtag(ctx, "cats", false)
	if err != nil {
		t.Fatal(err)
	}
	warmUp(t, ctx, bob.c, user, public, tag)
	if _, err := bob.c.PostStatus(ctx, &mastodon.Toot{Status: "@secret_club @dave members only #cats", Visibility: "public"}); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.c.PostStatus(ctx, &mastodon.Toot{Status: "after the secret #cats", Visibility: "public"}); err != nil {
		t.Fatal(err)
	}
	for name, ch := range map[string]chan mastodon.Event{"dave's user stream": user, "the public stream": public, "the hashtag stream": tag} {
		nextEvent(t, ch, name, func(e mastodon.Event) bool {
			if u, ok := e.(*mastodon.UpdateEvent); ok && strings.Contains(u.Status.Content, "members only") {
				t.Errorf("%s carries a private community's post", name)
			}
			if n, ok := e.(*mastodon.NotificationEvent); ok && n.Notification.Status != nil &&
				strings.Contains(n.Notification.Status.Content, "members only") {
				t.Errorf("%s carries a notification of a private community's post", name)
			}
			return updateWith("after the secret")(e)
		})
	}
}
