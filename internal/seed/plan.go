package seed

import (
	"context"
	"math"
	"slices"
	"sort"
	"time"
)

// planCommunities draws communities with Zipf-distributed sizes; their
// members also follow the group account, as joining does in the Mastodon API.
func (g *gen) planCommunities(ctx context.Context) error {
	k, n := g.opt.Communities, g.opt.Users
	g.communityID = make([]int64, k)
	created := g.opt.Now.Add(-120 * 24 * time.Hour)
	sizes := zipfWeights(k, 1.0)
	for c := 0; c < k; c++ {
		idx := n + c
		t := topics[c%len(topics)]
		g.usernames[idx] = asciiFold(t.tag) + "_" + itoa(c)
		g.communityID[c] = g.ids.New(created)
		size := max(3, min(n, int(sizes[c]*float64(n)*0.3)))
		seen := make(map[int]bool, size)
		owner := g.r.IntN(n)
		order := []int{owner}
		seen[owner] = true
		for tries := 0; len(order) < size && tries < 20*size; tries++ {
			m := sample(g.r, g.popCum)
			if tries > 4*size {
				m = g.r.IntN(n)
			}
			if !seen[m] {
				seen[m] = true
				order = append(order, m)
			}
		}
		for i, m := range order {
			role := "member"
			switch {
			case i == 0:
				role = "owner"
			case i <= 2:
				role = "moderator"
			}
			g.memberships[m] = append(g.memberships[m], c)
			at := created.Add(time.Duration(i) * time.Minute)
			g.members = append(g.members, []any{g.communityID[c], g.accountIDs[m], role, g.ids.New(at), at.UnixMilli()})
			g.followSrc = append(g.followSrc, int32(m))
			g.followDst = append(g.followDst, int32(idx))
		}
		g.communities = append(g.communities, []any{g.communityID[c], g.accountIDs[idx],
			[]string{"open", "open", "approval", "private"}[c%4], t.tag, "[]", g.accountIDs[owner], int64(len(order)),
			created.UnixMilli()})
	}
	g.st.Communities, g.st.Members = int64(k), int64(len(g.members))
	return nil
}

// planFollows draws each person's out-degree from a power law (most follow a
// few dozen, some thousands) and their targets by popularity.
func (g *gen) planFollows(ctx context.Context) error {
	n := g.opt.Users
	if n < 2 {
		return nil
	}
	seen := make(map[int]struct{}, 1024)
	targets := make([]int, 0, 1024)
	for i := 0; i < n; i++ {
		// Pareto with minimum 3 and exponent 1.6, capped.
		d := min(int(3/math.Pow(1-g.r.Float64(), 1/1.6)), n-1, 5000)
		if i == 1 {
			d = min(1000, (n-1)/2)
		}
		clear(seen)
		for tries := 0; len(seen) < d; tries++ {
			t := sample(g.r, g.popCum)
			if tries > 3*d {
				t = g.r.IntN(n)
			}
			if t != i {
				seen[t] = struct{}{}
			}
		}
		targets = targets[:0]
		for t := range seen {
			targets = append(targets, t)
		}
		slices.Sort(targets)
		for _, t := range targets {
			g.followSrc = append(g.followSrc, int32(i))
			g.followDst = append(g.followDst, int32(t))
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	for k := range g.followSrc {
		g.following[g.followSrc[k]]++
		g.followers[g.followDst[k]]++
	}
	return nil
}

// planPosts draws when each post appears (daily rhythm plus bursts), who
// writes it (by activity), whether it replies to or boosts a recent post,
// and how many favourites it gets.
func (g *gen) planPosts(ctx context.Context) error {
	m := g.opt.Posts
	if m == 0 {
		return nil
	}
	end := g.opt.Now.UnixMilli()
	span := int64(g.opt.Weeks) * 7 * 24 * 3600 * 1000
	begin := end - span
	// A few bursts: hours when everyone talks at once (a launch, a match).
	type burst struct{ at, width int64 }
	bursts := make([]burst, 3*g.opt.Weeks)
	for i := range bursts {
		bursts[i] = burst{begin + g.r.Int64N(span), int64(2+g.r.IntN(10)) * 3600 * 1000}
	}
	intensity := func(t int64) float64 {
		hour := float64((t/1000/3600)%24) + float64(t/1000%3600)/3600
		v := 0.35 + 0.65*math.Max(0, math.Sin((hour-7)/24*2*math.Pi)) // quiet nights, busy evenings
		for _, b := range bursts {
			if t >= b.at && t < b.at+b.width {
				v += 2.5
			}
		}
		return v
	}
	times := make([]int64, 0, m)
	for len(times) < m {
		t := begin + g.r.Int64N(span)
		if g.r.Float64()*3.5 < intensity(t) {
			times = append(times, t)
		}
	}
	slices.Sort(times)
	g.posts = make([]postPlan, m)
	maxPop := g.popularity[0]
	for _, p := range g.popularity {
		maxPop = max(maxPop, p)
	}
	n := g.opt.Users
	for i := range g.posts {
		p := &g.posts[i]
		p.at = times[i]
		p.author = int32(sample(g.r, g.activityCum))
		p.parent, p.community = -1, -1
		p.thread = int32(i)
		p.topic = uint8(g.r.IntN(len(topics)))
		x := g.r.Float64()
		switch {
		case i > 10 && x < 0.30:
			p.kind = postReply
			// Replies go to recent posts, often to the newest part of a thread.
			par := int32(i - 1 - g.r.IntN(min(i, 3000)))
			for g.posts[par].kind == postBoost {
				par = int32(max(0, int(par)-1))
			}
			if g.posts[par].kind == postBoost {
				p.kind = postOriginal
				break
			}
			p.parent = par
			p.thread = g.posts[par].thread
			p.topic = g.posts[par].topic
			p.community = g.posts[par].community
			p.vis = g.posts[par].vis
			g.posts[par].replies++
		case i > 10 && x < 0.38:
			par := int32(i - 1 - g.r.IntN(min(i, 5000)))
			if g.posts[par].kind == postBoost || g.posts[par].vis > 1 || g.posts[par].author == p.author {
				p.kind = postOriginal
				break
			}
			p.kind = postBoost
			p.parent = par
			g.posts[par].boosts++
		}
		if p.kind == postOriginal {
			switch v := g.r.IntN(100); {
			case v < 85:
				p.vis = 0
			case v < 93:
				p.vis = 1
			case v < 98:
				p.vis = 2
			default:
				p.vis = 3
			}
			if cs := g.memberships[p.author]; len(cs) > 0 && p.vis == 0 && g.r.IntN(100) < 15 {
				p.community = int32(cs[g.r.IntN(len(cs))])
				p.topic = uint8(int(p.community) % len(topics))
			}
		}
		if p.kind != postBoost {
			mean := 0.6 + 25*math.Sqrt(g.popularity[p.author]/maxPop)
			p.favs = int32(min(g.r.ExpFloat64()*mean, float64(n-1), 5000))
		}
		g.statuses[p.author]++
		g.lastStatus[p.author] = p.at
	}
	return ctx.Err()
}

// sampleDistinct draws k distinct people by popularity, excluding one.
func (g *gen) sampleDistinct(k int, exclude int, out []int) []int {
	out = out[:0]
	n := g.opt.Users
	var seen map[int]bool
	if k > 32 {
		seen = make(map[int]bool, k)
	}
	for tries := 0; len(out) < k && tries < 10*k+10; tries++ {
		x := sample(g.r, g.popCum)
		if tries > 3*k {
			x = g.r.IntN(n)
		}
		if x == exclude || (seen == nil && slices.Contains(out, x)) || seen[x] {
			continue
		}
		if seen != nil {
			seen[x] = true
		}
		out = append(out, x)
	}
	sort.Ints(out)
	return out
}
