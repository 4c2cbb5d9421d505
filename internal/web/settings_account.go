package web

import (
	"net/http"

	"parvis/internal/model"
	"parvis/internal/store"
)

// The account settings Mastodon has under "Account": aliases (the other
// accounts this one also is, which a move towards it needs), moving to
// another account, and deleting the account. Each form asks what it
// changes and, for a move or a deletion, the current password.

// aliasesPage is the data of /settings/aliases.
type aliasesPage struct {
	Aliases []store.Alias
	Self    string // this account's address, for the explanation
}

func (h *Handler) aliases(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "aliases.title")
	h.renderAliases(w, r, p, http.StatusOK, nil)
}

// renderAliases shows the aliases page, with err as a form error.
func (h *Handler) renderAliases(w http.ResponseWriter, r *http.Request, p *Page, status int, err error) {
	as, lerr := h.svc.Aliases(r.Context(), p.Actor)
	if lerr != nil {
		h.fail(w, r, lerr)
		return
	}
	p.Data = aliasesPage{Aliases: as, Self: p.Actor.Account.Username + "@" + h.svc.Config().Domain}
	if err != nil {
		h.formError(w, r, "settings_aliases", p, err)
		return
	}
	h.render(w, r, status, "settings_aliases", p)
}

func (h *Handler) addAlias(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "aliases.title")
	formValues(p, r, "handle")
	if _, err := h.svc.AddAlias(r.Context(), p.Actor, r.PostFormValue("handle")); err != nil {
		h.renderAliases(w, r, p, 0, err)
		return
	}
	h.redirectFlash(w, r, "/settings/aliases", "flash.alias_added")
}

func (h *Handler) removeAlias(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "aliases.title")
	if err := h.svc.RemoveAlias(r.Context(), p.Actor, r.PostFormValue("uri")); err != nil {
		h.renderAliases(w, r, p, 0, err)
		return
	}
	h.redirectFlash(w, r, "/settings/aliases", "flash.alias_removed")
}

// movePage is the data of /settings/move.
type movePage struct {
	MovedTo *model.Account
	Self    string
}

func (h *Handler) moveForm(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "move.title")
	h.renderMove(w, r, p, nil)
}

// renderMove shows the move page, with err as a form error.
func (h *Handler) renderMove(w http.ResponseWriter, r *http.Request, p *Page, err error) {
	a, lerr := h.svc.DB().Read().AccountByID(r.Context(), p.Actor.Account.ID)
	if lerr != nil {
		h.fail(w, r, lerr)
		return
	}
	to, lerr := h.svc.MovedTo(r.Context(), a)
	if lerr != nil {
		h.fail(w, r, lerr)
		return
	}
	p.Data = movePage{MovedTo: to, Self: a.Username + "@" + h.svc.Config().Domain}
	if err != nil {
		h.formError(w, r, "settings_move", p, err)
		return
	}
	h.render(w, r, http.StatusOK, "settings_move", p)
}

func (h *Handler) move(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "move.title")
	formValues(p, r, "handle")
	if _, err := h.svc.MoveAccount(r.Context(), p.Actor, r.PostFormValue("handle"), r.PostFormValue("current_password")); err != nil {
		h.renderMove(w, r, p, err)
		return
	}
	h.redirectFlash(w, r, "/settings/move", "flash.account_moved")
}

func (h *Handler) deleteAccountForm(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "delete_account.title")
	h.render(w, r, http.StatusOK, "settings_delete", p)
}

func (h *Handler) deleteAccount(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "delete_account.title")
	if err := h.svc.DeleteAccount(r.Context(), p.Actor, r.PostFormValue("current_password")); err != nil {
		h.formError(w, r, "settings_delete", p, err)
		return
	}
	// The session is gone with the user; the cookie goes too.
	h.clearCookie(w, sessionCookie)
	h.redirectFlash(w, r, "/", "flash.account_deleted")
}

// adminDeleteAccount deletes a local account (admins).
func (h *Handler) adminDeleteAccount(w http.ResponseWriter, r *http.Request) {
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.svc.AdminDeleteAccount(r.Context(), reqCtx(r).actor, id); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirectFlash(w, r, "/admin", "flash.account_deleted")
}
