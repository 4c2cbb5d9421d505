package social_test

import (
	"fmt"
	"strings"
	"testing"

	"parvis/internal/model"
	"parvis/internal/social"
)

// TestCommunityPermissionsAreEnforced runs every action of the permission
// matrix, as each role, in each kind of community, through the use cases
// themselves: the matrix of model.CommunityCan is what the service does,
// not only what it says. Each cell gets a fresh community, so that one
// action cannot change the outcome of the next.
func TestCommunityPermissionsAreEnforced(t *testing.T) {
	w := newWorld(t)
	owner := w.user("owner")
	victim := w.user("victim") // a plain member that actions target
	guest := w.user("guest")   // someone to invite
	actors := map[string]*social.Actor{}
	for _, r := range []string{"outsider", "banned", "member", "moderator", "coowner"} {
		actors[r] = w.user(r)
	}
	// The role each actor holds, as the initials of the table below:
	// n(one) b(anned) m(ember) M(oderator) o(wner).
	roles := []struct {
		name    string
		initial byte
	}{{"outsider", 'n'}, {"banned", 'b'}, {"member", 'm'}, {"moderator", 'M'}, {"coowner", 'o'}}
	kinds := []string{"open", "approval", "private"}
	// want[action][kind] lists who may, by initials; for "join", 'r' marks
	// those whose join becomes a request.
	want := map[string]map[string]string{
		"view":        {"open": "nbmMo", "approval": "nbmMo", "private": "mMo"},
		"see_members": {"open": "nbmMo", "approval": "nbmMo", "private": "mMo"},
		"join":        {"open": "n", "approval": "r", "private": "r"},
		"post":        {"open": "mMo", "approval": "mMo", "private": "mMo"},
		"invite":      {"open": "mMo", "approval": "mMo", "private": "Mo"},
		"ban":         {"open": "Mo", "approval": "Mo", "private": "Mo"},
		"mute":        {"open": "Mo", "approval": "Mo", "private": "Mo"},
		"remove_post": {"open": "Mo", "approval": "Mo", "private": "Mo"},
		"read_log":    {"open": "Mo", "approval": "Mo", "private": "Mo"},
		"pin":         {"open": "Mo", "approval": "Mo", "private": "Mo"},
		"configure":   {"open": "Mo", "approval": "Mo", "private": "Mo"},
		"set_kind":    {"open": "o", "approval": "o", "private": "o"},
		"set_roles":   {"open": "o", "approval": "o", "private": "o"},
		"leave":       {"open": "mMo", "approval": "mMo", "private": "mMo"},
	}
	otherKind := map[string]string{"open": "approval", "approval": "private", "private": "open"}

	enrol := func(c *model.Community, a *social.Actor) {
		t.Helper()
		res, err := w.svc.Join(w.ctx, a, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Requested {
			if err := w.svc.DecideJoin(w.ctx, owner, c.ID, a.Account.ID, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	n := 0
	for action, byKind := range want {
		for _, kind := range kinds {
			for _, role := range roles {
				n++
				c, err := w.svc.CreateCommunity(w.ctx, owner, social.CommunityInput{Name: fmt.Sprintf("c%d", n), Membership: kind})
				if err != nil {
					t.Fatal(err)
				}
				enrol(c, victim)
				target := w.post(victim, social.PostInput{Text: "a post to act on", CommunityID: c.ID})
				a := actors[role.name]
				switch role.initial {
				case 'b':
					enrol(c, a)
					if err := w.svc.Ban(w.ctx, owner, c.ID, a.Account.ID, "test"); err != nil {
						t.Fatal(err)
					}
				case 'm', 'M', 'o':
					enrol(c, a)
					r := map[byte]string{'m': "member", 'M': "moderator", 'o': "owner"}[role.initial]
					if err := w.svc.SetCommunityRole(w.ctx, owner, c.ID, a.Account.ID, r); err != nil {
						t.Fatal(err)
					}
				}

				var got string // "yes", "request" or the error
				var err2 error
				switch action {
				case "view":
					_, _, err2 = w.svc.CommunityTimeline(w.ctx, a, c.ID, social.Page{Limit: 5})
				case "see_members":
					_, err2 = w.svc.Members(w.ctx, a, c.ID, "", social.Page{Limit: 5})
				case "join":
					var res social.JoinResult
					res, err2 = w.svc.Join(w.ctx, a, c.ID)
					if res.Requested {
						got = "request"
					}
				case "post":
					_, err2 = w.svc.Publish(w.ctx, a, social.PostInput{Text: "hello", CommunityID: c.ID})
				case "invite":
					err2 = w.svc.Invite(w.ctx, a, c.ID, guest.Account.ID)
				case "ban":
					err2 = w.svc.Ban(w.ctx, a, c.ID, victim.Account.ID, "test")
				case "mute":
					err2 = w.svc.MuteMember(w.ctx, a, c.ID, victim.Account.ID, 3600e9, "test")
				case "remove_post":
					err2 = w.svc.RemovePost(w.ctx, a, target.ID, true, "test")
				case "read_log":
					_, err2 = w.svc.ModerationLog(w.ctx, a, c.ID, social.Page{Limit: 5})
				case "pin":
					err2 = w.svc.PinCommunityPost(w.ctx, a, c.ID, target.ID, true)
				case "configure":
					_, err2 = w.svc.ConfigureCommunity(w.ctx, a, c.ID, social.CommunityInput{Description: "new words"})
				case "set_kind":
					_, err2 = w.svc.ConfigureCommunity(w.ctx, a, c.ID, social.CommunityInput{Membership: otherKind[kind]})
				case "set_roles":
					err2 = w.svc.SetCommunityRole(w.ctx, a, c.ID, victim.Account.ID, "moderator")
				case "leave":
					err2 = w.svc.Leave(w.ctx, a, c.ID)
				}
				if got == "" {
					got = "yes"
				}
				if err2 != nil {
					if code := model.ErrorCode(err2); code == model.EINTERNAL || code == model.EUNAUTHORIZED {
						t.Fatalf("%s %s in a %s community: %v", role.name, action, kind, err2)
					}
					got = model.ErrorCode(err2)
				}
				wantGot := "no"
				switch {
				case strings.IndexByte(byKind[kind], role.initial) >= 0:
					wantGot = "yes"
				case action == "join" && role.initial == 'n' && byKind[kind] == "r":
					wantGot = "request"
				}
				if (wantGot == "no") != (got != "yes" && got != "request") || (wantGot != "no" && got != wantGot) {
					t.Errorf("%s may %s in a %s community: got %s, want %s", role.name, action, kind, got, wantGot)
				}
			}
		}
	}
}
