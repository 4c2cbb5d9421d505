package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"

	"parvis/internal/server/servertest"
)

// TestMastodonClientLists covers follow requests, blocks and mutes,
// notification filters, markers, attachments, idempotent posting and the
// cursors of saved posts, with go-mastodon and validated responses.
func TestMastodonClientLists(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	ctx := w.ctx
	alice, bob, carol := w.person("alice"), w.person("bob"), w.person("carol")

	// A locked account approves its followers.
	locked := true
	if _, err := alice.c.AccountUpdate(ctx, &mastodon.Profile{Locked: &locked}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*person{bob, carol} {
		if rel, err := p.c.AccountFollow(ctx, alice.id); err != nil || !rel.Requested || rel.Following {
			t.Fatalf("%s asks to follow: got %+v, %v", p.name, rel, err)
		}
	}
	reqs, err := alice.c.GetFollowRequests(ctx, nil)
	if err != nil || len(reqs) != 2 || reqs[0].ID != carol.id {
		t.Fatalf("follow requests: got %v, %v", reqs, err)
	}
	me, err := alice.c.GetAccountCurrentUser(ctx)
	if err != nil || me.Source == nil || me.Locked != true {
		t.Errorf("verify_credentials of a locked account: got %+v, %v", me, err)
	}
	if err := alice.c.FollowRequestAuthorize(ctx, bob.id); err != nil {
		t.Errorf("authorize: %v", err)
	}
	if err := alice.c.FollowRequestReject(ctx, carol.id); err != nil {
		t.Errorf("reject: %v", err)
	}
	r := w.call("POST", "/api/v1/accounts/"+string(alice.id)+"/follow", bob.token, url.Values{"reblogs": {"false"}, "notify": {"true"}}, "")
	var opts struct {
		Following      bool
		ShowingReblogs bool `json:"showing_reblogs"`
		Notifying      bool
	}
	r.json(t, &opts)
	if r.status != http.StatusOK || !opts.Following || opts.ShowingReblogs || !opts.Notifying {
		t.Errorf("follow options: got %d %s, want following without boosts, notifying", r.status, r.body)
	}
	rels, err := alice.c.GetAccountRelationships(ctx, []string{string(bob.id), string(carol.id), "999"})
	if err != nil || len(rels) != 2 || !rels[0].FollowedBy || rels[1].FollowedBy {
		t.Errorf("relationships after the answers: got %+v, %v", rels, err)
	}

	// Blocks and mutes, listed.
	if _, err := alice.c.AccountBlock(ctx, carol.id); err != nil {
		t.Fatal(err)
	}
	r = w.call("POST", "/api/v1/accounts/"+string(bob.id)+"/mute", alice.token, url.Values{"notifications": {"false"}, "duration": {"3600"}}, "")
	var rel struct {
		Muting, MutingNotifications bool
	}
	r.json(t, &rel)
	if r.status != http.StatusOK || !rel.Muting || rel.MutingNotifications {
		t.Errorf("timed mute without notifications: got %d %s", r.status, r.body)
	}
	if blocks, err := alice.c.GetBlocks(ctx, nil); err != nil || len(blocks) != 1 || blocks[0].ID != carol.id {
		t.Errorf("blocks: got %v, %v", blocks, err)
	}
	if mutes, err := alice.c.GetMutes(ctx, nil); err != nil || len(mutes) != 1 || mutes[0].ID != bob.id {
		t.Errorf("mutes: got %v, %v", mutes, err)
	}
	if _, err := alice.c.AccountUnmute(ctx, bob.id); err != nil {
		t.Error(err)
	}
	if _, err := alice.c.AccountUnblock(ctx, carol.id); err != nil {
		t.Error(err)
	}

	// Notifications, filtered, counted past the marker.
	post, err := alice.c.PostStatus(ctx, &mastodon.Toot{Status: "notify me", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*person{bob, carol} {
		if _, err := p.c.Favourite(ctx, post.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := carol.c.PostStatus(ctx, &mastodon.Toot{Status: "@alice hello"}); err != nil {
		t.Fatal(err)
	}
	notes := func(query string) []string {
		r := w.call("GET", "/api/v1/notifications?"+query, alice.token, nil, "")
		var ns []struct {
			Type    string
			Account struct{ Username string }
		}
		r.json(t, &ns)
		var out []string
		for _, n := range ns {
			out = append(out, n.Type+" by "+n.Account.Username)
		}
		return out
	}
	filters := []struct {
		query string
		want  []string
	}{
		{"types[]=favourite", []string{"favourite by carol", "favourite by bob"}},
		{"exclude_types[]=favourite&exclude_types[]=follow", []string{"mention by carol"}},
		{"account_id=" + string(bob.id) + "&types[]=favourite", []string{"favourite by bob"}},
		{"types[]=favourite&limit=1", []string{"favourite by carol"}},
	}
	for _, f := range filters {
		if got := notes(f.query); !slices.Equal(got, f.want) {
			t.Errorf("notifications?%s: got %v, want %v", f.query, got, f.want)
		}
	}
	ns, err := alice.c.GetNotifications(ctx, nil)
	if err != nil || len(ns) != 4 {
		t.Fatalf("notifications: got %d, %v", len(ns), err)
	}
	unread := func() int {
		var c struct{ Count int }
		w.call("GET", "/api/v1/notifications/unread_count", alice.token, nil, "").json(t, &c)
		return c.Count
	}
	if n := unread(); n != 4 {
		t.Errorf("unread before the marker: got %d, want 4", n)
	}
	r = w.call("POST", "/api/v1/markers", alice.token, `{"notifications": {"last_read_id": "`+string(ns[1].ID)+`"}}`, "application/json")
	if r.status != http.StatusOK || !strings.Contains(string(r.body), string(ns[1].ID)) {
		t.Errorf("set marker: got %d %s", r.status, r.body)
	}
	if n := unread(); n != 1 {
		t.Errorf("unread after the marker: got %d, want 1", n)
	}
	var markers map[string]struct {
		LastReadID string `json:"last_read_id"`
		Version    int
	}
	w.call("GET", "/api/v1/markers?timeline[]=notifications&timeline[]=home", alice.token, nil, "").json(t, &markers)
	if m := markers["notifications"]; m.LastReadID != string(ns[1].ID) || m.Version != 1 || len(markers) != 1 {
		t.Errorf("markers: got %+v", markers)
	}

	// Saved posts are paged by the save, not the post.
	var older []mastodon.ID
	for i := range 3 {
		s, err := alice.c.PostStatus(ctx, &mastodon.Toot{Status: fmt.Sprintf("older %d", i), Visibility: "public"})
		if err != nil {
			t.Fatal(err)
		}
		older = append(older, s.ID)
	}
	for _, id := range older {
		if _, err := bob.c.Favourite(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	pg := &mastodon.Pagination{Limit: 2}
	first, err := bob.c.GetFavourites(ctx, pg)
	if err != nil || !slices.Equal(ids(first), []mastodon.ID{older[2], older[1]}) || pg.MaxID == "" || slices.Contains(older, pg.MaxID) {
		t.Fatalf("favourites page 1: got %v next %q, %v (the cursor must be the favourite's id)", ids(first), pg.MaxID, err)
	}
	pg.Limit = 2
	second, err := bob.c.GetFavourites(ctx, pg)
	if err != nil || !slices.Equal(ids(second), []mastodon.ID{older[0], post.ID}) {
		t.Errorf("favourites page 2: got %v, %v", ids(second), err)
	}

	// Attachments: alt text changed before posting; an idempotent post.
	att, err := alice.c.UploadMediaFromBytes(ctx, testPNG(t, 20, 10))
	if err != nil {
		t.Fatal(err)
	}
	r = w.call("PUT", "/api/v1/media/"+string(att.ID), alice.token, url.Values{"description": {"a small gradient"}, "focus": {"-1,1"}}, "")
	var m struct {
		Description string
		Meta        struct{ Focus struct{ X, Y float64 } }
	}
	r.json(t, &m)
	if r.status != http.StatusOK || m.Description != "a small gradient" || m.Meta.Focus.X != -1 {
		t.Errorf("update media: got %d %s", r.status, r.body)
	}
	if r := w.call("GET", "/api/v1/media/"+string(att.ID), bob.token, nil, ""); r.status != http.StatusNotFound {
		t.Errorf("someone else's upload: got %d, want 404", r.status)
	}
	postOnce := func() string {
		req, _ := http.NewRequest("POST", w.env.URL+"/api/v1/statuses", strings.NewReader(`{"status":"only once","media_ids":["`+string(att.ID)+`"]}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+alice.token)
		req.Header.Set("Idempotency-Key", "key-1")
		resp, err := w.http.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("idempotent post: got %v, %v", resp, err)
		}
		defer resp.Body.Close()
		var s struct {
			ID               string
			MediaAttachments []struct{ Description string } `json:"media_attachments"`
		}
		json.NewDecoder(resp.Body).Decode(&s)
		if len(s.MediaAttachments) != 1 || s.MediaAttachments[0].Description != "a small gradient" {
			t.Errorf("post with an attachment: got %+v", s)
		}
		return s.ID
	}
	once := postOnce()
	if again := postOnce(); again != once {
		t.Errorf("the same Idempotency-Key made two posts: %s and %s", once, again)
	}
	// An edit changes alt texts with the text, or nothing when refused.
	edit := func(text string) response {
		return w.call("PUT", "/api/v1/statuses/"+once, alice.token, `{"status":"`+text+`","media_ids":["`+string(att.ID)+
			`"],"media_attributes":[{"id":"`+string(att.ID)+`","description":"a new alt text"}]}`, "application/json")
	}
	if r := edit(strings.Repeat("x", 501)); r.status != http.StatusUnprocessableEntity {
		t.Errorf("edit too long: got %d %s", r.status, r.body)
	}
	w.call("GET", "/api/v1/media/"+string(att.ID), alice.token, nil, "").json(t, &m)
	if m.Description != "a small gradient" {
		t.Errorf("alt text after a refused edit: got %q, want it unchanged", m.Description)
	}
	if r := edit("edited once"); r.status != http.StatusOK || !strings.Contains(string(r.body), `"description":"a new alt text"`) {
		t.Errorf("edit with media_attributes: got %d %s", r.status, r.body)
	}
	tagged, err := w.client("").GetAccountStatusesParams(ctx, alice.id, url.Values{"only_media": {"true"}}, nil)
	if err != nil || len(tagged) != 1 {
		t.Errorf("statuses with media: got %d, %v", len(tagged), err)
	}
	if r := w.call("GET", "/api/v1/preferences", alice.token, nil, ""); r.status != http.StatusOK || !strings.Contains(string(r.body), `"posting:default:visibility":"public"`) {
		t.Errorf("preferences: got %d %s", r.status, r.body)
	}
}

// TestDiscoveryAndCORS covers NodeInfo, CORS for apps in browsers and the
// limit on app registrations.
func TestDiscoveryAndCORS(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	w.person("alice")
	var links struct{ Links []struct{ Rel, Href string } }
	w.call("GET", "/.well-known/nodeinfo", "", nil, "").json(t, &links)
	if len(links.Links) != 2 || !strings.HasSuffix(links.Links[1].Href, "/nodeinfo/2.1") {
		t.Fatalf("nodeinfo links: got %+v", links)
	}
	r := w.call("GET", "/nodeinfo/2.1", "", nil, "")
	var ni struct {
		Version  string
		Software struct{ Name string }
		Usage    struct {
			Users      struct{ Total, ActiveMonth int64 }
			LocalPosts int64
		}
		OpenRegistrations bool
	}
	r.json(t, &ni)
	if ni.Version != "2.1" || ni.Software.Name != "parvis" || ni.Usage.Users.Total != 1 || ni.Usage.Users.ActiveMonth != 1 ||
		!ni.OpenRegistrations || !strings.Contains(r.header.Get("Content-Type"), "schema/2.1") {
		t.Errorf("nodeinfo 2.1: got %s (%s)", r.body, r.header.Get("Content-Type"))
	}
	if r := w.call("GET", "/nodeinfo/3.0", "", nil, ""); r.status != http.StatusNotFound {
		t.Errorf("unknown nodeinfo version: got %d, want 404", r.status)
	}

	req, _ := http.NewRequest("OPTIONS", w.env.URL+"/api/v1/statuses", nil)
	req.Header.Set("Origin", "https://webapp.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("CORS preflight: got %v, %v", resp, err)
	}
	if r := w.call("GET", "/api/v1/timelines/public", "", nil, ""); r.header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "Link") {
		t.Errorf("CORS headers on a response: got %v", r.header)
	}

	// Registering apps needs no account, so it is rate limited.
	var last response
	for i := range 40 {
		last = w.call("POST", "/api/v1/apps", "", url.Values{"client_name": {fmt.Sprint("app ", i)},
			"redirect_uris": {"urn:ietf:wg:oauth:2.0:oob"}}, "")
		if last.status != http.StatusOK {
			break
		}
	}
	if last.status != http.StatusTooManyRequests || !strings.Contains(last.errorText(t), "too many") {
		t.Errorf("the 31st app in an hour: got %d %s, want 429", last.status, last.body)
	}
}
