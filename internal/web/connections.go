package web

import (
	"net/http"

	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// peopleTabs link the pages about the viewer's network.
func peopleTabs(p *Page, current string) []tab {
	var out []tab
	for _, t := range []struct{ key, href string }{{"people.connections", "/connections"},
		{"people.introductions", "/introductions"}, {"people.network", "/network"}, {"people.suggestions", "/suggestions"}} {
		out = append(out, tab{Label: p.T(t.key), Href: t.href, Current: t.href == current})
	}
	return out
}

// connectionRequest is a pending request with the account on its other
// side.
type connectionRequest struct {
	Request store.ConnectionRequest
	Account *model.Account
}

// connectionsPage is the data of the connections page.
type connectionsPage struct {
	Tabs           []tab
	Incoming, Sent []connectionRequest
	Connections    []*model.Account
	Pager          pager
}

// connections lists the viewer's connections and their requests to
// connect, both ways.
func (h *Handler) connections(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "connections.title")
	ctx := r.Context()
	cp := connectionsPage{Tabs: peopleTabs(p, "/connections")}
	for _, incoming := range []bool{true, false} {
		reqs, accs, err := h.svc.ConnectionRequests(ctx, p.Actor, incoming)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, rq := range reqs {
			other := rq.To
			if incoming {
				other = rq.From
			}
			a := accs[other]
			if a == nil || a.Suspended() {
				continue
			}
			if incoming {
				cp.Incoming = append(cp.Incoming, connectionRequest{Request: rq, Account: a})
			} else {
				cp.Sent = append(cp.Sent, connectionRequest{Request: rq, Account: a})
			}
		}
	}
	req := pageParams(r, pageSize*2)
	pa, err := h.svc.Connections(ctx, p.Actor, p.Actor.Account.ID, req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	cp.Connections = pa.Accounts
	cp.Pager = cursorsPager(r, req, pa.Cursors)
	p.Data = cp
	h.render(w, r, http.StatusOK, "connections", p)
}

// connectionAction asks to connect, accepts or declines a request, or
// ends a connection (or withdraws one's request), then goes back.
func (h *Handler) connectionAction(w http.ResponseWriter, r *http.Request) {
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		h.notFound(w, r)
		return
	}
	ctx, actor := r.Context(), reqCtx(r).actor
	var flash string
	switch r.PathValue("action") {
	case "request":
		var st social.ConnectionState
		if st, err = h.svc.RequestConnection(ctx, actor, id, r.PostFormValue("message")); err == nil {
			flash = "flash.connection_requested"
			if st.Connected {
				flash = "flash.connected"
			}
		}
	case "accept", "decline":
		_, err = h.svc.AnswerConnection(ctx, actor, id, r.PathValue("action") == "accept")
		flash = "flash.connection_declined"
		if r.PathValue("action") == "accept" {
			flash = "flash.connected"
		}
	case "remove":
		err = h.svc.RemoveConnection(ctx, actor, id)
		flash = "flash.connection_removed"
	default:
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirectFlash(w, r, nextOr(r, "/connections"), flash)
}
