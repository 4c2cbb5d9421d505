package api

import (
	"net/http"
	"strings"
	"time"

	"parvis/internal/model"
	"parvis/internal/social"
)

// Parvis's own endpoints (/api/parvis/v1/, docs/API.md) follow the
// Mastodon API's conventions (bearer tokens and scopes, ids as strings,
// ISO 8601 times, {"error": "…"} bodies), with one difference: a refusal
// says why. Mastodon apps expect "Record not found" for every 404; a
// caller of Parvis's endpoints is told "community not found" or "you are
// not a member of this community".

// parvisRoutes adds Parvis's networking endpoints to the route table.
func (h *Handler) parvisRoutes(mux *http.ServeMux) {
	const v1 = "/api/parvis/v1"
	// Communities.
	mux.HandleFunc("GET "+v1+"/communities", h.public(h.pvCommunities, "read:accounts"))
	mux.HandleFunc("POST "+v1+"/communities", h.user(h.pvCreateCommunity, "write:accounts"))
	mux.HandleFunc("GET "+v1+"/communities/{id}", h.public(h.pvCommunity, "read:accounts"))
	mux.HandleFunc("PATCH "+v1+"/communities/{id}", h.user(h.pvConfigureCommunity, "write:accounts"))
	mux.HandleFunc("GET "+v1+"/communities/{id}/rules", h.public(h.pvCommunityRules, "read:accounts"))
	mux.HandleFunc("PUT "+v1+"/communities/{id}/rules", h.user(h.pvSetCommunityRules, "write:accounts"))
	mux.HandleFunc("GET "+v1+"/communities/{id}/statuses", h.public(h.pvCommunityStatuses, "read:statuses"))
	mux.HandleFunc("GET "+v1+"/communities/{id}/members", h.public(h.pvMembers, "read:accounts"))
	mux.HandleFunc("PUT "+v1+"/communities/{id}/members/{account_id}/role", h.user(h.pvSetRole, "write:accounts"))
	mux.HandleFunc("POST "+v1+"/communities/{id}/join", h.user(h.pvJoin, "write:follows"))
	mux.HandleFunc("POST "+v1+"/communities/{id}/request", h.user(h.pvJoin, "write:follows"))
	mux.HandleFunc("POST "+v1+"/communities/{id}/leave", h.user(h.pvLeave, "write:follows"))
	mux.HandleFunc("POST "+v1+"/communities/{id}/invites", h.user(h.pvInvite, "write:follows"))
	mux.HandleFunc("GET "+v1+"/communities/{id}/requests", h.user(h.pvJoinRequests, "read:follows"))
	mux.HandleFunc("POST "+v1+"/communities/{id}/requests/{account_id}/{decision}", h.user(h.pvDecideJoin, "write:follows"))
	mux.HandleFunc("GET "+v1+"/communities/{id}/bans", h.user(h.pvBans, "read:accounts"))
	mux.HandleFunc("POST "+v1+"/communities/{id}/bans", h.user(h.pvBan, "write:accounts"))
	mux.HandleFunc("DELETE "+v1+"/communities/{id}/bans/{account_id}", h.user(h.pvUnban, "write:accounts"))
	mux.HandleFunc("POST "+v1+"/communities/{id}/mutes", h.user(h.pvMute, "write:accounts"))
	mux.HandleFunc("DELETE "+v1+"/communities/{id}/mutes/{account_id}", h.user(h.pvUnmute, "write:accounts"))
	mux.HandleFunc("POST "+v1+"/communities/{id}/statuses/{status_id}/{action}", h.user(h.pvPostAction, "write:accounts"))
	mux.HandleFunc("GET "+v1+"/communities/{id}/reports", h.user(h.pvCommunityReports, "read:accounts"))
	mux.HandleFunc("GET "+v1+"/communities/{id}/moderation_log", h.user(h.pvModerationLog, "read:accounts"))
	mux.HandleFunc("GET "+v1+"/communities/{id}/response_stats", h.user(h.pvCommunityStats, "read:accounts"))

	// Reports, to a community's moderators or the server's.
	mux.HandleFunc("POST "+v1+"/reports", h.user(h.pvFileReport, "write:reports"))
	mux.HandleFunc("GET "+v1+"/reports", h.user(h.pvServerReports, "read:accounts"))
	mux.HandleFunc("GET "+v1+"/reports/{id}", h.user(h.pvReport, "read:accounts"))
	mux.HandleFunc("POST "+v1+"/reports/{id}/{status}", h.user(h.pvResolveReport, "write:accounts"))

	// Connections and introductions.
	mux.HandleFunc("GET "+v1+"/connections", h.user(h.pvMyConnections, "read:follows"))
	mux.HandleFunc("GET "+v1+"/connections/requests", h.user(h.pvConnectionRequests, "read:follows"))
	mux.HandleFunc("GET "+v1+"/connections/{account_id}", h.user(h.pvConnectionState, "read:follows"))
	mux.HandleFunc("GET "+v1+"/connections/{account_id}/mutual", h.user(h.pvMutual, "read:follows"))
	mux.HandleFunc("POST "+v1+"/connections/{account_id}/{action}", h.user(h.pvConnectionAction, "write:follows"))
	mux.HandleFunc("DELETE "+v1+"/connections/{account_id}", h.user(h.pvRemoveConnection, "write:follows"))
	mux.HandleFunc("GET "+v1+"/accounts/{id}/connections", h.public(h.pvAccountConnections, "read:follows"))
	mux.HandleFunc("GET "+v1+"/introductions", h.user(h.pvIntroductions, "read:follows"))
	mux.HandleFunc("POST "+v1+"/introductions", h.user(h.pvIntroduce, "write:follows"))
	mux.HandleFunc("POST "+v1+"/introductions/{id}/{answer}", h.user(h.pvAnswerIntroduction, "write:follows"))

	// The reply inbox and response figures.
	mux.HandleFunc("GET "+v1+"/inbox", h.user(h.pvInbox, "read:notifications"))
	mux.HandleFunc("GET "+v1+"/inbox/count", h.user(h.pvInboxCount, "read:notifications"))
	mux.HandleFunc("POST "+v1+"/inbox/{status_id}/{action}", h.user(h.pvInboxAction, "write:notifications"))
	mux.HandleFunc("GET "+v1+"/response_stats", h.user(h.pvMyStats, "read:notifications"))

	mux.HandleFunc(v1+"/", h.pvNotFound)
}

// pvFail answers err for Parvis's endpoints: the status model.HTTPStatus
// gives its code, and the domain's own message (internal errors are
// logged, never shown).
func (h *Handler) pvFail(w http.ResponseWriter, r *http.Request, err error) {
	status := model.HTTPStatus(err)
	msg := model.ErrorMessage(err)
	switch {
	case status >= 500:
		h.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		msg = "internal error"
	case status == http.StatusUnauthorized:
		msg = msgBadToken
	}
	writeJSON(w, status, errorBody{Error: msg})
}

func (h *Handler) pvNotFound(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, errorBody{Error: "no such endpoint"})
}

// pvParse reads the request's parameters (query, form or JSON body).
func (h *Handler) pvParse(w http.ResponseWriter, r *http.Request) (*form, bool) {
	f, err := readForm(r)
	if err != nil {
		h.pvFail(w, r, err)
		return nil, false
	}
	return f, true
}

// pvIDs reads the path's id segments by name; a malformed one is 400.
func (h *Handler) pvIDs(w http.ResponseWriter, r *http.Request, names ...string) ([]int64, bool) {
	out := make([]int64, len(names))
	for i, n := range names {
		id, err := model.ParseID(r.PathValue(n))
		if err != nil {
			h.pvFail(w, r, model.Errorf(model.EINVALID, "%s: %s", n, model.ErrorMessage(err)))
			return nil, false
		}
		out[i] = id
	}
	return out, true
}

// pvRequest reads the request's parameters and the path's id segments by
// name; on bad input it answers and returns false.
func (h *Handler) pvRequest(w http.ResponseWriter, r *http.Request, names ...string) (*form, []int64, bool) {
	f, ok := h.pvParse(w, r)
	if !ok {
		return nil, nil, false
	}
	ids, ok := h.pvIDs(w, r, names...)
	if !ok {
		return nil, nil, false
	}
	return f, ids, true
}

// pvDone answers an action that has nothing to show: {}, or err.
func (h *Handler) pvDone(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	reply(w, empty{})
}

// pvStats answers response figures over the request's period (since,
// until: 30 days by default) as load gives them.
func (h *Handler) pvStats(w http.ResponseWriter, r *http.Request, f *form,
	load func(since, until time.Time) (social.ResponseStats, error)) {
	since, until, err := period(f, h.svc.Now())
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	st, err := load(since, until)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	reply(w, responseStats(st, since, until))
}

// requiredID reads an id parameter that must be given.
func requiredID(f *form, key string) (int64, error) {
	id, err := f.id(key)
	if err == nil && id == 0 {
		err = model.Errorf(model.EUNPROCESS, "%s is required", key)
	}
	return id, err
}

// period reads since and until (ISO 8601 or Unix seconds); the default is
// the 30 days up to now.
func period(f *form, now time.Time) (time.Time, time.Time, error) {
	until, since := now, now.Add(-30*24*time.Hour)
	for key, dst := range map[string]*time.Time{"since": &since, "until": &until} {
		s := strings.TrimSpace(f.str(key))
		if s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			d, derr := time.Parse("2006-01-02", s)
			if derr != nil {
				return since, until, model.Errorf(model.EINVALID, "%s must be a date (2006-01-02) or a time (RFC 3339)", key)
			}
			t = d
		}
		*dst = t
	}
	return since, until, nil
}

// created answers 201 with v.
func created(w http.ResponseWriter, v any) { writeJSON(w, http.StatusCreated, v) }
