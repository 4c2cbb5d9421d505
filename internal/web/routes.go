package web

import (
	"net/http"
	"strings"
)

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

	// Timelines and lists.
	mux.HandleFunc("GET /public", h.publicTimeline)
	mux.HandleFunc("GET /public/local", h.localTimeline)
	mux.HandleFunc("GET /tags/{tag}", h.tagTimeline)
	mux.HandleFunc("GET /search", h.search)
	mux.HandleFunc("GET /bookmarks", h.requireLogin(h.bookmarks))
	mux.HandleFunc("GET /favourites", h.requireLogin(h.favourites))
	mux.HandleFunc("GET /notifications", h.requireLogin(h.notifications))

	// Writing and acting on posts. The compose form posts to /compose,
	// whose path the server gives the upload body limit.
	mux.HandleFunc("GET /compose", h.requireLogin(h.compose))
	mux.HandleFunc("POST /compose", h.requireLogin(h.publish))
	mux.HandleFunc("GET /posts/{id}/edit", h.requireLogin(h.editPost))
	mux.HandleFunc("POST /posts/{id}/edit", h.requireLogin(h.saveEdit))
	// favourite, unfavourite, reblog, unreblog, bookmark, unbookmark,
	// pin, unpin, delete.
	mux.HandleFunc("POST /posts/{id}/{action}", h.requireLogin(h.postAction))

	// Relationships: follow, unfollow, block, unblock, mute, unmute.
	mux.HandleFunc("POST /accounts/{id}/{action}", h.requireLogin(h.relate))
	mux.HandleFunc("GET /follow_requests", h.requireLogin(h.followRequests))
	mux.HandleFunc("POST /follow_requests/{id}/{decision}", h.requireLogin(h.decideFollowRequest))

	// Settings.
	mux.HandleFunc("GET /settings", h.requireLogin(h.settings))
	mux.HandleFunc("POST /settings/profile", h.requireLogin(h.saveProfile))
	mux.HandleFunc("POST /settings/password", h.requireLogin(h.changePassword))

	// Administration.
	mux.HandleFunc("GET /admin", h.requireRole("moderator", h.admin))
	mux.HandleFunc("POST /admin/registrations", h.requireRole("admin", h.adminRegistrations))
	mux.HandleFunc("POST /admin/signups/{id}/{decision}", h.requireRole("moderator", h.adminReviewSignup))
	mux.HandleFunc("POST /admin/users/{id}/role", h.requireRole("admin", h.adminSetRole))

	// Account pages live under /@user. ServeMux wildcards are whole
	// segments, so "/@alice/123/history" would clash with
	// "/password/reset/{token}" in one table: they get their own.
	accounts := http.NewServeMux()
	accounts.HandleFunc("GET /{handle}", h.profile)
	accounts.HandleFunc("GET /{handle}/with_replies", h.profileReplies)
	accounts.HandleFunc("GET /{handle}/media", h.profileMedia)
	accounts.HandleFunc("GET /{handle}/followers", h.followers)
	accounts.HandleFunc("GET /{handle}/following", h.following)
	accounts.HandleFunc("GET /{handle}/{id}", h.thread)
	accounts.HandleFunc("GET /{handle}/{id}/history", h.history)
	accounts.HandleFunc("/", h.notFound)

	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/@") {
			accounts.ServeHTTP(w, r)
			return
		}
		h.notFound(w, r)
	})
	// Two CSRF defences: the browser's own Sec-Fetch-Site/Origin headers
	// refuse cross-site form posts, and every form carries a token.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(h.crossOrigin))
	return cop.Handler(h.withSession(mux))
}
