package api

import "net/http"

// routes is the route table. Each endpoint names who may call it and with
// which scopes: public (anyone; a token, when given, must hold the scope),
// app (any valid token) or user (a person's token).
func (h *Handler) routes() http.Handler {
	mux := http.NewServeMux()

	// OAuth 2: apps register, people consent, apps get and revoke tokens.
	mux.HandleFunc("POST /api/v1/apps", h.createApp)
	mux.HandleFunc("GET /api/v1/apps/verify_credentials", h.app(h.verifyApp))
	mux.HandleFunc("GET /oauth/authorize", h.authorizeForm)
	// The consent form is posted by a browser with its session cookie, so
	// it gets the cross-origin check besides its CSRF token.
	mux.Handle("POST /oauth/authorize", http.NewCrossOriginProtection().Handler(http.HandlerFunc(h.authorize)))
	mux.HandleFunc("POST /oauth/token", h.token)
	mux.HandleFunc("POST /oauth/revoke", h.revoke)

	// The server.
	mux.HandleFunc("GET /api/v1/instance", h.public(h.instanceV1))
	mux.HandleFunc("GET /api/v2/instance", h.public(h.instanceV2))
	mux.HandleFunc("GET /api/v1/instance/rules", h.public(h.emptyList))
	mux.HandleFunc("GET /api/v1/instance/peers", h.public(h.emptyList))
	mux.HandleFunc("GET /api/v1/custom_emojis", h.public(h.emptyList))
	mux.HandleFunc("GET /.well-known/nodeinfo", h.nodeinfoLinks)
	mux.HandleFunc("GET /nodeinfo/{version}", h.nodeinfo)

	// Accounts.
	mux.HandleFunc("GET /api/v1/accounts/verify_credentials", h.user(h.verifyCredentials, "profile"))
	mux.HandleFunc("PATCH /api/v1/accounts/update_credentials", h.user(h.updateCredentials, "write:accounts"))
	mux.HandleFunc("GET /api/v1/accounts/lookup", h.public(h.lookupAccount, "read:accounts"))
	mux.HandleFunc("GET /api/v1/accounts/relationships", h.user(h.relationships, "read:follows"))
	mux.HandleFunc("GET /api/v1/accounts/search", h.user(h.searchAccounts, "read:accounts"))
	mux.HandleFunc("GET /api/v1/accounts/{id}", h.public(h.getAccount, "read:accounts"))
	mux.HandleFunc("GET /api/v1/accounts/{id}/statuses", h.public(h.accountStatuses, "read:statuses"))
	mux.HandleFunc("GET /api/v1/accounts/{id}/followers", h.public(h.followers, "read:accounts"))
	mux.HandleFunc("GET /api/v1/accounts/{id}/following", h.public(h.following, "read:accounts"))
	mux.HandleFunc("POST /api/v1/accounts/{id}/follow", h.user(h.follow, "write:follows"))
	mux.HandleFunc("POST /api/v1/accounts/{id}/unfollow", h.user(h.unfollow, "write:follows"))
	mux.HandleFunc("POST /api/v1/accounts/{id}/block", h.user(h.block, "write:blocks"))
	mux.HandleFunc("POST /api/v1/accounts/{id}/unblock", h.user(h.unblock, "write:blocks"))
	mux.HandleFunc("POST /api/v1/accounts/{id}/mute", h.user(h.mute, "write:mutes"))
	mux.HandleFunc("POST /api/v1/accounts/{id}/unmute", h.user(h.unmute, "write:mutes"))
	mux.HandleFunc("GET /api/v1/follow_requests", h.user(h.followRequests, "read:follows"))
	mux.HandleFunc("POST /api/v1/follow_requests/{id}/authorize", h.user(h.authorizeFollowRequest, "write:follows"))
	mux.HandleFunc("POST /api/v1/follow_requests/{id}/reject", h.user(h.rejectFollowRequest, "write:follows"))
	mux.HandleFunc("GET /api/v1/blocks", h.user(h.blocks, "read:blocks"))
	mux.HandleFunc("GET /api/v1/mutes", h.user(h.mutes, "read:mutes"))
	mux.HandleFunc("GET /api/v1/preferences", h.user(h.preferences, "read:accounts"))

	// Statuses.
	mux.HandleFunc("POST /api/v1/statuses", h.user(h.createStatus, "write:statuses"))
	mux.HandleFunc("GET /api/v1/statuses/{id}", h.public(h.getStatus, "read:statuses"))
	mux.HandleFunc("PUT /api/v1/statuses/{id}", h.user(h.editStatus, "write:statuses"))
	mux.HandleFunc("DELETE /api/v1/statuses/{id}", h.user(h.deleteStatus, "write:statuses"))
	mux.HandleFunc("GET /api/v1/statuses/{id}/context", h.public(h.statusContext, "read:statuses"))
	mux.HandleFunc("GET /api/v1/statuses/{id}/history", h.public(h.statusHistory, "read:statuses"))
	mux.HandleFunc("GET /api/v1/statuses/{id}/source", h.user(h.statusSource, "read:statuses"))
	mux.HandleFunc("GET /api/v1/statuses/{id}/favourited_by", h.public(h.favouritedBy, "read:accounts"))
	mux.HandleFunc("GET /api/v1/statuses/{id}/reblogged_by", h.public(h.rebloggedBy, "read:accounts"))
	mux.HandleFunc("POST /api/v1/statuses/{id}/favourite", h.user(h.favourite, "write:favourites"))
	mux.HandleFunc("POST /api/v1/statuses/{id}/unfavourite", h.user(h.unfavourite, "write:favourites"))
	mux.HandleFunc("POST /api/v1/statuses/{id}/reblog", h.user(h.reblog, "write:statuses"))
	mux.HandleFunc("POST /api/v1/statuses/{id}/unreblog", h.user(h.unreblog, "write:statuses"))
	mux.HandleFunc("POST /api/v1/statuses/{id}/bookmark", h.user(h.bookmark, "write:bookmarks"))
	mux.HandleFunc("POST /api/v1/statuses/{id}/unbookmark", h.user(h.unbookmark, "write:bookmarks"))
	mux.HandleFunc("POST /api/v1/statuses/{id}/pin", h.user(h.pin, "write:accounts"))
	mux.HandleFunc("POST /api/v1/statuses/{id}/unpin", h.user(h.unpin, "write:accounts"))

	// Timelines and saved posts.
	mux.HandleFunc("GET /api/v1/timelines/home", h.user(h.homeTimeline, "read:statuses"))
	mux.HandleFunc("GET /api/v1/timelines/public", h.public(h.publicTimeline, "read:statuses"))
	mux.HandleFunc("GET /api/v1/timelines/tag/{hashtag}", h.public(h.tagTimeline, "read:statuses"))
	mux.HandleFunc("GET /api/v1/bookmarks", h.user(h.bookmarks, "read:bookmarks"))
	mux.HandleFunc("GET /api/v1/favourites", h.user(h.favourites, "read:favourites"))

	// Notifications and reading positions.
	mux.HandleFunc("GET /api/v1/notifications", h.user(h.listNotifications, "read:notifications"))
	mux.HandleFunc("GET /api/v1/notifications/unread_count", h.user(h.unreadCount, "read:notifications"))
	mux.HandleFunc("POST /api/v1/notifications/clear", h.user(h.clearNotifications, "write:notifications"))
	mux.HandleFunc("POST /api/v1/notifications/dismiss", h.user(h.dismissNotification, "write:notifications"))
	mux.HandleFunc("GET /api/v1/notifications/{id}", h.user(h.getNotification, "read:notifications"))
	mux.HandleFunc("POST /api/v1/notifications/{id}/dismiss", h.user(h.dismissNotification, "write:notifications"))
	mux.HandleFunc("GET /api/v1/markers", h.user(h.getMarkers, "read:statuses"))
	mux.HandleFunc("POST /api/v1/markers", h.user(h.setMarkers, "write:statuses"))

	// Media.
	mux.HandleFunc("POST /api/v1/media", h.user(h.uploadMedia, "write:media"))
	mux.HandleFunc("POST /api/v2/media", h.user(h.uploadMedia, "write:media"))
	mux.HandleFunc("GET /api/v1/media/{id}", h.user(h.getMedia, "write:media"))
	mux.HandleFunc("PUT /api/v1/media/{id}", h.user(h.updateMedia, "write:media"))

	// Search.
	mux.HandleFunc("GET /api/v2/search", h.public(h.search, "read:search"))

	// Features Parvis does not have yet answer empty lists, which apps
	// fetch on start and handle fine.
	for _, p := range []string{"/api/v1/filters", "/api/v2/filters", "/api/v1/lists", "/api/v1/announcements",
		"/api/v1/followed_tags", "/api/v1/trends/links", "/api/v1/scheduled_statuses"} {
		mux.HandleFunc("GET "+p, h.public(h.emptyList))
	}

	// Trends, with flagged engagement left out.
	mux.HandleFunc("GET /api/v1/trends", h.public(h.trendingTags))
	mux.HandleFunc("GET /api/v1/trends/tags", h.public(h.trendingTags))
	mux.HandleFunc("GET /api/v1/trends/statuses", h.public(h.trendingStatuses))

	// Streaming: WebSocket at the root, server-sent events below it.
	mux.HandleFunc("GET /api/v1/streaming", h.streamWebSocket)
	mux.HandleFunc("GET /api/v1/streaming/{$}", h.streamWebSocket)
	mux.HandleFunc("GET /api/v1/streaming/health", h.streamHealth)
	mux.HandleFunc("GET /api/v1/streaming/{stream...}", h.streamEvents)

	// Networking: direct conversations, suggestions, reports.
	mux.HandleFunc("GET /api/v1/conversations", h.user(h.conversations, "read:statuses"))
	mux.HandleFunc("POST /api/v1/conversations/{id}/read", h.user(h.readConversation, "write:conversations"))
	mux.HandleFunc("DELETE /api/v1/conversations/{id}", h.user(h.deleteConversation, "write:conversations"))
	mux.HandleFunc("GET /api/v2/suggestions", h.user(h.suggestions, "read:accounts"))
	mux.HandleFunc("DELETE /api/v1/suggestions/{account_id}", h.user(h.dismissSuggestion, "read:accounts"))
	mux.HandleFunc("POST /api/v1/reports", h.user(h.createReport, "write:reports"))

	// Parvis's own endpoints (docs/API.md).
	mux.HandleFunc("GET /api/parvis/v1/static/{name}", h.serveDefaultPicture)
	h.parvisRoutes(mux) // parvis.go: communities, connections, introductions, the inbox

	mux.HandleFunc("/", h.notFound)
	return mux
}

// emptyList answers an empty JSON array.
func (h *Handler) emptyList(w http.ResponseWriter, r *http.Request) { reply(w, []struct{}{}) }
