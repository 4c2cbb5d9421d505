package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"parvis/internal/model"
)

const postColumns = `p.id, p.account_id, p.uri, p.url, p.text, p.content, p.spoiler_text, p.language, p.visibility,
	p.sensitive, p.local, COALESCE(p.in_reply_to_id, 0), COALESCE(p.in_reply_to_account_id, 0), p.thread_id,
	COALESCE(p.reblog_of_id, 0), COALESCE(p.community_id, 0), COALESCE(p.application_id, 0), COALESCE(p.card_id, 0),
	p.replies_count, p.reblogs_count, p.favourites_count, p.created_at, p.edited_at, p.removed_at,
	p.discounted_favourites, p.discounted_reblogs`

func scanPost(s scanner) (*model.Post, error) {
	var p model.Post
	var vis string
	var created, edited, removed int64
	err := s.Scan(&p.ID, &p.AccountID, &p.URI, &p.URL, &p.Text, &p.Content, &p.SpoilerText, &p.Language, &vis,
		&p.Sensitive, &p.Local, &p.InReplyToID, &p.InReplyToAccountID, &p.ThreadID, &p.ReblogOfID, &p.CommunityID,
		&p.ApplicationID, &p.CardID, &p.RepliesCount, &p.ReblogsCount, &p.FavouritesCount, &created, &edited, &removed,
		&p.DiscountedFavs, &p.DiscountedReblogs)
	if err != nil {
		return nil, err
	}
	p.Visibility = model.Visibility(vis)
	p.CreatedAt, p.EditedAt, p.RemovedAt = fromMS(created), fromMS(edited), fromMS(removed)
	return &p, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// InsertPost writes a new post; ThreadID defaults to the post's own id.
// A repeated idempotency key is ECONFLICT.
func (tx *Tx) InsertPost(ctx context.Context, p *model.Post) error {
	if p.ID == 0 {
		p.ID = tx.db.NewID(p.CreatedAt)
	}
	if p.ThreadID == 0 {
		p.ThreadID = p.ID
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO posts (id, account_id, uri, url, text, content, spoiler_text, language,
		visibility, sensitive, local, in_reply_to_id, in_reply_to_account_id, thread_id, reblog_of_id, community_id,
		application_id, card_id, created_at, idempotency_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
		p.ID, p.AccountID, p.URI, p.URL, p.Text, p.Content, p.SpoilerText, p.Language, string(p.Visibility), p.Sensitive,
		p.Local, nullID(p.InReplyToID), nullID(p.InReplyToAccountID), p.ThreadID, nullID(p.ReblogOfID),
		nullID(p.CommunityID), nullID(p.ApplicationID), nullID(p.CardID), ms(p.CreatedAt), p.IdempotencyKey)
	if isUniqueViolation(err) {
		return model.Errorf(model.ECONFLICT, "this post already exists")
	}
	if err != nil {
		return fmt.Errorf("insert post: %w", err)
	}
	return nil
}

// PostByID loads one post (any visibility: callers check who may see it).
func (q Q) PostByID(ctx context.Context, id int64) (*model.Post, error) {
	p, err := scanPost(q.q.QueryRowContext(ctx, "SELECT "+postColumns+" FROM posts p WHERE p.id = $1", id))
	if err != nil {
		return nil, notFound(err, "post")
	}
	return p, nil
}

// PostByIdempotencyKey finds the post an account already made with key.
func (q Q) PostByIdempotencyKey(ctx context.Context, accountID int64, key string) (*model.Post, error) {
	p, err := scanPost(q.q.QueryRowContext(ctx, "SELECT "+postColumns+
		" FROM posts p WHERE p.account_id = $1 AND p.idempotency_key = $2", accountID, key))
	if err != nil {
		return nil, notFound(err, "post")
	}
	return p, nil
}

// PostByURI finds a post by its ActivityPub id.
func (q Q) PostByURI(ctx context.Context, uri string) (*model.Post, error) {
	p, err := scanPost(q.q.QueryRowContext(ctx, "SELECT "+postColumns+" FROM posts p WHERE p.uri = $1", uri))
	if err != nil {
		return nil, notFound(err, "post")
	}
	return p, nil
}

// PostsByIDs loads posts keyed by id; missing ones are absent.
func (q Q) PostsByIDs(ctx context.Context, ids []int64) (map[int64]*model.Post, error) {
	out := make(map[int64]*model.Post, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	if q.rc != nil {
		return cachedByID(q, &q.rc.posts, ids, func(r Q, ids []int64) (map[int64]*model.Post, error) { return r.PostsByIDs(ctx, ids) })
	}
	query, args := inList("SELECT "+postColumns+" FROM posts p WHERE p.id IN (%s)", ids)
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load posts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return nil, fmt.Errorf("load posts: %w", err)
		}
		out[p.ID] = p
	}
	return out, rows.Err()
}

// queryPosts runs a query selecting postColumns and returns the posts in
// its order.
func (q Q) queryPosts(ctx context.Context, query string, args ...any) ([]*model.Post, error) {
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query posts: %w", err)
	}
	defer rows.Close()
	var out []*model.Post
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return nil, fmt.Errorf("query posts: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// queryIDs runs a query selecting one id column.
func (q Q) queryIDs(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query ids: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("query ids: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// UpdatePostContent saves an edit (the caller stores the previous version
// with SavePostEdit first).
func (tx *Tx) UpdatePostContent(ctx context.Context, p *model.Post) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE posts SET text = $1, content = $2, spoiler_text = $3, sensitive = $4,
		language = $5, edited_at = $6, card_id = $7 WHERE id = $8`,
		p.Text, p.Content, p.SpoilerText, p.Sensitive, p.Language, ms(p.EditedAt), nullID(p.CardID), p.ID)
	return mustAffect(res, err, "post")
}

// PostEdit is a previous version of an edited post.
type PostEdit struct {
	ID          int64
	PostID      int64
	Text        string
	Content     string
	SpoilerText string
	Sensitive   bool
	MediaJSON   string
	CreatedAt   time.Time
}

// SavePostEdit keeps a version of a post for its history.
func (tx *Tx) SavePostEdit(ctx context.Context, e PostEdit) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO post_edits (id, post_id, text, content, spoiler_text, sensitive, media,
		created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, tx.db.NewID(e.CreatedAt), e.PostID, e.Text, e.Content,
		e.SpoilerText, e.Sensitive, e.MediaJSON, ms(e.CreatedAt))
	if err != nil {
		return fmt.Errorf("save post edit: %w", err)
	}
	return nil
}

// PostEdits returns a post's earlier versions, oldest first.
func (q Q) PostEdits(ctx context.Context, postID int64) ([]PostEdit, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT id, post_id, text, content, spoiler_text, sensitive, media, created_at
		FROM post_edits WHERE post_id = $1 ORDER BY id`, postID)
	if err != nil {
		return nil, fmt.Errorf("load post edits: %w", err)
	}
	defer rows.Close()
	var out []PostEdit
	for rows.Next() {
		var e PostEdit
		var created int64
		if err := rows.Scan(&e.ID, &e.PostID, &e.Text, &e.Content, &e.SpoilerText, &e.Sensitive, &e.MediaJSON, &created); err != nil {
			return nil, fmt.Errorf("load post edits: %w", err)
		}
		e.CreatedAt = fromMS(created)
		out = append(out, e)
	}
	return out, rows.Err()
}

// DeletePost removes a post (its boosts, favourites, media rows and feed
// entries go with it) and fixes the counters it contributed to.
func (tx *Tx) DeletePost(ctx context.Context, p *model.Post) error {
	stmts := []struct {
		q    string
		args []any
	}{
		{"DELETE FROM home_feed WHERE post_id = $1 OR reblog_of_id = $1", []any{p.ID}},
		{`UPDATE accounts SET statuses_count = statuses_count - 1 WHERE id IN
			(SELECT account_id FROM posts WHERE reblog_of_id = $1)`, []any{p.ID}},
		{"DELETE FROM posts WHERE reblog_of_id = $1", []any{p.ID}},
		{"DELETE FROM posts WHERE id = $1", []any{p.ID}},
		{"UPDATE accounts SET statuses_count = statuses_count - 1 WHERE id = $1 AND statuses_count > 0", []any{p.AccountID}},
	}
	if p.InReplyToID != 0 {
		stmts = append(stmts, struct {
			q    string
			args []any
		}{"UPDATE posts SET replies_count = replies_count - 1 WHERE id = $1 AND replies_count > 0", []any{p.InReplyToID}})
	}
	if p.ReblogOfID != 0 {
		flagged, err := tx.dropFlag(ctx, "reblog", p.AccountID, p.ReblogOfID)
		if err != nil {
			return err
		}
		counter := "reblogs_count"
		if flagged {
			counter = "discounted_reblogs"
		}
		stmts = append(stmts, struct {
			q    string
			args []any
		}{"UPDATE posts SET " + counter + " = " + counter + " - 1 WHERE id = $1 AND " + counter + " > 0", []any{p.ReblogOfID}})
	}
	for _, s := range stmts {
		if _, err := tx.tx.ExecContext(ctx, s.q, s.args...); err != nil {
			return fmt.Errorf("delete post: %w", err)
		}
	}
	return nil
}

// AddPostCounter adds delta to one of a post's counters.
func (tx *Tx) AddPostCounter(ctx context.Context, postID int64, counter string, delta int) error {
	switch counter {
	case "replies_count", "reblogs_count", "favourites_count":
	default:
		return fmt.Errorf("unknown post counter %q", counter)
	}
	_, err := tx.tx.ExecContext(ctx, "UPDATE posts SET "+counter+" = CASE WHEN "+counter+" + $1 < 0 THEN 0 ELSE "+
		counter+" + $1 END WHERE id = $2", delta, postID)
	if err != nil {
		return fmt.Errorf("update %s: %w", counter, err)
	}
	return nil
}

// AddAccountCounter adds delta to one of an account's counters.
func (tx *Tx) AddAccountCounter(ctx context.Context, accountID int64, counter string, delta int) error {
	switch counter {
	case "followers_count", "following_count", "statuses_count":
	default:
		return fmt.Errorf("unknown account counter %q", counter)
	}
	_, err := tx.tx.ExecContext(ctx, "UPDATE accounts SET "+counter+" = "+counter+" + $1 WHERE id = $2", delta, accountID)
	if err != nil {
		return fmt.Errorf("update %s: %w", counter, err)
	}
	return nil
}

// TouchLastStatus records that an account just posted.
func (tx *Tx) TouchLastStatus(ctx context.Context, accountID int64, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, "UPDATE accounts SET last_status_at = $1 WHERE id = $2", ms(at), accountID)
	if err != nil {
		return fmt.Errorf("touch last status: %w", err)
	}
	return nil
}

// SetPostTags replaces a post's hashtags.
func (tx *Tx) SetPostTags(ctx context.Context, postID int64, tagIDs map[string]int64) error {
	if _, err := tx.tx.ExecContext(ctx, "DELETE FROM post_tags WHERE post_id = $1", postID); err != nil {
		return fmt.Errorf("set post tags: %w", err)
	}
	for _, id := range tagIDs {
		if _, err := tx.tx.ExecContext(ctx, "INSERT INTO post_tags (tag_id, post_id) VALUES ($1, $2)", id, postID); err != nil {
			return fmt.Errorf("set post tags: %w", err)
		}
	}
	return nil
}

// SetMentions replaces the accounts a post mentions.
func (tx *Tx) SetMentions(ctx context.Context, postID int64, accountIDs []int64) error {
	if _, err := tx.tx.ExecContext(ctx, "DELETE FROM mentions WHERE post_id = $1", postID); err != nil {
		return fmt.Errorf("set mentions: %w", err)
	}
	for _, id := range accountIDs {
		if _, err := tx.tx.ExecContext(ctx, "INSERT INTO mentions (post_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
			postID, id); err != nil {
			return fmt.Errorf("set mentions: %w", err)
		}
	}
	return nil
}

// MentionsOf returns the mentioned account ids of each post.
func (q Q) MentionsOf(ctx context.Context, postIDs []int64) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	if len(postIDs) == 0 {
		return out, nil
	}
	if q.rc != nil {
		return cachedLists(q, &q.rc.mentions, postIDs, func(r Q, ids []int64) (map[int64][]int64, error) { return r.MentionsOf(ctx, ids) })
	}
	query, args := inList("SELECT post_id, account_id FROM mentions WHERE post_id IN (%s) ORDER BY post_id, account_id", postIDs)
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load mentions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p, a int64
		if err := rows.Scan(&p, &a); err != nil {
			return nil, fmt.Errorf("load mentions: %w", err)
		}
		out[p] = append(out[p], a)
	}
	return out, rows.Err()
}

// TagsOf returns the hashtag names of each post.
func (q Q) TagsOf(ctx context.Context, postIDs []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(postIDs) == 0 {
		return out, nil
	}
	if q.rc != nil {
		return cachedLists(q, &q.rc.tags, postIDs, func(r Q, ids []int64) (map[int64][]string, error) { return r.TagsOf(ctx, ids) })
	}
	query, args := inList(`SELECT pt.post_id, t.name FROM post_tags pt JOIN tags t ON t.id = pt.tag_id
		WHERE pt.post_id IN (%s) ORDER BY pt.post_id, t.name_lower`, postIDs)
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p int64
		var name string
		if err := rows.Scan(&p, &name); err != nil {
			return nil, fmt.Errorf("load tags: %w", err)
		}
		out[p] = append(out[p], name)
	}
	return out, rows.Err()
}

// ThreadPosts returns every post of a thread (no boosts), oldest first.
func (q Q) ThreadPosts(ctx context.Context, threadID int64, limit int) ([]*model.Post, error) {
	return q.queryPosts(ctx, "SELECT "+postColumns+` FROM posts p WHERE p.thread_id = $1 AND p.reblog_of_id IS NULL
		ORDER BY p.id LIMIT $2`, threadID, limit)
}

// ReblogOf returns an account's boost of a post, if any.
func (q Q) ReblogOf(ctx context.Context, accountID, postID int64) (*model.Post, error) {
	p, err := scanPost(q.q.QueryRowContext(ctx, "SELECT "+postColumns+
		" FROM posts p WHERE p.account_id = $1 AND p.reblog_of_id = $2", accountID, postID))
	if err != nil {
		return nil, notFound(err, "boost")
	}
	return p, nil
}

// EnsureTagsNormalized is EnsureTags for names already normalised by the
// caller: norm maps each normalised name to the name as first written.
func (tx *Tx) EnsureTagsNormalized(ctx context.Context, norm map[string]string, at time.Time) (map[string]int64, error) {
	out := make(map[string]int64, len(norm))
	for low, name := range norm {
		var id int64
		err := tx.tx.QueryRowContext(ctx, "SELECT id FROM tags WHERE name_lower = $1", low).Scan(&id)
		if err == sql.ErrNoRows {
			// Two posts may bring a new hashtag at once (on PostgreSQL
			// both transactions run together): the second waits for the
			// first, adds nothing, and reads the first one's row.
			_, err = tx.tx.ExecContext(ctx, `INSERT INTO tags (id, name, name_lower, created_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (name_lower) DO NOTHING`, tx.db.NewID(at), name, low, ms(at))
			if err == nil {
				err = tx.tx.QueryRowContext(ctx, "SELECT id FROM tags WHERE name_lower = $1", low).Scan(&id)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("ensure tag %q: %w", name, err)
		}
		out[low] = id
	}
	return out, nil
}
