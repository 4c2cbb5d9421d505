package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"parvis/internal/model"
)

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// safeNext keeps a post-login redirect on this site: only local absolute
// paths are allowed, never "//host" or "/\host".
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

// Ago renders a short relative time in the page's language ("3 min",
// "2 h", "5 d"), or the date past a month.
func (p *Page) Ago(t time.Time) string {
	d := p.now.Sub(t)
	switch {
	case d < time.Minute:
		return p.T("time.now")
	case d < time.Hour:
		return p.T("time.minutes", int(d.Minutes()))
	case d < 24*time.Hour:
		return p.T("time.hours", int(d.Hours()))
	case d < 30*24*time.Hour:
		return p.T("time.days", int(d.Hours()/24))
	}
	return t.Format("2006-01-02")
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.fail(w, r, model.Errorf(model.ENOTFOUND, "page not found"))
}

// formValues copies the named fields into the page's Form so a form that
// failed keeps what was typed (never passwords).
func formValues(p *Page, r *http.Request, names ...string) {
	for _, n := range names {
		p.Form[n] = r.PostFormValue(n)
	}
}

// setLanguage stores the visitor's language choice: in the user's settings
// when logged in, in a cookie otherwise.
func (h *Handler) setLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.PostFormValue("lang")
	if _, ok := h.tr.catalogs[lang]; !ok && lang != "" {
		h.fail(w, r, model.Errorf(model.EINVALID, "unknown language"))
		return
	}
	rc := reqCtx(r)
	if rc.actor.LoggedIn() {
		if err := h.svc.SetLocale(r.Context(), rc.actor, lang); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	c := &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 86400, HttpOnly: true,
		Secure: h.secureCookies, SameSite: http.SameSiteLaxMode}
	if lang == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}
