package model

import (
	"strings"
	"time"
)

// Membership says how people join a community and who sees its posts.
type Membership string

// The three kinds of community.
const (
	// MembershipOpen: anyone may join; posts are public.
	MembershipOpen Membership = "open"
	// MembershipApproval: joining needs a moderator's approval; posts are public.
	MembershipApproval Membership = "approval"
	// MembershipPrivate: joining needs approval or an invitation; posts are
	// seen by members only, everywhere.
	MembershipPrivate Membership = "private"
)

// ParseMembership validates a membership kind.
func ParseMembership(s string) (Membership, error) {
	switch m := Membership(strings.ToLower(strings.TrimSpace(s))); m {
	case MembershipOpen, MembershipApproval, MembershipPrivate:
		return m, nil
	}
	return "", Errorf(EUNPROCESS, "unknown membership %q (want open, approval or private)", truncate(s, 20))
}

// CommunityRole is someone's standing in a community. RoleNone is an
// outsider; RoleBanned was banned.
type CommunityRole string

// Community roles, from the least to the most powerful.
const (
	CommunityNone      CommunityRole = ""
	CommunityBanned    CommunityRole = "banned"
	CommunityMember    CommunityRole = "member"
	CommunityModerator CommunityRole = "moderator"
	CommunityOwner     CommunityRole = "owner"
)

func (r CommunityRole) rank() int {
	switch r {
	case CommunityMember:
		return 1
	case CommunityModerator:
		return 2
	case CommunityOwner:
		return 3
	}
	return 0
}

// AtLeast reports whether r includes the powers of min.
func (r CommunityRole) AtLeast(min CommunityRole) bool { return r.rank() >= min.rank() && r.rank() > 0 }

// ParseCommunityRole validates a role that can be given (member, moderator,
// owner).
func ParseCommunityRole(s string) (CommunityRole, error) {
	switch r := CommunityRole(strings.ToLower(strings.TrimSpace(s))); r {
	case CommunityMember, CommunityModerator, CommunityOwner:
		return r, nil
	}
	return "", Errorf(EUNPROCESS, "unknown community role %q (want member, moderator or owner)", truncate(s, 20))
}

// CommunityAction is something one may or may not do in a community.
type CommunityAction string

// The actions of the permission matrix.
const (
	ActView       CommunityAction = "view"        // read its posts and member list
	ActJoin       CommunityAction = "join"        // become a member at once
	ActRequest    CommunityAction = "request"     // ask to join
	ActPost       CommunityAction = "post"        // post or reply in it
	ActInvite     CommunityAction = "invite"      // invite someone
	ActModerate   CommunityAction = "moderate"    // remove posts, mute and ban members, handle reports, read the log
	ActSetRoles   CommunityAction = "set_roles"   // make or unmake moderators
	ActConfigure  CommunityAction = "configure"   // edit description, rules, topics, avatar
	ActSetKind    CommunityAction = "set_kind"    // change open/approval/private, delete
	ActLeave      CommunityAction = "leave"       // stop being a member
	ActPinPosts   CommunityAction = "pin"         // pin posts on the community timeline
	ActSeeMembers CommunityAction = "see_members" // the member directory
)

// CommunityCan is the permission matrix: whether someone with role may do
// action in a community of kind m. staff (server moderators and admins)
// have a moderator's powers everywhere. Muted members are handled apart:
// they keep their role but may not post until the mute ends.
func CommunityCan(role CommunityRole, action CommunityAction, m Membership, staff bool) bool {
	if staff && role.rank() < CommunityModerator.rank() && action != ActJoin && action != ActRequest && action != ActLeave {
		role = CommunityModerator
	}
	member := role.AtLeast(CommunityMember)
	switch action {
	case ActView, ActSeeMembers:
		return m != MembershipPrivate || member
	case ActJoin:
		return role == CommunityNone && m == MembershipOpen
	case ActRequest:
		return role == CommunityNone && m != MembershipOpen
	case ActPost:
		return member
	case ActInvite:
		if m == MembershipPrivate {
			return role.AtLeast(CommunityModerator)
		}
		return member
	case ActModerate, ActConfigure, ActPinPosts:
		return role.AtLeast(CommunityModerator)
	case ActSetRoles, ActSetKind:
		return role.AtLeast(CommunityOwner)
	case ActLeave:
		return member
	}
	return false
}

// Community is an interest group. Its AccountID is its group account in
// the Mastodon API.
type Community struct {
	ID           int64
	AccountID    int64
	Membership   Membership
	Topics       []string
	Rules        []string
	Description  string
	CreatedBy    int64
	MembersCount int64
	CreatedAt    time.Time
	Account      *Account // the group account (name, avatar, bio)
}

// Member is someone's membership.
type Member struct {
	CommunityID int64
	AccountID   int64
	Role        CommunityRole
	MutedUntil  time.Time
	CreatedAt   time.Time
}

// Muted reports whether the member may not post at t.
func (m *Member) Muted(t time.Time) bool { return !m.MutedUntil.IsZero() && t.Before(m.MutedUntil) }

// Limits on communities.
const (
	MaxCommunityRules     = 20
	MaxCommunityRuleChars = 500
	MaxCommunityTopics    = 10
)
