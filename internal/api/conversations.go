package api

import (
	"net/http"

	"parvis/internal/model"
	"parvis/internal/social"
)

// Conversation is Mastodon's direct conversation: its id is the thread's.
type Conversation struct {
	ID         string    `json:"id"`
	Unread     bool      `json:"unread"`
	Accounts   []Account `json:"accounts"`
	LastStatus *Status   `json:"last_status"`
}

func (h *Handler) conversation(sr *statusRenderer, cv social.ConversationView) Conversation {
	out := Conversation{ID: model.FormatID(cv.Conversation.ThreadID), Unread: cv.Conversation.Unread, Accounts: []Account{}}
	for _, a := range cv.Accounts {
		out.Accounts = append(out.Accounts, h.account(a))
	}
	if cv.LastPost != nil {
		out.LastStatus = ptr(sr.status(cv.LastPost))
	}
	return out
}

// conversations lists the person's direct conversations, the most
// recently active first (GET /api/v1/conversations).
func (h *Handler) conversations(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.statusPage(w, r)
	if !ok {
		return
	}
	cvs, err := h.svc.Conversations(r.Context(), actor(r), p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var views []*social.PostView
	for _, cv := range cvs {
		if cv.LastPost != nil {
			views = append(views, cv.LastPost)
		}
	}
	sr, err := h.renderer(r.Context(), actor(r), views...)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]Conversation, 0, len(cvs))
	cursors := make([]int64, 0, len(cvs))
	for _, cv := range cvs {
		out = append(out, h.conversation(sr, cv))
		cursors = append(cursors, cv.Conversation.LastPostID)
	}
	h.setEdgeLinks(w, r, cursors)
	reply(w, out)
}

// readConversation marks a conversation read (POST
// /api/v1/conversations/{id}/read).
func (h *Handler) readConversation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.svc.MarkConversationRead(r.Context(), actor(r), id); err != nil {
		h.fail(w, r, err)
		return
	}
	cv, err := h.svc.Conversation(r.Context(), actor(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var views []*social.PostView
	if cv.LastPost != nil {
		views = append(views, cv.LastPost)
	}
	sr, err := h.renderer(r.Context(), actor(r), views...)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, h.conversation(sr, cv))
}

// deleteConversation removes a conversation from the person's list; it
// comes back with the next message (DELETE /api/v1/conversations/{id}).
func (h *Handler) deleteConversation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.svc.DeleteConversation(r.Context(), actor(r), id); err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, empty{})
}
