package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"parvis/internal/server/servertest"
)

type pvState struct {
	Connected   bool `json:"connected"`
	Requested   bool `json:"requested"`
	RequestedBy bool `json:"requested_by"`
}

type pvIntro struct {
	ID      string            `json:"id"`
	Status  string            `json:"status"`
	Answers map[string]string `json:"answers"`
}

type pvInboxItem struct {
	ID            string `json:"id"`
	Kind          string `json:"kind"`
	WaitedSeconds int64  `json:"waited_seconds"`
}

type pvStats struct {
	Items             int     `json:"items"`
	Answered          int     `json:"answered"`
	ResponseRate      float64 `json:"response_rate"`
	Median            float64 `json:"median_first_reply_seconds"`
	P90               float64 `json:"p90_first_reply_seconds"`
	AnsweredWithin1h  float64 `json:"answered_within_1h"`
	AnsweredWithin24h float64 `json:"answered_within_24h"`
}

func TestParvisConnectionsAndIntroductions(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	ana, ben, cleo := w.person("ana"), w.person("ben"), w.person("cleo")
	var st pvState
	w.mustPV(http.StatusOK, "POST", "/connections/"+string(ben.id)+"/request", ana.token, map[string]string{"message": "met at the market"}).json(t, &st)
	if st.Connected || !st.Requested {
		t.Fatalf("after asking: %+v", st)
	}
	var reqs []struct {
		Account struct {
			ID string `json:"id"`
		} `json:"account"`
		Message string `json:"message"`
	}
	w.mustPV(http.StatusOK, "GET", "/connections/requests", ben.token, nil).json(t, &reqs)
	if len(reqs) != 1 || reqs[0].Account.ID != string(ana.id) || reqs[0].Message != "met at the market" {
		t.Fatalf("ben's requests: %+v", reqs)
	}
	w.mustPV(http.StatusOK, "POST", "/connections/"+string(ana.id)+"/accept", ben.token, nil).json(t, &st)
	if !st.Connected {
		t.Fatalf("after accepting: %+v", st)
	}
	w.mustPV(http.StatusOK, "POST", "/connections/"+string(cleo.id)+"/request", ana.token, nil)
	w.mustPV(http.StatusOK, "POST", "/connections/"+string(ana.id)+"/decline", cleo.token, nil).json(t, &st)
	if st.Connected || st.Requested || st.RequestedBy {
		t.Fatalf("after declining: %+v", st)
	}
	w.mustPV(http.StatusOK, "POST", "/connections/"+string(cleo.id)+"/request", ana.token, nil)
	w.mustPV(http.StatusOK, "POST", "/connections/"+string(ana.id)+"/accept", cleo.token, nil)
	var accs []struct {
		ID string `json:"id"`
	}
	w.mustPV(http.StatusOK, "GET", "/connections", ana.token, nil).json(t, &accs)
	if len(accs) != 2 {
		t.Fatalf("ana's connections: %+v", accs)
	}
	w.mustPV(http.StatusOK, "GET", "/connections/"+string(cleo.id)+"/mutual", ben.token, nil).json(t, &accs)
	if len(accs) != 1 || accs[0].ID != string(ana.id) {
		t.Fatalf("mutual connections of ben and cleo: %+v", accs)
	}

	var in pvIntro
	w.mustPV(http.StatusCreated, "POST", "/introductions", ana.token, map[string]any{
		"account_ids": []string{string(ben.id), string(cleo.id)}, "note": "you both grow tomatoes"}).json(t, &in)
	if in.Status != "pending" {
		t.Fatalf("new introduction: %+v", in)
	}
	if r := w.pv("POST", "/introductions/"+in.ID+"/accept", ana.token, nil); r.status != http.StatusNotFound {
		t.Fatalf("the introducer answering: %d %s", r.status, r.body)
	}
	w.mustPV(http.StatusOK, "POST", "/introductions/"+in.ID+"/accept", ben.token, nil).json(t, &in)
	if in.Status != "pending" || in.Answers[string(ben.id)] != "accepted" {
		t.Fatalf("after one answer: %+v", in)
	}
	w.mustPV(http.StatusOK, "POST", "/introductions/"+in.ID+"/accept", cleo.token, nil).json(t, &in)
	if in.Status != "connected" {
		t.Fatalf("after both answers: %+v", in)
	}
	if r := w.pv("POST", "/introductions/"+in.ID+"/decline", cleo.token, nil); r.status != http.StatusConflict {
		t.Fatalf("answering a settled introduction: %d", r.status)
	}
	w.mustPV(http.StatusOK, "GET", "/connections/"+string(cleo.id), ben.token, nil).json(t, &st)
	if !st.Connected {
		t.Fatalf("ben and cleo after the introduction: %+v", st)
	}
	var intros []pvIntro
	w.mustPV(http.StatusOK, "GET", "/introductions", cleo.token, nil).json(t, &intros)
	if len(intros) != 1 || intros[0].ID != in.ID {
		t.Fatalf("cleo's introductions: %+v", intros)
	}
	w.mustPV(http.StatusOK, "DELETE", "/connections/"+string(ben.id), ana.token, nil).json(t, &st)
	if st.Connected {
		t.Fatalf("after removing: %+v", st)
	}
	if r := w.pv("DELETE", "/connections/"+string(ben.id), ana.token, nil); r.status != http.StatusNotFound {
		t.Fatalf("removing twice: %d", r.status)
	}
	w.mustPV(http.StatusOK, "GET", "/accounts/"+string(cleo.id)+"/connections", "", nil).json(t, &accs)
	if len(accs) != 2 {
		t.Fatalf("cleo's connections seen by anyone: %+v", accs)
	}
}

// TestParvisInboxOnAScriptedHistory: waiting times and response figures
// through the API, with a clock the test moves.
func TestParvisInboxOnAScriptedHistory(t *testing.T) {
	clock := &stepClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	w := newWorld(t, servertest.Options{Clock: clock})
	ctx := w.ctx
	ana, cleo, dan := w.person("ana"), w.person("cleo"), w.person("dan")
	ask, err := cleo.c.PostStatus(ctx, &mastodon.Toot{Status: "@ana can you help with the map?", Visibility: "public"}) // 09:00
	if err != nil {
		t.Fatal(err)
	}
	clock.advance(2 * time.Hour)
	dm, err := dan.c.PostStatus(ctx, &mastodon.Toot{Status: "@ana a private word", Visibility: "direct"}) // 11:00
	if err != nil {
		t.Fatal(err)
	}
	clock.advance(30 * time.Minute) // 11:30
	var inbox []pvInboxItem
	r := w.mustPV(http.StatusOK, "GET", "/inbox?limit=1", ana.token, nil)
	r.json(t, &inbox)
	if len(inbox) != 1 || inbox[0].ID != string(ask.ID) || inbox[0].WaitedSeconds != 9000 || inbox[0].Kind != "mention" {
		t.Fatalf("first page of ana's inbox: %+v", inbox)
	}
	next := r.header.Get("Link")
	i, j := strings.Index(next, "/api/parvis/v1"), strings.Index(next, ">")
	if i < 0 || j < i {
		t.Fatalf("no next link: %q", next)
	}
	w.mustPV(http.StatusOK, "GET", next[i+len("/api/parvis/v1"):j], ana.token, nil).json(t, &inbox)
	if len(inbox) != 1 || inbox[0].ID != string(dm.ID) || inbox[0].WaitedSeconds != 1800 || inbox[0].Kind != "direct" {
		t.Fatalf("second page of ana's inbox: %+v", inbox)
	}
	w.mustPV(http.StatusOK, "POST", "/inbox/"+string(ask.ID)+"/snooze", ana.token, map[string]int{"duration": 3600})
	var count struct {
		Count int `json:"count"`
	}
	if w.mustPV(http.StatusOK, "GET", "/inbox/count", ana.token, nil).json(t, &count); count.Count != 1 {
		t.Fatalf("count with one item snoozed: %+v", count)
	}
	clock.advance(2 * time.Hour) // 13:30: the snooze is over
	if w.mustPV(http.StatusOK, "GET", "/inbox/count", ana.token, nil).json(t, &count); count.Count != 2 {
		t.Fatalf("count after the snooze: %+v", count)
	}
	w.mustPV(http.StatusOK, "POST", "/inbox/"+string(dm.ID)+"/done", ana.token, nil)
	if _, err := ana.c.PostStatus(ctx, &mastodon.Toot{Status: "@cleo sure, send it", InReplyToID: ask.ID}); err != nil {
		t.Fatal(err)
	}
	if w.mustPV(http.StatusOK, "GET", "/inbox/count", ana.token, nil).json(t, &count); count.Count != 0 {
		t.Fatalf("count after answering and marking done: %+v", count)
	}
	// Two items; one answered after 4 h 30 min; the other marked done unanswered.
	var got pvStats
	w.mustPV(http.StatusOK, "GET", "/response_stats?since=2026-03-02&until=2026-03-03", ana.token, nil).json(t, &got)
	want := pvStats{Items: 2, Answered: 1, ResponseRate: 0.5, Median: 16200, P90: 16200, AnsweredWithin1h: 0, AnsweredWithin24h: 0.5}
	if got != want {
		t.Fatalf("ana's response figures:\n got %+v\nwant %+v", got, want)
	}
	// The default period is the last 30 days.
	if w.mustPV(http.StatusOK, "GET", "/response_stats", ana.token, nil).json(t, &got); got.Items != 2 {
		t.Fatalf("default period: %+v", got)
	}
}

func TestParvisCommunityModeration(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	ctx := w.ctx
	ana, ben, cleo := w.person("ana"), w.person("ben"), w.person("cleo")
	var c pvCommunity
	w.mustPV(http.StatusCreated, "POST", "/communities", ana.token, map[string]any{"name": "birding",
		"description": "Birds around town", "membership": "open", "topics": []string{"#Birds", "walks"},
		"rules": []string{"Be kind"}}).json(t, &c)
	var full struct {
		Description string   `json:"description"`
		Membership  string   `json:"membership"`
		Topics      []string `json:"topics"`
		Rules       []string `json:"rules"`
	}
	w.mustPV(http.StatusOK, "PATCH", "/communities/"+c.ID, ana.token, map[string]string{"membership": "approval"}).json(t, &full)
	if full.Membership != "approval" || full.Description != "Birds around town" || len(full.Topics) != 2 || len(full.Rules) != 1 {
		t.Fatalf("a PATCH changes only what it names: %+v", full)
	}
	var rules []string
	w.mustPV(http.StatusOK, "PUT", "/communities/"+c.ID+"/rules", ana.token, map[string]any{"rules": []string{"Be kind", "No playback of calls"}}).json(t, &rules)
	if w.mustPV(http.StatusOK, "GET", "/communities/"+c.ID+"/rules", "", nil).json(t, &rules); len(rules) != 2 {
		t.Fatalf("rules: %v", rules)
	}
	if r := w.pv("PUT", "/communities/"+c.ID+"/rules", ben.token, map[string]any{"rules": []string{}}); r.status != http.StatusForbidden {
		t.Fatalf("an outsider changing the rules: %d", r.status)
	}
	w.mustPV(http.StatusOK, "POST", "/communities/"+c.ID+"/request", ben.token, nil).json(t, &c)
	if !c.Requested || c.Role != nil {
		t.Fatalf("ben's request: %+v", c)
	}
	w.mustPV(http.StatusOK, "POST", "/communities/"+c.ID+"/requests/"+string(ben.id)+"/approve", ana.token, nil)
	w.mustPV(http.StatusOK, "POST", "/communities/"+c.ID+"/invites", ana.token, map[string]string{"account_id": string(cleo.id)})
	w.mustPV(http.StatusOK, "POST", "/communities/"+c.ID+"/join", cleo.token, nil).json(t, &c)
	if c.Role == nil || *c.Role != "member" {
		t.Fatalf("cleo joining with an invitation: %+v", c)
	}

	post, err := ben.c.PostStatus(ctx, &mastodon.Toot{Status: "@birding a heron by the canal", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		ID          string  `json:"id"`
		CommunityID *string `json:"community_id"`
		Status      string  `json:"status"`
	}
	w.mustPV(http.StatusCreated, "POST", "/reports", cleo.token, map[string]string{"status_id": string(post.ID),
		"category": "spam", "comment": "off topic"}).json(t, &rep)
	if rep.CommunityID == nil || *rep.CommunityID != c.ID || rep.Status != "open" {
		t.Fatalf("a report on a community post: %+v", rep)
	}
	var reps []struct {
		ID string `json:"id"`
	}
	if w.mustPV(http.StatusOK, "GET", "/communities/"+c.ID+"/reports?status=open", ana.token, nil).json(t, &reps); len(reps) != 1 {
		t.Fatalf("open reports: %+v", reps)
	}
	if r := w.pv("GET", "/reports/"+rep.ID, ben.token, nil); r.status != http.StatusNotFound {
		t.Fatalf("the reported member reads the report: %d", r.status)
	}
	w.mustPV(http.StatusOK, "POST", "/reports/"+rep.ID+"/resolve", ana.token, nil).json(t, &rep)
	if rep.Status != "resolved" {
		t.Fatalf("resolved report: %+v", rep)
	}
	if r := w.pv("POST", "/reports/"+rep.ID+"/dismiss", ana.token, nil); r.status != http.StatusConflict {
		t.Fatalf("closing a report twice: %d", r.status)
	}
	w.mustPV(http.StatusOK, "POST", "/communities/"+c.ID+"/statuses/"+string(post.ID)+"/remove", ana.token, map[string]string{"reason": "off topic"})
	if _, err := cleo.c.GetStatus(ctx, post.ID); err == nil {
		t.Fatalf("a removed post is still visible to members")
	}
	w.mustPV(http.StatusOK, "POST", "/communities/"+c.ID+"/statuses/"+string(post.ID)+"/restore", ana.token, nil)
	if _, err := cleo.c.GetStatus(ctx, post.ID); err != nil {
		t.Fatalf("a restored post: %v", err)
	}
	w.mustPV(http.StatusOK, "POST", "/communities/"+c.ID+"/statuses/"+string(post.ID)+"/pin", ana.token, nil)
	var pinned []struct {
		ID string `json:"id"`
	}
	if w.mustPV(http.StatusOK, "GET", "/communities/"+c.ID+"/statuses?pinned=true", "", nil).json(t, &pinned); len(pinned) != 1 {
		t.Fatalf("pinned posts: %+v", pinned)
	}

	w.mustPV(http.StatusOK, "POST", "/communities/"+c.ID+"/mutes", ana.token, map[string]any{"account_id": string(ben.id), "duration": 3600})
	if _, err := ben.c.PostStatus(ctx, &mastodon.Toot{Status: "@birding another heron", InReplyToID: post.ID}); err == nil {
		t.Fatalf("a muted member posting in the community")
	}
	w.mustPV(http.StatusOK, "DELETE", "/communities/"+c.ID+"/mutes/"+string(ben.id), ana.token, nil)
	if _, err := ben.c.PostStatus(ctx, &mastodon.Toot{Status: "@birding another heron", InReplyToID: post.ID}); err != nil {
		t.Fatalf("after the mute is lifted: %v", err)
	}
	w.mustPV(http.StatusOK, "POST", "/communities/"+c.ID+"/bans", ana.token, map[string]string{"account_id": string(cleo.id), "reason": "spam"})
	var bans []struct {
		Account struct {
			ID string `json:"id"`
		} `json:"account"`
		Reason string `json:"reason"`
	}
	if w.mustPV(http.StatusOK, "GET", "/communities/"+c.ID+"/bans", ana.token, nil).json(t, &bans); len(bans) != 1 || bans[0].Reason != "spam" {
		t.Fatalf("bans: %+v", bans)
	}
	w.mustPV(http.StatusOK, "DELETE", "/communities/"+c.ID+"/bans/"+string(cleo.id), ana.token, nil)
	if r := w.pv("DELETE", "/communities/"+c.ID+"/bans/"+string(cleo.id), ana.token, nil); r.status != http.StatusConflict {
		t.Fatalf("lifting a ban twice: %d", r.status)
	}
	var log []struct {
		Action string `json:"action"`
	}
	w.mustPV(http.StatusOK, "GET", "/communities/"+c.ID+"/moderation_log", ana.token, nil).json(t, &log)
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	for _, a := range []string{"unban", "ban", "unmute", "mute", "restore_post", "remove_post", "report_resolved", "approve_join", "configure", "create"} {
		if !strings.Contains(strings.Join(actions, " "), a) {
			t.Errorf("the moderation log lacks %s: %v", a, actions)
		}
	}
	w.mustPV(http.StatusOK, "PUT", "/communities/"+c.ID+"/members/"+string(ben.id)+"/role", ana.token, map[string]string{"role": "moderator"})
	var members []struct {
		Role string `json:"role"`
	}
	if w.mustPV(http.StatusOK, "GET", "/communities/"+c.ID+"/members?role=moderator", "", nil).json(t, &members); len(members) != 1 {
		t.Fatalf("moderators: %+v", members)
	}
	var st pvStats
	if w.mustPV(http.StatusOK, "GET", "/communities/"+c.ID+"/response_stats", ben.token, nil).json(t, &st); st.Items != 1 || st.Answered != 1 {
		t.Fatalf("the community's response figures: %+v", st)
	}
	if r := w.pv("GET", "/communities/"+c.ID+"/response_stats", cleo.token, nil); r.status != http.StatusForbidden {
		t.Fatalf("a member reading the community's figures: %d", r.status)
	}
}
