package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"

	"parvis/internal/server/servertest"
)

// TestConversationsSuggestionsReports drives Mastodon's direct
// conversations, suggestions and reports with a Mastodon client library;
// every answer is checked against the OpenAPI description.
func TestConversationsSuggestionsReports(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	ctx := w.ctx
	ana, ben, cleo, dan := w.person("ana"), w.person("ben"), w.person("cleo"), w.person("dan")

	dm, err := ana.c.PostStatus(ctx, &mastodon.Toot{Status: "@ben are you coming on Sunday?", Visibility: "direct"})
	if err != nil {
		t.Fatal(err)
	}
	convs, err := ben.c.GetConversations(ctx, nil)
	if err != nil || len(convs) != 1 || !convs[0].Unread || convs[0].LastStatus == nil || convs[0].LastStatus.ID != dm.ID ||
		len(convs[0].Accounts) != 1 || convs[0].Accounts[0].ID != ana.id {
		t.Fatalf("ben's conversations: %+v %v", convs, err)
	}
	if err := ben.c.MarkConversationAsRead(ctx, convs[0].ID); err != nil {
		t.Fatal(err)
	}
	if convs, _ = ben.c.GetConversations(ctx, nil); len(convs) != 1 || convs[0].Unread {
		t.Fatalf("after reading: %+v", convs)
	}
	if _, err := ben.c.PostStatus(ctx, &mastodon.Toot{Status: "@ana yes!", Visibility: "direct", InReplyToID: dm.ID}); err != nil {
		t.Fatal(err)
	}
	if convs, _ = ana.c.GetConversations(ctx, nil); len(convs) != 1 || !convs[0].Unread {
		t.Fatalf("ana's conversation after ben's answer: %+v", convs)
	}
	if err := cleo.c.MarkConversationAsRead(ctx, convs[0].ID); err == nil {
		t.Fatalf("a stranger marks someone's conversation read")
	}
	if err := ana.c.DeleteConversation(ctx, convs[0].ID); err != nil {
		t.Fatal(err)
	}
	if convs, _ = ana.c.GetConversations(ctx, nil); len(convs) != 0 {
		t.Fatalf("a deleted conversation is still listed: %+v", convs)
	}
	if r := w.call("DELETE", "/api/v1/conversations/"+string(dm.ID), ana.token, nil, ""); r.status != http.StatusNotFound {
		t.Fatalf("deleting twice: got %d", r.status)
	}

	// Suggestions: friends of friends first, and dismissable.
	for _, pair := range [][2]*person{{ana, ben}, {ben, cleo}} {
		w.mustPV(http.StatusOK, "POST", "/connections/"+string(pair[1].id)+"/request", pair[0].token, nil)
		w.mustPV(http.StatusOK, "POST", "/connections/"+string(pair[0].id)+"/accept", pair[1].token, nil)
	}
	if _, err := dan.c.AccountFollow(ctx, ben.id); err != nil {
		t.Fatal(err)
	}
	var sug []struct {
		Sources []string `json:"sources"`
		Account struct {
			ID string `json:"id"`
		} `json:"account"`
	}
	r := w.get("/api/v2/suggestions", ana.token)
	r.json(t, &sug)
	if r.status != http.StatusOK || len(sug) == 0 || sug[0].Account.ID != string(cleo.id) || sug[0].Sources[0] != "friends_of_friends" {
		t.Fatalf("ana's suggestions: %d %s", r.status, r.body)
	}
	if r := w.call("DELETE", "/api/v1/suggestions/"+string(cleo.id), ana.token, nil, ""); r.status != http.StatusOK {
		t.Fatalf("dismiss: %d %s", r.status, r.body)
	}
	w.get("/api/v2/suggestions", ana.token).json(t, &sug)
	for _, s := range sug {
		if s.Account.ID == string(cleo.id) {
			t.Fatalf("a dismissed suggestion came back")
		}
	}
	if r := w.call("DELETE", "/api/v1/suggestions/123456789", ana.token, nil, ""); r.status != http.StatusNotFound {
		t.Fatalf("dismissing an unknown account: %d", r.status)
	}

	// Reports reach the server's moderators, or the community's for a
	// community's post.
	rep, err := cleo.c.Report(ctx, ana.id, nil, "spam in my messages")
	if err != nil || rep.ID == "" {
		t.Fatalf("report: %+v %v", rep, err)
	}
	if _, err := cleo.c.Report(ctx, ana.id, []mastodon.ID{dm.ID}, "not visible to me"); err == nil {
		t.Fatalf("reporting a post one cannot see")
	}
	pub, err := ben.c.PostStatus(ctx, &mastodon.Toot{Status: "buy my stuff", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cleo.c.Report(ctx, ana.id, []mastodon.ID{pub.ID}, "wrong account"); err == nil {
		t.Fatalf("reporting another account's post")
	}
	if r := w.call("POST", "/api/v1/reports", cleo.token, []byte(`{"account_id":"`+string(ben.id)+`","category":"nonsense"}`),
		"application/json"); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("an unknown category: %d %s", r.status, r.body)
	}
}

// TestParvisAPIBadInput: clear errors, nothing half-written.
func TestParvisAPIBadInput(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	ctx := w.ctx
	owner, mod, member, stranger := w.person("owner"), w.person("mod"), w.person("member"), w.person("stranger")
	c := w.createCommunity(owner, "cycling", "open")
	for _, p := range []*person{mod, member} {
		w.mustPV(http.StatusOK, "POST", "/communities/"+c.ID+"/join", p.token, nil)
	}
	w.mustPV(http.StatusOK, "PUT", "/communities/"+c.ID+"/members/"+string(mod.id)+"/role", owner.token, map[string]string{"role": "moderator"})

	cases := []struct {
		name, method, path string
		token              string
		body               any
		status             int
		msg                string
	}{
		{"joining twice", "POST", "/communities/" + c.ID + "/join", member.token, nil, 409, "already a member"},
		{"leaving as the last owner", "POST", "/communities/" + c.ID + "/leave", owner.token, nil, 409, "last owner"},
		{"a member banning a moderator", "POST", "/communities/" + c.ID + "/bans", member.token,
			map[string]string{"account_id": string(mod.id)}, 403, "may not moderate"},
		{"a moderator banning the owner", "POST", "/communities/" + c.ID + "/bans", mod.token,
			map[string]string{"account_id": string(owner.id)}, 403, "an owner can't be banned"},
		{"introducing someone who is not a connection", "POST", "/introductions", owner.token,
			map[string]any{"account_ids": []string{string(member.id), string(stranger.id)}}, 422, "only introduce people you are connected with"},
		{"introducing one person", "POST", "/introductions", owner.token,
			map[string]any{"account_ids": []string{string(member.id)}}, 422, "exactly two"},
		{"an unknown membership", "POST", "/communities", owner.token,
			map[string]string{"name": "knitting", "membership": "secretive"}, 422, "unknown membership"},
		{"no name", "POST", "/communities", owner.token, map[string]string{"display_name": "Knitting"}, 422, "name is required"},
		{"a taken name", "POST", "/communities", owner.token, map[string]string{"name": "member"}, 409, "taken"},
		{"a malformed id", "GET", "/communities/abc", "", nil, 400, "id"},
		{"an unknown community", "GET", "/communities/123456789", "", nil, 404, "community not found"},
		{"an unknown role", "PUT", "/communities/" + c.ID + "/members/" + string(member.id) + "/role", owner.token,
			map[string]string{"role": "king"}, 422, "unknown community role"},
		{"a moderator handing out roles", "PUT", "/communities/" + c.ID + "/members/" + string(member.id) + "/role", mod.token,
			map[string]string{"role": "moderator"}, 403, "may not set roles"},
		{"the last owner stepping down", "PUT", "/communities/" + c.ID + "/members/" + string(owner.id) + "/role", owner.token,
			map[string]string{"role": "member"}, 409, "at least one owner"},
		{"a snooze of a thousand days", "POST", "/inbox/123456789/snooze", member.token,
			map[string]int{"duration": 1000 * 86400}, 422, "90 days"},
		{"marking what is not in the inbox", "POST", "/inbox/123456789/done", member.token, nil, 404, "not found"},
		{"a malformed inbox cursor", "GET", "/inbox?after=yesterday", member.token, nil, 400, "cursor"},
		{"a period backwards", "GET", "/response_stats?since=2026-03-02&until=2026-03-01", member.token, nil, 422, "ends before"},
		{"answering a request nobody made", "POST", "/connections/" + string(stranger.id) + "/accept", member.token, nil, 404, "no such request"},
		{"connecting with oneself", "POST", "/connections/" + string(member.id) + "/request", member.token, nil, 422, "yourself"},
		{"connecting with a community", "POST", "/connections/" + c.AccountID + "/request", member.token, nil, 422, "only connect with people"},
		{"a moderation log for a member", "GET", "/communities/" + c.ID + "/moderation_log", member.token, nil, 403, "may not moderate"},
		{"no token", "GET", "/inbox", "", nil, 401, "access token"},
		{"an unknown endpoint", "GET", "/nothing", member.token, nil, 404, "no such endpoint"},
	}
	for _, tc := range cases {
		r := w.pv(tc.method, tc.path, tc.token, tc.body)
		if r.status != tc.status || !strings.Contains(r.errorText(t), tc.msg) {
			t.Errorf("%s: got %d %s, want %d with %q", tc.name, r.status, r.body, tc.status, tc.msg)
		}
	}
	if r := w.call("POST", "/api/parvis/v1/communities", owner.token, []byte(`{"name": "broken`), "application/json"); r.status != http.StatusBadRequest {
		t.Errorf("malformed JSON: got %d %s", r.status, r.body)
	}
	readOnly := w.token("member", "read")
	if r := w.pv("POST", "/communities/"+c.ID+"/leave", readOnly, nil); r.status != http.StatusForbidden {
		t.Errorf("leaving with a read-only token: got %d", r.status)
	}

	// Nothing was half-written: the roles, members and follows are as they were.
	var members []struct {
		Account struct {
			ID string `json:"id"`
		} `json:"account"`
		Role string `json:"role"`
	}
	w.mustPV(http.StatusOK, "GET", "/communities/"+c.ID+"/members", "", nil).json(t, &members)
	roles := map[string]string{}
	for _, m := range members {
		roles[m.Account.ID] = m.Role
	}
	if len(roles) != 3 || roles[string(owner.id)] != "owner" || roles[string(mod.id)] != "moderator" || roles[string(member.id)] != "member" {
		t.Errorf("members after refused actions: %+v", roles)
	}
	rels, err := owner.c.GetAccountRelationships(ctx, []string{c.AccountID})
	if err != nil || len(rels) != 1 || !rels[0].Following {
		t.Errorf("the owner's follow of the community after refusing to let them leave: %+v %v", rels, err)
	}
	var intros []any
	for _, p := range []*person{owner, member, stranger} {
		w.mustPV(http.StatusOK, "GET", "/introductions", p.token, nil).json(t, &intros)
		if len(intros) != 0 {
			t.Errorf("%s has introductions after a refused one: %+v", p.name, intros)
		}
	}
	if _, err := w.svc.LookupAccount(ctx, "knitting"); err == nil {
		t.Errorf("a refused community left its account behind")
	}

	// Replying in a community one was banned from.
	root, err := owner.c.PostStatus(ctx, &mastodon.Toot{Status: "Sunday ride?", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	inCommunity, err := owner.c.PostStatus(ctx, &mastodon.Toot{Status: "@cycling who rides on Sunday?", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	_ = root
	w.mustPV(http.StatusOK, "POST", "/communities/"+c.ID+"/bans", mod.token, map[string]string{"account_id": string(member.id), "reason": "spam"})
	before, _ := member.c.GetAccountCurrentUser(ctx)
	r := w.call("POST", "/api/v1/statuses", member.token, []byte(`{"status":"me too","in_reply_to_id":"`+string(inCommunity.ID)+`"}`), "application/json")
	if r.status != http.StatusForbidden || !strings.Contains(r.errorText(t), "banned from this community") {
		t.Errorf("a banned member replying: got %d %s", r.status, r.body)
	}
	after, _ := member.c.GetAccountCurrentUser(ctx)
	if after.StatusesCount != before.StatusesCount {
		t.Errorf("the refused reply was counted: %d then %d", before.StatusesCount, after.StatusesCount)
	}
	if r := w.pv("POST", "/communities/"+c.ID+"/join", member.token, nil); r.status != http.StatusForbidden ||
		!strings.Contains(r.errorText(t), "banned") {
		t.Errorf("a banned member joining again: got %d %s", r.status, r.body)
	}
	if rel, err := member.c.AccountFollow(ctx, mastodon.ID(c.AccountID)); err == nil {
		t.Errorf("a banned member following the community: %+v", rel)
	}
	var log []struct {
		Action string `json:"action"`
	}
	w.mustPV(http.StatusOK, "GET", "/communities/"+c.ID+"/moderation_log", mod.token, nil).json(t, &log)
	if len(log) == 0 || log[0].Action != "ban" {
		t.Errorf("the moderation log: %+v", log)
	}
}
