package server_test

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// skipInMatrix are routes the matrix cannot call like the others: streams
// never end (streaming_test.go and thread_test.go cover who may open them).
func skipInMatrix(r route) bool {
	return strings.Contains(r.Path, "/streaming") || strings.HasSuffix(r.Path, "/events")
}

// Every route of the web UI, the APIs and federation, as read from their
// route tables, is called as each principal: nobody gets a server error;
// the anonymous are sent to log in (web) or refused (API) wherever a login
// is required; role-restricted pages refuse everyone below the role; and
// whatever the principals below moderator try on every route, the owner's
// post, community and role are as they were. A second table checks the
// refusals that depend on ownership, blocks and visibility.
func TestSecurityAuthorizationMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server per principal")
	}
	routes := routeTables(t)
	if len(routes) < 150 {
		t.Fatalf("read only %d routes from the route tables; the parser missed them", len(routes))
	}
	sort.SliceStable(routes, func(i, j int) bool {
		// Logging out last, so that every other route is tried logged in.
		return !strings.HasSuffix(routes[i].Path, "/logout") && strings.HasSuffix(routes[j].Path, "/logout")
	})
	for _, p := range principals {
		t.Run(p, func(t *testing.T) {
			w := newWorld(t, p)
			tried := 0
			for _, r := range routes {
				if skipInMatrix(r) {
					continue
				}
				method := r.Method
				if method == "" {
					method = http.MethodGet
				}
				path := w.fill(r.Path)
				status, body, h := w.do(t, method, path, url.Values{"text": {"hacked"}, "description": {"hacked"},
					"status": {"hacked"}, "role": {"admin"}, "display_name": {"hacked"}})
				tried++
				if status >= 500 {
					t.Errorf("%s (%s) as %s: status %d: %.200s", r, path, p, status, body)
					continue
				}
				toLogin := (status == http.StatusSeeOther || status == http.StatusFound) &&
					strings.HasPrefix(h.Get("Location"), "/login")
				isAPI := strings.HasPrefix(r.Path, "/api/")
				switch {
				case p == "anonymous" && (r.Policy == "requireLogin" || r.Policy == "requireRole"):
					if !toLogin {
						t.Errorf("%s as anonymous: status %d, want a redirect to /login", r, status)
					}
				case p == "anonymous" && isAPI && (r.Policy == "user" || r.Policy == "api" || r.Policy == "app"):
					if status != http.StatusUnauthorized {
						t.Errorf("%s as anonymous: status %d, want 401", r, status)
					}
				case r.Policy == "requireRole":
					allowed := p == "admin" || (r.Role == "moderator" && p == "moderator")
					if !allowed && status != http.StatusForbidden {
						t.Errorf("%s (for %ss) as %s: status %d, want 403", r, r.Role, p, status)
					}
					if allowed && (status == http.StatusForbidden || toLogin) {
						t.Errorf("%s (for %ss) as %s: status %d, want it allowed", r, r.Role, p, status)
					}
				case p != "anonymous" && isAPI && r.Policy == "user":
					if status == http.StatusUnauthorized {
						t.Errorf("%s as %s with a valid token: 401", r, p)
					}
				}
			}
			t.Logf("%d routes tried as %s", tried, p)
			// Site moderators and admins moderate: they may remove posts
			// and run communities.
			if p == "admin" || p == "moderator" {
				return
			}
			// Nothing of the owner's changed, whatever was tried.
			ctx := context.Background()
			post, err := w.env.App.DB.Read().PostByID(ctx, w.post.ID)
			if err != nil || post.Text != w.post.Text {
				t.Errorf("as %s: the owner's post became %+v (%v)", p, post, err)
			}
			c, err := w.env.App.DB.Read().CommunityByID(ctx, w.community.ID)
			if err != nil || c.Description != "A club" {
				t.Errorf("as %s: the owner's community became %+v (%v)", p, c, err)
			}
			owner := actorOf(t, w.env, "owner")
			if owner.User.Role != w.owner.User.Role || owner.Account.Suspended() {
				t.Errorf("as %s: the owner's role became %s (suspended %v)", p, owner.User.Role, owner.Account.Suspended())
			}
		})
	}
}

// Ownership, blocks and visibility: what each principal may do to the
// owner's things.
func TestSecurityOwnershipAndVisibility(t *testing.T) {
	for _, p := range []string{"anonymous", "other", "blocked", "member", "moderator"} {
		t.Run(p, func(t *testing.T) {
			w := newWorld(t, p)
			post := strconv.FormatInt(w.post.ID, 10)
			priv := strconv.FormatInt(w.privPost.ID, 10)
			comm := strconv.FormatInt(w.community.ID, 10)
			refused := func(s int) bool { return s == 401 || s == 403 || s == 404 || s == 422 || s == 303 }
			for _, tc := range []struct {
				method, path string
				form         url.Values
				who          []string // principals refused; every one in the loop when nil
			}{
				// Site moderators moderate posts and communities, but never
				// write in someone else's name or read what they may not.
				{"POST", "/posts/" + post + "/edit", url.Values{"text": {"hacked"}}, nil},
				{"POST", "/posts/" + post + "/delete", nil, []string{"anonymous", "other", "blocked", "member"}},
				{"POST", "/posts/" + post + "/pin", nil, nil},
				{"GET", "/posts/" + post + "/edit", nil, nil},
				{"PUT", "/api/v1/statuses/" + post, url.Values{"status": {"hacked"}}, nil},
				{"DELETE", "/api/v1/statuses/" + post, nil, []string{"anonymous", "other", "blocked", "member"}},
				{"GET", "/api/v1/statuses/" + post + "/source", nil, nil},
				{"POST", "/api/v1/statuses/" + post + "/pin", nil, nil},
				{"GET", "/api/v1/statuses/" + priv, nil, nil},
				{"GET", "/api/v1/statuses/" + priv + "/context", nil, nil},
				{"GET", "/@owner/" + priv, nil, nil},
				{"GET", "/c/ownersclub/settings", nil, []string{"anonymous", "other", "blocked", "member"}},
				{"POST", "/c/ownersclub/settings", url.Values{"description": {"hacked"}}, []string{"anonymous", "other", "blocked", "member"}},
				{"GET", "/c/ownersclub/moderation", nil, []string{"anonymous", "other", "blocked", "member"}},
				{"POST", "/c/ownersclub/members/" + strconv.FormatInt(w.owner.Account.ID, 10) + "/ban", nil, []string{"anonymous", "other", "blocked", "member"}},
				{"PATCH", "/api/parvis/v1/communities/" + comm, url.Values{"description": {"hacked"}}, []string{"anonymous", "other", "blocked", "member"}},
				{"GET", "/api/parvis/v1/communities/" + comm + "/bans", nil, []string{"anonymous", "other", "blocked", "member"}},
				{"GET", "/api/parvis/v1/insights/posts/" + post, nil, []string{"anonymous", "other", "blocked", "member"}},
				{"GET", "/insights/posts/" + post, nil, []string{"anonymous", "other", "blocked", "member"}},
				// A blocked person can neither engage with the owner's posts nor follow them.
				{"POST", "/api/v1/statuses/" + post + "/favourite", nil, []string{"anonymous", "blocked"}},
				{"POST", "/api/v1/statuses/" + post + "/reblog", nil, []string{"anonymous", "blocked"}},
				{"POST", "/api/v1/statuses", url.Values{"status": {"a reply"}, "in_reply_to_id": {post}}, []string{"anonymous", "blocked"}},
				{"POST", "/api/v1/accounts/" + strconv.FormatInt(w.owner.Account.ID, 10) + "/follow", nil, []string{"anonymous", "blocked"}},
			} {
				if tc.who != nil && !contains(tc.who, p) {
					continue
				}
				status, body, _ := w.do(t, tc.method, tc.path, tc.form)
				if !refused(status) {
					t.Errorf("%s %s as %s: status %d, want it refused: %.200s", tc.method, tc.path, p, status, body)
				}
			}
			if p == "moderator" {
				return
			}
			// The refusals held: nothing changed.
			ctx := context.Background()
			got, err := w.env.App.DB.Read().PostByID(ctx, w.post.ID)
			if err != nil || got.Text != w.post.Text {
				t.Errorf("as %s: the owner's post became %+v (%v)", p, got, err)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
