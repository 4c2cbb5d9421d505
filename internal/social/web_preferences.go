package social

import (
	"context"

	"parvis/internal/store"
)

// RequireAltText tells whether the actor asked that every image they post
// have a description (then Publish and Edit refuse one without).
func (s *Service) RequireAltText(ctx context.Context, actor *Actor) (bool, error) {
	if err := actor.require(); err != nil {
		return false, err
	}
	return s.db.Read().RequireAltText(ctx, actor.User.ID)
}

// SetRequireAltText saves that choice.
func (s *Service) SetRequireAltText(ctx context.Context, actor *Actor, on bool) error {
	if err := actor.require(); err != nil {
		return err
	}
	return wrap("save the alt text setting", s.db.Tx(ctx, func(tx *store.Tx) error {
		return tx.SetRequireAltText(ctx, actor.User.ID, on)
	}))
}
