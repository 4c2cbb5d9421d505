package social

import (
	"context"

	"parvis/internal/model"
	"parvis/internal/store"
)

// ServerModerationLog pages through what the server's moderators did
// (suspensions, integrity decisions), newest first, with the accounts the
// entries name (server moderators only).
func (s *Service) ServerModerationLog(ctx context.Context, actor *Actor, p Page) ([]store.LogEntry, map[int64]*model.Account, error) {
	if err := actor.requireRole(model.RoleModerator); err != nil {
		return nil, nil, err
	}
	q := s.db.Read()
	entries, err := q.ServerModerationLog(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, 0, 2*len(entries))
	for _, e := range entries {
		ids = append(ids, e.ActorID, e.TargetAccountID)
	}
	accs, err := q.AccountsByIDs(ctx, ids)
	return entries, accs, err
}

// SuspendedAccounts lists suspended accounts, the most recent first
// (server moderators only).
func (s *Service) SuspendedAccounts(ctx context.Context, actor *Actor, limit int) ([]*model.Account, error) {
	if err := actor.requireRole(model.RoleModerator); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	return s.db.Read().SuspendedAccounts(ctx, limit)
}
