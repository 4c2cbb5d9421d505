package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"
)

// Conversation is a direct conversation as one participant sees it.
type Conversation struct {
	AccountID    int64
	ThreadID     int64
	Participants []int64 // the others
	LastPostID   int64
	Unread       bool
}

// TouchConversation records a new direct post in a thread for one
// participant: it becomes the last post, and unread unless they wrote it.
func (tx *Tx) TouchConversation(ctx context.Context, accountID, threadID int64, others []int64, postID int64, unread bool) error {
	ps, _ := json.Marshal(others)
	if others == nil {
		ps = []byte("[]")
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO conversations (account_id, thread_id, participants, last_post_id, unread)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, thread_id)
		DO UPDATE SET participants = excluded.participants, last_post_id = excluded.last_post_id, unread = excluded.unread`,
		accountID, threadID, string(ps), postID, unread)
	if err != nil {
		return fmt.Errorf("update conversation: %w", err)
	}
	return nil
}

// Conversations pages through someone's conversations, the most recently
// active first (cursor: the last post's id).
func (q Q) Conversations(ctx context.Context, accountID int64, p Page) ([]Conversation, error) {
	cond, extra, order := p.where("last_post_id", 1)
	args := append([]any{accountID}, extra...)
	args = append(args, p.Limit)
	rows, err := q.q.QueryContext(ctx, fmt.Sprintf(`SELECT account_id, thread_id, participants, last_post_id, unread
		FROM conversations WHERE account_id = $1%s ORDER BY last_post_id %s LIMIT $%d`, cond, order, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	defer rows.Close()
	var out []Conversation
	for rows.Next() {
		var c Conversation
		var ps string
		if err := rows.Scan(&c.AccountID, &c.ThreadID, &ps, &c.LastPostID, &c.Unread); err != nil {
			return nil, fmt.Errorf("list conversations: %w", err)
		}
		if err := json.Unmarshal([]byte(ps), &c.Participants); err != nil {
			return nil, fmt.Errorf("decode conversation participants: %w", err)
		}
		out = append(out, c)
	}
	if order == "ASC" {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, rows.Err()
}

// MarkConversationRead clears the unread flag.
func (tx *Tx) MarkConversationRead(ctx context.Context, accountID, threadID int64) error {
	res, err := tx.tx.ExecContext(ctx, "UPDATE conversations SET unread = FALSE WHERE account_id = $1 AND thread_id = $2", accountID, threadID)
	return mustAffect(res, err, "conversation")
}

// DeleteConversation hides a conversation until a new post arrives in it.
func (tx *Tx) DeleteConversation(ctx context.Context, accountID, threadID int64) error {
	res, err := tx.tx.ExecContext(ctx, "DELETE FROM conversations WHERE account_id = $1 AND thread_id = $2", accountID, threadID)
	return mustAffect(res, err, "conversation")
}

// ConversationByThread loads one participant's conversation.
func (q Q) ConversationByThread(ctx context.Context, accountID, threadID int64) (*Conversation, error) {
	var c Conversation
	var ps string
	err := q.q.QueryRowContext(ctx, `SELECT account_id, thread_id, participants, last_post_id, unread FROM conversations
		WHERE account_id = $1 AND thread_id = $2`, accountID, threadID).Scan(&c.AccountID, &c.ThreadID, &ps, &c.LastPostID, &c.Unread)
	if err != nil {
		return nil, notFound(err, "conversation")
	}
	if err := json.Unmarshal([]byte(ps), &c.Participants); err != nil {
		return nil, fmt.Errorf("decode conversation participants: %w", err)
	}
	return &c, nil
}

// DirectPostIDsInThread lists the direct posts of a thread that an account
// wrote or was mentioned in, oldest first.
func (q Q) DirectPostIDsInThread(ctx context.Context, accountID, threadID int64, limit int) ([]int64, error) {
	return q.queryIDs(ctx, `SELECT p.id FROM posts p WHERE p.thread_id = $1 AND p.visibility = 'direct'
		AND (p.account_id = $2 OR EXISTS (SELECT 1 FROM mentions m WHERE m.post_id = p.id AND m.account_id = $2))
		ORDER BY p.id LIMIT $3`, threadID, accountID, limit)
}

// InboxItem is something a person (or a community's moderators) should
// answer.
type InboxItem struct {
	AccountID     int64
	PostID        int64
	Kind          string // mention, direct, question, community
	FromAccountID int64
	CommunityID   int64
	ThreadID      int64
	CreatedAt     time.Time
	AnsweredAt    time.Time
	AnswerPostID  int64
	DoneAt        time.Time
	SnoozedUntil  time.Time
}

// AddInboxItem puts a post in someone's inbox (idempotent: the first kind
// wins).
func (tx *Tx) AddInboxItem(ctx context.Context, it InboxItem) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO inbox_items (account_id, post_id, kind, from_account_id, community_id,
		thread_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (account_id, post_id) DO NOTHING`,
		it.AccountID, it.PostID, it.Kind, it.FromAccountID, nullID(it.CommunityID), it.ThreadID, ms(it.CreatedAt))
	if err != nil {
		return fmt.Errorf("add inbox item: %w", err)
	}
	return nil
}

// AnswerInbox marks as answered, by reply, the open items about parentID:
// the replier's own items, and every community item (any reply answers a
// community post).
func (tx *Tx) AnswerInbox(ctx context.Context, replierID, parentID, replyID int64, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE inbox_items SET answered_at = $1, answer_post_id = $2
		WHERE post_id = $3 AND answered_at = 0 AND (account_id = $4 OR kind = 'community')`, ms(at), replyID, parentID, replierID)
	if err != nil {
		return fmt.Errorf("answer inbox items: %w", err)
	}
	return nil
}

// AnswerConversation marks answered the replier's open direct items in a
// thread older than the reply: answering a direct conversation answers what
// came before.
func (tx *Tx) AnswerConversation(ctx context.Context, replierID, threadID, replyID int64, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE inbox_items SET answered_at = $1, answer_post_id = $2
		WHERE account_id = $3 AND thread_id = $4 AND kind = 'direct' AND answered_at = 0 AND post_id < $2`,
		ms(at), replyID, replierID, threadID)
	if err != nil {
		return fmt.Errorf("answer conversation: %w", err)
	}
	return nil
}

const inboxColumns = `account_id, post_id, kind, from_account_id, COALESCE(community_id, 0), thread_id, created_at,
	answered_at, COALESCE(answer_post_id, 0), done_at, snoozed_until`

func scanInbox(s scanner) (InboxItem, error) {
	var it InboxItem
	var created, answered, done, snoozed int64
	err := s.Scan(&it.AccountID, &it.PostID, &it.Kind, &it.FromAccountID, &it.CommunityID, &it.ThreadID, &created,
		&answered, &it.AnswerPostID, &done, &snoozed)
	it.CreatedAt, it.AnsweredAt, it.DoneAt, it.SnoozedUntil = fromMS(created), fromMS(answered), fromMS(done), fromMS(snoozed)
	return it, err
}

// Awaiting lists what awaits someone's reply at now: unanswered, not done,
// not snoozed; oldest first. after pages (the created_at/post_id of the
// last item seen).
func (q Q) Awaiting(ctx context.Context, accountID int64, now time.Time, afterCreated, afterPost int64, limit int) ([]InboxItem, error) {
	rows, err := q.q.QueryContext(ctx, "SELECT "+inboxColumns+` FROM inbox_items
		WHERE account_id = $1 AND answered_at = 0 AND done_at = 0 AND snoozed_until <= $2
		AND (created_at > $3 OR (created_at = $3 AND post_id > $4))
		ORDER BY created_at, post_id LIMIT $5`, accountID, ms(now), afterCreated, afterPost, limit)
	if err != nil {
		return nil, fmt.Errorf("list inbox: %w", err)
	}
	defer rows.Close()
	var out []InboxItem
	for rows.Next() {
		it, err := scanInbox(rows)
		if err != nil {
			return nil, fmt.Errorf("list inbox: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// CountAwaiting counts what awaits someone's reply.
func (q Q) CountAwaiting(ctx context.Context, accountID int64, now time.Time) (int64, error) {
	var n int64
	err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM inbox_items WHERE account_id = $1 AND answered_at = 0
		AND done_at = 0 AND snoozed_until <= $2`, accountID, ms(now)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count inbox: %w", err)
	}
	return n, nil
}

// SetInboxState marks an item done (or not) and snoozes it until a time.
func (tx *Tx) SetInboxState(ctx context.Context, accountID, postID int64, done time.Time, snoozedUntil time.Time) error {
	res, err := tx.tx.ExecContext(ctx, "UPDATE inbox_items SET done_at = $1, snoozed_until = $2 WHERE account_id = $3 AND post_id = $4",
		ms(done), ms(snoozedUntil), accountID, postID)
	return mustAffect(res, err, "inbox item")
}

// InboxItemsIn returns the items of an account (accountID != 0) or of a
// community (communityID != 0, one per post) that arrived in [since, until),
// for response figures.
func (q Q) InboxItemsIn(ctx context.Context, accountID, communityID int64, since, until time.Time) ([]InboxItem, error) {
	query := "SELECT " + inboxColumns + " FROM inbox_items WHERE account_id = $1 AND created_at >= $2 AND created_at < $3"
	arg := accountID
	if communityID != 0 {
		// Every moderator has the same community items; one per post.
		query = "SELECT " + inboxColumns + ` FROM inbox_items i WHERE i.community_id = $1 AND i.kind = 'community'
			AND i.created_at >= $2 AND i.created_at < $3 AND i.account_id = (SELECT MIN(j.account_id) FROM inbox_items j
			WHERE j.post_id = i.post_id AND j.kind = 'community')`
		arg = communityID
	}
	rows, err := q.q.QueryContext(ctx, query+" ORDER BY created_at", arg, ms(since), ms(until))
	if err != nil {
		return nil, fmt.Errorf("inbox figures: %w", err)
	}
	defer rows.Close()
	var out []InboxItem
	for rows.Next() {
		it, err := scanInbox(rows)
		if err != nil {
			return nil, fmt.Errorf("inbox figures: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// DismissSuggestion hides an account from someone's suggestions.
func (tx *Tx) DismissSuggestion(ctx context.Context, accountID, targetID int64, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO suggestion_dismissals (account_id, target_id, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (account_id, target_id) DO NOTHING`, accountID, targetID, ms(at))
	if err != nil {
		return fmt.Errorf("dismiss suggestion: %w", err)
	}
	return nil
}

// Candidate is a suggested account with its scores by source.
type Candidate struct {
	AccountID      int64
	FriendsScore   float64 // Adamic–Adar over connections and follows
	SharedGroups   int     // communities in common
	SharedInterest int     // hashtags in common
}

// FriendsOfFriendsBudget bounds the work of FriendsOfFriends: how many
// edges are read out of the account's neighbours.
const FriendsOfFriendsBudget = 8000

// FriendsOfFriends scores the accounts two steps away from accountID in the
// undirected graph of connections and follows with Adamic–Adar: each common
// neighbour z adds 1/ln(degree(z)), so a friend with few friends says more
// than a hub. Someone with thousands of neighbours would make this read
// every edge of all of them; the neighbours are instead taken from the
// smallest degree up until FriendsOfFriendsBudget edges are read, which
// leaves out the hubs, whose edges weigh least. Accounts already followed or
// connected, dismissed or blocked ones and accountID itself are left out.
// The scoring is done here rather than in SQL: a GROUP BY over tens of
// thousands of joined rows costs SQLite ten times more.
func (q Q) FriendsOfFriends(ctx context.Context, accountID int64, limit int) ([]Candidate, error) {
	type neighbour struct {
		id     int64
		degree int64
	}
	var ns []neighbour
	rows, err := q.q.QueryContext(ctx, `WITH n1 AS (
			SELECT target_id AS z FROM follows WHERE account_id = $1
			UNION SELECT account_b FROM connections WHERE account_a = $1
			UNION SELECT account_a FROM connections WHERE account_b = $1
		)
		SELECT n1.z, a.following_count + a.followers_count FROM n1 JOIN accounts a ON a.id = n1.z`, accountID)
	if err != nil {
		return nil, fmt.Errorf("friends of friends: %w", err)
	}
	for rows.Next() {
		var n neighbour
		if err := rows.Scan(&n.id, &n.degree); err != nil {
			rows.Close()
			return nil, fmt.Errorf("friends of friends: %w", err)
		}
		ns = append(ns, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("friends of friends: %w", err)
	}
	excluded := map[int64]bool{accountID: true}
	for _, n := range ns {
		excluded[n.id] = true
	}
	others, err := q.queryIDs(ctx, `SELECT target_id FROM suggestion_dismissals WHERE account_id = $1
		UNION SELECT target_id FROM blocks WHERE account_id = $1
		UNION SELECT account_id FROM blocks WHERE target_id = $1`, accountID)
	if err != nil {
		return nil, err
	}
	for _, id := range others {
		excluded[id] = true
	}
	slices.SortFunc(ns, func(a, b neighbour) int {
		if a.degree != b.degree {
			return cmp.Compare(a.degree, b.degree)
		}
		return cmp.Compare(a.id, b.id)
	})
	weight := map[int64]float64{}
	var chosen []int64
	var spent int64
	for _, n := range ns {
		if spent >= FriendsOfFriendsBudget {
			break
		}
		spent += n.degree
		chosen = append(chosen, n.id)
		weight[n.id] = 1 / (1 + math.Log(2+float64(n.degree)))
	}
	score := map[int64]float64{}
	seen := map[[2]int64]bool{}
	for start := 0; start < len(chosen); start += 400 {
		part := chosen[start:min(start+400, len(chosen))]
		// UNION ALL: the pairs are made unique here, at a tenth of the
		// cost of SQLite's temporary B-tree.
		query, args := inList(`SELECT account_id, target_id FROM follows WHERE account_id IN (%[1]s)
			UNION ALL SELECT account_a, account_b FROM connections WHERE account_a IN (%[1]s)
			UNION ALL SELECT account_b, account_a FROM connections WHERE account_b IN (%[1]s)`, part)
		rows, err := q.q.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, fmt.Errorf("friends of friends: %w", err)
		}
		for rows.Next() {
			var z, v int64
			if err := rows.Scan(&z, &v); err != nil {
				rows.Close()
				return nil, fmt.Errorf("friends of friends: %w", err)
			}
			if excluded[v] || seen[[2]int64{z, v}] {
				continue
			}
			seen[[2]int64{z, v}] = true
			score[v] += weight[z]
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("friends of friends: %w", err)
		}
	}
	out := make([]Candidate, 0, len(score))
	for id, sc := range score {
		out = append(out, Candidate{AccountID: id, FriendsScore: sc})
	}
	slices.SortFunc(out, func(a, b Candidate) int {
		if a.FriendsScore != b.FriendsScore {
			return cmp.Compare(b.FriendsScore, a.FriendsScore)
		}
		return cmp.Compare(a.AccountID, b.AccountID)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// SharedCommunities counts, for accounts sharing communities with
// accountID, how many they share (largest first).
func (q Q) SharedCommunities(ctx context.Context, accountID int64, limit int) (map[int64]int, error) {
	counts, err := q.countsByID(ctx, `SELECT m2.account_id, COUNT(*) FROM community_members m1
		JOIN community_members m2 ON m2.community_id = m1.community_id AND m2.account_id <> m1.account_id
		WHERE m1.account_id = $1 GROUP BY m2.account_id ORDER BY COUNT(*) DESC, m2.account_id LIMIT $2`, accountID, limit)
	if err != nil {
		return nil, fmt.Errorf("shared communities: %w", err)
	}
	return counts, nil
}

// SharedInterests counts, for accounts using the same hashtags as
// accountID recently (since), how many tags they share.
func (q Q) SharedInterests(ctx context.Context, accountID int64, sinceID int64, limit int) (map[int64]int, error) {
	counts, err := q.countsByID(ctx, `WITH mine AS (
			SELECT DISTINCT pt.tag_id FROM posts p JOIN post_tags pt ON pt.post_id = p.id
			WHERE p.account_id = $1 AND p.id >= $2
		)
		SELECT p.account_id, COUNT(DISTINCT pt.tag_id) FROM mine JOIN post_tags pt ON pt.tag_id = mine.tag_id
		JOIN posts p ON p.id = pt.post_id
		WHERE p.account_id <> $1 AND p.id >= $2 AND p.visibility IN ('public', 'unlisted')
		GROUP BY p.account_id ORDER BY COUNT(DISTINCT pt.tag_id) DESC, p.account_id LIMIT $3`, accountID, sinceID, limit)
	if err != nil {
		return nil, fmt.Errorf("shared interests: %w", err)
	}
	return counts, nil
}

// countsByID runs a query of (id, count) rows and returns them as a map.
func (q Q) countsByID(ctx context.Context, query string, args ...any) (map[int64]int, error) {
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Dismissed returns the accounts someone dismissed from suggestions.
func (q Q) Dismissed(ctx context.Context, accountID int64) (map[int64]bool, error) {
	ids, err := q.queryIDs(ctx, "SELECT target_id FROM suggestion_dismissals WHERE account_id = $1", accountID)
	out := map[int64]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}
