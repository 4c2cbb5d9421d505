package social

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"parvis/internal/model"
	"parvis/internal/outbound"
	"parvis/internal/preview"
	"parvis/internal/store"
)

// FetchCardArgs fetches the preview card of a post's first link.
type FetchCardArgs struct {
	PostID int64  `json:"post_id"`
	URL    string `json:"url"`
}

// Kind names the job.
func (FetchCardArgs) Kind() string { return "fetch_card" }

// InsertOpts: a page that fails three times is given up.
func (FetchCardArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 3} }

type fetchCardWorker struct {
	river.WorkerDefaults[FetchCardArgs]
	s *Service
}

func (w *fetchCardWorker) Timeout(*river.Job[FetchCardArgs]) time.Duration { return 30 * time.Second }

// cardFresh is how long a fetched card is reused before fetching again.
const cardFresh = 7 * 24 * time.Hour

func (w *fetchCardWorker) Work(ctx context.Context, job *river.Job[FetchCardArgs]) error {
	s := w.s
	if s.outbound == nil {
		return nil
	}
	q := s.db.Read()
	if _, err := q.PostByID(ctx, job.Args.PostID); model.IsNotFound(err) {
		return nil
	}
	card, err := q.CardByURL(ctx, job.Args.URL)
	if err != nil && !model.IsNotFound(err) {
		return err
	}
	if card == nil || s.now().Sub(card.FetchedAt) > cardFresh {
		c, ferr := preview.Fetch(ctx, s.outbound, job.Args.URL)
		card = &model.Card{URL: job.Args.URL, FetchedAt: s.now()}
		switch {
		case ferr == nil:
			fillCard(card, c)
		case permanentCardError(ferr):
			// Remember the failure so the page is not fetched again for a week.
			card.Error = ferr.Error()
			s.log.Info("no preview card", "url", job.Args.URL, "err", ferr)
		default:
			return ferr
		}
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		id, err := tx.UpsertCard(ctx, card)
		if err != nil {
			return err
		}
		if card.Error != "" {
			return nil
		}
		if err := tx.SetPostCard(ctx, job.Args.PostID, id); err != nil {
			return err
		}
		p, err := tx.PostByID(ctx, job.Args.PostID)
		if err != nil {
			return nil
		}
		s.publishAfter(tx, postEvent(EventPostUpdate, p))
		return nil
	})
}

// permanentCardError tells errors worth retrying (timeouts, 5xx) from
// final ones (forbidden address, not HTML, 404).
func permanentCardError(err error) bool {
	var se *preview.StatusError
	if errors.As(err, &se) {
		return se.StatusCode < 500 && se.StatusCode != 429
	}
	return errors.Is(err, outbound.ErrForbiddenAddress) || errors.Is(err, outbound.ErrForbiddenScheme) ||
		errors.Is(err, outbound.ErrInvalidURL) || errors.Is(err, outbound.ErrTooManyRedirects) ||
		errors.Is(err, preview.ErrNotHTML) || errors.Is(err, preview.ErrNoTitle) || errors.Is(err, preview.ErrInvalidURL)
}

func fillCard(dst *model.Card, c preview.Card) {
	dst.URL = firstNonEmpty(dst.URL, c.URL)
	dst.Title, dst.Description, dst.Type = c.Title, c.Description, c.Type
	dst.AuthorName, dst.AuthorURL = c.AuthorName, c.AuthorURL
	dst.ProviderName, dst.ProviderURL = c.ProviderName, c.ProviderURL
	dst.HTML, dst.Width, dst.Height = c.HTML, c.Width, c.Height
	dst.ImageURL, dst.EmbedURL, dst.Language = c.Image, c.EmbedURL, c.Language
	dst.Blurhash = c.Blurhash
	dst.PublishedAt = c.PublishedAt
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
