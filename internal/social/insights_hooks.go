package social

import (
	"context"
	"time"

	"parvis/internal/store"
)

// The hooks insights needs beyond those of posts and follows: what people
// are shown (impressions and profile views) and connections made or ended.

// OnViewed registers fn to run after Views loaded posts for a viewer (a
// timeline, a page, an API response), outside any transaction. fn must be
// quick: it runs on the request's path.
func (s *Service) OnViewed(fn func(ctx context.Context, viewer *Actor, views []*PostView)) {
	s.hooks.viewed = append(s.hooks.viewed, fn)
}

// OnProfileViewed registers fn to run when someone loads the first page of
// an account's posts (its profile), outside any transaction.
func (s *Service) OnProfileViewed(fn func(ctx context.Context, viewer *Actor, accountID int64)) {
	s.hooks.profileViewed = append(s.hooks.profileViewed, fn)
}

// ConnectionEvent tells that two accounts connected or disconnected.
type ConnectionEvent struct {
	Kind string // connect, disconnect
	A, B int64
	At   time.Time
}

// OnConnection registers fn to run in the transaction of every connection
// made or ended.
func (s *Service) OnConnection(fn func(ctx context.Context, tx *store.Tx, e ConnectionEvent) error) {
	s.hooks.connection = append(s.hooks.connection, fn)
}

func (s *Service) runViewed(ctx context.Context, viewer *Actor, views []*PostView) {
	if len(views) == 0 {
		return
	}
	for _, h := range s.hooks.viewed {
		h(ctx, viewer, views)
	}
}

// runProfileViewed counts a profile view when the page is the first of an
// account's posts (not a later page, not the pinned posts).
func (s *Service) runProfileViewed(ctx context.Context, viewer *Actor, accountID int64, o AccountPostsOptions, p Page) {
	if o.Pinned || p.MaxID != 0 || p.MinID != 0 || p.SinceID != 0 {
		return
	}
	for _, h := range s.hooks.profileViewed {
		h(ctx, viewer, accountID)
	}
}

func (s *Service) runConnectionHooks(ctx context.Context, tx *store.Tx, e ConnectionEvent) error {
	for _, h := range s.hooks.connection {
		if err := h(ctx, tx, e); err != nil {
			return err
		}
	}
	return nil
}

// viewerKey keys the anonymous viewer's daily key in a request's context.
type viewerKey struct{}

// WithViewerKey returns a context carrying an anonymous viewer's key (a
// daily-salted hash of their address and user agent, from
// InsightsRecorder.AnonymousKey), so that the posts they are shown count as
// impressions. 0 means "do not count" (a bot).
func WithViewerKey(ctx context.Context, key int64) context.Context {
	return context.WithValue(ctx, viewerKey{}, key)
}

// ViewerKeyFrom returns the anonymous viewer's key in ctx, or 0.
func ViewerKeyFrom(ctx context.Context) int64 {
	k, _ := ctx.Value(viewerKey{}).(int64)
	return k
}
