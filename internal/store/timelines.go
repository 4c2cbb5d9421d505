package store

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"parvis/internal/model"
)

// PublicFilter narrows the public timeline the way the Mastodon API does.
type PublicFilter struct {
	Local, Remote, OnlyMedia bool
}

// PublicIDs pages through public posts: originals only, no replies to
// others, as Mastodon's public timelines show them.
func (q Q) PublicIDs(ctx context.Context, f PublicFilter, p Page) ([]int64, error) {
	sel := `SELECT p.id FROM posts p WHERE p.visibility = 'public' AND p.reblog_of_id IS NULL
		AND (p.in_reply_to_account_id IS NULL OR p.in_reply_to_account_id = p.account_id)`
	if f.Local {
		sel += " AND p.local = TRUE"
	}
	if f.Remote {
		sel += " AND p.local = FALSE"
	}
	if f.OnlyMedia {
		sel += " AND EXISTS (SELECT 1 FROM media_attachments m WHERE m.post_id = p.id)"
	}
	return q.listIDs(ctx, sel, "p.id", nil, p)
}

// TagIDs pages through public posts carrying a hashtag.
func (q Q) TagIDs(ctx context.Context, tag string, f PublicFilter, p Page) ([]int64, error) {
	sel := `SELECT p.id FROM post_tags pt JOIN posts p ON p.id = pt.post_id
		WHERE pt.tag_id = (SELECT id FROM tags WHERE name_lower = $1) AND p.visibility = 'public'`
	if f.Local {
		sel += " AND p.local = TRUE"
	}
	if f.Remote {
		sel += " AND p.local = FALSE"
	}
	if f.OnlyMedia {
		sel += " AND EXISTS (SELECT 1 FROM media_attachments m WHERE m.post_id = p.id)"
	}
	return q.listIDs(ctx, sel, "pt.post_id", []any{strings.ToLower(tag)}, p)
}

// AccountFilter narrows an account's posts.
type AccountFilter struct {
	// Visibilities the viewer may see ("public", "unlisted"...).
	Visibilities   []model.Visibility
	ExcludeReplies bool
	ExcludeReblogs bool
	OnlyMedia      bool
	Tagged         string
}

// AccountPostIDs pages through an account's posts.
func (q Q) AccountPostIDs(ctx context.Context, accountID int64, f AccountFilter, p Page) ([]int64, error) {
	args := []any{accountID}
	sel := "SELECT p.id FROM posts p WHERE p.account_id = $1"
	if len(f.Visibilities) > 0 {
		ph := make([]string, len(f.Visibilities))
		for i, v := range f.Visibilities {
			args = append(args, string(v))
			ph[i] = fmt.Sprintf("$%d", len(args))
		}
		sel += " AND p.visibility IN (" + strings.Join(ph, ",") + ")"
	}
	if f.ExcludeReplies {
		sel += " AND (p.in_reply_to_account_id IS NULL OR p.in_reply_to_account_id = p.account_id)"
	}
	if f.ExcludeReblogs {
		sel += " AND p.reblog_of_id IS NULL"
	}
	if f.OnlyMedia {
		sel += " AND EXISTS (SELECT 1 FROM media_attachments m WHERE m.post_id = p.id)"
	}
	if f.Tagged != "" {
		args = append(args, strings.ToLower(f.Tagged))
		sel += fmt.Sprintf(" AND EXISTS (SELECT 1 FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = p.id AND t.name_lower = $%d)", len(args))
	}
	return q.listIDs(ctx, sel, "p.id", args, p)
}

// MentionIDs pages through the posts that mention an account.
func (q Q) MentionIDs(ctx context.Context, accountID int64, p Page) ([]int64, error) {
	return q.listIDs(ctx, "SELECT m.post_id FROM mentions m WHERE m.account_id = $1", "m.post_id", []any{accountID}, p)
}

// ftsQuery turns what someone typed into a safe full-text query: words
// only, every one required, the last one as a prefix.
func ftsQuery(s string, engine Engine) string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
	})
	if len(words) > 10 {
		words = words[:10]
	}
	if len(words) == 0 {
		return ""
	}
	for i, w := range words {
		if engine == SQLite {
			words[i] = `"` + w + `"`
		}
	}
	if engine == SQLite {
		return strings.Join(words, " ") + "*"
	}
	return strings.Join(words, " & ") + ":*"
}

// SearchPostIDs finds posts by their words: public and unlisted posts, and
// the viewer's own, newest first. On SQLite the order is the full-text
// index's own (its rowid is the post id, and ids follow time), so a common
// word stops after a page instead of sorting every match.
func (q Q) SearchPostIDs(ctx context.Context, query string, viewer int64, limit, offset int) ([]int64, error) {
	fq := ftsQuery(query, q.db.engine)
	if fq == "" {
		return nil, nil
	}
	if q.db.engine == SQLite {
		return q.queryIDs(ctx, `SELECT p.id FROM posts_fts f JOIN posts p ON p.id = f.rowid
			WHERE posts_fts MATCH $1 AND (p.visibility IN ('public', 'unlisted') OR p.account_id = $2)
			ORDER BY f.rowid DESC LIMIT $3 OFFSET $4`, fq, viewer, limit, offset)
	}
	return q.queryIDs(ctx, `SELECT p.id FROM posts p WHERE p.reblog_of_id IS NULL
		AND p.search @@ to_tsquery('simple', $1) AND (p.visibility IN ('public', 'unlisted') OR p.account_id = $2)
		ORDER BY p.id DESC LIMIT $3 OFFSET $4`, fq, viewer, limit, offset)
}

// SearchAccountIDs finds accounts by username or display name (word
// prefixes), most followed first.
func (q Q) SearchAccountIDs(ctx context.Context, query string, limit, offset int) ([]int64, error) {
	fq := ftsQuery(query, q.db.engine)
	if fq == "" {
		return nil, nil
	}
	if q.db.engine == SQLite {
		return q.queryIDs(ctx, `SELECT a.id FROM accounts_fts f JOIN accounts a ON a.id = f.rowid
			WHERE accounts_fts MATCH $1 AND a.suspended_at = 0 ORDER BY a.followers_count DESC, a.id LIMIT $2 OFFSET $3`,
			fq, limit, offset)
	}
	return q.queryIDs(ctx, `SELECT a.id FROM accounts a WHERE a.search @@ to_tsquery('simple', $1) AND a.suspended_at = 0
		ORDER BY a.followers_count DESC, a.id LIMIT $2 OFFSET $3`, fq, limit, offset)
}

// Tag is a hashtag and how often it was used.
type Tag struct {
	ID    int64
	Name  string
	Posts int64
}

// SearchTags finds hashtags starting with prefix.
func (q Q) SearchTags(ctx context.Context, prefix string, limit, offset int) ([]Tag, error) {
	prefix = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(prefix), "#"))
	if prefix == "" {
		return nil, nil
	}
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(prefix)
	rows, err := q.q.QueryContext(ctx, `SELECT t.id, t.name, (SELECT COUNT(*) FROM post_tags pt WHERE pt.tag_id = t.id)
		FROM tags t WHERE t.name_lower LIKE $1 ESCAPE '\' ORDER BY length(t.name_lower), t.name_lower LIMIT $2 OFFSET $3`,
		esc+"%", limit, offset)
	if err != nil {
		return nil, fmt.Errorf("search tags: %w", err)
	}
	defer rows.Close()
	var out []Tag
	for rows.Next() {
		var t Tag
		if err := rows.Scan(&t.ID, &t.Name, &t.Posts); err != nil {
			return nil, fmt.Errorf("search tags: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TagByName loads a hashtag.
func (q Q) TagByName(ctx context.Context, name string) (*Tag, error) {
	var t Tag
	err := q.q.QueryRowContext(ctx, `SELECT t.id, t.name, (SELECT COUNT(*) FROM post_tags pt WHERE pt.tag_id = t.id)
		FROM tags t WHERE t.name_lower = $1`, strings.ToLower(name)).Scan(&t.ID, &t.Name, &t.Posts)
	if err != nil {
		return nil, notFound(err, "hashtag")
	}
	return &t, nil
}

// AccountIDsByAcct resolves usernames on one domain ("" for local), case-insensitively.
func (q Q) AccountIDsByAcct(ctx context.Context, usernames []string, domain string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(usernames) == 0 {
		return out, nil
	}
	args := []any{strings.ToLower(domain)}
	ph := make([]string, len(usernames))
	for i, u := range usernames {
		args = append(args, strings.ToLower(u))
		ph[i] = fmt.Sprintf("$%d", i+2)
	}
	rows, err := q.q.QueryContext(ctx, "SELECT lower(username), id FROM accounts WHERE domain = $1 AND lower(username) IN ("+
		strings.Join(ph, ",")+")", args...)
	if err != nil {
		return nil, fmt.Errorf("resolve usernames: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u string
		var id int64
		if err := rows.Scan(&u, &id); err != nil {
			return nil, fmt.Errorf("resolve usernames: %w", err)
		}
		out[u] = id
	}
	return out, rows.Err()
}
