package social

import (
	"context"
	"encoding/json"
	"time"

	"parvis/internal/model"
	"parvis/internal/store"
)

// RemotePost is a post from another server, already sanitised and
// resolved by the federation package.
type RemotePost struct {
	URI, URL string
	Author   *model.Account
	// Content is sanitised HTML; Text its plain text, for search.
	Content, Text string
	SpoilerText   string
	Language      string
	Visibility    model.Visibility
	Sensitive     bool
	// Parent is the post replied to, when it is known here; ParentURI the
	// id of a parent that is not (the reply is linked when it arrives).
	Parent    *model.Post
	ParentURI string
	// MentionIDs are the mentioned accounts known here (local ones
	// included); Tags maps normalised hashtags to their written form.
	MentionIDs []int64
	Tags       map[string]string
	// Media are the attachments, referenced by RemoteURL.
	Media []*model.Media
	// Groups are the local community accounts the post is addressed to:
	// a post of a member addressed to its community is shared with it.
	Groups    []*model.Account
	CreatedAt time.Time
	EditedAt  time.Time
}

// ReceivePost stores a remote post, or returns the one already stored
// under its id (dup true). Mentioned local people are notified, local
// followers of the author get it in their home feeds, replies waiting for
// it are linked to it, and a member's post addressed to a local community
// is boosted by the community.
func (s *Service) ReceivePost(ctx context.Context, in RemotePost) (p *model.Post, dup bool, err error) {
	if in.Author == nil || in.Author.Local() || in.URI == "" {
		return nil, false, model.Errorf(model.EUNPROCESS, "a remote post needs a remote author and an id")
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if existing, err := tx.PostByURI(ctx, in.URI); err == nil {
			p, dup = existing, true
			return nil
		} else if !model.IsNotFound(err) {
			return err
		}
		created := in.CreatedAt
		if created.IsZero() || created.After(s.now()) {
			created = s.now()
		}
		p = &model.Post{ID: s.db.NewID(created), AccountID: in.Author.ID, URI: in.URI, URL: in.URL, Text: in.Text,
			Content: in.Content, SpoilerText: in.SpoilerText, Language: in.Language, Visibility: in.Visibility,
			Sensitive: in.Sensitive || in.SpoilerText != "", Local: false, CreatedAt: created, EditedAt: in.EditedAt}
		if in.Parent != nil {
			p.InReplyToID, p.InReplyToAccountID, p.ThreadID = in.Parent.ID, in.Parent.AccountID, in.Parent.ThreadID
			p.CommunityID = in.Parent.CommunityID
		}
		community, err := s.remoteCommunityOf(ctx, tx, in, p)
		if err != nil {
			return err
		}
		if err := tx.InsertPost(ctx, p); err != nil {
			return err
		}
		if err := s.writeRemoteBody(ctx, tx, p, in); err != nil {
			return err
		}
		if err := tx.AddAccountCounter(ctx, p.AccountID, "statuses_count", 1); err != nil {
			return err
		}
		if err := tx.TouchLastStatus(ctx, p.AccountID, created); err != nil {
			return err
		}
		if in.Parent != nil {
			if err := tx.AddPostCounter(ctx, in.Parent.ID, "replies_count", 1); err != nil {
				return err
			}
		} else if in.ParentURI != "" {
			if err := tx.PutOrphan(ctx, p.ID, in.ParentURI); err != nil {
				return err
			}
		}
		if _, err := tx.AdoptOrphans(ctx, p); err != nil {
			return err
		}
		if err := s.notifyMentions(ctx, tx, p, in.MentionIDs); err != nil {
			return err
		}
		if err := s.afterPublish(ctx, tx, p, nil); err != nil {
			return err
		}
		if community != nil && p.InReplyToID == 0 {
			return s.communityBoost(ctx, tx, community, p)
		}
		return nil
	})
	if model.ErrorCode(err) == model.ECONFLICT {
		// Another job stored the same post a moment ago.
		if existing, rerr := s.db.Read().PostByURI(ctx, in.URI); rerr == nil {
			return existing, true, nil
		}
	}
	if err != nil {
		return nil, false, wrap("receive post", err)
	}
	return p, dup, nil
}

// remoteCommunityOf decides which local community a remote post belongs
// to: its parent's, or the first community it is addressed to whose
// member the author is. Like a local mention, addressing a community one
// is not a member of is only a mention.
func (s *Service) remoteCommunityOf(ctx context.Context, tx *store.Tx, in RemotePost, p *model.Post) (*model.Community, error) {
	actor := s.RemoteActor(in.Author)
	if p.CommunityID != 0 {
		role, err := s.CommunityRoleOf(ctx, tx.Q, actor, p.CommunityID)
		if err != nil {
			return nil, err
		}
		if role == model.CommunityBanned {
			return nil, model.Errorf(model.EFORBIDDEN, "the author is banned from this community")
		}
		return nil, nil
	}
	if in.Parent != nil || p.Visibility == model.Direct {
		return nil, nil
	}
	for _, g := range in.Groups {
		if !g.Group || !g.Local() {
			continue
		}
		c, err := tx.CommunityByAccountID(ctx, g.ID)
		if err != nil {
			if model.IsNotFound(err) {
				continue
			}
			return nil, err
		}
		m, err := tx.MemberOf(ctx, c.ID, in.Author.ID)
		if model.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if m.Muted(s.now()) {
			continue
		}
		p.CommunityID = c.ID
		return c, nil
	}
	return nil, nil
}

// writeRemoteBody stores a remote post's tags, mentions and attachments.
func (s *Service) writeRemoteBody(ctx context.Context, tx *store.Tx, p *model.Post, in RemotePost) error {
	if err := writeTagsAndMentions(ctx, tx, p, in.Tags, in.MentionIDs); err != nil {
		return err
	}
	return tx.ReplaceRemoteMedia(ctx, p.ID, p.AccountID, in.Media, p.CreatedAt)
}

// ReceiveEdit applies a remote author's edit of their post, keeping the
// previous version in its history.
func (s *Service) ReceiveEdit(ctx context.Context, p *model.Post, in RemotePost) error {
	return wrap("receive edit", s.db.Tx(ctx, func(tx *store.Tx) error {
		edits, err := tx.PostEdits(ctx, p.ID)
		if err != nil {
			return err
		}
		media, err := tx.MediaOf(ctx, []int64{p.ID})
		if err != nil {
			return err
		}
		oldMedia, _ := json.Marshal(mediaIDsOf(media[p.ID]))
		if len(edits) == 0 {
			if err := tx.SavePostEdit(ctx, store.PostEdit{PostID: p.ID, Text: p.Text, Content: p.Content,
				SpoilerText: p.SpoilerText, Sensitive: p.Sensitive, MediaJSON: string(oldMedia), CreatedAt: p.CreatedAt}); err != nil {
				return err
			}
		}
		edited := in.EditedAt
		if edited.IsZero() || edited.After(s.now()) {
			edited = s.now()
		}
		p.Text, p.Content, p.SpoilerText, p.EditedAt = in.Text, in.Content, in.SpoilerText, edited
		p.Sensitive = in.Sensitive || in.SpoilerText != ""
		if in.Language != "" {
			p.Language = in.Language
		}
		if err := tx.UpdatePostContent(ctx, p); err != nil {
			return err
		}
		if err := s.writeRemoteBody(ctx, tx, p, in); err != nil {
			return err
		}
		newMedia, err := tx.MediaOf(ctx, []int64{p.ID})
		if err != nil {
			return err
		}
		mediaJSON, _ := json.Marshal(mediaIDsOf(newMedia[p.ID]))
		if err := tx.SavePostEdit(ctx, store.PostEdit{PostID: p.ID, Text: p.Text, Content: p.Content,
			SpoilerText: p.SpoilerText, Sensitive: p.Sensitive, MediaJSON: string(mediaJSON), CreatedAt: edited}); err != nil {
			return err
		}
		for _, h := range s.hooks.updated {
			if err := h(ctx, tx, p); err != nil {
				return err
			}
		}
		s.publishAfter(tx, postEvent(EventPostUpdate, p))
		return nil
	}))
}

// ReceiveDelete removes a remote post its author deleted (or a remote boost
// undone).
func (s *Service) ReceiveDelete(ctx context.Context, p *model.Post) error {
	if p.Local {
		return model.Errorf(model.EUNPROCESS, "a local post is not deleted through federation")
	}
	return wrap("receive delete", s.db.Tx(ctx, func(tx *store.Tx) error {
		if p.IsReblog() {
			orig, err := tx.PostByID(ctx, p.ReblogOfID)
			if err == nil {
				if err := tx.DeleteNotificationsAbout(ctx, p.AccountID, model.NotifyReblog, orig.ID); err != nil {
					return err
				}
				for _, h := range s.hooks.disengaged {
					if err := h(ctx, tx, Engagement{Kind: "reblog", AccountID: p.AccountID, Post: orig, At: s.now()}); err != nil {
						return err
					}
				}
			} else if !model.IsNotFound(err) {
				return err
			}
		} else {
			ms, err := tx.MentionsOf(ctx, []int64{p.ID})
			if err != nil {
				return err
			}
			p.MentionedAccountIDs = ms[p.ID]
			for _, h := range s.hooks.deleted {
				if err := h(ctx, tx, p); err != nil {
					return err
				}
			}
		}
		if err := tx.DeletePost(ctx, p); err != nil {
			return err
		}
		s.publishAfter(tx, Event{Kind: EventDelete, PostID: p.ID, AuthorID: p.AccountID, ThreadID: p.ThreadID})
		return nil
	}))
}

// ReceiveBoost stores a remote account's boost (Announce) of a post,
// whose id is uri. Boosting twice returns the first boost.
func (s *Service) ReceiveBoost(ctx context.Context, booster *model.Account, orig *model.Post, uri string, vis model.Visibility, at time.Time) (*model.Post, error) {
	if booster.Local() {
		return nil, model.Errorf(model.EUNPROCESS, "a remote boost needs a remote account")
	}
	var boost *model.Post
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.LockPost(ctx, orig.ID); err != nil {
			return err
		}
		if existing, err := tx.PostByURI(ctx, uri); err == nil {
			boost = existing
			return nil
		}
		if existing, err := tx.ReblogOf(ctx, booster.ID, orig.ID); err == nil {
			boost = existing
			return nil
		}
		if orig.Visibility == model.Direct || (orig.Visibility == model.Private && orig.AccountID != booster.ID) {
			return model.Errorf(model.EUNPROCESS, "this post can't be boosted")
		}
		if vis == model.Direct || vis == model.NoneGiven {
			vis = model.Public
		}
		if at.IsZero() || at.After(s.now()) {
			at = s.now()
		}
		boost = &model.Post{AccountID: booster.ID, URI: uri, Visibility: vis, Local: false, ReblogOfID: orig.ID,
			CreatedAt: at}
		if err := tx.InsertPost(ctx, boost); err != nil {
			return err
		}
		if err := tx.AddPostCounter(ctx, orig.ID, "reblogs_count", 1); err != nil {
			return err
		}
		if err := tx.AddAccountCounter(ctx, booster.ID, "statuses_count", 1); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, orig.AccountID, booster.ID, model.NotifyReblog, orig.ID); err != nil {
			return err
		}
		for _, h := range s.hooks.engaged {
			if err := h(ctx, tx, Engagement{Kind: "reblog", AccountID: booster.ID, Post: orig, At: at}); err != nil {
				return err
			}
		}
		return s.afterPublish(ctx, tx, boost, nil)
	})
	return boost, wrap("receive boost", err)
}

// ReceiveLike records a remote account's favourite (Like) of a post,
// whose activity id is uri.
func (s *Service) ReceiveLike(ctx context.Context, liker *model.Account, p *model.Post, uri string) error {
	return wrap("receive like", s.db.Tx(ctx, func(tx *store.Tx) error {
		now := s.now()
		added, err := tx.InsertFavourite(ctx, liker.ID, p.ID, uri, now)
		if err != nil || !added {
			return err
		}
		if err := s.notify(ctx, tx, p.AccountID, liker.ID, model.NotifyFavourite, p.ID); err != nil {
			return err
		}
		for _, h := range s.hooks.engaged {
			if err := h(ctx, tx, Engagement{Kind: "favourite", AccountID: liker.ID, Post: p, At: now}); err != nil {
				return err
			}
		}
		return nil
	}))
}

// ReceiveUnlike takes back a remote account's favourite of a post.
func (s *Service) ReceiveUnlike(ctx context.Context, liker *model.Account, p *model.Post) error {
	return wrap("receive unlike", s.db.Tx(ctx, func(tx *store.Tx) error {
		removed, err := tx.DeleteFavourite(ctx, liker.ID, p.ID)
		if err != nil || !removed {
			return err
		}
		for _, h := range s.hooks.disengaged {
			if err := h(ctx, tx, Engagement{Kind: "favourite", AccountID: liker.ID, Post: p, At: s.now()}); err != nil {
				return err
			}
		}
		return tx.DeleteNotificationsAbout(ctx, liker.ID, model.NotifyFavourite, p.ID)
	}))
}

// ReceiveReport files a report (an ActivityPub Flag) sent by a remote
// account about a local account and, optionally, one of its posts. A post
// the reporter may not see is left out of the report.
func (s *Service) ReceiveReport(ctx context.Context, reporter *model.Account, in ReportInput) (*store.Report, error) {
	actor := s.RemoteActor(reporter)
	r, err := s.Report(ctx, actor, in)
	if err != nil && in.PostID != 0 && model.IsNotFound(err) {
		in.PostID = 0
		return s.Report(ctx, actor, in)
	}
	return r, err
}
