package social

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"parvis/internal/jobs"
	"parvis/internal/model"
	"parvis/internal/store"
)

// Deleting an account, as Mastodon does: the request makes the account
// unusable at once (suspended, profile emptied, its user and with it every
// session and OAuth token gone) and queues a PurgeAccountArgs job, which
// tells federation (Delete of the actor, while the follows that say where
// to send it still exist) and then removes posts, media, favourites,
// follows and the rest in batches, one transaction each. The account row
// stays: the username is never given again, and the key signs the Delete.

// OnAccountDeleted registers fn to run in the purge job's first
// transaction, before any relation of the deleted account goes, so that
// federation can address the Delete to its followers and to the servers
// it interacted with. It runs for local accounts only.
func (s *Service) OnAccountDeleted(fn func(ctx context.Context, tx *store.Tx, a *model.Account) error) {
	s.hooks.accountDeleted = append(s.hooks.accountDeleted, fn)
}

// DeleteAccount deletes the actor's own account, after checking its
// password.
func (s *Service) DeleteAccount(ctx context.Context, actor *Actor, password string) error {
	if err := actor.require(); err != nil {
		return err
	}
	if err := s.hit(ctx, fmt.Sprintf("password-change:%d", actor.User.ID), s.limits.LoginPerAccount); err != nil {
		return err
	}
	if password == "" {
		return model.Errorf(model.EINVALID, "enter your current password")
	}
	stored, err := s.db.Read().PasswordHash(ctx, actor.User.ID)
	if err != nil {
		return wrap("delete account", err)
	}
	if !CheckPassword(stored, password) {
		return model.Errorf(model.EINVALID, "the current password is wrong")
	}
	return wrap("delete account", s.db.Tx(ctx, func(tx *store.Tx) error {
		return s.deleteAccount(ctx, tx, actor.Account.ID, actor.Account.ID)
	}))
}

// AdminDeleteAccount deletes a local account (admins only; not their
// own, which goes through DeleteAccount).
func (s *Service) AdminDeleteAccount(ctx context.Context, actor *Actor, accountID int64) error {
	if err := actor.requireRole(model.RoleAdmin); err != nil {
		return err
	}
	if accountID == actor.Account.ID {
		return model.Errorf(model.EINVALID, "delete your own account from your settings")
	}
	return wrap("delete account", s.db.Tx(ctx, func(tx *store.Tx) error {
		return s.deleteAccount(ctx, tx, accountID, actor.Account.ID)
	}))
}

// deleteAccount is the fast part of a deletion, in the caller's
// transaction.
func (s *Service) deleteAccount(ctx context.Context, tx *store.Tx, accountID, by int64) error {
	a, err := tx.AccountByID(ctx, accountID)
	if err != nil {
		return err
	}
	if !a.Local() || a.Group {
		return model.Errorf(model.EINVALID, "only a local person's account can be deleted here")
	}
	if a.Deleted() {
		return model.Errorf(model.ECONFLICT, "this account is already deleted")
	}
	u, err := tx.UserByAccountID(ctx, a.ID)
	if err != nil {
		return err
	}
	if u.Role == model.RoleAdmin {
		users, err := tx.ListUsers(ctx, false, 1<<20)
		if err != nil {
			return err
		}
		n := 0
		for _, x := range users {
			if x.User.Role == model.RoleAdmin {
				n++
			}
		}
		if n <= 1 {
			return model.Errorf(model.ECONFLICT, "%s is the last admin; make someone else admin first", a.Username)
		}
	}
	now := s.now()
	if _, err := tx.MarkAccountDeleted(ctx, a.ID, now); err != nil {
		return err
	}
	if err := tx.DeleteUserOfAccount(ctx, a.ID); err != nil {
		return err
	}
	var keys []string
	for _, k := range []string{a.AvatarPath, a.HeaderPath} {
		if k != "" {
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		if err := s.queue.Enqueue(ctx, tx.SQL(), DeleteFilesArgs{Keys: keys}, nil); err != nil {
			return err
		}
	}
	if by != a.ID {
		if err := tx.LogModeration(ctx, store.LogEntry{ActorID: by, Action: "delete_account", TargetAccountID: a.ID,
			CreatedAt: now}); err != nil {
			return err
		}
	}
	s.log.Info("account deleted", "account_id", a.ID, "username", a.Username, "by", by)
	return s.queue.Enqueue(ctx, tx.SQL(), PurgeAccountArgs{AccountID: a.ID, Announce: true}, nil)
}

// PurgeAccountArgs removes what a deleted or suspended-by-its-server
// account left: posts, media, favourites, follows and every other
// relation, in batches.
type PurgeAccountArgs struct {
	AccountID int64 `json:"account_id,string"`
	// Announce runs the OnAccountDeleted hooks first (a local account:
	// federation sends its Delete).
	Announce bool `json:"announce,omitempty"`
}

// Kind names the job.
func (PurgeAccountArgs) Kind() string { return "purge_account" }

// InsertOpts retries a purge for a while: each batch is its own
// transaction, so a retry goes on where the last attempt stopped.
func (PurgeAccountArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueDefault, MaxAttempts: 10}
}

// purgeBatch is how many rows one transaction of a purge removes: small
// enough that SQLite's single writer is never held long.
const purgeBatch = 200

type purgeAccountWorker struct {
	river.WorkerDefaults[PurgeAccountArgs]
	s *Service
}

// Timeout leaves a large account time; batches already done stay done.
func (w *purgeAccountWorker) Timeout(*river.Job[PurgeAccountArgs]) time.Duration {
	return 30 * time.Minute
}

func (w *purgeAccountWorker) Work(ctx context.Context, job *river.Job[PurgeAccountArgs]) error {
	return w.s.PurgeAccount(ctx, job.Args.AccountID, job.Args.Announce && job.Attempt == 1)
}

// PurgeAccount removes a deleted account's content and relations, batch
// by batch (the job's work; exported for tests). With announce, the
// OnAccountDeleted hooks run first.
func (s *Service) PurgeAccount(ctx context.Context, accountID int64, announce bool) error {
	a, err := s.db.Read().AccountByID(ctx, accountID)
	if err != nil {
		return wrap("purge account", err)
	}
	if !a.Suspended() {
		return nil // unsuspended since: nothing to purge
	}
	if announce && a.Local() {
		if err := s.db.Tx(ctx, func(tx *store.Tx) error {
			for _, h := range s.hooks.accountDeleted {
				if err := h(ctx, tx, a); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return wrap("purge account", err)
		}
	}
	start := s.now()
	posts, favourites, follows, media := 0, 0, 0, 0
	// Posts first (their boosts by others, replies counts, feeds).
	for {
		ps, err := s.db.Read().PostsToPurge(ctx, a.ID, purgeBatch)
		if err != nil {
			return wrap("purge account", err)
		}
		if len(ps) == 0 {
			break
		}
		if err := s.db.Tx(ctx, func(tx *store.Tx) error {
			for _, p := range ps {
				if err := tx.DeletePost(ctx, p); err != nil {
					return err
				}
				s.publishAfter(tx, Event{Kind: EventDelete, PostID: p.ID, AuthorID: p.AccountID, ThreadID: p.ThreadID})
			}
			return nil
		}); err != nil {
			return wrap("purge account", err)
		}
		posts += len(ps)
	}
	for {
		n := 0
		if err := s.db.Tx(ctx, func(tx *store.Tx) error {
			var keys []string
			var err error
			n, keys, err = tx.DeleteMediaOfAccount(ctx, a.ID, purgeBatch)
			if err != nil || len(keys) == 0 {
				return err
			}
			return s.queue.Enqueue(ctx, tx.SQL(), DeleteFilesArgs{Keys: keys}, nil)
		}); err != nil {
			return wrap("purge account", err)
		}
		if n == 0 {
			break
		}
		media += n
	}
	for {
		ids, err := s.db.Read().FavouritedPostIDs(ctx, a.ID, purgeBatch)
		if err != nil {
			return wrap("purge account", err)
		}
		if len(ids) == 0 {
			break
		}
		if err := s.db.Tx(ctx, func(tx *store.Tx) error {
			for _, id := range ids {
				if _, err := tx.DeleteFavourite(ctx, a.ID, id); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return wrap("purge account", err)
		}
		favourites += len(ids)
	}
	for {
		n := 0
		if err := s.db.Tx(ctx, func(tx *store.Tx) error {
			var err error
			n, err = tx.PurgeFollowsOf(ctx, a.ID, purgeBatch)
			return err
		}); err != nil {
			return wrap("purge account", err)
		}
		if n == 0 {
			break
		}
		follows += n
	}
	if err := s.db.Tx(ctx, func(tx *store.Tx) error { return tx.PurgeRelationsOf(ctx, a.ID) }); err != nil {
		return wrap("purge account", err)
	}
	s.log.Info("account purged", "account_id", a.ID, "posts", posts, "media", media, "favourites", favourites,
		"follows", follows, "took", s.now().Sub(start))
	return nil
}
