package social

import (
	"context"
	"io"
	"time"

	"parvis/internal/model"
	"parvis/internal/store"
)

// The community use cases the web pages need beyond those of
// communities.go: the viewer's standing, the moderators' lists of bans and
// invitations, the avatar, and which of a page's communities the viewer
// moderates.

// Standing is how the actor stands in a community: their role, and whether
// they asked to join, were invited, or are muted.
type Standing struct {
	Role       model.CommunityRole
	Requested  bool
	Invited    bool
	MutedUntil time.Time
}

// Moderates reports whether the standing is a moderator's or an owner's.
func (st Standing) Moderates() bool { return st.Role.AtLeast(model.CommunityModerator) }

// CommunityStanding returns the actor's standing in a community (the zero
// standing when anonymous).
func (s *Service) CommunityStanding(ctx context.Context, actor *Actor, c *model.Community) (Standing, error) {
	var st Standing
	if !actor.LoggedIn() {
		return st, nil
	}
	q := s.db.Read()
	var err error
	if st.Role, err = s.CommunityRoleOf(ctx, q, actor, c.ID); err != nil {
		return st, err
	}
	if st.Role.AtLeast(model.CommunityMember) {
		m, err := q.MemberOf(ctx, c.ID, actor.Account.ID)
		if err != nil {
			return st, err
		}
		if m.Muted(s.now()) {
			st.MutedUntil = m.MutedUntil
		}
		return st, nil
	}
	rel, err := q.Relationships(ctx, actor.Account.ID, []int64{c.AccountID}, s.now())
	if err != nil {
		return st, err
	}
	st.Requested = rel[c.AccountID].Requested
	invited, err := q.InvitedTo(ctx, actor.Account.ID)
	if err != nil {
		return st, err
	}
	for _, id := range invited {
		st.Invited = st.Invited || id == c.ID
	}
	return st, nil
}

// BanView is a ban with the accounts it names.
type BanView struct {
	Account  *model.Account
	BannedBy *model.Account // nil when unknown
	Reason   string
	At       time.Time
}

// CommunityBans lists a community's bans (moderators only).
func (s *Service) CommunityBans(ctx context.Context, actor *Actor, communityID int64) ([]BanView, error) {
	q := s.db.Read()
	if _, err := s.moderated(ctx, q, actor, communityID); err != nil {
		return nil, err
	}
	rows, err := q.BanRows(ctx, communityID, 500)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, 2*len(rows))
	for _, r := range rows {
		ids = append(ids, r.AccountID, r.BannedBy)
	}
	accs, err := q.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]BanView, 0, len(rows))
	for _, r := range rows {
		if a := accs[r.AccountID]; a != nil {
			out = append(out, BanView{Account: a, BannedBy: accs[r.BannedBy], Reason: r.Reason, At: r.CreatedAt})
		}
	}
	return out, nil
}

// CommunityInvites lists who was invited to a community and has not
// joined yet (moderators only).
func (s *Service) CommunityInvites(ctx context.Context, actor *Actor, communityID int64) ([]*model.Account, error) {
	q := s.db.Read()
	if _, err := s.moderated(ctx, q, actor, communityID); err != nil {
		return nil, err
	}
	ids, err := q.CommunityInvites(ctx, communityID, 500)
	if err != nil {
		return nil, err
	}
	return s.accountsInOrder(ctx, ids)
}

// moderated loads a community the actor moderates.
func (s *Service) moderated(ctx context.Context, q store.Q, actor *Actor, communityID int64) (*model.Community, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	c, err := q.CommunityByID(ctx, communityID)
	if err != nil {
		return nil, err
	}
	if _, err := s.can(ctx, q, actor, c, model.ActModerate); err != nil {
		return nil, err
	}
	return c, nil
}

// SetCommunityAvatar replaces a community's avatar (from an image), or
// removes it (moderators, as for the description).
func (s *Service) SetCommunityAvatar(ctx context.Context, actor *Actor, communityID int64, avatar io.Reader, remove bool) error {
	if err := actor.require(); err != nil {
		return err
	}
	c, err := s.db.Read().CommunityByID(ctx, communityID)
	if err != nil {
		return err
	}
	if _, err := s.can(ctx, s.db.Read(), actor, c, model.ActConfigure); err != nil {
		return err
	}
	if avatar == nil && !remove {
		return model.Errorf(model.EUNPROCESS, "choose an image, or remove the avatar")
	}
	var path string
	if avatar != nil {
		if path, err = s.storeAvatar(ctx, c.AccountID, avatar); err != nil {
			return err
		}
	}
	return wrap("set community avatar", s.db.Tx(ctx, func(tx *store.Tx) error {
		c, err := tx.CommunityByID(ctx, communityID)
		if err != nil {
			return err
		}
		if _, err := s.can(ctx, tx.Q, actor, c, model.ActConfigure); err != nil {
			return err
		}
		c.Account.AvatarPath = path
		if err := tx.UpdateProfile(ctx, c.Account); err != nil {
			return err
		}
		if err := s.profileUpdated(ctx, tx, c.Account); err != nil {
			return err
		}
		return tx.LogModeration(ctx, store.LogEntry{CommunityID: c.ID, ActorID: actor.Account.ID, Action: "set_avatar",
			CreatedAt: s.now()})
	}))
}

// ModeratedCommunity is a community the viewer moderates, with its posts
// pinned on its timeline.
type ModeratedCommunity struct {
	Community *model.Community
	Pinned    map[int64]bool
}

// ModeratedAmong returns, of the given communities, those the actor
// moderates (as a moderator or owner there, or as server staff), keyed by
// id: what a page needs to offer moderators their buttons on posts.
func (s *Service) ModeratedAmong(ctx context.Context, actor *Actor, communityIDs []int64) (map[int64]*ModeratedCommunity, error) {
	out := map[int64]*ModeratedCommunity{}
	if !actor.LoggedIn() || len(communityIDs) == 0 {
		return out, nil
	}
	q := s.db.Read()
	roles, err := q.MembershipsOf(ctx, actor.Account.ID, communityIDs)
	if err != nil {
		return nil, err
	}
	staff := actor.Is(model.RoleModerator)
	var ids []int64
	for _, id := range communityIDs {
		if staff || roles[id].AtLeast(model.CommunityModerator) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	cs, err := q.CommunitiesByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	accIDs := make([]int64, 0, len(cs))
	for _, c := range cs {
		accIDs = append(accIDs, c.AccountID)
	}
	accs, err := q.AccountsByIDs(ctx, accIDs)
	if err != nil {
		return nil, err
	}
	for id, c := range cs {
		if c.Account = accs[c.AccountID]; c.Account == nil {
			continue
		}
		pins, err := q.PinnedIDs(ctx, c.AccountID)
		if err != nil {
			return nil, err
		}
		mc := &ModeratedCommunity{Community: c, Pinned: map[int64]bool{}}
		for _, p := range pins {
			mc.Pinned[p] = true
		}
		out[id] = mc
	}
	return out, nil
}
