package web_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"parvis/internal/model"
	"parvis/internal/server/servertest"
	"parvis/internal/social"
)

func TestInsightsDashboardPages(t *testing.T) {
	env := servertest.New(t, servertest.Options{})
	env.CreateAdmin(t, "admin", "correct horse battery")
	alice := env.SignUp(t, "alice", "the password of alice")
	env.SignUp(t, "bob", "the password of bob")
	svc := env.App.Service
	ctx := t.Context()
	a, err := svc.LookupAccount(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	u, err := svc.DB().Read().UserByAccountID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	actor := &social.Actor{User: u, Account: a}
	p, err := svc.Publish(ctx, actor, social.PostInput{Text: "=cmd|' /C calc'!A0 our new roast https://shop.example/roast"})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.App.Insights.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RollupInsights(ctx, svc.DB().Now().Add(1)); err != nil {
		t.Fatal(err)
	}

	en := loadCatalog(t, "en")
	untranslated := func(page, body string) {
		t.Helper()
		for k := range en {
			if interfaceKey.MatchString(k) && strings.Contains(body, k) {
				t.Errorf("%s: the untranslated key %q shows", page, k)
			}
		}
	}
	for _, lang := range []string{"en", "fr"} {
		alice.Post("/", "/lang", url.Values{"lang": {lang}, "next": {"/"}})
		for _, page := range []string{"/insights", "/insights?days=7", "/insights?since=2025-01-01&until=2025-01-31",
			"/insights/posts/" + model.FormatID(p.ID), "/insights/settings"} {
			r := alice.Get(page)
			if r.Status != http.StatusOK {
				t.Errorf("%s %s: got %d", lang, page, r.Status)
				continue
			}
			untranslated(page, r.Body)
		}
	}
	alice.Post("/", "/lang", url.Values{"lang": {"en"}, "next": {"/"}})
	body := alice.Get("/insights").Body
	charts := regexp.MustCompile(`<svg [^>]*role="img" aria-labelledby="([a-z-]+)-t [a-z-]+-d"`).FindAllStringSubmatch(body, -1)
	if len(charts) < 5 {
		t.Fatalf("got %d accessible charts, want at least 5", len(charts))
	}
	for _, c := range charts {
		if !strings.Contains(body, `<title id="`+c[1]+`-t">`) || !strings.Contains(body, `<desc id="`+c[1]+`-d">`) {
			t.Errorf("chart %s has no title or description", c[1])
		}
	}
	if strings.Contains(body, ` style="`) || regexp.MustCompile(`<script\s*>`).MatchString(body) {
		t.Errorf("the dashboard uses inline styles or scripts, which the CSP forbids")
	}
	for _, table := range []string{"daily", "posts", "links", "topics", "growth", "sources", "fans"} {
		if !strings.Contains(body, `id="table-`+table+`"`) || !strings.Contains(body, `/insights/export/`+table+`.csv?`) {
			t.Errorf("no %s table with its CSV export", table)
		}
	}

	// CSV: every table, formulas defused.
	r := alice.Get("/insights/export/posts.csv?days=28")
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("posts CSV: got %d %q %q", r.Status, r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"))
	}
	recs, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
	if err != nil || len(recs) != 2 || recs[0][1] != "Post" {
		t.Fatalf("posts CSV: %v %q", err, r.Body)
	}
	if !strings.HasPrefix(recs[1][1], "'=cmd") {
		t.Errorf("a cell starting with = is not defused: %q", recs[1][1])
	}
	// The drill-down's tables too: the post's figures and its links.
	for _, table := range []string{"post-", "post-links-"} {
		r := alice.Get("/insights/export/" + table + model.FormatID(p.ID) + ".csv?days=28")
		recs, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
		if r.Status != http.StatusOK || err != nil || len(recs) < 2 {
			t.Errorf("%s CSV: got %d %v %q", table, r.Status, err, r.Body)
		}
	}
	if body := alice.Get("/insights/posts/" + model.FormatID(p.ID) + "?days=28").Body; !strings.Contains(body,
		"/insights/export/post-links-"+model.FormatID(p.ID)+".csv?") {
		t.Errorf("the drill-down offers no CSV of the post's links")
	}
	if r := alice.Get("/insights/export/nothing.csv"); r.Status != http.StatusNotFound {
		t.Errorf("unknown table: got %d, want 404", r.Status)
	}
	if r := alice.Get("/insights?since=2025-02-01&until=2025-01-01"); r.Status != http.StatusBadRequest {
		t.Errorf("reversed period: got %d, want 400", r.Status)
	}
	if r := alice.Get("/insights?account=bob"); r.Status != http.StatusForbidden {
		t.Errorf("alice opens bob's insights: got %d, want 403", r.Status)
	}
	if r := env.Browser(t).Get("/insights"); r.Status != http.StatusSeeOther {
		t.Errorf("anonymous: got %d, want a redirect to the login page", r.Status)
	}

	// Settings: a website, its snippet; link tracking off.
	r = alice.Post("/insights/settings", "/insights/sites", url.Values{"url": {"https://shop.example/"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("add a site: got %d %s", r.Status, r.Body)
	}
	body = alice.Get("/insights/settings").Body
	if !strings.Contains(body, "https://shop.example") || !strings.Contains(body, "beacon.js") ||
		!strings.Contains(body, "data-site=") {
		t.Errorf("the settings page shows no site with its snippet")
	}
	r = alice.Post("/insights/settings", "/insights/sites", url.Values{"url": {"ftp://nope"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "http or https address") {
		t.Errorf("a bad address: got %d", r.Status)
	}
	alice.Post("/insights/settings", "/insights/tracking", url.Values{})
	if on, err := svc.LinkTracking(ctx, actor); err != nil || on {
		t.Errorf("tracking after unchecking: got %v %v, want off", on, err)
	}
	sites, err := svc.Sites(ctx, actor)
	if err != nil || len(sites) != 1 {
		t.Fatalf("sites: %v %v", sites, err)
	}
	if r := alice.Post("/insights/settings", "/insights/sites/"+model.FormatID(sites[0].ID)+"/delete", nil); r.Status != http.StatusSeeOther {
		t.Errorf("remove the site: got %d", r.Status)
	}
	if sites, _ := svc.Sites(ctx, actor); len(sites) != 0 {
		t.Errorf("the site is still there")
	}
}
