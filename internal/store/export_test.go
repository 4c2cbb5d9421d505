package store_test

import (
	"context"
	"testing"
	"time"

	"parvis/internal/model"
	"parvis/internal/store"
	"parvis/internal/store/storetest"
)

// Reads in a snapshot keep seeing the database as it was when the first
// of them ran, whatever is written meanwhile: an export is one instant.
func TestReadSnapshotIsStable(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	ids := fillForBackup(t, db, 3, 0)
	follow := func(a, b int64) {
		t.Helper()
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			_, err := tx.InsertFollow(ctx, store.Follow{AccountID: a, TargetID: b, ShowReblogs: true, CreatedAt: time.Now()})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	follow(ids[0], ids[1])
	err := db.ReadSnapshot(ctx, func(q store.Q) error {
		before, err := q.FollowingForExport(ctx, ids[0])
		if err != nil {
			return err
		}
		follow(ids[0], ids[2])
		after, err := q.FollowingForExport(ctx, ids[0])
		if err != nil {
			return err
		}
		if len(before) != 1 || len(after) != 1 {
			t.Errorf("in the snapshot: got %d then %d follows, want 1 both times", len(before), len(after))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	now, err := db.Read().FollowingForExport(ctx, ids[0])
	if err != nil || len(now) != 2 {
		t.Fatalf("after the snapshot: got %d follows (%v), want 2", len(now), err)
	}
}

// Expired mutes and moderated posts are not exported; posts page through
// oldest first.
func TestExportQueries(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	ids := fillForBackup(t, db, 3, 0)
	now := time.Now()
	var posts []int64
	err := db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.InsertMute(ctx, ids[0], ids[1], true, time.Time{}, now); err != nil {
			return err
		}
		if err := tx.InsertMute(ctx, ids[0], ids[2], false, now.Add(-time.Minute), now.Add(-time.Hour)); err != nil {
			return err
		}
		for i := range 5 {
			p := &model.Post{AccountID: ids[0], Text: "post", Visibility: model.Public, Local: true, CreatedAt: now.Add(time.Duration(i) * time.Second)}
			if err := tx.InsertPost(ctx, p); err != nil {
				return err
			}
			posts = append(posts, p.ID)
		}
		_, err := tx.SQL().ExecContext(ctx, "UPDATE posts SET removed_at = $1 WHERE id = $2", now.UnixMilli(), posts[2])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	mutes, err := db.Read().MutesForExport(ctx, ids[0], now)
	if err != nil {
		t.Fatal(err)
	}
	if len(mutes) != 1 || mutes[0].Username != "user1" || !mutes[0].HideNotifications {
		t.Fatalf("got mutes %+v, want user1 alone, hiding notifications", mutes)
	}
	n, err := db.Read().CountPostsForExport(ctx, ids[0])
	if err != nil || n != 4 {
		t.Fatalf("got %d posts to export (%v), want 4", n, err)
	}
	var got []int64
	for after := int64(0); ; {
		page, err := db.Read().PostsForExport(ctx, ids[0], after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, p := range page {
			got = append(got, p.ID)
		}
		after = page[len(page)-1].ID
	}
	want := []int64{posts[0], posts[1], posts[3], posts[4]}
	if len(got) != len(want) {
		t.Fatalf("got posts %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got posts %v, want %v", got, want)
		}
	}
}
