package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"parvis/internal/server/servertest"
)

func TestConnectIntroduceAndAnswer(t *testing.T) {
	s := newSite(t)
	alice := s.person("alice")
	bob := s.person("bob")
	carol := s.person("carol")
	aliceID, bobID, carolID := s.accountID("alice"), s.accountID("bob"), s.accountID("carol")

	// Alice asks bob from his profile; bob accepts from his.
	profile := alice.Get("/@bob").Body
	if !strings.Contains(profile, `formaction="/connections/`+bobID+`/request"`) {
		t.Fatalf("bob's profile has no connect button")
	}
	r := alice.Post("/@bob", "/connections/"+bobID+"/request", url.Values{"message": {strings.Repeat("long ", 120)}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "the message is longer than 500 characters") {
		t.Fatalf("a too long message: got %d", r.Status)
	}
	mustPost(t, alice, "/@bob", "/connections/"+bobID+"/request", url.Values{"message": {"On s'est vus au marché"}, "next": {"/@bob"}})
	if body := alice.Get("/@bob").Body; !strings.Contains(body, "Request sent") {
		t.Errorf("alice does not see her request on bob's profile")
	}
	page := bob.Get("/connections").Body
	if !strings.Contains(page, "On s&#39;est vus au marché") || !strings.Contains(page, `formaction="/connections/`+aliceID+`/accept"`) {
		t.Fatalf("bob's connections page does not list alice's request:\n%s", page)
	}
	mustPost(t, bob, "/connections", "/connections/"+aliceID+"/accept", nil)
	if body := alice.Get("/@bob").Body; !strings.Contains(body, ">Connected<") {
		t.Errorf("bob's profile does not show the connection")
	}
	// Carol asks alice, who accepts from carol's profile.
	mustPost(t, carol, "/@alice", "/connections/"+aliceID+"/request", nil)
	if body := alice.Get("/@carol").Body; !strings.Contains(body, "Asks to connect") {
		t.Fatalf("carol's profile does not show her request to alice")
	}
	mustPost(t, alice, "/@carol", "/connections/"+carolID+"/accept", url.Values{"next": {"/@carol"}})
	// Both know alice: she is their mutual connection.
	if body := bob.Get("/@carol").Body; !strings.Contains(body, "Mutual connections (1)") || !strings.Contains(body, `href="/@alice" title="alice"`) {
		t.Errorf("carol's profile does not show alice as a mutual connection to bob")
	}

	// Alice introduces bob and carol.
	page = alice.Get("/introductions").Body
	if !strings.Contains(page, `<option value="`+bobID+`"`) || !strings.Contains(page, `<option value="`+carolID+`"`) {
		t.Fatalf("the introduction form does not offer alice's connections")
	}
	r = alice.Post("/introductions", "/introductions", url.Values{"a": {bobID}, "b": {bobID}, "note": {"Vous aimez tous deux les courges"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "introduce two different people") ||
		!strings.Contains(r.Body, "Vous aimez tous deux les courges") {
		t.Fatalf("introducing bob to himself: got %d", r.Status)
	}
	mustPost(t, alice, "/introductions", "/introductions", url.Values{"a": {bobID}, "b": {carolID}, "note": {"Vous aimez tous deux les courges"}})
	answer := regexp.MustCompile(`formaction="(/introductions/\d+)/accept"`)
	for name, b := range map[string]*browserWant{"bob": {bob, "alice introduced you to carol"}, "carol": {carol, "alice introduced you to bob"}} {
		page := b.Get("/introductions").Body
		m := answer.FindStringSubmatch(page)
		if m == nil || !strings.Contains(page, b.want) || !strings.Contains(page, "Vous aimez tous deux les courges") {
			t.Fatalf("%s has no introduction to answer:\n%s", name, page)
		}
		mustPost(t, b.Browser, "/introductions", m[1]+"/accept", nil)
	}
	if body := bob.Get("/@carol").Body; !strings.Contains(body, ">Connected<") {
		t.Errorf("bob and carol are not connected after both accepted")
	}
	// Bob's network: two connections, one through an introduction.
	net := bob.Get("/network").Body
	if !strings.Contains(net, "2 connections, 1 of them through introductions (50%).") || !strings.Contains(net, "<svg") ||
		!strings.Contains(net, "introduced by alice") {
		t.Errorf("bob's network page does not show how it grew:\n%s", net)
	}
	// Removing a connection.
	mustPost(t, bob, "/connections", "/connections/"+carolID+"/remove", nil)
	if body := bob.Get("/connections").Body; strings.Contains(body, `href="/@carol"`) {
		t.Errorf("carol is still in bob's connections")
	}
}

// browserWant is a browser with the text its page should show.
type browserWant struct {
	*servertest.Browser
	want string
}

func TestPeopleYouMayKnow(t *testing.T) {
	s := newSite(t)
	alice := s.person("alice")
	s.person("bob")
	s.person("carol")
	// Alice and carol share bob's connection: carol is suggested to alice.
	mustPost(t, alice, "/@bob", "/connections/"+s.accountID("bob")+"/request", nil)
	bob := s.env.Browser(t)
	bob.Post("/login", "/login", url.Values{"login": {"bob"}, "password": {"the password of bob"}})
	mustPost(t, bob, "/connections", "/connections/"+s.accountID("alice")+"/accept", nil)
	carol := s.env.Browser(t)
	carol.Post("/login", "/login", url.Values{"login": {"carol"}, "password": {"the password of carol"}})
	mustPost(t, carol, "/@bob", "/connections/"+s.accountID("bob")+"/request", nil)
	mustPost(t, bob, "/connections", "/connections/"+s.accountID("carol")+"/accept", nil)
	carolID := s.accountID("carol")
	page := alice.Get("/suggestions").Body
	if !strings.Contains(page, `href="/@carol"`) || !strings.Contains(page, "Connections in common") {
		t.Fatalf("carol is not suggested to alice:\n%s", page)
	}
	if body := alice.Get("/").Body; !strings.Contains(body, `id="suggest-h"`) || !strings.Contains(body, `formaction="/suggestions/`+carolID+`/dismiss"`) {
		t.Errorf("the home page has no suggestion block")
	}
	mustPost(t, alice, "/suggestions", "/suggestions/"+carolID+"/dismiss", url.Values{"next": {"/suggestions"}})
	if body := alice.Get("/suggestions").Body; strings.Contains(body, `href="/@carol"`) {
		t.Errorf("the dismissed suggestion is still shown")
	}
}
