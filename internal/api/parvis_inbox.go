package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"parvis/internal/model"
	"parvis/internal/social"
)

// InboxItem is something that awaits the caller's reply.
type InboxItem struct {
	ID            string  `json:"id"`   // the status's id
	Kind          string  `json:"kind"` // mention, direct, question, community
	CommunityID   *string `json:"community_id"`
	ArrivedAt     string  `json:"arrived_at"`
	WaitedSeconds int64   `json:"waited_seconds"`
	Status        Status  `json:"status"`
}

// ResponseStats are response figures over a period.
type ResponseStats struct {
	Since string `json:"since"`
	Until string `json:"until"`
	social.ResponseStats
}

func responseStats(st social.ResponseStats, since, until time.Time) ResponseStats {
	return ResponseStats{Since: isoTime(since), Until: isoTime(until), ResponseStats: st}
}

// inboxCursor reads the after parameter: "<arrival in Unix ms>.<status id>",
// as the Link header gives it.
func inboxCursor(s string) (social.InboxCursor, error) {
	if s == "" {
		return social.InboxCursor{}, nil
	}
	ms, id, ok := strings.Cut(s, ".")
	t, err1 := strconv.ParseInt(ms, 10, 64)
	p, err2 := model.ParseID(id)
	if !ok || err1 != nil || err2 != nil || t < 0 {
		return social.InboxCursor{}, model.Errorf(model.EINVALID, "after is not a cursor of this list")
	}
	return social.InboxCursor{AfterCreated: t, AfterPost: p}, nil
}

// pvInbox lists what awaits the caller's reply, oldest first, each with
// how long it has waited. Pages follow the Link header (after=).
func (h *Handler) pvInbox(w http.ResponseWriter, r *http.Request) {
	f, ok := h.pvParse(w, r)
	if !ok {
		return
	}
	after, err := inboxCursor(f.str("after"))
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	limit, err := f.integer("limit", 40)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	limit = max(1, min(limit, 200))
	entries, err := h.svc.Inbox(r.Context(), actor(r), after, limit)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	views := make([]*social.PostView, len(entries))
	for i, e := range entries {
		views[i] = e.Post
	}
	sts, err := h.statuses(r.Context(), actor(r), views)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	out := make([]InboxItem, 0, len(entries))
	for i, e := range entries {
		out = append(out, InboxItem{ID: model.FormatID(e.Item.PostID), Kind: e.Item.Kind,
			CommunityID: optID(e.Item.CommunityID), ArrivedAt: isoTime(e.Item.CreatedAt),
			WaitedSeconds: int64(e.Waited / time.Second), Status: sts[i]})
	}
	if len(entries) == limit {
		last := entries[len(entries)-1].Item
		q := r.URL.Query()
		q.Del("access_token")
		q.Set("after", strconv.FormatInt(last.CreatedAt.UnixMilli(), 10)+"."+model.FormatID(last.PostID))
		w.Header().Set("Link", "<"+h.svc.BaseURL()+r.URL.Path+"?"+q.Encode()+`>; rel="next"`)
	}
	reply(w, out)
}

func (h *Handler) pvInboxCount(w http.ResponseWriter, r *http.Request) {
	n, err := h.svc.InboxCount(r.Context(), actor(r))
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	reply(w, struct {
		Count int64 `json:"count"`
	}{n})
}

// pvInboxAction marks an item done or not done, or snoozes it
// (duration: seconds, 0 wakes it).
func (h *Handler) pvInboxAction(w http.ResponseWriter, r *http.Request) {
	f, ids, ok := h.pvRequest(w, r, "status_id")
	if !ok {
		return
	}
	var err error
	switch r.PathValue("action") {
	case "done":
		err = h.svc.MarkInbox(r.Context(), actor(r), ids[0], true, 0)
	case "undone":
		err = h.svc.MarkInbox(r.Context(), actor(r), ids[0], false, 0)
	case "snooze":
		var secs int
		if !f.has("duration") {
			err = model.Errorf(model.EUNPROCESS, "duration is required (seconds, at most 90 days)")
		} else if secs, err = f.integer("duration", 0); err == nil {
			err = h.svc.MarkInbox(r.Context(), actor(r), ids[0], false, time.Duration(secs)*time.Second)
		}
	default:
		h.pvNotFound(w, r)
		return
	}
	h.pvDone(w, r, err)
}

// pvMyStats gives the caller's response figures (since, until: 30 days by
// default).
func (h *Handler) pvMyStats(w http.ResponseWriter, r *http.Request) {
	f, ok := h.pvParse(w, r)
	if !ok {
		return
	}
	h.pvStats(w, r, f, func(since, until time.Time) (social.ResponseStats, error) {
		return h.svc.MyResponses(r.Context(), actor(r), since, until)
	})
}
