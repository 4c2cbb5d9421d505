package web_test

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"parvis/internal/insights"
	"parvis/internal/model"
	"parvis/internal/server/servertest"
	"parvis/internal/social"
)

// stepClock is a clock the test sets by hand.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *stepClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// browserUA is a person's browser, as opposed to a bot.
const browserUA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

// insightsWorld is a running server with people acting at chosen times.
type insightsWorld struct {
	t     *testing.T
	env   *servertest.Env
	svc   *social.Service
	clock *stepClock
	ctx   context.Context
}

func newInsightsWorld(t *testing.T, start time.Time) *insightsWorld {
	t.Helper()
	clock := &stepClock{t: start}
	env := servertest.New(t, servertest.Options{Clock: clock})
	return &insightsWorld{t: t, env: env, svc: env.App.Service, clock: clock, ctx: context.Background()}
}

// person creates someone and returns them as an actor.
func (w *insightsWorld) person(name string) *social.Actor {
	w.t.Helper()
	u, err := w.svc.CreateUser(w.ctx, social.SignupInput{Username: name, Email: name + "@example.org",
		Password: "the password of " + name})
	if err != nil {
		w.t.Fatalf("create %s: %v", name, err)
	}
	a, err := w.env.App.DB.Read().AccountByID(w.ctx, u.AccountID)
	if err != nil {
		w.t.Fatal(err)
	}
	return &social.Actor{User: u, Account: a}
}

// at moves the clock, once what happened so far is written (as the
// recorder does within a second, well before the roll-up looks).
func (w *insightsWorld) at(t time.Time) {
	w.t.Helper()
	w.must("flush", w.env.App.Insights.Flush(w.ctx))
	w.clock.set(t)
}

func (w *insightsWorld) must(what string, err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("%s: %v", what, err)
	}
}

func (w *insightsWorld) publish(a *social.Actor, in social.PostInput) *model.Post {
	w.t.Helper()
	p, err := w.svc.Publish(w.ctx, a, in)
	w.must("publish as "+a.Account.Username, err)
	return p
}

// token gets an API token for a person through the Mastodon API's OAuth
// password grant.
func (w *insightsWorld) token(name, scopes string) string {
	w.t.Helper()
	var app struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	w.postForm("/api/v1/apps", url.Values{"client_name": {"insights test"}, "redirect_uris": {"urn:ietf:wg:oauth:2.0:oob"},
		"scopes": {scopes}}, &app)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	w.postForm("/oauth/token", url.Values{"grant_type": {"password"}, "client_id": {app.ClientID},
		"client_secret": {app.ClientSecret}, "username": {name}, "password": {"the password of " + name},
		"scope": {scopes}}, &tok)
	return tok.AccessToken
}

func (w *insightsWorld) postForm(path string, v url.Values, out any) {
	w.t.Helper()
	resp, err := http.PostForm(w.env.URL+path, v)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		w.t.Fatalf("POST %s: got %d %s, want 200", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		w.t.Fatalf("POST %s: %v in %s", path, err, body)
	}
}

// request sends a request and returns the status, headers and body.
func (w *insightsWorld) request(method, path string, header http.Header, body string) (int, http.Header, string) {
	w.t.Helper()
	req, err := http.NewRequest(method, w.env.URL+path, strings.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// settle writes the buffered events and rolls everything up to now.
func (w *insightsWorld) settle() {
	w.t.Helper()
	w.must("flush", w.env.App.Insights.Flush(w.ctx))
	_, err := w.svc.RollupInsights(w.ctx, w.clock.Now())
	w.must("roll up", err)
}

// flag marks an engagement as flagged by integrity, pending review.
func (w *insightsWorld) flag(kind string, by *social.Actor, p *model.Post, at time.Time) {
	w.t.Helper()
	db := w.env.App.DB.SQL()
	id := model.IDAt(at) + 7
	_, err := db.ExecContext(w.ctx, `INSERT INTO integrity_findings (id, signal, score, reason, window_from, window_to, created_at)
		VALUES ($1, 'lockstep', 1, 'test', $2, $3, $4)`, id, at.UnixMilli(), at.UnixMilli(), at.UnixMilli())
	w.must("insert finding", err)
	_, err = db.ExecContext(w.ctx, `INSERT INTO engagement_flags (kind, account_id, post_id, author_id, finding_id, engaged_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, kind, by.Account.ID, p.ID, p.AccountID, id, at.UnixMilli())
	w.must("insert flag", err)
}

func day(d, h, m int) time.Time { return time.Date(2025, 3, d, h, m, 0, 0, time.UTC) }

// hit sends a beacon hit as the script does.
func (w *insightsWorld) hit(key, origin, page, referrer, ua string) int {
	w.t.Helper()
	body, _ := json.Marshal(map[string]string{"p": page, "r": referrer})
	status, _, _ := w.request("POST", "/beacon/"+key, http.Header{"Origin": {origin}, "User-Agent": {ua},
		"Content-Type": {"text/plain"}}, string(body))
	return status
}

// TestInsightsScenario plays a known history and checks the figures of the
// JSON report, worked out by hand from the script.
func TestInsightsScenario(t *testing.T) {
	w := newInsightsWorld(t, day(3, 9, 0))
	alice, bob, carol, dave := w.person("alice"), w.person("bob"), w.person("carol"), w.person("dave")
	domain := w.svc.Config().Domain

	// Day 0 (3 March): bob and carol follow alice, who registers her shop.
	for _, a := range []*social.Actor{bob, carol} {
		_, err := w.svc.Follow(w.ctx, a, alice.Account.ID, social.FollowOptions{})
		w.must("follow", err)
	}
	site, err := w.svc.RegisterSite(w.ctx, alice, "https://Alice.example/some/page")
	w.must("register site", err)
	if site.Origin != "https://alice.example" {
		t.Fatalf("site origin: got %q, want https://alice.example", site.Origin)
	}

	w.at(day(3, 10, 0))
	p1 := w.publish(alice, social.PostInput{Text: "Fresh coffee beans roasted every morning in our shop. " +
		"Our coffee beans come from small farms: https://alice.example/shop?ref=x"})
	if !strings.Contains(p1.Content, "/l/") || !strings.Contains(p1.Content, ">alice.example/shop?ref=x<") {
		t.Fatalf("the link is not a tracked link showing its URL: %s", p1.Content)
	}

	// Impressions: bob twice (counts once), carol through alice's profile,
	// an anonymous visitor on the profile page; alice herself does not count.
	w.at(day(3, 10, 5))
	for range 2 {
		_, err := w.svc.Views(w.ctx, bob, []int64{p1.ID}, false)
		w.must("views", err)
	}
	_, err = w.svc.AccountPosts(w.ctx, carol, alice.Account.ID, social.AccountPostsOptions{}, social.Page{Limit: 20})
	w.must("profile", err)
	_, err = w.svc.Views(w.ctx, alice, []int64{p1.ID}, false)
	w.must("own views", err)
	if status, _, _ := w.request("GET", "/@alice", http.Header{"User-Agent": {browserUA}}, ""); status != http.StatusOK {
		t.Fatalf("profile page: got %d, want 200", status)
	}
	if status, _, _ := w.request("GET", "/@alice", http.Header{"User-Agent": {"Googlebot/2.1 (+http://www.google.com/bot.html)"}}, ""); status != http.StatusOK {
		t.Fatalf("profile page for a bot: got %d, want 200", status)
	}

	// Engagement: bob likes, carol boosts, dave likes but integrity flags it.
	w.at(day(3, 10, 10))
	w.must("favourite", w.svc.Favourite(w.ctx, bob, p1.ID))
	_, err = w.svc.Reblog(w.ctx, carol, p1.ID, "")
	w.must("boost", err)
	w.must("favourite", w.svc.Favourite(w.ctx, dave, p1.ID))
	w.flag("favourite", dave, p1, day(3, 10, 10))

	// A conversation: bob asks, alice answers after 30 minutes, carol goes on.
	w.at(day(3, 11, 0))
	r1 := w.publish(bob, social.PostInput{Text: "Do you ship these coffee beans to Lyon?", InReplyToID: p1.ID})
	w.at(day(3, 11, 30))
	r2 := w.publish(alice, social.PostInput{Text: "Yes, we ship coffee beans everywhere in France.", InReplyToID: r1.ID})
	w.at(day(3, 12, 0))
	w.publish(carol, social.PostInput{Text: "Great coffee beans, I can confirm.", InReplyToID: r2.ID})
	// dave's question is flagged too: it counts nowhere, not even in the
	// reply inbox's figures.
	w.publish(dave, social.PostInput{Text: "Is this the best coffee in town?", InReplyToID: p1.ID})
	w.flag("reply", dave, p1, day(3, 12, 0))

	// Tracked link: a click, a prefetch and a bot, which do not count.
	w.at(day(3, 12, 30))
	links, err := w.env.App.DB.Read().TrackedLinksOf(w.ctx, []int64{p1.ID})
	w.must("links", err)
	if len(links) != 1 {
		t.Fatalf("tracked links of the post: got %d, want 1", len(links))
	}
	code := links[0].Code
	status, hdr, _ := w.request("GET", "/l/"+code, http.Header{"User-Agent": {browserUA}}, "")
	wantTarget := "https://alice.example/shop?ref=x&utm_source=" + url.QueryEscape(domain) +
		"&utm_medium=social&utm_campaign=" + model.FormatID(p1.ID)
	if status != http.StatusFound || hdr.Get("Location") != wantTarget {
		t.Fatalf("tracked link: got %d %q, want 302 %q", status, hdr.Get("Location"), wantTarget)
	}
	w.request("GET", "/l/"+code, http.Header{"User-Agent": {browserUA}, "Sec-Purpose": {"prefetch"}}, "")
	w.request("GET", "/l/"+code, http.Header{"User-Agent": {"Mastodon/4.3.0 (http.rb/5.2.0; +https://mastodon.example/)"}}, "")

	// Website visits: V1 comes through the tracked link, then reads another
	// page; V2 comes from a news site; a bot is filtered.
	landing := wantTarget
	if s := w.hit(site.Key, "https://alice.example", landing, "", browserUA); s != http.StatusNoContent {
		t.Fatalf("beacon hit: got %d, want 204", s)
	}
	w.hit(site.Key, "https://alice.example", "https://alice.example/about", "https://alice.example/shop?ref=x", browserUA)
	w.hit(site.Key, "https://alice.example", "https://alice.example/", "https://news.example/article/1",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15")
	w.hit(site.Key, "https://alice.example", "https://alice.example/", "", "Mozilla/5.0 (compatible; bingbot/2.0)")

	// Day 1: dave follows; alice posts in French; bob sees both posts; V1
	// comes back directly (a new day: a new visitor).
	w.at(day(4, 9, 0))
	_, err = w.svc.Follow(w.ctx, dave, alice.Account.ID, social.FollowOptions{})
	w.must("follow", err)
	// alice and carol connect.
	w.at(day(4, 9, 30))
	_, err = w.svc.RequestConnection(w.ctx, alice, carol.Account.ID, "")
	w.must("request a connection", err)
	_, err = w.svc.AnswerConnection(w.ctx, carol, alice.Account.ID, true)
	w.must("accept the connection", err)
	w.at(day(4, 10, 0))
	p2 := w.publish(alice, social.PostInput{Text: "Nos grains de café sont torréfiés chaque matin dans notre boutique.",
		Language: "fr"})
	w.at(day(4, 10, 5))
	_, err = w.svc.Views(w.ctx, bob, []int64{p1.ID, p2.ID}, false)
	w.must("views", err)
	w.at(day(4, 11, 0))
	w.hit(site.Key, "https://alice.example", "https://alice.example/", "", browserUA)

	// Day 2: carol unfollows.
	w.at(day(5, 9, 0))
	_, err = w.svc.Unfollow(w.ctx, carol, alice.Account.ID)
	w.must("unfollow", err)

	// The next day, the jobs have run.
	w.at(day(6, 1, 0))
	w.settle()
	_, err = w.svc.ComputeInfluence(w.ctx)
	w.must("influence", err)

	tok := w.token("alice", "read")
	status, _, body := w.request("GET", "/api/parvis/v1/insights/accounts/"+model.FormatID(alice.Account.ID)+
		"?since=2025-03-03&until=2025-03-05", http.Header{"Authorization": {"Bearer " + tok}}, "")
	if status != http.StatusOK {
		t.Fatalf("report: got %d %s, want 200", status, body)
	}
	var rep insights.Report
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	_ = json.Unmarshal([]byte(body), &raw)
	for _, path := range []string{"impressions", "engagement_rate_by_impressions", "conversation_rate", "amplification_rate",
		"applause_rate", "influence.pagerank", "influence.rank", "conversations.max_depth",
		"conversations.mean_structural_virality", "topics", "growth.followers", "website.visits",
		"website.visits_from_social", "response.median_first_reply_seconds", "discounted.favourites"} {
		var v any = raw
		for _, k := range strings.Split(path, ".") {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		if v == nil {
			t.Errorf("the JSON has no %s", path)
		}
	}

	// bob (day 0 and day 1, P2 on day 1), carol, the anonymous visitor:
	// 1 + 1 + 1 + 2; the bot and alice herself count nothing.
	checkInt(t, "impressions", rep.Impressions, 5)
	checkInt(t, "reach", rep.Reach, 3)
	checkInt(t, "profile views", rep.ProfileViews, 2)
	checkInt(t, "posts", int64(rep.Posts), 2)
	// bob's favourite, carol's boost, bob's and carol's replies (dave's
	// favourite is flagged, alice's own reply is hers).
	checkInt(t, "engagement", rep.Engagement.Total, 4)
	checkInt(t, "replies", rep.Engagement.Replies, 2)
	checkFloat(t, "engagement rate by impressions", rep.EngagementRateByImpressions, 4.0/5)
	// Followers at the end of 5 March: bob and dave.
	checkFloat(t, "engagement rate by followers", rep.EngagementRateByFollowers, 4.0/2)
	// Per post published (P1 and P2): P1 got one reply, one boost, one
	// honest favourite.
	checkFloat(t, "conversation rate", rep.ConversationRate, 0.5)
	checkFloat(t, "amplification rate", rep.AmplificationRate, 0.5)
	checkFloat(t, "applause rate", rep.ApplauseRate, 0.5)
	checkFloat(t, "conversation per 1000 followers", rep.Per1000Followers.Conversation, 250)
	checkInt(t, "discounted favourites", rep.Discounted.Favourites, 1)
	checkInt(t, "discounted replies", rep.Discounted.Replies, 1)
	checkInt(t, "discounted", rep.Discounted.Total, 2)

	// Influence over the engagement graph: bob→alice (4), carol→alice (5),
	// alice→bob (3). With d = 0.85 and 3 accounts, carol gets 0.05, and
	// alice x = 0.05 + 0.85(0.05 + 0.85x + 0.05), so x = 0.135/0.2775.
	checkFloat(t, "pagerank", rep.Influence.PageRank, 0.135/0.2775)
	checkInt(t, "rank", rep.Influence.Rank, 1)
	checkFloat(t, "percentile", rep.Influence.Percentile, 100)

	// P1 → R1 → R2 → R3 is a chain of 4: depth 3, structural virality
	// (4+1)/3; alice came back. P2 has no reply.
	checkInt(t, "threads", int64(rep.Conversations.Threads), 2)
	checkInt(t, "max depth", int64(rep.Conversations.MaxDepth), 3)
	checkFloat(t, "mean structural virality", rep.Conversations.MeanStructuralVirality, 5.0/3)
	checkFloat(t, "author returned", rep.Conversations.AuthorReturnedShare, 1)

	found := false
	for _, tp := range rep.Topics {
		found = found || strings.Contains(tp.Phrase, "coffee bean")
	}
	if !found {
		t.Errorf("topics: got %+v, want a phrase with \"coffee bean\"", rep.Topics)
	}

	// Followers at the end of each day: 3 March bob and carol, 4 March
	// dave too, 5 March carol left.
	var got []float64
	for _, p := range rep.Growth.Followers {
		got = append(got, p.Value)
	}
	if len(got) != 3 || got[0] != 2 || got[1] != 3 || got[2] != 2 || rep.Growth.Followers[0].Date != "2025-03-03" {
		t.Errorf("followers: got %+v, want 2, 3, 2 from 2025-03-03", rep.Growth.Followers)
	}
	got = nil
	for _, p := range rep.Growth.Connections {
		got = append(got, p.Value)
	}
	if len(got) != 3 || got[0] != 0 || got[1] != 1 || got[2] != 1 {
		t.Errorf("connections: got %+v, want 0, 1, 1", rep.Growth.Connections)
	}
	checkInt(t, "new followers", rep.Growth.NewFollowers, 3)
	checkInt(t, "lost followers", rep.Growth.LostFollowers, 1)

	// Website: V1 through the link (a visit, a visitor), V1's second page
	// (a pageview), V2 from the news site, V1 again the next day.
	checkInt(t, "pageviews", rep.Website.Pageviews, 4)
	checkInt(t, "visits", rep.Website.Visits, 3)
	checkInt(t, "visitors", rep.Website.Visitors, 3)
	checkInt(t, "visits from social", rep.Website.VisitsFromSocial, 1)
	checkInt(t, "visits through links", rep.Website.BySource["link"], 1)
	checkInt(t, "referrals", rep.Website.BySource["referral"], 1)
	checkInt(t, "filtered hits", rep.Website.FilteredHits, 1)
	checkFloat(t, "visits per 1000 followers", rep.Website.VisitsPer1000, 500)
	if len(rep.Website.Referrers) != 1 || rep.Website.Referrers[0].Host != "news.example" {
		t.Errorf("referrers: got %+v, want news.example", rep.Website.Referrers)
	}
	if len(rep.Links) != 1 || rep.Links[0].Clicks != 1 || rep.Links[0].Filtered != 2 || rep.Links[0].Visits != 1 {
		t.Errorf("links: got %+v, want 1 click, 2 filtered, 1 visit", rep.Links)
	}
	// The visit through the link came 2.5 hours after P1: in its window.
	for _, pv := range rep.Website.AfterPosts {
		if pv.PostID == model.FormatID(p1.ID) && (pv.After != 2 || pv.Baseline != 0) {
			t.Errorf("visits after P1: got %+v, want 2 after (V1, V2), 0 before", pv)
		}
	}

	// bob's question, answered by alice after 30 minutes.
	checkInt(t, "inbox items", int64(rep.Response.Items), 1)
	checkFloat(t, "median first reply", rep.Response.MedianFirstReplySec, 1800)

	// One post's figures: P1 was seen by bob (twice, on two days), carol and
	// the anonymous visitor; bob's reply, carol's boost, bob's favourite;
	// one click; the visit through its link; a chain of 4 posts.
	status, _, body = w.request("GET", "/api/parvis/v1/insights/posts/"+model.FormatID(p1.ID)+
		"?since=2025-03-03&until=2025-03-05", http.Header{"Authorization": {"Bearer " + tok}}, "")
	var pf insights.PostFigures
	if status != http.StatusOK || json.Unmarshal([]byte(body), &pf) != nil {
		t.Fatalf("post report: got %d %s", status, body)
	}
	checkInt(t, "post impressions", pf.Impressions, 4)
	checkInt(t, "post replies", pf.Replies, 1)
	checkInt(t, "post boosts", pf.Reblogs, 1)
	checkInt(t, "post favourites", pf.Favourites, 1)
	checkInt(t, "post clicks", pf.Clicks, 1)
	checkInt(t, "post visits", pf.Visits, 1)
	checkInt(t, "post thread size", int64(pf.Thread.Size), 4)
	checkFloat(t, "post engagement rate", pf.Engagement, 3.0/4)

	// Only alice and the staff may read it.
	bobTok := w.token("bob", "read")
	if status, _, _ := w.request("GET", "/api/parvis/v1/insights/accounts/"+model.FormatID(alice.Account.ID),
		http.Header{"Authorization": {"Bearer " + bobTok}}, ""); status != http.StatusForbidden {
		t.Errorf("bob reads alice's insights: got %d, want 403", status)
	}
	if status, _, _ := w.request("GET", "/api/parvis/v1/insights/accounts/"+model.FormatID(alice.Account.ID), nil, ""); status != http.StatusUnauthorized {
		t.Errorf("anonymous read: got %d, want 401", status)
	}
	if status, _, body := w.request("GET", "/api/parvis/v1/insights/accounts/me?since=2025-03-05&until=2025-03-01",
		http.Header{"Authorization": {"Bearer " + tok}}, ""); status != http.StatusBadRequest {
		t.Errorf("reversed period: got %d %s, want 400", status, body)
	}
}

func checkInt(t *testing.T, what string, got, want int64) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %d, want %d", what, got, want)
	}
}

func checkFloat(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-4*math.Max(1, math.Abs(want)) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

// TestCommunityInsights checks that a community's figures are its posts'
// and its members', for its moderators and the staff.
func TestCommunityInsights(t *testing.T) {
	w := newInsightsWorld(t, day(3, 9, 0))
	if _, err := w.svc.CreateUser(w.ctx, social.SignupInput{Username: "admin", Email: "admin@example.org",
		Password: "the password of admin", Role: model.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	alice, bob, carol := w.person("alice"), w.person("bob"), w.person("carol")
	c, err := w.svc.CreateCommunity(w.ctx, alice, social.CommunityInput{Name: "roasters", DisplayName: "Roasters",
		Membership: "open"})
	w.must("create community", err)
	for _, a := range []*social.Actor{bob, carol} {
		_, err := w.svc.Join(w.ctx, a, c.ID)
		w.must("join", err)
	}
	w.at(day(3, 10, 0))
	p := w.publish(bob, social.PostInput{Text: "Which grinder do you use for espresso?", CommunityID: c.ID})
	w.at(day(3, 10, 30))
	_, err = w.svc.Views(w.ctx, carol, []int64{p.ID}, false)
	w.must("views", err)
	w.publish(carol, social.PostInput{Text: "A flat burr grinder, always.", InReplyToID: p.ID})
	w.at(day(4, 9, 0))
	w.must("leave", w.svc.Leave(w.ctx, carol, c.ID))
	w.at(day(5, 1, 0))
	w.settle()

	path := "/api/parvis/v1/insights/communities/" + model.FormatID(c.ID) + "?since=2025-03-03&until=2025-03-04"
	status, _, body := w.request("GET", path, http.Header{"Authorization": {"Bearer " + w.token("alice", "read")}}, "")
	if status != http.StatusOK {
		t.Fatalf("community report: got %d %s", status, body)
	}
	var rep insights.Report
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Scope.Kind != "community" || rep.Scope.Acct != "roasters" {
		t.Errorf("scope: got %+v", rep.Scope)
	}
	checkInt(t, "impressions", rep.Impressions, 1)
	checkInt(t, "posts", int64(rep.Posts), 1)
	checkInt(t, "replies", rep.Engagement.Replies, 1)
	checkFloat(t, "conversation rate", rep.ConversationRate, 1)
	// alice (the owner), bob and carol on the 3rd; carol left on the 4th.
	if len(rep.Growth.Members) != 2 || rep.Growth.Members[0].Value != 3 || rep.Growth.Members[1].Value != 2 {
		t.Errorf("members: got %+v, want 3 then 2", rep.Growth.Members)
	}
	checkInt(t, "leaves", rep.Growth.Leaves, 1)

	if status, _, _ := w.request("GET", path, http.Header{"Authorization": {"Bearer " + w.token("bob", "read")}}, ""); status != http.StatusForbidden {
		t.Errorf("a member reads the community's insights: got %d, want 403", status)
	}
	if status, _, _ := w.request("GET", path, http.Header{"Authorization": {"Bearer " + w.token("admin", "read")}}, ""); status != http.StatusOK {
		t.Errorf("the staff reads the community's insights: got %d, want 200", status)
	}
	// A token without the read scope is refused.
	if status, _, _ := w.request("GET", path, http.Header{"Authorization": {"Bearer " + w.token("alice", "write")}}, ""); status != http.StatusForbidden {
		t.Errorf("a write-only token: got %d, want 403", status)
	}
}
