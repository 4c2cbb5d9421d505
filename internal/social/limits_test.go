package social_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"parvis/internal/server/servertest"
	"parvis/internal/social"
)

// Favourites are limited per account, and all the accounts acting from one
// network share a larger allowance: a farm of fresh accounts behind one
// address cannot multiply its favourites, while another network is not
// affected. A refusal writes nothing.
func TestEngagementLimitsPerAccountAndNetwork(t *testing.T) {
	env := servertest.New(t, servertest.Options{})
	limits := social.DefaultLimits()
	limits.Favourites = social.Limit{Max: 3, Window: time.Hour}
	limits.NetworkFactor = 2 // six favourites per hour from one network
	svc := social.New(env.App.Service.Config(), social.Deps{DB: env.App.Service.DB(), Queue: env.App.Queue, Limits: &limits})
	w := &world{t: t, svc: svc, ctx: t.Context()}

	author := w.user("author")
	var posts []int64
	for i := range 6 {
		posts = append(posts, w.post(author, social.PostInput{Text: fmt.Sprintf("post %d", i), Visibility: "public"}).ID)
	}
	farm := []*social.Actor{w.user("farm1").From("203.0.113.7"), w.user("farm2").From("203.0.113.8"), w.user("farm3").From("203.0.113.9")}

	// One account: three favourites, the fourth is refused.
	for i := range 3 {
		if err := svc.Favourite(w.ctx, farm[0], posts[i]); err != nil {
			t.Fatalf("favourite %d: %v", i, err)
		}
	}
	err := svc.Favourite(w.ctx, farm[0], posts[3])
	if !social.IsRateLimited(err) {
		t.Fatalf("fourth favourite of one account: got %v, want a rate-limit refusal", err)
	}
	// A second account of the same /24: three more reach the network's six.
	for i := range 3 {
		if err := svc.Favourite(w.ctx, farm[1], posts[i]); err != nil {
			t.Fatalf("second account, favourite %d: %v", i, err)
		}
	}
	// A third account of the same network has its own allowance left, but
	// the network's is spent.
	if err := svc.Favourite(w.ctx, farm[2], posts[0]); !social.IsRateLimited(err) {
		t.Fatalf("third account of one network: got %v, want a rate-limit refusal", err)
	}
	// Someone on another network is not affected.
	other := w.user("other").From("198.51.100.20")
	if err := svc.Favourite(w.ctx, other, posts[0]); err != nil {
		t.Fatalf("another network: %v", err)
	}
	// Loopback and private addresses are not a network: behind a reverse
	// proxy without --trust-proxy every visitor would share one.
	for _, ip := range []string{"127.0.0.1", "10.1.2.3", "::1"} {
		local := w.user("local" + strings.NewReplacer(".", "", ":", "").Replace(ip)).From(ip)
		if err := svc.Favourite(w.ctx, local, posts[1]); err != nil {
			t.Fatalf("from %s: %v, want no per-network limit", ip, err)
		}
	}
	// Refused favourites were not written.
	p, err := svc.DB().Read().PostByID(w.ctx, posts[3])
	if err != nil {
		t.Fatal(err)
	}
	if p.FavouritesCount != 0 {
		t.Fatalf("post 3 has %d favourites, want 0 (the refused one must not be stored)", p.FavouritesCount)
	}
	p0, err := svc.DB().Read().PostByID(w.ctx, posts[0])
	if err != nil {
		t.Fatal(err)
	}
	if p1, err := svc.DB().Read().PostByID(w.ctx, posts[1]); err != nil || p1.FavouritesCount != 5 {
		t.Fatalf("post 1: %v, %v; want 5 favourites (farm1, farm2, three local)", p1, err)
	}
	if p0.FavouritesCount != 3 {
		t.Fatalf("post 0 has %d favourites, want 3 (farm1, farm2, other)", p0.FavouritesCount)
	}
}
