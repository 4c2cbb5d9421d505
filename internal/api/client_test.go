package api_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"

	"parvis/internal/server/servertest"
)

// TestMastodonClientScenario drives the server with go-mastodon, a
// third-party Mastodon client library, through what an app does on a
// normal day; every response is validated against the OpenAPI description.
func TestMastodonClientScenario(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	ctx := w.ctx
	alice, bob := w.person("alice"), w.person("bob")

	inst, err := bob.c.GetInstance(ctx)
	if err != nil {
		t.Fatalf("instance: %v", err)
	}
	if !strings.HasPrefix(inst.URLs["streaming_api"], "ws://") || inst.Stats.UserCount != 2 {
		t.Errorf("instance: got streaming_api %q and %d users, want ws://... and 2", inst.URLs["streaming_api"], inst.Stats.UserCount)
	}
	if r := w.call("GET", "/api/v2/instance", "", nil, ""); r.status != http.StatusOK {
		t.Errorf("v2 instance: got %d", r.status)
	}

	rel, err := bob.c.AccountFollow(ctx, alice.id)
	if err != nil || !rel.Following {
		t.Fatalf("bob follows alice: got %+v, %v", rel, err)
	}
	first, err := alice.c.PostStatus(ctx, &mastodon.Toot{Status: "Hello #Parvis world", Visibility: "public", Language: "en"})
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	if first.Account.ID != alice.id || !strings.Contains(first.Content, "Hello") || len(first.Tags) != 1 {
		t.Fatalf("posted status: got %+v", first)
	}
	var posted []mastodon.ID
	for i := range 24 {
		s, err := alice.c.PostStatus(ctx, &mastodon.Toot{Status: fmt.Sprintf("post number %d", i), Visibility: "public"})
		if err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
		posted = append(posted, s.ID)
	}
	posted = append([]mastodon.ID{first.ID}, posted...)
	slices.Reverse(posted)

	// Bob's home, page by page, following the Link header as apps do.
	// The fan-out runs in jobs, several at once, in no set order: wait
	// until every post has reached bob's feed.
	eventually(t, "bob's home shows alice's 25 posts", func() string {
		tl, err := bob.c.GetTimelineHome(ctx, &mastodon.Pagination{Limit: 40})
		if err != nil || !slices.Equal(ids(tl), posted) {
			return fmt.Sprintf("got %v, %v", ids(tl), err)
		}
		return ""
	})
	var got []mastodon.ID
	pg := &mastodon.Pagination{Limit: 10}
	for range 10 {
		page, err := bob.c.GetTimelineHome(ctx, pg)
		if err != nil {
			t.Fatalf("home page: %v", err)
		}
		if len(page) == 0 {
			break
		}
		got = append(got, ids(page)...)
		if pg.MaxID == "" {
			break
		}
		pg.Limit = 10
	}
	if !slices.Equal(got, posted) {
		t.Fatalf("home through pagination:\ngot  %v\nwant %v", got, posted)
	}
	// The prev link asks for what is newer than the page.
	r := w.call("GET", "/api/v1/timelines/home?limit=5&max_id="+string(posted[4]), bob.token, nil, "")
	if link := r.header.Get("Link"); !strings.Contains(link, "max_id="+string(posted[9])+`>; rel="next"`) ||
		!strings.Contains(link, "min_id="+string(posted[5])+`>; rel="prev"`) || !strings.Contains(link, "limit=5") {
		t.Errorf("Link header: got %q", link)
	}
	newer, err := bob.c.GetTimelineHome(ctx, &mastodon.Pagination{MinID: posted[3], Limit: 2})
	if err != nil || !slices.Equal(ids(newer), posted[1:3]) {
		t.Errorf("min_id page: got %v (%v), want %v", ids(newer), err, posted[1:3])
	}
	// since_id gives the newest posts above it, min_id those right after it.
	sinced, err := bob.c.GetTimelineHome(ctx, &mastodon.Pagination{SinceID: posted[10], Limit: 3})
	if err != nil || !slices.Equal(ids(sinced), posted[:3]) {
		t.Errorf("since_id page: got %v (%v), want %v", ids(sinced), err, posted[:3])
	}
	public, err := bob.c.GetTimelinePublic(ctx, true, &mastodon.Pagination{Limit: 3})
	if err != nil || !slices.Equal(ids(public), posted[:3]) {
		t.Errorf("local public timeline: got %v (%v), want %v", ids(public), err, posted[:3])
	}
	tagged, err := w.client("").GetTimelineHashtag(ctx, "parvis", false, nil)
	if err != nil || !slices.Equal(ids(tagged), []mastodon.ID{first.ID}) {
		t.Errorf("tag timeline: got %v (%v), want [%s]", ids(tagged), err, first.ID)
	}

	// Favourite, boost, bookmark.
	fav, err := bob.c.Favourite(ctx, first.ID)
	if err != nil || !fav.Favourited.(bool) || fav.FavouritesCount != 1 {
		t.Fatalf("favourite: got %+v, %v", fav, err)
	}
	boost, err := bob.c.Reblog(ctx, first.ID)
	if err != nil || boost.Reblog == nil || boost.Reblog.ID != first.ID || boost.Account.ID != bob.id {
		t.Fatalf("boost: got %+v, %v", boost, err)
	}
	if _, err := bob.c.Bookmark(ctx, first.ID); err != nil {
		t.Fatalf("bookmark: %v", err)
	}
	favs, err := bob.c.GetFavourites(ctx, nil)
	if err != nil || !slices.Equal(ids(favs), []mastodon.ID{first.ID}) {
		t.Errorf("favourites: got %v, %v", ids(favs), err)
	}
	marks, err := bob.c.GetBookmarks(ctx, nil)
	if err != nil || !slices.Equal(ids(marks), []mastodon.ID{first.ID}) {
		t.Errorf("bookmarks: got %v, %v", ids(marks), err)
	}
	by, err := w.client("").GetFavouritedBy(ctx, first.ID, nil)
	if err != nil || len(by) != 1 || by[0].ID != bob.id {
		t.Errorf("favourited_by: got %v, %v", by, err)
	}
	boosters, err := alice.c.GetRebloggedBy(ctx, first.ID, nil)
	if err != nil || len(boosters) != 1 || boosters[0].ID != bob.id {
		t.Errorf("reblogged_by: got %v, %v", boosters, err)
	}
	ns, err := alice.c.GetNotifications(ctx, nil)
	if err != nil {
		t.Fatalf("notifications: %v", err)
	}
	var types []string
	for _, n := range ns {
		types = append(types, n.Type)
	}
	if !slices.Equal(types, []string{"reblog", "favourite", "follow"}) {
		t.Errorf("alice's notifications: got %v, want reblog, favourite, follow", types)
	}
	if _, err := bob.c.Unreblog(ctx, first.ID); err != nil {
		t.Errorf("unreblog: %v", err)
	}
	if s, err := bob.c.Unfavourite(ctx, first.ID); err != nil || s.FavouritesCount != 0 {
		t.Errorf("unfavourite: got %+v, %v", s, err)
	}

	// A picture, attached to a post.
	att, err := alice.c.UploadMediaFromMedia(ctx, &mastodon.Media{File: bytes.NewReader(testPNG(t, 64, 48)),
		Description: "a gradient", Focus: "0.5,-0.25"})
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	if att.Type != "image" || att.URL == "" || att.PreviewURL == "" || att.Meta.Original.Width != 64 || att.Meta.Focus.X != 0.5 {
		t.Fatalf("attachment: got %+v", att)
	}
	withPic, err := alice.c.PostStatus(ctx, &mastodon.Toot{Status: "look", MediaIDs: []mastodon.ID{att.ID}, Sensitive: true})
	if err != nil || len(withPic.MediaAttachments) != 1 || withPic.MediaAttachments[0].Description != "a gradient" {
		t.Fatalf("post with attachment: got %+v, %v", withPic, err)
	}
	if resp, err := http.Get(att.URL); err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("attachment URL %s: got %v, %v", att.URL, resp, err)
	}

	// A reply, its thread, an edit and its history.
	reply, err := bob.c.PostStatus(ctx, &mastodon.Toot{Status: "@alice welcome!", InReplyToID: first.ID})
	if err != nil || reply.InReplyToID != string(first.ID) || len(reply.Mentions) != 1 {
		t.Fatalf("reply: got %+v, %v", reply, err)
	}
	thread, err := w.client("").GetStatusContext(ctx, reply.ID)
	if err != nil || len(thread.Ancestors) != 1 || thread.Ancestors[0].ID != first.ID {
		t.Errorf("context: got %+v, %v", thread, err)
	}
	edited, err := alice.c.UpdateStatus(ctx, &mastodon.Toot{Status: "Hello #Parvis world, edited"}, first.ID)
	if err != nil || !strings.Contains(edited.Content, "edited") || edited.EditedAt.IsZero() {
		t.Fatalf("edit: got %+v, %v", edited, err)
	}
	hist, err := bob.c.GetStatusHistory(ctx, first.ID)
	if err != nil || len(hist) != 2 || strings.Contains(hist[0].Content, "edited") {
		t.Errorf("history: got %d versions, %v", len(hist), err)
	}
	src, err := alice.c.GetStatusSource(ctx, first.ID)
	if err != nil || src.Text != "Hello #Parvis world, edited" {
		t.Errorf("source: got %+v, %v", src, err)
	}

	// Search finds people, posts and hashtags.
	res, err := bob.c.Search(ctx, "edited", false)
	if err != nil || len(res.Statuses) != 1 || res.Statuses[0].ID != first.ID {
		t.Errorf("search statuses: got %+v, %v", res, err)
	}
	res, err = bob.c.Search(ctx, "alice", false)
	if err != nil || len(res.Accounts) != 1 || res.Accounts[0].ID != alice.id {
		t.Errorf("search accounts: got %+v, %v", res, err)
	}
	res, err = bob.c.Search(ctx, "#parv", false)
	if err != nil || len(res.Hashtags) != 1 || res.Hashtags[0].Name != "Parvis" || len(res.Hashtags[0].History) != 7 ||
		res.Hashtags[0].History[0].Uses != "1" {
		t.Errorf("search hashtags: got %+v, %v", res, err)
	}
	found, err := bob.c.AccountsSearch(ctx, "ali", 5)
	if err != nil || len(found) != 1 {
		t.Errorf("accounts search: got %v, %v", found, err)
	}
	looked, err := w.client("").AccountLookup(ctx, "alice")
	if err != nil || looked.ID != alice.id {
		t.Errorf("lookup: got %v, %v", looked, err)
	}

	// The profile: credentials, with a new name and avatar.
	avatar := "data:image/png;base64," + base64.StdEncoding.EncodeToString(testPNG(t, 80, 80))
	name, privacy := "Alice A.", "unlisted"
	me, err := alice.c.AccountUpdate(ctx, &mastodon.Profile{DisplayName: &name, Avatar: avatar,
		Source: &mastodon.AccountSource{Privacy: &privacy},
		Fields: &[]mastodon.Field{{Name: "Site", Value: "https://alice.example"}}})
	if err != nil || me.DisplayName != name || !strings.Contains(me.Avatar, "/media/") || me.Source == nil ||
		*me.Source.Privacy != "unlisted" || len(me.Fields) != 1 || !strings.Contains(me.Fields[0].Value, "<a href") {
		t.Fatalf("update_credentials: got %+v, %v", me, err)
	}
	quiet, err := alice.c.PostStatus(ctx, &mastodon.Toot{Status: "posted with my default visibility"})
	if err != nil || quiet.Visibility != "unlisted" {
		t.Errorf("default visibility: got %+v, %v", quiet, err)
	}

	// Pins, relationships, account listings.
	if r := w.call("POST", "/api/v1/statuses/"+string(first.ID)+"/pin", alice.token, nil, ""); r.status != http.StatusOK {
		t.Errorf("pin: got %d %s", r.status, r.body)
	}
	pinned, err := w.client("").GetAccountPinnedStatuses(ctx, alice.id)
	if err != nil || !slices.Equal(ids(pinned), []mastodon.ID{first.ID}) {
		t.Errorf("pinned: got %v, %v", ids(pinned), err)
	}
	rels, err := alice.c.GetAccountRelationships(ctx, []string{string(bob.id)})
	if err != nil || len(rels) != 1 || !rels[0].FollowedBy || rels[0].Following {
		t.Errorf("relationships: got %+v, %v", rels, err)
	}
	followers, err := w.client("").GetAccountFollowers(ctx, alice.id, nil)
	if err != nil || len(followers) != 1 || followers[0].ID != bob.id {
		t.Errorf("followers: got %v, %v", followers, err)
	}
	statuses, err := w.client("").GetAccountStatuses(ctx, alice.id, &mastodon.Pagination{Limit: 2})
	if err != nil || len(statuses) != 2 {
		t.Errorf("account statuses: got %d, %v", len(statuses), err)
	}

	// Notifications: one, dismissed, then all cleared.
	ns, err = alice.c.GetNotifications(ctx, nil)
	if err != nil || len(ns) == 0 {
		t.Fatalf("notifications: got %d, %v", len(ns), err)
	}
	if n, err := alice.c.GetNotification(ctx, ns[0].ID); err != nil || n.ID != ns[0].ID {
		t.Errorf("one notification: got %+v, %v", n, err)
	}
	if err := alice.c.DismissNotification(ctx, ns[0].ID); err != nil {
		t.Errorf("dismiss: %v", err)
	}
	if err := alice.c.ClearNotifications(ctx); err != nil {
		t.Errorf("clear: %v", err)
	}
	if ns, err := alice.c.GetNotifications(ctx, nil); err != nil || len(ns) != 0 {
		t.Errorf("after clear: got %d, %v", len(ns), err)
	}

	// Delete, and the status is gone.
	if err := alice.c.DeleteStatus(ctx, quiet.ID); err != nil {
		t.Errorf("delete: %v", err)
	}
	if _, err := bob.c.GetStatus(ctx, quiet.ID); err == nil {
		t.Errorf("deleted status still readable")
	}
	if err := bob.c.RevokeToken(ctx); err != nil {
		t.Errorf("revoke: %v", err)
	}
	if w.vt.on && w.vt.validated() < 50 {
		t.Errorf("validated %d responses, want the whole scenario", w.vt.validated())
	}
}
