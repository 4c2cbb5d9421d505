package web

import (
	"net/http"

	"parvis/internal/model"
	"parvis/internal/store"
)

// admin shows the server's settings, pending sign-ups and users.
func (h *Handler) admin(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "admin.title")
	ctx := r.Context()
	mode, err := h.svc.RegistrationMode(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pending, err := h.svc.DB().Read().ListUsers(ctx, true, 200)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	users, err := h.svc.DB().Read().ListUsers(ctx, false, 200)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Data = struct {
		Tabs          []tab
		Registrations string
		Pending       []store.UserWithAccount
		Users         []store.UserWithAccount
	}{adminTabs(p, "/admin"), string(mode), pending, users}
	h.render(w, r, http.StatusOK, "admin", p)
}

func (h *Handler) adminRegistrations(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.SetRegistrationMode(r.Context(), reqCtx(r).actor, r.PostFormValue("registrations")); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirectFlash(w, r, "/admin", "flash.saved")
}

func (h *Handler) adminReviewSignup(w http.ResponseWriter, r *http.Request) {
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var approve bool
	switch r.PathValue("decision") {
	case "approve":
		approve = true
	case "reject":
	default:
		h.notFound(w, r)
		return
	}
	if err := h.svc.ReviewSignup(r.Context(), reqCtx(r).actor, id, approve); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirectFlash(w, r, "/admin", "flash.saved")
}

func (h *Handler) adminSetRole(w http.ResponseWriter, r *http.Request) {
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	role, err := model.ParseRole(r.PostFormValue("role"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.svc.DB().Read().UserByID(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	a, err := h.svc.DB().Read().AccountByID(r.Context(), u.AccountID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.svc.SetRole(r.Context(), reqCtx(r).actor, a.Username, role); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirectFlash(w, r, "/admin", "flash.saved")
}
