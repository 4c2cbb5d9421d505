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

	// Communities: the directory, a community's pages, and what its
	// moderators do. Posting in one goes through /compose.
	mux.HandleFunc("GET /communities", h.communities)
	mux.HandleFunc("GET /communities/new", h.requireLogin(h.newCommunity))
	mux.HandleFunc("POST /communities", h.requireLogin(h.createCommunity))
	mux.HandleFunc("GET /c/{name}", h.communityHome)
	mux.HandleFunc("GET /c/{name}/members", h.communityMembers)
	mux.HandleFunc("GET /c/{name}/moderation", h.requireLogin(h.communityModeration))
	mux.HandleFunc("GET /c/{name}/moderation/log", h.requireLogin(h.communityLog))
	mux.HandleFunc("GET /c/{name}/settings", h.requireLogin(h.communitySettings))
	mux.HandleFunc("POST /c/{name}/settings", h.requireLogin(h.saveCommunitySettings))
	mux.HandleFunc("POST /c/{name}/avatar", h.requireLogin(h.communityAvatar))
	mux.HandleFunc("POST /c/{name}/invites", h.requireLogin(h.inviteMember))
	// join, leave.
	mux.HandleFunc("POST /c/{name}/{action}", h.requireLogin(h.joinOrLeave))
	// approve, refuse.
	mux.HandleFunc("POST /c/{name}/requests/{id}/{decision}", h.requireLogin(h.decideJoin))
	// role, mute, unmute, ban, unban.
	mux.HandleFunc("POST /c/{name}/members/{id}/{action}", h.requireLogin(h.memberAction))
	// resolved, dismissed.
	mux.HandleFunc("POST /c/{name}/reports/{id}/{status}", h.requireLogin(h.decideReport))
	// remove, restore, pin, unpin.
	mux.HandleFunc("POST /c/{name}/posts/{id}/{action}", h.requireLogin(h.communityPostAction))
	mux.HandleFunc("GET /posts/{id}/report", h.requireLogin(h.reportForm))
	mux.HandleFunc("POST /posts/{id}/report", h.requireLogin(h.fileReport))
	// A post's HTML alone, for a thread page that shows a new reply live.
	mux.HandleFunc("GET /posts/{id}/fragment", h.postFragment)

	// Connections, introductions, network, suggestions.
	mux.HandleFunc("GET /connections", h.requireLogin(h.connections))
	// request, accept, decline, remove.
	mux.HandleFunc("POST /connections/{id}/{action}", h.requireLogin(h.connectionAction))
	mux.HandleFunc("GET /introductions", h.requireLogin(h.introductions))
	mux.HandleFunc("POST /introductions", h.requireLogin(h.introduce))
	// accept, decline.
	mux.HandleFunc("POST /introductions/{id}/{answer}", h.requireLogin(h.answerIntroduction))
	mux.HandleFunc("GET /network", h.requireLogin(h.network))
	mux.HandleFunc("GET /suggestions", h.requireLogin(h.suggestions))
	mux.HandleFunc("POST /suggestions/{id}/dismiss", h.requireLogin(h.dismissSuggestion))

	// Direct conversations and the reply inbox (at /replies: /inbox is
	// ActivityPub's shared inbox). Replies go through /compose.
	mux.HandleFunc("GET /conversations", h.requireLogin(h.conversations))
	mux.HandleFunc("GET /conversations/{thread}", h.requireLogin(h.conversation))
	// read, delete.
	mux.HandleFunc("POST /conversations/{thread}/{action}", h.requireLogin(h.conversationAction))
	mux.HandleFunc("GET /replies", h.requireLogin(h.inbox))
	// done, snooze.
	mux.HandleFunc("POST /replies/{id}/{action}", h.requireLogin(h.inboxAction))

	// Settings.
	mux.HandleFunc("GET /settings", h.requireLogin(h.settings))
	mux.HandleFunc("POST /settings/profile", h.requireLogin(h.saveProfile))
	mux.HandleFunc("POST /settings/password", h.requireLogin(h.changePassword))
	mux.HandleFunc("POST /settings/posting", h.requireLogin(h.savePosting))
	// Account: aliases, moving, deleting (settings_account.go).
	mux.HandleFunc("GET /settings/aliases", h.requireLogin(h.aliases))
	mux.HandleFunc("POST /settings/aliases", h.requireLogin(h.addAlias))
	mux.HandleFunc("POST /settings/aliases/remove", h.requireLogin(h.removeAlias))
	mux.HandleFunc("GET /settings/move", h.requireLogin(h.moveForm))
	mux.HandleFunc("POST /settings/move", h.requireLogin(h.move))
	mux.HandleFunc("GET /settings/delete", h.requireLogin(h.deleteAccountForm))
	mux.HandleFunc("POST /settings/delete", h.requireLogin(h.deleteAccount))

	// Insights: the dashboard, a post's figures, CSV exports, the websites
	// and link tracking (docs/INSIGHTS.md).
	mux.HandleFunc("GET /insights", h.requireLogin(h.insightsDashboard))
	mux.HandleFunc("GET /insights/posts/{id}", h.requireLogin(h.insightsPost))
	mux.HandleFunc("GET /insights/export/{table}", h.requireLogin(h.insightsExport))
	mux.HandleFunc("GET /insights/settings", h.requireLogin(h.insightsSettings))
	mux.HandleFunc("POST /insights/sites", h.requireLogin(h.insightsAddSite))
	mux.HandleFunc("POST /insights/sites/{id}/delete", h.requireLogin(h.insightsDeleteSite))
	mux.HandleFunc("POST /insights/tracking", h.requireLogin(h.insightsTracking))

	// Administration.
	mux.HandleFunc("GET /admin", h.requireRole("moderator", h.admin))
	mux.HandleFunc("POST /admin/registrations", h.requireRole("admin", h.adminRegistrations))
	mux.HandleFunc("POST /admin/signups/{id}/{decision}", h.requireRole("moderator", h.adminReviewSignup))
	mux.HandleFunc("POST /admin/users/{id}/role", h.requireRole("admin", h.adminSetRole))
	mux.HandleFunc("GET /admin/integrity", h.requireRole("moderator", h.integrityQueue))
	mux.HandleFunc("GET /admin/integrity/{id}", h.requireRole("moderator", h.integrityFinding))
	// confirm, clear, reopen, suspend.
	mux.HandleFunc("POST /admin/integrity/{id}/{decision}", h.requireRole("moderator", h.decideFinding))
	mux.HandleFunc("GET /admin/moderation", h.requireRole("moderator", h.adminModeration))
	mux.HandleFunc("GET /admin/log", h.requireRole("moderator", h.adminLog))
	mux.HandleFunc("POST /admin/accounts/{id}/unsuspend", h.requireRole("moderator", h.adminUnsuspend))
	mux.HandleFunc("POST /admin/accounts/{id}/delete", h.requireRole("admin", h.adminDeleteAccount))
	// resolved, dismissed.
	mux.HandleFunc("POST /admin/reports/{id}/{status}", h.requireRole("moderator", h.adminReport))

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
	accounts.HandleFunc("GET /{handle}/{id}/events", h.threadEvents)
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
