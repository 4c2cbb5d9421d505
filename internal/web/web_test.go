package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"parvis/internal/server/servertest"
)

func TestFirstRunCreatesTheAdminOnce(t *testing.T) {
	env := servertest.New(t, servertest.Options{})
	visitor := env.Browser(t)
	if r := visitor.Get("/"); r.Status != http.StatusSeeOther || r.Location != "/setup" {
		t.Fatalf("fresh server front page: got %d to %q, want 303 to /setup", r.Status, r.Location)
	}
	admin := env.CreateAdmin(t, "admin", "correct horse battery")
	if r := admin.Get("/admin"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Sign-ups") {
		t.Fatalf("admin page after first run: got %d", r.Status)
	}
	// Once an admin exists, the first-run page is gone for everyone.
	other := env.Browser(t)
	if r := other.Get("/setup"); r.Status != http.StatusSeeOther {
		t.Fatalf("setup page after first run: got %d, want a redirect", r.Status)
	}
	other.Get("/login")
	r := other.PostRaw("/setup", url.Values{"csrf": {other.CSRF()}, "username": {"mallory"}, "password": {"12345678910"},
		"password_confirm": {"12345678910"}, "registrations": {"open"}})
	if r.Status != http.StatusConflict {
		t.Fatalf("second admin through /setup: got %d, want 409", r.Status)
	}
	if r := other.Get("/@mallory"); r.Status != http.StatusNotFound {
		t.Fatalf("refused admin's profile: got %d, want 404 (nothing written)", r.Status)
	}
}

func TestSignUpLogInLogOut(t *testing.T) {
	env := servertest.New(t, servertest.Options{})
	env.CreateAdmin(t, "admin", "correct horse battery")
	b := env.SignUp(t, "camille", "un mot de passe long")
	if r := b.Get("/"); !strings.Contains(r.Body, "Welcome, camille") {
		t.Fatalf("home after sign-up does not greet camille:\n%s", r.Body)
	}
	r := b.Post("/", "/logout", nil)
	if r.Status != http.StatusSeeOther || b.Cookie("parvis_session") != "" {
		t.Fatalf("logout: got %d, session cookie %q", r.Status, b.Cookie("parvis_session"))
	}
	if r := b.Get("/settings"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login") {
		t.Fatalf("settings when logged out: got %d to %q, want the login page", r.Status, r.Location)
	}
	r = b.Post("/login", "/login", url.Values{"login": {"camille"}, "password": {"wrong password!"}})
	if r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, "wrong username or password") {
		t.Fatalf("wrong password: got %d", r.Status)
	}
	r = b.Post("/login", "/login", url.Values{"login": {"CAMILLE@example.org"}, "password": {"un mot de passe long"},
		"next": {"/settings"}})
	if r.Status != http.StatusSeeOther || r.Location != "/settings" {
		t.Fatalf("login by e-mail: got %d to %q, want 303 to /settings", r.Status, r.Location)
	}
	// An open redirect through ?next= is refused.
	b.Post("/", "/logout", nil)
	r = b.Post("/login", "/login", url.Values{"login": {"camille"}, "password": {"un mot de passe long"}, "next": {"//evil.example/x"}})
	if r.Location != "/" {
		t.Fatalf("login with next=//evil.example: redirected to %q, want /", r.Location)
	}
}

func TestFormsRejectBadInputWithMessages(t *testing.T) {
	env := servertest.New(t, servertest.Options{})
	env.CreateAdmin(t, "admin", "correct horse battery")
	cases := []struct {
		name   string
		values url.Values
		status int
		msg    string
	}{
		{"short password", url.Values{"username": {"ana"}, "password": {"short"}, "password_confirm": {"short"}}, 400, "at least 8 characters"},
		{"passwords differ", url.Values{"username": {"ana"}, "password": {"abcdefghij"}, "password_confirm": {"abcdefghik"}}, 400, "the two passwords differ"},
		{"bad username", url.Values{"username": {"ana maria"}, "password": {"abcdefghij"}, "password_confirm": {"abcdefghij"}}, 400, "only contain letters"},
		{"long username", url.Values{"username": {strings.Repeat("a", 31)}, "password": {"abcdefghij"}, "password_confirm": {"abcdefghij"}}, 400, "longer than 30"},
		{"bad e-mail", url.Values{"username": {"ana"}, "email": {"not-an-address"}, "password": {"abcdefghij"}, "password_confirm": {"abcdefghij"}}, 400, "is not an e-mail address"},
		{"taken username", url.Values{"username": {"ADMIN"}, "password": {"abcdefghij"}, "password_confirm": {"abcdefghij"}}, 409, "is taken"},
		{"reserved username", url.Values{"username": {"root"}, "password": {"abcdefghij"}, "password_confirm": {"abcdefghij"}}, 400, "is reserved"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := env.Browser(t)
			r := b.Post("/signup", "/signup", c.values)
			if r.Status != c.status || !strings.Contains(r.Body, c.msg) {
				t.Fatalf("got %d, want %d with %q", r.Status, c.status, c.msg)
			}
			if strings.Contains(r.Body, "abcdefghij") {
				t.Fatalf("the form echoed the password back")
			}
		})
	}
	if r := env.Browser(t).Get("/@ana"); r.Status != http.StatusNotFound {
		t.Fatalf("refused sign-ups wrote an account: /@ana answered %d", r.Status)
	}
}

func TestCSRFIsCheckedOnEveryForm(t *testing.T) {
	env := servertest.New(t, servertest.Options{})
	admin := env.CreateAdmin(t, "admin", "correct horse battery")
	forms := []struct{ page, action string }{
		{"/settings", "/settings/profile"},
		{"/settings", "/settings/password"},
		{"/admin", "/admin/registrations"},
		{"/", "/logout"},
		{"/", "/lang"},
	}
	for _, f := range forms {
		admin.Get(f.page)
		if r := admin.PostRaw(f.action, url.Values{"display_name": {"x"}}); r.Status != http.StatusForbidden {
			t.Errorf("POST %s without a token: got %d, want 403", f.action, r.Status)
		}
		if r := admin.PostRaw(f.action, url.Values{"csrf": {"forged-token-forged-token-forged-token"}}); r.Status != http.StatusForbidden {
			t.Errorf("POST %s with a forged token: got %d, want 403", f.action, r.Status)
		}
	}
	// A cross-site submission with the right token is still refused.
	admin.Get("/settings")
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/settings/profile",
		strings.NewReader(url.Values{"csrf": {admin.CSRF()}, "display_name": {"pwned"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if r := admin.Do(req); r.Status != http.StatusForbidden {
		t.Fatalf("cross-site POST: got %d, want 403", r.Status)
	}
	if r := admin.Get("/settings"); strings.Contains(r.Body, "pwned") {
		t.Fatalf("a refused form changed the profile")
	}
	// Anonymous forms (login, sign-up) are protected the same way.
	v := env.Browser(t)
	v.Get("/login")
	if r := v.PostRaw("/login", url.Values{"login": {"admin"}, "password": {"correct horse battery"}}); r.Status != http.StatusForbidden {
		t.Fatalf("login without a token: got %d, want 403", r.Status)
	}
}

func TestLoginAttemptsAreLimited(t *testing.T) {
	env := servertest.New(t, servertest.Options{})
	env.CreateAdmin(t, "admin", "correct horse battery")
	b := env.Browser(t)
	var last int
	for i := 0; i < 12; i++ {
		last = b.Post("/login", "/login", url.Values{"login": {"admin"}, "password": {"guess number " + string(rune('a'+i))}}).Status
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("12th wrong password: got %d, want 429", last)
	}
	// Even the right password waits now: guessing must not pay.
	r := b.Post("/login", "/login", url.Values{"login": {"admin"}, "password": {"correct horse battery"}})
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "too many attempts") {
		t.Fatalf("right password after the limit: got %d", r.Status)
	}
}

func TestApprovalOnlySignUps(t *testing.T) {
	env := servertest.New(t, servertest.Options{})
	admin := env.CreateAdmin(t, "admin", "correct horse battery")
	admin.Post("/admin", "/admin/registrations", url.Values{"registrations": {"approval"}})
	b := env.Browser(t)
	r := b.Post("/signup", "/signup", url.Values{"username": {"lea"}, "password": {"patience est mère"},
		"password_confirm": {"patience est mère"}, "note": {"I grow tomatoes"}})
	if r.Status != http.StatusSeeOther || r.Location != "/login" {
		t.Fatalf("approval sign-up: got %d to %q", r.Status, r.Location)
	}
	r = b.Post("/login", "/login", url.Values{"login": {"lea"}, "password": {"patience est mère"}})
	if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "awaiting approval") {
		t.Fatalf("login before approval: got %d", r.Status)
	}
	page := admin.Get("/admin")
	m := regexp.MustCompile(`/admin/signups/(\d+)/approve`).FindStringSubmatch(page.Body)
	if m == nil || !strings.Contains(page.Body, "I grow tomatoes") {
		t.Fatalf("the pending sign-up is not on the admin page")
	}
	if r := admin.Post("/admin", "/admin/signups/"+m[1]+"/approve", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("approve: got %d", r.Status)
	}
	r = b.Post("/login", "/login", url.Values{"login": {"lea"}, "password": {"patience est mère"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("login after approval: got %d", r.Status)
	}
	admin.Post("/admin", "/admin/registrations", url.Values{"registrations": {"closed"}})
	r = env.Browser(t).Post("/signup", "/signup", url.Values{"username": {"zoe"}, "password": {"abcdefghij"}, "password_confirm": {"abcdefghij"}})
	if r.Status != http.StatusForbidden {
		t.Fatalf("sign-up when closed: got %d, want 403", r.Status)
	}
}

func TestOnlyStaffSeeTheAdminPage(t *testing.T) {
	env := servertest.New(t, servertest.Options{})
	env.CreateAdmin(t, "admin", "correct horse battery")
	user := env.SignUp(t, "noe", "un autre mot de passe")
	if r := user.Get("/admin"); r.Status != http.StatusForbidden {
		t.Fatalf("/admin as a user: got %d, want 403", r.Status)
	}
	if r := user.Post("/", "/admin/registrations", url.Values{"registrations": {"closed"}}); r.Status != http.StatusForbidden {
		t.Fatalf("closing sign-ups as a user: got %d, want 403", r.Status)
	}
	if r := env.Browser(t).Get("/admin"); r.Status != http.StatusSeeOther {
		t.Fatalf("/admin anonymously: got %d, want a redirect to login", r.Status)
	}
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	env := servertest.New(t, servertest.Options{})
	env.CreateAdmin(t, "admin", "correct horse battery")
	first := env.SignUp(t, "ines", "premier mot de passe")
	second := env.Browser(t)
	second.Post("/login", "/login", url.Values{"login": {"ines"}, "password": {"premier mot de passe"}})
	r := first.Post("/settings", "/settings/password", url.Values{"current_password": {"not it at all"},
		"new_password": {"second mot de passe"}, "new_password_confirm": {"second mot de passe"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "current password is wrong") {
		t.Fatalf("wrong current password: got %d", r.Status)
	}
	r = first.Post("/settings", "/settings/password", url.Values{"current_password": {"premier mot de passe"},
		"new_password": {"second mot de passe"}, "new_password_confirm": {"second mot de passe"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("password change: got %d", r.Status)
	}
	if r := first.Get("/settings"); r.Status != http.StatusOK {
		t.Fatalf("the session that changed the password was ended: %d", r.Status)
	}
	if r := second.Get("/settings"); r.Status != http.StatusSeeOther {
		t.Fatalf("another session survived the password change: %d", r.Status)
	}
}

func TestPasswordResetByEmail(t *testing.T) {
	env := servertest.New(t, servertest.Options{Mail: true})
	env.CreateAdmin(t, "admin", "correct horse battery")
	env.SignUp(t, "jade", "mot de passe oublié")
	b := env.Browser(t)
	if r := b.Post("/password/forgot", "/password/forgot", url.Values{"email": {"nobody@example.org"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("reset for an unknown address: got %d, want the same answer as for a known one", r.Status)
	}
	if r := b.Post("/password/forgot", "/password/forgot", url.Values{"email": {"jade@example.org"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("reset request: got %d", r.Status)
	}
	select {
	case <-env.Mail.Wait():
	case <-time.After(15 * time.Second):
		t.Fatal("no e-mail arrived")
	}
	msgs := env.Mail.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "jade@example.org" {
		t.Fatalf("got %d messages (%v), want one to jade", len(msgs), msgs)
	}
	link := regexp.MustCompile(`http://[^/\s]+(/password/reset/[A-Za-z0-9_-]+)`).FindStringSubmatch(msgs[0].Data)
	if link == nil {
		t.Fatalf("no reset link in the e-mail:\n%s", msgs[0].Data)
	}
	r := b.Post(link[1], link[1], url.Values{"password": {"tout nouveau mot"}, "password_confirm": {"tout nouveau mot"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("reset: got %d: %s", r.Status, r.Body)
	}
	if r := b.Post(link[1], link[1], url.Values{"password": {"encore un autre"}, "password_confirm": {"encore un autre"}}); r.Status != http.StatusBadRequest {
		t.Fatalf("reusing the link: got %d, want 400", r.Status)
	}
	if r := b.Post("/login", "/login", url.Values{"login": {"jade"}, "password": {"tout nouveau mot"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("login with the new password: got %d", r.Status)
	}
}

func TestLanguageFollowsBrowserAndChoice(t *testing.T) {
	env := servertest.New(t, servertest.Options{})
	env.CreateAdmin(t, "admin", "correct horse battery")
	b := env.Browser(t)
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/login", nil)
	req.Header.Set("Accept-Language", "fr-FR,fr;q=0.9,en;q=0.5")
	if r := b.Do(req); !strings.Contains(r.Body, `lang="fr"`) || !strings.Contains(r.Body, "Se connecter") {
		t.Fatalf("French browser did not get French")
	}
	b.Post("/login", "/lang", url.Values{"lang": {"fr"}, "next": {"/login"}})
	if r := b.Get("/login"); !strings.Contains(r.Body, "Mot de passe oublié") {
		t.Fatalf("chosen French did not override an English browser")
	}
	r := b.Post("/login", "/login", url.Values{"login": {"admin"}, "password": {"pas le bon"}})
	if !strings.Contains(r.Body, "nom d&#39;utilisateur ou mot de passe incorrect") {
		t.Fatalf("error messages are not translated:\n%s", r.Body)
	}
}

func TestProfileIsEscaped(t *testing.T) {
	env := servertest.New(t, servertest.Options{})
	env.CreateAdmin(t, "admin", "correct horse battery")
	b := env.SignUp(t, "hugo", "mot de passe de hugo")
	r := b.Post("/settings", "/settings/profile", url.Values{"display_name": {`<script>alert(1)</script>Hugo`},
		"note": {"Jardinier <img src=x onerror=alert(1)>\n\nDeuxième paragraphe"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save profile: got %d: %s", r.Status, r.Body)
	}
	page := env.Browser(t).Get("/@hugo")
	if strings.Contains(page.Body, "<script>alert") || strings.Contains(page.Body, "<img src=x") {
		t.Fatalf("profile page is not escaped")
	}
	if !strings.Contains(page.Body, "&lt;img src=x onerror=alert(1)&gt;</p><p>Deuxième paragraphe") {
		t.Fatalf("bio paragraphs not rendered:\n%s", page.Body)
	}
	if r := env.Browser(t).Get("/@nobody"); r.Status != http.StatusNotFound {
		t.Fatalf("unknown profile: got %d", r.Status)
	}
}
