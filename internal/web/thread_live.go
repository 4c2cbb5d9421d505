package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"parvis/internal/model"
	"parvis/internal/social"
)

// A thread page follows its new replies live: parvis.js opens the page's
// event stream (server-sent events), and for each reply announced fetches
// the reply's HTML and puts it under the post it answers. The stream only
// names posts the viewer may see; the page works without it.

// Live stream timing: a comment keeps proxies from closing an idle stream,
// a stream ends after streamLifetime (the browser reconnects and catches
// up from the last reply it got), and a write that stalls ends it.
const (
	streamHeartbeat    = 25 * time.Second
	streamLifetime     = 10 * time.Minute
	streamWriteTimeout = 10 * time.Second
	streamRetryMS      = 3000
)

// liveReply is what the stream says of a new reply.
type liveReply struct {
	ID        string `json:"id"`
	InReplyTo string `json:"in_reply_to"`
	// Fragment is where its HTML is.
	Fragment string `json:"fragment"`
	Author   string `json:"author"`
}

// threadEvents streams the new replies of a post's thread (and the
// deletions) to its page.
func (h *Handler) threadEvents(w http.ResponseWriter, r *http.Request) {
	v, ok := h.postFromPath(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	viewer := reqCtx(r).actor
	thread := v.Post.ThreadID
	events, cancel := h.svc.Events().Subscribe()
	defer cancel()
	rc := http.NewResponseController(w)
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	write := func(s string) bool {
		if err := rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return false
		}
		if _, err := w.Write([]byte(s)); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	send := func(views []*social.PostView) bool {
		for _, pv := range views {
			p := pv.Post
			if pv.Reblog != nil || p.InReplyToID == 0 || p.ThreadID != thread {
				continue
			}
			id := model.FormatID(p.ID)
			b, err := json.Marshal(liveReply{ID: id, InReplyTo: model.FormatID(p.InReplyToID),
				Fragment: "/posts/" + id + "/fragment", Author: pv.Account.Name()})
			if err != nil {
				return false
			}
			if !write("event: reply\nid: " + id + "\ndata: " + string(b) + "\n\n") {
				return false
			}
		}
		return true
	}
	if !write("retry: " + strconv.Itoa(streamRetryMS) + "\n\n") {
		return
	}
	// A browser that reconnects says which reply it got last: it gets the
	// ones published since.
	if last, err := model.ParseID(r.Header.Get("Last-Event-ID")); err == nil && last > 0 {
		missed, err := h.svc.ThreadRepliesSince(ctx, viewer, thread, last)
		if err != nil {
			h.log.Warn("replay thread replies", "err", err)
		} else if !send(missed) {
			return
		}
	}
	heartbeat := time.NewTicker(streamHeartbeat)
	defer heartbeat.Stop()
	end := time.NewTimer(streamLifetime)
	defer end.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.done:
			return
		case <-end.C:
			return
		case <-heartbeat.C:
			if !write(": keep-alive\n\n") {
				return
			}
		case e, open := <-events:
			if !open {
				return
			}
			if e.ThreadID != thread {
				continue
			}
			switch e.Kind {
			case social.EventPost:
				if e.Reblog {
					continue
				}
				pv, err := h.svc.View(ctx, viewer, e.PostID)
				if err != nil {
					continue // not for this viewer, or gone already
				}
				if !send([]*social.PostView{pv}) {
					return
				}
			case social.EventDelete:
				if !write("event: delete\ndata: {\"id\":\"" + model.FormatID(e.PostID) + "\"}\n\n") {
					return
				}
			}
		}
	}
}

// postFragment answers parvis.js with one post's HTML, indented at depth
// (a reply arrived on a thread page).
func (h *Handler) postFragment(w http.ResponseWriter, r *http.Request) {
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		h.notFound(w, r)
		return
	}
	p := h.page(r, "")
	ctx := r.Context()
	v, err := h.svc.View(ctx, p.Actor, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	it := h.items(ctx, p, []*social.PostView{v}, safeNext(r.URL.Query().Get("next")))[0]
	if d, err := strconv.Atoi(r.URL.Query().Get("depth")); err == nil {
		it.Depth = max(0, min(d, maxDepth))
	}
	if s := it.S.Post; s.InReplyToID != 0 {
		if root, err := h.svc.View(ctx, p.Actor, s.ThreadID); err == nil {
			it.OP = root.Post.AccountID == s.AccountID
		}
	}
	var buf bytes.Buffer
	if err := h.pages["thread"].ExecuteTemplate(&buf, "post", it); err != nil {
		h.log.Error("render post fragment", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}
