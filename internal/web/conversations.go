package web

import (
	"net/http"
	"slices"
	"strings"

	"parvis/internal/model"
	"parvis/internal/social"
)

// conversationItem is a direct conversation in the list.
type conversationItem struct {
	Path   string
	With   string
	People []*model.Account
	Last   *postItem
	Unread bool
}

// conversationsPage is the data of the list of direct conversations.
type conversationsPage struct {
	Items []conversationItem
	Pager pager
}

// conversationPath is a conversation's page.
func conversationPath(threadID int64) string { return "/conversations/" + model.FormatID(threadID) }

// conversations lists the viewer's direct conversations, the most recent
// first, the unread ones marked.
func (h *Handler) conversations(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "conversations.title")
	ctx := r.Context()
	req := pageParams(r, pageSize)
	cs, err := h.svc.Conversations(ctx, p.Actor, req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var views []*social.PostView
	for _, c := range cs {
		if c.LastPost != nil {
			views = append(views, c.LastPost)
		}
	}
	items := h.items(ctx, p, views, r.URL.RequestURI())
	byID := map[int64]*postItem{}
	for _, it := range items {
		byID[it.V.Post.ID] = it
	}
	cp := conversationsPage{}
	cursors := make([]int64, 0, len(cs))
	for _, c := range cs {
		cursors = append(cursors, c.Conversation.LastPostID)
		it := conversationItem{Path: conversationPath(c.Conversation.ThreadID), People: c.Accounts,
			Unread: c.Conversation.Unread, Last: byID[c.Conversation.LastPostID]}
		it.With = peopleNames(p, c.Accounts)
		cp.Items = append(cp.Items, it)
	}
	cp.Pager = cursorsPager(r, req, cursors)
	p.Data = cp
	h.render(w, r, http.StatusOK, "conversations", p)
}

// peopleNames names the people of a conversation ("only you" when alone).
func peopleNames(p *Page, people []*model.Account) string {
	if len(people) == 0 {
		return p.T("conversations.only_you")
	}
	names := make([]string, 0, len(people))
	for _, a := range people {
		names = append(names, a.Name())
	}
	return strings.Join(names, ", ")
}

// conversationPage is the data of one conversation.
type conversationPage struct {
	Thread string
	With   string
	Posts  []*postItem
	Reply  *quickReply
}

// quickReply is a short reply form (a conversation's, an inbox item's)
// sent to the compose handler. ID keeps its fields apart from the other
// forms of the page.
type quickReply struct {
	P                        *Page
	ID, InReplyTo, Next      string
	Text, Visibility, Legend string
	Spoiler, Idempotency     string
	Max                      int
}

// conversation shows a direct conversation, oldest first, with a reply
// form, and marks it read.
func (h *Handler) conversation(w http.ResponseWriter, r *http.Request) {
	thread, err := model.ParseID(r.PathValue("thread"))
	if err != nil {
		h.notFound(w, r)
		return
	}
	p := h.page(r, "conversations.title")
	ctx := r.Context()
	posts, err := h.svc.ConversationPosts(ctx, p.Actor, thread)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	path := conversationPath(thread)
	cp := conversationPage{Thread: path, Posts: h.items(ctx, p, posts, path)}
	// The people are everyone who wrote or was mentioned, but the viewer.
	var people []*model.Account
	seen := map[int64]bool{p.Actor.Account.ID: true}
	add := func(a *model.Account) {
		if a != nil && !seen[a.ID] {
			seen[a.ID] = true
			people = append(people, a)
		}
	}
	for _, v := range posts {
		add(v.Account)
		for _, m := range v.Mentions {
			add(m)
		}
	}
	cp.With = peopleNames(p, people)
	p.Title = p.T("conversations.with", cp.With)
	// Conversation pages are read-only when empty (every post deleted).
	if len(posts) > 0 {
		last := posts[len(posts)-1]
		mentions := make([]string, 0, len(people))
		for _, a := range people {
			mentions = append(mentions, "@"+a.Acct())
		}
		slices.Sort(mentions)
		text := strings.Join(mentions, " ")
		if text != "" {
			text += " "
		}
		cp.Reply = &quickReply{P: p, ID: "conv", InReplyTo: model.FormatID(last.Post.ID), Next: path, Text: text,
			Visibility: string(model.Direct), Legend: p.T("conversations.reply"), Spoiler: last.Post.SpoilerText,
			Max: h.svc.MaxPostChars(), Idempotency: newToken()}
	}
	p.Data = cp
	h.render(w, r, http.StatusOK, "conversation", p)
}

// conversationAction marks a conversation read or removes it from the
// list.
func (h *Handler) conversationAction(w http.ResponseWriter, r *http.Request) {
	thread, err := model.ParseID(r.PathValue("thread"))
	if err != nil {
		h.notFound(w, r)
		return
	}
	ctx, actor := r.Context(), reqCtx(r).actor
	var flash string
	switch r.PathValue("action") {
	case "read":
		err = h.svc.MarkConversationRead(ctx, actor, thread)
		flash = "flash.marked_read"
	case "delete":
		err = h.svc.DeleteConversation(ctx, actor, thread)
		flash = "flash.conversation_deleted"
	default:
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirectFlash(w, r, "/conversations", flash)
}
