package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/mattn/go-mastodon"

	"parvis/internal/api"
	"parvis/internal/server/servertest"
)

// nextEvent waits for the first event on ch that want accepts, skipping
// the others.
func nextEvent(t *testing.T, ch chan mastodon.Event, what string, want func(mastodon.Event) bool) mastodon.Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e, open := <-ch:
			if !open {
				t.Fatalf("%s: the stream closed", what)
			}
			if ee, isErr := e.(*mastodon.ErrorEvent); isErr {
				t.Fatalf("%s: stream error %v", what, ee.Err)
			}
			if want(e) {
				return e
			}
			if u, ok := e.(*mastodon.UpdateEvent); ok {
				t.Logf("%s: skipped update %s %q", what, u.Status.ID, u.Status.Content)
			} else {
				t.Logf("%s: skipped %T %+v", what, e, e)
			}
		case <-timeout:
			t.Fatalf("%s: no event in 10 s", what)
		}
	}
}

func updateWith(text string) func(mastodon.Event) bool {
	return func(e mastodon.Event) bool {
		u, ok := e.(*mastodon.UpdateEvent)
		return ok && strings.Contains(u.Status.Content, text)
	}
}

// warmUp posts probes until every stream has received one: streams
// connect in the background, and an event published before a stream
// subscribes is not replayed.
func warmUp(t *testing.T, ctx context.Context, author *mastodon.Client, streams ...chan mastodon.Event) {
	t.Helper()
	ready := make([]bool, len(streams))
	for i := range 100 {
		if _, err := author.PostStatus(ctx, &mastodon.Toot{Status: fmt.Sprintf("probe %d #cats", i), Visibility: "public"}); err != nil {
			t.Fatalf("probe: %v", err)
		}
		all := true
		for j, ch := range streams {
			if !ready[j] {
				ready[j] = probeArrives(ch, 200*time.Millisecond)
			}
			all = all && ready[j]
		}
		if all {
			return
		}
	}
	t.Fatalf("streams not ready after 100 probes: %v", ready)
}

// probeArrives reports whether a probe arrives on ch within d.
func probeArrives(ch chan mastodon.Event, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case e := <-ch:
			if updateWith("probe")(e) {
				return true
			}
		case <-timer.C:
			return false
		}
	}
}

// TestStreamingWithClient reads the user and hashtag streams over
// WebSocket and server-sent events with go-mastodon.
func TestStreamingWithClient(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	alice, bob := w.person("alice"), w.person("bob")
	if _, err := bob.c.AccountFollow(w.ctx, alice.id); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(w.ctx)
	t.Cleanup(cancel)
	ws, err := bob.c.NewWSClient().StreamingWSUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sse, err := bob.c.StreamingUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tagged, err := w.client("").StreamingHashtag(ctx, "Cats", false)
	if err != nil {
		t.Fatal(err)
	}
	local, err := w.client("").StreamingPublic(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	wsPublic, err := w.client("").NewWSClient().StreamingWSPublic(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	warmUp(t, ctx, alice.c, ws, sse, tagged, local, wsPublic)

	post, err := alice.c.PostStatus(ctx, &mastodon.Toot{Status: "a streamed post about #cats", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	for name, ch := range map[string]chan mastodon.Event{"WebSocket user": ws, "SSE user": sse, "SSE hashtag": tagged,
		"SSE public:local": local, "WebSocket public": wsPublic} {
		e := nextEvent(t, ch, name, updateWith("a streamed post")).(*mastodon.UpdateEvent)
		if e.Status.ID != post.ID || e.Status.Account.ID != alice.id {
			t.Errorf("%s: got status %s by %s, want %s by alice", name, e.Status.ID, e.Status.Account.ID, post.ID)
		}
	}
	// A followers-only post reaches the follower, not the public hashtag.
	if _, err := alice.c.PostStatus(ctx, &mastodon.Toot{Status: "for followers about #cats", Visibility: "private"}); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, ws, "followers-only post on the follower's stream", updateWith("for followers"))
	// Someone favouriting bob's post notifies his streams.
	mine, err := bob.c.PostStatus(ctx, &mastodon.Toot{Status: "own post of bob"})
	if err != nil {
		t.Fatal(err)
	}
	nextEvent(t, sse, "own post on the user stream", updateWith("own post of bob"))
	if _, err := alice.c.Favourite(ctx, mine.ID); err != nil {
		t.Fatal(err)
	}
	for name, ch := range map[string]chan mastodon.Event{"WebSocket": ws, "SSE": sse} {
		e := nextEvent(t, ch, name+" notification", func(e mastodon.Event) bool {
			_, ok := e.(*mastodon.NotificationEvent)
			return ok
		}).(*mastodon.NotificationEvent)
		if e.Notification.Type != "favourite" || e.Notification.Status.ID != mine.ID || e.Notification.Account.ID != alice.id {
			t.Errorf("%s notification: got %+v", name, e.Notification)
		}
	}
	// Edits and deletions.
	if _, err := alice.c.UpdateStatus(ctx, &mastodon.Toot{Status: "a streamed post about #cats, edited"}, post.ID); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, ws, "status.update", func(e mastodon.Event) bool {
		u, ok := e.(*mastodon.UpdateEditEvent)
		return ok && u.Status.ID == post.ID && strings.Contains(u.Status.Content, "edited")
	})
	if err := alice.c.DeleteStatus(ctx, post.ID); err != nil {
		t.Fatal(err)
	}
	for name, ch := range map[string]chan mastodon.Event{"WebSocket": ws, "SSE": sse, "hashtag": tagged} {
		nextEvent(t, ch, name+" delete", func(e mastodon.Event) bool {
			d, ok := e.(*mastodon.DeleteEvent)
			return ok && d.ID == post.ID
		})
	}
	// The followers-only post never reached the anonymous public streams.
	for name, ch := range map[string]chan mastodon.Event{"hashtag": tagged, "public:local": local, "WebSocket public": wsPublic} {
	drain:
		for {
			select {
			case e := <-ch:
				if updateWith("for followers")(e) {
					t.Fatalf("a followers-only post was streamed to an anonymous %s stream", name)
				}
			default:
				break drain
			}
		}
	}
}

// TestWebSocketProtocol subscribes and unsubscribes on one WebSocket, with
// the token in Sec-WebSocket-Protocol as browsers send it.
func TestWebSocketProtocol(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	alice := w.person("alice")
	ctx, cancel := context.WithTimeout(w.ctx, 30*time.Second)
	defer cancel()
	wsURL := "ws" + strings.TrimPrefix(w.env.URL, "http") + "/api/v1/streaming"

	if _, resp, err := websocket.Dial(ctx, wsURL+"?access_token=wrong&stream=user", nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong token: got %v, %v, want a 401 handshake", resp, err)
	}
	if _, resp, err := websocket.Dial(ctx, wsURL+"?stream=user", nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("user stream without token: got %v, %v, want a 401 handshake", resp, err)
	}
	conn, resp, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{Subprotocols: []string{alice.token}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.CloseNow()
	if resp.Header.Get("Sec-WebSocket-Protocol") != alice.token {
		t.Errorf("negotiated protocol: got %q, want the token", resp.Header.Get("Sec-WebSocket-Protocol"))
	}
	send := func(v any) {
		b, _ := json.Marshal(v)
		if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	type msg struct {
		Stream  []string `json:"stream"`
		Event   string   `json:"event"`
		Payload string   `json:"payload"`
		Error   string   `json:"error"`
		Status  int      `json:"status"`
	}
	read := func() msg {
		_, b, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		var m msg
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
		w.vt.validatePayload(m.Event, m.Payload)
		return m
	}
	send(map[string]string{"type": "subscribe", "stream": "list", "list": "1"})
	if m := read(); m.Status != http.StatusBadRequest || !strings.Contains(m.Error, "unknown stream") {
		t.Errorf("unknown stream: got %+v", m)
	}
	send(map[string]string{"type": "subscribe", "stream": "hashtag", "tag": "dogs"})
	send(map[string]string{"type": "subscribe", "stream": "public:local"})
	// The subscriptions are in place once an error answer to a later
	// message arrives: messages are handled in order.
	send(map[string]string{"type": "dance"})
	if m := read(); m.Status != http.StatusBadRequest {
		t.Fatalf("unknown message type: got %+v", m)
	}
	if _, err := alice.c.PostStatus(ctx, &mastodon.Toot{Status: "woof #dogs", Visibility: "public"}); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for range 2 {
		m := read()
		var s mastodon.Status
		if err := json.Unmarshal([]byte(m.Payload), &s); err != nil || m.Event != "update" || !strings.Contains(s.Content, "woof") {
			t.Fatalf("update: got %+v (%v)", m, err)
		}
		got[strings.Join(m.Stream, ":")] = true
	}
	if !got["hashtag:dogs"] || !got["public:local"] {
		t.Errorf("streams of the update: got %v, want hashtag:dogs and public:local", got)
	}
	send(map[string]string{"type": "unsubscribe", "stream": "hashtag", "tag": "dogs"})
	send(map[string]string{"type": "dance"})
	read()
	if _, err := alice.c.PostStatus(ctx, &mastodon.Toot{Status: "woof again #dogs", Visibility: "public"}); err != nil {
		t.Fatal(err)
	}
	if m := read(); strings.Join(m.Stream, ":") != "public:local" {
		t.Errorf("after unsubscribing from the hashtag: got %+v, want only public:local", m)
	}
	if r := w.call("GET", "/api/v1/streaming/health", "", nil, ""); r.status != http.StatusOK || string(r.body) != "OK" {
		t.Errorf("streaming health: got %d %q", r.status, r.body)
	}
	if r := w.call("GET", "/api/v1/streaming/user", "", nil, ""); r.status != http.StatusUnauthorized {
		t.Errorf("user event stream without token: got %d, want 401", r.status)
	}
	if r := w.call("GET", "/api/v1/streaming/hashtag", "", nil, ""); r.status != http.StatusBadRequest {
		t.Errorf("hashtag event stream without tag: got %d, want 400", r.status)
	}
}

// TestStreamsHeartbeatAndEnd runs the API handler with a short heartbeat:
// an idle event stream gets keep-alives, and every stream's handler
// returns when its client goes or when the server shuts down.
func TestStreamsHeartbeatAndEnd(t *testing.T) {
	env := servertest.New(t, servertest.Options{})
	done := make(chan struct{})
	h := api.New(env.App.Service, api.Options{Done: done, Heartbeat: 50 * time.Millisecond})
	var active atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		active.Add(1)
		defer active.Add(-1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	waitIdle := func(what string) {
		t.Helper()
		eventually(t, what, func() string {
			if n := active.Load(); n != 0 {
				return fmt.Sprintf("%d handlers still running", n)
			}
			return ""
		})
	}

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/streaming/public", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("open event stream: got %v, %v", resp, err)
	}
	sc := bufio.NewScanner(resp.Body)
	thumps := 0
	for thumps < 2 && sc.Scan() {
		if sc.Text() == ":thump" {
			thumps++
		}
	}
	if thumps < 2 {
		t.Errorf("got %d heartbeats, want 2", thumps)
	}
	cancel()
	resp.Body.Close()
	waitIdle("event stream after the client left")

	wsURL := "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/v1/streaming?stream=public"
	conn, _, err := websocket.Dial(context.Background(), wsURL, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	conn.CloseNow()
	waitIdle("WebSocket after the client left")

	conn, _, err = websocket.Dial(context.Background(), wsURL, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.CloseNow()
	close(done)
	_, _, err = conn.Read(context.Background())
	if websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Errorf("WebSocket at shutdown: got %v, want close status 1001 going away", err)
	}
	waitIdle("WebSocket after shutdown")
}
