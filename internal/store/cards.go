package store

import (
	"context"
	"fmt"

	"parvis/internal/model"
)

const cardColumns = `id, url, title, description, type, author_name, author_url, provider_name, provider_url, html,
	width, height, image_url, embed_url, language, blurhash, published_at, fetched_at, error`

func scanCard(s scanner) (*model.Card, error) {
	var c model.Card
	var published, fetched int64
	err := s.Scan(&c.ID, &c.URL, &c.Title, &c.Description, &c.Type, &c.AuthorName, &c.AuthorURL, &c.ProviderName,
		&c.ProviderURL, &c.HTML, &c.Width, &c.Height, &c.ImageURL, &c.EmbedURL, &c.Language, &c.Blurhash, &published,
		&fetched, &c.Error)
	if err != nil {
		return nil, err
	}
	c.PublishedAt, c.FetchedAt = fromMS(published), fromMS(fetched)
	return &c, nil
}

// CardByURL loads the card of a URL.
func (q Q) CardByURL(ctx context.Context, url string) (*model.Card, error) {
	c, err := scanCard(q.q.QueryRowContext(ctx, "SELECT "+cardColumns+" FROM preview_cards WHERE url = $1", url))
	if err != nil {
		return nil, notFound(err, "card")
	}
	return c, nil
}

// CardsByIDs loads cards keyed by id.
func (q Q) CardsByIDs(ctx context.Context, ids []int64) (map[int64]*model.Card, error) {
	out := map[int64]*model.Card{}
	if len(ids) == 0 {
		return out, nil
	}
	if q.rc != nil {
		return cachedByID(q, &q.rc.cards, ids, func(r Q, ids []int64) (map[int64]*model.Card, error) { return r.CardsByIDs(ctx, ids) })
	}
	query, args := inList("SELECT "+cardColumns+" FROM preview_cards WHERE id IN (%s)", ids)
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load cards: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCard(rows)
		if err != nil {
			return nil, fmt.Errorf("load cards: %w", err)
		}
		out[c.ID] = c
	}
	return out, rows.Err()
}

// UpsertCard stores (or refreshes) the card of a URL and returns its id.
func (tx *Tx) UpsertCard(ctx context.Context, c *model.Card) (int64, error) {
	if c.ID == 0 {
		c.ID = tx.db.NewID(c.FetchedAt)
	}
	var id int64
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO preview_cards (id, url, title, description, type, author_name,
		author_url, provider_name, provider_url, html, width, height, image_url, embed_url, language, blurhash,
		published_at, fetched_at, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
		ON CONFLICT (url) DO UPDATE SET title = excluded.title, description = excluded.description, type = excluded.type,
		author_name = excluded.author_name, author_url = excluded.author_url, provider_name = excluded.provider_name,
		provider_url = excluded.provider_url, html = excluded.html, width = excluded.width, height = excluded.height,
		image_url = excluded.image_url, embed_url = excluded.embed_url, language = excluded.language,
		blurhash = excluded.blurhash, published_at = excluded.published_at, fetched_at = excluded.fetched_at,
		error = excluded.error RETURNING id`,
		c.ID, c.URL, c.Title, c.Description, c.Type, c.AuthorName, c.AuthorURL, c.ProviderName, c.ProviderURL, c.HTML,
		c.Width, c.Height, c.ImageURL, c.EmbedURL, c.Language, c.Blurhash, ms(c.PublishedAt), ms(c.FetchedAt), c.Error).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store card: %w", err)
	}
	return id, nil
}

// SetPostCard attaches a card to a post.
func (tx *Tx) SetPostCard(ctx context.Context, postID, cardID int64) error {
	if _, err := tx.tx.ExecContext(ctx, "UPDATE posts SET card_id = $1 WHERE id = $2", nullID(cardID), postID); err != nil {
		return fmt.Errorf("set post card: %w", err)
	}
	return nil
}
