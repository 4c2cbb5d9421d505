package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"parvis/internal/model"
	"parvis/internal/server/servertest"
	"parvis/internal/social"
)

// communityID returns the id of a community, by name.
func (s *site) communityID(name string) string {
	s.t.Helper()
	ctx := context.Background()
	a, err := s.env.App.DB.Read().AccountByUsername(ctx, name, "")
	if err != nil {
		s.t.Fatalf("community %s: %v", name, err)
	}
	c, err := s.env.App.DB.Read().CommunityByAccountID(ctx, a.ID)
	if err != nil {
		s.t.Fatalf("community %s: %v", name, err)
	}
	return model.FormatID(c.ID)
}

// accountID returns the id of an account, by name.
func (s *site) accountID(name string) string {
	s.t.Helper()
	return model.FormatID(s.actor(name).Account.ID)
}

// mustPost submits a form and fails unless it redirects.
func mustPost(t *testing.T, b *servertest.Browser, page, action string, values url.Values) servertest.Response {
	t.Helper()
	r := b.Post(page, action, values)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("POST %s: got %d, want 303:\n%s", action, r.Status, r.Body)
	}
	return r
}

// postIDWith finds the id of the post of a page whose text contains text.
func postIDWith(t *testing.T, body, text string) string {
	t.Helper()
	i := strings.Index(body, text)
	if i < 0 {
		t.Fatalf("no post with %q on the page", text)
	}
	ms := postIDRE.FindAllStringSubmatchIndex(body[:i], -1)
	if len(ms) == 0 {
		t.Fatalf("no post before %q", text)
	}
	last := ms[len(ms)-1]
	return body[last[2]:last[3]]
}

func TestCommunityLifeAndModeration(t *testing.T) {
	s := newSite(t)
	alice := s.person("alice")
	bob := s.person("bob")
	carol := s.person("carol")

	// Creating: bad input comes back with the message and what was typed.
	if r := alice.Get("/communities/new"); r.Status != http.StatusOK {
		t.Fatalf("the creation form: got %d", r.Status)
	}
	r := alice.Post("/communities/new", "/communities", url.Values{"name": {"jardins partagés"},
		"display_name": {"Jardins partagés"}, "membership": {"open"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "community name: username may only contain") ||
		!strings.Contains(r.Body, `value="Jardins partagés"`) {
		t.Fatalf("a bad community name: got %d:\n%s", r.Status, r.Body)
	}
	r = mustPost(t, alice, "/communities/new", "/communities", url.Values{"name": {"jardins"},
		"display_name": {"Jardins partagés"}, "description": {"Pour qui cultive en ville."},
		"topics": {"potager, Compost"}, "rules": {"Être aimable\r\nPas de publicité"}, "membership": {"open"}})
	if r.Location != "/c/jardins" {
		t.Fatalf("creation goes to %q, want /c/jardins", r.Location)
	}
	page := alice.Get("/c/jardins").Body
	for _, want := range []string{"Jardins partagés", "Pour qui cultive en ville.", `href="/tags/compost"`, "Pas de publicité", "Leave"} {
		if !strings.Contains(page, want) {
			t.Errorf("the community page lacks %q", want)
		}
	}
	if body := carol.Get("/communities").Body; !strings.Contains(body, `href="/c/jardins"`) {
		t.Errorf("the directory does not list the community")
	}

	// Joining, and posting from the community page.
	mustPost(t, bob, "/c/jardins", "/c/jardins/join", nil)
	if body := bob.Get("/c/jardins").Body; !strings.Contains(body, "Welcome to the community!") || !strings.Contains(body, `name="community" value="`+s.communityID("jardins")+`"`) {
		t.Fatalf("after joining, bob has no compose form for the community")
	}
	if body := alice.Get("/c/jardins/members").Body; !strings.Contains(body, `href="/@bob"`) || !strings.Contains(body, ">Owner<") {
		t.Errorf("the members directory does not list bob and alice's role")
	}
	r = mustPost(t, bob, "/c/jardins", "/compose", url.Values{"text": {"Qui a des graines de fèves ?"},
		"community": {s.communityID("jardins")}, "visibility": {"public"}, "next": {"/c/jardins"}})
	if r.Location != "/c/jardins" {
		t.Fatalf("posting in the community goes to %q", r.Location)
	}
	page = carol.Get("/c/jardins").Body
	if !strings.Contains(page, "Qui a des graines de fèves") {
		t.Fatalf("the post is not on the community page")
	}
	postID := postIDWith(t, page, "Qui a des graines de fèves")
	thread := "/@bob/" + postID
	// The community's boost brings it to its members' homes.
	eventually(t, "the community post in alice's home", func() bool {
		return strings.Contains(alice.Get("/").Body, "Qui a des graines de fèves")
	})

	// A reply in the thread, and the original poster marked in it.
	mustPost(t, alice, thread, "/compose", url.Values{"text": {"@bob j'en ai, passe demain"}, "in_reply_to": {postID},
		"next": {thread}, "visibility": {"public"}})
	replyID := postIDWith(t, bob.Get(thread).Body, "j&#39;en ai, passe demain")
	mustPost(t, bob, thread, "/compose", url.Values{"text": {"@alice merci beaucoup"}, "in_reply_to": {replyID},
		"next": {thread}, "visibility": {"public"}})
	page = carol.Get(thread).Body
	if !regexp.MustCompile(`(?s)j&#39;en ai, passe demain.*class="op"[^>]*>OP<.*merci beaucoup`).MatchString(page) {
		t.Errorf("the thread does not show the replies with bob marked as the original poster")
	}

	// Moderation: carol joins and misbehaves.
	mustPost(t, carol, "/c/jardins", "/c/jardins/join", nil)
	mustPost(t, carol, "/c/jardins", "/compose", url.Values{"text": {"ACHETEZ MES ENGRAIS MIRACLE"},
		"community": {s.communityID("jardins")}, "visibility": {"public"}, "next": {"/c/jardins"}})
	spam := postIDWith(t, carol.Get("/c/jardins").Body, "ACHETEZ MES ENGRAIS")
	// Bob reports it; the report reaches the community's moderators.
	if r := bob.Get("/posts/" + spam + "/report"); r.Status != http.StatusOK {
		t.Fatalf("the report form: got %d", r.Status)
	}
	r = bob.Post("/posts/"+spam+"/report", "/posts/"+spam+"/report", url.Values{"category": {"spam"},
		"comment": {strings.Repeat("trop long ", 120)}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "the comment is longer than 1000 characters") {
		t.Fatalf("a too long report: got %d", r.Status)
	}
	mustPost(t, bob, "/posts/"+spam+"/report", "/posts/"+spam+"/report", url.Values{"category": {"spam"}, "comment": {"de la pub"}})
	mod := alice.Get("/c/jardins/moderation").Body
	m := regexp.MustCompile(`formaction="(/c/jardins/reports/\d+/resolved)"`).FindStringSubmatch(mod)
	if m == nil || !strings.Contains(mod, "de la pub") {
		t.Fatalf("the report is not on the moderation page")
	}
	// The owner removes the post: members no longer see it, its author
	// and the moderators do, marked.
	removeAt := "/c/jardins/posts/" + spam + "/remove"
	if !strings.Contains(alice.Get("/c/jardins").Body, `formaction="`+removeAt+`"`) {
		t.Fatalf("the owner has no remove button on the post")
	}
	if strings.Contains(bob.Get("/c/jardins").Body, `formaction="`+removeAt+`"`) {
		t.Errorf("a plain member has a remove button")
	}
	mustPost(t, alice, "/c/jardins", removeAt, url.Values{"next": {"/c/jardins"}})
	mustPost(t, alice, "/c/jardins/moderation", m[1], nil)
	if strings.Contains(bob.Get("/c/jardins").Body, "ACHETEZ MES ENGRAIS") {
		t.Errorf("a member still sees the removed post")
	}
	if r := bob.Get("/@carol/" + spam); r.Status != http.StatusNotFound {
		t.Errorf("a member on the removed post's page: got %d, want 404", r.Status)
	}
	for name, b := range map[string]*servertest.Browser{"carol": carol, "alice": alice} {
		if body := b.Get("/@carol/" + spam).Body; !strings.Contains(body, "Removed by a moderator") {
			t.Errorf("%s does not see the removed post marked", name)
		}
	}
	// Muting keeps carol from posting, banning puts her out.
	members := "/c/jardins/members"
	carolID := s.accountID("carol")
	r = alice.Post(members, members+"/"+carolID+"/mute", url.Values{"duration": {"forever"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "choose a duration from the list") {
		t.Fatalf("a mute with a made-up duration: got %d", r.Status)
	}
	mustPost(t, alice, members, members+"/"+carolID+"/mute", url.Values{"duration": {"24h"}})
	if body := carol.Get("/c/jardins").Body; !strings.Contains(body, "Muted until") || strings.Contains(body, `name="community"`) {
		t.Errorf("the muted member still has the compose form")
	}
	r = carol.Post("/c/jardins", "/compose", url.Values{"text": {"encore"}, "community": {s.communityID("jardins")}})
	if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "a moderator muted you in this community") {
		t.Errorf("a muted member posting: got %d", r.Status)
	}
	mustPost(t, alice, members, members+"/"+carolID+"/ban", url.Values{"reason": {"publicité répétée"}})
	if body := carol.Get("/c/jardins").Body; !strings.Contains(body, "You are banned from this community.") {
		t.Errorf("the banned member is not told")
	}
	if body := alice.Get(members).Body; strings.Contains(body, `href="/@carol"`) {
		t.Errorf("the banned member is still listed")
	}
	mod = alice.Get("/c/jardins/moderation").Body
	if !strings.Contains(mod, "publicité répétée") || !strings.Contains(mod, members+"/"+carolID+"/unban") {
		t.Errorf("the ban and its reason are not on the moderation page")
	}
	r = carol.Post("/c/jardins", "/c/jardins/join", nil)
	if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "you are banned from this community") {
		t.Errorf("the banned member joining again: got %d", r.Status)
	}
	log := alice.Get("/c/jardins/moderation/log").Body
	for _, want := range []string{"created the community", "removed a post", "resolved a report", "muted", "banned"} {
		if !strings.Contains(log, want) {
			t.Errorf("the moderation log lacks %q", want)
		}
	}
	if r := bob.Get("/c/jardins/moderation"); r.Status != http.StatusForbidden {
		t.Errorf("a plain member on the moderation page: got %d, want 403", r.Status)
	}

	// Pinning, roles and settings.
	mustPost(t, alice, "/c/jardins", "/c/jardins/posts/"+postID+"/pin", url.Values{"next": {"/c/jardins"}})
	if body := carol.Get("/c/jardins").Body; !strings.Contains(body, `id="pinned-h"`) {
		t.Errorf("the pinned post is not shown pinned")
	}
	mustPost(t, alice, members, members+"/"+s.accountID("bob")+"/role", url.Values{"role": {"moderator"}})
	if body := bob.Get("/c/jardins/moderation"); body.Status != http.StatusOK {
		t.Errorf("the new moderator on the moderation page: got %d", body.Status)
	}
	r = alice.Post("/c/jardins/settings", "/c/jardins/settings", url.Values{"display_name": {"Jardins"},
		"description": {"Nouvelle description"}, "topics": {"a,b,c,d,e,f,g,h,i,j,k"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "a community can have at most 10 topics") ||
		!strings.Contains(r.Body, "Nouvelle description") {
		t.Fatalf("too many topics: got %d", r.Status)
	}
	mustPost(t, alice, "/c/jardins/settings", "/c/jardins/settings", url.Values{"display_name": {"Jardins"},
		"description": {"Nouvelle description"}, "rules": {"Une seule règle"}, "membership": {"approval"}})
	if body := carol.Get("/c/jardins").Body; !strings.Contains(body, "Nouvelle description") || !strings.Contains(body, "Joining needs a moderator") {
		t.Errorf("the settings did not change the page")
	}
	// An avatar for the community.
	r = s.postMultipart(alice, "/c/jardins/settings", "/c/jardins/avatar", nil, upload{"avatar", "logo.png", smallPNG(t)})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("community avatar: got %d: %s", r.Status, r.Body)
	}
	if body := carol.Get("/c/jardins").Body; !regexp.MustCompile(`<img class="avatar" src="[^"]+/media/avatars/`).MatchString(body) {
		t.Errorf("the community page does not show its avatar")
	}
	// A moderator (not owner) may not change the kind of membership.
	r = bob.Post("/c/jardins/settings", "/c/jardins/settings", url.Values{"description": {"x"}, "membership": {"private"}})
	if r.Status != http.StatusForbidden {
		t.Errorf("a moderator changing the membership: got %d, want 403", r.Status)
	}
}

func TestPrivateCommunityIsHiddenFromOutsiders(t *testing.T) {
	s := newSite(t)
	alice := s.person("alice")
	carol := s.person("carol")
	dave := s.person("dave")
	mustPost(t, alice, "/communities/new", "/communities", url.Values{"name": {"cercle"}, "display_name": {"Le cercle"},
		"description": {"Entre nous."}, "membership": {"private"}})
	p := s.publish("alice", social.PostInput{Text: "Réunion secrète jeudi #cercle", CommunityID: mustID(t, s.communityID("cercle"))})
	thread := "/@alice/" + model.FormatID(p.ID)
	for name, b := range map[string]*servertest.Browser{"carol": carol, "anonymous": s.env.Browser(t)} {
		for _, page := range []string{"/c/cercle", "/communities", "/public/local", "/public", "/tags/cercle", "/@alice"} {
			if body := b.Get(page).Body; strings.Contains(body, "Réunion secrète") {
				t.Errorf("%s sees the private post on %s", name, page)
			}
		}
		if body := b.Get("/communities").Body; strings.Contains(body, `href="/c/cercle"`) {
			t.Errorf("%s sees the private community in the directory", name)
		}
		if r := b.Get(thread); r.Status != http.StatusNotFound {
			t.Errorf("%s on the private post's page: got %d, want 404", name, r.Status)
		}
		if r := b.Get("/c/cercle/members"); r.Status != http.StatusNotFound {
			t.Errorf("%s on the private members directory: got %d, want 404", name, r.Status)
		}
	}
	if body := carol.Get("/c/cercle").Body; !strings.Contains(body, "This community is private") || !strings.Contains(body, "Ask to join") {
		t.Errorf("the outsider is not offered to ask to join")
	}
	// Carol asks; alice approves; carol sees the posts.
	mustPost(t, carol, "/c/cercle", "/c/cercle/join", nil)
	if body := carol.Get("/c/cercle").Body; !strings.Contains(body, "Request sent") {
		t.Errorf("carol's request is not shown to her")
	}
	carolID := s.accountID("carol")
	if body := alice.Get("/c/cercle/moderation").Body; !strings.Contains(body, "/c/cercle/requests/"+carolID+"/approve") {
		t.Fatalf("carol's request is not on the moderation page")
	}
	mustPost(t, alice, "/c/cercle/moderation", "/c/cercle/requests/"+carolID+"/approve", nil)
	if body := carol.Get("/c/cercle").Body; !strings.Contains(body, "Réunion secrète") {
		t.Errorf("the approved member does not see the post")
	}
	// An invitation lets dave in directly.
	r := alice.Post("/c/cercle/moderation", "/c/cercle/invites", url.Values{"username": {"nobody_here"}})
	if r.Status != http.StatusNotFound || !strings.Contains(r.Body, "account not found") || !strings.Contains(r.Body, `value="nobody_here"`) {
		t.Fatalf("inviting an unknown name: got %d", r.Status)
	}
	mustPost(t, alice, "/c/cercle/moderation", "/c/cercle/invites", url.Values{"username": {"dave"}})
	if body := dave.Get("/c/cercle").Body; !strings.Contains(body, "You are invited") {
		t.Fatalf("dave is not told he is invited")
	}
	mustPost(t, dave, "/c/cercle", "/c/cercle/join", nil)
	if body := dave.Get("/c/cercle").Body; !strings.Contains(body, "Réunion secrète") {
		t.Errorf("the invited member does not see the post")
	}
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	id, err := model.ParseID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
