package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"parvis/internal/model"
	"parvis/internal/social"
)

// The reply inbox lists what waits for the viewer's answer, oldest first.
// It answers nothing by itself: each reply is written by the person.

// inboxItem is an item of the inbox as the page shows it.
type inboxItem struct {
	Kind   string
	Waited string
	Post   *postItem
	Reply  *quickReply
}

// inboxKinds name the kinds of inbox item.
var inboxKinds = map[string]string{
	social.InboxMention:   "inbox.mention",
	social.InboxDirect:    "inbox.direct",
	social.InboxQuestion:  "inbox.question",
	social.InboxCommunity: "inbox.community",
}

// inboxPage is the data of the inbox.
type inboxPage struct {
	Items   []inboxItem
	Snoozes []choice
	Stats   social.ResponseStats
	// The response figures in words: rate and shares as percentages,
	// times as durations.
	Rate, Within1h, Within24h, Median, P90 string
	Next                                   string
}

// inboxPageSize is how many items the inbox shows at once.
const inboxPageSize = 40

// snoozes are how long an item can be put away.
func snoozes(p *Page) []choice {
	return []choice{{"1h", p.T("duration.hour")}, {"24h", p.T("duration.day")}, {"168h", p.T("duration.week")}}
}

// inbox lists what awaits the viewer's reply, with how long each has
// waited, a reply form, and the response figures of the last 30 days.
func (h *Handler) inbox(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "inbox.title")
	ctx := r.Context()
	after := parseInboxCursor(r.URL.Query().Get("after"))
	entries, err := h.svc.Inbox(ctx, p.Actor, after, inboxPageSize)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	views := make([]*social.PostView, 0, len(entries))
	for _, e := range entries {
		views = append(views, e.Post)
	}
	next := r.URL.RequestURI()
	items := h.items(ctx, p, views, next)
	ip := inboxPage{Snoozes: snoozes(p)}
	for i, e := range entries {
		it := inboxItem{Kind: p.T(inboxKinds[e.Item.Kind]), Waited: p.Duration(e.Waited), Post: items[i]}
		it.Reply = h.inboxReply(p, e.Post, next)
		ip.Items = append(ip.Items, it)
	}
	if len(entries) == inboxPageSize {
		last := entries[len(entries)-1].Item
		ip.Next = "/replies?after=" + strconv.FormatInt(last.CreatedAt.UnixMilli(), 10) + "-" + model.FormatID(last.PostID)
	}
	now := h.svc.DB().Now()
	if ip.Stats, err = h.svc.Responses(ctx, p.Actor.Account.ID, 0, now.Add(-30*24*time.Hour), now); err != nil {
		h.fail(w, r, err)
		return
	}
	pct := func(f float64) string { return fmt.Sprintf("%.0f %%", 100*f) }
	ip.Rate, ip.Within1h, ip.Within24h = pct(ip.Stats.ResponseRate), pct(ip.Stats.AnsweredWithin1h), pct(ip.Stats.AnsweredWithin24h)
	ip.Median = p.Duration(time.Duration(ip.Stats.MedianFirstReplySec * float64(time.Second)))
	ip.P90 = p.Duration(time.Duration(ip.Stats.P90FirstReplySec * float64(time.Second)))
	p.Data = ip
	h.render(w, r, http.StatusOK, "inbox", p)
}

// inboxReply is the reply form of an inbox item: it answers the post's
// author and the people it mentions, no wider than the post.
func (h *Handler) inboxReply(p *Page, v *social.PostView, next string) *quickReply {
	s := v.Shown()
	var mentions []string
	add := func(a *model.Account) {
		if m := "@" + a.Acct(); a.ID != p.Actor.Account.ID && !slices.Contains(mentions, m) {
			mentions = append(mentions, m)
		}
	}
	add(s.Account)
	for _, a := range s.Mentions {
		add(a)
	}
	vis := model.Public
	if s.Post.Visibility.Rank() > vis.Rank() {
		vis = s.Post.Visibility
	}
	return &quickReply{P: p, ID: model.FormatID(s.Post.ID), InReplyTo: model.FormatID(s.Post.ID), Next: next,
		Text: strings.Join(mentions, " ") + " ", Visibility: string(vis), Spoiler: s.Post.SpoilerText,
		Legend: p.T("compose.reply_to", s.Account.Name()), Max: h.svc.MaxPostChars(), Idempotency: newToken()}
}

// parseInboxCursor reads the inbox's "after" parameter (created_ms-post);
// a malformed one starts from the top.
func parseInboxCursor(raw string) social.InboxCursor {
	created, post, ok := strings.Cut(raw, "-")
	if !ok {
		return social.InboxCursor{}
	}
	ms, err1 := strconv.ParseInt(created, 10, 64)
	id, err2 := model.ParseID(post)
	if err1 != nil || err2 != nil || ms < 0 {
		return social.InboxCursor{}
	}
	return social.InboxCursor{AfterCreated: ms, AfterPost: id}
}

// inboxAction marks an item done (or not done again) or snoozes it.
func (h *Handler) inboxAction(w http.ResponseWriter, r *http.Request) {
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		h.notFound(w, r)
		return
	}
	p := h.page(r, "inbox.title")
	ctx := r.Context()
	var flash string
	switch r.PathValue("action") {
	case "done":
		err = h.svc.MarkInbox(ctx, p.Actor, id, true, 0)
		flash = "flash.inbox_done"
	case "snooze":
		var d time.Duration
		if d, err = parseChoice(r.PostFormValue("for"), snoozes(p)); err == nil {
			err = h.svc.MarkInbox(ctx, p.Actor, id, false, d)
		}
		flash = "flash.inbox_snoozed"
	default:
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirectFlash(w, r, nextOr(r, "/replies"), flash)
}

// Duration says how long d is, roughly, in the page's language ("3 min",
// "2 h", "5 d").
func (p *Page) Duration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return p.T("duration.seconds", int(d.Seconds()))
	case d < time.Hour:
		return p.T("time.minutes", int(d.Minutes()))
	case d < 48*time.Hour:
		return p.T("time.hours", int(d.Hours()))
	}
	return p.T("time.days", int(d.Hours()/24))
}
