// Package web serves Parvis's HTML pages: server-rendered templates, embedded
// static files, forms that work without JavaScript. routes.go is the route
// table; each page has its own file.
package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"parvis/internal/content"
	"parvis/internal/model"
	"parvis/internal/social"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Handler serves the web UI.
type Handler struct {
	svc   *social.Service
	log   *slog.Logger
	tr    *translator
	pages map[string]*template.Template
	// secureCookies marks cookies Secure (when served over HTTPS).
	secureCookies bool
	static        http.Handler
	media         http.Handler
	// done ends the live streams when the server shuts down.
	done <-chan struct{}
}

// Options configure the web UI.
type Options struct {
	Logger        *slog.Logger
	SecureCookies bool
	// Media serves uploaded files under /media/.
	Media http.Handler
	// Done, when closed, ends the live streams of thread pages, so that a
	// graceful shutdown need not wait for them (nil: they end by
	// themselves, within minutes).
	Done <-chan struct{}
}

// New parses the templates and returns the handler.
func New(svc *social.Service, opt Options) (*Handler, error) {
	tr, err := newTranslator()
	if err != nil {
		return nil, err
	}
	h := &Handler{svc: svc, log: opt.Logger, tr: tr, secureCookies: opt.SecureCookies, media: opt.Media, done: opt.Done}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if err := h.parseTemplates(); err != nil {
		return nil, err
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("static files: %w", err)
	}
	h.static = http.StripPrefix("/static/", cacheForever(http.FileServerFS(sub)))
	return h, nil
}

func cacheForever(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Static URLs carry a version query (?v=...), so they may be cached long.
		w.Header().Set("Cache-Control", "public, max-age=86400")
		next.ServeHTTP(w, r)
	})
}

// parseTemplates builds one template set per page: the layout, the shared
// partials, and the page.
func (h *Handler) parseTemplates() error {
	h.pages = map[string]*template.Template{}
	funcs := template.FuncMap{
		"isodate": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"add":     func(a, b int) int { return a + b },
		// mediaURL is where a stored file (avatar, attachment) is served.
		"mediaURL": h.svc.MediaURL,
		// tagPath is a hashtag's page, spelled as the server normalises it.
		"tagPath": func(tag string) string { return "/tags/" + content.NormalizeTag(tag) },
		// safeHTML marks HTML that Parvis rendered and sanitised itself.
		"safeHTML": func(s string) template.HTML { return template.HTML(s) },
		"initial": func(s string) string {
			for _, r := range s {
				return strings.ToUpper(string(r))
			}
			return "?"
		},
	}
	funcs["traced"] = traced // tracing.go
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return fmt.Errorf("parse layout: %w", err)
	}
	shared := map[string]bool{}
	for _, x := range base.Templates() {
		shared[x.Name()] = true
	}
	if err := instrument(base, funcs, "", nil); err != nil {
		return err
	}
	entries, err := fs.ReadDir(templateFS, "templates")
	if err != nil {
		return fmt.Errorf("read templates: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || name == "layout.html" || !strings.HasSuffix(name, ".html") {
			continue
		}
		t, err := base.Clone()
		if err != nil {
			return fmt.Errorf("clone layout: %w", err)
		}
		if _, err := t.ParseFS(templateFS, "templates/"+name); err != nil {
			return fmt.Errorf("parse %s: %w", name, err)
		}
		if err := instrument(t, funcs, strings.TrimSuffix(name, ".html")+":", shared); err != nil {
			return err
		}
		h.pages[strings.TrimSuffix(name, ".html")] = t
	}
	return nil
}

// Page is what every template receives. Data holds the page's own values.
type Page struct {
	Title     string
	Lang      string
	Actor     *social.Actor
	CSRF      string
	Flash     string
	Error     string
	Form      map[string]string
	Data      any
	Path      string
	SiteName  string
	Domain    string
	NeedsJS   bool
	tr        *translator
	StaticVer string
	// Unread is the viewer's count of unread notifications, for the
	// navigation.
	Unread int64
	// Awaiting is how many posts await the viewer's reply (the reply
	// inbox), for the navigation.
	Awaiting int64
	now      time.Time
	labels   *postLabels
}

// T translates a key for the page's language.
func (p *Page) T(key string, args ...any) string { return p.tr.T(p.Lang, key, args...) }

// LoggedIn reports whether someone is logged in.
func (p *Page) LoggedIn() bool { return p.Actor.LoggedIn() }

// IsStaff reports whether the viewer is a moderator or admin.
func (p *Page) IsStaff() bool { return p.Actor.Is(model.RoleModerator) }

// IsAdmin reports whether the viewer is an admin.
func (p *Page) IsAdmin() bool { return p.Actor.Is(model.RoleAdmin) }

// staticVersion changes when the binary changes, so browsers refetch CSS/JS.
const staticVersion = "4"

// page starts the Page of a request.
func (h *Handler) page(r *http.Request, titleKey string) *Page {
	rc := reqCtx(r)
	p := &Page{Lang: rc.lang, Actor: rc.actor, CSRF: rc.csrf, tr: h.tr, Path: r.URL.Path,
		Domain: h.svc.Config().Domain, SiteName: rc.siteName, Form: map[string]string{}, StaticVer: staticVersion}
	if titleKey != "" {
		p.Title = p.T(titleKey)
	}
	p.Flash = rc.flash
	p.now = h.svc.DB().Now()
	if rc.actor.LoggedIn() {
		n, err := h.svc.UnreadNotifications(r.Context(), rc.actor)
		if err != nil {
			// The count is a courtesy: a page still renders without it.
			h.log.Warn("count unread notifications", "err", err)
		}
		p.Unread = n
		if p.Awaiting, err = h.svc.InboxCount(r.Context(), rc.actor); err != nil {
			h.log.Warn("count inbox", "err", err)
		}
	}
	return p
}

// render executes a page template into a buffer first, so that a template
// error becomes a clean 500 instead of half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) {
	t, ok := h.pages[name]
	if !ok {
		h.log.Error("missing template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		h.log.Error("render page", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail shows an error page for err with the status its code maps to.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := model.HTTPStatus(err)
	if status >= 500 {
		h.log.Error("page failed", "path", r.URL.Path, "err", err)
	}
	if status == http.StatusUnauthorized {
		http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	p := h.page(r, "error.title")
	p.Error = h.tr.Error(p.Lang, err)
	p.Data = status
	h.render(w, r, status, "error", p)
}

// formError re-renders a form page with the error's message and status.
func (h *Handler) formError(w http.ResponseWriter, r *http.Request, name string, p *Page, err error) {
	status := model.HTTPStatus(err)
	if status >= 500 {
		h.log.Error("form failed", "path", r.URL.Path, "err", err)
	}
	p.Error = h.tr.Error(p.Lang, err)
	h.render(w, r, status, name, p)
}

// redirectFlash redirects with a one-time message shown on the next page.
func (h *Handler) redirectFlash(w http.ResponseWriter, r *http.Request, to, flashKey string) {
	http.SetCookie(w, &http.Cookie{Name: "flash", Value: flashKey, Path: "/", MaxAge: 60, HttpOnly: true,
		Secure: h.secureCookies, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// requestContext is what the middleware learns about a request.
type requestContext struct {
	actor     *social.Actor
	sessionID string
	csrf      string
	lang      string
	flash     string
	siteName  string
}

type rcKey struct{}

func reqCtx(r *http.Request) *requestContext {
	if rc, ok := r.Context().Value(rcKey{}).(*requestContext); ok {
		return rc
	}
	return &requestContext{actor: &social.Actor{}, lang: "en"}
}

const (
	sessionCookie = "parvis_session"
	csrfCookie    = "parvis_csrf"
)

// withSession loads the visitor's session, language and CSRF token, and
// checks the CSRF token of every state-changing request.
func (h *Handler) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := &requestContext{actor: &social.Actor{}}
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			sa, err := h.svc.Authenticate(r.Context(), c.Value)
			switch {
			case err == nil:
				rc.actor, rc.sessionID, rc.csrf = sa.Actor.From(clientIP(r)), sa.SessionID, sa.CSRFToken
			case model.ErrorCode(err) == model.EUNAUTHORIZED:
				h.clearCookie(w, sessionCookie)
			default:
				h.fail(w, r, err)
				return
			}
		}
		if rc.csrf == "" {
			// Visitors without a session get a random token in a cookie that
			// forms must echo (double submit); SameSite and the Origin check
			// below do the rest.
			if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 && len(c.Value) <= 64 {
				rc.csrf = c.Value
			} else {
				rc.csrf = newToken()
				http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: rc.csrf, Path: "/", HttpOnly: true,
					Secure: h.secureCookies, SameSite: http.SameSiteLaxMode, MaxAge: 86400 * 7})
			}
		}
		userLocale := ""
		if rc.actor.LoggedIn() {
			userLocale = rc.actor.User.Locale
		}
		rc.lang = h.tr.pick(r, userLocale)
		if c, err := r.Cookie("flash"); err == nil {
			rc.flash = h.tr.T(rc.lang, c.Value)
			h.clearCookie(w, "flash")
		}
		rc.siteName = h.svc.Config().Domain
		ctx := context.WithValue(r.Context(), rcKey{}, rc)
		ctx = social.WithActor(ctx, rc.actor)
		r = r.WithContext(ctx)
		if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions {
			if !h.csrfOK(r, rc.csrf) {
				p := h.page(r, "error.title")
				p.Error = h.tr.T(rc.lang, "error.csrf")
				p.Data = http.StatusForbidden
				h.render(w, r, http.StatusForbidden, "error", p)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// csrfOK checks the form's token (or the X-CSRF-Token header that the
// JavaScript sends) against the session's.
func (h *Handler) csrfOK(r *http.Request, want string) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			if err := r.ParseMultipartForm(maxUpload); err != nil {
				return false
			}
		}
		got = r.PostFormValue("csrf")
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// maxUpload bounds multipart bodies (avatars, media) at the form level; the
// server's body limit applies first.
const maxUpload = 16 << 20

func (h *Handler) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: h.secureCookies, SameSite: http.SameSiteLaxMode})
}

func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// clientIP is the address the request came from. Behind a reverse proxy the
// server middleware has already put the forwarded address in RemoteAddr.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func asError(err error, target **model.Error) bool { return errors.As(err, target) }

// requireLogin sends anonymous visitors to the login page.
func (h *Handler) requireLogin(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !reqCtx(r).actor.LoggedIn() {
			http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		next(w, r)
	}
}

// requireRole refuses those without role.
func (h *Handler) requireRole(role model.Role, next http.HandlerFunc) http.HandlerFunc {
	return h.requireLogin(func(w http.ResponseWriter, r *http.Request) {
		if !reqCtx(r).actor.Is(role) {
			h.fail(w, r, model.Errorf(model.EFORBIDDEN, "this page is for %s", string(role)+"s"))
			return
		}
		next(w, r)
	})
}

// crossOrigin answers a cross-site state-changing request.
func (h *Handler) crossOrigin(w http.ResponseWriter, r *http.Request) {
	lang := h.tr.pick(r, "")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write([]byte(h.tr.T(lang, "error.csrf") + "\n"))
}
