package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"parvis/internal/social"
)

// homeWithPosts returns a site where alice's home timeline holds 20 posts
// of a realistic length, with links, hashtags, mentions and a content
// warning here and there.
func homeWithPosts(tb testing.TB) (*site, string) {
	tb.Helper()
	s := newSite(tb)
	s.person("bob")
	s.env.SignUp(tb, "alice", "the password of alice")
	for i := range 20 {
		in := social.PostInput{Text: fmt.Sprintf("Post %d about the #garden of @bob: the tomatoes are finally red, "+
			"the courgettes keep coming and the beans climb everywhere. Details at https://example.org/garden/%d "+
			"and more photos soon. What grows in yours this week?", i, i)}
		if i%5 == 0 {
			in.SpoilerText = "food talk"
		}
		s.publish("alice", in)
	}
	return s, "the password of alice"
}

func TestHomePageIsLight(t *testing.T) {
	s, password := homeWithPosts(t)
	alice := s.env.Browser(t)
	alice.Post("/login", "/login", map[string][]string{"login": {"alice"}, "password": {password}})
	home := alice.Get("/")
	if n := len(postIDRE.FindAllString(home.Body, -1)); n != 20 {
		t.Fatalf("home shows %d posts, want 20", n)
	}
	total := len(home.Body)
	// Everything the page loads comes from this server.
	for _, m := range regexp.MustCompile(`<(?:link|script)[^>]+(?:href|src)="([^"]+)"`).FindAllStringSubmatch(home.Body, -1) {
		if !strings.HasPrefix(m[1], "/static/") {
			t.Errorf("the page loads %s from elsewhere", m[1])
			continue
		}
		r := alice.Get(m[1])
		if r.Status != http.StatusOK {
			t.Fatalf("%s: got %d", m[1], r.Status)
		}
		if !strings.HasSuffix(strings.SplitN(m[1], "?", 2)[0], ".svg") {
			total += len(r.Body)
		}
	}
	const budget = 100 << 10
	t.Logf("home page with 20 posts: %d bytes of HTML, CSS and JavaScript", total)
	if total > budget {
		t.Errorf("the home page weighs %d bytes, want at most %d", total, budget)
	}
}

// BenchmarkHomePage measures the server time of the home page of someone
// whose timeline has 20 posts (session check, timeline, unread count,
// rendering), without the network.
func BenchmarkHomePage(b *testing.B) {
	s, password := homeWithPosts(b)
	alice := s.env.Browser(b)
	alice.Post("/login", "/login", map[string][]string{"login": {"alice"}, "password": {password}})
	handler := s.env.App.Server.Handler()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(&http.Cookie{Name: "parvis_session", Value: alice.Cookie("parvis_session")})
	req.Header.Set("Accept-Language", "en")
	check := httptest.NewRecorder()
	handler.ServeHTTP(check, req)
	if n := len(postIDRE.FindAllString(check.Body.String(), -1)); check.Code != http.StatusOK || n != 20 {
		b.Fatalf("home: got %d with %d posts, want 200 with 20", check.Code, n)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("home: got %d", w.Code)
		}
		_, _ = io.Copy(io.Discard, w.Body)
	}
}
