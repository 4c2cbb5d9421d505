package web

import (
	"net/http"

	"parvis/internal/model"
)

// adminTabs link the server's administration pages.
func adminTabs(p *Page, current string) []tab {
	var out []tab
	for _, t := range []struct{ key, href string }{{"admin.title", "/admin"}, {"integrity.title", "/admin/integrity"},
		{"admin.moderation", "/admin/moderation"}, {"admin.log", "/admin/log"}} {
		out = append(out, tab{Label: p.T(t.key), Href: t.href, Current: t.href == current})
	}
	return out
}

// adminModerationPage is the data of the server's moderation page.
type adminModerationPage struct {
	Tabs      []tab
	Reports   reportsView
	Suspended []*model.Account
}

// adminModeration shows the server's open reports and the suspended
// accounts.
func (h *Handler) adminModeration(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "admin.moderation")
	ctx := r.Context()
	reports, err := h.svc.Reports(ctx, p.Actor, 0, "open")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	mp := adminModerationPage{Tabs: adminTabs(p, "/admin/moderation")}
	mp.Reports = reportsView{P: p, Action: "/admin/reports"}
	if mp.Reports.Items, err = h.reportItems(r, p, reports); err != nil {
		h.fail(w, r, err)
		return
	}
	if mp.Suspended, err = h.svc.SuspendedAccounts(ctx, p.Actor, 200); err != nil {
		h.fail(w, r, err)
		return
	}
	p.Data = mp
	h.render(w, r, http.StatusOK, "admin_moderation", p)
}

// adminLogPage is the data of the server's moderation log.
type adminLogPage struct {
	P       *Page
	Tabs    []tab
	Entries []logItem
	Pager   pager
}

// adminLog pages through what the server's moderators did.
func (h *Handler) adminLog(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "admin.log")
	req := pageParams(r, pageSize*2)
	entries, accs, err := h.svc.ServerModerationLog(r.Context(), p.Actor, req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	cursors := make([]int64, 0, len(entries))
	for _, e := range entries {
		cursors = append(cursors, e.ID)
	}
	p.Data = adminLogPage{P: p, Tabs: adminTabs(p, "/admin/log"), Entries: logItems(p, entries, accs),
		Pager: cursorsPager(r, req, cursors)}
	h.render(w, r, http.StatusOK, "admin_log", p)
}

// adminUnsuspend lifts an account's suspension.
func (h *Handler) adminUnsuspend(w http.ResponseWriter, r *http.Request) {
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		h.notFound(w, r)
		return
	}
	if err := h.svc.Unsuspend(r.Context(), reqCtx(r).actor, id); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirectFlash(w, r, "/admin/moderation", "flash.unsuspended")
}

// adminReport closes one of the server's reports.
func (h *Handler) adminReport(w http.ResponseWriter, r *http.Request) {
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		h.notFound(w, r)
		return
	}
	status := r.PathValue("status")
	if status != "resolved" && status != "dismissed" {
		h.notFound(w, r)
		return
	}
	if err := h.svc.ResolveReport(r.Context(), reqCtx(r).actor, id, status); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirectFlash(w, r, "/admin/moderation", "flash.report_closed")
}
