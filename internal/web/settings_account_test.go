package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestAccountSettingsPages: the alias, move and delete pages in both
// languages; every bad request a form message, nothing written; a form
// without its token refused; the move shown on the profile; the deletion
// signing the person out, and an admin deleting someone else.
func TestAccountSettingsPages(t *testing.T) {
	s := newSite(t)
	old := s.person("oldname")
	next := s.person("newname")
	fan := s.person("fan")
	fan.Post("/@oldname", "/accounts/"+strconv.FormatInt(s.actor("oldname").Account.ID, 10)+"/follow", nil)
	en := loadCatalog(t, "en")
	for _, lang := range []string{"en", "fr"} {
		old.Post("/", "/lang", url.Values{"lang": {lang}, "next": {"/"}})
		for _, page := range []string{"/settings", "/settings/aliases", "/settings/move", "/settings/delete"} {
			r := old.Get(page)
			if r.Status != http.StatusOK || !strings.Contains(r.Body, `<html lang="`+lang+`">`) {
				t.Errorf("%s %s: status %d, or not in %s", lang, page, r.Status, lang)
			}
			for k := range en {
				if interfaceKey.MatchString(k) && strings.Contains(r.Body, k) {
					t.Errorf("%s %s: the untranslated key %q shows", lang, page, k)
				}
			}
		}
	}
	old.Post("/", "/lang", url.Values{"lang": {"en"}, "next": {"/"}})

	// Bad moves: each a form message, nothing recorded.
	for _, c := range []struct{ handle, password, says string }{
		{"newname", "wrong", "the current password is wrong"},
		{"nobody-here", "the password of oldname", "no account found at nobody-here"},
		{"oldname", "the password of oldname", "you cannot move to this same account"},
		{"newname", "the password of oldname", "does not list this account as an alias yet"},
		{"", "the password of oldname", "enter the address of the account"},
	} {
		r := old.Post("/settings/move", "/settings/move", url.Values{"handle": {c.handle}, "current_password": {c.password}})
		if r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusBadRequest {
			t.Errorf("move to %q: status %d", c.handle, r.Status)
		}
		if !strings.Contains(html.UnescapeString(r.Body), c.says) {
			t.Errorf("move to %q: the page does not say %q", c.handle, c.says)
		}
	}
	if s.actor("oldname").Account.MovedToID != 0 {
		t.Fatal("a refused move was recorded")
	}
	// Without its token the form is refused.
	if r := old.PostRaw("/settings/move", url.Values{"handle": {"newname"}, "current_password": {"the password of oldname"}}); r.Status != http.StatusForbidden {
		t.Errorf("move without a token: status %d", r.Status)
	}

	// The new account names the old one; then the move goes through.
	if r := next.Post("/settings/aliases", "/settings/aliases", url.Values{"handle": {"@newname"}}); !strings.Contains(html.UnescapeString(r.Body), "this is your own account") {
		t.Errorf("own alias: status %d", r.Status)
	}
	if r := next.Post("/settings/aliases", "/settings/aliases", url.Values{"handle": {"oldname"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add alias: status %d", r.Status)
	}
	if body := next.Get("/settings/aliases").Body; !strings.Contains(body, "oldname@") {
		t.Error("the alias is not listed")
	}
	r := old.Post("/settings/move", "/settings/move", url.Values{"handle": {"newname"}, "current_password": {"the password of oldname"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("move: status %d", r.Status)
	}
	if body := fan.Get("/@oldname").Body; !strings.Contains(body, "This account has moved to") || !strings.Contains(body, `href="/@newname"`) {
		t.Error("the profile does not show the move")
	}

	// Deleting: a wrong password is a form message; the right one signs
	// out and the account is gone.
	r = old.Post("/settings/delete", "/settings/delete", url.Values{"current_password": {"nope"}})
	if r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "the current password is wrong") {
		t.Errorf("delete with a wrong password: status %d", r.Status)
	}
	r = old.Post("/settings/delete", "/settings/delete", url.Values{"current_password": {"the password of oldname"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("delete: status %d", r.Status)
	}
	if r := old.Get("/settings"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login") {
		t.Errorf("settings after deletion: status %d to %q", r.Status, r.Location)
	}
	if r := fan.Get("/@oldname"); r.Status != http.StatusNotFound {
		t.Errorf("a deleted account's page: status %d", r.Status)
	}

	// An admin deletes someone else's account from the admin page.
	admin := s.env.Browser(t)
	admin.Post("/login", "/login", url.Values{"login": {"admin"}, "password": {"correct horse battery"}})
	fanID := strconv.FormatInt(s.actor("fan").Account.ID, 10)
	if body := admin.Get("/admin").Body; !strings.Contains(body, "/admin/accounts/"+fanID+"/delete") {
		t.Fatal("the admin page has no delete button")
	}
	if r := next.Post("/settings", "/admin/accounts/"+fanID+"/delete", nil); r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
		t.Errorf("a plain user deleting an account: status %d", r.Status)
	}
	if r := admin.Post("/admin", "/admin/accounts/"+fanID+"/delete", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("admin delete: status %d", r.Status)
	}
	a, err := s.env.App.DB.Read().AccountByID(context.Background(), s.actor("newname").Account.ID)
	if err != nil || a.Deleted() {
		t.Fatalf("the wrong account was deleted: %v", err)
	}
	// Deleted accounts are listed as such among the suspended ones, with
	// no way back.
	if body := admin.Get("/admin/moderation").Body; !strings.Contains(body, "Deleted") ||
		strings.Contains(body, "/admin/accounts/"+fanID+"/unsuspend") {
		t.Error("the moderation page offers to unsuspend a deleted account")
	}
}

// TestAccountErrorsAreTranslated: every form message of the account use
// cases has its French translation.
func TestAccountErrorsAreTranslated(t *testing.T) {
	fr := loadCatalog(t, "fr")
	format := regexp.MustCompile(`model\.Errorf\(model\.E[A-Z]+,\s*("(?:[^"\\]|\\.)*")`)
	for _, f := range []string{"account_delete.go", "account_move.go"} {
		b, err := os.ReadFile(filepath.Join("..", "social", f))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range format.FindAllStringSubmatch(string(b), -1) {
			msg, err := strconv.Unquote(m[1])
			if err != nil {
				t.Fatal(err)
			}
			n++
			if fr[msg] == "" {
				t.Errorf("%s: %q has no French translation", f, msg)
			}
		}
		if n == 0 {
			t.Errorf("%s: no message found", f)
		}
	}
}
