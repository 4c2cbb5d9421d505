package social

import (
	"context"
	"strings"
	"time"

	"parvis/internal/model"
	"parvis/internal/store"
)

// FollowOptions are the switches of a follow.
type FollowOptions struct {
	ShowReblogs *bool // nil: keep (true for a new follow)
	Notify      *bool // nil: keep (false for a new follow)
}

// Follow follows an account, or asks to when it approves followers by hand.
// Following again updates the options.
func (s *Service) Follow(ctx context.Context, actor *Actor, targetID int64, opt FollowOptions) (*store.Relationship, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	if targetID == actor.Account.ID {
		return nil, model.Errorf(model.EUNPROCESS, "you can't follow yourself")
	}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := s.checkRate(ctx, tx, actor, "follow"); err != nil {
			return err
		}
		target, err := tx.AccountByID(ctx, targetID)
		if err != nil {
			return err
		}
		if target.Suspended() {
			return model.Errorf(model.ENOTFOUND, "account not found")
		}
		blocked, err := tx.IsBlockedEitherWay(ctx, actor.Account.ID, targetID)
		if err != nil {
			return err
		}
		if blocked {
			return model.Errorf(model.EFORBIDDEN, "you can't follow this account")
		}
		if existing, err := tx.FollowOf(ctx, actor.Account.ID, targetID); err == nil {
			show, notify := existing.ShowReblogs, existing.Notify
			if opt.ShowReblogs != nil {
				show = *opt.ShowReblogs
			}
			if opt.Notify != nil {
				notify = *opt.Notify
			}
			return tx.UpdateFollowOptions(ctx, actor.Account.ID, targetID, show, notify)
		}
		for _, h := range s.hooks.beforeFollow {
			if err := h(ctx, tx, actor, target); err != nil {
				return err
			}
		}
		if target.Group && target.Local() {
			// Following a community's account is joining the community.
			c, err := tx.CommunityByAccountID(ctx, target.ID)
			if err != nil {
				return err
			}
			_, err = s.join(ctx, tx, actor, c)
			return err
		}
		now := s.now()
		if target.Locked || !target.Local() {
			// Locked accounts approve by hand; remote accounts answer with
			// Accept through federation.
			added, err := tx.InsertFollowRequest(ctx, actor.Account.ID, targetID, "", now)
			if err != nil || !added {
				return err
			}
			if err := s.notify(ctx, tx, targetID, actor.Account.ID, model.NotifyFollowRequest, 0); err != nil {
				return err
			}
			return s.runFollowHooks(ctx, tx, FollowEvent{Kind: "request", AccountID: actor.Account.ID, Target: target, At: now})
		}
		return s.acceptFollow(ctx, tx, actor.Account.ID, target, opt, now)
	})
	if err != nil {
		return nil, wrap("follow", err)
	}
	return s.Relationship(ctx, actor, targetID)
}

// acceptFollow writes a follow edge and everything that goes with it. For
// a community's account, that is a membership.
func (s *Service) acceptFollow(ctx context.Context, tx *store.Tx, followerID int64, target *model.Account, opt FollowOptions, now time.Time) error {
	if target.Group && target.Local() {
		c, err := tx.CommunityByAccountID(ctx, target.ID)
		if err != nil {
			return err
		}
		if err := s.addMember(ctx, tx, c, followerID, model.CommunityMember, now); err != nil {
			return err
		}
		if err := s.queue.Enqueue(ctx, tx.SQL(), MergeFeedArgs{ReaderID: followerID, AuthorID: target.ID}, nil); err != nil {
			return err
		}
		return s.runFollowHooks(ctx, tx, FollowEvent{Kind: "join", AccountID: followerID, Target: target, At: now})
	}
	f := store.Follow{AccountID: followerID, TargetID: target.ID, ShowReblogs: true, CreatedAt: now}
	if opt.ShowReblogs != nil {
		f.ShowReblogs = *opt.ShowReblogs
	}
	if opt.Notify != nil {
		f.Notify = *opt.Notify
	}
	added, err := tx.InsertFollow(ctx, f)
	if err != nil || !added {
		return err
	}
	if _, err := tx.DeleteFollowRequest(ctx, followerID, target.ID); err != nil {
		return err
	}
	if err := s.notify(ctx, tx, target.ID, followerID, model.NotifyFollow, 0); err != nil {
		return err
	}
	if err := s.queue.Enqueue(ctx, tx.SQL(), MergeFeedArgs{ReaderID: followerID, AuthorID: target.ID}, nil); err != nil {
		return err
	}
	return s.runFollowHooks(ctx, tx, FollowEvent{Kind: "follow", AccountID: followerID, Target: target, At: now})
}

// Unfollow stops following (or withdraws a request).
func (s *Service) Unfollow(ctx context.Context, actor *Actor, targetID int64) (*store.Relationship, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		target, err := tx.AccountByID(ctx, targetID)
		if err != nil {
			return err
		}
		return s.unfollow(ctx, tx, actor.Account.ID, target)
	})
	if err != nil {
		return nil, wrap("unfollow", err)
	}
	return s.Relationship(ctx, actor, targetID)
}

func (s *Service) unfollow(ctx context.Context, tx *store.Tx, followerID int64, target *model.Account) error {
	if target.Group && target.Local() {
		// Unfollowing a community's account is leaving the community.
		c, err := tx.CommunityByAccountID(ctx, target.ID)
		if err != nil {
			return err
		}
		err = s.leave(ctx, tx, followerID, c)
		if model.ErrorCode(err) == model.ECONFLICT && strings.Contains(err.Error(), "not a member") {
			return nil
		}
		return err
	}
	now := s.now()
	requested, err := tx.DeleteFollowRequest(ctx, followerID, target.ID)
	if err != nil {
		return err
	}
	removed, err := tx.DeleteFollow(ctx, followerID, target.ID)
	if err != nil {
		return err
	}
	if !removed && !requested {
		return nil
	}
	if err := tx.RemoveAuthorFromFeed(ctx, followerID, target.ID); err != nil {
		return err
	}
	kind := "unfollow"
	if requested && !removed {
		kind = "unrequest"
	}
	return s.runFollowHooks(ctx, tx, FollowEvent{Kind: kind, AccountID: followerID, Target: target, At: now})
}

// FollowRequestDecision answers a pending request to follow the actor.
func (s *Service) FollowRequestDecision(ctx context.Context, actor *Actor, requesterID int64, accept bool) (*store.Relationship, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		return s.decideFollowRequest(ctx, tx, requesterID, actor.Account, accept)
	})
	if err != nil {
		return nil, wrap("answer follow request", err)
	}
	return s.Relationship(ctx, actor, requesterID)
}

// decideFollowRequest accepts or rejects requester's request to follow
// target (a person or a community's group account).
func (s *Service) decideFollowRequest(ctx context.Context, tx *store.Tx, requesterID int64, target *model.Account, accept bool) error {
	uri, err := tx.FollowRequestURI(ctx, requesterID, target.ID)
	if model.IsNotFound(err) {
		return model.Errorf(model.ENOTFOUND, "there is no such follow request")
	}
	if err != nil {
		return err
	}
	if _, err := tx.DeleteFollowRequest(ctx, requesterID, target.ID); err != nil {
		return err
	}
	if err := tx.DeleteNotificationsAbout(ctx, requesterID, model.NotifyFollowRequest, 0); err != nil {
		return err
	}
	now := s.now()
	if !accept {
		return s.runFollowHooks(ctx, tx, FollowEvent{Kind: "reject", AccountID: requesterID, Target: target, URI: uri, At: now})
	}
	if err := s.acceptFollow(ctx, tx, requesterID, target, FollowOptions{}, now); err != nil {
		return err
	}
	return s.runFollowHooks(ctx, tx, FollowEvent{Kind: "accept", AccountID: requesterID, Target: target, URI: uri, At: now})
}

// Block blocks an account: follows both ways end, neither sees the other.
func (s *Service) Block(ctx context.Context, actor *Actor, targetID int64) (*store.Relationship, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	if targetID == actor.Account.ID {
		return nil, model.Errorf(model.EUNPROCESS, "you can't block yourself")
	}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		target, err := tx.AccountByID(ctx, targetID)
		if err != nil {
			return err
		}
		if err := s.unfollow(ctx, tx, actor.Account.ID, target); err != nil {
			return err
		}
		if err := s.unfollow(ctx, tx, targetID, actor.Account); err != nil {
			return err
		}
		if err := tx.InsertBlock(ctx, actor.Account.ID, targetID, "", s.now()); err != nil {
			return err
		}
		if err := tx.DeleteNotificationsBetween(ctx, actor.Account.ID, targetID); err != nil {
			return err
		}
		return s.runFollowHooks(ctx, tx, FollowEvent{Kind: "block", AccountID: actor.Account.ID, Target: target, At: s.now()})
	})
	if err != nil {
		return nil, wrap("block", err)
	}
	return s.Relationship(ctx, actor, targetID)
}

// Unblock lifts a block.
func (s *Service) Unblock(ctx context.Context, actor *Actor, targetID int64) (*store.Relationship, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		target, err := tx.AccountByID(ctx, targetID)
		if err != nil {
			return err
		}
		if err := tx.DeleteBlock(ctx, actor.Account.ID, targetID); err != nil {
			return err
		}
		return s.runFollowHooks(ctx, tx, FollowEvent{Kind: "unblock", AccountID: actor.Account.ID, Target: target, At: s.now()})
	})
	if err != nil {
		return nil, wrap("unblock", err)
	}
	return s.Relationship(ctx, actor, targetID)
}

// Mute hides an account's posts (and, with notifications, its
// notifications) from the actor, for duration (0: until unmuted).
func (s *Service) Mute(ctx context.Context, actor *Actor, targetID int64, notifications bool, duration time.Duration) (*store.Relationship, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	if targetID == actor.Account.ID {
		return nil, model.Errorf(model.EUNPROCESS, "you can't mute yourself")
	}
	if duration < 0 {
		return nil, model.Errorf(model.EUNPROCESS, "duration can't be negative")
	}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.AccountByID(ctx, targetID); err != nil {
			return err
		}
		var expires time.Time
		if duration > 0 {
			expires = s.now().Add(duration)
		}
		return tx.InsertMute(ctx, actor.Account.ID, targetID, notifications, expires, s.now())
	})
	if err != nil {
		return nil, wrap("mute", err)
	}
	return s.Relationship(ctx, actor, targetID)
}

// Unmute lifts a mute.
func (s *Service) Unmute(ctx context.Context, actor *Actor, targetID int64) (*store.Relationship, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.AccountByID(ctx, targetID); err != nil {
			return err
		}
		return tx.DeleteMute(ctx, actor.Account.ID, targetID)
	})
	if err != nil {
		return nil, wrap("unmute", err)
	}
	return s.Relationship(ctx, actor, targetID)
}

// Relationship is how the actor stands towards one account.
func (s *Service) Relationship(ctx context.Context, actor *Actor, targetID int64) (*store.Relationship, error) {
	rs, err := s.db.Read().Relationships(ctx, viewerID(actor), []int64{targetID}, s.now())
	if err != nil {
		return nil, err
	}
	return rs[targetID], nil
}

// FollowEvent tells the packages watching follows (federation,
// communities, insights) what changed.
type FollowEvent struct {
	Kind      string // follow, request, unfollow, unrequest, accept, reject, block, unblock
	AccountID int64  // the follower (or blocker)
	Target    *model.Account
	URI       string // the ActivityPub id of the request, when known
	At        time.Time
}

// OnFollow registers fn to run in the transaction of every follow change.
func (s *Service) OnFollow(fn func(ctx context.Context, tx *store.Tx, e FollowEvent) error) {
	s.hooks.follow = append(s.hooks.follow, fn)
}

// BeforeFollow registers fn to check a follow before it is written (a
// banned member cannot rejoin a community).
func (s *Service) BeforeFollow(fn func(ctx context.Context, tx *store.Tx, actor *Actor, target *model.Account) error) {
	s.hooks.beforeFollow = append(s.hooks.beforeFollow, fn)
}

func (s *Service) runFollowHooks(ctx context.Context, tx *store.Tx, e FollowEvent) error {
	for _, h := range s.hooks.follow {
		if err := h(ctx, tx, e); err != nil {
			return err
		}
	}
	return nil
}
