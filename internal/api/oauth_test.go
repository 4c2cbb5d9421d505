package api_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"parvis/internal/server/servertest"
)

// authorizeURL is the authorization request an app sends the browser to.
func (w *world) authorizeURL(redirect, scope, state, challenge string) string {
	q := url.Values{"response_type": {"code"}, "client_id": {w.app.ClientID}, "redirect_uri": {redirect}, "scope": {scope}}
	if state != "" {
		q.Set("state", state)
	}
	if challenge != "" {
		q.Set("code_challenge", challenge)
		q.Set("code_challenge_method", "S256")
	}
	return "/oauth/authorize?" + q.Encode()
}

// consent posts the consent form of authorizePath with decision.
func (w *world) consent(b *servertest.Browser, authorizePath, decision string) servertest.Response {
	w.t.Helper()
	page := b.Get(authorizePath)
	if page.Status != http.StatusOK {
		w.t.Fatalf("consent page %s: got %d %s", authorizePath, page.Status, page.Body)
	}
	u, _ := url.Parse(authorizePath)
	values := u.Query()
	values.Set("decision", decision)
	values.Set("csrf", b.CSRF())
	return b.PostRaw("/oauth/authorize", values)
}

var codeRE = regexp.MustCompile(`<code id="code">([^<]+)</code>`)

// TestAuthorizationCodeThroughConsentPage logs a person in through the web
// login, shows the consent page, and lets go-mastodon redeem the code.
func TestAuthorizationCodeThroughConsentPage(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	ctx := w.ctx
	w.env.CreateAdmin(t, "admin", "correct horse battery")
	b := w.env.SignUp(t, "camille", "un mot de passe long")
	b.Post("/", "/logout", nil)

	// Not logged in: the web login first, and back to the request.
	authz := w.authorizeURL("http://app.example/callback", "read write", "xyz", "")
	r := b.Get(authz)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login?next=") {
		t.Fatalf("authorize while logged out: got %d to %q, want the login page", r.Status, r.Location)
	}
	next, _ := url.QueryUnescape(strings.TrimPrefix(r.Location, "/login?next="))
	r = b.Post("/login", "/login", url.Values{"login": {"camille"}, "password": {"un mot de passe long"}, "next": {next}})
	if r.Status != http.StatusSeeOther || r.Location != next {
		t.Fatalf("login: got %d to %q, want back to %q", r.Status, r.Location, next)
	}
	page := b.Get(next)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Parvis tests") || !strings.Contains(page.Body, "@camille") {
		t.Fatalf("consent page: got %d\n%s", page.Status, page.Body)
	}
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' http://app.example") {
		t.Errorf("consent page CSP: got %q, want the redirect URI's origin in form-action", csp)
	}

	// Approving redirects to the app with the code and the state.
	r = w.consent(b, authz, "approve")
	loc, err := url.Parse(r.Location)
	if r.Status != http.StatusFound || err != nil || loc.Host != "app.example" || loc.Query().Get("state") != "xyz" || loc.Query().Get("code") == "" {
		t.Fatalf("approve: got %d to %q", r.Status, r.Location)
	}
	c := w.client("")
	if err := c.GetUserAccessToken(ctx, loc.Query().Get("code"), "http://app.example/callback"); err != nil {
		t.Fatalf("redeem code: %v", err)
	}
	me, err := c.GetAccountCurrentUser(ctx)
	if err != nil || me.Username != "camille" {
		t.Fatalf("verify_credentials with the new token: got %v, %v", me, err)
	}
	if err := c.GetUserAccessToken(ctx, loc.Query().Get("code"), "http://app.example/callback"); err == nil {
		t.Errorf("a code was redeemed twice")
	}

	// Out of band: the code is shown for the person to copy.
	r = w.consent(b, w.authorizeURL("urn:ietf:wg:oauth:2.0:oob", "read", "", ""), "approve")
	m := codeRE.FindStringSubmatch(r.Body)
	if r.Status != http.StatusOK || m == nil {
		t.Fatalf("out-of-band consent: got %d\n%s", r.Status, r.Body)
	}
	oob := w.client("")
	if err := oob.GetUserAccessToken(ctx, m[1], "urn:ietf:wg:oauth:2.0:oob"); err != nil {
		t.Fatalf("redeem shown code: %v", err)
	}
	if _, err := oob.PostStatus(ctx, &mastodon.Toot{Status: "read-only token"}); err == nil || !strings.Contains(err.Error(), "outside the authorized scopes") {
		t.Errorf("posting with a read token: got %v, want 403 outside the authorized scopes", err)
	}

	// Denying sends the app access_denied.
	r = w.consent(b, w.authorizeURL("http://app.example/callback", "read", "s2", ""), "deny")
	if loc, _ := url.Parse(r.Location); r.Status != http.StatusFound || loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "s2" {
		t.Errorf("deny: got %d to %q", r.Status, r.Location)
	}
	// A forged form (no CSRF token) is refused.
	u, _ := url.Parse(authz)
	forged := u.Query()
	forged.Set("decision", "approve")
	if r := b.PostRaw("/oauth/authorize", forged); r.Status != http.StatusForbidden || strings.Contains(r.Location, "code=") {
		t.Errorf("consent without CSRF token: got %d to %q, want 403", r.Status, r.Location)
	}
}

// TestAuthorizationRequests covers PKCE and the requests that must be
// refused, on the page or back at the app.
func TestAuthorizationRequests(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	w.env.CreateAdmin(t, "admin", "correct horse battery")
	b := w.env.SignUp(t, "dominique", "un mot de passe long")

	verifier := strings.Repeat("v3rifier-", 6)
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	redeem := func(code, v string) response {
		return w.call("POST", "/oauth/token", "", url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"client_id": {w.app.ClientID}, "client_secret": {w.app.ClientSecret},
			"redirect_uri": {"http://app.example/callback"}, "code_verifier": {v}}, "")
	}
	codeFor := func() string {
		r := w.consent(b, w.authorizeURL("http://app.example/callback", "read", "", challenge), "approve")
		loc, _ := url.Parse(r.Location)
		return loc.Query().Get("code")
	}
	if r := redeem(codeFor(), strings.Repeat("wrong-verifier", 4)); r.status != http.StatusBadRequest || r.errorText(t) != "invalid_grant" {
		t.Errorf("wrong PKCE verifier: got %d %s, want 400 invalid_grant", r.status, r.body)
	}
	if r := redeem(codeFor(), verifier); r.status != http.StatusOK {
		t.Errorf("right PKCE verifier: got %d %s", r.status, r.body)
	}

	pages := []struct {
		name   string
		query  url.Values
		status int
		text   string
	}{
		{"unknown client", url.Values{"client_id": {"nope"}, "response_type": {"code"}}, 400, "unknown application"},
		{"unregistered redirect", url.Values{"client_id": {w.app.ClientID}, "response_type": {"code"},
			"redirect_uri": {"https://evil.example/"}}, 400, "redirect URI"},
	}
	for _, tc := range pages {
		r := b.Get("/oauth/authorize?" + tc.query.Encode())
		if r.Status != tc.status || !strings.Contains(r.Body, tc.text) || r.Location != "" {
			t.Errorf("%s: got %d to %q, want %d page saying %q", tc.name, r.Status, r.Location, tc.status, tc.text)
		}
	}
	redirects := []struct {
		name  string
		query url.Values
		error string
	}{
		{"scope the app did not register", url.Values{"scope": {"admin:read"}}, "invalid_scope"},
		{"unknown scope", url.Values{"scope": {"read everything"}}, "invalid_scope"},
		{"implicit grant", url.Values{"response_type": {"token"}}, "unsupported_response_type"},
		{"plain PKCE", url.Values{"code_challenge": {challenge}, "code_challenge_method": {"plain"}}, "invalid_request"},
	}
	for _, tc := range redirects {
		q := url.Values{"client_id": {w.app.ClientID}, "response_type": {"code"}, "redirect_uri": {"http://app.example/callback"},
			"state": {"s"}}
		for k, v := range tc.query {
			q[k] = v
		}
		r := b.Get("/oauth/authorize?" + q.Encode())
		loc, _ := url.Parse(r.Location)
		if r.Status != http.StatusFound || loc.Host != "app.example" || loc.Query().Get("error") != tc.error || loc.Query().Get("state") != "s" {
			t.Errorf("%s: got %d to %q, want a redirect with error=%s", tc.name, r.Status, r.Location, tc.error)
		}
	}

	tokens := []struct {
		name   string
		form   url.Values
		status int
		error  string
	}{
		{"wrong secret", url.Values{"grant_type": {"client_credentials"}, "client_secret": {"nope"}}, 401, "invalid_client"},
		{"unknown grant", url.Values{"grant_type": {"refresh_token"}}, 400, "unsupported_grant_type"},
		{"wrong password", url.Values{"grant_type": {"password"}, "username": {"dominique"}, "password": {"wrong password"}}, 400, "invalid_grant"},
		{"unknown code", url.Values{"grant_type": {"authorization_code"}, "code": {"nope"}, "redirect_uri": {"http://app.example/callback"}}, 400, "invalid_grant"},
		{"scope beyond the app", url.Values{"grant_type": {"client_credentials"}, "scope": {"admin:write"}}, 400, "invalid_scope"},
	}
	for _, tc := range tokens {
		f := url.Values{"client_id": {w.app.ClientID}, "client_secret": {w.app.ClientSecret}}
		for k, v := range tc.form {
			f[k] = v
		}
		if r := w.call("POST", "/oauth/token", "", f, ""); r.status != tc.status || r.errorText(t) != tc.error {
			t.Errorf("token, %s: got %d %s, want %d %s", tc.name, r.status, r.body, tc.status, tc.error)
		}
	}
}

// TestTokensAndScopes checks the password grant by username or e-mail,
// app tokens, JSON bodies, revocation, scopes and idle expiry.
func TestTokensAndScopes(t *testing.T) {
	clock := &stepClock{now: time.Now().UTC()}
	w := newWorld(t, servertest.Options{Clock: clock})
	ada := w.person("ada")

	byEmail := w.call("POST", "/oauth/token", "", `{"grant_type":"password","client_id":"`+w.app.ClientID+
		`","client_secret":"`+w.app.ClientSecret+`","username":"ADA@example.org","password":"`+password("ada")+`","scope":"read"}`,
		"application/json")
	var tok struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
		TokenType   string `json:"token_type"`
	}
	byEmail.json(t, &tok)
	if byEmail.status != http.StatusOK || tok.Scope != "read" || tok.TokenType != "Bearer" {
		t.Fatalf("password grant by e-mail, JSON body: got %d %s", byEmail.status, byEmail.body)
	}

	app := w.client("")
	if err := app.GetAppAccessToken(w.ctx, "urn:ietf:wg:oauth:2.0:oob"); err != nil {
		t.Fatalf("client credentials: %v", err)
	}
	if v, err := app.VerifyAppCredentials(w.ctx); err != nil || v.Name != "Parvis tests" {
		t.Errorf("apps/verify_credentials: got %+v, %v", v, err)
	}
	if r := w.call("GET", "/api/v1/timelines/home", app.Config.AccessToken, nil, ""); r.status != http.StatusUnprocessableEntity {
		t.Errorf("home with an app token: got %d %s, want 422", r.status, r.body)
	}

	scoped := []struct {
		scopes, method, path string
		status               int
	}{
		{"read:statuses", "GET", "/api/v1/timelines/home", 200},
		{"read:statuses", "GET", "/api/v1/notifications", 403},
		{"read:statuses", "POST", "/api/v1/statuses", 403},
		{"profile", "GET", "/api/v1/accounts/verify_credentials", 200},
		{"profile", "GET", "/api/v1/timelines/home", 403},
		{"follow", "GET", "/api/v1/blocks", 200},
		{"follow", "GET", "/api/v1/bookmarks", 403},
		{"write:media", "GET", "/api/v1/statuses/1", 403},
		{"read", "GET", "/api/v1/favourites", 200},
	}
	for _, tc := range scoped {
		tok := w.token("ada", tc.scopes)
		if r := w.call(tc.method, tc.path, tok, nil, ""); r.status != tc.status {
			t.Errorf("%s %s with %q: got %d %s, want %d", tc.method, tc.path, tc.scopes, r.status, r.body, tc.status)
		} else if r.status == 403 && r.errorText(t) != "This action is outside the authorized scopes" {
			t.Errorf("%s %s with %q: got error %q", tc.method, tc.path, tc.scopes, r.errorText(t))
		}
	}

	for _, bad := range []string{"", "not-a-token", ada.token + "x"} {
		r := w.call("GET", "/api/v1/accounts/verify_credentials", bad, nil, "")
		if r.status != http.StatusUnauthorized || r.errorText(t) != "The access token is invalid" {
			t.Errorf("token %q: got %d %s, want 401", bad, r.status, r.body)
		}
	}
	// A revoked token stops working; revoking needs the app's secret.
	revoke := func(secret string) response {
		return w.call("POST", "/oauth/revoke", "", url.Values{"client_id": {w.app.ClientID}, "client_secret": {secret},
			"token": {tok.AccessToken}}, "")
	}
	if r := revoke("wrong"); r.status != http.StatusForbidden {
		t.Errorf("revoke with a wrong secret: got %d %s, want 403", r.status, r.body)
	}
	if r := revoke(w.app.ClientSecret); r.status != http.StatusOK {
		t.Errorf("revoke: got %d %s", r.status, r.body)
	}
	if r := w.call("GET", "/api/v1/accounts/verify_credentials", tok.AccessToken, nil, ""); r.status != http.StatusUnauthorized {
		t.Errorf("revoked token: got %d, want 401", r.status)
	}
	// A token left unused for over a year expires; one in use does not.
	clock.advance(200 * 24 * time.Hour)
	if r := w.call("GET", "/api/v1/apps/verify_credentials", app.Config.AccessToken, nil, ""); r.status != http.StatusOK {
		t.Errorf("token used after 200 days: got %d", r.status)
	}
	// Using a token records the person's activity, which keeps their
	// home feed fed (people away for weeks get theirs rebuilt).
	if r := w.call("GET", "/api/v1/timelines/home", w.token("ada", "read"), nil, ""); r.status != http.StatusOK {
		t.Fatalf("home after 200 days: got %d %s", r.status, r.body)
	}
	acc, err := w.svc.DB().Read().AccountByUsername(w.ctx, "ada", "")
	if err != nil {
		t.Fatal(err)
	}
	u, err := w.svc.DB().Read().UserByAccountID(w.ctx, acc.ID)
	if err != nil || !u.LastActiveAt.Equal(clock.Now().Truncate(time.Millisecond)) {
		t.Errorf("last activity after an API request: got %v (%v), want %v", u.LastActiveAt, err, clock.Now())
	}
	clock.advance(200 * 24 * time.Hour)
	if r := w.call("GET", "/api/v1/apps/verify_credentials", app.Config.AccessToken, nil, ""); r.status != http.StatusOK {
		t.Errorf("token used every 200 days: got %d, want 200", r.status)
	}
	if r := w.call("GET", "/api/v1/accounts/verify_credentials", ada.token, nil, ""); r.status != http.StatusUnauthorized ||
		r.errorText(t) != "The access token is invalid" {
		t.Errorf("token unused for 400 days: got %d %s, want 401", r.status, r.body)
	}
}

// stepClock is a clock tests move forward.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
