package federation_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"parvis/internal/federation"
	"parvis/internal/federation/ap"
	"parvis/internal/social"
)

// TestWebFinger looks local accounts, a community and the instance actor
// up the ways other servers do, and checks what is refused.
func TestWebFinger(t *testing.T) {
	l := newLocal(t, federation.Config{})
	ctx := context.Background()
	owner := l.user("bob")
	if _, err := l.svc.CreateCommunity(ctx, owner, social.CommunityInput{Name: "bread", Membership: "open"}); err != nil {
		t.Fatal(err)
	}
	get := func(resource string) (int, map[string]any, http.Header) {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, "https://parvis.example/.well-known/webfinger?resource="+
			url.QueryEscape(resource), nil)
		rec := httptest.NewRecorder()
		l.handler.ServeHTTP(rec, req)
		var doc map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatalf("%s: status %d, body %q is not JSON: %v", resource, rec.Code, rec.Body.String(), err)
		}
		return rec.Code, doc, rec.Header()
	}
	self := func(doc map[string]any) string {
		links, _ := doc["links"].([]any)
		for _, l := range links {
			m, _ := l.(map[string]any)
			if m["rel"] == "self" && m["type"] == ap.MediaType {
				s, _ := m["href"].(string)
				return s
			}
		}
		return ""
	}
	found := []struct{ resource, subject, actor string }{
		{"acct:bob@parvis.example", "acct:bob@parvis.example", "https://parvis.example/users/bob"},
		{"acct:BOB@Parvis.Example", "acct:bob@parvis.example", "https://parvis.example/users/bob"},
		{"bob@parvis.example", "acct:bob@parvis.example", "https://parvis.example/users/bob"},
		{"https://parvis.example/users/bob", "acct:bob@parvis.example", "https://parvis.example/users/bob"},
		{"https://parvis.example/@bob", "acct:bob@parvis.example", "https://parvis.example/users/bob"},
		{"acct:bread@parvis.example", "acct:bread@parvis.example", "https://parvis.example/users/bread"},
		{"!bread@parvis.example", "acct:bread@parvis.example", "https://parvis.example/users/bread"},
		{"acct:parvis.example@parvis.example", "acct:parvis.example@parvis.example", "https://parvis.example/actor"},
	}
	for _, tc := range found {
		code, doc, h := get(tc.resource)
		if code != http.StatusOK || doc["subject"] != tc.subject || self(doc) != tc.actor {
			t.Errorf("%s: got %d %v, want subject %s and self %s", tc.resource, code, doc, tc.subject, tc.actor)
			continue
		}
		if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/jrd+json") {
			t.Errorf("%s: content type %q", tc.resource, ct)
		}
	}
	refused := map[string]int{
		"":                                        http.StatusBadRequest,
		"acct:nobody@parvis.example":              http.StatusNotFound,
		"acct:bob@elsewhere.example":              http.StatusNotFound,
		"https://elsewhere.example/users/bob":     http.StatusNotFound,
		"acct:@parvis.example":                    http.StatusNotFound,
		"https://parvis.example/users/bob/outbox": http.StatusNotFound,
	}
	for resource, want := range refused {
		code, doc, _ := get(resource)
		if code != want || doc["error"] == nil {
			t.Errorf("%q: got %d %v, want %d with an error", resource, code, doc, want)
		}
	}

	// The group's actor is a Group, and the community's page answers
	// ActivityPub clients with it.
	for _, path := range []string{"/@bread", "/c/bread", "/users/bread"} {
		req := httptest.NewRequest(http.MethodGet, "https://parvis.example"+path, nil)
		req.Header.Set("Accept", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
		rec := httptest.NewRecorder()
		l.handler.ServeHTTP(rec, req)
		o, err := ap.Decode(rec.Body.Bytes())
		if err != nil || o.Type != ap.TypeGroup || o.ID != "https://parvis.example/users/bread" || o.PublicKey == nil ||
			o.SharedInbox() == "" || o.Followers.IRI() == "" || o.Following.IRI() == "" || o.Featured.IRI() == "" ||
			o.Outbox.IRI() == "" {
			t.Errorf("%s: status %d, %v, %+v", path, rec.Code, err, o)
		}
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "https://parvis.example/c/bob", nil)
	req.Header.Set("Accept", ap.MediaType)
	l.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotFound {
		t.Errorf("/c/bob (a person): got %d, want 404", rec.Code)
	}

	for _, path := range []string{"/.well-known/host-meta", "/.well-known/host-meta.json"} {
		rec := httptest.NewRecorder()
		l.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "https://parvis.example"+path, nil))
		body := rec.Body.String()
		if rec.Code != http.StatusOK ||
			!strings.Contains(body, "https://parvis.example/.well-known/webfinger?resource={uri}") ||
			!strings.Contains(body, "lrdd") {
			t.Errorf("%s: got %d %q", path, rec.Code, body)
		}
	}
}
