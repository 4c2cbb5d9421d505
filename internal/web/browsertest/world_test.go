package browsertest

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"parvis/internal/model"
	"parvis/internal/server/servertest"
	"parvis/internal/social"
)

// world is a running server with an admin, people signed up over HTTP
// (quick), and the browser for whoever the test drives.
type world struct {
	t      *testing.T
	env    *servertest.Env
	chrome *chrome
	admin  *servertest.Browser
	http   map[string]*servertest.Browser
}

const adminPassword = "correct horse battery"

func password(name string) string { return "the password of " + name }

func newWorld(t *testing.T) *world {
	t.Helper()
	env := servertest.New(t, servertest.Options{})
	w := &world{t: t, env: env, http: map[string]*servertest.Browser{}}
	w.chrome = startChrome(t, env)
	w.admin = env.CreateAdmin(t, "admin", adminPassword)
	w.http["admin"] = w.admin
	return w
}

// person signs someone up over HTTP and returns their HTTP client.
func (w *world) person(name string) *servertest.Browser {
	w.t.Helper()
	b := w.env.SignUp(w.t, name, password(name))
	w.http[name] = b
	return b
}

// as opens a browser tab logged in as name.
func (w *world) as(name string) *tab {
	w.t.Helper()
	b := w.chrome.tab(name)
	pw := password(name)
	if name == "admin" {
		pw = adminPassword
	}
	b.logIn(name, pw)
	return b
}

func (w *world) actor(name string) *social.Actor {
	w.t.Helper()
	ctx := context.Background()
	q := w.env.App.DB.Read()
	a, err := q.AccountByUsername(ctx, name, "")
	if err != nil {
		w.t.Fatalf("load %s: %v", name, err)
	}
	u, err := q.UserByAccountID(ctx, a.ID)
	if err != nil {
		w.t.Fatalf("load user %s: %v", name, err)
	}
	return &social.Actor{User: u, Account: a}
}

// publish posts as name through the use case.
func (w *world) publish(name string, in social.PostInput) *model.Post {
	w.t.Helper()
	if in.Visibility == "" {
		in.Visibility = "public"
	}
	p, err := w.env.App.Service.Publish(context.Background(), w.actor(name), in)
	if err != nil {
		w.t.Fatalf("publish as %s: %v", name, err)
	}
	return p
}

// form submits a form over HTTP as name and wants a redirect.
func (w *world) form(name, page, action string, values url.Values) servertest.Response {
	w.t.Helper()
	r := w.http[name].Post(page, action, values)
	if r.Status != http.StatusSeeOther {
		w.t.Fatalf("%s: POST %s: got %d, want 303:\n%s", name, action, r.Status, r.Body)
	}
	return r
}

// community creates an open community owned by name.
func (w *world) community(owner, slug, title string) string {
	w.t.Helper()
	w.form(owner, "/communities/new", "/communities", url.Values{"name": {slug}, "display_name": {title},
		"description": {"A place for " + title}, "membership": {"open"}})
	body := w.http[owner].Get("/c/" + slug).Body
	m := regexp.MustCompile(`name="community" value="(\d+)"`).FindStringSubmatch(body)
	if m == nil {
		w.t.Fatalf("no compose form on the new community's page")
	}
	return m[1]
}

func threadOf(p *model.Post, username string) string {
	return "/@" + username + "/" + model.FormatID(p.ID)
}

// eventually polls cond over HTTP-side state.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func contains(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
