package api

import (
	"net/http"

	"parvis/internal/model"
	"parvis/internal/store"
)

// ConnectionState is how the caller stands with someone, connection-wise.
type ConnectionState struct {
	AccountID   string `json:"account_id"`
	Connected   bool   `json:"connected"`
	Requested   bool   `json:"requested"`    // the caller asked
	RequestedBy bool   `json:"requested_by"` // they asked
}

// ConnectionRequest is a pending request to connect.
type ConnectionRequest struct {
	ID        string  `json:"id"`
	Account   Account `json:"account"` // the other person
	Incoming  bool    `json:"incoming"`
	Message   string  `json:"message"`
	CreatedAt string  `json:"created_at"`
}

// Introduction is someone introducing two of their connections.
type Introduction struct {
	ID         string    `json:"id"`
	Introducer Account   `json:"introducer"`
	Accounts   []Account `json:"accounts"`
	Note       string    `json:"note"`
	// Answers holds each introduced person's answer ("", accepted or
	// declined), by account id.
	Answers   map[string]string `json:"answers"`
	Status    string            `json:"status"` // pending, connected, declined
	CreatedAt string            `json:"created_at"`
	DecidedAt *string           `json:"decided_at"`
}

func (h *Handler) pvWriteState(w http.ResponseWriter, r *http.Request, id int64) {
	st, err := h.svc.ConnectionWith(r.Context(), actor(r), id)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	reply(w, ConnectionState{AccountID: model.FormatID(id), Connected: st.Connected, Requested: st.Requested,
		RequestedBy: st.RequestedBy})
}

func (h *Handler) pvConnectionState(w http.ResponseWriter, r *http.Request) {
	ids, ok := h.pvIDs(w, r, "account_id")
	if !ok {
		return
	}
	h.pvWriteState(w, r, ids[0])
}

// pvConnectionAction asks to connect (message), or accepts or declines
// someone's request.
func (h *Handler) pvConnectionAction(w http.ResponseWriter, r *http.Request) {
	f, ids, ok := h.pvRequest(w, r, "account_id")
	if !ok {
		return
	}
	var err error
	switch r.PathValue("action") {
	case "request":
		_, err = h.svc.RequestConnection(r.Context(), actor(r), ids[0], f.str("message"))
	case "accept", "decline":
		_, err = h.svc.AnswerConnection(r.Context(), actor(r), ids[0], r.PathValue("action") == "accept")
	default:
		h.pvNotFound(w, r)
		return
	}
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	h.pvWriteState(w, r, ids[0])
}

// pvRemoveConnection ends a connection or withdraws a request.
func (h *Handler) pvRemoveConnection(w http.ResponseWriter, r *http.Request) {
	ids, ok := h.pvIDs(w, r, "account_id")
	if !ok {
		return
	}
	if err := h.svc.RemoveConnection(r.Context(), actor(r), ids[0]); err != nil {
		h.pvFail(w, r, err)
		return
	}
	h.pvWriteState(w, r, ids[0])
}

func (h *Handler) pvMyConnections(w http.ResponseWriter, r *http.Request) {
	h.pvConnections(w, r, actor(r).Account.ID)
}

func (h *Handler) pvAccountConnections(w http.ResponseWriter, r *http.Request) {
	ids, ok := h.pvIDs(w, r, "id")
	if !ok {
		return
	}
	h.pvConnections(w, r, ids[0])
}

// pvConnections lists an account's connections, newest first.
func (h *Handler) pvConnections(w http.ResponseWriter, r *http.Request, id int64) {
	f, ok := h.pvParse(w, r)
	if !ok {
		return
	}
	p, err := f.page(accountsLimit, accountsMax)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	pa, err := h.svc.Connections(r.Context(), actor(r), id, p)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	h.writeAccountPage(w, r, pa, p.Limit)
}

// pvMutual lists the connections the caller shares with someone.
func (h *Handler) pvMutual(w http.ResponseWriter, r *http.Request) {
	ids, ok := h.pvIDs(w, r, "account_id")
	if !ok {
		return
	}
	accs, err := h.svc.MutualConnections(r.Context(), actor(r), ids[0])
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	reply(w, h.accounts(accs))
}

// pvConnectionRequests lists requests to connect: incoming (the default)
// or, with ?direction=outgoing, the caller's.
func (h *Handler) pvConnectionRequests(w http.ResponseWriter, r *http.Request) {
	f, ok := h.pvParse(w, r)
	if !ok {
		return
	}
	incoming := true
	switch f.str("direction") {
	case "", "incoming":
	case "outgoing":
		incoming = false
	default:
		h.pvFail(w, r, model.Errorf(model.EINVALID, "direction must be incoming or outgoing"))
		return
	}
	rs, accs, err := h.svc.ConnectionRequests(r.Context(), actor(r), incoming)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	out := make([]ConnectionRequest, 0, len(rs))
	for _, cr := range rs {
		other := cr.To
		if incoming {
			other = cr.From
		}
		if a := accs[other]; a != nil {
			out = append(out, ConnectionRequest{ID: model.FormatID(cr.ID), Account: h.account(a), Incoming: incoming,
				Message: cr.Message, CreatedAt: isoTime(cr.CreatedAt)})
		}
	}
	reply(w, out)
}

func (h *Handler) introduction(in *store.Introduction, accs map[int64]*model.Account) (Introduction, bool) {
	intro, a, b := accs[in.IntroducerID], accs[in.A], accs[in.B]
	if intro == nil || a == nil || b == nil {
		return Introduction{}, false
	}
	return Introduction{ID: model.FormatID(in.ID), Introducer: h.account(intro),
		Accounts: []Account{h.account(a), h.account(b)}, Note: in.Note,
		Answers: map[string]string{model.FormatID(in.A): in.AAnswer, model.FormatID(in.B): in.BAnswer},
		Status:  in.Status, CreatedAt: isoTime(in.CreatedAt), DecidedAt: optTime(in.DecidedAt)}, true
}

// pvIntroductions lists the introductions the caller made or received.
func (h *Handler) pvIntroductions(w http.ResponseWriter, r *http.Request) {
	ins, accs, err := h.svc.Introductions(r.Context(), actor(r))
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	out := make([]Introduction, 0, len(ins))
	for _, in := range ins {
		if x, ok := h.introduction(in, accs); ok {
			out = append(out, x)
		}
	}
	reply(w, out)
}

// pvIntroduce introduces two of the caller's connections (account_ids[],
// note) to each other (201).
func (h *Handler) pvIntroduce(w http.ResponseWriter, r *http.Request) {
	f, ok := h.pvParse(w, r)
	if !ok {
		return
	}
	ids, err := f.ids("account_ids")
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	if len(ids) != 2 {
		h.pvFail(w, r, model.Errorf(model.EUNPROCESS, "account_ids must name exactly two people"))
		return
	}
	in, err := h.svc.Introduce(r.Context(), actor(r), ids[0], ids[1], f.str("note"))
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	h.pvWriteIntroduction(w, r, http.StatusCreated, in)
}

func (h *Handler) pvWriteIntroduction(w http.ResponseWriter, r *http.Request, status int, in *store.Introduction) {
	accs, err := h.svc.AccountsByIDs(r.Context(), []int64{in.IntroducerID, in.A, in.B})
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	x, ok := h.introduction(in, accs)
	if !ok {
		h.pvFail(w, r, model.Errorf(model.ENOTFOUND, "introduction not found"))
		return
	}
	writeJSON(w, status, x)
}

// pvAnswerIntroduction accepts or declines an introduction.
func (h *Handler) pvAnswerIntroduction(w http.ResponseWriter, r *http.Request) {
	ids, ok := h.pvIDs(w, r, "id")
	if !ok {
		return
	}
	var accept bool
	switch r.PathValue("answer") {
	case "accept":
		accept = true
	case "decline":
	default:
		h.pvNotFound(w, r)
		return
	}
	in, err := h.svc.AnswerIntroduction(r.Context(), actor(r), ids[0], accept)
	if err != nil {
		h.pvFail(w, r, err)
		return
	}
	h.pvWriteIntroduction(w, r, http.StatusOK, in)
}
