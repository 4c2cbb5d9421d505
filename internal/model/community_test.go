package model

import "testing"

// The permission matrix, spelled out: roles x actions x kinds of community.
func TestCommunityPermissionMatrix(t *testing.T) {
	roles := []CommunityRole{CommunityNone, CommunityBanned, CommunityMember, CommunityModerator, CommunityOwner}
	kinds := []Membership{MembershipOpen, MembershipApproval, MembershipPrivate}
	// want[action][kind] lists the roles allowed, as a string of initials:
	// n(one) b(anned) m(ember) M(oderator) o(wner).
	want := map[CommunityAction]map[Membership]string{
		ActView:      {MembershipOpen: "nbmMo", MembershipApproval: "nbmMo", MembershipPrivate: "mMo"},
		ActJoin:      {MembershipOpen: "n", MembershipApproval: "", MembershipPrivate: ""},
		ActRequest:   {MembershipOpen: "", MembershipApproval: "n", MembershipPrivate: "n"},
		ActPost:      {MembershipOpen: "mMo", MembershipApproval: "mMo", MembershipPrivate: "mMo"},
		ActInvite:    {MembershipOpen: "mMo", MembershipApproval: "mMo", MembershipPrivate: "Mo"},
		ActModerate:  {MembershipOpen: "Mo", MembershipApproval: "Mo", MembershipPrivate: "Mo"},
		ActSetRoles:  {MembershipOpen: "o", MembershipApproval: "o", MembershipPrivate: "o"},
		ActConfigure: {MembershipOpen: "Mo", MembershipApproval: "Mo", MembershipPrivate: "Mo"},
		ActSetKind:   {MembershipOpen: "o", MembershipApproval: "o", MembershipPrivate: "o"},
		ActLeave:     {MembershipOpen: "mMo", MembershipApproval: "mMo", MembershipPrivate: "mMo"},
	}
	initial := map[CommunityRole]byte{CommunityNone: 'n', CommunityBanned: 'b', CommunityMember: 'm',
		CommunityModerator: 'M', CommunityOwner: 'o'}
	for action, byKind := range want {
		for _, k := range kinds {
			for _, r := range roles {
				allowed := false
				for i := 0; i < len(byKind[k]); i++ {
					if byKind[k][i] == initial[r] {
						allowed = true
					}
				}
				if got := CommunityCan(r, action, k, false); got != allowed {
					t.Errorf("%s may %s in a %s community: got %v, want %v", orNone(r), action, k, got, allowed)
				}
			}
		}
	}
	// Server staff moderate everywhere, but join like anyone else.
	if !CommunityCan(CommunityNone, ActModerate, MembershipPrivate, true) || !CommunityCan(CommunityNone, ActView, MembershipPrivate, true) {
		t.Errorf("server staff cannot moderate or read a private community")
	}
	if CommunityCan(CommunityNone, ActSetRoles, MembershipOpen, true) {
		t.Errorf("server staff can hand out community roles")
	}
	if CommunityCan(CommunityNone, ActJoin, MembershipPrivate, true) {
		t.Errorf("server staff can join a private community without approval")
	}
}

func orNone(r CommunityRole) string {
	if r == CommunityNone {
		return "an outsider"
	}
	return "a " + string(r)
}
