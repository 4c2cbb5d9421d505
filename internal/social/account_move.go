package social

import (
	"context"
	"errors"
	"strings"

	"github.com/riverqueue/river"

	"parvis/internal/jobs"
	"parvis/internal/model"
	"parvis/internal/store"
)

// Moving an account, as Mastodon's "Move to a different account": the new
// account first lists the old one among its aliases (alsoKnownAs); the
// old one then records where it went, tells its followers (federation
// sends Move) and its local followers follow the new account.

// LookedUp is an account found by its address for an alias or a move,
// with its ActivityPub id and the ids it lists in alsoKnownAs, read
// afresh from its server.
type LookedUp struct {
	Account     *model.Account
	URI         string
	AlsoKnownAs []string
}

// SetAccountLookup lets aliases and moves name accounts on other servers:
// the federation package finds them (WebFinger, then the actor) and reads
// their alsoKnownAs afresh.
func (s *Service) SetAccountLookup(fn func(ctx context.Context, handle string) (*LookedUp, error)) {
	s.lookup = fn
}

// OnAccountMoved registers fn to run in the transaction that records a
// local account's move, so that federation can send the Move.
func (s *Service) OnAccountMoved(fn func(ctx context.Context, tx *store.Tx, from, to *model.Account) error) {
	s.hooks.accountMoved = append(s.hooks.accountMoved, fn)
}

// LocalActorURI is the ActivityPub id of a local account.
func (s *Service) LocalActorURI(a *model.Account) string { return s.BaseURL() + "/users/" + a.Username }

// lookupAccount finds the account a handle names: "name" or
// "name@this-domain" here, "name@domain" or an actor's URL elsewhere.
func (s *Service) lookupAccount(ctx context.Context, handle string) (*LookedUp, error) {
	h := strings.TrimPrefix(strings.TrimSpace(handle), "@")
	notFound := model.Errorf(model.EINVALID, "no account found at %s", clipHandle(h))
	if h == "" {
		return nil, model.Errorf(model.EINVALID, "enter the address of the account, like name@example.org")
	}
	name, domain, remote := strings.Cut(h, "@")
	if strings.HasPrefix(h, "http://") || strings.HasPrefix(h, "https://") || (remote && !strings.EqualFold(domain, s.cfg.Domain)) {
		if s.lookup == nil {
			return nil, notFound
		}
		l, err := s.lookup(ctx, h)
		if err != nil {
			if code := model.ErrorCode(err); code == model.ENOTFOUND || code == model.EINVALID || code == model.EUNPROCESS || code == "" {
				s.log.Info("account lookup failed", "handle", clipHandle(h), "err", err)
				return nil, notFound
			}
			return nil, err
		}
		return l, nil
	}
	a, err := s.db.Read().AccountByUsername(ctx, name, "")
	if model.IsNotFound(err) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	aliases, err := s.db.Read().Aliases(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	l := &LookedUp{Account: a, URI: s.LocalActorURI(a)}
	for _, al := range aliases {
		l.AlsoKnownAs = append(l.AlsoKnownAs, al.URI)
	}
	return l, nil
}

// clipHandle keeps an address short enough for a message.
func clipHandle(h string) string {
	if len(h) > 100 {
		return h[:100] + "…"
	}
	return h
}

// Aliases lists the accounts the actor says it also is.
func (s *Service) Aliases(ctx context.Context, actor *Actor) ([]store.Alias, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	return s.db.Read().Aliases(ctx, actor.Account.ID)
}

// maxAliases bounds an account's aliases.
const maxAliases = 10

// AddAlias declares that the account at handle is also the actor (the
// old account it moves from), so that a Move from there is accepted.
func (s *Service) AddAlias(ctx context.Context, actor *Actor, handle string) (*store.Alias, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	l, err := s.lookupAccount(ctx, handle)
	if err != nil {
		return nil, err
	}
	if l.Account.ID == actor.Account.ID {
		return nil, model.Errorf(model.EINVALID, "this is your own account: give the address of your other account")
	}
	al := store.Alias{URI: l.URI, Acct: acctOf(l.Account, s.cfg.Domain), CreatedAt: s.now()}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		have, err := tx.Aliases(ctx, actor.Account.ID)
		if err != nil {
			return err
		}
		if len(have) >= maxAliases {
			return model.Errorf(model.EINVALID, "an account has at most %d aliases", maxAliases)
		}
		if err := tx.AddAlias(ctx, actor.Account.ID, al); err != nil {
			return err
		}
		return s.profileUpdated(ctx, tx, actor.Account)
	})
	if err != nil {
		return nil, wrap("add alias", err)
	}
	return &al, nil
}

// RemoveAlias takes an alias back.
func (s *Service) RemoveAlias(ctx context.Context, actor *Actor, uri string) error {
	if err := actor.require(); err != nil {
		return err
	}
	return wrap("remove alias", s.db.Tx(ctx, func(tx *store.Tx) error {
		removed, err := tx.RemoveAlias(ctx, actor.Account.ID, uri)
		if err != nil {
			return err
		}
		if !removed {
			return model.Errorf(model.ENOTFOUND, "alias not found")
		}
		return s.profileUpdated(ctx, tx, actor.Account)
	}))
}

// acctOf is an account's full address.
func acctOf(a *model.Account, domain string) string {
	if a.Local() {
		return a.Username + "@" + domain
	}
	return a.Acct()
}

// MoveAccount moves the actor's account to the account at handle, which
// must list this one among its aliases. The move is recorded, federation
// sends Move to the followers, and a job makes the local followers follow
// the new account.
func (s *Service) MoveAccount(ctx context.Context, actor *Actor, handle, password string) (*model.Account, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	if err := s.hit(ctx, "password-change:"+model.FormatID(actor.User.ID), s.limits.LoginPerAccount); err != nil {
		return nil, err
	}
	if password == "" {
		return nil, model.Errorf(model.EINVALID, "enter your current password")
	}
	stored, err := s.db.Read().PasswordHash(ctx, actor.User.ID)
	if err != nil {
		return nil, wrap("move account", err)
	}
	if !CheckPassword(stored, password) {
		return nil, model.Errorf(model.EINVALID, "the current password is wrong")
	}
	l, err := s.lookupAccount(ctx, handle)
	if err != nil {
		return nil, err
	}
	to := l.Account
	if to.ID == actor.Account.ID {
		return nil, model.Errorf(model.EINVALID, "you cannot move to this same account")
	}
	if to.Suspended() || to.Group {
		return nil, model.Errorf(model.EINVALID, "%s cannot receive a move", acctOf(to, s.cfg.Domain))
	}
	me := s.LocalActorURI(actor.Account)
	listed := false
	for _, u := range l.AlsoKnownAs {
		if u == me {
			listed = true
		}
	}
	if !listed {
		return nil, model.Errorf(model.EINVALID,
			"%s does not list this account as an alias yet: add %s in its account aliases first",
			acctOf(to, s.cfg.Domain), acctOf(actor.Account, s.cfg.Domain))
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		from, err := tx.AccountByID(ctx, actor.Account.ID)
		if err != nil {
			return err
		}
		if err := tx.SetAccountMovedTo(ctx, from.ID, to.ID, s.now()); err != nil {
			return err
		}
		from.MovedToID = to.ID
		for _, h := range s.hooks.accountMoved {
			if err := h(ctx, tx, from, to); err != nil {
				return err
			}
		}
		return s.queue.Enqueue(ctx, tx.SQL(), MoveFollowersArgs{FromID: from.ID, ToID: to.ID}, nil)
	})
	if err != nil {
		return nil, wrap("move account", err)
	}
	s.log.Info("account moved", "account_id", actor.Account.ID, "to", l.URI)
	return to, nil
}

// MovedTo returns the account a has moved to, or nil.
func (s *Service) MovedTo(ctx context.Context, a *model.Account) (*model.Account, error) {
	if a.MovedToID == 0 {
		return nil, nil
	}
	to, err := s.db.Read().AccountByID(ctx, a.MovedToID)
	if model.IsNotFound(err) {
		return nil, nil
	}
	return to, err
}

// MoveFollowersArgs makes the local followers of an account that moved
// follow its new account.
type MoveFollowersArgs struct {
	FromID int64 `json:"from_id,string"`
	ToID   int64 `json:"to_id,string"`
}

// Kind names the job.
func (MoveFollowersArgs) Kind() string { return "move_followers" }

// InsertOpts retries a few times; followers already moved follow the old
// account no more, so a retry moves the rest.
func (MoveFollowersArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueDefault, MaxAttempts: 5}
}

type moveFollowersWorker struct {
	river.WorkerDefaults[MoveFollowersArgs]
	s *Service
}

func (w *moveFollowersWorker) Work(ctx context.Context, job *river.Job[MoveFollowersArgs]) error {
	accs, err := w.s.db.Read().AccountsByIDs(ctx, []int64{job.Args.FromID, job.Args.ToID})
	if err != nil {
		return err
	}
	from, to := accs[job.Args.FromID], accs[job.Args.ToID]
	if from == nil || to == nil {
		return river.JobCancel(errors.New("move followers: an account is gone"))
	}
	n, err := w.s.moveFollowers(ctx, from, to)
	w.s.log.Info("local followers moved", "from", from.ID, "to", to.ID, "moved", n)
	return err
}
