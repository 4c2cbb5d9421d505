package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"parvis/internal/model"
	"parvis/internal/server/servertest"
	"parvis/internal/social"
	"parvis/internal/store"
)

// crowd creates n people at once, without passwords (they never log in).
func (s *site) crowd(prefix string, n int) []*social.Actor {
	s.t.Helper()
	ctx := context.Background()
	var out []*social.Actor
	err := s.env.App.DB.Tx(ctx, func(tx *store.Tx) error {
		for i := range n {
			a := &model.Account{Username: fmt.Sprintf("%s%d", prefix, i), Discoverable: true}
			if err := tx.CreateAccount(ctx, a); err != nil {
				return err
			}
			u, err := tx.CreateUser(ctx, a.ID, store.NewUser{PasswordHash: "x", Role: model.RoleUser, Approved: true})
			if err != nil {
				return err
			}
			out = append(out, &social.Actor{User: u, Account: a})
		}
		return nil
	})
	if err != nil {
		s.t.Fatalf("create %d people: %v", n, err)
	}
	return out
}

// login opens a browser logged in as an existing person.
func (s *site) login(name, password string) *servertest.Browser {
	s.t.Helper()
	b := s.env.Browser(s.t)
	if r := b.Post("/login", "/login", url.Values{"login": {name}, "password": {password}}); r.Status != http.StatusSeeOther {
		s.t.Fatalf("log in as %s: got %d", name, r.Status)
	}
	return b
}

// Twelve accounts favouriting the same ten posts within a minute are
// caught by a scan; the review queue shows the finding with its evidence;
// the counts leave the flagged favourites out, the author is told how
// many; clearing the finding restores them.
func TestIntegrityReviewQueue(t *testing.T) {
	s := newSite(t)
	admin := s.login("admin", "correct horse battery")
	brand := s.person("brand")
	ctx := context.Background()
	svc := s.env.App.Service
	var posts []*model.Post
	for i := range 10 {
		posts = append(posts, s.publish("brand", social.PostInput{Text: fmt.Sprintf("Notre nouveauté numéro %d", i)}))
	}
	socks := s.crowd("sock", 12)
	for _, p := range posts {
		for _, sock := range socks {
			if err := svc.Favourite(ctx, sock, p.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	thread := "/@brand/" + model.FormatID(posts[0].ID)
	anon := s.env.Browser(t)
	if got := count(t, anon.Get(thread).Body, "favourites"); got != "12" {
		t.Fatalf("before the scan: %s favourites shown, want 12", got)
	}
	rep, err := svc.IntegrityScan(ctx, social.ScanOptions{})
	if err != nil || rep.Flagged == 0 {
		t.Fatalf("the scan flagged nothing: %+v %v", rep, err)
	}
	if got := count(t, anon.Get(thread).Body, "favourites"); got != "0" {
		t.Errorf("after the scan: %s favourites shown to a visitor, want 0", got)
	}
	page := brand.Get(thread).Body
	if got := count(t, page, "favourites"); got != "0" || !strings.Contains(page, "12 favourites and 0 boosts were discounted") {
		t.Errorf("the author sees %s favourites and no discount notice", got)
	}
	if strings.Contains(anon.Get(thread).Body, "were discounted") {
		t.Errorf("a visitor sees the discount notice")
	}

	// The queue: the lockstep finding with its accounts and posts.
	queue := admin.Get("/admin/integrity").Body
	links := regexp.MustCompile(`href="(/admin/integrity/\d+)">([^<]+)<`).FindAllStringSubmatch(queue, -1)
	if len(links) == 0 || !strings.Contains(queue, "Lockstep") {
		t.Fatalf("the review queue lists no lockstep finding:\n%s", queue)
	}
	var lockstep string
	for _, l := range links {
		if l[2] == "Lockstep" {
			lockstep = l[1]
		}
	}
	finding := admin.Get(lockstep).Body
	for _, want := range []string{`href="/@sock0"`, `href="/@sock11"`, thread, "Favourite", "Confirm"} {
		if !strings.Contains(finding, want) {
			t.Errorf("the finding's page lacks %q", want)
		}
	}
	if r := brand.Get("/admin/integrity"); r.Status != http.StatusForbidden {
		t.Errorf("a user on the review queue: got %d, want 403", r.Status)
	}
	// Clearing every finding restores the counts.
	for _, l := range links {
		mustPost(t, admin, l[1], l[1]+"/clear", nil)
	}
	if got := count(t, anon.Get(thread).Body, "favourites"); got != "12" {
		t.Errorf("after clearing: %s favourites shown, want 12", got)
	}
	if strings.Contains(brand.Get(thread).Body, "were discounted") {
		t.Errorf("the discount notice stays after clearing")
	}
	if body := admin.Get("/admin/integrity?status=cleared").Body; !strings.Contains(body, lockstep) {
		t.Errorf("the cleared finding is not under cleared")
	}
	// Suspending: the finding's accounts are suspended, listed, and can be
	// let back in; every decision is in the log.
	mustPost(t, admin, lockstep, lockstep+"/suspend", nil)
	mod := admin.Get("/admin/moderation").Body
	if !strings.Contains(mod, `href="/@sock3"`) {
		t.Fatalf("the suspended accounts are not listed")
	}
	sock3 := model.FormatID(socks[3].Account.ID)
	mustPost(t, admin, "/admin/moderation", "/admin/accounts/"+sock3+"/unsuspend", nil)
	if body := admin.Get("/admin/moderation").Body; strings.Contains(body, `href="/@sock3"`) {
		t.Errorf("the unsuspended account is still listed")
	}
	log := admin.Get("/admin/log").Body
	for _, want := range []string{"cleared an integrity finding", "confirmed a finding and suspended its accounts", "lifted the suspension of"} {
		if !strings.Contains(log, want) {
			t.Errorf("the server's log lacks %q", want)
		}
	}
}
