package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"parvis/internal/model"
	"parvis/internal/social"
)

func TestInboxEmptiesWhenAnswered(t *testing.T) {
	s := newSite(t)
	alice := s.person("alice")
	s.person("bob")
	first := s.publish("bob", social.PostInput{Text: "@alice tu viens à l'atelier samedi ?"})
	second := s.publish("bob", social.PostInput{Text: "@alice et tu as rendu la grelinette ?"})
	firstID, secondID := model.FormatID(first.ID), model.FormatID(second.ID)
	awaiting := regexp.MustCompile(`data-awaiting="(\d+)"`)
	page := alice.Get("/replies").Body
	if m := awaiting.FindStringSubmatch(page); m == nil || m[1] != "2" {
		t.Fatalf("the navigation does not count 2 posts awaiting a reply:\n%s", page)
	}
	// Oldest first, with how long each waited and a reply form.
	if i, j := strings.Index(page, "tu viens à l&#39;atelier"), strings.Index(page, "rendu la grelinette"); i < 0 || j < 0 || i > j {
		t.Fatalf("the inbox does not list both mentions, oldest first:\n%s", page)
	}
	if !strings.Contains(page, "waiting for") || !strings.Contains(page, `name="in_reply_to" value="`+firstID+`"`) ||
		!strings.Contains(page, "@bob </textarea>") {
		t.Errorf("the inbox items have no waiting time or reply form")
	}
	// Replying takes the first off the list.
	mustPost(t, alice, "/replies", "/compose", url.Values{"text": {"@bob oui, j'apporte le café"}, "in_reply_to": {firstID},
		"visibility": {"public"}, "next": {"/replies"}})
	page = alice.Get("/replies").Body
	if strings.Contains(page, "tu viens à l&#39;atelier") || !strings.Contains(page, "rendu la grelinette") {
		t.Fatalf("after the reply, the inbox still lists the answered mention")
	}
	// Marking done takes the second off too.
	r := alice.Post("/replies", "/replies/"+secondID+"/snooze", url.Values{"for": {"3 ans"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "choose a duration from the list") {
		t.Errorf("snoozing for a made-up time: got %d", r.Status)
	}
	mustPost(t, alice, "/replies", "/replies/"+secondID+"/done", url.Values{"next": {"/replies"}})
	page = alice.Get("/replies").Body
	if strings.Contains(page, "rendu la grelinette") || awaiting.MatchString(page) || !strings.Contains(page, "Nothing waits for your reply.") {
		t.Fatalf("after marking done, the inbox is not empty")
	}
	// The figures count what arrived in 30 days: 1 answered of 2.
	if !strings.Contains(page, "1 answered of 2") || !strings.Contains(page, "50 %") {
		t.Errorf("the response figures do not show 1 answered of 2")
	}
	// Snoozing puts a new one away.
	third := s.publish("bob", social.PostInput{Text: "@alice une dernière question ?"})
	mustPost(t, alice, "/replies", "/replies/"+model.FormatID(third.ID)+"/snooze", url.Values{"for": {"24h"}})
	if body := alice.Get("/replies").Body; strings.Contains(body, "une dernière question") {
		t.Errorf("the snoozed item is still listed")
	}
}

func TestDirectConversation(t *testing.T) {
	s := newSite(t)
	alice := s.person("alice")
	bob := s.person("bob")
	// Alice writes to bob privately, from the compose page.
	mustPost(t, alice, "/compose", "/compose", url.Values{"text": {"@bob ton adresse pour les plants ?"}, "visibility": {"direct"}})
	list := bob.Get("/conversations").Body
	m := regexp.MustCompile(`href="(/conversations/\d+)"`).FindStringSubmatch(list)
	if m == nil || !strings.Contains(list, `class="conversation unread"`) || !strings.Contains(list, "ton adresse pour les plants") {
		t.Fatalf("bob's conversations do not list alice's unread message:\n%s", list)
	}
	conv := m[1]
	page := bob.Get(conv).Body
	if !strings.Contains(page, "Conversation with alice") || !strings.Contains(page, "ton adresse pour les plants") ||
		!strings.Contains(page, `name="visibility" value="direct"`) || !strings.Contains(page, "@alice </textarea>") {
		t.Fatalf("the conversation page does not show the message and a direct reply form:\n%s", page)
	}
	if body := bob.Get("/conversations").Body; strings.Contains(body, `class="conversation unread"`) {
		t.Errorf("the conversation is still unread after bob opened it")
	}
	in := regexp.MustCompile(`name="in_reply_to" value="(\d+)"`).FindStringSubmatch(page)
	mustPost(t, bob, conv, "/compose", url.Values{"text": {"@alice 12 rue des Lilas"}, "in_reply_to": {in[1]},
		"visibility": {"direct"}, "next": {conv}})
	page = alice.Get(conv).Body
	if i, j := strings.Index(page, "ton adresse pour les plants"), strings.Index(page, "12 rue des Lilas"); i < 0 || j < i {
		t.Fatalf("alice's conversation page does not show the exchange in order")
	}
	// Nobody else sees it.
	carol := s.person("carol")
	if r := carol.Get(conv); r.Status != http.StatusNotFound {
		t.Errorf("carol on the conversation: got %d, want 404", r.Status)
	}
	mustPost(t, alice, conv, conv+"/delete", nil)
	if body := alice.Get("/conversations").Body; strings.Contains(body, conv) {
		t.Errorf("the deleted conversation is still listed")
	}
}
