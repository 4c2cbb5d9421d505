// Package seed fills a database with realistic synthetic data for demos and
// benchmarks: people whose follow graph has power-law degrees, posts in
// French and English arriving in daily rhythms and bursts over weeks, reply
// threads, boosts, favourites, hashtags, mentions and communities. Every
// counter is consistent with the rows, and the same seed gives the same
// data.
package seed

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"parvis/internal/content"
	"parvis/internal/model"
	"parvis/internal/store"
)

// Options size the data.
type Options struct {
	Users       int
	Posts       int
	Communities int
	Seed        uint64
	// Weeks of history to spread posts over (default 8).
	Weeks int
	// Now is the end of the history (default: the store's clock).
	Now time.Time
	// Domain is used in rendered links (default "localhost:8080").
	Domain string
	// PasswordHash is given to every seeded user, so demos can log in as
	// anyone; hashing 100k passwords one by one would take hours.
	PasswordHash string
	// ActiveShare is the share of users who logged in within the last two
	// weeks (default 0.2).
	ActiveShare float64
	// Progress is told about each stage; nil is quiet.
	Progress Progress
}

// Progress receives progress reports.
type Progress interface {
	Stage(name, unit string, total int64) Stage
}

// Stage is one stage's progress.
type Stage interface {
	Add(n int64)
	Done()
}

// Stats says what was written.
type Stats struct {
	Accounts, Users, Follows, Posts, Favourites, Communities, Members, Tags int64
	Rows                                                                    int64
	Elapsed                                                                 time.Duration
}

// ReaderUsername is a seeded account that follows exactly 1,000 others
// (when there are enough users), for timeline benchmarks.
const ReaderUsername = "reader"

type gen struct {
	db   *store.DB
	opt  Options
	r    *rand.Rand
	ids  *model.ExactIDs // exact times: rows are made out of time order
	st   Stats
	html content.Renderer

	accountIDs  []int64
	usernames   []string
	lang        []string // preferred language per account
	popularity  []float64
	popCum      []float64 // cumulative popularity, for sampling
	activityCum []float64 // cumulative posting activity
	followers   []int64
	following   []int64
	statuses    []int64
	lastStatus  []int64
	memberships [][]int // per account: community indexes
	communityID []int64
	communities [][]any
	members     [][]any

	followSrc, followDst []int32

	posts []postPlan
}

// postPlan is what is decided about a post before it is written, so that
// every counter can be written once, final.
type postPlan struct {
	at        int64 // Unix ms
	author    int32
	parent    int32 // reply parent or boosted post index; -1 for none
	thread    int32 // index of the thread's root
	community int32 // community index or -1
	kind      uint8 // postOriginal, postReply, postBoost
	vis       uint8
	topic     uint8
	favs      int32
	replies   int32
	boosts    int32
}

const (
	postOriginal = iota
	postReply
	postBoost
)

var visibilities = []string{"public", "unlisted", "private", "direct"}

const batchRows = 20000

// Run writes the data. The database must be migrated and should be empty of
// seeded usernames (a second run with the same seed collides on them).
func Run(ctx context.Context, db *store.DB, opt Options) (Stats, error) {
	start := time.Now()
	if opt.Users < 1 || opt.Posts < 0 || opt.Communities < 0 {
		return Stats{}, model.Errorf(model.EINVALID, "need at least one user and no negative counts")
	}
	if opt.Users > 10_000_000 || opt.Posts > 100_000_000 || opt.Communities > opt.Users {
		return Stats{}, model.Errorf(model.EINVALID, "too much: at most 10M users, 100M posts, and no more communities than users")
	}
	if opt.Weeks <= 0 {
		opt.Weeks = 8
	}
	if opt.Now.IsZero() {
		opt.Now = db.Now()
	}
	if opt.Domain == "" {
		opt.Domain = "localhost:8080"
	}
	if opt.ActiveShare == 0 {
		opt.ActiveShare = 0.2
	}
	if opt.PasswordHash == "" {
		return Stats{}, errors.New("seed: a password hash is required")
	}
	g := &gen{db: db, opt: opt, r: rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)), ids: model.NewExactIDs(db.Node())}
	base := "https://" + opt.Domain
	if strings.HasPrefix(opt.Domain, "localhost") || strings.HasPrefix(opt.Domain, "127.") {
		base = "http://" + opt.Domain
	}
	g.html = content.Renderer{
		MentionURL: func(u, d string) (string, bool) { return base + "/@" + u, d == "" },
		HashtagURL: func(t string) string { return base + "/tags/" + strings.ToLower(t) },
	}
	steps := []func(context.Context) error{g.people, g.planCommunities, g.planFollows, g.planPosts,
		g.writeAccounts, g.writeCommunities, g.writeFollows, g.writePosts, g.readerFeed}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return g.st, err
		}
	}
	g.st.Elapsed = time.Since(start)
	return g.st, nil
}

func (g *gen) stage(name, unit string, total int64) Stage {
	if g.opt.Progress == nil {
		return nopStage{}
	}
	return g.opt.Progress.Stage(name, unit, total)
}

type nopStage struct{}

func (nopStage) Add(int64) {}
func (nopStage) Done()     {}

// zipfWeights gives rank i the weight 1/(i+1)^s.
func zipfWeights(n int, s float64) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1 / math.Pow(float64(i+1), s)
	}
	return w
}

func cumulative(w []float64) []float64 {
	c := make([]float64, len(w))
	sum := 0.0
	for i, v := range w {
		sum += v
		c[i] = sum
	}
	return c
}

func sample(r *rand.Rand, cum []float64) int {
	x := r.Float64() * cum[len(cum)-1]
	return sort.SearchFloat64s(cum, x)
}

// people decides who exists: usernames, languages, popularity and activity
// (popular accounts tend to be active ones).
func (g *gen) people(ctx context.Context) error {
	n := g.opt.Users
	total := n + g.opt.Communities
	g.accountIDs = make([]int64, total)
	g.usernames = make([]string, total)
	g.lang = make([]string, total)
	g.followers = make([]int64, total)
	g.following = make([]int64, total)
	g.statuses = make([]int64, total)
	g.lastStatus = make([]int64, total)
	g.memberships = make([][]int, n)
	created := g.opt.Now.Add(-365 * 24 * time.Hour)
	for i := 0; i < total; i++ {
		// Ids follow creation time, spread over the year before the history.
		t := created.Add(time.Duration(float64(i) / float64(total) * float64(300*24*time.Hour)))
		g.accountIDs[i] = g.ids.New(t)
		g.lang[i] = "en"
		if g.r.IntN(2) == 0 {
			g.lang[i] = "fr"
		}
	}
	for i := 0; i < n; i++ {
		first := pick(g.r, firstEN)
		if g.lang[i] == "fr" {
			first = pick(g.r, firstFR)
		}
		g.usernames[i] = strings.ToLower(asciiFold(first)) + "_" + itoa(i)
	}
	if n > 1 {
		g.usernames[1] = ReaderUsername
	}
	// Popularity is a Zipf law over a random ranking; activity is the same
	// ranking loosened by noise, so stars post a lot but not all of them.
	rank := g.r.Perm(n)
	zw := zipfWeights(n, 0.9)
	g.popularity = make([]float64, n)
	act := make([]float64, n)
	for i := 0; i < n; i++ {
		g.popularity[i] = zw[rank[i]]
		act[i] = zw[rank[i]] * (0.25 + g.r.ExpFloat64())
	}
	g.popCum = cumulative(g.popularity)
	g.activityCum = cumulative(act)
	return nil
}

func asciiFold(s string) string {
	r := strings.NewReplacer("é", "e", "è", "e", "ë", "e", "ê", "e", "É", "E", "ï", "i", "î", "i", "ô", "o", "à", "a", "ç", "c")
	return r.Replace(s)
}

// bulk writes rows and counts them.
func (g *gen) bulk(ctx context.Context, table string, cols []string, rows [][]any, bar Stage) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := g.db.BulkInsert(ctx, table, cols, rows); err != nil {
		return err
	}
	g.st.Rows += int64(len(rows))
	switch table {
	case "follows":
		g.st.Follows += int64(len(rows))
	case "favourites":
		g.st.Favourites += int64(len(rows))
	case "posts":
		g.st.Posts += int64(len(rows))
	}
	if bar != nil {
		bar.Add(int64(len(rows)))
	}
	return nil
}

// readerFeed builds the home feed of the benchmark reader, as a login would.
func (g *gen) readerFeed(ctx context.Context) error {
	if g.opt.Users < 2 {
		return nil
	}
	return g.db.Tx(ctx, func(tx *store.Tx) error { return tx.RebuildFeed(ctx, g.accountIDs[1], 800) })
}
