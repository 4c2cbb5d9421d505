package api

import (
	"context"
	"net/http"
	"strings"

	"parvis/internal/social"
)

// authKey keys the token's authorisation in a request's context.
type authKey struct{}

// tokenAuth returns the request's token authorisation, or nil when the
// request carries no token.
func tokenAuth(r *http.Request) *social.TokenAuth {
	a, _ := r.Context().Value(authKey{}).(*social.TokenAuth)
	return a
}

// actor is who the request acts for (anonymous without a user token).
func actor(r *http.Request) *social.Actor { return social.ActorFrom(r.Context()) }

// bearerToken finds the access token: the Authorization header, else the
// access_token parameter (which Mastodon also accepts, and which browsers
// opening a WebSocket must use). "Bearer " with nothing after it, as some
// libraries send when unauthenticated, is no token.
func bearerToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(tok)
		}
		return ""
	}
	return r.URL.Query().Get("access_token")
}

// authenticate resolves the request's token, if any; a token that does not
// resolve is a 401 even on public endpoints, so that an app learns at once
// that it must authorize again.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	tok := bearerToken(r)
	if tok == "" {
		return r, true
	}
	auth, err := h.svc.AuthenticateToken(r.Context(), tok)
	if err != nil {
		h.fail(w, r, err)
		return r, false
	}
	ctx := context.WithValue(r.Context(), authKey{}, auth)
	ctx = social.WithActor(ctx, auth.Actor.From(clientIP(r)))
	return r.WithContext(ctx), true
}

// allowed reports whether auth holds one of scopes (any scope when none is
// named).
func allowed(auth *social.TokenAuth, scopes []string) bool {
	if len(scopes) == 0 {
		return true
	}
	for _, s := range scopes {
		if auth.Scopes.Allows(s) {
			return true
		}
	}
	return false
}

// public serves an endpoint anyone may call; a token, when given, must
// hold one of scopes.
func (h *Handler) public(next http.HandlerFunc, scopes ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r, ok := h.authenticate(w, r)
		if !ok {
			return
		}
		if auth := tokenAuth(r); auth != nil && !allowed(auth, scopes) {
			writeJSON(w, http.StatusForbidden, errorBody{Error: msgOutsideScope})
			return
		}
		next(w, r)
	}
}

// app serves an endpoint that needs a token, of a user or of an app alone.
func (h *Handler) app(next http.HandlerFunc, scopes ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r, ok := h.authenticate(w, r)
		if !ok {
			return
		}
		auth := tokenAuth(r)
		switch {
		case auth == nil:
			writeJSON(w, http.StatusUnauthorized, errorBody{Error: msgBadToken})
		case !allowed(auth, scopes):
			writeJSON(w, http.StatusForbidden, errorBody{Error: msgOutsideScope})
		default:
			next(w, r)
		}
	}
}

// user serves an endpoint that acts for a person: it needs a user's token
// holding one of scopes. An app's own token gets 422, as in Mastodon.
func (h *Handler) user(next http.HandlerFunc, scopes ...string) http.HandlerFunc {
	return h.app(func(w http.ResponseWriter, r *http.Request) {
		if !actor(r).LoggedIn() {
			writeJSON(w, http.StatusUnprocessableEntity, errorBody{Error: msgNeedsUser})
			return
		}
		next(w, r)
	}, scopes...)
}
