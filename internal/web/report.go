package web

import (
	"net/http"

	"parvis/internal/model"
	"parvis/internal/social"
)

// reportPage is the data of the form that reports a post.
type reportPage struct {
	Post       *postItem
	Categories []choice
	Category   string
	Comment    string
}

// categories are the kinds of report, in the page's language.
func categories(p *Page) []choice {
	return []choice{{"spam", p.T("report.spam")}, {"violation", p.T("report.violation")},
		{"legal", p.T("report.legal")}, {"other", p.T("report.other")}}
}

// reportForm shows the form that reports a post to the moderators (the
// community's, for a post in a community; the server's otherwise).
func (h *Handler) reportForm(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "report.title")
	v, ok := h.reportedPost(w, r, p)
	if !ok {
		return
	}
	p.Data = reportPage{Post: h.items(r.Context(), p, []*social.PostView{v}, "")[0], Categories: categories(p),
		Category: "other"}
	h.render(w, r, http.StatusOK, "report", p)
}

// fileReport sends a report and goes back to the post.
func (h *Handler) fileReport(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "report.title")
	v, ok := h.reportedPost(w, r, p)
	if !ok {
		return
	}
	rp := reportPage{Post: h.items(r.Context(), p, []*social.PostView{v}, "")[0], Categories: categories(p),
		Category: r.PostFormValue("category"), Comment: r.PostFormValue("comment")}
	p.Data = rp
	_, err := h.svc.Report(r.Context(), p.Actor, social.ReportInput{PostID: v.Post.ID, Category: rp.Category,
		Comment: rp.Comment})
	if err != nil {
		h.formError(w, r, "report", p, err)
		return
	}
	h.redirectFlash(w, r, threadPath(v.Post, v.Account), "flash.reported")
}

// reportedPost loads the post of a /posts/{id}/report page.
func (h *Handler) reportedPost(w http.ResponseWriter, r *http.Request, p *Page) (*social.PostView, bool) {
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		h.notFound(w, r)
		return nil, false
	}
	v, err := h.svc.View(r.Context(), p.Actor, id)
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	return v.Shown(), true
}
