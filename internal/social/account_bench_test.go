package social_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"parvis/internal/server/servertest"
	"parvis/internal/social"
)

// BenchmarkDeleteAccount deletes an account with 5,000 posts, 2,000
// followers, 500 followed accounts and 2,000 favourites: "request" is the
// deletion's acknowledgement (the account unusable), "purge" the
// background job removing everything, batch by batch;
// "password-check-ms" the Argon2id check alone, which the request makes.
//
//	go test ./internal/social -run '^$' -bench DeleteAccount -benchtime 1x -count 3
func BenchmarkDeleteAccount(b *testing.B) {
	const posts, followers, following, favourites = 5000, 2000, 500, 2000
	ctx := context.Background()
	var request, purge, check time.Duration
	for i := range b.N {
		b.StopTimer()
		env := servertest.New(b, servertest.Options{})
		svc, db := env.App.Service, env.App.DB
		u, err := svc.CreateUser(ctx, social.SignupInput{Username: fmt.Sprintf("big%d", i), Password: "a long password"})
		if err != nil {
			b.Fatal(err)
		}
		acc, err := db.Read().AccountByID(ctx, u.AccountID)
		if err != nil {
			b.Fatal(err)
		}
		now := time.Now()
		var accRows, followRows, postRows [][]any
		others := make([]int64, followers)
		for j := range others {
			others[j] = db.NewID(now)
			accRows = append(accRows, []any{others[j], fmt.Sprintf("p%d", j), now.UnixMilli(), now.UnixMilli()})
			followRows = append(followRows, []any{others[j], acc.ID, db.NewID(now), now.UnixMilli()})
			if j < following {
				followRows = append(followRows, []any{acc.ID, others[j], db.NewID(now), now.UnixMilli()})
			}
		}
		for j := range posts {
			id := db.NewID(now)
			postRows = append(postRows, []any{id, acc.ID, id, fmt.Sprintf("post %d", j), now.UnixMilli()})
		}
		for _, ins := range []struct {
			table string
			cols  []string
			rows  [][]any
		}{
			{"accounts", []string{"id", "username", "created_at", "updated_at"}, accRows},
			{"follows", []string{"account_id", "target_id", "id", "created_at"}, followRows},
			{"posts", []string{"id", "account_id", "thread_id", "text", "created_at"}, postRows},
		} {
			if err := db.BulkInsert(ctx, ins.table, ins.cols, ins.rows); err != nil {
				b.Fatal(err)
			}
		}
		// The account favourites its own posts here: what matters is the
		// number of rows and counters.
		var fav [][]any
		postIDs, err := db.Read().PostsToPurge(ctx, acc.ID, favourites)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range postIDs {
			fav = append(fav, []any{db.NewID(now), acc.ID, p.ID, now.UnixMilli()})
		}
		if err := db.BulkInsert(ctx, "favourites", []string{"id", "account_id", "post_id", "created_at"}, fav); err != nil {
			b.Fatal(err)
		}
		actor := &social.Actor{User: u, Account: acc}
		hash, err := db.Read().PasswordHash(ctx, u.ID)
		if err != nil {
			b.Fatal(err)
		}
		c := time.Now()
		social.CheckPassword(hash, "a long password")
		check += time.Since(c)
		b.StartTimer()
		start := time.Now()
		if err := svc.DeleteAccount(ctx, actor, "a long password"); err != nil {
			b.Fatal(err)
		}
		request += time.Since(start)
		for {
			var n int
			if err := db.ReadSQL().QueryRowContext(ctx, "SELECT count(*) FROM follows WHERE account_id = $1 OR target_id = $1",
				acc.ID).Scan(&n); err != nil {
				b.Fatal(err)
			}
			var left int
			if err := db.ReadSQL().QueryRowContext(ctx, "SELECT count(*) FROM posts WHERE account_id = $1", acc.ID).Scan(&left); err != nil {
				b.Fatal(err)
			}
			if n == 0 && left == 0 {
				break
			}
			if time.Since(start) > 5*time.Minute {
				b.Fatal("the purge did not finish in 5 minutes")
			}
			time.Sleep(20 * time.Millisecond)
		}
		purge += time.Since(start)
	}
	b.ReportMetric(float64(request.Microseconds())/1000/float64(b.N), "request-ms")
	b.ReportMetric(float64(purge.Milliseconds())/float64(b.N), "purge-ms")
	b.ReportMetric(float64(check.Microseconds())/1000/float64(b.N), "password-check-ms")
	b.ReportMetric(0, "ns/op")
}
