package web

import "net/http"

// Handler returns the web UI's route table, wrapped in the session and CSRF
// middleware.
func (h *Handler) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", h.static)
	if h.media != nil {
		mux.Handle("GET /media/", h.media)
	}

	mux.HandleFunc("GET /{$}", h.home)
	mux.HandleFunc("GET /about", h.about)
	mux.HandleFunc("POST /lang", h.setLanguage)

	// First run, sign-up, login.
	mux.HandleFunc("GET /setup", h.setupForm)
	mux.HandleFunc("POST /setup", h.setup)
	mux.HandleFunc("GET /signup", h.signupForm)
	mux.HandleFunc("POST /signup", h.signup)
	mux.HandleFunc("GET /login", h.loginForm)
	mux.HandleFunc("POST /login", h.login)
	mux.HandleFunc("POST /logout", h.logout)
	mux.HandleFunc("GET /password/forgot", h.forgotForm)
	mux.HandleFunc("POST /password/forgot", h.forgot)
	mux.HandleFunc("GET /password/reset/{token}", h.resetForm)
	mux.HandleFunc("POST /password/reset/{token}", h.reset)

	// Profiles and settings.
	// ServeMux wildcards are whole segments, so "/@alice" is matched as
	// "/{handle}"; more specific routes ("/login") win over it.
	mux.HandleFunc("GET /{handle}", h.profile)
	mux.HandleFunc("GET /settings", h.requireLogin(h.settings))
	mux.HandleFunc("POST /settings/profile", h.requireLogin(h.saveProfile))
	mux.HandleFunc("POST /settings/password", h.requireLogin(h.changePassword))

	// Administration.
	mux.HandleFunc("GET /admin", h.requireRole("moderator", h.admin))
	mux.HandleFunc("POST /admin/registrations", h.requireRole("admin", h.adminRegistrations))
	mux.HandleFunc("POST /admin/signups/{id}/{decision}", h.requireRole("moderator", h.adminReviewSignup))
	mux.HandleFunc("POST /admin/users/{id}/role", h.requireRole("admin", h.adminSetRole))

	mux.HandleFunc("/", h.notFound)
	// Two CSRF defences: the browser's own Sec-Fetch-Site/Origin headers
	// refuse cross-site form posts, and every form carries a token.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(h.crossOrigin))
	return cop.Handler(h.withSession(mux))
}
