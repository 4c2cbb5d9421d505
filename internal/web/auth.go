package web

import (
	"net/http"

	"parvis/internal/model"
	"parvis/internal/social"
)

// setupForm offers to create the admin account on a fresh server.
func (h *Handler) setupForm(w http.ResponseWriter, r *http.Request) {
	need, err := h.svc.NeedsFirstAdmin(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !need {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	p := h.page(r, "setup.title")
	p.Form["registrations"] = string(model.RegistrationOpen)
	h.render(w, r, http.StatusOK, "setup", p)
}

func (h *Handler) setup(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "setup.title")
	formValues(p, r, "username", "email", "registrations")
	if r.PostFormValue("password") != r.PostFormValue("password_confirm") {
		h.formError(w, r, "setup", p, model.Errorf(model.EINVALID, "the two passwords differ"))
		return
	}
	mode, err := model.ParseRegistrationMode(r.PostFormValue("registrations"))
	if err != nil {
		h.formError(w, r, "setup", p, err)
		return
	}
	_, err = h.svc.CreateFirstAdmin(r.Context(), social.SignupInput{
		Username: r.PostFormValue("username"), Email: r.PostFormValue("email"),
		Password: r.PostFormValue("password"), Locale: p.Lang, IP: clientIP(r), UserAgent: r.UserAgent()})
	if err != nil {
		h.formError(w, r, "setup", p, err)
		return
	}
	sess, err := h.svc.Login(r.Context(), social.LoginInput{Login: r.PostFormValue("username"),
		Password: r.PostFormValue("password"), IP: clientIP(r), UserAgent: r.UserAgent()})
	if err != nil {
		h.formError(w, r, "setup", p, err)
		return
	}
	if err := h.svc.SetRegistrationMode(r.Context(), &social.Actor{User: sess.User, Account: sess.Account}, string(mode)); err != nil {
		h.fail(w, r, err)
		return
	}
	h.setSessionCookie(w, sess.Token)
	h.redirectFlash(w, r, "/admin", "flash.setup_done")
}

func (h *Handler) signupForm(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "signup.title")
	mode, err := h.svc.RegistrationMode(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Data = string(mode)
	h.render(w, r, http.StatusOK, "signup", p)
}

func (h *Handler) signup(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "signup.title")
	mode, err := h.svc.RegistrationMode(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Data = string(mode)
	formValues(p, r, "username", "email", "note")
	if r.PostFormValue("password") != r.PostFormValue("password_confirm") {
		h.formError(w, r, "signup", p, model.Errorf(model.EINVALID, "the two passwords differ"))
		return
	}
	u, err := h.svc.Signup(r.Context(), social.SignupInput{Username: r.PostFormValue("username"),
		Email: r.PostFormValue("email"), Password: r.PostFormValue("password"), Note: r.PostFormValue("note"),
		Locale: p.Lang, IP: clientIP(r), UserAgent: r.UserAgent()})
	if err != nil {
		h.formError(w, r, "signup", p, err)
		return
	}
	if !u.Approved {
		h.redirectFlash(w, r, "/login", "flash.signup_pending")
		return
	}
	sess, err := h.svc.Login(r.Context(), social.LoginInput{Login: r.PostFormValue("username"),
		Password: r.PostFormValue("password"), IP: clientIP(r), UserAgent: r.UserAgent()})
	if err != nil {
		h.redirectFlash(w, r, "/login", "flash.signup_done")
		return
	}
	h.setSessionCookie(w, sess.Token)
	h.redirectFlash(w, r, "/", "flash.signup_done")
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	if reqCtx(r).actor.LoggedIn() {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	p := h.page(r, "login.title")
	p.Form["next"] = safeNext(r.URL.Query().Get("next"))
	h.render(w, r, http.StatusOK, "login", p)
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "login.title")
	formValues(p, r, "login", "next")
	sess, err := h.svc.Login(r.Context(), social.LoginInput{Login: r.PostFormValue("login"),
		Password: r.PostFormValue("password"), IP: clientIP(r), UserAgent: r.UserAgent()})
	if err != nil {
		h.formError(w, r, "login", p, err)
		return
	}
	// A new session id on every login: no session fixation.
	h.setSessionCookie(w, sess.Token)
	h.clearCookie(w, csrfCookie)
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := h.svc.Logout(r.Context(), c.Value); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	h.clearCookie(w, sessionCookie)
	h.redirectFlash(w, r, "/", "flash.logged_out")
}

func (h *Handler) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: h.secureCookies, SameSite: http.SameSiteLaxMode, MaxAge: 30 * 86400})
}

func (h *Handler) forgotForm(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "forgot.title")
	p.Data = h.svc.MailEnabled()
	h.render(w, r, http.StatusOK, "forgot", p)
}

func (h *Handler) forgot(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "forgot.title")
	p.Data = h.svc.MailEnabled()
	formValues(p, r, "email")
	if err := h.svc.RequestPasswordReset(r.Context(), r.PostFormValue("email"), clientIP(r), p.Lang); err != nil {
		h.formError(w, r, "forgot", p, err)
		return
	}
	h.redirectFlash(w, r, "/login", "flash.reset_sent")
}

func (h *Handler) resetForm(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "reset.title")
	p.Form["token"] = r.PathValue("token")
	h.render(w, r, http.StatusOK, "reset", p)
}

func (h *Handler) reset(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "reset.title")
	p.Form["token"] = r.PathValue("token")
	if r.PostFormValue("password") != r.PostFormValue("password_confirm") {
		h.formError(w, r, "reset", p, model.Errorf(model.EINVALID, "the two passwords differ"))
		return
	}
	if err := h.svc.ResetPassword(r.Context(), r.PathValue("token"), r.PostFormValue("password")); err != nil {
		h.formError(w, r, "reset", p, err)
		return
	}
	h.redirectFlash(w, r, "/login", "flash.password_reset")
}
