// Package servertest runs the whole application in-process on a loopback
// listener, on a fresh test database, with the job workers running: what a
// test of a page or an API endpoint needs. Browser-like clients keep cookies
// and fill CSRF tokens in as a browser submitting the page's form would.
package servertest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"parvis/internal/mail"
	"parvis/internal/mail/mailtest"
	"parvis/internal/model"
	"parvis/internal/server"
	"parvis/internal/store"
	"parvis/internal/store/storetest"
)

// Options tune the environment.
type Options struct {
	Clock model.Clock // nil: the system clock
	// Mail starts an in-process SMTP server and points the app at it.
	Mail bool
}

// Env is a running application.
type Env struct {
	App  *server.App
	URL  string // http://127.0.0.1:port
	Mail *mailtest.Server
}

// New starts the application; everything stops when the test ends.
func New(tb testing.TB, opt Options) *Env {
	tb.Helper()
	db := storetest.NewWith(tb, storetest.Options{Clock: opt.Clock})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen: %v", err)
	}
	env := &Env{}
	cfg := server.AppConfig{Domain: ln.Addr().String(), Scheme: "http", JobPoll: 20 * time.Millisecond,
		MediaDir: tb.TempDir(), Logger: testLogger(tb)}
	if opt.Mail {
		env.Mail = mailtest.Start(tb)
		host, port := env.Mail.Addr()
		cfg.Mail = mail.Config{Host: host, Port: port, From: "parvis@test.invalid", TLS: "none"}
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := migrateJobs(ctx, db); err != nil {
		tb.Fatalf("migrate jobs: %v", err)
	}
	app, err := server.NewApp(ctx, db, cfg)
	if err != nil {
		tb.Fatalf("wire app: %v", err)
	}
	if err := app.Start(ctx); err != nil {
		tb.Fatalf("start jobs: %v", err)
	}
	srv := httptest.NewUnstartedServer(app.Server.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	tb.Cleanup(func() {
		srv.Close()
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		_ = app.Queue.Stop(sctx)
		cancel()
	})
	env.App, env.URL = app, srv.URL
	return env
}

// Browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests see each response as it is.
type Browser struct {
	tb   testing.TB
	env  *Env
	HTTP *http.Client
	// Last is the body of the last page fetched with Get.
	Last string
}

// Browser returns a new visitor with empty cookies.
func (e *Env) Browser(tb testing.TB) *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{tb: tb, env: e, HTTP: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Response is a fetched page.
type Response struct {
	Status   int
	Location string
	Body     string
	Header   http.Header
}

// Get fetches a page.
func (b *Browser) Get(path string) Response {
	b.tb.Helper()
	req, err := http.NewRequest(http.MethodGet, b.env.URL+path, nil)
	if err != nil {
		b.tb.Fatal(err)
	}
	req.Header.Set("Accept-Language", "en")
	r := b.do(req)
	b.Last = r.Body
	return r
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// CSRF returns the token of the last page's forms.
func (b *Browser) CSRF() string {
	m := csrfRE.FindStringSubmatch(b.Last)
	if m == nil {
		b.tb.Fatalf("no CSRF token in the last page")
	}
	return m[1]
}

// Post submits a form from page formPage (fetched first, for its CSRF
// token) to action.
func (b *Browser) Post(formPage, action string, values url.Values) Response {
	b.tb.Helper()
	b.Get(formPage)
	if values == nil {
		values = url.Values{}
	}
	if values.Get("csrf") == "" {
		values.Set("csrf", b.CSRF())
	}
	return b.PostRaw(action, values)
}

// PostRaw submits values to action as they are (no token added).
func (b *Browser) PostRaw(action string, values url.Values) Response {
	b.tb.Helper()
	req, err := http.NewRequest(http.MethodPost, b.env.URL+action, strings.NewReader(values.Encode()))
	if err != nil {
		b.tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "en")
	return b.do(req)
}

// Do sends any request with the browser's cookies.
func (b *Browser) Do(req *http.Request) Response {
	b.tb.Helper()
	return b.do(req)
}

func (b *Browser) do(req *http.Request) Response {
	b.tb.Helper()
	resp, err := b.HTTP.Do(req)
	if err != nil {
		b.tb.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(body), Header: resp.Header}
}

// Cookie returns the value of a cookie the browser holds for the server.
func (b *Browser) Cookie(name string) string {
	u, _ := url.Parse(b.env.URL)
	for _, c := range b.HTTP.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// CreateAdmin runs the first-run page and returns a browser logged in as
// the admin.
func (e *Env) CreateAdmin(tb testing.TB, username, password string) *Browser {
	tb.Helper()
	b := e.Browser(tb)
	r := b.Post("/setup", "/setup", url.Values{"username": {username}, "password": {password},
		"password_confirm": {password}, "registrations": {"open"}, "email": {username + "@example.org"}})
	if r.Status != http.StatusSeeOther {
		tb.Fatalf("create admin: got status %d, want 303; body: %s", r.Status, r.Body)
	}
	return b
}

// SignUp signs a person up through the form and returns their browser.
func (e *Env) SignUp(tb testing.TB, username, password string) *Browser {
	tb.Helper()
	b := e.Browser(tb)
	r := b.Post("/signup", "/signup", url.Values{"username": {username}, "password": {password},
		"password_confirm": {password}, "email": {username + "@example.org"}})
	if r.Status != http.StatusSeeOther {
		tb.Fatalf("sign up %s: got status %d, want 303; body: %s", username, r.Status, r.Body)
	}
	return b
}

// AddFollowers gives the account targetID n new followers (accounts made
// for it, with no user), counted in its followers_count: an audience too
// large for a post's fan-out to be written with the post.
func AddFollowers(tb testing.TB, db *store.DB, targetID int64, n int) {
	tb.Helper()
	ctx := context.Background()
	err := db.Tx(ctx, func(tx *store.Tx) error {
		for i := range n {
			f := &model.Account{Username: fmt.Sprintf("follower%d_%d", targetID, i)}
			if err := tx.CreateAccount(ctx, f); err != nil {
				return err
			}
			if _, err := tx.InsertFollow(ctx, store.Follow{AccountID: f.ID, TargetID: targetID, CreatedAt: db.Now()}); err != nil {
				return err
			}
		}
		return tx.AddAccountCounter(ctx, targetID, "followers_count", n)
	})
	if err != nil {
		tb.Fatalf("add followers: %v", err)
	}
}
