package server_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"parvis/internal/model"
	"parvis/internal/server/servertest"
	"parvis/internal/social"
)

// route is one entry of a route table, read from the source so that a new
// route is covered by the security tests the day it is added.
type route struct {
	Method, Path string
	Policy       string // requireLogin, requireRole, user, public, app, api, or "" (none)
	Role         string // for requireRole
	Scopes       []string
	File         string
}

func (r route) String() string { return r.Method + " " + r.Path }

// routeTables parses the route registrations (mux.HandleFunc / mux.Handle
// with a constant pattern) of the web, API and federation packages.
func routeTables(t *testing.T) []route {
	t.Helper()
	var out []route
	for _, dir := range []string{"../web", "../api", "../federation"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			out = append(out, routesOf(t, f)...)
		}
	}
	return out
}

func routesOf(t *testing.T, file string) []route {
	fset := token.NewFileSet()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(fset, file, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	// String constants and variables set from literals (v1 := "/api/...").
	consts := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ValueSpec:
			for i, name := range n.Names {
				if i < len(n.Values) {
					if s, ok := constString(n.Values[i], consts); ok {
						consts[name.Name] = s
					}
				}
			}
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				if id, ok := lhs.(*ast.Ident); ok && i < len(n.Rhs) {
					if s, ok := constString(n.Rhs[i], consts); ok {
						consts[id.Name] = s
					}
				}
			}
		}
		return true
	})
	var out []route
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) != 2 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle") {
			return true
		}
		pattern, ok := constString(call.Args[0], consts)
		if !ok {
			return true
		}
		method, path, found := strings.Cut(pattern, " ")
		if !found {
			method, path = "", pattern
		}
		if !strings.HasPrefix(path, "/") {
			return true
		}
		// The web UI's account pages are a table of their own under /@.
		if recv, ok := sel.X.(*ast.Ident); ok && recv.Name == "accounts" && strings.HasPrefix(path, "/{handle}") {
			path = "/@" + strings.TrimPrefix(path, "/")
		}
		r := route{Method: method, Path: path, File: filepath.Base(file)}
		if wrap, ok := call.Args[1].(*ast.CallExpr); ok {
			if ws, ok := wrap.Fun.(*ast.SelectorExpr); ok {
				switch ws.Sel.Name {
				case "requireLogin", "requireRole", "user", "public", "app", "api":
					r.Policy = ws.Sel.Name
				}
				for _, a := range wrap.Args {
					if s, ok := constString(a, consts); ok {
						if r.Policy == "requireRole" && r.Role == "" {
							r.Role = s
						} else {
							r.Scopes = append(r.Scopes, s)
						}
					}
				}
			}
		}
		out = append(out, r)
		return true
	})
	return out
}

func constString(e ast.Expr, consts map[string]string) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		}
	case *ast.Ident:
		s, ok := consts[e.Name]
		return s, ok
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			a, ok1 := constString(e.X, consts)
			b, ok2 := constString(e.Y, consts)
			return a + b, ok1 && ok2
		}
	case *ast.ParenExpr:
		return constString(e.X, consts)
	}
	return "", false
}

// world is a server with an owner who has a public post, a followers-only
// post and a community, and one principal acting on them.
type world struct {
	env        *servertest.Env
	owner      *social.Actor
	ownerName  string
	post       *model.Post // public
	privPost   *model.Post // followers only
	community  *model.Community
	actor      *social.Actor // nil for anonymous
	browser    *servertest.Browser
	token      string
	csrf       string
	principal  string
	actorName  string
	ownerToken string
}

const securityPassword = "correct horse battery staple"

// principals are who the authorization matrix tries every route as.
var principals = []string{"anonymous", "other", "blocked", "member", "moderator", "admin"}

func newWorld(t *testing.T, principal string) *world {
	t.Helper()
	ctx := context.Background()
	env := servertest.New(t, servertest.Options{Mail: true})
	svc := env.App.Service
	w := &world{env: env, principal: principal, ownerName: "owner"}
	adminName := "root_admin"
	if principal == "admin" {
		adminName = "admin_p"
	}
	admin := env.CreateAdmin(t, adminName, securityPassword)
	owner := env.SignUp(t, "owner", securityPassword)
	_ = owner
	w.owner = actorOf(t, env, "owner")
	var err error
	if w.post, err = svc.Publish(ctx, w.owner, social.PostInput{Text: "the owner's public post", Visibility: "public"}); err != nil {
		t.Fatal(err)
	}
	if w.privPost, err = svc.Publish(ctx, w.owner, social.PostInput{Text: "the owner's private post", Visibility: "private"}); err != nil {
		t.Fatal(err)
	}
	if w.community, err = svc.CreateCommunity(ctx, w.owner, social.CommunityInput{Name: "ownersclub", DisplayName: "Owners",
		Description: "A club", Membership: "open"}); err != nil {
		t.Fatal(err)
	}
	tokens, err := svc.IssueTokens(ctx, "security test", []int64{w.owner.User.ID}, "read write follow")
	if err != nil {
		t.Fatal(err)
	}
	w.ownerToken = tokens[0]
	switch principal {
	case "anonymous":
		w.browser = env.Browser(t)
		w.browser.Get("/login")
		w.csrf = w.browser.CSRF()
		return w
	case "admin":
		w.browser, w.actorName = admin, adminName
	default:
		w.actorName = principal + "_p"
		w.browser = env.SignUp(t, w.actorName, securityPassword)
	}
	w.actor = actorOf(t, env, w.actorName)
	switch principal {
	case "blocked":
		if _, err := svc.Block(ctx, w.owner, w.actor.Account.ID); err != nil {
			t.Fatal(err)
		}
	case "member":
		if _, err := svc.Join(ctx, w.actor, w.community.ID); err != nil {
			t.Fatal(err)
		}
	case "moderator":
		if err := svc.SetRole(ctx, social.SystemActor(), w.actorName, model.RoleModerator); err != nil {
			t.Fatal(err)
		}
	}
	w.actor = actorOf(t, env, w.actorName)
	tokens, err = svc.IssueTokens(ctx, "security test", []int64{w.actor.User.ID}, "read write follow")
	if err != nil {
		t.Fatal(err)
	}
	w.token = tokens[0]
	w.browser.Get("/settings")
	w.csrf = w.browser.CSRF()
	return w
}

func actorOf(t *testing.T, env *servertest.Env, username string) *social.Actor {
	t.Helper()
	var uid int64
	err := env.App.DB.SQL().QueryRow(`SELECT u.id FROM users u JOIN accounts a ON a.id = u.account_id
		WHERE a.username = $1 AND a.domain = ''`, username).Scan(&uid)
	if err != nil {
		t.Fatalf("user %s: %v", username, err)
	}
	uw, err := env.App.DB.Read().UserWithAccountByID(context.Background(), uid)
	if err != nil {
		t.Fatal(err)
	}
	return &social.Actor{User: uw.User, Account: uw.Account}
}

var wildcard = regexp.MustCompile(`\{([a-z_]+)(\.\.\.)?\}`)

// fill puts the world's objects into a route's wildcards: the owner's
// post, account and community, and for actions the most harmful one.
func (w *world) fill(path string) string {
	return wildcard.ReplaceAllStringFunc(path, func(m string) string {
		name := wildcard.FindStringSubmatch(m)[1]
		switch name {
		case "handle":
			return "owner"
		case "name":
			return "ownersclub"
		case "id", "status_id":
			switch {
			case strings.HasPrefix(path, "/accounts/"), strings.HasPrefix(path, "/api/v1/accounts/"),
				strings.HasPrefix(path, "/admin/accounts/"), strings.HasPrefix(path, "/admin/users/"),
				strings.HasPrefix(path, "/connections/"), strings.HasPrefix(path, "/api/parvis/v1/insights/accounts/"):
				return strconv.FormatInt(w.owner.Account.ID, 10)
			case strings.HasPrefix(path, "/api/parvis/v1/communities/{id}") && name == "id",
				strings.HasPrefix(path, "/api/parvis/v1/insights/communities/"):
				return strconv.FormatInt(w.community.ID, 10)
			}
			return strconv.FormatInt(w.post.ID, 10)
		case "account_id":
			return strconv.FormatInt(w.owner.Account.ID, 10)
		case "action":
			switch {
			case strings.HasPrefix(path, "/posts/"), strings.Contains(path, "/statuses/"):
				return "delete"
			case strings.HasPrefix(path, "/c/") && strings.Contains(path, "/members/"):
				return "ban"
			case strings.HasPrefix(path, "/c/") && strings.Contains(path, "/posts/"):
				return "remove"
			case strings.HasPrefix(path, "/accounts/"):
				return "block"
			}
			return "accept"
		case "decision", "answer":
			return "approve"
		case "status":
			return "resolved"
		case "version":
			return "2.0"
		case "token", "code", "key":
			return "AAAAAAAAAAAAAAAA"
		case "hashtag", "tag":
			return "test"
		case "table":
			return "posts"
		case "thread":
			return strconv.FormatInt(w.post.ID, 10)
		case "stream":
			return "public"
		}
		return "1"
	})
}

// do sends one request as the world's principal: with the session (and
// its CSRF token) to the web UI, with the bearer token to the APIs.
func (w *world) do(t *testing.T, method, path string, form url.Values) (int, string, http.Header) {
	t.Helper()
	var body io.Reader
	if form == nil {
		form = url.Values{}
	}
	isAPI := strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/oauth/")
	if method != http.MethodGet && method != http.MethodHead && !isAPI {
		form.Set("csrf", w.csrf)
	}
	if method != http.MethodGet && method != http.MethodHead {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, w.env.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if isAPI && w.token != "" {
		req.Header.Set("Authorization", "Bearer "+w.token)
	}
	req.Header.Set("Accept-Language", "en")
	r := w.browser.Do(req)
	return r.Status, r.Body, r.Header
}
