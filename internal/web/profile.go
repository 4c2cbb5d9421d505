package web

import (
	"net/http"
	"strings"
	"time"

	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// profilePage is the data of an account's page and of its lists.
type profilePage struct {
	Account *model.Account
	Path    string
	Self    bool
	// Rel is how the viewer stands towards the account (nil when
	// anonymous or on one's own page).
	Rel *store.Relationship
	// Conn is the viewer's connection with the account, and Mutual the
	// connections they share (nil when it is not a person here).
	Conn     *social.ConnectionState
	Mutual   []*model.Account
	Tabs     []tab
	Pinned   []*postItem
	Posts    []*postItem
	Accounts []*model.Account
	Pager    pager
	Empty    string
	Heading  string
	// MovedTo is the account this one moved to, shown as a banner.
	MovedTo *model.Account
}

// account finds the account of a page's {handle} ("@user" or
// "@user@domain"); suspended accounts are only shown to themselves.
func (h *Handler) account(r *http.Request) (*model.Account, error) {
	handle, ok := strings.CutPrefix(r.PathValue("handle"), "@")
	if !ok {
		return nil, model.Errorf(model.ENOTFOUND, "page not found")
	}
	a, err := h.svc.LookupAccount(r.Context(), handle)
	if err != nil {
		return nil, err
	}
	actor := reqCtx(r).actor
	if a.Suspended() && (!actor.LoggedIn() || actor.Account.ID != a.ID) {
		return nil, model.Errorf(model.ENOTFOUND, "account not found")
	}
	return a, nil
}

// profileBase starts the page of an account: its header, the viewer's
// relationship and the tabs.
func (h *Handler) profileBase(w http.ResponseWriter, r *http.Request, current string) (*Page, *profilePage, bool) {
	a, err := h.account(r)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil, false
	}
	p := h.page(r, "")
	p.Title = a.Name()
	pp := &profilePage{Account: a, Path: accountPath(a)}
	if pp.MovedTo, err = h.svc.MovedTo(r.Context(), a); err != nil {
		h.fail(w, r, err)
		return nil, nil, false
	}
	if p.LoggedIn() {
		if p.Actor.Account.ID == a.ID {
			pp.Self = true
		} else if pp.Rel, err = h.svc.Relationship(r.Context(), p.Actor, a.ID); err != nil {
			h.fail(w, r, err)
			return nil, nil, false
		}
		if !pp.Self && a.Local() && !a.Group {
			st, err := h.svc.ConnectionWith(r.Context(), p.Actor, a.ID)
			if err != nil {
				h.fail(w, r, err)
				return nil, nil, false
			}
			pp.Conn = &st
			if pp.Mutual, err = h.svc.MutualConnections(r.Context(), p.Actor, a.ID); err != nil {
				h.fail(w, r, err)
				return nil, nil, false
			}
		}
	}
	for _, t := range []struct{ key, suffix string }{
		{"profile.tab_posts", ""}, {"profile.tab_replies", "/with_replies"}, {"profile.tab_media", "/media"},
	} {
		pp.Tabs = append(pp.Tabs, tab{Label: p.T(t.key), Href: pp.Path + t.suffix, Current: t.suffix == current})
	}
	return p, pp, true
}

// profile is an account's page with its posts (without replies).
func (h *Handler) profile(w http.ResponseWriter, r *http.Request) {
	h.profilePosts(w, r, "", social.AccountPostsOptions{ExcludeReplies: true})
}

// profileReplies is an account's page with its posts and replies.
func (h *Handler) profileReplies(w http.ResponseWriter, r *http.Request) {
	h.profilePosts(w, r, "/with_replies", social.AccountPostsOptions{})
}

// profileMedia is an account's page with its posts that have images.
func (h *Handler) profileMedia(w http.ResponseWriter, r *http.Request) {
	h.profilePosts(w, r, "/media", social.AccountPostsOptions{OnlyMedia: true, ExcludeReblogs: true})
}

func (h *Handler) profilePosts(w http.ResponseWriter, r *http.Request, tabSuffix string, o social.AccountPostsOptions) {
	p, pp, ok := h.profileBase(w, r, tabSuffix)
	if !ok {
		return
	}
	if pp.Account.Group && pp.Account.Local() && tabSuffix == "" {
		// A community's account is shown by its community page.
		http.Redirect(w, r, "/c/"+pp.Account.Username, http.StatusSeeOther)
		return
	}
	ctx := r.Context()
	req := pageParams(r, pageSize)
	if tabSuffix == "" && req.MaxID == 0 && req.MinID == 0 {
		pinned, err := h.svc.AccountPosts(ctx, p.Actor, pp.Account.ID, social.AccountPostsOptions{Pinned: true}, req)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		pp.Pinned = h.items(ctx, p, pinned, r.URL.RequestURI())
	}
	vs, err := h.svc.AccountPosts(ctx, p.Actor, pp.Account.ID, o, req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pp.Posts = h.items(ctx, p, vs, r.URL.RequestURI())
	pp.Pager = viewsPager(r, req, vs)
	pp.Empty = p.T("profile.no_posts")
	p.Data = pp
	h.render(w, r, http.StatusOK, "profile", p)
}

// followers lists who follows an account.
func (h *Handler) followers(w http.ResponseWriter, r *http.Request) {
	h.accountList(w, r, social.ListFollowers, "profile.followers_of", "profile.no_followers")
}

// following lists whom an account follows.
func (h *Handler) following(w http.ResponseWriter, r *http.Request) {
	h.accountList(w, r, social.ListFollowing, "profile.following_of", "profile.no_following")
}

func (h *Handler) accountList(w http.ResponseWriter, r *http.Request, list social.AccountList, headingKey, emptyKey string) {
	p, pp, ok := h.profileBase(w, r, "/"+string(list))
	if !ok {
		return
	}
	req := pageParams(r, pageSize*2)
	pa, err := h.svc.Accounts(r.Context(), p.Actor, list, pp.Account.ID, req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pp.Heading = p.T(headingKey, pp.Account.Name())
	p.Title = pp.Heading
	pp.Accounts = pa.Accounts
	pp.Pager = cursorsPager(r, req, pa.Cursors)
	pp.Empty = p.T(emptyKey)
	p.Data = pp
	h.render(w, r, http.StatusOK, "accounts", p)
}

// relate follows, unfollows, blocks, unblocks, mutes or unmutes an
// account, then comes back to its page.
func (h *Handler) relate(w http.ResponseWriter, r *http.Request) {
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ctx, actor := r.Context(), reqCtx(r).actor
	var flash string
	switch r.PathValue("action") {
	case "follow":
		var rel *store.Relationship
		if rel, err = h.svc.Follow(ctx, actor, id, social.FollowOptions{}); err == nil && rel.Requested {
			flash = "flash.requested"
		} else {
			flash = "flash.followed"
		}
	case "unfollow":
		_, err = h.svc.Unfollow(ctx, actor, id)
		flash = "flash.unfollowed"
	case "block":
		_, err = h.svc.Block(ctx, actor, id)
		flash = "flash.blocked"
	case "unblock":
		_, err = h.svc.Unblock(ctx, actor, id)
		flash = "flash.unblocked"
	case "mute":
		_, err = h.svc.Mute(ctx, actor, id, r.PostFormValue("notifications") == "on", muteDuration(r.PostFormValue("duration")))
		flash = "flash.muted"
	case "unmute":
		_, err = h.svc.Unmute(ctx, actor, id)
		flash = "flash.unmuted"
	default:
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	next := safeNextOrEmpty(r.PostFormValue("next"))
	if next == "" {
		a, err := h.svc.DB().Read().AccountByID(ctx, id)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		next = accountPath(a)
	}
	h.redirectFlash(w, r, next, flash)
}

// muteDuration reads the mute form's duration in hours; anything else
// mutes until unmuted.
func muteDuration(hours string) time.Duration {
	switch hours {
	case "1":
		return time.Hour
	case "24":
		return 24 * time.Hour
	case "168":
		return 7 * 24 * time.Hour
	}
	return 0
}

// followRequestsPage is the data of the follow requests page.
type followRequestsPage struct {
	Accounts []*model.Account
	Pager    pager
}

// followRequests lists the people who asked to follow the viewer.
func (h *Handler) followRequests(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "requests.title")
	req := pageParams(r, pageSize*2)
	pa, err := h.svc.Accounts(r.Context(), p.Actor, social.ListFollowRequests, 0, req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Data = followRequestsPage{Accounts: pa.Accounts, Pager: cursorsPager(r, req, pa.Cursors)}
	h.render(w, r, http.StatusOK, "follow_requests", p)
}

// decideFollowRequest accepts or rejects a request to follow the viewer.
func (h *Handler) decideFollowRequest(w http.ResponseWriter, r *http.Request) {
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var accept bool
	switch r.PathValue("decision") {
	case "authorize":
		accept = true
	case "reject":
	default:
		h.notFound(w, r)
		return
	}
	if _, err := h.svc.FollowRequestDecision(r.Context(), reqCtx(r).actor, id, accept); err != nil {
		h.fail(w, r, err)
		return
	}
	flash := "flash.request_rejected"
	if accept {
		flash = "flash.request_accepted"
	}
	h.redirectFlash(w, r, "/follow_requests", flash)
}
