package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"parvis/internal/model"
	"parvis/internal/perf"
	"parvis/internal/server/servertest"
	"parvis/internal/social"
)

// sseEvent is one server-sent event.
type sseEvent struct {
	Event, ID, Data string
}

// sseStream reads a thread page's event stream.
type sseStream struct {
	events chan sseEvent
	cancel func()
}

// openStream connects b to a stream; lastID, when set, is the
// Last-Event-ID a reconnecting browser sends.
func openStream(t *testing.T, s *site, b *servertest.Browser, path, lastID string) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.env.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := b.HTTP.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("open %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		cancel()
		t.Fatalf("open %s: got %d %q", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	st := &sseStream{events: make(chan sseEvent, 16), cancel: cancel}
	ready := make(chan struct{})
	go func() {
		defer resp.Body.Close()
		defer close(st.events)
		r := bufio.NewReader(resp.Body)
		var e sseEvent
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "retry:"):
				close(ready)
			case strings.HasPrefix(line, "event: "):
				e.Event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "id: "):
				e.ID = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "data: "):
				e.Data = strings.TrimPrefix(line, "data: ")
			case line == "" && e.Event != "":
				st.events <- e
				e = sseEvent{}
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatalf("the stream %s did not start", path)
	}
	t.Cleanup(cancel)
	return st
}

// next waits for the stream's next event.
func (st *sseStream) next(t *testing.T) sseEvent {
	t.Helper()
	select {
	case e, ok := <-st.events:
		if !ok {
			t.Fatalf("the stream ended")
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatalf("no event within 10 s")
	}
	return sseEvent{}
}

func TestThreadPageGetsRepliesLive(t *testing.T) {
	s := newSite(t)
	s.person("alice")
	bob := s.person("bob")
	s.person("carol")
	root := s.publish("alice", social.PostInput{Text: "Quelqu'un a essayé le paillage au carton ?"})
	rootID := model.FormatID(root.ID)
	thread := "/@alice/" + rootID
	page := bob.Get(thread).Body
	if !strings.Contains(page, `data-live="`+thread+`/events"`) {
		t.Fatalf("the thread page does not name its live stream")
	}
	st := openStream(t, s, bob, thread+"/events", "")
	// A direct reply bob may not see is not announced; the public one is.
	s.publish("carol", social.PostInput{Text: "@alice en privé : oui", InReplyToID: root.ID, Visibility: "direct"})
	reply := s.publish("carol", social.PostInput{Text: "@alice oui, ça marche très bien", InReplyToID: root.ID})
	e := st.next(t)
	var got struct {
		ID        string `json:"id"`
		InReplyTo string `json:"in_reply_to"`
		Fragment  string `json:"fragment"`
		Author    string `json:"author"`
	}
	if err := json.Unmarshal([]byte(e.Data), &got); err != nil {
		t.Fatalf("event data %q: %v", e.Data, err)
	}
	if e.Event != "reply" || got.ID != model.FormatID(reply.ID) || e.ID != got.ID || got.InReplyTo != rootID || got.Author != "carol" {
		t.Fatalf("got event %+v %+v, want carol's public reply to %s", e, got, rootID)
	}
	// The fragment is the reply's HTML, indented one step.
	frag := bob.Get(got.Fragment + "?depth=1&next=" + thread)
	if frag.Status != http.StatusOK || !strings.HasPrefix(strings.TrimSpace(frag.Body), `<article class="post h-entry depth-1" id="p-`+got.ID+`"`) ||
		!strings.Contains(frag.Body, "ça marche très bien") {
		t.Fatalf("the reply's fragment: got %d:\n%s", frag.Status, frag.Body)
	}
	// A browser that reconnects gets what it missed since its last event.
	later := s.publish("alice", social.PostInput{Text: "@carol merci, je teste", InReplyToID: reply.ID})
	st.cancel()
	again := openStream(t, s, bob, thread+"/events", got.ID)
	if e := again.next(t); e.ID != model.FormatID(later.ID) || !strings.Contains(e.Data, `"in_reply_to":"`+got.ID+`"`) {
		t.Fatalf("after reconnecting: got %+v, want alice's later reply", e)
	}
	// The reply shows on the page marked as the original poster's.
	if body := bob.Get(thread).Body; !regexp.MustCompile(`(?s)id="p-` + model.FormatID(later.ID) + `".*?class="op"`).MatchString(body) {
		t.Errorf("alice's reply in her own thread is not marked as the original poster's")
	}
}

// replyChain publishes a chain of depth replies under root, alternating
// two people, and returns the deepest.
func replyChain(s *site, root *model.Post, depth int) *model.Post {
	parent := root
	for i := range depth {
		who := []string{"bob", "alice"}[i%2]
		parent = s.publish(who, social.PostInput{Text: fmt.Sprintf("Niveau %d de la discussion", i+1), InReplyToID: parent.ID})
	}
	return parent
}

func TestThreadStaysReadableDeepAndWide(t *testing.T) {
	s := newSite(t)
	alice := s.person("alice")
	s.person("bob")
	root := s.publish("alice", social.PostInput{Text: "Le grand fil du potager"})
	replyChain(s, root, 12)
	crowd := s.crowd("voisin", 6)
	for i := range 230 {
		if _, err := s.env.App.Service.Publish(context.Background(), crowd[i%len(crowd)],
			social.PostInput{Text: fmt.Sprintf("Réponse directe %d", i), InReplyToID: root.ID}); err != nil {
			t.Fatal(err)
		}
	}
	thread := "/@alice/" + model.FormatID(root.ID)
	page := alice.Get(thread).Body
	// A page holds 200 replies, whole branches: the chain and 188 direct
	// replies; the rest come on the next page. Everything of a page is
	// there without JavaScript: indentation stops at 6, the deep part of
	// the branch and the replies past the first 30 are folded (shown
	// compact).
	if n := len(postIDRE.FindAllString(page, -1)); n != 201 {
		t.Errorf("the first page shows %d posts, want 201", n)
	}
	if !strings.Contains(page, "Niveau 12 de la discussion") || strings.Contains(page, "depth-7") || !strings.Contains(page, "depth-6") {
		t.Errorf("the deep branch is not shown with its indentation capped at 6")
	}
	if !regexp.MustCompile(`(?s)Niveau 3 de la discussion.*<details class="branch"><summary>Show 9 replies</summary>.*Niveau 4 de la discussion`).MatchString(page) {
		t.Errorf("the branch past depth 3 is not folded")
	}
	if !strings.Contains(page, `<details class="branch"><summary>Show 159 more replies</summary>`) ||
		!strings.Contains(page, `class="post h-entry compact depth-1"`) {
		t.Errorf("the replies past the first 30 are not folded and compact")
	}
	if !strings.Contains(page, "Replies <span class=\"muted\">(242)</span>") {
		t.Errorf("the heading does not count the 242 replies")
	}
	if n := strings.Count(page, `class="op"`); n != 6 {
		t.Errorf("%d replies marked as the original poster's, want alice's 6", n)
	}
	m := regexp.MustCompile(`<a href="([^"]+)" rel="next">More replies`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the first page has no link to the next replies")
	}
	second := alice.Get(html.UnescapeString(m[1])).Body
	if n := len(postIDRE.FindAllString(second, -1)); n != 1+42 || !strings.Contains(second, "Réponse directe 229") ||
		!strings.Contains(second, `rel="prev">← First replies`) || strings.Contains(second, `rel="next"`) {
		t.Errorf("the second page shows %d posts, want the post and the 42 last replies", n)
	}
}

// threadWith1000Replies builds a thread of 1,000 replies by 50 people,
// each answering an earlier post of the thread, up to 10 deep.
func threadWith1000Replies(tb testing.TB) (*site, string) {
	tb.Helper()
	s := newSite(tb)
	s.env.SignUp(tb, "alice", "the password of alice")
	root := s.publish("alice", social.PostInput{Text: "Quel est votre meilleur conseil de jardinage ?"})
	people := s.crowd("jardinier", 50)
	type node struct {
		id    int64
		depth int
	}
	nodes := []node{{root.ID, 0}}
	ctx := context.Background()
	for i := range 1000 {
		// A deterministic mix: most answer a recent post, some the root.
		parent := nodes[(i*7919)%len(nodes)]
		if i%5 == 0 {
			parent = nodes[0]
		}
		if parent.depth >= 10 {
			parent = nodes[0]
		}
		p, err := s.env.App.Service.Publish(ctx, people[i%len(people)], social.PostInput{
			Text: fmt.Sprintf("Conseil %d : paillez tôt, arrosez le soir, et observez avant d'agir.", i), InReplyToID: parent.id})
		if err != nil {
			tb.Fatal(err)
		}
		nodes = append(nodes, node{p.ID, parent.depth + 1})
	}
	s.waitForJobs()
	return s, "/@alice/" + model.FormatID(root.ID)
}

// waitForJobs waits until the background jobs the set-up queued (fan-out,
// notifications) are done, so that a benchmark measures the page alone.
func (s *site) waitForJobs() {
	s.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		var n int
		err := s.env.App.DB.SQL().QueryRowContext(context.Background(),
			"SELECT COUNT(*) FROM river_job WHERE state IN ('available', 'running', 'retryable')").Scan(&n)
		if err != nil {
			s.t.Fatalf("count jobs: %v", err)
		}
		if n == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("the background jobs did not finish")
}

// BenchmarkThreadPage1000 measures the server time of the page of a
// thread with 1,000 replies for a logged-in reader (session, the thread,
// its first page of 200 replies as a tree, rendering), without the
// network. It reports the CPU time beside the wall time: on a shared
// machine the wall time also counts waiting for other processes.
func BenchmarkThreadPage1000(b *testing.B) {
	s, thread := threadWith1000Replies(b)
	alice := s.login("alice", "the password of alice")
	handler := s.env.App.Server.Handler()
	req := httptest.NewRequest(http.MethodGet, thread, nil)
	req.AddCookie(&http.Cookie{Name: "parvis_session", Value: alice.Cookie("parvis_session")})
	req.Header.Set("Accept-Language", "en")
	check := httptest.NewRecorder()
	handler.ServeHTTP(check, req)
	if n := len(postIDRE.FindAllString(check.Body.String(), -1)); check.Code != http.StatusOK || n != 201 {
		b.Fatalf("thread: got %d with %d posts, want 200 with the post and 200 replies", check.Code, n)
	}
	size := check.Body.Len()
	// Following the pages and the branches continued on their own pages
	// shows every reply.
	seen := map[string]bool{}
	next := regexp.MustCompile(`<a href="([^"]+)" rel="next">|<p><a href="([^"]+)">Continue this thread`)
	for todo := []string{thread}; len(todo) > 0; {
		body := alice.Get(todo[0]).Body
		todo = todo[1:]
		for _, m := range postIDRE.FindAllStringSubmatch(body, -1) {
			seen[m[1]] = true
		}
		for _, m := range next.FindAllStringSubmatch(body, -1) {
			todo = append(todo, html.UnescapeString(m[1]+m[2]))
		}
	}
	if len(seen) != 1001 {
		b.Fatalf("the pages show %d posts, want the 1,001 of the thread", len(seen))
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := perf.CPUTime()
	for b.Loop() {
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("thread: got %d", w.Code)
		}
		_, _ = io.Copy(io.Discard, w.Body)
	}
	b.ReportMetric(float64((perf.CPUTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(size), "bytes/page")
}
