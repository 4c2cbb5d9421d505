package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"parvis/internal/server/servertest"
)

// TestNetworkingBadInputOnTheWeb: the refusals of the networking issue,
// through the forms: a clear message and nothing half-written.
func TestNetworkingBadInputOnTheWeb(t *testing.T) {
	s := newSite(t)
	owner, mod, member, stranger := s.person("owner"), s.person("mod"), s.person("member"), s.person("stranger")
	mustPost(t, owner, "/communities/new", "/communities", url.Values{"name": {"velo"}, "display_name": {"Vélo"},
		"membership": {"open"}})
	for _, b := range []string{"mod", "member"} {
		mustPost(t, map[string]*servertest.Browser{"mod": mod, "member": member}[b], "/c/velo", "/c/velo/join", nil)
	}
	members := "/c/velo/members"
	modID, memberID, ownerID, strangerID := s.accountID("mod"), s.accountID("member"), s.accountID("owner"), s.accountID("stranger")
	mustPost(t, owner, members, members+"/"+modID+"/role", url.Values{"role": {"moderator"}})

	refused := func(what string, r servertest.Response, status int, msg string) {
		t.Helper()
		if r.Status != status || !strings.Contains(r.Body, msg) {
			t.Errorf("%s: got %d, want %d with %q", what, r.Status, status, msg)
		}
	}
	refused("joining twice", member.Post("/c/velo", "/c/velo/join", nil), http.StatusConflict,
		"you are already a member of this community")
	refused("leaving as the last owner", owner.Post("/c/velo", "/c/velo/leave", nil), http.StatusConflict,
		"you are the last owner of this community")
	refused("a member banning a moderator", member.Post(members, members+"/"+modID+"/ban", url.Values{"reason": {"no"}}),
		http.StatusForbidden, "you may not moderate in this community")
	refused("a moderator banning the owner", mod.Post(members, members+"/"+ownerID+"/ban", url.Values{"reason": {"coup"}}),
		http.StatusForbidden, "an owner can&#39;t be banned")
	mustPost(t, owner, "/@member", "/connections/"+memberID+"/request", nil)
	mustPost(t, member, "/connections", "/connections/"+ownerID+"/accept", nil)
	refused("introducing someone who is not a connection", owner.Post("/introductions", "/introductions",
		url.Values{"a": {memberID}, "b": {strangerID}, "note": {"you both ride"}}), http.StatusUnprocessableEntity,
		"you can only introduce people you are connected with")

	// Nothing was half-written.
	page := owner.Get(members).Body
	for _, who := range []string{"owner", "mod", "member"} {
		if !strings.Contains(page, `href="/@`+who+`"`) {
			t.Errorf("%s is no longer a member after the refused actions", who)
		}
	}
	if body := owner.Get("/c/velo").Body; !strings.Contains(body, "Leave") {
		t.Errorf("the owner is no longer a member after refusing to let them leave")
	}
	for name, b := range map[string]*servertest.Browser{"member": member, "stranger": stranger} {
		if body := b.Get("/introductions").Body; strings.Contains(body, "you both ride") {
			t.Errorf("%s sees the refused introduction", name)
		}
	}

	// Replying in a community one was banned from.
	mustPost(t, owner, "/c/velo", "/compose", url.Values{"text": {"Sortie dimanche ?"}, "community": {s.communityID("velo")},
		"visibility": {"public"}, "next": {"/c/velo"}})
	root := postIDWith(t, owner.Get("/c/velo").Body, "Sortie dimanche")
	mustPost(t, mod, members, members+"/"+memberID+"/ban", url.Values{"reason": {"spam"}})
	thread := "/@owner/" + root
	refused("replying when banned", member.Post(thread, "/compose", url.Values{"text": {"moi aussi"}, "in_reply_to": {root},
		"visibility": {"public"}, "next": {thread}}), http.StatusForbidden, "you are banned from this community")
	if body := owner.Get(thread).Body; strings.Contains(body, "moi aussi") {
		t.Errorf("the refused reply was written")
	}
	if body := owner.Get("/@member").Body; strings.Contains(body, "moi aussi") {
		t.Errorf("the refused reply is on the author's profile")
	}
}
