package web

import (
	"net/http"
	"strconv"
	"strings"

	"parvis/internal/model"
	"parvis/internal/social"
)

// communityPath is a community's page.
func communityPath(c *model.Community) string { return "/c/" + c.Account.Username }

// memberships are the kinds of community, from the most open.
var memberships = []string{string(model.MembershipOpen), string(model.MembershipApproval), string(model.MembershipPrivate)}

// membershipKeys name the kinds of community.
var membershipKeys = map[model.Membership]string{
	model.MembershipOpen:     "community.kind_open",
	model.MembershipApproval: "community.kind_approval",
	model.MembershipPrivate:  "community.kind_private",
}

// communitiesPage is the data of the communities directory.
type communitiesPage struct {
	Communities []*model.Community
	Tabs        []tab
	Mine        bool
	Pager       pager
}

// communitiesPerPage is how many communities the directory lists at once.
const communitiesPerPage = 30

// communities lists the communities, biggest first, or (with ?mine=1) the
// viewer's.
func (h *Handler) communities(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "communities.title")
	mine := r.URL.Query().Get("mine") != "" && p.LoggedIn()
	// A malformed or absurd page number shows the first or an empty page.
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	n = min(max(n, 1), 100000)
	cs, err := h.svc.Communities(r.Context(), p.Actor, mine, communitiesPerPage+1, (n-1)*communitiesPerPage)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	cp := communitiesPage{Mine: mine, Tabs: []tab{{Label: p.T("communities.all"), Href: "/communities", Current: !mine}}}
	if p.LoggedIn() {
		cp.Tabs = append(cp.Tabs, tab{Label: p.T("communities.mine"), Href: "/communities?mine=1", Current: mine})
	}
	link := func(page int) string {
		q := "?page=" + strconv.Itoa(page)
		if mine {
			q += "&mine=1"
		}
		return "/communities" + q
	}
	if len(cs) > communitiesPerPage {
		cs = cs[:communitiesPerPage]
		cp.Pager.Older = link(n + 1)
	}
	if n > 1 {
		cp.Pager.Newer = link(n - 1)
	}
	cp.Communities = cs
	p.Data = cp
	h.render(w, r, http.StatusOK, "communities", p)
}

// communityForm is the state of the form that creates or configures a
// community.
type communityForm struct {
	P                                                         *Page
	Action                                                    string
	Creating                                                  bool
	Name, DisplayName, Description, Topics, Rules, Membership string
	Memberships                                               []choice
	// Owner may change the kind of membership (always when creating).
	Owner bool
}

func newCommunityForm(p *Page) *communityForm {
	return &communityForm{P: p, Action: "/communities", Creating: true, Membership: string(model.MembershipOpen),
		Memberships: membershipChoices(p), Owner: true}
}

// membershipChoices are the kinds of community, in the page's language.
func membershipChoices(p *Page) []choice {
	out := make([]choice, 0, len(memberships))
	for _, m := range memberships {
		out = append(out, choice{m, p.T(membershipKeys[model.Membership(m)])})
	}
	return out
}

// read fills the form from a submission.
func (f *communityForm) read(r *http.Request) {
	f.Name, f.DisplayName = r.PostFormValue("name"), r.PostFormValue("display_name")
	f.Description, f.Topics, f.Rules = r.PostFormValue("description"), r.PostFormValue("topics"), r.PostFormValue("rules")
	if m := r.PostFormValue("membership"); m != "" {
		f.Membership = m
	}
}

// input turns the form into the use case's input: topics are separated by
// commas, rules are one per line.
func (f *communityForm) input() social.CommunityInput {
	in := social.CommunityInput{Name: f.Name, DisplayName: f.DisplayName, Description: f.Description, Membership: f.Membership}
	for _, t := range strings.Split(f.Topics, ",") {
		if t = strings.TrimSpace(t); t != "" {
			in.Topics = append(in.Topics, t)
		}
	}
	for _, rule := range strings.Split(strings.ReplaceAll(f.Rules, "\r\n", "\n"), "\n") {
		if rule = strings.TrimSpace(rule); rule != "" {
			in.Rules = append(in.Rules, rule)
		}
	}
	return in
}

// newCommunity shows the form that creates a community.
func (h *Handler) newCommunity(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "communities.new")
	p.Data = newCommunityForm(p)
	h.render(w, r, http.StatusOK, "community_new", p)
}

// createCommunity creates a community owned by the viewer and opens its
// page.
func (h *Handler) createCommunity(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "communities.new")
	f := newCommunityForm(p)
	f.read(r)
	p.Data = f
	c, err := h.svc.CreateCommunity(r.Context(), p.Actor, f.input())
	if err != nil {
		h.formError(w, r, "community_new", p, err)
		return
	}
	h.redirectFlash(w, r, communityPath(c), "flash.community_created")
}

// communityPage is the data of a community's pages: its header, the
// viewer's standing, and the part shown (timeline, members, moderation,
// settings).
type communityPage struct {
	C        *model.Community
	Path     string
	Standing social.Standing
	// CanView: the viewer sees the posts and the members (everyone, but
	// for a private community's outsiders). Moderates: the viewer may
	// moderate (a moderator, an owner, or server staff).
	CanView, Moderates, Owner bool
	// Kind names the kind of membership; RoleLabel the viewer's role.
	Kind, RoleLabel string
	Tabs            []tab
	Pinned, Posts   []*postItem
	Pager           pager
	Compose         *composeForm
	Empty           string
}

// community loads the community of a /c/{name} page and the viewer's
// standing in it, and starts its page.
func (h *Handler) community(w http.ResponseWriter, r *http.Request, titleKey, current string) (*Page, *communityPage, bool) {
	ctx := r.Context()
	c, role, err := h.svc.CommunityByName(ctx, reqCtx(r).actor, r.PathValue("name"))
	if err != nil {
		h.fail(w, r, err)
		return nil, nil, false
	}
	p := h.page(r, "")
	st, err := h.svc.CommunityStanding(ctx, p.Actor, c)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil, false
	}
	staff := p.IsStaff()
	cp := &communityPage{C: c, Path: communityPath(c), Standing: st,
		CanView:   model.CommunityCan(role, model.ActView, c.Membership, staff),
		Moderates: model.CommunityCan(role, model.ActModerate, c.Membership, staff),
		Owner:     role == model.CommunityOwner}
	cp.Kind = p.T(membershipKeys[c.Membership])
	if key, ok := roleKeys[st.Role]; ok {
		cp.RoleLabel = p.T(key)
	}
	p.Title = c.Account.Name()
	if titleKey != "" {
		p.Title = p.T(titleKey, c.Account.Name())
	}
	if cp.CanView {
		cp.Tabs = []tab{{Label: p.T("community.tab_posts"), Href: cp.Path, Current: current == ""},
			{Label: p.T("community.tab_members"), Href: cp.Path + "/members", Current: current == "members"}}
	}
	if cp.Moderates {
		cp.Tabs = append(cp.Tabs,
			tab{Label: p.T("community.tab_moderation"), Href: cp.Path + "/moderation", Current: current == "moderation"},
			tab{Label: p.T("community.tab_log"), Href: cp.Path + "/moderation/log", Current: current == "log"},
			tab{Label: p.T("community.tab_settings"), Href: cp.Path + "/settings", Current: current == "settings"})
	}
	return p, cp, true
}

// communityHome is a community's page: who it is for, its rules, the join
// button, a form to post in it, its pinned posts and its threads.
func (h *Handler) communityHome(w http.ResponseWriter, r *http.Request) {
	p, cp, ok := h.community(w, r, "", "")
	if !ok {
		return
	}
	if cp.CanView {
		ctx := r.Context()
		req := pageParams(r, pageSize)
		pinned, posts, err := h.svc.CommunityTimeline(ctx, p.Actor, cp.C.ID, req)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		next := r.URL.RequestURI()
		cp.Pinned = h.items(ctx, p, pinned, next)
		cp.Posts = h.items(ctx, p, posts, next)
		cp.Pager = viewsPager(r, req, posts)
		cp.Empty = p.T("community.empty")
		if cp.Standing.Role.AtLeast(model.CommunityMember) && cp.Standing.MutedUntil.IsZero() {
			f := h.newCompose(p, cp.Path)
			f.Community = model.FormatID(cp.C.ID)
			f.Legend = p.T("community.compose", cp.C.Account.Name())
			cp.Compose = f
		}
	}
	p.Data = cp
	h.render(w, r, http.StatusOK, "community", p)
}

// membersPage is the data of a community's member directory.
type membersPage struct {
	*communityPage
	Members     []memberItem
	Roles       []tab
	RoleChoices []choice
	Durations   []choice
}

// memberItem is a member in the directory, with what the viewer may do to
// them.
type memberItem struct {
	Account               *model.Account
	Role                  model.CommunityRole
	RoleLabel             string
	MutedUntil            string
	CanManage, CanSetRole bool
	Self                  bool
}

// roleKeys name the community roles.
var roleKeys = map[model.CommunityRole]string{
	model.CommunityMember:    "community.role_member",
	model.CommunityModerator: "community.role_moderator",
	model.CommunityOwner:     "community.role_owner",
	model.CommunityBanned:    "community.role_banned",
}

// roleChoices are the roles an owner gives, in the page's language.
func roleChoices(p *Page) []choice {
	return []choice{{string(model.CommunityMember), p.T("community.role_member")},
		{string(model.CommunityModerator), p.T("community.role_moderator")},
		{string(model.CommunityOwner), p.T("community.role_owner")}}
}

// communityMembers lists a community's members with their roles; for
// moderators, each member comes with the moderation forms.
func (h *Handler) communityMembers(w http.ResponseWriter, r *http.Request) {
	p, cp, ok := h.community(w, r, "community.members_of", "members")
	if !ok {
		return
	}
	h.renderMembers(w, r, p, cp, http.StatusOK)
}

func (h *Handler) renderMembers(w http.ResponseWriter, r *http.Request, p *Page, cp *communityPage, status int) {
	ctx := r.Context()
	role := r.URL.Query().Get("role")
	req := pageParams(r, pageSize*2)
	rows, err := h.svc.Members(ctx, p.Actor, cp.C.ID, role, req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	mp := membersPage{communityPage: cp, RoleChoices: roleChoices(p), Durations: muteDurations(p)}
	for _, t := range []struct{ role, key string }{{"", "community.all_members"},
		{string(model.CommunityOwner), "community.owners"}, {string(model.CommunityModerator), "community.moderators"}} {
		href := cp.Path + "/members"
		if t.role != "" {
			href += "?role=" + t.role
		}
		mp.Roles = append(mp.Roles, tab{Label: p.T(t.key), Href: href, Current: t.role == role})
	}
	cursors := make([]int64, 0, len(rows))
	now := h.svc.DB().Now()
	for _, m := range rows {
		cursors = append(cursors, m.Cursor)
		it := memberItem{Account: m.Account, Role: m.Member.Role, RoleLabel: p.T(roleKeys[m.Member.Role]),
			Self: p.LoggedIn() && p.Actor.Account.ID == m.Account.ID}
		if m.Member.Muted(now) {
			it.MutedUntil = m.Member.MutedUntil.Format("2006-01-02 15:04")
		}
		// Moderators manage members; owners (only) manage moderators and
		// give roles. Nobody bans an owner, or themselves.
		it.CanManage = cp.Moderates && !it.Self && m.Member.Role != model.CommunityOwner &&
			(cp.Owner || m.Member.Role == model.CommunityMember)
		it.CanSetRole = cp.Owner && !it.Self
		mp.Members = append(mp.Members, it)
	}
	cp.Pager = cursorsPager(r, req, cursors)
	p.Data = mp
	h.render(w, r, status, "community_members", p)
}

// joinOrLeave joins the community (or asks to), or leaves it (or takes
// the request back).
func (h *Handler) joinOrLeave(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), reqCtx(r).actor
	c, role, err := h.svc.CommunityByName(ctx, actor, r.PathValue("name"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var flash string
	switch r.PathValue("action") {
	case "join":
		var res social.JoinResult
		if res, err = h.svc.Join(ctx, actor, c.ID); err == nil {
			flash = "flash.joined"
			if res.Requested {
				flash = "flash.join_requested"
			}
		}
	case "leave":
		err = h.svc.Leave(ctx, actor, c.ID)
		flash = "flash.left"
		if role == model.CommunityNone {
			flash = "flash.request_withdrawn"
		}
	default:
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirectFlash(w, r, communityPath(c), flash)
}
