package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// rawCount counts the raw events of a kind.
func (w *insightsWorld) rawCount(kind store.InsightKind) int64 {
	w.t.Helper()
	w.must("flush", w.env.App.Insights.Flush(w.ctx))
	n, err := w.env.App.DB.Read().CountInsightEvents(w.ctx, kind, day(1, 0, 0), day(28, 0, 0))
	w.must("count", err)
	return n
}

func TestTrackedLinks(t *testing.T) {
	w := newInsightsWorld(t, day(10, 9, 0))
	alice := w.person("alice")
	domain := w.svc.Config().Domain
	p := w.publish(alice, social.PostInput{Text: "Read https://blog.example/post?utm_source=newsletter&x=1#top and " +
		"https://" + domain + "/@alice (ours, not tracked)."})
	links, err := w.env.App.DB.Read().TrackedLinksOf(w.ctx, []int64{p.ID})
	w.must("links", err)
	if len(links) != 1 || links[0].URL != "https://blog.example/post?utm_source=newsletter&x=1#top" {
		t.Fatalf("tracked links: got %+v, want only the blog post", links)
	}
	if !strings.Contains(p.Content, `href="https://`+domain+`/@alice"`) {
		t.Errorf("a link to this server was rewritten: %s", p.Content)
	}
	code := links[0].Code

	tests := []struct {
		name       string
		path       string
		header     http.Header
		wantStatus int
		wantTarget string
		wantKind   store.InsightKind
	}{
		{"click keeps the UTM tags it had", "/l/" + code, http.Header{"User-Agent": {browserUA}}, http.StatusFound,
			"https://blog.example/post?utm_source=newsletter&x=1&utm_medium=social&utm_campaign=" + model.FormatID(p.ID) + "#top",
			store.InsightClick},
		{"prefetch", "/l/" + code, http.Header{"User-Agent": {browserUA}, "Sec-Purpose": {"prefetch;prerender"}}, http.StatusFound,
			"", store.InsightClickFiltered},
		{"old prefetch header", "/l/" + code, http.Header{"User-Agent": {browserUA}, "Purpose": {"prefetch"}}, http.StatusFound,
			"", store.InsightClickFiltered},
		{"bot", "/l/" + code, http.Header{"User-Agent": {"Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"}},
			http.StatusFound, "", store.InsightClickFiltered},
		{"unknown code", "/l/ZZZZZZZZZZZZ", http.Header{"User-Agent": {browserUA}}, http.StatusNotFound, "", 0},
		{"malformed code", "/l/%3Cscript%3E", http.Header{"User-Agent": {browserUA}}, http.StatusNotFound, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := map[store.InsightKind]int64{}
			for _, k := range []store.InsightKind{store.InsightClick, store.InsightClickFiltered} {
				before[k] = w.rawCount(k)
			}
			status, hdr, _ := w.request("GET", tt.path, tt.header, "")
			if status != tt.wantStatus {
				t.Fatalf("status: got %d, want %d", status, tt.wantStatus)
			}
			if tt.wantTarget != "" && hdr.Get("Location") != tt.wantTarget {
				t.Errorf("location: got %q, want %q", hdr.Get("Location"), tt.wantTarget)
			}
			if status == http.StatusFound && hdr.Get("Set-Cookie") != "" {
				t.Errorf("the redirect sets a cookie: %q", hdr.Get("Set-Cookie"))
			}
			for _, k := range []store.InsightKind{store.InsightClick, store.InsightClickFiltered} {
				want := before[k]
				if k == tt.wantKind {
					want++
				}
				if got := w.rawCount(k); got != want {
					t.Errorf("events of kind %d: got %d, want %d", k, got, want)
				}
			}
		})
	}

	// Tracking off: new posts keep their links; old tracked links lead to
	// the link as written and count nothing.
	w.must("tracking off", w.svc.SetLinkTracking(w.ctx, alice, false))
	p2 := w.publish(alice, social.PostInput{Text: "See https://blog.example/other"})
	if strings.Contains(p2.Content, "/l/") {
		t.Errorf("tracking off, yet the link is tracked: %s", p2.Content)
	}
	clicks := w.rawCount(store.InsightClick)
	status, hdr, _ := w.request("GET", "/l/"+code, http.Header{"User-Agent": {browserUA}}, "")
	if status != http.StatusFound || hdr.Get("Location") != links[0].URL {
		t.Errorf("tracking off: got %d %q, want 302 to %q", status, hdr.Get("Location"), links[0].URL)
	}
	if got := w.rawCount(store.InsightClick); got != clicks {
		t.Errorf("tracking off, clicks: got %d, want %d", got, clicks)
	}
}

func TestBeacon(t *testing.T) {
	w := newInsightsWorld(t, day(10, 9, 0))
	alice := w.person("alice")
	site, err := w.svc.RegisterSite(w.ctx, alice, "https://shop.example")
	w.must("register", err)
	if _, err := w.svc.RegisterSite(w.ctx, alice, "https://shop.example/"); model.ErrorCode(err) != model.ECONFLICT {
		t.Errorf("registering twice: got %v, want a conflict", err)
	}
	if _, err := w.svc.RegisterSite(w.ctx, alice, "javascript:alert(1)"); model.ErrorCode(err) != model.EINVALID {
		t.Errorf("registering a non-http address: got %v, want invalid", err)
	}
	other, err := w.svc.RegisterSite(w.ctx, w.person("bob"), "https://bob.example")
	w.must("register", err)

	status, hdr, script := w.request("GET", "/beacon.js", nil, "")
	if status != http.StatusOK || !strings.Contains(hdr.Get("Content-Type"), "javascript") || !strings.Contains(script, "data-site") {
		t.Fatalf("beacon.js: got %d %q", status, hdr.Get("Content-Type"))
	}
	if hdr.Get("Content-Security-Policy") != "" || hdr.Get("Set-Cookie") != "" {
		t.Errorf("beacon.js headers: CSP %q, cookie %q; want neither", hdr.Get("Content-Security-Policy"), hdr.Get("Set-Cookie"))
	}
	snippet := w.svc.BeaconSnippet(*site)
	if !strings.Contains(snippet, `data-site="`+site.Key+`"`) || !strings.Contains(snippet, "<noscript>") || strings.Contains(snippet, "\n") {
		t.Errorf("snippet: %s", snippet)
	}

	send := func(key, origin, page, ref, ua string) (int, http.Header) {
		t.Helper()
		body := `{"p":` + quote(page) + `,"r":` + quote(ref) + `}`
		status, hdr, _ := w.request("POST", "/beacon/"+key, http.Header{"Origin": {origin}, "User-Agent": {ua},
			"Content-Type": {"text/plain"}}, body)
		return status, hdr
	}
	visitors := func() int64 { return w.rawCount(store.InsightVisitor) }
	all := func() int64 {
		var n int64
		for _, k := range []store.InsightKind{store.InsightPageview, store.InsightVisit, store.InsightVisitor, store.InsightHitFiltered} {
			n += w.rawCount(k)
		}
		return n
	}

	status, hdr = send(site.Key, "https://shop.example", "https://shop.example/", "", browserUA)
	if status != http.StatusNoContent {
		t.Fatalf("hit: got %d, want 204", status)
	}
	if hdr.Get("Set-Cookie") != "" {
		t.Errorf("the beacon set a cookie: %q", hdr.Get("Set-Cookie"))
	}
	if hdr.Get("Access-Control-Allow-Origin") != "https://shop.example" {
		t.Errorf("CORS: got %q, want the site's origin", hdr.Get("Access-Control-Allow-Origin"))
	}
	send(site.Key, "https://shop.example", "https://shop.example/", "", browserUA) // a reload
	if got := visitors(); got != 1 {
		t.Errorf("visitors on day 1: got %d, want 1", got)
	}
	w.at(day(11, 9, 0))
	send(site.Key, "https://shop.example", "https://shop.example/", "", browserUA)
	if got := visitors(); got != 2 {
		t.Errorf("the same visitor on the next day: got %d visitors, want 2", got)
	}
	filtered := w.rawCount(store.InsightHitFiltered)
	send(site.Key, "https://shop.example", "https://shop.example/", "", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
	if got := visitors(); got != 2 {
		t.Errorf("a bot counted as a visitor: got %d, want 2", got)
	}
	if got := w.rawCount(store.InsightHitFiltered); got != filtered+1 {
		t.Errorf("filtered hits: got %d, want %d", got, filtered+1)
	}

	refused := []struct {
		name         string
		key, origin  string
		page, ref    string
		body         string
		wantStatus   int
		wantNoHeader bool
	}{
		{"forged site id", "AAAAAAAAAAAAAAAA", "https://shop.example", "https://shop.example/", "", "", http.StatusNotFound, true},
		{"malformed site id", "x'; DROP TABLE", "https://shop.example", "https://shop.example/", "", "", http.StatusBadRequest, true},
		{"another site's id", other.Key, "https://shop.example", "https://shop.example/", "", "", http.StatusForbidden, true},
		{"another origin", site.Key, "https://evil.example", "https://shop.example/", "", "", http.StatusForbidden, true},
		{"no origin", site.Key, "", "https://shop.example/", "", "", http.StatusForbidden, true},
		{"page elsewhere", site.Key, "https://shop.example", "https://evil.example/", "", "", http.StatusForbidden, true},
		{"page not a URL", site.Key, "https://shop.example", "javascript:alert(1)", "", "", http.StatusBadRequest, true},
		{"referrer not a URL", site.Key, "https://shop.example", "https://shop.example/", "data:text/html,x", "", http.StatusBadRequest, true},
		{"not JSON", site.Key, "https://shop.example", "", "", "p=1", http.StatusBadRequest, true},
		{"huge page", site.Key, "https://shop.example", "https://shop.example/" + strings.Repeat("a", 3000), "", "", http.StatusBadRequest, true},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			before := all()
			body := tt.body
			if body == "" {
				body = `{"p":` + quote(tt.page) + `,"r":` + quote(tt.ref) + `}`
			}
			h := http.Header{"User-Agent": {browserUA}, "Content-Type": {"text/plain"}}
			if tt.origin != "" {
				h.Set("Origin", tt.origin)
			}
			status, hdr, _ := w.request("POST", "/beacon/"+url.PathEscape(tt.key), h, body)
			if status != tt.wantStatus {
				t.Errorf("status: got %d, want %d", status, tt.wantStatus)
			}
			if tt.wantNoHeader && hdr.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("CORS header on a refused hit: %q", hdr.Get("Access-Control-Allow-Origin"))
			}
			if got := all(); got != before {
				t.Errorf("a refused hit was recorded: %d events, want %d", got, before)
			}
		})
	}

	// The image, for browsers without JavaScript: its Referer is the page.
	status, hdr, body := w.request("GET", "/beacon/"+site.Key+".gif", http.Header{"User-Agent": {browserUA},
		"Referer": {"https://shop.example/pricing?utm_source=elsewhere"}}, "")
	if status != http.StatusOK || hdr.Get("Content-Type") != "image/gif" || !strings.HasPrefix(body, "GIF89a") {
		t.Errorf("image: got %d %q", status, hdr.Get("Content-Type"))
	}
	if status, _, _ := w.request("GET", "/beacon/"+site.Key+".gif", http.Header{"User-Agent": {browserUA},
		"Referer": {"https://evil.example/"}}, ""); status != http.StatusForbidden {
		t.Errorf("image from another site: got %d, want 403", status)
	}

	// CORS preflight: the registered origin only.
	if status, hdr, _ := w.request("OPTIONS", "/beacon/"+site.Key, http.Header{"Origin": {"https://shop.example"},
		"Access-Control-Request-Method": {"POST"}}, ""); status != http.StatusNoContent ||
		hdr.Get("Access-Control-Allow-Origin") != "https://shop.example" {
		t.Errorf("preflight: got %d %q", status, hdr.Get("Access-Control-Allow-Origin"))
	}
	if status, _, _ := w.request("OPTIONS", "/beacon/"+site.Key, http.Header{"Origin": {"https://evil.example"},
		"Access-Control-Request-Method": {"POST"}}, ""); status != http.StatusForbidden {
		t.Errorf("preflight from another origin: got %d, want 403", status)
	}
}

func quote(s string) string {
	b := strings.Builder{}
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}
