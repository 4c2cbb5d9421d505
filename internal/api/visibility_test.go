package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"parvis/internal/server/servertest"
)

// sseEvent is one server-sent event.
type sseEvent struct{ name, data string }

// openSSE opens an event stream; it is closed when the test ends. The
// stream is subscribed once the response headers have arrived.
func (w *world) openSSE(path, token string) chan sseEvent {
	w.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", w.env.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		w.t.Fatalf("open %s: got %v, %v", path, resp, err)
	}
	ch := make(chan sseEvent, 1024)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var name string
		for sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(line, "event: "); ok {
				name = v
			} else if v, ok := strings.CutPrefix(line, "data: "); ok {
				w.vt.validatePayload(name, v)
				ch <- sseEvent{name, v}
			}
		}
	}()
	return ch
}

// updatesUntil returns the ids of the statuses a stream sent as updates,
// up to the one whose content contains sentinel.
func updatesUntil(t *testing.T, ch chan sseEvent, what, sentinel string) []string {
	t.Helper()
	var out []string
	timeout := time.After(15 * time.Second)
	for {
		select {
		case e := <-ch:
			if e.name != "update" {
				continue
			}
			var s struct{ ID, Content string }
			if err := json.Unmarshal([]byte(e.data), &s); err != nil {
				t.Fatalf("%s: decode update %s: %v", what, e.data, err)
			}
			if strings.Contains(s.Content, sentinel) {
				return out
			}
			out = append(out, s.ID)
		case <-timeout:
			t.Fatalf("%s: no %q in 15 s", what, sentinel)
		}
	}
}

// TestVisibility checks who sees a followers-only post, a direct post and
// posts by someone who blocked or was muted by the viewer, on every
// timeline and endpoint, and on the streams.
func TestVisibility(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	ctx := w.ctx
	people := map[string]*person{}
	for _, name := range []string{"alice", "bob", "carol", "dave", "eve", "zed"} {
		people[name] = w.person(name)
	}
	alice, bob, dave, eve := people["alice"], people["bob"], people["dave"], people["eve"]
	if _, err := bob.c.AccountFollow(ctx, alice.id); err != nil {
		t.Fatal(err)
	}
	if _, err := eve.c.AccountBlock(ctx, bob.id); err != nil {
		t.Fatal(err)
	}
	if _, err := dave.c.AccountMute(ctx, eve.id); err != nil {
		t.Fatal(err)
	}
	viewers := []string{"anonymous", "alice", "bob", "carol", "dave", "eve"}
	token := func(viewer string) string {
		if viewer == "anonymous" {
			return ""
		}
		return people[viewer].token
	}
	streams := map[string]chan sseEvent{}
	for _, v := range viewers {
		streams[v+" public"] = w.openSSE("/api/v1/streaming/public", token(v))
		streams[v+" hashtag"] = w.openSSE("/api/v1/streaming/hashtag?tag=vis", token(v))
		if v != "anonymous" {
			streams[v+" user"] = w.openSSE("/api/v1/streaming/user", token(v))
		}
	}

	type post struct {
		author     *person
		visibility string
		text       string
		id         string
	}
	posts := map[string]*post{
		"public":         {author: alice, visibility: "public", text: "vismark public #vis"},
		"followers-only": {author: alice, visibility: "private", text: "vismark followers #vis"},
		"direct":         {author: alice, visibility: "direct", text: "@dave vismark direct #vis"},
		"blocker's":      {author: eve, visibility: "public", text: "vismark by the blocker #vis"},
	}
	for _, key := range []string{"public", "followers-only", "direct", "blocker's"} {
		p := posts[key]
		s, err := p.author.c.PostStatus(ctx, &mastodon.Toot{Status: p.text, Visibility: p.visibility})
		if err != nil {
			t.Fatalf("post %s: %v", key, err)
		}
		p.id = string(s.ID)
	}
	// Sentinels close the streams' windows: everyone's own post on their
	// user stream, then zed's on the public ones.
	for _, v := range viewers[1:] {
		if _, err := people[v].c.PostStatus(ctx, &mastodon.Toot{Status: "sentinel of " + v + " #vis", Visibility: "public"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := people["zed"].c.PostStatus(ctx, &mastodon.Toot{Status: "sentinel of zed #vis", Visibility: "public"}); err != nil {
		t.Fatal(err)
	}

	everyone := viewers
	notBob := []string{"anonymous", "alice", "carol", "dave", "eve"}
	notBobNorDave := []string{"anonymous", "alice", "carol", "eve"}
	cases := []struct {
		post   string
		seenBy map[string][]string // endpoint → who sees the post there
	}{
		{"public", map[string][]string{
			"home": {"alice", "bob"}, "public": everyone, "tag": everyone, "account statuses": everyone,
			"status": everyone, "context": everyone, "favourited_by": everyone, "search": everyone,
			"user stream": {"alice", "bob"}, "public stream": everyone, "hashtag stream": everyone}},
		{"followers-only", map[string][]string{
			"home": {"alice", "bob"}, "public": nil, "tag": nil, "account statuses": {"alice", "bob"},
			"status": {"alice", "bob"}, "context": {"alice", "bob"}, "favourited_by": {"alice", "bob"},
			"search": {"alice"}, "user stream": {"alice", "bob"}, "public stream": nil, "hashtag stream": nil}},
		// A profile lists direct posts to their author only (Mastodon also
		// lists them to the people they mention; see docs/API.md).
		{"direct", map[string][]string{
			"home": {"alice"}, "public": nil, "tag": nil, "account statuses": {"alice"},
			"status": {"alice", "dave"}, "context": {"alice", "dave"}, "favourited_by": {"alice", "dave"},
			"search": {"alice"}, "user stream": {"alice"}, "public stream": nil, "hashtag stream": nil}},
		// Eve blocked bob; dave muted eve, which hides her from his
		// timelines and streams but not from her profile or a link.
		{"blocker's", map[string][]string{
			"home": {"eve"}, "public": notBobNorDave, "tag": notBobNorDave, "account statuses": notBob,
			"status": notBob, "context": notBob, "favourited_by": notBob, "search": notBobNorDave,
			"user stream": {"eve"}, "public stream": notBobNorDave, "hashtag stream": notBobNorDave}},
	}

	// What each viewer got on each list endpoint and stream.
	lists := map[string]map[string][]string{} // endpoint → viewer → ids
	listIDs := func(path, tok string) []string {
		r := w.call("GET", path, tok, nil, "")
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: got %d %s", path, r.status, r.body)
		}
		var got []struct{ ID string }
		r.json(t, &got)
		var out []string
		for _, s := range got {
			out = append(out, s.ID)
		}
		return out
	}
	for _, endpoint := range []string{"home", "public", "tag", "search", "user stream", "public stream", "hashtag stream"} {
		lists[endpoint] = map[string][]string{}
	}
	for _, v := range viewers {
		tok := token(v)
		lists["public"][v] = listIDs("/api/v1/timelines/public?limit=40", tok)
		lists["tag"][v] = listIDs("/api/v1/timelines/tag/vis?limit=40", tok)
		r := w.call("GET", "/api/v2/search?type=statuses&q=vismark", tok, nil, "")
		var res struct{ Statuses []struct{ ID string } }
		r.json(t, &res)
		for _, s := range res.Statuses {
			lists["search"][v] = append(lists["search"][v], s.ID)
		}
		lists["public stream"][v] = updatesUntil(t, streams[v+" public"], v+" public stream", "sentinel of zed")
		lists["hashtag stream"][v] = updatesUntil(t, streams[v+" hashtag"], v+" hashtag stream", "sentinel of zed")
		if v == "anonymous" {
			continue
		}
		lists["user stream"][v] = updatesUntil(t, streams[v+" user"], v+" user stream", "sentinel of "+v)
		// Home feeds are filled by a background job: wait for the sentinel
		// posted last to be there.
		eventually(t, v+"'s home", func() string {
			lists["home"][v] = listIDs("/api/v1/timelines/home?limit=40", tok)
			for _, p := range posts {
				if p.author == people[v] && !slices.Contains(lists["home"][v], p.id) {
					return "own post missing"
				}
			}
			if v == "bob" && !slices.Contains(lists["home"][v], posts["followers-only"].id) {
				return "followed account's post missing"
			}
			return ""
		})
	}

	for _, tc := range cases {
		p := posts[tc.post]
		for endpoint, seenBy := range tc.seenBy {
			for _, v := range viewers {
				if v == "anonymous" && (endpoint == "home" || endpoint == "user stream") {
					continue
				}
				want := slices.Contains(seenBy, v)
				var got bool
				switch endpoint {
				case "account statuses":
					got = slices.Contains(listIDs("/api/v1/accounts/"+string(p.author.id)+"/statuses", token(v)), p.id)
				case "status", "context", "favourited_by":
					path := map[string]string{"status": "", "context": "/context", "favourited_by": "/favourited_by"}[endpoint]
					r := w.call("GET", "/api/v1/statuses/"+p.id+path, token(v), nil, "")
					if r.status != http.StatusOK && (r.status != http.StatusNotFound || r.errorText(t) != "Record not found") {
						t.Errorf("%s post, %s, as %s: got %d %s", tc.post, endpoint, v, r.status, r.body)
					}
					got = r.status == http.StatusOK
				default:
					got = slices.Contains(lists[endpoint][v], p.id)
				}
				if got != want {
					t.Errorf("%s post on %s as %s: visible %v, want %v", tc.post, endpoint, v, got, want)
				}
			}
		}
	}
}

// TestVisibilityOfActions checks that actions on a post the actor may not
// see fail as if it did not exist.
func TestVisibilityOfActions(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	alice, carol := w.person("alice"), w.person("carol")
	s, err := alice.c.PostStatus(w.ctx, &mastodon.Toot{Status: "for my followers", Visibility: "private"})
	if err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{"favourite", "reblog", "bookmark"} {
		r := w.call("POST", "/api/v1/statuses/"+string(s.ID)+"/"+action, carol.token, nil, "")
		if r.status != http.StatusNotFound {
			t.Errorf("%s a post carol may not see: got %d %s, want 404", action, r.status, r.body)
		}
	}
	r := w.call("POST", "/api/v1/statuses", carol.token, url.Values{"status": {"a reply"}, "in_reply_to_id": {string(s.ID)}}, "")
	if r.status != http.StatusNotFound {
		t.Errorf("reply to a post carol may not see: got %d %s, want 404", r.status, r.body)
	}
	if r := w.call("GET", fmt.Sprintf("/api/v1/accounts/%s/statuses", alice.id), carol.token, nil, ""); string(r.body) != "[]\n" {
		t.Errorf("alice's statuses as carol: got %s, want []", r.body)
	}
}
