package api

import (
	"net/http"

	"parvis/internal/model"
	"parvis/internal/social"
)

// Report is Mastodon's report entity.
type Report struct {
	ID            string   `json:"id"`
	ActionTaken   bool     `json:"action_taken"`
	ActionTakenAt *string  `json:"action_taken_at"`
	Category      string   `json:"category"`
	Comment       string   `json:"comment"`
	Forwarded     bool     `json:"forwarded"`
	CreatedAt     string   `json:"created_at"`
	StatusIDs     []string `json:"status_ids"`
	RuleIDs       []string `json:"rule_ids"`
	TargetAccount Account  `json:"target_account"`
}

// createReport reports an account, and optionally one of its posts, to
// the moderators (POST /api/v1/reports): the post's community's when it
// was written in one, else the server's. Parvis keeps one post per report:
// the first of status_ids; the others must be the account's too.
func (h *Handler) createReport(w http.ResponseWriter, r *http.Request) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	accountID, err := f.id("account_id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if accountID == 0 {
		h.fail(w, r, model.Errorf(model.EUNPROCESS, "account_id is required"))
		return
	}
	postIDs, err := f.ids("status_ids")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if len(f.list("rule_ids")) > 0 {
		h.fail(w, r, model.Errorf(model.EUNPROCESS, "this server has no rules to cite"))
		return
	}
	in := social.ReportInput{AccountID: accountID, Category: f.str("category"), Comment: f.str("comment")}
	for _, id := range postIDs {
		v, err := h.svc.View(r.Context(), actor(r), id)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if v.Post.AccountID != accountID {
			h.fail(w, r, model.Errorf(model.EUNPROCESS, "status %s is not the reported account's", model.FormatID(id)))
			return
		}
	}
	if len(postIDs) > 0 {
		in.PostID = postIDs[0]
	}
	rep, err := h.svc.Report(r.Context(), actor(r), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	accs, err := h.svc.AccountsByIDs(r.Context(), []int64{rep.TargetAccountID})
	if err != nil || accs[rep.TargetAccountID] == nil {
		h.fail(w, r, model.Errorf(model.ENOTFOUND, "account not found"))
		return
	}
	out := Report{ID: model.FormatID(rep.ID), Category: rep.Category, Comment: rep.Comment,
		CreatedAt: isoTime(rep.CreatedAt), StatusIDs: []string{}, TargetAccount: h.account(accs[rep.TargetAccountID])}
	for _, id := range postIDs {
		out.StatusIDs = append(out.StatusIDs, model.FormatID(id))
	}
	reply(w, out)
}
