package social

import (
	"context"

	"parvis/internal/model"
	"parvis/internal/store"
)

// OnProfileUpdated registers fn to run in the transaction of every change
// to a local account's profile (a person's, or a community's), so that
// federation can send the new actor document.
func (s *Service) OnProfileUpdated(fn func(ctx context.Context, tx *store.Tx, a *model.Account) error) {
	s.hooks.profileUpdated = append(s.hooks.profileUpdated, fn)
}

// OnReported registers fn to run in the transaction of every report filed
// here, so that federation can forward a report about a remote account to
// its server.
func (s *Service) OnReported(fn func(ctx context.Context, tx *store.Tx, r *store.Report) error) {
	s.hooks.reported = append(s.hooks.reported, fn)
}

func (s *Service) profileUpdated(ctx context.Context, tx *store.Tx, a *model.Account) error {
	for _, h := range s.hooks.profileUpdated {
		if err := h(ctx, tx, a); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) reported(ctx context.Context, tx *store.Tx, r *store.Report) error {
	for _, h := range s.hooks.reported {
		if err := h(ctx, tx, r); err != nil {
			return err
		}
	}
	return nil
}
