package integrity

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// WeekOptions shapes a synthetic week of organic timed activity.
type WeekOptions struct {
	Accounts int
	// Start is the week's first second; the week lasts Days days.
	Start int64
	Days  int
	// PostsPerAccount and EngagementsPerAccount are means; both follow
	// heavy-tailed activity levels.
	PostsPerAccount       float64
	EngagementsPerAccount float64
	// Exponent is the power-law exponent of activity and popularity.
	Exponent float64
	// NewAccountShare is the share of accounts created during the week.
	NewAccountShare float64
}

// DefaultWeek is the harness's timed background: 5,000 accounts, about
// 15,000 posts and 150,000 engagements over 7 days.
func DefaultWeek() WeekOptions {
	return WeekOptions{Accounts: 5000, Start: 1_700_000_000, Days: 7, PostsPerAccount: 3,
		EngagementsPerAccount: 30, Exponent: 2.5, NewAccountShare: 0.03}
}

// Post is a post of a synthetic week.
type Post struct {
	ID, Author, Time int64
}

// Week is a synthetic week of activity.
type Week struct {
	Dataset
	Start, End int64
	Posts      []Post
}

// SyntheticWeek generates organic activity: accounts with heavy-tailed
// activity post at random times; each follows a few authors chosen by
// popularity (a third of them follow back), and engages, after a log-normal
// delay (median an hour), a post of an author it follows or, a third of the
// time, a post drawn by author popularity. Account facts are realistic: a few percent of accounts are
// created during the week, households of two to five and a few institutional
// networks of 30 to 60 accounts share a network hash, and clients follow a
// skewed share of a dozen apps.
func SyntheticWeek(rng *rand.Rand, o WeekOptions) (*Week, error) {
	if o.Accounts < 100 || o.Days <= 0 || o.PostsPerAccount <= 0 || o.EngagementsPerAccount <= 0 || o.Exponent <= 1 {
		return nil, fmt.Errorf("integrity: invalid week %+v", o)
	}
	w := &Week{Start: o.Start, End: o.Start + int64(o.Days)*86400}
	w.Accounts = make(map[int64]AccountFacts, o.Accounts)
	ids := shuffledIDs(rng, o.Accounts) // index → account id; ids ≥ 1
	activity := newPowerLawSampler(o.Accounts, o.Exponent)
	popularIDs := shuffledIDs(rng, o.Accounts) // popularity rank → account id
	popularity := newPowerLawSampler(o.Accounts, o.Exponent)

	clients := newPowerLawSampler(12, 2.0)
	for _, id := range ids {
		f := AccountFacts{
			CreatedAt: o.Start - 86400 - rng.Int64N(3*365*86400),
			Network:   rng.Uint64() | 1,
			Client:    uint64(clients.draw(rng)) + 1,
		}
		if rng.Float64() < o.NewAccountShare {
			f.CreatedAt = o.Start + rng.Int64N(w.End-o.Start)
		}
		w.Accounts[id] = f
	}
	shareNetwork := func(members []int64) {
		n := rng.Uint64() | 1
		for _, id := range members {
			f := w.Accounts[id]
			f.Network = n
			w.Accounts[id] = f
		}
	}
	perm := rng.Perm(o.Accounts)
	next := 0
	for range 3 { // institutions
		size := 30 + rng.IntN(31)
		var members []int64
		for ; len(members) < size && next < len(perm); next++ {
			members = append(members, ids[perm[next]])
		}
		shareNetwork(members)
	}
	for next < len(perm) && next < o.Accounts/10 { // households
		size := 2 + rng.IntN(4)
		var members []int64
		for ; len(members) < size && next < len(perm); next++ {
			members = append(members, ids[perm[next]])
		}
		shareNetwork(members)
	}

	// Posts.
	byAuthor := map[int64][]int{}
	nPosts := int(o.PostsPerAccount * float64(o.Accounts))
	for i := range nPosts {
		author := ids[activity.draw(rng)]
		f := w.Accounts[author]
		from := max(o.Start, f.CreatedAt)
		p := Post{ID: int64(i + 1), Author: author, Time: from + rng.Int64N(w.End-from)}
		byAuthor[author] = append(byAuthor[author], len(w.Posts))
		w.Posts = append(w.Posts, p)
	}
	// Follows, a third of them returned, as between acquaintances.
	follows := make(map[int64][]int64, o.Accounts)
	for _, id := range ids {
		n := 3 + rng.IntN(20)
		for range n {
			a := popularIDs[popularity.draw(rng)]
			if a == id {
				continue
			}
			if len(byAuthor[a]) > 0 {
				follows[id] = append(follows[id], a)
			}
			if rng.Float64() < 1.0/3 && len(byAuthor[id]) > 0 {
				follows[a] = append(follows[a], id)
			}
		}
	}
	// Engagements.
	kinds := []Kind{Favourite, Favourite, Favourite, Boost, Boost, Reply, Vote}
	seen := map[[2]int64]bool{}
	nEng := int(o.EngagementsPerAccount * float64(o.Accounts))
	for tries := 0; len(w.Edges) < nEng && tries < 4*nEng; tries++ {
		account := ids[activity.draw(rng)]
		var author int64
		if fs := follows[account]; len(fs) > 0 && rng.Float64() < 2.0/3 {
			author = fs[rng.IntN(len(fs))]
		} else {
			author = popularIDs[popularity.draw(rng)]
		}
		posts := byAuthor[author]
		if len(posts) == 0 || author == account {
			continue
		}
		p := w.Posts[posts[rng.IntN(len(posts))]]
		delay := int64(3600 * math.Exp(1.5*rng.NormFloat64()))
		t := p.Time + 30 + delay
		if t >= w.End || t < w.Accounts[account].CreatedAt || seen[[2]int64{account, p.ID}] {
			continue
		}
		seen[[2]int64{account, p.ID}] = true
		w.Edges = append(w.Edges, Edge{Account: account, Object: p.ID, Author: p.Author, Kind: kinds[rng.IntN(len(kinds))], Time: t})
	}
	return w, nil
}

// postsOf returns the indices of the week's posts by author.
func (w *Week) postsOf(author int64) []int {
	var out []int
	for i, p := range w.Posts {
		if p.Author == author {
			out = append(out, i)
		}
	}
	return out
}

// oldAccounts returns the ids of accounts created before the week, sorted.
func (w *Week) oldAccounts() []int64 {
	var out []int64
	for id, f := range w.Accounts {
		if f.CreatedAt < w.Start {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// pick returns n distinct elements of ids at random.
func pick(rng *rand.Rand, ids []int64, n int) []int64 {
	out := make([]int64, n)
	for i, j := range rng.Perm(len(ids))[:n] {
		out[i] = ids[j]
	}
	slices.Sort(out)
	return out
}

// InjectLockstep makes accounts existing accounts engage objects existing
// posts, each post within window seconds, at a random moment after the post
// appeared.
func (w *Week) InjectLockstep(rng *rand.Rand, accounts, objects int, window int64) (Truth, error) {
	old := w.oldAccounts()
	if accounts > len(old) || objects > len(w.Posts) {
		return Truth{}, fmt.Errorf("integrity: cannot inject lockstep %d × %d", accounts, objects)
	}
	t := Truth{Accounts: pick(rng, old, accounts)}
	var early []Post // posts leaving room for the window before the week ends
	for _, p := range w.Posts {
		if p.Time < w.End-2*window {
			early = append(early, p)
		}
	}
	if objects > len(early) {
		return Truth{}, fmt.Errorf("integrity: cannot inject lockstep on %d posts", objects)
	}
	for _, i := range rng.Perm(len(early))[:objects] {
		p := early[i]
		t.Objects = append(t.Objects, p.ID)
		at := p.Time + rng.Int64N(w.End-window-p.Time)
		for _, a := range t.Accounts {
			w.Edges = append(w.Edges, Edge{Account: a, Object: p.ID, Author: p.Author, Kind: Favourite, Time: at + rng.Int64N(window)})
		}
	}
	slices.Sort(t.Objects)
	return t, nil
}

// InjectSerial makes voters existing accounts each engage posts posts of its
// own target author, all within window seconds. Target authors get the
// posts they lack.
func (w *Week) InjectSerial(rng *rand.Rand, voters, posts int, window int64) (Truth, error) {
	old := w.oldAccounts()
	if 2*voters > len(old) {
		return Truth{}, fmt.Errorf("integrity: cannot inject %d serial voters", voters)
	}
	people := pick(rng, old, 2*voters)
	rng.Shuffle(len(people), func(i, j int) { people[i], people[j] = people[j], people[i] })
	var t Truth
	for v := range voters {
		voter, author := people[2*v], people[2*v+1]
		at := w.Start + rng.Int64N(w.End-w.Start-window-86400) + 86400
		var mine []int
		for _, i := range w.postsOf(author) {
			if w.Posts[i].Time < at {
				mine = append(mine, i)
			}
		}
		for len(mine) < posts {
			w.Posts = append(w.Posts, Post{ID: int64(len(w.Posts) + 1), Author: author, Time: at - rng.Int64N(86400)})
			mine = append(mine, len(w.Posts)-1)
		}
		rng.Shuffle(len(mine), func(i, j int) { mine[i], mine[j] = mine[j], mine[i] })
		t.Accounts = append(t.Accounts, voter)
		for _, i := range mine[:posts] {
			p := w.Posts[i]
			when := max(at, p.Time+1) + rng.Int64N(window/2)
			w.Edges = append(w.Edges, Edge{Account: voter, Object: p.ID, Author: author, Kind: Favourite, Time: when})
			t.Objects = append(t.Objects, p.ID)
		}
	}
	slices.Sort(t.Accounts)
	t.Objects = sortedUnique(t.Objects)
	return t, nil
}

// InjectRing makes size existing accounts each post a few times and engage
// share of the other members' posts, at organic-looking delays.
func (w *Week) InjectRing(rng *rand.Rand, size int, share float64) (Truth, error) {
	old := w.oldAccounts()
	if size > len(old) {
		return Truth{}, fmt.Errorf("integrity: cannot inject a ring of %d", size)
	}
	t := Truth{Accounts: pick(rng, old, size)}
	var posts []Post
	for _, a := range t.Accounts {
		mine := w.postsOf(a)
		for len(mine) < 4 {
			w.Posts = append(w.Posts, Post{ID: int64(len(w.Posts) + 1), Author: a, Time: w.Start + rng.Int64N(w.End-w.Start-86400)})
			mine = append(mine, len(w.Posts)-1)
		}
		for _, i := range mine {
			posts = append(posts, w.Posts[i])
		}
	}
	for _, a := range t.Accounts {
		for _, p := range posts {
			if p.Author == a || rng.Float64() >= share {
				continue
			}
			when := p.Time + 60 + int64(3600*math.Exp(rng.NormFloat64()))
			if when >= w.End {
				when = w.End - 1
			}
			w.Edges = append(w.Edges, Edge{Account: a, Object: p.ID, Author: p.Author, Kind: Favourite, Time: when})
			t.Objects = append(t.Objects, p.ID)
		}
	}
	t.Objects = sortedUnique(t.Objects)
	return t, nil
}

// InjectNewAccountBurst creates n accounts, each made within the two days
// before the burst, that engage one existing post within window seconds.
func (w *Week) InjectNewAccountBurst(rng *rand.Rand, n int, window int64) Truth {
	p := w.Posts[rng.IntN(len(w.Posts))]
	at := p.Time + rng.Int64N(max(1, w.End-window-p.Time))
	t := Truth{Objects: []int64{p.ID}}
	for range n {
		id := w.newAccountID()
		w.Accounts[id] = AccountFacts{CreatedAt: at - rng.Int64N(2*86400), Network: rng.Uint64() | 1, Client: 1 + rng.Uint64N(12)}
		w.Edges = append(w.Edges, Edge{Account: id, Object: p.ID, Author: p.Author, Kind: Favourite, Time: at + rng.Int64N(window)})
		t.Accounts = append(t.Accounts, id)
	}
	slices.Sort(t.Accounts)
	return t
}

// InjectRelatedBurst makes n existing old accounts share one network and
// client hash and engage one existing post within window seconds.
func (w *Week) InjectRelatedBurst(rng *rand.Rand, n int, window int64) Truth {
	p := w.Posts[rng.IntN(len(w.Posts))]
	at := p.Time + rng.Int64N(max(1, w.End-window-p.Time))
	t := Truth{Accounts: pick(rng, w.oldAccounts(), n), Objects: []int64{p.ID}}
	network, client := rng.Uint64()|1, rng.Uint64()|1
	for _, id := range t.Accounts {
		f := w.Accounts[id]
		f.Network, f.Client = network, client
		w.Accounts[id] = f
		w.Edges = append(w.Edges, Edge{Account: id, Object: p.ID, Author: p.Author, Kind: Boost, Time: at + rng.Int64N(window)})
	}
	return t
}

// newAccountID returns an id no account has.
func (w *Week) newAccountID() int64 {
	id := int64(len(w.Accounts) + 1)
	for {
		if _, ok := w.Accounts[id]; !ok {
			return id
		}
		id++
	}
}
