package web

import (
	"net/http"
	"strings"
	"time"

	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// choice is an option of a menu: the value sent and its label.
type choice struct {
	Value, Label string
}

// muteDurations are the lengths of a member's mute that moderators choose
// from.
func muteDurations(p *Page) []choice {
	return []choice{{"1h", p.T("duration.hour")}, {"24h", p.T("duration.day")},
		{"168h", p.T("duration.week")}, {"720h", p.T("duration.month")}}
}

// parseChoice reads a duration of a menu; anything else is an error, not
// a guess.
func parseChoice(raw string, allowed []choice) (time.Duration, error) {
	for _, c := range allowed {
		if c.Value == raw {
			return time.ParseDuration(raw)
		}
	}
	return 0, model.Errorf(model.EUNPROCESS, "choose a duration from the list")
}

// moderationPage is the data of a community's moderation page.
type moderationPage struct {
	*communityPage
	Requests []*model.Account
	Invites  []*model.Account
	Bans     []social.BanView
	Reports  reportsView
	Invitee  string
}

// reportsView is a list of open reports and where their forms go
// (Action/{id}/resolved or dismissed).
type reportsView struct {
	P      *Page
	Items  []reportItem
	Action string
}

// reportItem is a report with the accounts and the post it names.
type reportItem struct {
	Report           *store.Report
	Reporter, Target *model.Account
	PostPath         string
	Category         string
}

// reportCategories name the kinds of report.
var reportCategories = map[string]string{
	"spam":      "report.spam",
	"violation": "report.violation",
	"legal":     "report.legal",
	"other":     "report.other",
}

// communityModeration shows a community's moderators what waits for them:
// requests to join, invitations, bans and open reports.
func (h *Handler) communityModeration(w http.ResponseWriter, r *http.Request) {
	p, cp, ok := h.community(w, r, "community.moderation_of", "moderation")
	if !ok {
		return
	}
	h.renderModeration(w, r, p, cp, http.StatusOK)
}

func (h *Handler) renderModeration(w http.ResponseWriter, r *http.Request, p *Page, cp *communityPage, status int) {
	ctx := r.Context()
	if !cp.Moderates {
		h.fail(w, r, model.Errorf(model.EFORBIDDEN, "you may not %s in this community", "moderate"))
		return
	}
	mp := moderationPage{communityPage: cp, Invitee: p.Form["username"]}
	reqs, err := h.svc.JoinRequests(ctx, p.Actor, cp.C.ID, social.Page{Limit: 200})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	mp.Requests = reqs.Accounts
	if mp.Invites, err = h.svc.CommunityInvites(ctx, p.Actor, cp.C.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	if mp.Bans, err = h.svc.CommunityBans(ctx, p.Actor, cp.C.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	reports, err := h.svc.Reports(ctx, p.Actor, cp.C.ID, "open")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	mp.Reports = reportsView{P: p, Action: cp.Path + "/reports"}
	if mp.Reports.Items, err = h.reportItems(r, p, reports); err != nil {
		h.fail(w, r, err)
		return
	}
	p.Data = mp
	h.render(w, r, status, "community_moderation", p)
}

// reportItems loads the accounts and posts that reports name.
func (h *Handler) reportItems(r *http.Request, p *Page, reports []*store.Report) ([]reportItem, error) {
	ctx := r.Context()
	var ids []int64
	for _, rp := range reports {
		ids = append(ids, rp.ReporterID, rp.TargetAccountID)
	}
	accs, err := h.svc.DB().Read().AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]reportItem, 0, len(reports))
	for _, rp := range reports {
		it := reportItem{Report: rp, Reporter: accs[rp.ReporterID], Target: accs[rp.TargetAccountID],
			Category: p.T(reportCategories[rp.Category])}
		if it.Target == nil || it.Reporter == nil {
			continue
		}
		if rp.PostID != 0 {
			it.PostPath = accountPath(it.Target) + "/" + model.FormatID(rp.PostID)
		}
		out = append(out, it)
	}
	return out, nil
}

// logItem is a moderation log entry as the page shows it.
type logItem struct {
	Entry         store.LogEntry
	Action        string
	Actor, Target *model.Account
	PostPath      string
}

// logActions name the actions of the moderation logs.
var logActions = map[string]string{
	"create":             "log.create",
	"configure":          "log.configure",
	"set_avatar":         "log.set_avatar",
	"approve_join":       "log.approve_join",
	"reject_join":        "log.reject_join",
	"set_role_member":    "log.set_role_member",
	"set_role_moderator": "log.set_role_moderator",
	"set_role_owner":     "log.set_role_owner",
	"ban":                "log.ban",
	"unban":              "log.unban",
	"mute":               "log.mute",
	"unmute":             "log.unmute",
	"remove_post":        "log.remove_post",
	"restore_post":       "log.restore_post",
	"report_resolved":    "log.report_resolved",
	"report_dismissed":   "log.report_dismissed",
	"suspend":            "log.suspend",
	"unsuspend":          "log.unsuspend",
	"finding_confirm":    "log.finding_confirm",
	"finding_clear":      "log.finding_clear",
	"finding_reopen":     "log.finding_reopen",
	"finding_suspend":    "log.finding_suspend",
}

// logItems turns log entries into what the page shows.
func logItems(p *Page, entries []store.LogEntry, accs map[int64]*model.Account) []logItem {
	out := make([]logItem, 0, len(entries))
	for _, e := range entries {
		it := logItem{Entry: e, Action: e.Action, Actor: accs[e.ActorID], Target: accs[e.TargetAccountID]}
		if key, ok := logActions[e.Action]; ok {
			it.Action = p.T(key)
		}
		if e.PostID != 0 && it.Target != nil {
			it.PostPath = accountPath(it.Target) + "/" + model.FormatID(e.PostID)
		}
		out = append(out, it)
	}
	return out
}

// logPage is the data of a moderation log.
type logPage struct {
	*communityPage
	P       *Page
	Entries []logItem
}

// communityLog pages through a community's moderation log.
func (h *Handler) communityLog(w http.ResponseWriter, r *http.Request) {
	p, cp, ok := h.community(w, r, "community.log_of", "log")
	if !ok {
		return
	}
	ctx := r.Context()
	req := pageParams(r, pageSize*2)
	entries, err := h.svc.ModerationLog(ctx, p.Actor, cp.C.ID, req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var ids []int64
	cursors := make([]int64, 0, len(entries))
	for _, e := range entries {
		ids = append(ids, e.ActorID, e.TargetAccountID)
		cursors = append(cursors, e.ID)
	}
	accs, err := h.svc.DB().Read().AccountsByIDs(ctx, ids)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	cp.Pager = cursorsPager(r, req, cursors)
	p.Data = logPage{communityPage: cp, P: p, Entries: logItems(p, entries, accs)}
	h.render(w, r, http.StatusOK, "community_log", p)
}

// settingsPage is the data of a community's settings page.
type settingsPage struct {
	*communityPage
	Form *communityForm
}

// communitySettings shows the form that configures a community.
func (h *Handler) communitySettings(w http.ResponseWriter, r *http.Request) {
	p, cp, ok := h.community(w, r, "community.settings_of", "settings")
	if !ok {
		return
	}
	if !cp.Moderates {
		h.fail(w, r, model.Errorf(model.EFORBIDDEN, "you may not %s in this community", "configure"))
		return
	}
	c := cp.C
	f := &communityForm{P: p, Action: cp.Path + "/settings", Name: c.Account.Username, DisplayName: c.Account.DisplayName, Description: c.Description,
		Topics: strings.Join(c.Topics, ", "), Rules: strings.Join(c.Rules, "\n"), Membership: string(c.Membership),
		Memberships: membershipChoices(p), Owner: cp.Owner}
	p.Data = settingsPage{communityPage: cp, Form: f}
	h.render(w, r, http.StatusOK, "community_settings", p)
}

// saveCommunitySettings saves a community's description, rules, topics and
// (owners) kind of membership.
func (h *Handler) saveCommunitySettings(w http.ResponseWriter, r *http.Request) {
	p, cp, ok := h.community(w, r, "community.settings_of", "settings")
	if !ok {
		return
	}
	f := &communityForm{P: p, Action: cp.Path + "/settings", Name: cp.C.Account.Username, Membership: string(cp.C.Membership),
		Memberships: membershipChoices(p), Owner: cp.Owner}
	f.read(r)
	f.Name = cp.C.Account.Username
	p.Data = settingsPage{communityPage: cp, Form: f}
	if _, err := h.svc.ConfigureCommunity(r.Context(), p.Actor, cp.C.ID, f.input()); err != nil {
		h.formError(w, r, "community_settings", p, err)
		return
	}
	h.redirectFlash(w, r, cp.Path+"/settings", "flash.saved")
}

// communityAvatar replaces or removes a community's avatar.
func (h *Handler) communityAvatar(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), reqCtx(r).actor
	c, _, err := h.svc.CommunityByName(ctx, actor, r.PathValue("name"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	remove := r.PostFormValue("remove_avatar") == "on"
	f, _, ferr := r.FormFile("avatar")
	switch {
	case ferr == nil:
		defer f.Close()
		err = h.svc.SetCommunityAvatar(ctx, actor, c.ID, f, false)
	case ferr == http.ErrMissingFile || ferr == http.ErrNotMultipart:
		err = h.svc.SetCommunityAvatar(ctx, actor, c.ID, nil, remove)
	default:
		err = model.Errorf(model.EINVALID, "the avatar could not be read")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirectFlash(w, r, communityPath(c)+"/settings", "flash.saved")
}

// moderatedTarget loads the community and the account id of a moderation
// form's path (/c/{name}/.../{id}/...).
func (h *Handler) moderatedTarget(w http.ResponseWriter, r *http.Request) (*model.Community, int64, bool) {
	c, _, err := h.svc.CommunityByName(r.Context(), reqCtx(r).actor, r.PathValue("name"))
	if err != nil {
		h.fail(w, r, err)
		return nil, 0, false
	}
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		h.notFound(w, r)
		return nil, 0, false
	}
	return c, id, true
}

// decideJoin approves or refuses a request to join.
func (h *Handler) decideJoin(w http.ResponseWriter, r *http.Request) {
	c, id, ok := h.moderatedTarget(w, r)
	if !ok {
		return
	}
	var approve bool
	switch r.PathValue("decision") {
	case "approve":
		approve = true
	case "refuse":
	default:
		h.notFound(w, r)
		return
	}
	if err := h.svc.DecideJoin(r.Context(), reqCtx(r).actor, c.ID, id, approve); err != nil {
		h.fail(w, r, err)
		return
	}
	flash := "flash.join_refused"
	if approve {
		flash = "flash.join_approved"
	}
	h.redirectFlash(w, r, communityPath(c)+"/moderation", flash)
}

// inviteMember invites someone, by username, into a community.
func (h *Handler) inviteMember(w http.ResponseWriter, r *http.Request) {
	p, cp, ok := h.community(w, r, "community.moderation_of", "moderation")
	if !ok {
		return
	}
	formValues(p, r, "username")
	ctx := r.Context()
	a, err := h.svc.LookupAccount(ctx, r.PostFormValue("username"))
	if err == nil {
		err = h.svc.Invite(ctx, p.Actor, cp.C.ID, a.ID)
	}
	if err != nil {
		if model.HTTPStatus(err) >= 500 {
			h.fail(w, r, err)
			return
		}
		p.Error = h.tr.Error(p.Lang, err)
		h.renderModeration(w, r, p, cp, model.HTTPStatus(err))
		return
	}
	h.redirectFlash(w, r, cp.Path+"/moderation", "flash.invited")
}

// memberAction gives a member a role, mutes, bans or unbans them.
func (h *Handler) memberAction(w http.ResponseWriter, r *http.Request) {
	p, cp, ok := h.community(w, r, "community.members_of", "members")
	if !ok {
		return
	}
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		h.notFound(w, r)
		return
	}
	ctx := r.Context()
	back, flash := cp.Path+"/members", "flash.saved"
	switch r.PathValue("action") {
	case "role":
		err = h.svc.SetCommunityRole(ctx, p.Actor, cp.C.ID, id, r.PostFormValue("role"))
	case "mute":
		var d time.Duration
		if d, err = parseChoice(r.PostFormValue("duration"), muteDurations(p)); err == nil {
			err = h.svc.MuteMember(ctx, p.Actor, cp.C.ID, id, d, strings.TrimSpace(r.PostFormValue("reason")))
		}
		flash = "flash.member_muted"
	case "unmute":
		err = h.svc.MuteMember(ctx, p.Actor, cp.C.ID, id, 0, "")
		flash = "flash.member_unmuted"
	case "ban":
		err = h.svc.Ban(ctx, p.Actor, cp.C.ID, id, strings.TrimSpace(r.PostFormValue("reason")))
		flash = "flash.banned"
	case "unban":
		err = h.svc.Unban(ctx, p.Actor, cp.C.ID, id)
		back, flash = cp.Path+"/moderation", "flash.unbanned"
	default:
		h.notFound(w, r)
		return
	}
	if err != nil {
		if model.HTTPStatus(err) >= 500 || model.HTTPStatus(err) == http.StatusNotFound {
			h.fail(w, r, err)
			return
		}
		// The members page comes back with the message, next to the forms.
		p.Error = h.tr.Error(p.Lang, err)
		h.renderMembers(w, r, p, cp, model.HTTPStatus(err))
		return
	}
	h.redirectFlash(w, r, back, flash)
}

// decideReport closes a community's report as resolved or dismissed.
func (h *Handler) decideReport(w http.ResponseWriter, r *http.Request) {
	c, id, ok := h.moderatedTarget(w, r)
	if !ok {
		return
	}
	status := r.PathValue("status")
	if status != "resolved" && status != "dismissed" {
		h.notFound(w, r)
		return
	}
	if err := h.svc.ResolveReport(r.Context(), reqCtx(r).actor, id, status); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirectFlash(w, r, communityPath(c)+"/moderation", "flash.report_closed")
}

// communityPostAction removes, restores, pins or unpins a post of a
// community (its moderators).
func (h *Handler) communityPostAction(w http.ResponseWriter, r *http.Request) {
	c, id, ok := h.moderatedTarget(w, r)
	if !ok {
		return
	}
	ctx, actor := r.Context(), reqCtx(r).actor
	var err error
	flash := "flash.saved"
	switch r.PathValue("action") {
	case "remove", "restore":
		remove := r.PathValue("action") == "remove"
		err = h.svc.RemovePost(ctx, actor, id, remove, strings.TrimSpace(r.PostFormValue("reason")))
		flash = "flash.post_restored"
		if remove {
			flash = "flash.post_removed"
		}
	case "pin", "unpin":
		err = h.svc.PinCommunityPost(ctx, actor, c.ID, id, r.PathValue("action") == "pin")
	default:
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if r.Header.Get(fragmentHeader) != "" {
		h.actionsFragment(w, r, id)
		return
	}
	h.redirectFlash(w, r, nextOr(r, communityPath(c)), flash)
}
