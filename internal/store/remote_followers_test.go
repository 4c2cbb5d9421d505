package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"parvis/internal/model"
	"parvis/internal/store"
	"parvis/internal/store/storetest"
)

// HasRemoteFollowers answers the same from either side it looks from: the
// author's followers when they are fewer than the remote accounts known,
// the remote accounts otherwise.
func TestHasRemoteFollowers(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	now := time.Now()
	account := func(name, domain string) int64 {
		a := &model.Account{Username: name, Domain: domain, CreatedAt: now}
		if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.CreateAccount(ctx, a) }); err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	follow := func(from, to int64) {
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			_, err := tx.InsertFollow(ctx, store.Follow{AccountID: from, TargetID: to, CreatedAt: now})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(what string, id int64, want bool) {
		t.Helper()
		got, err := db.Read().HasRemoteFollowers(ctx, id)
		if err != nil || got != want {
			t.Errorf("%s: got %v, %v, want %v", what, got, err, want)
		}
	}
	popular, quiet := account("popular", ""), account("quiet", "")
	for i := range 6 {
		follow(account(fmt.Sprint("local", i), ""), popular)
	}
	check("no remote account at all", popular, false)
	remote1, remote2 := account("far", "remote.example"), account("farther", "other.example")
	follow(account("local-q", ""), quiet)
	check("remote accounts that follow nobody, many followers (remote side)", popular, false)
	check("remote accounts that follow nobody, one follower (followers side)", quiet, false)
	follow(remote2, popular)
	follow(remote1, quiet)
	check("a remote follower among many (remote side)", popular, true)
	check("a remote follower among few (followers side)", quiet, true)
	check("an account that does not exist", 12345, false)
}
