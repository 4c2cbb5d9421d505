package api

import (
	"net/http"
	"slices"
	"strings"

	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// listNotifications lists the person's notifications (GET
// /api/v1/notifications), filtered by types[], exclude_types[] and
// account_id.
func (h *Handler) listNotifications(w http.ResponseWriter, r *http.Request) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	p, err := f.page(notificationsLimit, notificationsMax)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	filter := store.NotificationFilter{Types: f.list("types"), ExcludeTypes: f.list("exclude_types")}
	if filter.FromAccount, err = f.id("account_id"); err != nil {
		h.fail(w, r, err)
		return
	}
	if len(filter.Types) > 32 || len(filter.ExcludeTypes) > 32 {
		h.fail(w, r, model.Errorf(model.EINVALID, "too many notification types"))
		return
	}
	ns, err := h.svc.Notifications(r.Context(), actor(r), filter, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// The page's cursors include what is left out below, so paging goes on
	// past it.
	cursors := make([]int64, len(ns))
	for i, n := range ns {
		cursors[i] = n.Notification.ID
	}
	ns = slices.DeleteFunc(ns, func(n social.NotificationView) bool {
		return parvisType(n.Notification.Type) && !slices.Contains(filter.Types, n.Notification.Type)
	})
	out, err := h.notifications(r.Context(), actor(r), ns)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.setEdgeLinks(w, r, cursors)
	reply(w, out)
}

// parvisType reports whether a notification type is Parvis's own
// ("parvis.invite"...): Mastodon apps do not know those types, so lists
// and streams leave them out unless an app asks for them by name.
func parvisType(typ string) bool { return strings.HasPrefix(typ, "parvis.") }

// getNotification shows one notification (GET /api/v1/notifications/{id}).
func (h *Handler) getNotification(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	n, err := h.svc.Notification(r.Context(), actor(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out, err := h.notifications(r.Context(), actor(r), []social.NotificationView{*n})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, out[0])
}

// dismissNotification deletes one notification (POST
// /api/v1/notifications/{id}/dismiss, or the older form with an id
// parameter).
func (h *Handler) dismissNotification(w http.ResponseWriter, r *http.Request) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	var id int64
	var err error
	if r.PathValue("id") != "" {
		id, err = pathID(r, "id")
	} else if id, err = f.id("id"); err == nil && id == 0 {
		err = model.Errorf(model.EINVALID, "id is required")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.svc.DismissNotification(r.Context(), actor(r), id); err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, struct{}{})
}

// clearNotifications deletes all the person's notifications (POST
// /api/v1/notifications/clear).
func (h *Handler) clearNotifications(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.ClearNotifications(r.Context(), actor(r)); err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, struct{}{})
}

// unreadCount counts notifications past the reading marker (GET
// /api/v1/notifications/unread_count).
func (h *Handler) unreadCount(w http.ResponseWriter, r *http.Request) {
	n, err := h.svc.UnreadNotifications(r.Context(), actor(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, map[string]int64{"count": n})
}

// Marker is a reading position.
type Marker struct {
	LastReadID string `json:"last_read_id"`
	Version    int    `json:"version"`
	UpdatedAt  string `json:"updated_at"`
}

func markers(ms map[string]store.Marker) map[string]Marker {
	out := make(map[string]Marker, len(ms))
	for t, m := range ms {
		out[t] = Marker{LastReadID: model.FormatID(m.LastReadID), Version: m.Version, UpdatedAt: isoTime(m.UpdatedAt)}
	}
	return out
}

// getMarkers returns reading positions (GET /api/v1/markers?timeline[]=home).
func (h *Handler) getMarkers(w http.ResponseWriter, r *http.Request) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	ms, err := h.svc.Markers(r.Context(), actor(r), f.list("timeline"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, markers(ms))
}

// setMarkers saves reading positions (POST /api/v1/markers with
// home[last_read_id] and notifications[last_read_id]).
func (h *Handler) setMarkers(w http.ResponseWriter, r *http.Request) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	positions := map[string]int64{}
	for _, t := range []string{"home", "notifications"} {
		if !f.has(t + "[last_read_id]") {
			continue
		}
		id, err := f.id(t + "[last_read_id]")
		if err != nil {
			h.fail(w, r, err)
			return
		}
		positions[t] = id
	}
	if len(positions) == 0 {
		h.fail(w, r, model.Errorf(model.EINVALID, "give home[last_read_id] or notifications[last_read_id]"))
		return
	}
	ms, err := h.svc.SetMarkers(r.Context(), actor(r), positions)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, markers(ms))
}
