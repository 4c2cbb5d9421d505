package social

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"parvis/internal/model"
	"parvis/internal/store"
)

// CommunityInput creates or configures a community.
type CommunityInput struct {
	Name        string // the handle: letters, digits, underscores
	DisplayName string
	Description string
	Membership  string // open, approval, private
	Topics      []string
	Rules       []string
}

func (in *CommunityInput) validate(creating bool) error {
	in.Name = strings.TrimSpace(strings.TrimPrefix(in.Name, "@"))
	if creating {
		if err := model.ValidateUsername(in.Name); err != nil {
			return model.Errorf(model.EUNPROCESS, "community name: %s", err.Error())
		}
	}
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Description = strings.TrimSpace(strings.ReplaceAll(in.Description, "\r\n", "\n"))
	if err := model.ValidateProfile(in.DisplayName, in.Description); err != nil {
		return model.Errorf(model.EUNPROCESS, "%s", err.Error())
	}
	if len(in.Topics) > model.MaxCommunityTopics {
		return model.Errorf(model.EUNPROCESS, "a community can have at most %d topics", model.MaxCommunityTopics)
	}
	var topics []string
	for _, t := range in.Topics {
		t = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(t, "#")))
		if t == "" {
			continue
		}
		if strings.ContainsAny(t, ",\n") || utf8.RuneCountInString(t) > 50 {
			return model.Errorf(model.EUNPROCESS, "topic %q is not a single word or phrase", t)
		}
		if !slices.Contains(topics, t) {
			topics = append(topics, t)
		}
	}
	in.Topics = topics
	if len(in.Rules) > model.MaxCommunityRules {
		return model.Errorf(model.EUNPROCESS, "a community can have at most %d rules", model.MaxCommunityRules)
	}
	var rules []string
	for _, r := range in.Rules {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		if utf8.RuneCountInString(r) > model.MaxCommunityRuleChars {
			return model.Errorf(model.EUNPROCESS, "a rule is longer than %d characters", model.MaxCommunityRuleChars)
		}
		rules = append(rules, r)
	}
	in.Rules = rules
	return nil
}

// CreateCommunity creates a community whose owner is the actor. Its group
// account takes the community's name, so the community can be followed
// (joined) and mentioned from any Mastodon app.
func (s *Service) CreateCommunity(ctx context.Context, actor *Actor, in CommunityInput) (*model.Community, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	if err := in.validate(true); err != nil {
		return nil, err
	}
	if in.Membership == "" {
		in.Membership = string(model.MembershipOpen)
	}
	m, err := model.ParseMembership(in.Membership)
	if err != nil {
		return nil, err
	}
	if reservedUsernames[strings.ToLower(in.Name)] {
		return nil, model.Errorf(model.EUNPROCESS, "the name %q is reserved", in.Name)
	}
	now := s.now()
	c := &model.Community{Membership: m, Topics: in.Topics, Rules: in.Rules, Description: in.Description,
		CreatedBy: actor.Account.ID, CreatedAt: now}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		acc := &model.Account{Username: in.Name, DisplayName: in.DisplayName, Note: in.Description,
			NoteHTML: s.renderBio(in.Description), Group: true, Discoverable: m != model.MembershipPrivate,
			Locked: m != model.MembershipOpen, CreatedAt: now}
		if err := tx.CreateAccount(ctx, acc); err != nil {
			if model.ErrorCode(err) == model.ECONFLICT {
				return model.Errorf(model.ECONFLICT, "the name %q is taken", in.Name)
			}
			return err
		}
		c.AccountID, c.Account = acc.ID, acc
		if err := tx.CreateCommunity(ctx, c); err != nil {
			return err
		}
		if err := s.addMember(ctx, tx, c, actor.Account.ID, model.CommunityOwner, now); err != nil {
			return err
		}
		return tx.LogModeration(ctx, store.LogEntry{CommunityID: c.ID, ActorID: actor.Account.ID, Action: "create", CreatedAt: now})
	})
	if err != nil {
		return nil, wrap("create community", err)
	}
	c.MembersCount = 1
	return c, nil
}

// addMember makes someone a member and has them follow the group account,
// the two faces of one membership.
func (s *Service) addMember(ctx context.Context, tx *store.Tx, c *model.Community, accountID int64, role model.CommunityRole, at time.Time) error {
	if err := tx.AddMember(ctx, c.ID, accountID, role, at); err != nil {
		return err
	}
	if _, err := tx.DeleteFollowRequest(ctx, accountID, c.AccountID); err != nil {
		return err
	}
	_, err := tx.InsertFollow(ctx, store.Follow{AccountID: accountID, TargetID: c.AccountID, ShowReblogs: true, CreatedAt: at})
	return err
}

// removeMember ends a membership and the follow that goes with it.
func (s *Service) removeMember(ctx context.Context, tx *store.Tx, c *model.Community, accountID int64) error {
	if _, err := tx.RemoveMember(ctx, c.ID, accountID); err != nil {
		return err
	}
	if _, err := tx.DeleteFollow(ctx, accountID, c.AccountID); err != nil {
		return err
	}
	if _, err := tx.DeleteFollowRequest(ctx, accountID, c.AccountID); err != nil {
		return err
	}
	return tx.RemoveAuthorFromFeed(ctx, accountID, c.AccountID)
}

// CommunityRoleOf returns the actor's role in a community.
func (s *Service) CommunityRoleOf(ctx context.Context, q store.Q, actor *Actor, communityID int64) (model.CommunityRole, error) {
	if !actor.LoggedIn() {
		return model.CommunityNone, nil
	}
	banned, err := q.IsBanned(ctx, communityID, actor.Account.ID)
	if err != nil {
		return "", err
	}
	if banned {
		return model.CommunityBanned, nil
	}
	m, err := q.MemberOf(ctx, communityID, actor.Account.ID)
	if model.IsNotFound(err) {
		return model.CommunityNone, nil
	}
	if err != nil {
		return "", err
	}
	return m.Role, nil
}

// can checks the permission matrix for the actor.
func (s *Service) can(ctx context.Context, q store.Q, actor *Actor, c *model.Community, action model.CommunityAction) (model.CommunityRole, error) {
	role, err := s.CommunityRoleOf(ctx, q, actor, c.ID)
	if err != nil {
		return "", err
	}
	if !model.CommunityCan(role, action, c.Membership, actor.Is(model.RoleModerator)) {
		if action == model.ActView || action == model.ActSeeMembers {
			return role, model.Errorf(model.ENOTFOUND, "community not found")
		}
		switch {
		case role == model.CommunityBanned:
			return role, model.Errorf(model.EFORBIDDEN, "you are banned from this community")
		case action == model.ActJoin && role != model.CommunityNone:
			return role, model.Errorf(model.ECONFLICT, "you are already a member of this community")
		case action == model.ActLeave:
			return role, model.Errorf(model.ECONFLICT, "you are not a member of this community")
		}
		return role, model.Errorf(model.EFORBIDDEN, "you may not %s in this community", strings.ReplaceAll(string(action), "_", " "))
	}
	return role, nil
}

// Community loads a community the actor may see.
func (s *Service) Community(ctx context.Context, actor *Actor, id int64) (*model.Community, model.CommunityRole, error) {
	q := s.db.Read()
	c, err := q.CommunityByID(ctx, id)
	if err != nil {
		return nil, "", err
	}
	role, err := s.can(ctx, q, actor, c, model.ActView)
	if err != nil && model.ErrorCode(err) == model.ENOTFOUND {
		// Outsiders of a private community see that it exists (to ask to
		// join), not its posts or members.
		return c, role, nil
	}
	return c, role, err
}

// CommunityByName loads a community by its handle.
func (s *Service) CommunityByName(ctx context.Context, actor *Actor, name string) (*model.Community, model.CommunityRole, error) {
	a, err := s.db.Read().AccountByUsername(ctx, strings.TrimPrefix(name, "@"), "")
	if err != nil || !a.Group {
		return nil, "", model.Errorf(model.ENOTFOUND, "community not found")
	}
	c, err := s.db.Read().CommunityByAccountID(ctx, a.ID)
	if err != nil {
		return nil, "", err
	}
	return s.Community(ctx, actor, c.ID)
}

// Communities lists communities, biggest first (private ones only to their
// members); with mine, only the actor's.
func (s *Service) Communities(ctx context.Context, actor *Actor, mine bool, limit, offset int) ([]*model.Community, error) {
	q := s.db.Read()
	var member int64
	if mine {
		if err := actor.require(); err != nil {
			return nil, err
		}
		member = actor.Account.ID
	}
	cs, err := q.ListCommunities(ctx, member, limit, offset)
	if err != nil {
		return nil, err
	}
	if mine || actor.Is(model.RoleModerator) {
		return cs, nil
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	roles, err := q.MembershipsOf(ctx, viewerID(actor), ids)
	if err != nil {
		return nil, err
	}
	out := cs[:0]
	for _, c := range cs {
		if c.Membership != model.MembershipPrivate || roles[c.ID] != "" {
			out = append(out, c)
		}
	}
	return out, nil
}

// JoinResult says what joining did.
type JoinResult struct {
	Joined    bool // a member now
	Requested bool // waiting for a moderator
}

// Join joins an open community, asks to join one that needs approval, or
// joins directly with an invitation.
func (s *Service) Join(ctx context.Context, actor *Actor, communityID int64) (JoinResult, error) {
	if err := actor.require(); err != nil {
		return JoinResult{}, err
	}
	var res JoinResult
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		c, err := tx.CommunityByID(ctx, communityID)
		if err != nil {
			return err
		}
		var jerr error
		res, jerr = s.join(ctx, tx, actor, c)
		return jerr
	})
	return res, wrap("join", err)
}

func (s *Service) join(ctx context.Context, tx *store.Tx, actor *Actor, c *model.Community) (JoinResult, error) {
	role, err := s.CommunityRoleOf(ctx, tx.Q, actor, c.ID)
	if err != nil {
		return JoinResult{}, err
	}
	switch role {
	case model.CommunityBanned:
		return JoinResult{}, model.Errorf(model.EFORBIDDEN, "you are banned from this community")
	case model.CommunityNone:
	default:
		return JoinResult{}, model.Errorf(model.ECONFLICT, "you are already a member of this community")
	}
	now := s.now()
	invited, err := tx.TakeInvite(ctx, c.ID, actor.Account.ID)
	if err != nil {
		return JoinResult{}, err
	}
	if c.Membership == model.MembershipOpen || invited {
		if err := s.addMember(ctx, tx, c, actor.Account.ID, model.CommunityMember, now); err != nil {
			return JoinResult{}, err
		}
		if err := s.notify(ctx, tx, c.CreatedBy, actor.Account.ID, model.NotifyFollow, 0); err != nil {
			return JoinResult{}, err
		}
		return JoinResult{Joined: true}, s.runFollowHooks(ctx, tx, FollowEvent{Kind: "join", AccountID: actor.Account.ID,
			Target: c.Account, At: now})
	}
	added, err := tx.InsertFollowRequest(ctx, actor.Account.ID, c.AccountID, "", now)
	if err != nil {
		return JoinResult{}, err
	}
	if !added {
		return JoinResult{}, model.Errorf(model.ECONFLICT, "you already asked to join this community")
	}
	staff, err := tx.StaffIDs(ctx, c.ID)
	if err != nil {
		return JoinResult{}, err
	}
	for _, m := range staff {
		if err := s.notify(ctx, tx, m, actor.Account.ID, model.NotifyFollowRequest, 0); err != nil {
			return JoinResult{}, err
		}
	}
	return JoinResult{Requested: true}, nil
}

// Leave leaves a community (or withdraws a request to join). The last
// owner cannot leave: they must hand ownership over first.
func (s *Service) Leave(ctx context.Context, actor *Actor, communityID int64) error {
	if err := actor.require(); err != nil {
		return err
	}
	return wrap("leave", s.db.Tx(ctx, func(tx *store.Tx) error {
		c, err := tx.CommunityByID(ctx, communityID)
		if err != nil {
			return err
		}
		return s.leave(ctx, tx, actor.Account.ID, c)
	}))
}

func (s *Service) leave(ctx context.Context, tx *store.Tx, accountID int64, c *model.Community) error {
	m, err := tx.MemberOf(ctx, c.ID, accountID)
	if model.IsNotFound(err) {
		withdrawn, err := tx.DeleteFollowRequest(ctx, accountID, c.AccountID)
		if err != nil {
			return err
		}
		if !withdrawn {
			return model.Errorf(model.ECONFLICT, "you are not a member of this community")
		}
		return nil
	}
	if err != nil {
		return err
	}
	if m.Role == model.CommunityOwner {
		n, err := tx.CountRole(ctx, c.ID, model.CommunityOwner)
		if err != nil {
			return err
		}
		if n <= 1 {
			return model.Errorf(model.ECONFLICT, "you are the last owner of this community; make someone else owner before leaving")
		}
	}
	if err := s.removeMember(ctx, tx, c, accountID); err != nil {
		return err
	}
	return s.runFollowHooks(ctx, tx, FollowEvent{Kind: "leave", AccountID: accountID, Target: c.Account, At: s.now()})
}

// DecideJoin lets a moderator approve or refuse a request to join.
func (s *Service) DecideJoin(ctx context.Context, actor *Actor, communityID, requesterID int64, approve bool) error {
	if err := actor.require(); err != nil {
		return err
	}
	return wrap("answer join request", s.db.Tx(ctx, func(tx *store.Tx) error {
		c, err := tx.CommunityByID(ctx, communityID)
		if err != nil {
			return err
		}
		if _, err := s.can(ctx, tx.Q, actor, c, model.ActModerate); err != nil {
			return err
		}
		if err := s.decideFollowRequest(ctx, tx, requesterID, c.Account, approve); err != nil {
			return err
		}
		action := "reject_join"
		if approve {
			action = "approve_join"
		}
		return tx.LogModeration(ctx, store.LogEntry{CommunityID: c.ID, ActorID: actor.Account.ID, Action: action,
			TargetAccountID: requesterID, CreatedAt: s.now()})
	}))
}

// JoinRequests lists who asked to join (moderators only).
func (s *Service) JoinRequests(ctx context.Context, actor *Actor, communityID int64, p Page) (PairedAccounts, error) {
	q := s.db.Read()
	c, err := q.CommunityByID(ctx, communityID)
	if err != nil {
		return PairedAccounts{}, err
	}
	if _, err := s.can(ctx, q, actor, c, model.ActModerate); err != nil {
		return PairedAccounts{}, err
	}
	pairs, err := q.FollowRequests(ctx, c.AccountID, p)
	if err != nil {
		return PairedAccounts{}, err
	}
	return s.pairedAccounts(ctx, pairs)
}

// Invite invites someone into a community: they may then join directly.
func (s *Service) Invite(ctx context.Context, actor *Actor, communityID, inviteeID int64) error {
	if err := actor.require(); err != nil {
		return err
	}
	return wrap("invite", s.db.Tx(ctx, func(tx *store.Tx) error {
		c, err := tx.CommunityByID(ctx, communityID)
		if err != nil {
			return err
		}
		if _, err := s.can(ctx, tx.Q, actor, c, model.ActInvite); err != nil {
			return err
		}
		invitee, err := tx.AccountByID(ctx, inviteeID)
		if err != nil || invitee.Group {
			return model.Errorf(model.ENOTFOUND, "account not found")
		}
		if banned, err := tx.IsBanned(ctx, c.ID, inviteeID); err != nil || banned {
			if err != nil {
				return err
			}
			return model.Errorf(model.EFORBIDDEN, "this person is banned from the community")
		}
		if _, err := tx.MemberOf(ctx, c.ID, inviteeID); err == nil {
			return model.Errorf(model.ECONFLICT, "this person is already a member")
		}
		if err := tx.Invite(ctx, c.ID, inviteeID, actor.Account.ID, s.now()); err != nil {
			return err
		}
		return s.notify(ctx, tx, inviteeID, c.AccountID, NotifyInvite, 0)
	}))
}

// Parvis's own notification types (the Mastodon API leaves them out).
const (
	NotifyInvite            = "parvis.invite"
	NotifyConnectionRequest = "parvis.connection_request"
	NotifyConnected         = "parvis.connected"
	NotifyIntroduction      = "parvis.introduction"
)

// SetCommunityRole makes a member owner, moderator or plain member (owners
// only). The last owner cannot step down.
func (s *Service) SetCommunityRole(ctx context.Context, actor *Actor, communityID, memberID int64, roleName string) error {
	if err := actor.require(); err != nil {
		return err
	}
	role, err := model.ParseCommunityRole(roleName)
	if err != nil {
		return err
	}
	return wrap("set community role", s.db.Tx(ctx, func(tx *store.Tx) error {
		c, err := tx.CommunityByID(ctx, communityID)
		if err != nil {
			return err
		}
		if _, err := s.can(ctx, tx.Q, actor, c, model.ActSetRoles); err != nil {
			return err
		}
		m, err := tx.MemberOf(ctx, c.ID, memberID)
		if model.IsNotFound(err) {
			return model.Errorf(model.EUNPROCESS, "this person is not a member")
		}
		if err != nil {
			return err
		}
		if m.Role == model.CommunityOwner && role != model.CommunityOwner {
			n, err := tx.CountRole(ctx, c.ID, model.CommunityOwner)
			if err != nil {
				return err
			}
			if n <= 1 {
				return model.Errorf(model.ECONFLICT, "a community needs at least one owner")
			}
		}
		if err := tx.SetMemberRole(ctx, c.ID, memberID, role); err != nil {
			return err
		}
		return tx.LogModeration(ctx, store.LogEntry{CommunityID: c.ID, ActorID: actor.Account.ID, Action: "set_role_" + string(role),
			TargetAccountID: memberID, CreatedAt: s.now()})
	}))
}

// ConfigureCommunity changes a community's description, rules and topics
// (moderators), and its membership kind (owners).
func (s *Service) ConfigureCommunity(ctx context.Context, actor *Actor, communityID int64, in CommunityInput) (*model.Community, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	if err := in.validate(false); err != nil {
		return nil, err
	}
	var c *model.Community
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		c, err = tx.CommunityByID(ctx, communityID)
		if err != nil {
			return err
		}
		if _, err := s.can(ctx, tx.Q, actor, c, model.ActConfigure); err != nil {
			return err
		}
		if in.Membership != "" && in.Membership != string(c.Membership) {
			if _, err := s.can(ctx, tx.Q, actor, c, model.ActSetKind); err != nil {
				return err
			}
			m, err := model.ParseMembership(in.Membership)
			if err != nil {
				return err
			}
			c.Membership = m
		}
		c.Description, c.Topics, c.Rules = in.Description, in.Topics, in.Rules
		if err := tx.UpdateCommunity(ctx, c); err != nil {
			return err
		}
		a := c.Account
		if in.DisplayName != "" {
			a.DisplayName = in.DisplayName
		}
		a.Note, a.NoteHTML = in.Description, s.renderBio(in.Description)
		a.Locked, a.Discoverable = c.Membership != model.MembershipOpen, c.Membership != model.MembershipPrivate
		if err := tx.UpdateProfile(ctx, a); err != nil {
			return err
		}
		if err := s.profileUpdated(ctx, tx, a); err != nil {
			return err
		}
		return tx.LogModeration(ctx, store.LogEntry{CommunityID: c.ID, ActorID: actor.Account.ID, Action: "configure", CreatedAt: s.now()})
	})
	return c, wrap("configure community", err)
}

// Ban bans someone from a community: they stop being a member and cannot
// rejoin or post. Moderators may ban members; only owners may ban
// moderators; nobody bans an owner.
func (s *Service) Ban(ctx context.Context, actor *Actor, communityID, targetID int64, reason string) error {
	if err := actor.require(); err != nil {
		return err
	}
	if len(reason) > 1000 {
		return model.Errorf(model.EUNPROCESS, "the reason is longer than 1000 characters")
	}
	return wrap("ban", s.db.Tx(ctx, func(tx *store.Tx) error {
		c, err := tx.CommunityByID(ctx, communityID)
		if err != nil {
			return err
		}
		myRole, err := s.can(ctx, tx.Q, actor, c, model.ActModerate)
		if err != nil {
			return err
		}
		if targetID == actor.Account.ID {
			return model.Errorf(model.EUNPROCESS, "you can't ban yourself")
		}
		if _, err := tx.AccountByID(ctx, targetID); err != nil {
			return err
		}
		target, err := tx.MemberOf(ctx, c.ID, targetID)
		if err == nil {
			switch {
			case target.Role == model.CommunityOwner:
				return model.Errorf(model.EFORBIDDEN, "an owner can't be banned")
			case target.Role == model.CommunityModerator && myRole != model.CommunityOwner && !actor.Is(model.RoleAdmin):
				return model.Errorf(model.EFORBIDDEN, "only an owner can ban a moderator")
			}
			if err := s.removeMember(ctx, tx, c, targetID); err != nil {
				return err
			}
		} else if !model.IsNotFound(err) {
			return err
		}
		if _, err := tx.DeleteFollowRequest(ctx, targetID, c.AccountID); err != nil {
			return err
		}
		if err := tx.Ban(ctx, c.ID, targetID, actor.Account.ID, reason, s.now()); err != nil {
			return err
		}
		return tx.LogModeration(ctx, store.LogEntry{CommunityID: c.ID, ActorID: actor.Account.ID, Action: "ban",
			TargetAccountID: targetID, Reason: reason, CreatedAt: s.now()})
	}))
}

// Unban lifts a ban (they may then join again).
func (s *Service) Unban(ctx context.Context, actor *Actor, communityID, targetID int64) error {
	if err := actor.require(); err != nil {
		return err
	}
	return wrap("unban", s.db.Tx(ctx, func(tx *store.Tx) error {
		c, err := tx.CommunityByID(ctx, communityID)
		if err != nil {
			return err
		}
		if _, err := s.can(ctx, tx.Q, actor, c, model.ActModerate); err != nil {
			return err
		}
		ok, err := tx.Unban(ctx, c.ID, targetID)
		if err != nil {
			return err
		}
		if !ok {
			return model.Errorf(model.ECONFLICT, "this person is not banned")
		}
		return tx.LogModeration(ctx, store.LogEntry{CommunityID: c.ID, ActorID: actor.Account.ID, Action: "unban",
			TargetAccountID: targetID, CreatedAt: s.now()})
	}))
}

// MuteMember keeps a member from posting in the community for a while
// (0 lifts the mute).
func (s *Service) MuteMember(ctx context.Context, actor *Actor, communityID, targetID int64, d time.Duration, reason string) error {
	if err := actor.require(); err != nil {
		return err
	}
	if d < 0 || d > 365*24*time.Hour {
		return model.Errorf(model.EUNPROCESS, "a mute lasts between 0 and 365 days")
	}
	return wrap("mute member", s.db.Tx(ctx, func(tx *store.Tx) error {
		c, err := tx.CommunityByID(ctx, communityID)
		if err != nil {
			return err
		}
		myRole, err := s.can(ctx, tx.Q, actor, c, model.ActModerate)
		if err != nil {
			return err
		}
		target, err := tx.MemberOf(ctx, c.ID, targetID)
		if model.IsNotFound(err) {
			return model.Errorf(model.EUNPROCESS, "this person is not a member")
		}
		if err != nil {
			return err
		}
		if target.Role.AtLeast(model.CommunityModerator) && myRole != model.CommunityOwner {
			return model.Errorf(model.EFORBIDDEN, "only an owner can mute a moderator")
		}
		var until time.Time
		if d > 0 {
			until = s.now().Add(d)
		}
		if err := tx.MuteMember(ctx, c.ID, targetID, until); err != nil {
			return err
		}
		action := "mute"
		if d == 0 {
			action = "unmute"
		}
		return tx.LogModeration(ctx, store.LogEntry{CommunityID: c.ID, ActorID: actor.Account.ID, Action: action,
			TargetAccountID: targetID, Reason: reason, CreatedAt: s.now()})
	}))
}

// RemovePost removes (or restores) a post from a community: hidden from
// everyone but its author and the moderators, and its boost by the
// community withdrawn.
func (s *Service) RemovePost(ctx context.Context, actor *Actor, postID int64, remove bool, reason string) error {
	if err := actor.require(); err != nil {
		return err
	}
	return wrap("remove post", s.db.Tx(ctx, func(tx *store.Tx) error {
		p, err := tx.PostByID(ctx, postID)
		if err != nil {
			return err
		}
		if p.CommunityID == 0 {
			if !actor.Is(model.RoleModerator) {
				return model.Errorf(model.EFORBIDDEN, "this post is in no community you moderate")
			}
		} else {
			c, err := tx.CommunityByID(ctx, p.CommunityID)
			if err != nil {
				return err
			}
			if _, err := s.can(ctx, tx.Q, actor, c, model.ActModerate); err != nil {
				return err
			}
			if boost, err := tx.ReblogOf(ctx, c.AccountID, p.ID); err == nil && remove {
				if err := tx.DeletePost(ctx, boost); err != nil {
					return err
				}
			}
		}
		var at time.Time
		action := "restore_post"
		if remove {
			at, action = s.now(), "remove_post"
		}
		if err := tx.SetPostRemoved(ctx, p.ID, at); err != nil {
			return err
		}
		if remove {
			s.publishAfter(tx, Event{Kind: EventDelete, PostID: p.ID, AuthorID: p.AccountID, ThreadID: p.ThreadID})
		}
		return tx.LogModeration(ctx, store.LogEntry{CommunityID: p.CommunityID, ActorID: actor.Account.ID, Action: action,
			TargetAccountID: p.AccountID, PostID: p.ID, Reason: reason, CreatedAt: s.now()})
	}))
}

// PinCommunityPost pins (or unpins) a post on a community's timeline.
func (s *Service) PinCommunityPost(ctx context.Context, actor *Actor, communityID, postID int64, pin bool) error {
	if err := actor.require(); err != nil {
		return err
	}
	return wrap("pin community post", s.db.Tx(ctx, func(tx *store.Tx) error {
		c, err := tx.CommunityByID(ctx, communityID)
		if err != nil {
			return err
		}
		if _, err := s.can(ctx, tx.Q, actor, c, model.ActPinPosts); err != nil {
			return err
		}
		p, err := tx.PostByID(ctx, postID)
		if err != nil {
			return err
		}
		if p.CommunityID != c.ID {
			return model.Errorf(model.EUNPROCESS, "this post is not in the community")
		}
		if !pin {
			return tx.DeletePin(ctx, c.AccountID, p.ID)
		}
		n, err := tx.CountPins(ctx, c.AccountID)
		if err != nil {
			return err
		}
		if n >= MaxPins {
			return model.Errorf(model.EUNPROCESS, "a community can pin at most %d posts", MaxPins)
		}
		return tx.InsertPin(ctx, c.AccountID, p.ID, s.now())
	}))
}

// CommunityTimeline lists a community's threads (root posts), newest
// first, and its pinned posts (first page only).
func (s *Service) CommunityTimeline(ctx context.Context, viewer *Actor, communityID int64, p Page) (pinned, posts []*PostView, err error) {
	q := s.db.Read()
	c, err := q.CommunityByID(ctx, communityID)
	if err != nil {
		return nil, nil, err
	}
	role, err := s.can(ctx, q, viewer, c, model.ActView)
	if err != nil {
		return nil, nil, err
	}
	staff := role.AtLeast(model.CommunityModerator) || viewer.Is(model.RoleModerator)
	ids, err := q.CommunityPostIDs(ctx, c.ID, true, staff, p)
	if err != nil {
		return nil, nil, err
	}
	if posts, err = s.Views(ctx, viewer, ids, true); err != nil {
		return nil, nil, err
	}
	if p.MaxID == 0 && p.MinID == 0 && p.SinceID == 0 {
		pins, err := q.PinnedIDs(ctx, c.AccountID)
		if err != nil {
			return nil, nil, err
		}
		if pinned, err = s.Views(ctx, viewer, pins, false); err != nil {
			return nil, nil, err
		}
	}
	return pinned, posts, nil
}

// Members lists a community's members (all, or one role).
func (s *Service) Members(ctx context.Context, viewer *Actor, communityID int64, role string, p Page) ([]store.MemberRow, error) {
	q := s.db.Read()
	c, err := q.CommunityByID(ctx, communityID)
	if err != nil {
		return nil, err
	}
	if _, err := s.can(ctx, q, viewer, c, model.ActSeeMembers); err != nil {
		return nil, err
	}
	var r model.CommunityRole
	if role != "" {
		if r, err = model.ParseCommunityRole(role); err != nil {
			return nil, err
		}
	}
	return q.Members(ctx, c.ID, r, p)
}

// ModerationLog shows moderators what was done.
func (s *Service) ModerationLog(ctx context.Context, actor *Actor, communityID int64, p Page) ([]store.LogEntry, error) {
	q := s.db.Read()
	c, err := q.CommunityByID(ctx, communityID)
	if err != nil {
		return nil, err
	}
	if _, err := s.can(ctx, q, actor, c, model.ActModerate); err != nil {
		return nil, err
	}
	return q.ModerationLog(ctx, c.ID, p)
}

// ReportInput is a report to moderators.
type ReportInput struct {
	AccountID   int64 // the reported account
	PostID      int64 // optional
	CommunityID int64 // to the community's moderators; 0: the server's
	Category    string
	Comment     string
}

// Report files a report about an account or a post.
func (s *Service) Report(ctx context.Context, actor *Actor, in ReportInput) (*store.Report, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	switch in.Category {
	case "":
		in.Category = "other"
	case "spam", "violation", "other", "legal":
	default:
		return nil, model.Errorf(model.EUNPROCESS, "unknown report category %q (want spam, violation, legal or other)", in.Category)
	}
	if utf8.RuneCountInString(in.Comment) > 1000 {
		return nil, model.Errorf(model.EUNPROCESS, "the comment is longer than 1000 characters")
	}
	r := &store.Report{ReporterID: actor.Account.ID, TargetAccountID: in.AccountID, PostID: in.PostID,
		CommunityID: in.CommunityID, Category: in.Category, Comment: strings.TrimSpace(in.Comment), CreatedAt: s.now()}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if in.PostID != 0 {
			p, _, err := s.visibleIn(ctx, tx.Q, actor, in.PostID)
			if err != nil {
				return err
			}
			r.TargetAccountID = p.AccountID
			if r.CommunityID == 0 {
				r.CommunityID = p.CommunityID
			}
		}
		if _, err := tx.AccountByID(ctx, r.TargetAccountID); err != nil {
			return err
		}
		if r.CommunityID != 0 {
			if _, err := tx.CommunityByID(ctx, r.CommunityID); err != nil {
				return err
			}
		}
		if err := tx.InsertReport(ctx, r); err != nil {
			return err
		}
		return s.reported(ctx, tx, r)
	})
	return r, wrap("report", err)
}

// Reports lists a community's reports (its moderators), or the server's
// (server moderators, communityID 0).
func (s *Service) Reports(ctx context.Context, actor *Actor, communityID int64, status string) ([]*store.Report, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	q := s.db.Read()
	if communityID == 0 {
		if !actor.Is(model.RoleModerator) {
			return nil, model.Errorf(model.EFORBIDDEN, "this needs the %s role", model.RoleModerator)
		}
	} else {
		c, err := q.CommunityByID(ctx, communityID)
		if err != nil {
			return nil, err
		}
		if _, err := s.can(ctx, q, actor, c, model.ActModerate); err != nil {
			return nil, err
		}
	}
	return q.Reports(ctx, communityID, status, 200)
}

// ResolveReport closes a report: resolved (action was taken) or dismissed.
func (s *Service) ResolveReport(ctx context.Context, actor *Actor, reportID int64, status string) error {
	if err := actor.require(); err != nil {
		return err
	}
	if status != "resolved" && status != "dismissed" {
		return model.Errorf(model.EUNPROCESS, "a report is closed as resolved or dismissed")
	}
	return wrap("resolve report", s.db.Tx(ctx, func(tx *store.Tx) error {
		r, err := tx.ReportByID(ctx, reportID)
		if err != nil {
			return err
		}
		if r.CommunityID == 0 {
			if !actor.Is(model.RoleModerator) {
				return model.Errorf(model.ENOTFOUND, "report not found")
			}
		} else {
			c, err := tx.CommunityByID(ctx, r.CommunityID)
			if err != nil {
				return err
			}
			if _, err := s.can(ctx, tx.Q, actor, c, model.ActModerate); err != nil {
				return err
			}
		}
		if err := tx.ResolveReport(ctx, r.ID, status, actor.Account.ID, s.now()); err != nil {
			return err
		}
		return tx.LogModeration(ctx, store.LogEntry{CommunityID: r.CommunityID, ActorID: actor.Account.ID,
			Action: "report_" + status, TargetAccountID: r.TargetAccountID, PostID: r.PostID, CreatedAt: s.now()})
	}))
}
