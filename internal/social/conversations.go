package social

import (
	"context"

	"parvis/internal/model"
	"parvis/internal/store"
)

// trackConversation updates the direct conversation of each local
// participant of a new direct post.
func (s *Service) trackConversation(ctx context.Context, tx *store.Tx, p *model.Post) error {
	if p.Visibility != model.Direct || p.IsReblog() {
		return nil
	}
	people := append([]int64{p.AccountID}, p.MentionedAccountIDs...)
	for _, who := range people {
		if _, err := tx.UserByAccountID(ctx, who); err != nil {
			if model.IsNotFound(err) {
				continue
			}
			return err
		}
		var others []int64
		for _, o := range people {
			if o != who {
				others = append(others, o)
			}
		}
		if err := tx.TouchConversation(ctx, who, p.ThreadID, others, p.ID, who != p.AccountID); err != nil {
			return err
		}
	}
	return nil
}

// ConversationView is a direct conversation with its people and last post.
type ConversationView struct {
	Conversation store.Conversation
	Accounts     []*model.Account
	LastPost     *PostView
}

// Conversations lists the actor's direct conversations, most recent first.
func (s *Service) Conversations(ctx context.Context, actor *Actor, p Page) ([]ConversationView, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	cs, err := s.db.Read().Conversations(ctx, actor.Account.ID, p)
	if err != nil {
		return nil, err
	}
	var postIDs, accIDs []int64
	for _, c := range cs {
		postIDs = append(postIDs, c.LastPostID)
		accIDs = append(accIDs, c.Participants...)
	}
	views, err := s.Views(ctx, actor, postIDs, false)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*PostView{}
	for _, v := range views {
		byID[v.Post.ID] = v
	}
	accs, err := s.db.Read().AccountsByIDs(ctx, accIDs)
	if err != nil {
		return nil, err
	}
	out := make([]ConversationView, 0, len(cs))
	for _, c := range cs {
		cv := ConversationView{Conversation: c, LastPost: byID[c.LastPostID]}
		for _, id := range c.Participants {
			if a := accs[id]; a != nil {
				cv.Accounts = append(cv.Accounts, a)
			}
		}
		out = append(out, cv)
	}
	return out, nil
}

// ConversationPosts returns the posts of a direct conversation the actor
// takes part in, oldest first, and marks it read.
func (s *Service) ConversationPosts(ctx context.Context, actor *Actor, threadID int64) ([]*PostView, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	if _, err := s.db.Read().ConversationByThread(ctx, actor.Account.ID, threadID); err != nil {
		return nil, err
	}
	ids, err := s.db.Read().DirectPostIDsInThread(ctx, actor.Account.ID, threadID, 500)
	if err != nil {
		return nil, err
	}
	if err := s.MarkConversationRead(ctx, actor, threadID); err != nil {
		return nil, err
	}
	return s.Views(ctx, actor, ids, false)
}

// MarkConversationRead marks a conversation read.
func (s *Service) MarkConversationRead(ctx context.Context, actor *Actor, threadID int64) error {
	if err := actor.require(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error { return tx.MarkConversationRead(ctx, actor.Account.ID, threadID) })
}

// DeleteConversation removes a conversation from the actor's list (it comes
// back with the next message).
func (s *Service) DeleteConversation(ctx context.Context, actor *Actor, threadID int64) error {
	if err := actor.require(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error { return tx.DeleteConversation(ctx, actor.Account.ID, threadID) })
}
