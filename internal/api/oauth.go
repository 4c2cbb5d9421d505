package api

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"parvis/internal/model"
	"parvis/internal/social"
)

// sessionCookie is the web UI's session cookie: the consent page knows the
// person through their web login.
const sessionCookie = "parvis_session"

// clientIP is the address a request came from (the server middleware has
// already put a trusted proxy's forwarded address there).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// createApp registers an application (POST /api/v1/apps).
func (h *Handler) createApp(w http.ResponseWriter, r *http.Request) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	app, secret, err := h.svc.RegisterApp(r.Context(), social.AppInput{Name: f.str("client_name"),
		Website: f.str("website"), RedirectURIs: f.list("redirect_uris"), Scopes: f.str("scopes"), IP: clientIP(r)})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, CredentialApplication{Application: application(app), ClientID: app.ClientID, ClientSecret: secret})
}

// verifyApp shows the application behind the request's token.
func (h *Handler) verifyApp(w http.ResponseWriter, r *http.Request) {
	reply(w, application(tokenAuth(r).App))
}

// Token is the token endpoint's answer.
type Token struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	Scope       string `json:"scope"`
	CreatedAt   int64  `json:"created_at"`
}

// clientCredentials returns the client's id and secret: form fields, or
// HTTP Basic authentication (whose parts are form-encoded, RFC 6749
// §2.3.1).
func clientCredentials(r *http.Request, f *form) (string, string) {
	id, secret := f.str("client_id"), f.str("client_secret")
	if bid, bsecret, ok := r.BasicAuth(); ok && secret == "" {
		if u, err := url.QueryUnescape(bid); err == nil {
			bid = u
		}
		if u, err := url.QueryUnescape(bsecret); err == nil {
			bsecret = u
		}
		id, secret = bid, bsecret
	}
	return id, secret
}

// token issues access tokens (POST /oauth/token).
func (h *Handler) token(w http.ResponseWriter, r *http.Request) {
	f, err := readForm(r)
	if err != nil {
		h.failOAuth(w, r, err)
		return
	}
	id, secret := clientCredentials(r, f)
	tok, err := h.svc.IssueToken(r.Context(), social.TokenInput{GrantType: f.str("grant_type"), ClientID: id,
		ClientSecret: secret, Code: f.str("code"), RedirectURI: f.str("redirect_uri"),
		CodeVerifier: f.str("code_verifier"), Username: f.str("username"), Password: f.str("password"),
		Scope: f.str("scope"), IP: clientIP(r)})
	if err != nil {
		h.failOAuth(w, r, err)
		return
	}
	w.Header().Set("Pragma", "no-cache")
	reply(w, Token{AccessToken: tok.AccessToken, TokenType: "Bearer", Scope: tok.Scopes.String(), CreatedAt: tok.CreatedAt.Unix()})
}

// revoke revokes a token (POST /oauth/revoke).
func (h *Handler) revoke(w http.ResponseWriter, r *http.Request) {
	f, err := readForm(r)
	if err != nil {
		h.failOAuth(w, r, err)
		return
	}
	id, secret := clientCredentials(r, f)
	if err := h.svc.RevokeToken(r.Context(), id, secret, f.str("token")); err != nil {
		h.failOAuth(w, r, err)
		return
	}
	reply(w, struct{}{})
}

// authorizeInput reads an authorization request from the query or the
// consent form.
func authorizeInput(v url.Values) social.AuthorizeInput {
	return social.AuthorizeInput{ClientID: v.Get("client_id"), RedirectURI: v.Get("redirect_uri"),
		ResponseType: v.Get("response_type"), Scope: v.Get("scope"), CodeChallenge: v.Get("code_challenge"),
		CodeChallengeMethod: v.Get("code_challenge_method")}
}

// session returns the person logged in to the web UI, or nil.
func (h *Handler) session(w http.ResponseWriter, r *http.Request) (*social.SessionActor, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, true
	}
	sa, err := h.svc.Authenticate(r.Context(), c.Value)
	switch {
	case err == nil:
		return sa, true
	case model.ErrorCode(err) == model.EUNAUTHORIZED:
		return nil, true
	}
	h.consentError(w, r, err)
	return nil, false
}

// loginFirst sends the browser through the web login, back to the
// authorization request afterwards.
func loginFirst(w http.ResponseWriter, r *http.Request, in social.AuthorizeInput, state string) {
	q := url.Values{"response_type": {in.ResponseType}, "client_id": {in.ClientID}, "redirect_uri": {in.RedirectURI},
		"scope": {in.Scope}}
	if state != "" {
		q.Set("state", state)
	}
	if in.CodeChallenge != "" {
		q.Set("code_challenge", in.CodeChallenge)
		q.Set("code_challenge_method", in.CodeChallengeMethod)
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape("/oauth/authorize?"+q.Encode()), http.StatusSeeOther)
}

// authorizeForm shows the consent page (GET /oauth/authorize).
func (h *Handler) authorizeForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	in, state := authorizeInput(q), q.Get("state")
	req, err := h.svc.CheckAuthorize(r.Context(), in)
	if err != nil {
		h.authorizeError(w, r, req, state, err)
		return
	}
	sa, ok := h.session(w, r)
	if !ok {
		return
	}
	if sa == nil {
		loginFirst(w, r, in, state)
		return
	}
	page := consentData{Title: "Authorize " + req.App.Name, App: req.App.Name, Website: req.App.Website,
		Account: sa.Actor.Account.Acct(), CSRF: sa.CSRFToken, Scopes: describeScopes(req.Scopes),
		Hidden: []hidden{{"client_id", in.ClientID}, {"redirect_uri", req.RedirectURI}, {"response_type", "code"},
			{"scope", req.Scopes.String()}, {"state", state}, {"code_challenge", req.CodeChallenge},
			{"code_challenge_method", req.CodeChallengeMethod}}}
	// The form posts here, then the answer redirects to the app: browsers
	// check that redirect against form-action too.
	formAction := "'self'"
	if src := cspSource(req.RedirectURI); src != "" {
		formAction += " " + src
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action "+
		formAction+"; frame-ancestors 'none'; base-uri 'none'")
	h.renderConsent(w, http.StatusOK, page)
}

// cspSource is the CSP source matching a redirect URI: its origin for a
// web address, its scheme for a native app's.
func cspSource(redirect string) string {
	if redirect == social.OOBRedirectURI {
		return ""
	}
	u, err := url.Parse(redirect)
	if err != nil || u.Scheme == "" {
		return ""
	}
	if u.Host != "" && (u.Scheme == "http" || u.Scheme == "https") {
		return u.Scheme + "://" + u.Host
	}
	return u.Scheme + ":"
}

// authorize records the person's answer (POST /oauth/authorize) and sends
// the browser back to the app with a code, or shows the code when the app
// cannot receive a redirect.
func (h *Handler) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.consentError(w, r, model.Errorf(model.EINVALID, "the form is malformed"))
		return
	}
	in, state := authorizeInput(r.PostForm), r.PostForm.Get("state")
	sa, ok := h.session(w, r)
	if !ok {
		return
	}
	if sa == nil {
		loginFirst(w, r, in, state)
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(sa.CSRFToken)) != 1 || sa.CSRFToken == "" {
		h.consentError(w, r, model.Errorf(model.EFORBIDDEN, "the form has expired; go back, reload the page and try again"))
		return
	}
	req, err := h.svc.CheckAuthorize(r.Context(), in)
	if err != nil {
		h.authorizeError(w, r, req, state, err)
		return
	}
	if r.PostForm.Get("decision") != "approve" {
		h.authorizeError(w, r, req, state, &social.OAuthError{Name: "access_denied",
			Err: model.Errorf(model.EFORBIDDEN, "the person refused to authorize the application")})
		return
	}
	code, err := h.svc.GrantCode(r.Context(), sa.Actor, req)
	if err != nil {
		h.consentError(w, r, err)
		return
	}
	if req.RedirectURI == social.OOBRedirectURI {
		h.renderConsent(w, http.StatusOK, consentData{Title: "Authorization code", App: req.App.Name, Code: code})
		return
	}
	http.Redirect(w, r, withQuery(req.RedirectURI, url.Values{"code": {code}, "state": {state}}), http.StatusFound)
}

// authorizeError answers a refused authorization request: back to the app
// when its redirect URI is known and valid (RFC 6749 §4.1.2.1), on a page
// for the person otherwise.
func (h *Handler) authorizeError(w http.ResponseWriter, r *http.Request, req *social.AuthorizeRequest, state string, err error) {
	var oe *social.OAuthError
	if errors.As(err, &oe) && req != nil && req.RedirectURI != social.OOBRedirectURI {
		http.Redirect(w, r, withQuery(req.RedirectURI, url.Values{"error": {oe.Name},
			"error_description": {oe.Err.Message}, "state": {state}}), http.StatusFound)
		return
	}
	h.consentError(w, r, err)
}

// withQuery adds parameters to a URI, keeping its own; empty values are
// left out.
func withQuery(raw string, add url.Values) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	for k, vs := range add {
		for _, v := range vs {
			if v != "" {
				q.Set(k, v)
			}
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func (h *Handler) consentError(w http.ResponseWriter, r *http.Request, err error) {
	status := model.HTTPStatus(err)
	msg := model.ErrorMessage(err)
	if status >= 500 {
		h.log.Error("authorization page failed", "err", err)
	}
	h.renderConsent(w, status, consentData{Title: "Authorization failed", Error: msg})
}

// renderConsent renders the page into a buffer first, so a template error
// is a clean 500.
func (h *Handler) renderConsent(w http.ResponseWriter, status int, d consentData) {
	var b bytes.Buffer
	if err := h.consent.Execute(&b, d); err != nil {
		h.log.Error("render consent page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// consentData is what the consent page shows.
type consentData struct {
	Title   string
	Error   string
	App     string
	Website string
	Account string
	CSRF    string
	Scopes  []string
	Hidden  []hidden
	Code    string
}

type hidden struct{ Name, Value string }

// scopeText says in words what each top-level or granular scope allows.
var scopeText = map[string]string{
	"read":    "read everything in your account: posts, timelines, notifications, follows, bookmarks",
	"write":   "post, edit and delete, favourite, boost, follow, block and change your profile for you",
	"follow":  "see and change whom you follow, block and mute",
	"push":    "receive your notifications as push messages",
	"profile": "see your profile (name, picture, username)",
}

// describeScopes turns scopes into sentences for the consent page.
func describeScopes(scopes social.Scopes) []string {
	var out []string
	for _, s := range scopes {
		if t, ok := scopeText[s]; ok {
			out = append(out, t)
			continue
		}
		verb, what, _ := strings.Cut(s, ":")
		switch verb {
		case "read":
			out = append(out, "read your "+strings.ReplaceAll(what, "_", " "))
		case "write":
			out = append(out, "change your "+strings.ReplaceAll(what, "_", " "))
		default:
			out = append(out, "use the "+s+" permission")
		}
	}
	return out
}

// consentPage is the consent page. It uses the web UI's stylesheet and no
// script: the server's security headers allow no inline code.
const consentPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · Parvis</title>
<link rel="stylesheet" href="/static/parvis.css">
</head>
<body>
<main id="main">
<h1>{{.Title}}</h1>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>
<p><a href="/">Back to Parvis</a></p>
{{else if .Code}}<p>Copy this code and paste it into <strong>{{.App}}</strong>:</p>
<p class="card"><code id="code">{{.Code}}</code></p>
{{else}}<form method="post" action="/oauth/authorize" class="card form">
<p><strong>{{.App}}</strong>{{if .Website}} (<a href="{{.Website}}" rel="noopener noreferrer">{{.Website}}</a>){{end}} asks to use your account <strong>@{{.Account}}</strong>. It will be able to:</p>
<ul>{{range .Scopes}}<li>{{.}}</li>{{end}}</ul>
<input type="hidden" name="csrf" value="{{.CSRF}}">
{{range .Hidden}}{{if .Value}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}{{end}}<button type="submit" name="decision" value="approve">Authorize</button>
<button type="submit" name="decision" value="deny" class="link">Deny</button>
</form>
{{end}}</main>
</body>
</html>
`
