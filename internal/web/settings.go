package web

import (
	"net/http"

	"parvis/internal/model"
	"parvis/internal/social"
)

// settings shows the profile, password and language forms.
func (h *Handler) settings(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "settings.title")
	a := p.Actor.Account
	p.Form["display_name"] = a.DisplayName
	p.Form["note"] = a.Note
	if a.Locked {
		p.Form["locked"] = "on"
	}
	if a.Bot {
		p.Form["bot"] = "on"
	}
	h.fillPosting(r, p)
	h.render(w, r, http.StatusOK, "settings", p)
}

// fillPosting puts the posting settings in the form.
func (h *Handler) fillPosting(r *http.Request, p *Page) {
	on, err := h.svc.RequireAltText(r.Context(), p.Actor)
	if err != nil {
		h.log.Warn("load the alt text setting", "err", err)
	}
	if on {
		p.Form["require_alt"] = "on"
	}
}

// savePosting saves the posting settings: whether every image must have
// a description.
func (h *Handler) savePosting(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "settings.title")
	if err := h.svc.SetRequireAltText(r.Context(), p.Actor, r.PostFormValue("require_alt") == "on"); err != nil {
		a := p.Actor.Account
		p.Form["display_name"], p.Form["note"] = a.DisplayName, a.Note
		h.formError(w, r, "settings", p, err)
		return
	}
	h.redirectFlash(w, r, "/settings", "flash.saved")
}

func (h *Handler) saveProfile(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "settings.title")
	formValues(p, r, "display_name", "note", "locked", "bot")
	in := social.ProfileInput{DisplayName: r.PostFormValue("display_name"), Note: r.PostFormValue("note"),
		Locked: r.PostFormValue("locked") == "on", Bot: r.PostFormValue("bot") == "on",
		RemoveAvatar: r.PostFormValue("remove_avatar") == "on"}
	if f, _, err := r.FormFile("avatar"); err == nil {
		defer f.Close()
		in.Avatar = f
	} else if err != http.ErrMissingFile && err != http.ErrNotMultipart {
		h.formError(w, r, "settings", p, model.Errorf(model.EINVALID, "the avatar could not be read"))
		return
	}
	if _, err := h.svc.UpdateProfile(r.Context(), p.Actor, in); err != nil {
		h.formError(w, r, "settings", p, err)
		return
	}
	h.redirectFlash(w, r, "/settings", "flash.profile_saved")
}

func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "settings.title")
	a := p.Actor.Account
	p.Form["display_name"], p.Form["note"] = a.DisplayName, a.Note
	if r.PostFormValue("new_password") != r.PostFormValue("new_password_confirm") {
		h.formError(w, r, "settings", p, model.Errorf(model.EINVALID, "the two passwords differ"))
		return
	}
	err := h.svc.ChangePassword(r.Context(), p.Actor, r.PostFormValue("current_password"),
		r.PostFormValue("new_password"), reqCtx(r).sessionID)
	if err != nil {
		h.formError(w, r, "settings", p, err)
		return
	}
	h.redirectFlash(w, r, "/settings", "flash.password_changed")
}
