package api

import (
	"context"
	"net/http"
	"time"

	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// Community is a community as Parvis's API shows it. AccountID is its
// group account in the Mastodon API: following that account joins the
// community.
type Community struct {
	ID           string   `json:"id"`
	AccountID    string   `json:"account_id"`
	Name         string   `json:"name"`
	DisplayName  string   `json:"display_name"`
	Description  string   `json:"description"`
	Membership   string   `json:"membership"`
	Topics       []string `json:"topics"`
	Rules        []string `json:"rules"`
	MembersCount int64    `json:"members_count"`
	CreatedAt    string   `json:"created_at"`
	URL          string   `json:"url"`
	Account      Account  `json:"account"`
	// The caller's standing: their role (null when none), whether they
	// asked to join or were invited, until when they are muted.
	Role       *string `json:"role"`
	Requested  bool    `json:"requested"`
	Invited    bool    `json:"invited"`
	MutedUntil *string `json:"muted_until"`
}

// Member is a community's member.
type Member struct {
	Account    Account `json:"account"`
	Role       string  `json:"role"`
	JoinedAt   string  `json:"joined_at"`
	MutedUntil *string `json:"muted_until"`
}

// Ban is a community's ban.
type Ban struct {
	Account   Account  `json:"account"`
	BannedBy  *Account `json:"banned_by"`
	Reason    string   `json:"reason"`
	CreatedAt string   `json:"created_at"`
}

// LogEntry is a line of a community's moderation log.
type LogEntry struct {
	ID            string   `json:"id"`
	Action        string   `json:"action"`
	Actor         *Account `json:"actor"`
	TargetAccount *Account `json:"target_account"`
	StatusID      *string  `json:"status_id"`
	Reason        string   `json:"reason"`
	CreatedAt     string   `json:"created_at"`
}

// ParvisReport is a report to a community's or the server's moderators.
type ParvisReport struct {
	ID            string   `json:"id"`
	CommunityID   *string  `json:"community_id"`
	StatusID      *string  `json:"status_id"`
	TargetAccount *Account `json:"target_account"`
	Category      string   `json:"category"`
	Comment       string   `json:"comment"`
	Status        string   `json:"status"` // open, resolved, dismissed
	CreatedAt     string   `json:"created_at"`
	ResolvedAt    *string  `json:"resolved_at"`
}

// empty is the body of an action that has nothing to show.
type empty struct{}

// community shapes a community with the caller's standing in it.
func (h *Handler) community(ctx context.Context, a *social.Actor, c *model.Community) (Community, error) {
	out := Community{ID: model.FormatID(c.ID), AccountID: model.FormatID(c.AccountID), Membership: string(c.Membership),
		Description: c.Description, Topics: c.Topics, Rules: c.Rules, MembersCount: c.MembersCount,
		CreatedAt: isoTime(c.CreatedAt)}
	if out.Topics == nil {
		out.Topics = []string{}
	}
	if out.Rules == nil {
		out.Rules = []string{}
	}
	if c.Account != nil {
		out.Name, out.DisplayName = c.Account.Username, c.Account.DisplayName
		out.URL = h.svc.BaseURL() + "/c/" + c.Account.Username
		out.Account = h.account(c.Account)
	}
	st, err := h.svc.CommunityStanding(ctx, a, c)
	if err != nil {
		return out, err
	}
	if st.Role != model.CommunityNone {
		out.Role = ptr(string(st.Role))
	}
	out.Requested, out.Invited = st.Requested, st.Invited
	out.MutedUntil = optTime(st.MutedUntil)
	return out, nil
}

// pvCommunityOf loads the community of the path's {id} that the caller may
// see, or answers the error.
func (h *Handler) pvCommunityOf(w http.ResponseWriter, r *http.Request) (*model.Community, bool) {
	ids, ok := h.pvIDs(w, r, "id")
	if !ok {
		return nil, false
	}
	c, _, err := h.svc.Community(r.Context(), actor(r), ids[0])
	if err != nil {
		h.pvFail(w, r, err)
		return nil, false
	}
	return c, true
}

// pvWriteCommunity answers a community, reloaded so that its counts and
// the caller's standing are current.
func (h *Handler) pvWriteCommunity(w http.ResponseWriter, r *http.Request, status int, id int64) {
	c, _, err := h.svc.Community(r.Context(), actor(r), id)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	out, err := h.community(r.Context(), actor(r), c)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	writeJSON(w, status, out)
}

// pvCommunities lists communities, biggest first (?mine=true: the caller's).
func (h *Handler) pvCommunities(w http.ResponseWriter, r *http.Request) {
	f, ok := h.pvParse(w, r)
	if !ok {
		return
	}
	mine, err := f.flag("mine", false)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	limit, err := f.integer("limit", 40)
	if err == nil {
		limit = max(1, min(limit, 80))
	}
	offset, err2 := f.integer("offset", 0)
	if err == nil {
		err = err2
	}
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	cs, err := h.svc.Communities(r.Context(), actor(r), mine, limit, offset)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	out := make([]Community, 0, len(cs))
	for _, c := range cs {
		x, err := h.community(r.Context(), actor(r), c)
		if err != nil {
			h.pvFail(w, r, err)
			return
		}
		out = append(out, x)
	}
	reply(w, out)
}

// communityInput reads a community's fields from the request, on top of
// base (the current settings when configuring).
func communityInput(f *form, base social.CommunityInput) social.CommunityInput {
	in := base
	for key, dst := range map[string]*string{"name": &in.Name, "display_name": &in.DisplayName,
		"description": &in.Description, "membership": &in.Membership} {
		if v := f.optStr(key); v != nil {
			*dst = *v
		}
	}
	if f.has("topics") {
		in.Topics = f.list("topics")
	}
	if f.has("rules") {
		in.Rules = f.list("rules")
	}
	return in
}

// pvCreateCommunity creates a community owned by the caller (201).
func (h *Handler) pvCreateCommunity(w http.ResponseWriter, r *http.Request) {
	f, ok := h.pvParse(w, r)
	if !ok {
		return
	}
	in := communityInput(f, social.CommunityInput{})
	if in.Name == "" {
		h.pvFail(w, r, model.Errorf(model.EUNPROCESS, "name is required"))
		return
	}
	c, err := h.svc.CreateCommunity(r.Context(), actor(r), in)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	h.pvWriteCommunity(w, r, http.StatusCreated, c.ID)
}

func (h *Handler) pvCommunity(w http.ResponseWriter, r *http.Request) {
	c, ok := h.pvCommunityOf(w, r)
	if !ok {
		return
	}
	h.pvWriteCommunity(w, r, http.StatusOK, c.ID)
}

// currentInput is a community's settings as an input to change.
func currentInput(c *model.Community) social.CommunityInput {
	in := social.CommunityInput{Description: c.Description, Topics: c.Topics, Rules: c.Rules}
	if c.Account != nil {
		in.DisplayName = c.Account.DisplayName
	}
	return in
}

// pvConfigureCommunity changes the fields given, and only those.
func (h *Handler) pvConfigureCommunity(w http.ResponseWriter, r *http.Request) {
	f, ok := h.pvParse(w, r)
	if !ok {
		return
	}
	c, ok := h.pvCommunityOf(w, r)
	if !ok {
		return
	}
	if f.has("name") {
		h.pvFail(w, r, model.Errorf(model.EUNPROCESS, "a community's name can't be changed"))
		return
	}
	in := communityInput(f, currentInput(c))
	if _, err := h.svc.ConfigureCommunity(r.Context(), actor(r), c.ID, in); err != nil {
		h.pvFail(w, r, err)
		return
	}
	h.pvWriteCommunity(w, r, http.StatusOK, c.ID)
}

// rulesOf is a community's rules, [] when it has none.
func rulesOf(c *model.Community) []string {
	if c.Rules == nil {
		return []string{}
	}
	return c.Rules
}

func (h *Handler) pvCommunityRules(w http.ResponseWriter, r *http.Request) {
	c, ok := h.pvCommunityOf(w, r)
	if !ok {
		return
	}
	reply(w, rulesOf(c))
}

// pvSetCommunityRules replaces the rules (rules[]).
func (h *Handler) pvSetCommunityRules(w http.ResponseWriter, r *http.Request) {
	f, ok := h.pvParse(w, r)
	if !ok {
		return
	}
	c, ok := h.pvCommunityOf(w, r)
	if !ok {
		return
	}
	if !f.has("rules") {
		h.pvFail(w, r, model.Errorf(model.EUNPROCESS, "rules is required (an empty list removes them)"))
		return
	}
	in := currentInput(c)
	in.Rules = f.list("rules")
	c, err := h.svc.ConfigureCommunity(r.Context(), actor(r), c.ID, in)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	reply(w, rulesOf(c))
}

// pvCommunityStatuses is a community's timeline (threads, newest first);
// ?pinned=true gives its pinned posts.
func (h *Handler) pvCommunityStatuses(w http.ResponseWriter, r *http.Request) {
	f, ids, ok := h.pvRequest(w, r, "id")
	if !ok {
		return
	}
	p, err := f.page(statusesLimit, statusesMax)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	pinnedOnly, err := f.flag("pinned", false)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	if pinnedOnly {
		p = social.Page{Limit: p.Limit}
	}
	pinned, posts, err := h.svc.CommunityTimeline(r.Context(), actor(r), ids[0], p)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	if pinnedOnly {
		posts = pinned
	}
	out, err := h.statuses(r.Context(), actor(r), posts)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	if !pinnedOnly {
		cursors := make([]int64, len(posts))
		for i, v := range posts {
			cursors[i] = v.Post.ID
		}
		h.setEdgeLinks(w, r, cursors)
	}
	reply(w, out)
}

// pvMembers is the member directory (?role= one role).
func (h *Handler) pvMembers(w http.ResponseWriter, r *http.Request) {
	f, ids, ok := h.pvRequest(w, r, "id")
	if !ok {
		return
	}
	p, err := f.page(accountsLimit, accountsMax)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	rows, err := h.svc.Members(r.Context(), actor(r), ids[0], f.str("role"), p)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	out := make([]Member, 0, len(rows))
	cursors := make([]int64, 0, len(rows))
	for _, m := range rows {
		out = append(out, Member{Account: h.account(m.Account), Role: string(m.Member.Role),
			JoinedAt: isoTime(m.Member.CreatedAt), MutedUntil: optTime(mutedUntil(m.Member, h.svc.Now()))})
		cursors = append(cursors, m.Cursor)
	}
	h.setAccountLinks(w, r, cursors, p.Limit)
	reply(w, out)
}

func mutedUntil(m model.Member, now time.Time) time.Time {
	if m.Muted(now) {
		return m.MutedUntil
	}
	return time.Time{}
}

// pvSetRole makes a member owner, moderator or member (role).
func (h *Handler) pvSetRole(w http.ResponseWriter, r *http.Request) {
	f, ids, ok := h.pvRequest(w, r, "id", "account_id")
	if !ok {
		return
	}
	role := f.str("role")
	if role == "" {
		h.pvFail(w, r, model.Errorf(model.EUNPROCESS, "role is required (member, moderator or owner)"))
		return
	}
	if err := h.svc.SetCommunityRole(r.Context(), actor(r), ids[0], ids[1], role); err != nil {
		h.pvFail(w, r, err)
		return
	}
	reply(w, struct {
		AccountID string `json:"account_id"`
		Role      string `json:"role"`
	}{model.FormatID(ids[1]), role})
}

// pvJoin joins an open community, or asks to join one that needs approval
// (the answer's "requested" is then true).
func (h *Handler) pvJoin(w http.ResponseWriter, r *http.Request) {
	ids, ok := h.pvIDs(w, r, "id")
	if !ok {
		return
	}
	if _, err := h.svc.Join(r.Context(), actor(r), ids[0]); err != nil {
		h.pvFail(w, r, err)
		return
	}
	h.pvWriteCommunity(w, r, http.StatusOK, ids[0])
}

func (h *Handler) pvLeave(w http.ResponseWriter, r *http.Request) {
	ids, ok := h.pvIDs(w, r, "id")
	if !ok {
		return
	}
	if err := h.svc.Leave(r.Context(), actor(r), ids[0]); err != nil {
		h.pvFail(w, r, err)
		return
	}
	h.pvWriteCommunity(w, r, http.StatusOK, ids[0])
}

// pvInvite invites account_id, who may then join directly.
func (h *Handler) pvInvite(w http.ResponseWriter, r *http.Request) {
	h.pvCommunityAction(w, r, func(ctx context.Context, a *social.Actor, id int64, f *form) error {
		target, err := requiredID(f, "account_id")
		if err != nil {
			return err
		}
		return h.svc.Invite(ctx, a, id, target)
	})
}

// pvCommunityAction runs an action on the path's community and answers {}.
func (h *Handler) pvCommunityAction(w http.ResponseWriter, r *http.Request, do func(context.Context, *social.Actor, int64, *form) error) {
	f, ids, ok := h.pvRequest(w, r, "id")
	if !ok {
		return
	}
	h.pvDone(w, r, do(r.Context(), actor(r), ids[0], f))
}

// pvJoinRequests lists who asked to join (moderators).
func (h *Handler) pvJoinRequests(w http.ResponseWriter, r *http.Request) {
	f, ids, ok := h.pvRequest(w, r, "id")
	if !ok {
		return
	}
	p, err := f.page(accountsLimit, accountsMax)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	pa, err := h.svc.JoinRequests(r.Context(), actor(r), ids[0], p)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	h.writeAccountPage(w, r, pa, p.Limit)
}

// pvDecideJoin approves or rejects a request to join.
func (h *Handler) pvDecideJoin(w http.ResponseWriter, r *http.Request) {
	ids, ok := h.pvIDs(w, r, "id", "account_id")
	if !ok {
		return
	}
	var approve bool
	switch r.PathValue("decision") {
	case "approve":
		approve = true
	case "reject":
	default:
		h.pvNotFound(w, r)
		return
	}
	h.pvDone(w, r, h.svc.DecideJoin(r.Context(), actor(r), ids[0], ids[1], approve))
}

func (h *Handler) pvBans(w http.ResponseWriter, r *http.Request) {
	ids, ok := h.pvIDs(w, r, "id")
	if !ok {
		return
	}
	bans, err := h.svc.CommunityBans(r.Context(), actor(r), ids[0])
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	out := make([]Ban, 0, len(bans))
	for _, b := range bans {
		x := Ban{Account: h.account(b.Account), Reason: b.Reason, CreatedAt: isoTime(b.At)}
		if b.BannedBy != nil {
			x.BannedBy = ptr(h.account(b.BannedBy))
		}
		out = append(out, x)
	}
	reply(w, out)
}

// pvBan bans account_id (reason).
func (h *Handler) pvBan(w http.ResponseWriter, r *http.Request) {
	h.pvCommunityAction(w, r, func(ctx context.Context, a *social.Actor, id int64, f *form) error {
		target, err := requiredID(f, "account_id")
		if err != nil {
			return err
		}
		return h.svc.Ban(ctx, a, id, target, f.str("reason"))
	})
}

func (h *Handler) pvUnban(w http.ResponseWriter, r *http.Request) {
	ids, ok := h.pvIDs(w, r, "id", "account_id")
	if !ok {
		return
	}
	h.pvDone(w, r, h.svc.Unban(r.Context(), actor(r), ids[0], ids[1]))
}

// pvMute keeps account_id from posting for duration seconds (reason).
func (h *Handler) pvMute(w http.ResponseWriter, r *http.Request) {
	h.pvCommunityAction(w, r, func(ctx context.Context, a *social.Actor, id int64, f *form) error {
		target, err := requiredID(f, "account_id")
		if err != nil {
			return err
		}
		secs, err := f.integer("duration", 0)
		if err != nil {
			return err
		}
		if secs == 0 {
			return model.Errorf(model.EUNPROCESS, "duration is required (seconds, at most 365 days)")
		}
		return h.svc.MuteMember(ctx, a, id, target, time.Duration(secs)*time.Second, f.str("reason"))
	})
}

func (h *Handler) pvUnmute(w http.ResponseWriter, r *http.Request) {
	ids, ok := h.pvIDs(w, r, "id", "account_id")
	if !ok {
		return
	}
	h.pvDone(w, r, h.svc.MuteMember(r.Context(), actor(r), ids[0], ids[1], 0, ""))
}

// pvPostAction removes, restores, pins or unpins a community's post.
func (h *Handler) pvPostAction(w http.ResponseWriter, r *http.Request) {
	f, ids, ok := h.pvRequest(w, r, "id", "status_id")
	if !ok {
		return
	}
	ctx, a := r.Context(), actor(r)
	var err error
	switch r.PathValue("action") {
	case "remove", "restore":
		// The post must be the community's: a moderator of one community
		// removes nothing elsewhere through it.
		if err = h.svc.CheckCommunityPost(ctx, a, ids[0], ids[1]); err == nil {
			err = h.svc.RemovePost(ctx, a, ids[1], r.PathValue("action") == "remove", f.str("reason"))
		}
	case "pin", "unpin":
		err = h.svc.PinCommunityPost(ctx, a, ids[0], ids[1], r.PathValue("action") == "pin")
	default:
		h.pvNotFound(w, r)
		return
	}
	h.pvDone(w, r, err)
}

// pvCommunityReports lists a community's reports (?status=open|resolved|dismissed).
func (h *Handler) pvCommunityReports(w http.ResponseWriter, r *http.Request) {
	ids, ok := h.pvIDs(w, r, "id")
	if !ok {
		return
	}
	h.pvReports(w, r, ids[0])
}

// pvServerReports lists the server's own reports (server moderators).
func (h *Handler) pvServerReports(w http.ResponseWriter, r *http.Request) { h.pvReports(w, r, 0) }

func (h *Handler) pvReports(w http.ResponseWriter, r *http.Request, communityID int64) {
	f, ok := h.pvParse(w, r)
	if !ok {
		return
	}
	status := f.str("status")
	switch status {
	case "", "open", "resolved", "dismissed":
	default:
		h.pvFail(w, r, model.Errorf(model.EINVALID, "status must be open, resolved or dismissed"))
		return
	}
	rs, err := h.svc.Reports(r.Context(), actor(r), communityID, status)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	out, err := h.parvisReports(r.Context(), rs)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	reply(w, out)
}

func (h *Handler) parvisReports(ctx context.Context, rs []*store.Report) ([]ParvisReport, error) {
	ids := make([]int64, len(rs))
	for i, rep := range rs {
		ids[i] = rep.TargetAccountID
	}
	accs, err := h.svc.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]ParvisReport, 0, len(rs))
	for _, rep := range rs {
		x := ParvisReport{ID: model.FormatID(rep.ID), CommunityID: optID(rep.CommunityID), StatusID: optID(rep.PostID),
			Category: rep.Category, Comment: rep.Comment, Status: rep.Status, CreatedAt: isoTime(rep.CreatedAt),
			ResolvedAt: optTime(rep.ResolvedAt)}
		if a := accs[rep.TargetAccountID]; a != nil {
			x.TargetAccount = ptr(h.account(a))
		}
		out = append(out, x)
	}
	return out, nil
}

// pvFileReport reports an account or a post (account_id, status_id,
// community_id, category, comment) to a community's moderators (the post's
// community by default) or the server's (201).
func (h *Handler) pvFileReport(w http.ResponseWriter, r *http.Request) {
	f, ok := h.pvParse(w, r)
	if !ok {
		return
	}
	var in social.ReportInput
	var err error
	if in.AccountID, err = f.id("account_id"); err == nil {
		if in.PostID, err = f.id("status_id"); err == nil {
			in.CommunityID, err = f.id("community_id")
		}
	}
	if err == nil && in.AccountID == 0 && in.PostID == 0 {
		err = model.Errorf(model.EUNPROCESS, "account_id or status_id is required")
	}
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	in.Category, in.Comment = f.str("category"), f.str("comment")
	rep, err := h.svc.Report(r.Context(), actor(r), in)
	h.pvWriteReport(w, r, rep, err, http.StatusCreated)
}

// pvWriteReport answers with one report (or with err).
func (h *Handler) pvWriteReport(w http.ResponseWriter, r *http.Request, rep *store.Report, err error, status int) {
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	out, err := h.parvisReports(r.Context(), []*store.Report{rep})
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	writeJSON(w, status, out[0])
}

func (h *Handler) pvReport(w http.ResponseWriter, r *http.Request) {
	ids, ok := h.pvIDs(w, r, "id")
	if !ok {
		return
	}
	rep, err := h.svc.ReportFor(r.Context(), actor(r), ids[0])
	h.pvWriteReport(w, r, rep, err, http.StatusOK)
}

// pvResolveReport closes a report: POST …/reports/{id}/resolve or /dismiss.
func (h *Handler) pvResolveReport(w http.ResponseWriter, r *http.Request) {
	ids, ok := h.pvIDs(w, r, "id")
	if !ok {
		return
	}
	var status string
	switch r.PathValue("status") {
	case "resolve":
		status = "resolved"
	case "dismiss":
		status = "dismissed"
	default:
		h.pvNotFound(w, r)
		return
	}
	if err := h.svc.ResolveReport(r.Context(), actor(r), ids[0], status); err != nil {
		h.pvFail(w, r, err)
		return
	}
	rep, err := h.svc.ReportFor(r.Context(), actor(r), ids[0])
	h.pvWriteReport(w, r, rep, err, http.StatusOK)
}

// pvModerationLog shows a community's moderation log to its moderators.
func (h *Handler) pvModerationLog(w http.ResponseWriter, r *http.Request) {
	f, ids, ok := h.pvRequest(w, r, "id")
	if !ok {
		return
	}
	p, err := f.page(40, 200)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	entries, err := h.svc.ModerationLog(r.Context(), actor(r), ids[0], p)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	var accIDs []int64
	for _, e := range entries {
		accIDs = append(accIDs, e.ActorID, e.TargetAccountID)
	}
	accs, err := h.svc.AccountsByIDs(r.Context(), accIDs)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	out := make([]LogEntry, 0, len(entries))
	cursors := make([]int64, 0, len(entries))
	for _, e := range entries {
		x := LogEntry{ID: model.FormatID(e.ID), Action: e.Action, StatusID: optID(e.PostID), Reason: e.Reason,
			CreatedAt: isoTime(e.CreatedAt)}
		if a := accs[e.ActorID]; a != nil {
			x.Actor = ptr(h.account(a))
		}
		if a := accs[e.TargetAccountID]; a != nil {
			x.TargetAccount = ptr(h.account(a))
		}
		out = append(out, x)
		cursors = append(cursors, e.ID)
	}
	h.setEdgeLinks(w, r, cursors)
	reply(w, out)
}

// pvCommunityStats gives a community's response figures (since, until).
func (h *Handler) pvCommunityStats(w http.ResponseWriter, r *http.Request) {
	f, ids, ok := h.pvRequest(w, r, "id")
	if !ok {
		return
	}
	h.pvStats(w, r, f, func(since, until time.Time) (social.ResponseStats, error) {
		return h.svc.CommunityResponses(r.Context(), actor(r), ids[0], since, until)
	})
}
