package loadtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	mrand "math/rand/v2"

	"parvis/internal/social"
	"parvis/internal/store"
)

// AppName names the application the load test's tokens belong to, so an
// admin can tell them apart (and revoke them).
const AppName = "parvis bench"

// followsPerNewAccount is how many of the others each created account
// follows, so that its home timeline has posts.
const followsPerNewAccount = 10

// Accounts obtains n accounts to act as, on the server's own database, and
// a new access token (scopes read and write) for each: a random sample of
// the local users who may act, and when there are fewer, new accounts
// named bench_<random>_<i> that follow some of the others. Nobody's
// password is needed or changed. It reports what it does on log.
func Accounts(ctx context.Context, svc *social.Service, db *store.DB, n int, log io.Writer) ([]string, error) {
	if n <= 0 || n > 1_000_000 {
		return nil, fmt.Errorf("--users must be from 1 to 1000000")
	}
	ids, err := db.Read().SampleActiveUserIDs(ctx, n)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "bench: %d existing accounts chosen at random", len(ids))
	var created []int64
	if missing := n - len(ids); missing > 0 {
		fmt.Fprintf(log, ", creating %d more", missing)
		tag := randomTag()
		for i := range missing {
			pw := randomTag() + randomTag()
			u, err := svc.CreateUser(ctx, social.SignupInput{Username: fmt.Sprintf("bench_%s_%d", tag, i+1),
				Email: fmt.Sprintf("bench_%s_%d@bench.invalid", tag, i+1), Password: pw})
			if err != nil {
				return nil, fmt.Errorf("create account: %w", err)
			}
			created = append(created, u.ID)
		}
	}
	fmt.Fprintln(log)
	ids = append(ids, created...)
	if err := followSome(ctx, svc, db, created, ids); err != nil {
		return nil, err
	}
	return svc.IssueTokens(ctx, AppName, ids, "read write")
}

// followSome makes each new account follow up to followsPerNewAccount
// others of the run.
func followSome(ctx context.Context, svc *social.Service, db *store.DB, followers, all []int64) error {
	if len(followers) == 0 || len(all) < 2 {
		return nil
	}
	accountOf := map[int64]int64{}
	account := func(userID int64) (*store.UserWithAccount, error) {
		uw, err := db.Read().UserWithAccountByID(ctx, userID)
		if err != nil {
			return nil, fmt.Errorf("load account: %w", err)
		}
		accountOf[userID] = uw.Account.ID
		return uw, nil
	}
	rng := mrand.New(mrand.NewPCG(uint64(len(all)), 1))
	for _, id := range followers {
		uw, err := account(id)
		if err != nil {
			return err
		}
		actor := &social.Actor{User: uw.User, Account: uw.Account}
		for _, j := range rng.Perm(len(all))[:min(followsPerNewAccount+1, len(all))] {
			other := all[j]
			if other == id {
				continue
			}
			target, ok := accountOf[other]
			if !ok {
				ouw, err := account(other)
				if err != nil {
					return err
				}
				target = ouw.Account.ID
			}
			if _, err := svc.Follow(ctx, actor, target, social.FollowOptions{}); err != nil {
				return fmt.Errorf("follow: %w", err)
			}
		}
	}
	return nil
}

func randomTag() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [6]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}
