package web

import (
	"net/http"

	"parvis/internal/social"
)

// homePage is the data of the front page for a logged-in person.
type homePage struct {
	Compose     *composeForm
	Posts       []*postItem
	Pager       pager
	Suggestions []suggestionItem
}

// home is the front page: the first-run page until an admin exists, the
// presentation of the server for visitors, and the compose form with the
// home timeline for people logged in.
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
	if p.LoggedIn() {
		req := pageParams(r, pageSize)
		vs, err := h.svc.Home(r.Context(), p.Actor, req)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		hp := homePage{Compose: h.newCompose(p, "/"), Posts: h.items(r.Context(), p, vs, r.URL.RequestURI()),
			Pager: viewsPager(r, req, vs)}
		if req.MaxID == 0 && req.MinID == 0 {
			hp.Suggestions = h.suggestionsBlock(r.Context(), p)
		}
		p.Data = hp
		h.render(w, r, http.StatusOK, "home", p)
		return
	}
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

// timelinePage is the data of a page listing posts.
type timelinePage struct {
	Heading string
	Intro   string
	Posts   []*postItem
	Pager   pager
	Empty   string
	// Tabs are links to sibling lists (local and public timelines).
	Tabs []tab
}

// tab is a link among sibling pages; Current marks the page shown.
type tab struct {
	Label, Href string
	Current     bool
}

// listPosts renders a timeline page from post views.
func (h *Handler) listPosts(w http.ResponseWriter, r *http.Request, p *Page, tp timelinePage, req social.Page, vs []*social.PostView) {
	tp.Posts = h.items(r.Context(), p, vs, r.URL.RequestURI())
	tp.Pager = viewsPager(r, req, vs)
	p.Data = tp
	h.render(w, r, http.StatusOK, "timeline", p)
}
