package social

import (
	"context"
	"fmt"
	"time"

	"parvis/internal/model"
	"parvis/internal/store"
)

// Limit is a number of events allowed per window.
type Limit struct {
	Max    int64
	Window time.Duration
}

// Limits are the rate limits of the use cases. Counters live in the
// database, so they hold across nodes.
type Limits struct {
	LoginPerIP      Limit // failed and successful attempts from one address
	LoginPerAccount Limit // failed attempts against one account
	SignupPerIP     Limit
	ResetPerIP      Limit
	// Per account: engagement that a person, not a script, would produce.
	Favourites Limit
	Reblogs    Limit
	Follows    Limit
	Posts      Limit
	// NetworkFactor multiplies the per-account engagement limits into
	// limits for all accounts acting from one network (a /24 or /48), so
	// that a farm of fresh accounts behind one address cannot multiply its
	// allowance. Zero turns the per-network limits off.
	NetworkFactor int64
}

// DefaultLimits are the limits a fresh server starts with.
func DefaultLimits() Limits {
	return Limits{
		LoginPerIP:      Limit{Max: 30, Window: 5 * time.Minute},
		LoginPerAccount: Limit{Max: 10, Window: 15 * time.Minute},
		SignupPerIP:     Limit{Max: 10, Window: time.Hour},
		ResetPerIP:      Limit{Max: 5, Window: time.Hour},
		Favourites:      Limit{Max: 300, Window: time.Hour},
		Reblogs:         Limit{Max: 150, Window: time.Hour},
		Follows:         Limit{Max: 400, Window: 24 * time.Hour},
		Posts:           Limit{Max: 300, Window: time.Hour},
		NetworkFactor:   10,
	}
}

// hit counts one event and refuses it once the limit is passed.
func (s *Service) hit(ctx context.Context, key string, l Limit) error {
	if l.Max <= 0 {
		return nil
	}
	n, err := s.db.Hit(ctx, key, l.Window, s.now())
	if err != nil {
		return err
	}
	if n > l.Max {
		return tooMany(l)
	}
	return nil
}

// over reports (without counting) whether key is already over its limit.
func (s *Service) over(ctx context.Context, key string, l Limit) error {
	if l.Max <= 0 {
		return nil
	}
	n, err := s.db.Read().Hits(ctx, key, l.Window, s.now())
	if err != nil {
		return err
	}
	if n >= l.Max {
		return tooMany(l)
	}
	return nil
}

func tooMany(l Limit) error {
	return model.Errorf(model.ERATELIMIT, "too many attempts; try again in %s", humanDuration(l.Window))
}

func humanDuration(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		if d == time.Hour {
			return "an hour"
		}
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d >= time.Minute:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return fmt.Sprintf("%d seconds", d/time.Second)
}

// checkRate counts an action of the actor against its per-account limit
// (and its network's), inside the action's transaction: the count sticks
// only if the action is done, and one write transaction does both.
func (s *Service) checkRate(ctx context.Context, tx *store.Tx, actor *Actor, action string) error {
	var l Limit
	switch action {
	case "favourite":
		l = s.limits.Favourites
	case "reblog":
		l = s.limits.Reblogs
	case "follow":
		l = s.limits.Follows
	case "post":
		l = s.limits.Posts
	default:
		return fmt.Errorf("unknown rate-limited action %q", action)
	}
	if err := s.hitIn(ctx, tx, fmt.Sprintf("%s:%d", action, actor.Account.ID), l); err != nil {
		return err
	}
	if actor.network == "" || s.limits.NetworkFactor <= 0 {
		return nil
	}
	return s.hitIn(ctx, tx, action+":net:"+actor.network, Limit{Max: l.Max * s.limits.NetworkFactor, Window: l.Window})
}

// hitIn is hit inside a transaction.
func (s *Service) hitIn(ctx context.Context, tx *store.Tx, key string, l Limit) error {
	if l.Max <= 0 {
		return nil
	}
	n, err := tx.Hit(ctx, key, l.Window, s.now())
	if err != nil {
		return err
	}
	if n > l.Max {
		return tooMany(l)
	}
	return nil
}
