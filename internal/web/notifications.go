package web

import (
	"net/http"
	"strings"
	"time"

	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// notificationItem is a notification as the page shows it, or a run of
// notifications of one type about one post ("bob, carol favourited your
// post").
type notificationItem struct {
	Type   string
	Icon   string
	Text   string
	From   []*model.Account
	Path   string
	Post   *postItem
	At     time.Time
	Unread bool
	postID int64
}

// maxNamed is how many people a grouped notification names.
const maxNamed = 3

// notificationIcons mark each type with a symbol, so that a list is
// scanned at a glance; the text says the same for screen readers.
var notificationIcons = map[string]string{
	model.NotifyMention:       "@",
	model.NotifyStatus:        "✉",
	model.NotifyReblog:        "⟳",
	model.NotifyFollow:        "＋",
	model.NotifyFollowRequest: "？",
	model.NotifyFavourite:     "★",
	model.NotifyUpdate:        "✎",
}

// notificationsPage is the data of the notifications page.
type notificationsPage struct {
	Items []notificationItem
	Pager pager
	Tabs  []tab
}

// notifications lists the viewer's notifications and marks them read: the
// notifications marker moves to the newest one shown.
func (h *Handler) notifications(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), reqCtx(r).actor
	req := pageParams(r, pageSize)
	var f store.NotificationFilter
	mentions := r.URL.Query().Get("type") == "mention"
	if mentions {
		f.Types = []string{model.NotifyMention}
	}
	ns, err := h.svc.Notifications(ctx, actor, f, req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	markers, err := h.svc.Markers(ctx, actor, []string{"notifications"})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	lastRead := markers["notifications"].LastReadID
	if len(ns) > 0 && ns[0].Notification.ID > lastRead && !mentions {
		if _, err := h.svc.SetMarkers(ctx, actor, map[string]int64{"notifications": ns[0].Notification.ID}); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	p := h.page(r, "notifications.title")
	var views []*social.PostView
	for _, n := range ns {
		if n.Post != nil {
			views = append(views, n.Post)
		}
	}
	posts := h.items(ctx, p, views, r.URL.RequestURI())
	byID := map[int64]*postItem{}
	for _, it := range posts {
		byID[it.V.Post.ID] = it
	}
	np := notificationsPage{Tabs: []tab{
		{Label: p.T("notifications.all"), Href: "/notifications", Current: !mentions},
		{Label: p.T("notifications.mentions"), Href: "/notifications?type=mention", Current: mentions},
	}}
	cursors := make([]int64, 0, len(ns))
	for _, n := range ns {
		cursors = append(cursors, n.Notification.ID)
		typ, postID := n.Notification.Type, n.Notification.PostID
		unread := n.Notification.ID > lastRead
		// Favourites and boosts of one post in a row make one entry.
		if k := len(np.Items) - 1; k >= 0 && postID != 0 && (typ == model.NotifyFavourite || typ == model.NotifyReblog) &&
			np.Items[k].Type == typ && np.Items[k].postID == postID {
			np.Items[k].From = append(np.Items[k].From, n.From)
			np.Items[k].Unread = np.Items[k].Unread || unread
			continue
		}
		it := notificationItem{Type: typ, Icon: notificationIcons[typ], From: []*model.Account{n.From},
			Path: accountPath(n.From), At: n.Notification.CreatedAt, Unread: unread, postID: postID}
		if n.Post != nil {
			it.Post = byID[n.Post.Post.ID]
		}
		np.Items = append(np.Items, it)
	}
	for i := range np.Items {
		it := &np.Items[i]
		names := make([]string, 0, maxNamed)
		for _, a := range it.From[:min(len(it.From), maxNamed)] {
			names = append(names, a.Name())
		}
		who := strings.Join(names, ", ")
		if extra := len(it.From) - maxNamed; extra > 0 {
			who = p.T("notifications.and_others", who, extra)
		}
		it.Text = p.T("notifications."+it.Type, who)
	}
	np.Pager = cursorsPager(r, req, cursors)
	p.Data = np
	h.render(w, r, http.StatusOK, "notifications", p)
}
