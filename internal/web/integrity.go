package web

import (
	"fmt"
	"net/http"
	"time"

	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// The integrity review queue: what the scans found, for the server's
// moderators to confirm, clear, reopen, or confirm and suspend. Every
// decision is logged and can be taken back.

// findingStatuses are the tabs of the queue; "" lists every finding.
var findingStatuses = []struct{ status, key string }{
	{"pending", "integrity.pending"}, {"confirmed", "integrity.confirmed"}, {"cleared", "integrity.cleared"},
	{"", "integrity.all"},
}

// signalNames name the detectors' signals.
var signalNames = map[string]string{
	"dense_block":            "integrity.signal_dense_block",
	"average_degree_block":   "integrity.signal_dense_block",
	"lockstep":               "integrity.signal_lockstep",
	"serial":                 "integrity.signal_serial",
	"ring":                   "integrity.signal_ring",
	"burst_new_accounts":     "integrity.signal_burst_new",
	"burst_related_accounts": "integrity.signal_burst_related",
}

// findingStatusNames name the states of a finding.
var findingStatusNames = map[string]string{
	"pending": "integrity.status_pending", "confirmed": "integrity.status_confirmed", "cleared": "integrity.status_cleared",
}

// findingRow is a finding in the queue.
type findingRow struct {
	F              *store.Finding
	Path           string
	Signal, Status string
	Score          string
}

// integrityPage is the data of the review queue.
type integrityPage struct {
	Tabs     []tab
	Findings []findingRow
	Status   string
}

func (h *Handler) findingRow(p *Page, f *store.Finding) findingRow {
	return findingRow{F: f, Path: "/admin/integrity/" + model.FormatID(f.ID), Signal: h.signalName(p, f.Signal),
		Status: p.T(findingStatusNames[f.Status]), Score: fmt.Sprintf("%.2f", f.Score)}
}

func (h *Handler) signalName(p *Page, signal string) string {
	if key, ok := signalNames[signal]; ok {
		return p.T(key)
	}
	return signal
}

// integrityQueue lists findings by status (pending first).
func (h *Handler) integrityQueue(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "integrity.title")
	status := r.URL.Query().Get("status")
	if !r.URL.Query().Has("status") {
		status = "pending"
	}
	fs, err := h.svc.Findings(r.Context(), p.Actor, status)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ip := integrityPage{Status: status}
	for _, s := range findingStatuses {
		ip.Tabs = append(ip.Tabs, tab{Label: p.T(s.key), Href: "/admin/integrity?status=" + s.status, Current: s.status == status})
	}
	for _, f := range fs {
		ip.Findings = append(ip.Findings, h.findingRow(p, f))
	}
	p.Data = ip
	h.render(w, r, http.StatusOK, "integrity", p)
}

// flagRow is one flagged engagement of a finding.
type flagRow struct {
	Kind     string
	Account  *model.Account
	PostPath string
	At       time.Time
}

// findingPage is the data of one finding's page.
type findingPage struct {
	Row        findingRow
	Accounts   []*model.Account
	Authors    []*model.Account
	Posts      []string
	Flags      []flagRow
	FlagsTotal int
	From, To   time.Time
	DecidedBy  *model.Account
	Decisions  []choice
}

// maxFlagsShown bounds the engagements a finding's page lists.
const maxFlagsShown = 200

// kindNames name the kinds of engagement.
var kindNames = map[string]string{"favourite": "integrity.kind_favourite", "reblog": "integrity.kind_reblog",
	"reply": "integrity.kind_reply"}

// integrityFinding shows one finding with its evidence: the accounts, the
// posts, when, and each flagged engagement.
func (h *Handler) integrityFinding(w http.ResponseWriter, r *http.Request) {
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		h.notFound(w, r)
		return
	}
	p := h.page(r, "integrity.finding")
	ctx := r.Context()
	v, err := h.svc.Finding(ctx, p.Actor, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	fp := findingPage{Row: h.findingRow(p, v.Finding), From: v.Finding.WindowFrom, To: v.Finding.WindowTo,
		FlagsTotal: len(v.Flags)}
	for _, a := range v.Evidence.Accounts {
		if acc := v.Accounts[a]; acc != nil {
			fp.Accounts = append(fp.Accounts, acc)
		}
	}
	for _, a := range v.Evidence.Authors {
		if acc := v.Accounts[a]; acc != nil {
			fp.Authors = append(fp.Authors, acc)
		}
	}
	// Posts and engagements name their authors and engagers: one query.
	var ids []int64
	for _, f := range v.Flags[:min(len(v.Flags), maxFlagsShown)] {
		ids = append(ids, f.AccountID, f.AuthorID)
	}
	ids = append(ids, v.Finding.DecidedBy)
	accs, err := h.svc.DB().Read().AccountsByIDs(ctx, ids)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	authorOf := map[int64]*model.Account{}
	for _, f := range v.Flags {
		if a := accs[f.AuthorID]; a != nil {
			authorOf[f.PostID] = a
		}
	}
	for _, o := range v.Evidence.Objects {
		if a := authorOf[o]; a != nil {
			fp.Posts = append(fp.Posts, accountPath(a)+"/"+model.FormatID(o))
		}
	}
	for _, f := range v.Flags[:min(len(v.Flags), maxFlagsShown)] {
		row := flagRow{Kind: f.Kind, Account: accs[f.AccountID], At: f.At}
		if key, ok := kindNames[f.Kind]; ok {
			row.Kind = p.T(key)
		}
		if a := accs[f.AuthorID]; a != nil {
			row.PostPath = accountPath(a) + "/" + model.FormatID(f.PostID)
		}
		fp.Flags = append(fp.Flags, row)
	}
	fp.DecidedBy = accs[v.Finding.DecidedBy]
	fp.Decisions = h.decisions(p, v.Finding.Status)
	p.Data = fp
	h.render(w, r, http.StatusOK, "finding", p)
}

// decisions are the decisions open on a finding with a status.
func (h *Handler) decisions(p *Page, status string) []choice {
	confirm := choice{social.DecisionConfirm, p.T("integrity.confirm")}
	clear := choice{social.DecisionClear, p.T("integrity.clear")}
	reopen := choice{social.DecisionReopen, p.T("integrity.reopen")}
	suspend := choice{social.DecisionSuspend, p.T("integrity.suspend")}
	switch status {
	case "pending":
		return []choice{confirm, clear, suspend}
	case "confirmed":
		return []choice{clear, reopen, suspend}
	}
	return []choice{confirm, reopen, suspend}
}

// decideFinding records a moderator's decision on a finding.
func (h *Handler) decideFinding(w http.ResponseWriter, r *http.Request) {
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		h.notFound(w, r)
		return
	}
	if err := h.svc.DecideFinding(r.Context(), reqCtx(r).actor, id, r.PathValue("decision")); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirectFlash(w, r, "/admin/integrity/"+model.FormatID(id), "flash.decided")
}
