package seed

import (
	"context"
	"fmt"
	"strings"
	"time"

	"parvis/internal/content"
)

var accountCols = []string{"id", "username", "display_name", "note", "note_html", "is_group", "discoverable",
	"followers_count", "following_count", "statuses_count", "last_status_at", "created_at", "updated_at"}

// writeAccounts writes every account with its final counters, and a user
// for each person.
func (g *gen) writeAccounts(ctx context.Context) error {
	n, total := g.opt.Users, len(g.accountIDs)
	bar := g.stage("accounts", "rows", int64(total+n))
	defer bar.Done()
	rows := make([][]any, 0, batchRows)
	for i := 0; i < total; i++ {
		at := idTime(g.accountIDs[i])
		name, note := g.displayName(i), ""
		group := i >= n
		if group {
			t := topics[(i-n)%len(topics)]
			name = strings.ToUpper(t.tag[:1]) + t.tag[1:]
			note = "Communauté " + t.tag + " · a community about " + t.tag
		}
		noteHTML := ""
		if note != "" {
			noteHTML = "<p>" + htmlEscape(note) + "</p>"
		}
		rows = append(rows, []any{g.accountIDs[i], g.usernames[i], name, note, noteHTML, group, true,
			g.followers[i], g.following[i], g.statuses[i], g.lastStatus[i], at, at})
		if len(rows) == batchRows {
			if err := g.bulk(ctx, "accounts", accountCols, rows, bar); err != nil {
				return err
			}
			rows = rows[:0]
		}
	}
	if err := g.bulk(ctx, "accounts", accountCols, rows, bar); err != nil {
		return err
	}
	g.st.Accounts = int64(total)

	userCols := []string{"id", "account_id", "email", "password_hash", "role", "approved", "locale", "created_at",
		"last_login_at", "last_active_at", "feed_valid", "signup_network", "signup_client"}
	rows = rows[:0]
	now := g.opt.Now.UnixMilli()
	for i := 0; i < n; i++ {
		at := idTime(g.accountIDs[i])
		var lastLogin int64
		if i == 1 || g.r.Float64() < g.opt.ActiveShare {
			lastLogin = now - g.r.Int64N(14*24*3600*1000)
		}
		// Seeded home feeds are not built (but the reader's, after the
		// posts): a seeded person's feed is rebuilt when they log in.
		rows = append(rows, []any{g.accountIDs[i] + 1, g.accountIDs[i], g.usernames[i] + "@example.invalid",
			g.opt.PasswordHash, "user", true, g.lang[i], at, lastLogin, lastLogin, false,
			fmt.Sprintf("seed-net-%d", g.r.IntN(max(1, n/20))), fmt.Sprintf("seed-ua-%d", g.r.IntN(50))})
		if len(rows) == batchRows {
			if err := g.bulk(ctx, "users", userCols, rows, bar); err != nil {
				return err
			}
			rows = rows[:0]
		}
	}
	if err := g.bulk(ctx, "users", userCols, rows, bar); err != nil {
		return err
	}
	g.st.Users = int64(n)
	return nil
}

func (g *gen) displayName(i int) string {
	u := g.usernames[i]
	if u == ReaderUsername {
		return "Benchmark Reader"
	}
	first, _, _ := strings.Cut(u, "_")
	return strings.ToUpper(first[:1]) + first[1:] + " " + lastNames[i%len(lastNames)]
}

func (g *gen) writeCommunities(ctx context.Context) error {
	if len(g.communities) == 0 {
		return nil
	}
	if err := g.bulk(ctx, "communities", []string{"id", "account_id", "membership", "topics", "rules", "created_by",
		"members_count", "created_at"}, g.communities, nil); err != nil {
		return err
	}
	return g.bulk(ctx, "community_members", []string{"community_id", "account_id", "role", "id", "created_at"}, g.members, nil)
}

func (g *gen) writeFollows(ctx context.Context) error {
	bar := g.stage("follows", "rows", int64(len(g.followSrc)))
	defer bar.Done()
	cols := []string{"account_id", "target_id", "id", "created_at"}
	rows := make([][]any, 0, batchRows)
	start := g.opt.Now.Add(-300 * 24 * time.Hour)
	span := int64(280 * 24 * time.Hour / time.Millisecond)
	for k := range g.followSrc {
		at := start.Add(time.Duration(g.r.Int64N(span)) * time.Millisecond)
		rows = append(rows, []any{g.accountIDs[g.followSrc[k]], g.accountIDs[g.followDst[k]], g.ids.New(at), at.UnixMilli()})
		if len(rows) == batchRows {
			if err := g.bulk(ctx, "follows", cols, rows, bar); err != nil {
				return err
			}
			rows = rows[:0]
		}
	}
	g.followSrc, g.followDst = nil, nil
	return g.bulk(ctx, "follows", cols, rows, bar)
}

var postCols = []string{"id", "account_id", "text", "content", "spoiler_text", "language", "visibility", "sensitive",
	"local", "in_reply_to_id", "in_reply_to_account_id", "thread_id", "reblog_of_id", "community_id",
	"replies_count", "reblogs_count", "favourites_count", "created_at"}

// writePosts writes the posts in time order with their tags, mentions and
// favourites.
func (g *gen) writePosts(ctx context.Context) error {
	m := len(g.posts)
	if m == 0 {
		return nil
	}
	bar := g.stage("posts", "posts", int64(m))
	defer bar.Done()
	postIDs := make([]int64, m)
	for i := range g.posts {
		postIDs[i] = g.ids.New(time.UnixMilli(g.posts[i].at))
	}
	tagIDs := map[string]int64{}
	var posts, tags, postTags, mentions, favs [][]any
	flush := func(final bool) error {
		if len(posts) < batchRows/4 && !final {
			return nil
		}
		if err := g.bulk(ctx, "posts", postCols, posts, bar); err != nil {
			return err
		}
		if err := g.bulk(ctx, "tags", []string{"id", "name", "name_lower", "created_at"}, tags, nil); err != nil {
			return err
		}
		if err := g.bulk(ctx, "post_tags", []string{"tag_id", "post_id"}, postTags, nil); err != nil {
			return err
		}
		if err := g.bulk(ctx, "mentions", []string{"post_id", "account_id"}, mentions, nil); err != nil {
			return err
		}
		if err := g.bulk(ctx, "favourites", []string{"id", "account_id", "post_id", "created_at"}, favs, nil); err != nil {
			return err
		}
		posts, tags, postTags, mentions, favs = posts[:0], tags[:0], postTags[:0], mentions[:0], favs[:0]
		return nil
	}
	var favBy []int
	for i := range g.posts {
		p := &g.posts[i]
		id := postIDs[i]
		author := int(p.author)
		var inReplyTo, inReplyToAccount, reblogOf, community any
		text, lang := "", g.lang[author]
		t := &topics[p.topic]
		switch p.kind {
		case postBoost:
			reblogOf = postIDs[p.parent]
		case postReply:
			parentAuthor := int(g.posts[p.parent].author)
			inReplyTo, inReplyToAccount = postIDs[p.parent], g.accountIDs[parentAuthor]
			text = replyText(g.r, lang, t, g.usernames[parentAuthor])
		default:
			mention := ""
			if p.vis == 3 || g.r.IntN(10) == 0 {
				mention = g.usernames[g.r.IntN(g.opt.Users)]
			}
			text = postText(g.r, lang, t, mention)
		}
		if p.community >= 0 {
			community = g.communityID[p.community]
		}
		html := ""
		if text != "" {
			ents := content.Parse(text)
			html = g.html.RenderEntities(text, ents)
			seenTag := map[string]bool{}
			for _, e := range ents {
				switch e.Kind {
				case content.KindHashtag:
					low := content.NormalizeTag(e.Tag)
					if seenTag[low] {
						continue
					}
					seenTag[low] = true
					tid, ok := tagIDs[low]
					if !ok {
						tid = g.ids.New(time.UnixMilli(p.at))
						tagIDs[low] = tid
						tags = append(tags, []any{tid, e.Tag, low, p.at})
						g.st.Tags++
					}
					postTags = append(postTags, []any{tid, id})
				case content.KindMention:
					if acc, ok := g.accountByUsername(e.Username); ok {
						if !mentioned(mentions, id, acc) {
							mentions = append(mentions, []any{id, acc})
						}
					}
				}
			}
		}
		posts = append(posts, []any{id, g.accountIDs[author], text, html, "", lang, visibilities[p.vis], false, true,
			inReplyTo, inReplyToAccount, postIDs[p.thread], reblogOf, community,
			int64(p.replies), int64(p.boosts), int64(p.favs), p.at})
		if p.favs > 0 {
			favBy = g.sampleDistinct(int(p.favs), author, favBy)
			for k, who := range favBy {
				at := p.at + int64(k+1)*int64(1+g.r.IntN(600_000))
				favs = append(favs, []any{g.ids.New(time.UnixMilli(at)), g.accountIDs[who], id, at})
			}
			// sampleDistinct may fall short on tiny populations: keep the
			// counter equal to the rows.
			posts[len(posts)-1][16] = int64(len(favBy))
		}
		if err := flush(false); err != nil {
			return err
		}
	}
	return flush(true)
}

func mentioned(rows [][]any, post, acc int64) bool {
	for k := len(rows) - 1; k >= 0 && rows[k][0] == post; k-- {
		if rows[k][1] == acc {
			return true
		}
	}
	return false
}

// accountByUsername resolves a seeded username without a map: seeded
// names end in their index.
func (g *gen) accountByUsername(u string) (int64, bool) {
	if u == ReaderUsername && g.opt.Users > 1 {
		return g.accountIDs[1], true
	}
	_, num, ok := strings.Cut(u, "_")
	if !ok {
		return 0, false
	}
	i := 0
	for _, c := range num {
		if c < '0' || c > '9' {
			return 0, false
		}
		i = i*10 + int(c-'0')
	}
	if i >= g.opt.Users || g.usernames[i] != u {
		return 0, false
	}
	return g.accountIDs[i], true
}

func idTime(id int64) int64 { return id >> 16 }

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
