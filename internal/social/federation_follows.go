package social

import (
	"context"
	"errors"
	"strings"

	"parvis/internal/model"
	"parvis/internal/store"
)

// The use cases in the federation_*.go files apply what remote servers
// tell: they run after the federation package has verified who speaks,
// inside one transaction each, with the same side effects (notifications,
// feeds, hooks) as their local counterparts.

// RemoteActor returns an Actor standing for a remote account in the use
// cases it may take part in through federation (joining a community,
// reporting, seeing a post). It has the plain user role, never a staff
// one; only federation code builds it, for an account whose signature it
// verified.
func (s *Service) RemoteActor(a *model.Account) *Actor {
	return &Actor{User: &model.User{AccountID: a.ID, Role: model.RoleUser, Approved: true}, Account: a}
}

// FollowOutcome is what a remote Follow became.
type FollowOutcome int

// Outcomes of ReceiveFollow.
const (
	// FollowAccepted: a new follow or membership; the follow hooks ran
	// ("follow" or "join") and federation answers Accept from them.
	FollowAccepted FollowOutcome = iota
	// FollowAlready: the follow already existed; nothing changed, and the
	// caller answers Accept again (the remote server may have lost it).
	FollowAlready
	// FollowPending: a request waits for the target's (or the
	// moderators') decision.
	FollowPending
	// FollowRefused: blocked, banned or suspended; the caller answers
	// Reject.
	FollowRefused
)

// ReceiveFollow applies a remote account's Follow of a local account (a
// person, or a community's group account: joining). uri is the Follow
// activity's id, kept to answer and to match its Undo. With askFirst (the
// follower's domain is silenced) the follow always becomes a request.
func (s *Service) ReceiveFollow(ctx context.Context, follower, target *model.Account, uri string, askFirst bool) (FollowOutcome, error) {
	if follower.Local() || !target.Local() {
		return FollowRefused, model.Errorf(model.EUNPROCESS, "a remote follow goes from a remote account to a local one")
	}
	var out FollowOutcome
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		now := s.now()
		if err := tx.PutFollowActivity(ctx, store.FollowActivity{AccountID: follower.ID, TargetID: target.ID, URI: uri,
			CreatedAt: now}); err != nil {
			return err
		}
		if target.Suspended() || follower.Suspended() {
			out = FollowRefused
			return nil
		}
		blocked, err := tx.IsBlockedEitherWay(ctx, follower.ID, target.ID)
		if err != nil {
			return err
		}
		if blocked {
			out = FollowRefused
			return nil
		}
		if _, err := tx.FollowOf(ctx, follower.ID, target.ID); err == nil {
			out = FollowAlready
			return nil
		}
		actor := s.RemoteActor(follower)
		for _, h := range s.hooks.beforeFollow {
			if err := h(ctx, tx, actor, target); err != nil {
				if model.ErrorCode(err) == model.EFORBIDDEN {
					out = FollowRefused
					return nil
				}
				return err
			}
		}
		if target.Group {
			c, err := tx.CommunityByAccountID(ctx, target.ID)
			if err != nil {
				return err
			}
			c.Account = target
			res, err := s.join(ctx, tx, actor, c)
			switch {
			case err == nil && res.Joined:
				out = FollowAccepted
			case err == nil:
				out = FollowPending
			case model.ErrorCode(err) == model.EFORBIDDEN:
				out = FollowRefused
			case model.ErrorCode(err) == model.ECONFLICT && strings.Contains(err.Error(), "already asked"):
				out = FollowPending
			case model.ErrorCode(err) == model.ECONFLICT:
				out = FollowAlready
			default:
				return err
			}
			return nil
		}
		if target.Locked || askFirst {
			added, err := tx.InsertFollowRequest(ctx, follower.ID, target.ID, uri, now)
			if err != nil {
				return err
			}
			out = FollowPending
			if !added {
				return nil
			}
			if err := s.notify(ctx, tx, target.ID, follower.ID, model.NotifyFollowRequest, 0); err != nil {
				return err
			}
			return s.runFollowHooks(ctx, tx, FollowEvent{Kind: "request", AccountID: follower.ID, Target: target, URI: uri, At: now})
		}
		out = FollowAccepted
		return s.acceptFollow(ctx, tx, follower.ID, target, FollowOptions{}, now)
	})
	if err != nil {
		return FollowRefused, wrap("receive follow", err)
	}
	return out, nil
}

// ReceiveFollowAnswer applies a remote account's Accept or Reject of a
// local account's follow. A Reject of a follow already accepted ends it
// (the remote account removed a follower).
func (s *Service) ReceiveFollowAnswer(ctx context.Context, followerID int64, target *model.Account, accepted bool) error {
	return wrap("receive follow answer", s.db.Tx(ctx, func(tx *store.Tx) error {
		pending, err := tx.HasFollowRequest(ctx, followerID, target.ID)
		if err != nil {
			return err
		}
		if pending {
			return s.decideFollowRequest(ctx, tx, followerID, target, accepted)
		}
		if accepted {
			return nil // an Accept repeated, or for a request withdrawn since
		}
		return s.unfollow(ctx, tx, followerID, target)
	}))
}

// ReceiveUnfollow applies a remote account's Undo of its Follow of a local
// account (or its request), which for a community is leaving it.
func (s *Service) ReceiveUnfollow(ctx context.Context, follower, target *model.Account) error {
	return wrap("receive unfollow", s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := s.unfollow(ctx, tx, follower.ID, target); err != nil {
			if model.ErrorCode(err) == model.ECONFLICT {
				return nil // the last owner cannot leave; a remote owner is not possible
			}
			return err
		}
		return tx.DeleteFollowActivity(ctx, follower.ID, target.ID)
	}))
}

// ReceiveBlock applies a remote account's Block of a local one: follows
// end both ways, as for a local block.
func (s *Service) ReceiveBlock(ctx context.Context, blocker, target *model.Account, uri string) error {
	return wrap("receive block", s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := s.unfollow(ctx, tx, blocker.ID, target); err != nil && model.ErrorCode(err) != model.ECONFLICT {
			return err
		}
		if err := s.unfollow(ctx, tx, target.ID, blocker); err != nil && model.ErrorCode(err) != model.ECONFLICT {
			return err
		}
		if err := tx.InsertBlock(ctx, blocker.ID, target.ID, uri, s.now()); err != nil {
			return err
		}
		if err := tx.DeleteNotificationsBetween(ctx, target.ID, blocker.ID); err != nil {
			return err
		}
		return s.runFollowHooks(ctx, tx, FollowEvent{Kind: "block", AccountID: blocker.ID, Target: target, URI: uri, At: s.now()})
	}))
}

// ReceiveUnblock lifts a remote account's block of a local one.
func (s *Service) ReceiveUnblock(ctx context.Context, blocker, target *model.Account) error {
	return wrap("receive unblock", s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteBlock(ctx, blocker.ID, target.ID); err != nil {
			return err
		}
		return s.runFollowHooks(ctx, tx, FollowEvent{Kind: "unblock", AccountID: blocker.ID, Target: target, At: s.now()})
	}))
}

// ReceiveMove moves the local followers of a remote account that moved to
// another actor: each stops following the old account and follows the new
// one (a request, for a remote or locked one). It returns how many were
// moved.
func (s *Service) ReceiveMove(ctx context.Context, from, to *model.Account) (int, error) {
	if from.ID == to.ID {
		return 0, nil
	}
	if err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.SetMovedTo(ctx, from.ID, to.URI); err != nil {
			return err
		}
		return tx.SetAccountMovedTo(ctx, from.ID, to.ID, s.now())
	}); err != nil {
		return 0, wrap("receive move", err)
	}
	n, err := s.moveFollowers(ctx, from, to)
	return n, wrap("receive move", err)
}

// moveFollowers makes the local followers of from follow to instead (a
// request, for a remote or locked account), except those blocked either
// way; it returns how many moved.
func (s *Service) moveFollowers(ctx context.Context, from, to *model.Account) (int, error) {
	ids, err := s.db.Read().LocalFollowerIDs(ctx, from.ID)
	if err != nil {
		return 0, err
	}
	moved := 0
	var errs []error
	for _, id := range ids {
		u, err := s.db.Read().UserByAccountID(ctx, id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		acc, err := s.db.Read().AccountByID(ctx, id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		actor := &Actor{User: u, Account: acc}
		if blocked, err := s.db.Read().IsBlockedEitherWay(ctx, id, to.ID); err != nil || blocked {
			if err != nil {
				errs = append(errs, err)
			}
			continue
		}
		if _, err := s.Follow(ctx, actor, to.ID, FollowOptions{}); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := s.db.Tx(ctx, func(tx *store.Tx) error { return s.unfollow(ctx, tx, id, from) }); err != nil {
			errs = append(errs, err)
			continue
		}
		moved++
	}
	return moved, errors.Join(errs...)
}

// ReceiveActorDelete applies a remote actor's deletion of itself: the
// account is suspended (its posts disappear from every view), its follows
// end both ways, and a PurgeAccountArgs job removes its posts, favourites
// and other relations.
func (s *Service) ReceiveActorDelete(ctx context.Context, a *model.Account) error {
	if a.Local() {
		return model.Errorf(model.EUNPROCESS, "a local account is not deleted through federation")
	}
	return wrap("receive actor delete", s.db.Tx(ctx, func(tx *store.Tx) error {
		now := s.now()
		if err := tx.SuspendAccount(ctx, a.ID, now); err != nil {
			return err
		}
		a.SuspendedAt = now
		if err := s.severFollows(ctx, tx, a); err != nil {
			return err
		}
		// Its posts, favourites and the rest go in the background.
		return s.queue.Enqueue(ctx, tx.SQL(), PurgeAccountArgs{AccountID: a.ID}, nil)
	}))
}

// severFollows ends every follow between a remote account and local ones,
// both ways.
func (s *Service) severFollows(ctx context.Context, tx *store.Tx, a *model.Account) error {
	following, err := tx.Following(ctx, a.ID, store.Page{Limit: 100000})
	if err != nil {
		return err
	}
	targets := make([]int64, 0, len(following))
	for _, f := range following {
		targets = append(targets, f.ItemID)
	}
	accs, err := tx.AccountsByIDs(ctx, targets)
	if err != nil {
		return err
	}
	for _, id := range targets {
		if t := accs[id]; t != nil && t.Local() {
			if err := s.unfollow(ctx, tx, a.ID, t); err != nil && model.ErrorCode(err) != model.ECONFLICT {
				return err
			}
		}
	}
	followers, err := tx.LocalFollowerIDs(ctx, a.ID)
	if err != nil {
		return err
	}
	for _, id := range followers {
		if err := s.unfollow(ctx, tx, id, a); err != nil {
			return err
		}
	}
	return nil
}
