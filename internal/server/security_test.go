package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"parvis/internal/server/servertest"
	"parvis/internal/social"
)

// Every state-changing route of the web UI (read from its route table)
// refuses a form without the session's CSRF token, with a wrong one, and a
// cross-site request even with the right token.
func TestSecurityCSRF(t *testing.T) {
	w := newWorld(t, "member")
	var forms []route
	for _, r := range routeTables(t) {
		if (r.File == "routes.go" || r.File == "insights_page.go") && r.Method == http.MethodPost &&
			!strings.HasPrefix(r.Path, "/api/") && !strings.HasPrefix(r.Path, "/oauth/") {
			forms = append(forms, r)
		}
	}
	if len(forms) < 40 {
		t.Fatalf("found only %d web forms", len(forms))
	}
	for _, r := range forms {
		path := w.fill(r.Path)
		for _, tc := range []struct {
			name  string
			token string
			site  string
		}{
			{"no token", "", ""},
			{"wrong token", strings.Repeat("A", 43), ""},
			{"cross-site with the token", w.csrf, "cross-site"},
		} {
			form := url.Values{"text": {"forged"}, "description": {"forged"}}
			if tc.token != "" {
				form.Set("csrf", tc.token)
			}
			req, _ := http.NewRequest(http.MethodPost, w.env.URL+path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.site != "" {
				req.Header.Set("Sec-Fetch-Site", tc.site)
				req.Header.Set("Origin", "https://evil.example")
			}
			resp := w.browser.Do(req)
			if resp.Status != http.StatusForbidden {
				t.Errorf("%s (%s), %s: status %d, want 403", r, path, tc.name, resp.Status)
			}
		}
	}
	// The forged requests changed nothing.
	got, err := w.env.App.DB.Read().PostByID(context.Background(), w.post.ID)
	if err != nil || got.Text != w.post.Text {
		t.Errorf("the owner's post became %+v (%v)", got, err)
	}
	t.Logf("%d forms checked", len(forms))
}

// xssPayloads are written in every text field; none may come out live.
var xssPayloads = []string{
	`<script>alert(1)</script>`,
	`<img src=x onerror=alert(1)>`,
	`"><svg onload=alert(1)>`,
	`'><iframe src=//evil.example></iframe>`,
	`<a href="javascript:alert(1)">click</a>`,
	`javascript:alert(1)`,
	`</textarea><script>alert(1)</script>`,
	`<style>*{background:url(//evil.example)}</style>`,
	`<body onload=alert(1)>`,
	`{{template "x"}}<math><mi xlink:href="javascript:alert(1)">`,
	`<IMG SRC=JaVaScRiPt:alert(1)>`,
	`<details open ontoggle=alert(1)>`,
}

// live finds what would run in a browser: a tag or attribute from a
// payload that was not escaped, or a javascript: URL in a link.
var live = regexp.MustCompile(`(?i)<(script>alert|img src=x|img src=javascript|svg|iframe|style>\*|body onload|math|details open)|href="\s*javascript:|src="\s*javascript:`)

// The payloads in posts, content warnings, display names, bios, community
// names and descriptions, and search queries come out inert on every page
// that shows them and in the API's HTML fields.
func TestSecurityXSS(t *testing.T) {
	env := servertest.New(t, servertest.Options{})
	env.CreateAdmin(t, "admin", securityPassword)
	b := env.SignUp(t, "writer", securityPassword)
	svc, ctx := env.App.Service, context.Background()
	for i, p := range xssPayloads {
		if r := b.Post("/settings", "/settings/profile", url.Values{"display_name": {p}, "note": {p + "\n\n" + p}}); r.Status != http.StatusSeeOther {
			t.Fatalf("profile with %q: %d", p, r.Status)
		}
		if r := b.Post("/compose", "/compose", url.Values{"text": {p + " #tag" + strconv.Itoa(i)}, "spoiler_text": {p},
			"visibility": {"public"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("post %q: %d: %.300s", p, r.Status, r.Body)
		}
		writer := actorOf(t, env, "writer")
		c, err := svc.CreateCommunity(ctx, writer, social.CommunityInput{Name: "club" + strconv.Itoa(i), DisplayName: p,
			Description: p, Membership: "open", Rules: []string{p}})
		if err != nil {
			t.Fatalf("community with %q: %v", p, err)
		}
		post, err := svc.Publish(ctx, writer, social.PostInput{Text: p, Visibility: "public", CommunityID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		tokens, err := svc.IssueTokens(ctx, "xss", []int64{writer.User.ID}, "read")
		if err != nil {
			t.Fatal(err)
		}
		anon := env.Browser(t)
		pages := []string{"/@writer", "/@writer/" + strconv.FormatInt(post.ID, 10), "/public/local", "/tags/tag" + strconv.Itoa(i),
			"/c/club" + strconv.Itoa(i), "/communities", "/search?q=" + url.QueryEscape(p), "/login?next=" + url.QueryEscape(p)}
		for _, page := range pages {
			for _, br := range []*servertest.Browser{anon, b} {
				r := br.Get(page)
				if r.Status >= 500 {
					t.Errorf("%s with payload %q: status %d", page, p, r.Status)
				}
				if m := live.FindString(r.Body); m != "" {
					t.Errorf("%s shows payload %q live: %q", page, p, m)
				}
			}
		}
		for _, api := range []string{"/api/v1/timelines/public?local=true", "/api/v1/accounts/verify_credentials",
			"/api/v1/statuses/" + strconv.FormatInt(post.ID, 10), "/api/parvis/v1/communities/" + strconv.FormatInt(c.ID, 10)} {
			req, _ := http.NewRequest(http.MethodGet, env.URL+api, nil)
			req.Header.Set("Authorization", "Bearer "+tokens[0])
			r := anon.Do(req)
			if r.Status != http.StatusOK {
				t.Errorf("%s: %d", api, r.Status)
				continue
			}
			for _, html := range htmlFields(t, r.Body) {
				if m := live.FindString(html); m != "" {
					t.Errorf("%s: an HTML field shows payload %q live: %q in %q", api, p, m, html)
				}
			}
		}
	}
}

// htmlFields returns the API's HTML fields anywhere in a JSON document:
// statuses' content and accounts' note. Display names, a community's
// description and an account's source (the text being edited) are plain
// text, which clients show as text.
func htmlFields(t *testing.T, body string) []string {
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("not JSON: %.200s", body)
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && (k == "content" || k == "note") {
					out = append(out, s)
				}
				if k != "source" {
					walk(x)
				}
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}

// Links in posts make the server fetch previews, and a search can ask it
// to resolve a URL: neither reaches this machine's own services, whatever
// the spelling of the address (internal/outbound's tests cover private,
// link-local and IPv6-mapped ranges and DNS rebinding with a fake resolver,
// which no test may reach for real).
func TestSecuritySSRF(t *testing.T) {
	var hits atomic.Int64
	victim := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, `<html><head><meta property="og:title" content="internal"></head></html>`)
	}))
	defer victim.Close()
	_, port, _ := net.SplitHostPort(victim.Listener.Addr().String())
	victim6 := httptest.NewUnstartedServer(victim.Config.Handler)
	if ln, err := net.Listen("tcp", "[::1]:"+port); err == nil {
		victim6.Listener = ln
		victim6.Start()
		defer victim6.Close()
	}
	env := servertest.New(t, servertest.Options{})
	env.CreateAdmin(t, "admin", securityPassword)
	env.SignUp(t, "poster", securityPassword)
	poster := actorOf(t, env, "poster")
	tokens, err := env.App.Service.IssueTokens(context.Background(), "ssrf", []int64{poster.User.ID}, "read write")
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{
		"http://127.0.0.1:" + port + "/a", "https://127.0.0.1:" + port + "/b", "http://localhost:" + port + "/c",
		"http://[::1]:" + port + "/d", "http://[::ffff:127.0.0.1]:" + port + "/e", "http://127.1:" + port + "/f",
		"http://2130706433:" + port + "/g", "http://0x7f000001:" + port + "/h", "http://0177.0.0.1:" + port + "/i",
		"http://127.0.0.1.nip.invalid:" + port + "/j",
	} {
		t.Run(target, func(t *testing.T) {
			if _, err := env.App.Service.Publish(context.Background(), poster, social.PostInput{
				Text: "look " + target, Visibility: "public"}); err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest(http.MethodGet, env.URL+"/api/v2/search?resolve=true&q="+url.QueryEscape(target), nil)
			req.Header.Set("Authorization", "Bearer "+tokens[0])
			if r := env.Browser(t).Do(req); r.Status >= 500 {
				t.Errorf("search %s: %d", target, r.Status)
			}
		})
	}
	// Give the preview jobs time to run (and fail).
	time.Sleep(3 * time.Second)
	if n := hits.Load(); n != 0 {
		t.Fatalf("the server fetched a loopback address %d times", n)
	}
}

// Oversized bodies are refused before they are read, and deeply nested
// JSON is refused, on every surface that reads a body, without a server
// error.
func TestSecurityBodies(t *testing.T) {
	env := servertest.New(t, servertest.Options{})
	env.CreateAdmin(t, "admin", securityPassword)
	env.SignUp(t, "sender", securityPassword)
	sender := actorOf(t, env, "sender")
	tokens, err := env.App.Service.IssueTokens(context.Background(), "bodies", []int64{sender.User.ID}, "read write")
	if err != nil {
		t.Fatal(err)
	}
	nested := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	nestedObj := `{"status":` + strings.Repeat(`{"a":`, 50000) + "1" + strings.Repeat("}", 50000) + "}"
	big := `{"status":"` + strings.Repeat("a", 2<<20) + `"}`
	huge := strings.Repeat("a", 45<<20)
	for _, tc := range []struct {
		name, method, path, ctype, body string
		auth                            bool
		want                            []int
	}{
		{"2 MiB status JSON", "POST", "/api/v1/statuses", "application/json", big, true, []int{413}},
		{"2 MiB form", "POST", "/api/v1/statuses", "application/x-www-form-urlencoded", "status=" + big, true, []int{413}},
		{"45 MiB upload", "POST", "/api/v1/media", "multipart/form-data; boundary=x", huge, true, []int{413}},
		{"nested arrays as a status", "POST", "/api/v1/statuses", "application/json", nested, true, []int{400, 422}},
		{"nested objects as a status", "POST", "/api/v1/statuses", "application/json", nestedObj, true, []int{400, 422}},
		{"nested arrays to the inbox", "POST", "/inbox", "application/activity+json", nested, false, []int{400, 401, 403}},
		{"nested objects to the inbox", "POST", "/inbox", "application/activity+json", nestedObj, false, []int{400, 401, 403}},
		{"2 MiB to the inbox", "POST", "/inbox", "application/activity+json", big, false, []int{413}},
		{"nested beacon", "POST", "/beacon/AAAAAAAAAAAAAAAA", "text/plain", nested, false, []int{400, 404}},
		{"nested app registration", "POST", "/api/v1/apps", "application/json", nested, false, []int{400, 422}},
		{"2 MiB login form", "POST", "/login", "application/x-www-form-urlencoded", "login=" + big, false, []int{413}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, env.URL+tc.path, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.ctype)
			if tc.auth {
				req.Header.Set("Authorization", "Bearer "+tokens[0])
			}
			start := time.Now()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				// A server may close the connection on an oversized body
				// once it has answered; the answer is what matters.
				t.Fatalf("%v", err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			ok := false
			for _, s := range tc.want {
				ok = ok || resp.StatusCode == s
			}
			if !ok {
				t.Errorf("status %d, want one of %v", resp.StatusCode, tc.want)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}

// Guessing a password is slowed on every door: the web login and OAuth's
// password grant stop answering once an account (from any address) or an
// address (for any account) has failed too often, even for the right
// password.
func TestSecurityBruteForce(t *testing.T) {
	for _, door := range []string{"web", "oauth"} {
		t.Run(door, func(t *testing.T) {
			env := servertest.New(t, servertest.Options{})
			env.CreateAdmin(t, "admin", securityPassword)
			env.SignUp(t, "target", securityPassword)
			app, secret, err := env.App.Service.RegisterApp(context.Background(), social.AppInput{Name: "guesser",
				RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"}, Scopes: "read", IP: "127.0.0.1"})
			if err != nil {
				t.Fatal(err)
			}
			try := func(password string) int {
				if door == "web" {
					b := env.Browser(t)
					return b.Post("/login", "/login", url.Values{"login": {"target"}, "password": {password}}).Status
				}
				resp, err := http.PostForm(env.URL+"/oauth/token", url.Values{"grant_type": {"password"},
					"client_id": {app.ClientID}, "client_secret": {secret}, "username": {"target"}, "password": {password}})
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			limited := -1
			for i := 0; i < 40; i++ {
				if s := try(fmt.Sprintf("wrong guess %d", i)); s == http.StatusTooManyRequests {
					limited = i
					break
				}
			}
			if limited < 0 || limited > 31 {
				t.Fatalf("40 wrong guesses were never slowed (first 429 at %d)", limited)
			}
			if s := try(securityPassword); s != http.StatusTooManyRequests {
				t.Fatalf("the right password after the limit: %d, want 429", s)
			}
		})
	}
}

// Tokens act within their scopes only; an app's own token cannot act for a
// person; a revoked token is refused.
func TestSecurityTokenScopes(t *testing.T) {
	env := servertest.New(t, servertest.Options{})
	env.CreateAdmin(t, "admin", securityPassword)
	env.SignUp(t, "scoped", securityPassword)
	u := actorOf(t, env, "scoped")
	ctx := context.Background()
	post, err := env.App.Service.Publish(ctx, u, social.PostInput{Text: "hello", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(post.ID, 10)
	tokenFor := func(scopes string) string {
		tk, err := env.App.Service.IssueTokens(ctx, "scopes", []int64{u.User.ID}, scopes)
		if err != nil {
			t.Fatal(err)
		}
		return tk[0]
	}
	app, secret, err := env.App.Service.RegisterApp(ctx, social.AppInput{Name: "app only",
		RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"}, Scopes: "read write", IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	appTok, err := env.App.Service.IssueToken(ctx, social.TokenInput{GrantType: "client_credentials", ClientID: app.ClientID,
		ClientSecret: secret, Scope: "read write"})
	if err != nil {
		t.Fatal(err)
	}
	revoked := tokenFor("read write")
	if _, err := env.App.DB.SQL().Exec("UPDATE oauth_tokens SET revoked_at = 1 WHERE revoked_at = 0 AND scopes = 'read write' AND user_id = $1", u.User.ID); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		token, method, path string
		form                url.Values
		want                int
	}{
		{tokenFor("read"), "POST", "/api/v1/statuses", url.Values{"status": {"x"}}, 403},
		{tokenFor("read"), "POST", "/api/v1/statuses/" + id + "/favourite", nil, 403},
		{tokenFor("read"), "DELETE", "/api/v1/statuses/" + id, nil, 403},
		{tokenFor("read"), "PATCH", "/api/v1/accounts/update_credentials", url.Values{"note": {"x"}}, 403},
		{tokenFor("read"), "GET", "/api/v1/timelines/home", nil, 200},
		{tokenFor("write:statuses"), "GET", "/api/v1/timelines/home", nil, 403},
		{tokenFor("write:statuses"), "POST", "/api/v1/statuses/" + id + "/favourite", nil, 403},
		{tokenFor("write:statuses"), "POST", "/api/v1/statuses", url.Values{"status": {"within scope"}}, 200},
		{tokenFor("read:notifications"), "GET", "/api/v1/timelines/home", nil, 403},
		{tokenFor("read:notifications"), "GET", "/api/v1/notifications", nil, 200},
		{tokenFor("write:favourites"), "POST", "/api/v1/statuses/" + id + "/favourite", nil, 200},
		{tokenFor("write:favourites"), "POST", "/api/v1/accounts/" + strconv.FormatInt(u.Account.ID, 10) + "/follow", nil, 403},
		{tokenFor("read"), "GET", "/api/parvis/v1/insights/settings", nil, 200},
		{tokenFor("read"), "PUT", "/api/parvis/v1/insights/settings", url.Values{"link_tracking": {"false"}}, 403},
		{appTok.AccessToken, "GET", "/api/v1/timelines/home", nil, 422},
		{appTok.AccessToken, "POST", "/api/v1/statuses", url.Values{"status": {"x"}}, 422},
		{appTok.AccessToken, "GET", "/api/v1/timelines/public", nil, 200},
		{revoked, "GET", "/api/v1/timelines/home", nil, 401},
		{"not-a-token", "GET", "/api/v1/timelines/home", nil, 401},
	} {
		var body io.Reader
		if tc.form != nil {
			body = strings.NewReader(tc.form.Encode())
		}
		req, _ := http.NewRequest(tc.method, env.URL+tc.path, body)
		if body != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.Header.Set("Authorization", "Bearer "+tc.token)
		r := env.Browser(t).Do(req)
		if r.Status != tc.want {
			t.Errorf("%s %s: status %d, want %d: %.200s", tc.method, tc.path, r.Status, tc.want, r.Body)
		}
	}
}

// A session cookie planted before login is never the one logged in
// (fixation); a password reset link works once, ends every session and
// revokes every token; a password change ends the other sessions.
func TestSecurityPasswordResetAndSessions(t *testing.T) {
	env := servertest.New(t, servertest.Options{Mail: true})
	env.CreateAdmin(t, "admin", securityPassword)
	env.SignUp(t, "victim", securityPassword)
	victim := actorOf(t, env, "victim")
	ctx := context.Background()
	tokens, err := env.App.Service.IssueTokens(ctx, "attacker's app", []int64{victim.User.ID}, "read")
	if err != nil {
		t.Fatal(err)
	}
	loggedIn := func(b *servertest.Browser) bool { return b.Get("/settings").Status == http.StatusOK }

	// Fixation: a cookie chosen by an attacker is replaced at login.
	planted := strings.Repeat("F", 43)
	b := env.Browser(t)
	u, _ := url.Parse(env.URL)
	b.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "parvis_session", Value: planted, Path: "/"}})
	if r := b.Post("/login", "/login", url.Values{"login": {"victim"}, "password": {securityPassword}}); r.Status != http.StatusSeeOther {
		t.Fatalf("login: %d", r.Status)
	}
	if got := b.Cookie("parvis_session"); got == planted || got == "" {
		t.Fatalf("the session cookie after login is %q, the planted one", got)
	}
	attacker := env.Browser(t)
	attacker.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "parvis_session", Value: planted, Path: "/"}})
	if loggedIn(attacker) {
		t.Fatal("the planted cookie is logged in")
	}
	other := env.Browser(t)
	other.Post("/login", "/login", url.Values{"login": {"victim"}, "password": {securityPassword}})
	if !loggedIn(b) || !loggedIn(other) {
		t.Fatal("two sessions should be logged in")
	}

	// A password change keeps this session and ends the others.
	if r := b.Post("/settings", "/settings/password", url.Values{"current_password": {securityPassword},
		"new_password": {"a brand new passphrase"}, "new_password_confirm": {"a brand new passphrase"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("change password: %d: %.300s", r.Status, r.Body)
	}
	if !loggedIn(b) || loggedIn(other) {
		t.Fatalf("after a password change: this session %v (want true), the other %v (want false)", loggedIn(b), loggedIn(other))
	}

	// A reset: one use, every session and token ended.
	if r := env.Browser(t).Post("/password/forgot", "/password/forgot", url.Values{"email": {"victim@example.org"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("forgot: %d", r.Status)
	}
	select {
	case <-env.Mail.Wait():
	case <-time.After(15 * time.Second):
		t.Fatal("no e-mail")
	}
	msgs := env.Mail.Messages()
	link := regexp.MustCompile(`http://[^/\s]+(/password/reset/[A-Za-z0-9_-]+)`).FindStringSubmatch(msgs[len(msgs)-1].Data)
	if link == nil {
		t.Fatal("no reset link")
	}
	if r := env.Browser(t).Post("/password/reset/"+strings.Repeat("x", 43), "/password/reset/"+strings.Repeat("x", 43),
		url.Values{"password": {"guessed link pass"}, "password_confirm": {"guessed link pass"}}); r.Status != http.StatusBadRequest {
		t.Fatalf("a made-up reset link: %d, want 400", r.Status)
	}
	r := env.Browser(t).Post(link[1], link[1], url.Values{"password": {"reset passphrase!"}, "password_confirm": {"reset passphrase!"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("reset: %d", r.Status)
	}
	if r := env.Browser(t).Post(link[1], link[1], url.Values{"password": {"again and again"}, "password_confirm": {"again and again"}}); r.Status != http.StatusBadRequest {
		t.Fatalf("reusing the reset link: %d, want 400", r.Status)
	}
	if loggedIn(b) {
		t.Fatal("a session survived the reset")
	}
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/api/v1/accounts/verify_credentials", nil)
	req.Header.Set("Authorization", "Bearer "+tokens[0])
	if r := env.Browser(t).Do(req); r.Status != http.StatusUnauthorized {
		t.Fatalf("a token granted before the reset: %d, want 401", r.Status)
	}
	if r := env.Browser(t).Post("/login", "/login", url.Values{"login": {"victim"}, "password": {"reset passphrase!"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("login with the reset password: %d", r.Status)
	}
}
