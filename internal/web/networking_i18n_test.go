package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"parvis/internal/integrity"
	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// networkingSite is a site where every page of communities, connections,
// conversations, the reply inbox and moderation has something to show.
type networkingSite struct {
	*site
	thread, conversation, finding, post string
}

func newNetworkingSite(t *testing.T) *networkingSite {
	t.Helper()
	s := newSite(t)
	ns := &networkingSite{site: s}
	ctx := context.Background()
	svc := s.env.App.Service
	admin, bob, carol := s.actor("admin"), s.actorNamed("bob"), s.actorNamed("carol")
	c, err := svc.CreateCommunity(ctx, admin, social.CommunityInput{Name: "jardins", DisplayName: "Jardins",
		Description: "Pour qui cultive.", Topics: []string{"potager"}, Rules: []string{"Être aimable"}, Membership: "approval"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Join(ctx, bob, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.DecideJoin(ctx, admin, c.ID, bob.Account.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Join(ctx, carol, c.ID); err != nil {
		t.Fatal(err)
	}
	p := s.publish("bob", social.PostInput{Text: "@admin une question sur le compost ?", CommunityID: c.ID})
	s.publish("admin", social.PostInput{Text: "@bob réponse", InReplyToID: p.ID})
	ns.post = model.FormatID(p.ID)
	ns.thread = "/@bob/" + ns.post
	if _, err := svc.Report(ctx, carol, social.ReportInput{PostID: p.ID, Category: "spam"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Ban(ctx, admin, c.ID, carol.Account.ID, "spam"); err != nil {
		t.Fatal(err)
	}
	for _, other := range []*social.Actor{bob, carol} {
		if _, err := svc.RequestConnection(ctx, other, admin.Account.ID, "bonjour"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AnswerConnection(ctx, admin, other.Account.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Introduce(ctx, admin, bob.Account.ID, carol.Account.ID, "Voisins"); err != nil {
		t.Fatal(err)
	}
	d := s.publish("bob", social.PostInput{Text: "@admin en privé", Visibility: "direct"})
	ns.conversation = "/conversations/" + model.FormatID(d.ThreadID)
	// A finding as a scan stores it, and a suspension.
	ev, _ := json.Marshal(integrity.Finding{Signal: integrity.SignalLockstep, Score: 3, Accounts: []int64{carol.Account.ID},
		Objects: []int64{p.ID}, Reason: "in lockstep"})
	err = s.env.App.DB.Tx(ctx, func(tx *store.Tx) error {
		f := &store.Finding{Signal: "lockstep", Score: 3, Reason: "in lockstep", Evidence: string(ev),
			WindowFrom: time.Now().Add(-time.Hour), WindowTo: time.Now(), CreatedAt: time.Now()}
		if err := tx.InsertFinding(ctx, f); err != nil {
			return err
		}
		ns.finding = "/admin/integrity/" + model.FormatID(f.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.DecideFinding(ctx, admin, mustID(t, strings.TrimPrefix(ns.finding, "/admin/integrity/")), social.DecisionSuspend); err != nil {
		t.Fatal(err)
	}
	return ns
}

// actorNamed signs someone up through the service (no browser) and loads
// them.
func (s *site) actorNamed(name string) *social.Actor {
	s.t.Helper()
	s.person(name)
	return s.actor(name)
}

func TestNetworkingPagesSpeakBothLanguages(t *testing.T) {
	ns := newNetworkingSite(t)
	admin := ns.login("admin", "correct horse battery")
	en := loadCatalog(t, "en")
	pages := []string{"/communities", "/communities?mine=1", "/communities/new", "/c/jardins", "/c/jardins/members",
		"/c/jardins/moderation", "/c/jardins/moderation/log", "/c/jardins/settings", "/posts/" + ns.post + "/report",
		ns.thread, "/connections", "/introductions", "/network", "/suggestions", "/conversations", ns.conversation,
		"/replies", "/admin", "/admin/integrity", "/admin/integrity?status=", ns.finding, "/admin/moderation", "/admin/log",
		"/", "/@bob"}
	for _, lang := range []string{"en", "fr"} {
		admin.Post("/", "/lang", url.Values{"lang": {lang}, "next": {"/"}})
		for _, page := range pages {
			r := admin.Get(page)
			if r.Status != http.StatusOK {
				t.Errorf("%s %s: got %d", lang, page, r.Status)
				continue
			}
			if !strings.Contains(r.Body, `<html lang="`+lang+`">`) {
				t.Errorf("%s %s: the page is not in %s", lang, page, lang)
			}
			for k := range en {
				if interfaceKey.MatchString(k) && strings.Contains(r.Body, k) {
					t.Errorf("%s %s: the untranslated key %q shows", lang, page, k)
				}
			}
		}
	}
	if body := admin.Get("/c/jardins/moderation").Body; !strings.Contains(body, "Demandes d&#39;adhésion") {
		t.Errorf("the French moderation page is not in French")
	}
	// A refused form speaks the page's language too.
	r := admin.Post("/c/jardins/settings", "/c/jardins/settings", url.Values{"topics": {"a,b,c,d,e,f,g,h,i,j,k"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "une communauté peut avoir 10 thèmes au plus") {
		t.Errorf("the French error of a refused form: got %d", r.Status)
	}
}

// The domain errors that the pages of this package show are translated.
func TestNetworkingErrorsAreTranslated(t *testing.T) {
	fr := loadCatalog(t, "fr")
	format := regexp.MustCompile(`model\.Errorf\(model\.E[A-Z]+, ("(?:[^"\\]|\\.)*")`)
	files := []string{"communities.go", "connections.go", "conversations.go", "inbox.go", "integrity.go", "suggestions.go"}
	more, _ := filepath.Glob(filepath.Join("..", "social", "webui_*.go"))
	var paths []string
	for _, f := range files {
		paths = append(paths, filepath.Join("..", "social", f))
	}
	paths = append(paths, more...)
	web, _ := filepath.Glob("*.go")
	for _, f := range web {
		if !strings.HasSuffix(f, "_test.go") && !strings.HasPrefix(f, "insights") {
			paths = append(paths, f)
		}
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range format.FindAllStringSubmatch(string(b), -1) {
			msg, err := strconv.Unquote(m[1])
			if err != nil {
				t.Fatalf("%s: %s: %v", p, m[1], err)
			}
			if msg == "%s" || strings.HasPrefix(msg, "this page is for") {
				continue
			}
			if fr[msg] == "" {
				t.Errorf("%s: %q has no French translation", p, msg)
			}
		}
	}
}

func TestNetworkingFormsNeedTheirToken(t *testing.T) {
	ns := newNetworkingSite(t)
	admin := ns.login("admin", "correct horse battery")
	bobID, carolID := ns.accountID("bob"), ns.accountID("carol")
	f := strings.TrimPrefix(ns.finding, "/admin/integrity/")
	actions := []string{"/communities", "/c/jardins/join", "/c/jardins/leave", "/c/jardins/settings", "/c/jardins/avatar",
		"/c/jardins/invites", "/c/jardins/requests/" + bobID + "/approve", "/c/jardins/members/" + bobID + "/role",
		"/c/jardins/members/" + bobID + "/mute", "/c/jardins/members/" + bobID + "/ban", "/c/jardins/members/" + carolID + "/unban",
		"/c/jardins/reports/1/resolved", "/c/jardins/posts/" + ns.post + "/remove", "/c/jardins/posts/" + ns.post + "/pin",
		"/posts/" + ns.post + "/report", "/connections/" + bobID + "/remove", "/introductions", "/introductions/1/accept",
		"/suggestions/" + bobID + "/dismiss", ns.conversation + "/read", ns.conversation + "/delete",
		"/replies/" + ns.post + "/done", "/replies/" + ns.post + "/snooze", "/admin/integrity/" + f + "/clear",
		"/admin/accounts/" + carolID + "/unsuspend", "/admin/reports/1/resolved"}
	admin.Get("/")
	for _, a := range actions {
		if r := admin.PostRaw(a, url.Values{"name": {"forged"}, "reason": {"forged"}}); r.Status != http.StatusForbidden {
			t.Errorf("POST %s without a token: got %d, want 403", a, r.Status)
		}
	}
	// Nothing changed: bob is still a member, carol still banned and
	// suspended, the finding still decided.
	if body := admin.Get("/c/jardins/members").Body; !strings.Contains(body, `href="/@bob"`) {
		t.Errorf("a refused form removed bob")
	}
	if body := admin.Get("/admin/moderation").Body; !strings.Contains(body, `href="/@carol"`) {
		t.Errorf("a refused form lifted carol's suspension")
	}
}
