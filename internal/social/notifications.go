package social

import (
	"context"

	"parvis/internal/model"
	"parvis/internal/store"
)

// NotificationView is a notification with its actor and post.
type NotificationView struct {
	Notification model.Notification
	From         *model.Account
	Post         *PostView // nil for follows
}

// Notifications lists the actor's notifications, newest first, leaving out
// those from accounts they block or mute and those whose post they may no
// longer see.
func (s *Service) Notifications(ctx context.Context, actor *Actor, f store.NotificationFilter, p Page) ([]NotificationView, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	ns, err := s.db.Read().Notifications(ctx, actor.Account.ID, f, p)
	if err != nil {
		return nil, err
	}
	return s.notificationViews(ctx, actor, ns)
}

func (s *Service) notificationViews(ctx context.Context, actor *Actor, ns []model.Notification) ([]NotificationView, error) {
	q := s.db.Read()
	var accIDs, postIDs []int64
	for _, n := range ns {
		accIDs = append(accIDs, n.FromAccountID)
		if n.PostID != 0 {
			postIDs = append(postIDs, n.PostID)
		}
	}
	accs, err := q.AccountsByIDs(ctx, accIDs)
	if err != nil {
		return nil, err
	}
	hidden, err := q.Hidden(ctx, actor.Account.ID, accIDs, true, s.now())
	if err != nil {
		return nil, err
	}
	views, err := s.Views(ctx, actor, postIDs, false)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*PostView{}
	for _, v := range views {
		byID[v.Post.ID] = v
	}
	out := make([]NotificationView, 0, len(ns))
	for _, n := range ns {
		from := accs[n.FromAccountID]
		if from == nil || from.Suspended() || hidden[n.FromAccountID] {
			continue
		}
		nv := NotificationView{Notification: n, From: from}
		if n.PostID != 0 {
			if nv.Post = byID[n.PostID]; nv.Post == nil {
				continue
			}
		}
		out = append(out, nv)
	}
	return out, nil
}

// Notification loads one of the actor's notifications.
func (s *Service) Notification(ctx context.Context, actor *Actor, id int64) (*NotificationView, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	n, err := s.db.Read().NotificationByID(ctx, actor.Account.ID, id)
	if err != nil {
		return nil, err
	}
	vs, err := s.notificationViews(ctx, actor, []model.Notification{*n})
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, model.Errorf(model.ENOTFOUND, "notification not found")
	}
	return &vs[0], nil
}

// DismissNotification deletes one notification.
func (s *Service) DismissNotification(ctx context.Context, actor *Actor, id int64) error {
	if err := actor.require(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error { return tx.DismissNotification(ctx, actor.Account.ID, id) })
}

// ClearNotifications deletes every notification of the actor.
func (s *Service) ClearNotifications(ctx context.Context, actor *Actor) error {
	if err := actor.require(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error { return tx.ClearNotifications(ctx, actor.Account.ID) })
}

// UnreadNotifications counts notifications past the reading marker.
func (s *Service) UnreadNotifications(ctx context.Context, actor *Actor) (int64, error) {
	if !actor.LoggedIn() {
		return 0, nil
	}
	return s.db.Read().CountUnreadNotifications(ctx, actor.Account.ID)
}

// Markers returns the actor's reading positions.
func (s *Service) Markers(ctx context.Context, actor *Actor, timelines []string) (map[string]store.Marker, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	return s.db.Read().Markers(ctx, actor.Account.ID, timelines)
}

// SetMarkers saves reading positions ("home", "notifications").
func (s *Service) SetMarkers(ctx context.Context, actor *Actor, positions map[string]int64) (map[string]store.Marker, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	var names []string
	for t := range positions {
		if t != "home" && t != "notifications" {
			return nil, model.Errorf(model.EUNPROCESS, "unknown timeline %q (want home or notifications)", t)
		}
		names = append(names, t)
	}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		for t, id := range positions {
			if err := tx.SetMarker(ctx, actor.Account.ID, t, id, s.now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.db.Read().Markers(ctx, actor.Account.ID, names)
}
