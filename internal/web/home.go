package web

import "net/http"

// home is the front page: the first-run page until an admin exists, then the
// visitor's home.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	need, err := h.svc.NeedsFirstAdmin(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if need {
		http.Redirect(w, r, "/setup", http.StatusSeeOther)
		return
	}
	p := h.page(r, "home.title")
	mode, err := h.svc.RegistrationMode(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Data = map[string]any{"Registrations": string(mode)}
	h.render(w, r, http.StatusOK, "home", p)
}

// about describes the server.
func (h *Handler) about(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "about.title")
	mode, err := h.svc.RegistrationMode(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Data = map[string]any{"Registrations": string(mode)}
	h.render(w, r, http.StatusOK, "about", p)
}
