package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coder/websocket"

	"parvis/internal/content"
	"parvis/internal/model"
	"parvis/internal/social"
)

// Streaming, as Mastodon's streaming server does it: a WebSocket at
// /api/v1/streaming carrying several subscriptions, or one server-sent
// event stream per connection below it. Events of the service carry ids
// only; each connection loads what its own viewer may see (View enforces
// visibility, blocks and mutes), so nothing leaks from one viewer to
// another.

// writeTimeout bounds one write to a client; a client that does not read
// is dropped.
const writeTimeout = 10 * time.Second

// stream is one subscription: a stream name as Mastodon writes it
// ("user", "public:local", "hashtag") and, for hashtags, the tag.
type stream struct {
	name string
	tag  string // as the client wrote it
	norm string // the tag normalised, for matching
}

// ids is how events name their stream: ["hashtag", "tag"] or ["user"].
func (s stream) ids() []string {
	if s.tag != "" {
		return []string{s.name, s.tag}
	}
	return []string{s.name}
}

// openStream validates a stream name and checks that auth may read it.
func openStream(auth *social.TokenAuth, name, tag string) (stream, error) {
	st := stream{name: name}
	var need string
	switch name {
	case "user":
		need = "read:statuses"
	case "user:notification":
		need = "read:notifications"
	case "public", "public:local", "public:remote", "public:media", "public:local:media", "public:remote:media":
	case "hashtag", "hashtag:local":
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "#")
		st.tag, st.norm = tag, content.NormalizeTag(tag)
		if st.norm == "" || len(tag) > 200 {
			return st, model.Errorf(model.EINVALID, "a hashtag stream needs a tag")
		}
	case "":
		return st, model.Errorf(model.EINVALID, "no stream was given")
	default:
		return st, model.Errorf(model.EINVALID, "unknown stream type %q", truncate(name, 40))
	}
	if need != "" && (auth == nil || !auth.Actor.LoggedIn()) {
		return st, model.Errorf(model.EUNAUTHORIZED, "%s", msgBadToken)
	}
	if auth != nil {
		if need == "" {
			need = "read:statuses"
		}
		if !auth.Scopes.Allows(need) {
			return st, model.Errorf(model.EFORBIDDEN, "%s", msgOutsideScope)
		}
	}
	return st, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// subscriber turns the service's events into messages for one viewer.
type subscriber struct {
	h       *Handler
	viewer  *social.Actor
	streams []stream
}

// message is an event for one stream; the payload is the JSON of the
// entity, as a string (or the id, for deletions), as Mastodon sends it.
type message struct {
	stream  []string
	event   string
	payload string
}

func (s *subscriber) subscribe(st stream) {
	for _, x := range s.streams {
		if x.name == st.name && x.norm == st.norm {
			return
		}
	}
	s.streams = append(s.streams, st)
}

func (s *subscriber) unsubscribe(st stream) {
	s.streams = slices.DeleteFunc(s.streams, func(x stream) bool { return x.name == st.name && x.norm == st.norm })
}

// messages returns what e means for the subscriptions. Errors are logged
// and the event skipped: one bad event must not end a stream.
func (s *subscriber) messages(ctx context.Context, e social.Event) []message {
	out, err := s.match(ctx, e)
	if err != nil {
		s.h.log.Warn("stream event", "kind", e.Kind, "post_id", e.PostID, "err", err)
		return nil
	}
	return out
}

func (s *subscriber) match(ctx context.Context, e social.Event) ([]message, error) {
	var out []message
	switch e.Kind {
	case social.EventPost, social.EventPostUpdate:
		event := "update"
		if e.Kind == social.EventPostUpdate {
			event = "status.update"
		}
		var view *social.PostView
		var payload string
		loaded := false
		for _, st := range s.streams {
			want, err := s.wantsPost(ctx, st, e)
			if err != nil {
				return nil, err
			}
			if !want {
				continue
			}
			if !loaded {
				loaded = true
				view, payload, err = s.statusPayload(ctx, e.PostID)
				if err != nil {
					return nil, err
				}
			}
			if view == nil || (strings.HasSuffix(st.name, ":media") && len(view.Shown().Media) == 0) {
				continue
			}
			out = append(out, message{stream: st.ids(), event: event, payload: payload})
		}
	case social.EventDelete:
		for _, st := range s.streams {
			want := true
			switch st.name {
			case "user":
				in, err := s.h.svc.InHome(ctx, s.viewer, social.Event{AuthorID: e.AuthorID})
				if err != nil {
					return nil, err
				}
				want = in
			case "user:notification":
				want = false
			}
			if want {
				out = append(out, message{stream: st.ids(), event: "delete", payload: model.FormatID(e.PostID)})
			}
		}
	case social.EventNotification:
		if !s.viewer.LoggedIn() || e.AccountID != s.viewer.Account.ID {
			return nil, nil
		}
		var payload string
		for _, st := range s.streams {
			if st.name != "user" && st.name != "user:notification" {
				continue
			}
			if payload == "" {
				n, err := s.h.svc.Notification(ctx, s.viewer, e.NotifID)
				if model.IsNotFound(err) {
					return nil, nil
				}
				if err != nil {
					return nil, err
				}
				if parvisType(n.Notification.Type) {
					return nil, nil
				}
				ns, err := s.h.notifications(ctx, s.viewer, []social.NotificationView{*n})
				if err != nil {
					return nil, err
				}
				b, err := marshal(ns[0])
				if err != nil {
					return nil, err
				}
				payload = string(b)
			}
			out = append(out, message{stream: st.ids(), event: "notification", payload: payload})
		}
	}
	return out, nil
}

// wantsPost reports whether a new or edited post belongs to a stream, by
// the rules of the matching timeline; whether the viewer may see it is
// checked when it is loaded.
func (s *subscriber) wantsPost(ctx context.Context, st stream, e social.Event) (bool, error) {
	publicOriginal := e.Visibility == string(model.Public) && !e.Reblog && !e.Reply
	switch st.name {
	case "user":
		return s.h.svc.InHome(ctx, s.viewer, e)
	case "public", "public:media":
		return publicOriginal, nil
	case "public:local", "public:local:media":
		return publicOriginal && e.Local, nil
	case "public:remote", "public:remote:media":
		return publicOriginal && !e.Local, nil
	case "hashtag", "hashtag:local":
		if e.Visibility != string(model.Public) || e.Reblog || (st.name == "hashtag:local" && !e.Local) {
			return false, nil
		}
		for _, t := range e.Tags {
			if content.NormalizeTag(t) == st.norm {
				return true, nil
			}
		}
	}
	return false, nil
}

// statusPayload loads a post for the viewer (nil when they may not see it,
// or mute its author) and renders it.
func (s *subscriber) statusPayload(ctx context.Context, id int64) (*social.PostView, string, error) {
	vs, err := s.h.svc.Views(ctx, s.viewer, []int64{id}, true)
	if err != nil || len(vs) == 0 {
		return nil, "", err
	}
	st, err := s.h.status(ctx, s.viewer, vs[0])
	if err != nil {
		return nil, "", err
	}
	b, err := marshal(st)
	if err != nil {
		return nil, "", err
	}
	return vs[0], string(b), nil
}

// marshal encodes v as the API writes JSON (without escaping HTML).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := encodeJSON(&b, v); err != nil {
		return nil, fmt.Errorf("encode stream payload: %w", err)
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// streamHealth answers the health check of the streaming API.
func (h *Handler) streamHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("OK"))
}

// streamEvents serves one stream as server-sent events (GET
// /api/v1/streaming/user, /public/local, /hashtag?tag=...).
func (h *Handler) streamEvents(w http.ResponseWriter, r *http.Request) {
	r, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	name := strings.ReplaceAll(strings.Trim(r.PathValue("stream"), "/"), "/", ":")
	st, err := openStream(tokenAuth(r), name, r.URL.Query().Get("tag"))
	if err != nil {
		if model.ErrorCode(err) == model.EINVALID && strings.HasPrefix(model.ErrorMessage(err), "unknown stream") {
			err = model.Errorf(model.ENOTFOUND, "no such stream")
		}
		h.fail(w, r, err)
		return
	}
	events, cancel := h.svc.Events().Subscribe()
	defer cancel()
	rc := http.NewResponseController(w)
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	write := func(s string) bool {
		if err := rc.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return false
		}
		if _, err := w.Write([]byte(s)); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !write(":)\n") {
		return
	}
	sub := &subscriber{h: h, viewer: actor(r), streams: []stream{st}}
	ticker := time.NewTicker(h.heartbeat)
	defer ticker.Stop()
	ctx := r.Context()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.done:
			return
		case <-ticker.C:
			if !write(":thump\n\n") {
				return
			}
		case e, open := <-events:
			if !open {
				return
			}
			for _, m := range sub.messages(ctx, e) {
				if !write("event: " + m.event + "\ndata: " + m.payload + "\n\n") {
					return
				}
			}
		}
	}
}

// wsCommand is what a WebSocket client sends: subscribe or unsubscribe.
type wsCommand struct {
	Type   string `json:"type"`
	Stream string `json:"stream"`
	Tag    string `json:"tag"`
}

// wsMessage is what the server sends on a WebSocket.
type wsMessage struct {
	Stream  []string `json:"stream,omitempty"`
	Event   string   `json:"event,omitempty"`
	Payload string   `json:"payload,omitempty"`
	Error   string   `json:"error,omitempty"`
	Status  int      `json:"status,omitempty"`
}

// streamWebSocket serves the multiplexed WebSocket (GET /api/v1/streaming).
// The token comes as the access_token parameter, the Authorization
// header, or the Sec-WebSocket-Protocol header (which browsers can set);
// a first stream can be named by the stream parameter.
func (h *Handler) streamWebSocket(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "this endpoint speaks WebSocket; the event streams are below /api/v1/streaming/"})
		return
	}
	var subprotocols []string
	if bearerToken(r) == "" {
		if p := strings.TrimSpace(strings.Split(r.Header.Get("Sec-WebSocket-Protocol"), ",")[0]); p != "" {
			r.Header.Set("Authorization", "Bearer "+p)
			subprotocols = []string{p}
		}
	}
	r, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	auth := tokenAuth(r)
	sub := &subscriber{h: h, viewer: actor(r)}
	if name := r.URL.Query().Get("stream"); name != "" {
		st, err := openStream(auth, name, r.URL.Query().Get("tag"))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		sub.subscribe(st)
	}
	// Tokens, not cookies, authenticate, so any origin may connect.
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: subprotocols, InsecureSkipVerify: true})
	if err != nil {
		return
	}
	defer conn.CloseNow()
	conn.SetReadLimit(4096)
	// The request's context must not be used once the connection is
	// hijacked; this one ends when the client goes.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, unsubscribe := h.svc.Events().Subscribe()
	defer unsubscribe()
	commands := make(chan wsCommand)
	go func() {
		defer cancel()
		for {
			_, data, err := conn.Read(ctx)
			if err != nil {
				return
			}
			var c wsCommand
			if json.Unmarshal(data, &c) != nil {
				c = wsCommand{Type: "malformed"}
			}
			select {
			case commands <- c:
			case <-ctx.Done():
				return
			}
		}
	}()
	send := func(m wsMessage) bool {
		b, err := json.Marshal(m)
		if err != nil {
			return false
		}
		wctx, wcancel := context.WithTimeout(ctx, writeTimeout)
		defer wcancel()
		return conn.Write(wctx, websocket.MessageText, b) == nil
	}
	ticker := time.NewTicker(h.heartbeat)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.done:
			conn.Close(websocket.StatusGoingAway, "the server is shutting down")
			return
		case <-ticker.C:
			pctx, pcancel := context.WithTimeout(ctx, writeTimeout)
			err := conn.Ping(pctx)
			pcancel()
			if err != nil {
				return
			}
		case c := <-commands:
			if m, failed := h.command(sub, auth, c); failed && !send(m) {
				return
			}
		case e, open := <-events:
			if !open {
				conn.Close(websocket.StatusGoingAway, "the event stream ended")
				return
			}
			for _, m := range sub.messages(ctx, e) {
				if !send(wsMessage{Stream: m.stream, Event: m.event, Payload: m.payload}) {
					return
				}
			}
		}
	}
}

// command runs a client's subscribe or unsubscribe, and returns the error
// message to send when it fails.
func (h *Handler) command(sub *subscriber, auth *social.TokenAuth, c wsCommand) (wsMessage, bool) {
	if c.Type != "subscribe" && c.Type != "unsubscribe" {
		return wsMessage{Error: "unknown message type (want subscribe or unsubscribe)", Status: http.StatusBadRequest}, true
	}
	st, err := openStream(auth, c.Stream, c.Tag)
	if err != nil {
		return wsMessage{Error: model.ErrorMessage(err), Status: model.HTTPStatus(err)}, true
	}
	if c.Type == "subscribe" {
		sub.subscribe(st)
	} else {
		sub.unsubscribe(st)
	}
	return wsMessage{}, false
}
