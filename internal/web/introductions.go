package web

import (
	"net/http"

	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// introductionItem is an introduction as the viewer sees it.
type introductionItem struct {
	In         *store.Introduction
	Introducer *model.Account
	// Other is the person the viewer is introduced to (nil when the viewer
	// made the introduction); A and B are the two introduced.
	Other, A, B *model.Account
	// MyAnswer is the viewer's answer so far ("" when they have not
	// answered or made the introduction); Status names where it stands.
	MyAnswer, Status string
	Received         bool
}

// introductionsPage is the data of the introductions page.
type introductionsPage struct {
	Tabs []tab
	// Waiting are the introductions the viewer has to answer.
	Waiting, Others []introductionItem
	// Connections are who the viewer may introduce.
	Connections []*model.Account
	A, B, Note  string
}

// introductionStatus names the states of an introduction.
var introductionStatus = map[string]string{
	"pending":   "introductions.pending",
	"connected": "introductions.connected",
	"declined":  "introductions.declined",
}

// introductions shows the form that introduces two of the viewer's
// connections to each other, and the introductions made and received.
func (h *Handler) introductions(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "introductions.title")
	h.renderIntroductions(w, r, p, http.StatusOK)
}

func (h *Handler) renderIntroductions(w http.ResponseWriter, r *http.Request, p *Page, status int) {
	ctx := r.Context()
	ins, accs, err := h.svc.Introductions(ctx, p.Actor)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	me := p.Actor.Account.ID
	ip := introductionsPage{Tabs: peopleTabs(p, "/introductions"), A: p.Form["a"], B: p.Form["b"], Note: p.Form["note"]}
	for _, in := range ins {
		it := introductionItem{In: in, Introducer: accs[in.IntroducerID], A: accs[in.A], B: accs[in.B],
			Status: p.T(introductionStatus[in.Status])}
		if it.Introducer == nil || it.A == nil || it.B == nil {
			continue
		}
		switch me {
		case in.A:
			it.Other, it.MyAnswer, it.Received = it.B, in.AAnswer, true
		case in.B:
			it.Other, it.MyAnswer, it.Received = it.A, in.BAnswer, true
		}
		if it.Received && in.Status == "pending" && it.MyAnswer == "" {
			ip.Waiting = append(ip.Waiting, it)
			continue
		}
		ip.Others = append(ip.Others, it)
	}
	pa, err := h.svc.Connections(ctx, p.Actor, me, social.Page{Limit: 200})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ip.Connections = pa.Accounts
	p.Data = ip
	h.render(w, r, status, "introductions", p)
}

// introduce introduces two of the viewer's connections to each other.
func (h *Handler) introduce(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "introductions.title")
	formValues(p, r, "a", "b", "note")
	a, errA := model.ParseID(r.PostFormValue("a"))
	b, errB := model.ParseID(r.PostFormValue("b"))
	var err error
	if errA != nil || errB != nil {
		err = model.Errorf(model.EUNPROCESS, "choose the two people to introduce")
	} else {
		_, err = h.svc.Introduce(r.Context(), p.Actor, a, b, r.PostFormValue("note"))
	}
	if err != nil {
		if model.HTTPStatus(err) >= 500 {
			h.fail(w, r, err)
			return
		}
		p.Error = h.tr.Error(p.Lang, err)
		h.renderIntroductions(w, r, p, model.HTTPStatus(err))
		return
	}
	h.redirectFlash(w, r, "/introductions", "flash.introduced")
}

// answerIntroduction accepts or declines an introduction.
func (h *Handler) answerIntroduction(w http.ResponseWriter, r *http.Request) {
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		h.notFound(w, r)
		return
	}
	var accept bool
	switch r.PathValue("answer") {
	case "accept":
		accept = true
	case "decline":
	default:
		h.notFound(w, r)
		return
	}
	in, err := h.svc.AnswerIntroduction(r.Context(), reqCtx(r).actor, id, accept)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	flash := "flash.introduction_declined"
	switch {
	case in.Status == "connected":
		flash = "flash.connected"
	case accept:
		flash = "flash.introduction_accepted"
	}
	h.redirectFlash(w, r, "/introductions", flash)
}
