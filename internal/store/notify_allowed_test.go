package store_test

import (
	"context"
	"testing"
	"time"

	"parvis/internal/model"
	"parvis/internal/store"
	"parvis/internal/store/storetest"
)

// TestNotifyAllowed checks the one query that decides whether a like,
// boost or mention notifies, against each relation that silences it and
// those that do not.
func TestNotifyAllowed(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	var recipient, from, remote model.Account
	recipient.Username, from.Username = "recipient", "from"
	remote.Username, remote.Domain = "far", "remote.example"
	if err := db.Tx(ctx, func(tx *store.Tx) error {
		for _, a := range []*model.Account{&recipient, &from, &remote} {
			if err := tx.CreateAccount(ctx, a); err != nil {
				return err
			}
		}
		_, err := tx.CreateUser(ctx, recipient.ID, store.NewUser{Email: "r@example.com", Approved: true})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		set     func(tx *store.Tx) error
		to      int64
		local   bool
		allowed bool
	}{
		{"nothing between them", nil, recipient.ID, true, true},
		{"a remote recipient", nil, remote.ID, false, true},
		{"the recipient blocks", func(tx *store.Tx) error { return tx.InsertBlock(ctx, recipient.ID, from.ID, "", now) },
			recipient.ID, true, false},
		{"the recipient is blocked", func(tx *store.Tx) error { return tx.InsertBlock(ctx, from.ID, recipient.ID, "", now) },
			recipient.ID, true, false},
		{"a mute with notifications", func(tx *store.Tx) error {
			return tx.InsertMute(ctx, recipient.ID, from.ID, true, time.Time{}, now)
		}, recipient.ID, true, false},
		{"a mute with notifications, until later", func(tx *store.Tx) error {
			return tx.InsertMute(ctx, recipient.ID, from.ID, true, now.Add(time.Hour), now)
		}, recipient.ID, true, false},
		{"a mute without notifications", func(tx *store.Tx) error {
			return tx.InsertMute(ctx, recipient.ID, from.ID, false, time.Time{}, now)
		}, recipient.ID, true, true},
		{"an expired mute", func(tx *store.Tx) error {
			return tx.InsertMute(ctx, recipient.ID, from.ID, true, now.Add(-time.Minute), now.Add(-time.Hour))
		}, recipient.ID, true, true},
		{"the sender mutes the recipient", func(tx *store.Tx) error {
			return tx.InsertMute(ctx, from.ID, recipient.ID, true, time.Time{}, now)
		}, recipient.ID, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := db.Tx(ctx, func(tx *store.Tx) error {
				for _, pair := range [][2]int64{{recipient.ID, from.ID}, {from.ID, recipient.ID}} {
					if err := tx.DeleteBlock(ctx, pair[0], pair[1]); err != nil {
						return err
					}
					if err := tx.DeleteMute(ctx, pair[0], pair[1]); err != nil {
						return err
					}
				}
				if tc.set != nil {
					return tc.set(tx)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			var local, allowed bool
			if err := db.Tx(ctx, func(tx *store.Tx) error {
				var err error
				local, allowed, err = tx.NotifyAllowed(ctx, tc.to, from.ID, now)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if local != tc.local || allowed != tc.allowed {
				t.Errorf("local %v, allowed %v; want %v, %v", local, allowed, tc.local, tc.allowed)
			}
		})
	}
}
