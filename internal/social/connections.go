package social

import (
	"context"
	"strings"
	"unicode/utf8"

	"parvis/internal/model"
	"parvis/internal/store"
)

// ConnectionState is how the actor stands with someone, connection-wise.
type ConnectionState struct {
	Connected   bool
	Requested   bool // the actor asked
	RequestedBy bool // they asked
}

// ConnectionWith returns the actor's connection state with another account.
func (s *Service) ConnectionWith(ctx context.Context, actor *Actor, otherID int64) (ConnectionState, error) {
	if !actor.LoggedIn() {
		return ConnectionState{}, nil
	}
	q := s.db.Read()
	var st ConnectionState
	var err error
	if st.Connected, err = q.Connected(ctx, actor.Account.ID, otherID); err != nil {
		return st, err
	}
	if st.Requested, err = q.HasConnectionRequest(ctx, actor.Account.ID, otherID); err != nil {
		return st, err
	}
	st.RequestedBy, err = q.HasConnectionRequest(ctx, otherID, actor.Account.ID)
	return st, err
}

// RequestConnection asks to connect; when the other already asked, the two
// are connected at once.
func (s *Service) RequestConnection(ctx context.Context, actor *Actor, targetID int64, message string) (ConnectionState, error) {
	if err := actor.require(); err != nil {
		return ConnectionState{}, err
	}
	message = strings.TrimSpace(message)
	if utf8.RuneCountInString(message) > 500 {
		return ConnectionState{}, model.Errorf(model.EUNPROCESS, "the message is longer than 500 characters")
	}
	if targetID == actor.Account.ID {
		return ConnectionState{}, model.Errorf(model.EUNPROCESS, "you can't connect with yourself")
	}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		target, err := tx.AccountByID(ctx, targetID)
		if err != nil {
			return err
		}
		if target.Group || target.Suspended() {
			return model.Errorf(model.EUNPROCESS, "you can only connect with people")
		}
		if blocked, err := tx.IsBlockedEitherWay(ctx, actor.Account.ID, targetID); err != nil || blocked {
			if err != nil {
				return err
			}
			return model.Errorf(model.EFORBIDDEN, "you can't connect with this account")
		}
		if ok, err := tx.Connected(ctx, actor.Account.ID, targetID); err != nil || ok {
			if err != nil {
				return err
			}
			return model.Errorf(model.ECONFLICT, "you are already connected")
		}
		if asked, err := tx.DeleteConnectionRequest(ctx, targetID, actor.Account.ID); err != nil {
			return err
		} else if asked {
			return s.connect(ctx, tx, actor.Account.ID, targetID, 0)
		}
		added, err := tx.InsertConnectionRequest(ctx, actor.Account.ID, targetID, message, s.now())
		if err != nil {
			return err
		}
		if !added {
			return model.Errorf(model.ECONFLICT, "you already asked to connect")
		}
		return s.notify(ctx, tx, targetID, actor.Account.ID, NotifyConnectionRequest, 0)
	})
	if err != nil {
		return ConnectionState{}, wrap("request connection", err)
	}
	return s.ConnectionWith(ctx, actor, targetID)
}

func (s *Service) connect(ctx context.Context, tx *store.Tx, a, b, introductionID int64) error {
	added, err := tx.InsertConnection(ctx, a, b, introductionID, s.now())
	if err != nil || !added {
		return err
	}
	if err := s.notify(ctx, tx, a, b, NotifyConnected, 0); err != nil {
		return err
	}
	if err := s.notify(ctx, tx, b, a, NotifyConnected, 0); err != nil {
		return err
	}
	return s.runConnectionHooks(ctx, tx, ConnectionEvent{Kind: "connect", A: a, B: b, At: s.now()})
}

// AnswerConnection accepts or declines someone's request to connect.
func (s *Service) AnswerConnection(ctx context.Context, actor *Actor, requesterID int64, accept bool) (ConnectionState, error) {
	if err := actor.require(); err != nil {
		return ConnectionState{}, err
	}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		asked, err := tx.DeleteConnectionRequest(ctx, requesterID, actor.Account.ID)
		if err != nil {
			return err
		}
		if !asked {
			return model.Errorf(model.ENOTFOUND, "there is no such request to connect")
		}
		if err := tx.DeleteNotificationsAbout(ctx, requesterID, NotifyConnectionRequest, 0); err != nil {
			return err
		}
		if !accept {
			return nil
		}
		return s.connect(ctx, tx, actor.Account.ID, requesterID, 0)
	})
	if err != nil {
		return ConnectionState{}, wrap("answer connection", err)
	}
	return s.ConnectionWith(ctx, actor, requesterID)
}

// RemoveConnection ends a connection (or withdraws a request).
func (s *Service) RemoveConnection(ctx context.Context, actor *Actor, otherID int64) error {
	if err := actor.require(); err != nil {
		return err
	}
	return wrap("remove connection", s.db.Tx(ctx, func(tx *store.Tx) error {
		removed, err := tx.DeleteConnection(ctx, actor.Account.ID, otherID)
		if err != nil {
			return err
		}
		withdrawn, err := tx.DeleteConnectionRequest(ctx, actor.Account.ID, otherID)
		if err != nil {
			return err
		}
		if !removed && !withdrawn {
			return model.Errorf(model.ENOTFOUND, "you are not connected")
		}
		if !removed {
			return nil
		}
		return s.runConnectionHooks(ctx, tx, ConnectionEvent{Kind: "disconnect", A: actor.Account.ID, B: otherID, At: s.now()})
	}))
}

// Connections lists an account's connections, newest first.
func (s *Service) Connections(ctx context.Context, viewer *Actor, accountID int64, p Page) (PairedAccounts, error) {
	q := s.db.Read()
	if _, err := q.AccountByID(ctx, accountID); err != nil {
		return PairedAccounts{}, err
	}
	pairs, err := q.Connections(ctx, accountID, p)
	if err != nil {
		return PairedAccounts{}, err
	}
	return s.pairedAccounts(ctx, pairs)
}

// MutualConnections lists the connections the actor shares with someone.
func (s *Service) MutualConnections(ctx context.Context, actor *Actor, otherID int64) ([]*model.Account, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	ids, err := s.db.Read().MutualConnections(ctx, actor.Account.ID, otherID, 200)
	if err != nil {
		return nil, err
	}
	return s.accountsInOrder(ctx, ids)
}

// ConnectionRequests lists requests to connect with the actor (incoming) or
// sent by them.
func (s *Service) ConnectionRequests(ctx context.Context, actor *Actor, incoming bool) ([]store.ConnectionRequest, map[int64]*model.Account, error) {
	if err := actor.require(); err != nil {
		return nil, nil, err
	}
	rs, err := s.db.Read().ConnectionRequests(ctx, actor.Account.ID, incoming, 200)
	if err != nil {
		return nil, nil, err
	}
	var ids []int64
	for _, r := range rs {
		ids = append(ids, r.From, r.To)
	}
	accs, err := s.db.Read().AccountsByIDs(ctx, ids)
	return rs, accs, err
}

func (s *Service) accountsInOrder(ctx context.Context, ids []int64) ([]*model.Account, error) {
	accs, err := s.db.Read().AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*model.Account, 0, len(ids))
	for _, id := range ids {
		if a := accs[id]; a != nil && !a.Suspended() {
			out = append(out, a)
		}
	}
	return out, nil
}

// Introduce introduces two of the actor's connections to each other with a
// note. Both are told; when both accept, they are connected.
func (s *Service) Introduce(ctx context.Context, actor *Actor, a, b int64, note string) (*store.Introduction, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 1000 {
		return nil, model.Errorf(model.EUNPROCESS, "the note is longer than 1000 characters")
	}
	if a == b {
		return nil, model.Errorf(model.EUNPROCESS, "introduce two different people")
	}
	if a == actor.Account.ID || b == actor.Account.ID {
		return nil, model.Errorf(model.EUNPROCESS, "you can't introduce yourself; ask to connect instead")
	}
	in := &store.Introduction{IntroducerID: actor.Account.ID, A: a, B: b, Note: note, CreatedAt: s.now()}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		for _, x := range []int64{a, b} {
			ok, err := tx.Connected(ctx, actor.Account.ID, x)
			if err != nil {
				return err
			}
			if !ok {
				return model.Errorf(model.EUNPROCESS, "you can only introduce people you are connected with")
			}
		}
		if ok, err := tx.Connected(ctx, a, b); err != nil || ok {
			if err != nil {
				return err
			}
			return model.Errorf(model.ECONFLICT, "they are already connected")
		}
		if blocked, err := tx.IsBlockedEitherWay(ctx, a, b); err != nil || blocked {
			if err != nil {
				return err
			}
			return model.Errorf(model.EUNPROCESS, "these two can't be introduced")
		}
		if _, err := tx.PendingIntroductionBetween(ctx, a, b); err == nil {
			return model.Errorf(model.ECONFLICT, "they were already introduced and have not answered yet")
		}
		if err := tx.InsertIntroduction(ctx, in); err != nil {
			return err
		}
		for _, x := range []int64{a, b} {
			if err := s.notify(ctx, tx, x, actor.Account.ID, NotifyIntroduction, 0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap("introduce", err)
	}
	return in, nil
}

// AnswerIntroduction accepts or declines an introduction the actor is part
// of; once both accept, they are connected.
func (s *Service) AnswerIntroduction(ctx context.Context, actor *Actor, id int64, accept bool) (*store.Introduction, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	var in *store.Introduction
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if in, err = tx.IntroductionByID(ctx, id); err != nil {
			return err
		}
		answer := "declined"
		if accept {
			answer = "accepted"
		}
		switch actor.Account.ID {
		case in.A:
			in.AAnswer = answer
		case in.B:
			in.BAnswer = answer
		default:
			return model.Errorf(model.ENOTFOUND, "introduction not found")
		}
		if in.Status != "pending" {
			return model.Errorf(model.ECONFLICT, "this introduction was already settled")
		}
		switch {
		case in.AAnswer == "declined" || in.BAnswer == "declined":
			in.Status, in.DecidedAt = "declined", s.now()
		case in.AAnswer == "accepted" && in.BAnswer == "accepted":
			in.Status, in.DecidedAt = "connected", s.now()
			if _, err := tx.DeleteConnectionRequest(ctx, in.A, in.B); err != nil {
				return err
			}
			if _, err := tx.DeleteConnectionRequest(ctx, in.B, in.A); err != nil {
				return err
			}
			if err := s.connect(ctx, tx, in.A, in.B, in.ID); err != nil {
				return err
			}
			if err := s.notify(ctx, tx, in.IntroducerID, in.A, NotifyConnected, 0); err != nil {
				return err
			}
		}
		return tx.UpdateIntroduction(ctx, in)
	})
	if err != nil {
		return nil, wrap("answer introduction", err)
	}
	return in, nil
}

// Introductions lists the introductions the actor made or received.
func (s *Service) Introductions(ctx context.Context, actor *Actor) ([]*store.Introduction, map[int64]*model.Account, error) {
	if err := actor.require(); err != nil {
		return nil, nil, err
	}
	ins, err := s.db.Read().Introductions(ctx, actor.Account.ID, 200)
	if err != nil {
		return nil, nil, err
	}
	var ids []int64
	for _, in := range ins {
		ids = append(ids, in.IntroducerID, in.A, in.B)
	}
	accs, err := s.db.Read().AccountsByIDs(ctx, ids)
	return ins, accs, err
}

// NetworkGrowth tells how an account's network grew: each connection in
// order, and which came through introductions (and by whom).
type NetworkGrowth struct {
	Connections     []store.ConnectionGrowth
	Accounts        map[int64]*model.Account
	Introduced      int // connections made through an introduction
	IntroducedShare float64
}

// Network returns the growth of the actor's network.
func (s *Service) Network(ctx context.Context, actor *Actor) (*NetworkGrowth, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	hist, err := s.db.Read().ConnectionHistory(ctx, actor.Account.ID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	g := &NetworkGrowth{Connections: hist}
	for _, h := range hist {
		ids = append(ids, h.Other)
		if h.IntroducedBy != 0 {
			ids = append(ids, h.IntroducedBy)
			g.Introduced++
		}
	}
	if len(hist) > 0 {
		g.IntroducedShare = float64(g.Introduced) / float64(len(hist))
	}
	g.Accounts, err = s.db.Read().AccountsByIDs(ctx, ids)
	return g, err
}
