package social

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"parvis/internal/model"
	"parvis/internal/store"
)

// The reply inbox lists what a person should answer: mentions and direct
// messages not yet answered by them, replies to their posts that ask a
// question, and new posts in communities they moderate that nobody has
// answered. Nothing here replies for anyone: answers are written by people.

// Inbox item kinds.
const (
	InboxMention   = "mention"
	InboxDirect    = "direct"
	InboxQuestion  = "question"
	InboxCommunity = "community"
)

// asksQuestion reports whether a post's text asks something.
func asksQuestion(text string) bool {
	return strings.ContainsAny(text, "?？¿")
}

// fileInbox adds a new post to the inboxes it concerns and marks answered
// the items it replies to. It runs in the post's transaction.
func (s *Service) fileInbox(ctx context.Context, tx *store.Tx, p *model.Post) error {
	if p.IsReblog() {
		return nil
	}
	item := func(account int64, kind string, community int64) error {
		if account == p.AccountID {
			return nil
		}
		if _, err := tx.UserByAccountID(ctx, account); err != nil {
			if model.IsNotFound(err) {
				return nil // remote people have their own servers
			}
			return err
		}
		if blocked, err := tx.IsBlockedEitherWay(ctx, account, p.AccountID); err != nil || blocked {
			return err
		}
		return tx.AddInboxItem(ctx, store.InboxItem{AccountID: account, PostID: p.ID, Kind: kind,
			FromAccountID: p.AccountID, CommunityID: community, ThreadID: p.ThreadID, CreatedAt: p.CreatedAt})
	}
	kind := InboxMention
	if p.Visibility == model.Direct {
		kind = InboxDirect
	}
	for _, m := range p.MentionedAccountIDs {
		if err := item(m, kind, 0); err != nil {
			return err
		}
	}
	if p.InReplyToID != 0 && p.InReplyToAccountID != p.AccountID && !slices.Contains(p.MentionedAccountIDs, p.InReplyToAccountID) &&
		asksQuestion(p.Text) {
		if err := item(p.InReplyToAccountID, InboxQuestion, 0); err != nil {
			return err
		}
	}
	if p.CommunityID != 0 && p.InReplyToID == 0 {
		staff, err := tx.StaffIDs(ctx, p.CommunityID)
		if err != nil {
			return err
		}
		for _, m := range staff {
			if err := item(m, InboxCommunity, p.CommunityID); err != nil {
				return err
			}
		}
	}
	if p.InReplyToID != 0 {
		if err := tx.AnswerInbox(ctx, p.AccountID, p.InReplyToID, p.ID, p.CreatedAt); err != nil {
			return err
		}
		if p.Visibility == model.Direct {
			return tx.AnswerConversation(ctx, p.AccountID, p.ThreadID, p.ID, p.CreatedAt)
		}
	}
	return nil
}

// InboxEntry is an item with its post and how long it has waited.
type InboxEntry struct {
	Item   store.InboxItem
	Post   *PostView
	Waited time.Duration
}

// InboxCursor pages the inbox (oldest first).
type InboxCursor struct {
	AfterCreated int64 // Unix ms
	AfterPost    int64
}

// Inbox lists what awaits the actor's reply, oldest first.
func (s *Service) Inbox(ctx context.Context, actor *Actor, after InboxCursor, limit int) ([]InboxEntry, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 40
	}
	now := s.now()
	items, err := s.db.Read().Awaiting(ctx, actor.Account.ID, now, after.AfterCreated, after.AfterPost, limit)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.PostID
	}
	views, err := s.Views(ctx, actor, ids, true)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*PostView{}
	for _, v := range views {
		byID[v.Post.ID] = v
	}
	out := make([]InboxEntry, 0, len(items))
	for _, it := range items {
		if v := byID[it.PostID]; v != nil {
			out = append(out, InboxEntry{Item: it, Post: v, Waited: now.Sub(it.CreatedAt)})
		}
	}
	return out, nil
}

// InboxCount counts what awaits the actor's reply.
func (s *Service) InboxCount(ctx context.Context, actor *Actor) (int64, error) {
	if !actor.LoggedIn() {
		return 0, nil
	}
	return s.db.Read().CountAwaiting(ctx, actor.Account.ID, s.now())
}

// MarkInbox marks an item done (or not done again), or snoozes it for a
// while (0 wakes it).
func (s *Service) MarkInbox(ctx context.Context, actor *Actor, postID int64, done bool, snooze time.Duration) error {
	if err := actor.require(); err != nil {
		return err
	}
	if snooze < 0 || snooze > 90*24*time.Hour {
		return model.Errorf(model.EUNPROCESS, "snooze for between 0 and 90 days")
	}
	var doneAt, until time.Time
	if done {
		doneAt = s.now()
	}
	if snooze > 0 {
		until = s.now().Add(snooze)
	}
	return wrap("mark inbox item", s.db.Tx(ctx, func(tx *store.Tx) error {
		return tx.SetInboxState(ctx, actor.Account.ID, postID, doneAt, until)
	}))
}

// ResponseStats sums up how fast and how often someone (or a community's
// moderators and members) answered over a period.
type ResponseStats struct {
	Items               int     `json:"items"`
	Answered            int     `json:"answered"`
	ResponseRate        float64 `json:"response_rate"`
	MedianFirstReplySec float64 `json:"median_first_reply_seconds"`
	P90FirstReplySec    float64 `json:"p90_first_reply_seconds"`
	AnsweredWithin1h    float64 `json:"answered_within_1h"`
	AnsweredWithin24h   float64 `json:"answered_within_24h"`
}

// Responses computes response figures for items that arrived in
// [since, until): for an account (accountID), or a community (communityID).
// Shares are over all items; the median and 90th percentile are over the
// answered ones (nearest rank).
func (s *Service) Responses(ctx context.Context, accountID, communityID int64, since, until time.Time) (ResponseStats, error) {
	items, err := s.db.Read().InboxItemsIn(ctx, accountID, communityID, since, until)
	if err != nil {
		return ResponseStats{}, err
	}
	return responseStats(items), nil
}

func responseStats(items []store.InboxItem) ResponseStats {
	st := ResponseStats{Items: len(items)}
	var waits []float64
	var in1h, in24h int
	for _, it := range items {
		if it.AnsweredAt.IsZero() {
			continue
		}
		d := it.AnsweredAt.Sub(it.CreatedAt)
		waits = append(waits, d.Seconds())
		if d <= time.Hour {
			in1h++
		}
		if d <= 24*time.Hour {
			in24h++
		}
	}
	st.Answered = len(waits)
	if st.Items > 0 {
		st.ResponseRate = float64(st.Answered) / float64(st.Items)
		st.AnsweredWithin1h = float64(in1h) / float64(st.Items)
		st.AnsweredWithin24h = float64(in24h) / float64(st.Items)
	}
	if len(waits) > 0 {
		slices.Sort(waits)
		st.MedianFirstReplySec = nearestRank(waits, 0.5)
		st.P90FirstReplySec = nearestRank(waits, 0.9)
	}
	return st
}

// nearestRank is the p-th percentile of sorted values by the nearest-rank
// method: the smallest value with at least p of the values at or below it.
func nearestRank(sorted []float64, p float64) float64 {
	k := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(k, len(sorted)-1))]
}
