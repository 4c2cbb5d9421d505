package social

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"parvis/internal/model"
	"parvis/internal/store"
)

// OAuth 2 for the Mastodon API. Applications register themselves; people
// grant them access through the web login (authorization code, with PKCE
// when the app uses it) or by giving them their password; every API request
// then carries a bearer token whose scopes bound what it may do. Client
// secrets, codes and tokens are random and stored as SHA-256 only.

// OOBRedirectURI is the redirect URI of apps that cannot receive a
// redirect: the code is shown to the person, who pastes it into the app.
const OOBRedirectURI = "urn:ietf:wg:oauth:2.0:oob"

const (
	// codeTTL is how long an authorization code can be redeemed.
	codeTTL = 10 * time.Minute
	// TokenIdleExpiry is how long an access token lives unused. Mastodon's
	// tokens never expire; forgetting the ones nobody used for a year
	// limits what a leaked old token can do without breaking a bot that
	// runs every day.
	TokenIdleExpiry = 365 * 24 * time.Hour
	// tokenTouchEvery bounds how often a token's last use is written.
	tokenTouchEvery = time.Hour
)

// appsPerNetwork limits app registrations, which need no account.
func appsPerNetwork() Limit { return Limit{Max: 30, Window: time.Hour} }

// knownScopes are the scopes of the Mastodon API.
var knownScopes = map[string]bool{
	"profile": true, "read": true, "write": true, "push": true, "follow": true,
	"read:accounts": true, "read:blocks": true, "read:bookmarks": true, "read:favourites": true, "read:filters": true,
	"read:follows": true, "read:lists": true, "read:mutes": true, "read:notifications": true, "read:search": true,
	"read:statuses": true, "write:accounts": true, "write:blocks": true, "write:bookmarks": true,
	"write:conversations": true, "write:favourites": true, "write:filters": true, "write:follows": true,
	"write:lists": true, "write:media": true, "write:mutes": true, "write:notifications": true,
	"write:reports": true, "write:statuses": true,
	"admin:read": true, "admin:write": true,
	"admin:read:accounts": true, "admin:read:reports": true, "admin:read:domain_allows": true,
	"admin:read:domain_blocks": true, "admin:read:ip_blocks": true, "admin:read:email_domain_blocks": true,
	"admin:read:canonical_email_blocks": true, "admin:write:accounts": true, "admin:write:reports": true,
	"admin:write:domain_allows": true, "admin:write:domain_blocks": true, "admin:write:ip_blocks": true,
	"admin:write:email_domain_blocks": true, "admin:write:canonical_email_blocks": true,
}

// followScopes are what the deprecated "follow" scope grants.
var followScopes = map[string]bool{"read:follows": true, "write:follows": true, "read:blocks": true,
	"write:blocks": true, "read:mutes": true, "write:mutes": true}

// Scopes is a set of OAuth scopes, in the order they were given.
type Scopes []string

// ParseScopes reads scopes separated by spaces (or "+" and ",", which
// some apps send). Unknown scopes are refused.
func ParseScopes(s string) (Scopes, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '+' || r == ',' || r == '\t' || r == '\n' })
	if len(fields) > len(knownScopes) {
		return nil, model.Errorf(model.EUNPROCESS, "too many scopes")
	}
	var out Scopes
	for _, f := range fields {
		if !knownScopes[f] {
			return nil, model.Errorf(model.EUNPROCESS, "unknown scope %q", truncateText(f, 40))
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out, nil
}

// String joins the scopes with spaces, as OAuth writes them.
func (sc Scopes) String() string { return strings.Join(sc, " ") }

// Allows reports whether the scopes grant need: itself, or a wider scope
// that includes it ("read" includes "read:statuses", "follow" includes
// "read:follows", "read" includes "profile").
func (sc Scopes) Allows(need string) bool {
	if slices.Contains(sc, need) {
		return true
	}
	switch {
	case need == "profile":
		return slices.Contains(sc, "read") || slices.Contains(sc, "read:accounts")
	case strings.HasPrefix(need, "admin:read:"):
		return slices.Contains(sc, "admin:read")
	case strings.HasPrefix(need, "admin:write:"):
		return slices.Contains(sc, "admin:write")
	case strings.HasPrefix(need, "read:"):
		return slices.Contains(sc, "read") || followScopes[need] && slices.Contains(sc, "follow")
	case strings.HasPrefix(need, "write:"):
		return slices.Contains(sc, "write") || followScopes[need] && slices.Contains(sc, "follow")
	}
	return false
}

// Covers reports whether every scope of other is allowed by sc.
func (sc Scopes) Covers(other Scopes) bool {
	for _, s := range other {
		if !sc.Allows(s) {
			return false
		}
	}
	return true
}

// OAuthError is an error of the OAuth endpoints: Name is the error code of
// RFC 6749 that the client sees ("invalid_grant"...), Err the domain error
// with its status code and message.
type OAuthError struct {
	Name string
	Err  *model.Error
}

func (e *OAuthError) Error() string { return e.Err.Message }

// Unwrap returns the domain error, so model.ErrorCode works on it.
func (e *OAuthError) Unwrap() error { return e.Err }

func oauthError(name, code, format string, args ...any) error {
	return &OAuthError{Name: name, Err: model.Errorf(code, format, args...)}
}

// AppInput is an application registering itself.
type AppInput struct {
	Name         string
	Website      string
	RedirectURIs []string
	Scopes       string // "" means "read"
	IP           string // hashed into the rate-limit key, never stored
}

// RegisterApp registers an application and returns it with its client
// secret, which is shown this once.
func (s *Service) RegisterApp(ctx context.Context, in AppInput) (*store.OAuthApp, string, error) {
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		return nil, "", model.Errorf(model.EUNPROCESS, "client_name can't be blank")
	case !utf8.ValidString(name) || utf8.RuneCountInString(name) > 100:
		return nil, "", model.Errorf(model.EUNPROCESS, "client_name is longer than 100 characters")
	}
	website := strings.TrimSpace(in.Website)
	if website != "" {
		u, err := url.Parse(website)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(website) > 2000 {
			return nil, "", model.Errorf(model.EUNPROCESS, "website is not an http(s) URL")
		}
	}
	var uris []string
	for _, raw := range in.RedirectURIs {
		for _, u := range strings.Fields(raw) {
			if err := validateRedirectURI(u); err != nil {
				return nil, "", err
			}
			if !slices.Contains(uris, u) {
				uris = append(uris, u)
			}
		}
	}
	switch {
	case len(uris) == 0:
		return nil, "", model.Errorf(model.EUNPROCESS, "redirect_uris can't be blank")
	case len(uris) > 10:
		return nil, "", model.Errorf(model.EUNPROCESS, "an application can have at most 10 redirect URIs")
	}
	scopes, err := ParseScopes(in.Scopes)
	if err != nil {
		return nil, "", err
	}
	if len(scopes) == 0 {
		scopes = Scopes{"read"}
	}
	if err := s.hit(ctx, "app:"+networkKey(in.IP, false), appsPerNetwork()); err != nil {
		return nil, "", err
	}
	clientID, err := randomToken()
	if err != nil {
		return nil, "", err
	}
	secret, err := randomToken()
	if err != nil {
		return nil, "", err
	}
	app := &store.OAuthApp{Name: name, Website: website, RedirectURIs: uris, Scopes: scopes, ClientID: clientID,
		SecretHash: tokenHash(secret), CreatedAt: s.now()}
	if err := s.db.Tx(ctx, func(tx *store.Tx) error { return tx.InsertOAuthApp(ctx, app) }); err != nil {
		return nil, "", wrap("register app", err)
	}
	return app, secret, nil
}

// validateRedirectURI accepts the out-of-band URI and absolute URIs
// without a fragment: web addresses, and the custom schemes of native apps
// ("myapp://callback"), but never schemes that run code in a browser.
func validateRedirectURI(raw string) error {
	if raw == OOBRedirectURI {
		return nil
	}
	u, err := url.Parse(raw)
	bad := err != nil || u.Scheme == "" || u.Fragment != "" || len(raw) > 2000
	if !bad {
		switch strings.ToLower(u.Scheme) {
		case "javascript", "data", "vbscript", "file":
			bad = true
		case "http", "https":
			bad = u.Host == ""
		}
	}
	if bad {
		return model.Errorf(model.EUNPROCESS, "redirect URI %q is not an absolute URI", truncateText(raw, 80))
	}
	return nil
}

// AuthorizeInput is an authorization request as an app sends it to
// /oauth/authorize.
type AuthorizeInput struct {
	ClientID            string
	RedirectURI         string
	ResponseType        string
	Scope               string
	CodeChallenge       string
	CodeChallengeMethod string
}

// AuthorizeRequest is a checked authorization request: what the consent
// page shows and what the code will grant.
type AuthorizeRequest struct {
	App                 *store.OAuthApp
	RedirectURI         string
	Scopes              Scopes
	CodeChallenge       string
	CodeChallengeMethod string
}

// CheckAuthorize validates an authorization request. When the app and its
// redirect URI are valid but something else is not, it returns the request
// with the error, so the error can be sent back to the app by redirect;
// otherwise the request is nil and the error is for the person.
func (s *Service) CheckAuthorize(ctx context.Context, in AuthorizeInput) (*AuthorizeRequest, error) {
	if in.ClientID == "" || len(in.ClientID) > 100 {
		return nil, oauthError("invalid_client", model.EINVALID, "unknown application (client_id)")
	}
	app, err := s.db.Read().OAuthAppByClientID(ctx, in.ClientID)
	if model.IsNotFound(err) {
		return nil, oauthError("invalid_client", model.EINVALID, "unknown application (client_id)")
	}
	if err != nil {
		return nil, err
	}
	req := &AuthorizeRequest{App: app, RedirectURI: in.RedirectURI}
	switch {
	case req.RedirectURI == "" && len(app.RedirectURIs) == 1:
		req.RedirectURI = app.RedirectURIs[0]
	case !slices.Contains(app.RedirectURIs, req.RedirectURI):
		return nil, oauthError("invalid_request", model.EINVALID, "the redirect URI is not one this application registered")
	}
	if in.ResponseType != "code" {
		return req, oauthError("unsupported_response_type", model.EINVALID, "response_type must be \"code\"")
	}
	scopes, err := ParseScopes(in.Scope)
	if err != nil {
		return req, oauthError("invalid_scope", model.EINVALID, "%s", model.ErrorMessage(err))
	}
	if len(scopes) == 0 {
		scopes = Scopes{"read"}
	}
	if !Scopes(app.Scopes).Covers(scopes) {
		return req, oauthError("invalid_scope", model.EINVALID, "the application did not register the scopes it asks for")
	}
	req.Scopes = scopes
	switch {
	case in.CodeChallenge == "" && in.CodeChallengeMethod != "":
		return req, oauthError("invalid_request", model.EINVALID, "code_challenge_method without code_challenge")
	case in.CodeChallenge != "" && in.CodeChallengeMethod != "S256":
		return req, oauthError("invalid_request", model.EINVALID, "only the S256 code challenge method is supported")
	case in.CodeChallenge != "" && !pkceString(in.CodeChallenge):
		return req, oauthError("invalid_request", model.EINVALID, "code_challenge is malformed")
	}
	req.CodeChallenge, req.CodeChallengeMethod = in.CodeChallenge, in.CodeChallengeMethod
	return req, nil
}

// pkceString checks a PKCE verifier or challenge: 43 to 128 unreserved
// characters (RFC 7636 §4.1).
func pkceString(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// GrantCode records the actor's consent to req and returns the
// authorization code the app redeems at the token endpoint.
func (s *Service) GrantCode(ctx context.Context, actor *Actor, req *AuthorizeRequest) (string, error) {
	if err := actor.require(); err != nil {
		return "", err
	}
	code, err := randomToken()
	if err != nil {
		return "", err
	}
	now := s.now()
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		return tx.InsertOAuthCode(ctx, store.OAuthCode{Hash: tokenHash(code), AppID: req.App.ID, UserID: actor.User.ID,
			RedirectURI: req.RedirectURI, Scopes: req.Scopes, Challenge: req.CodeChallenge,
			ChallengeMethod: req.CodeChallengeMethod, ExpiresAt: now.Add(codeTTL)}, now)
	})
	if err != nil {
		return "", wrap("grant code", err)
	}
	return code, nil
}

// TokenInput is a request to the token endpoint.
type TokenInput struct {
	GrantType    string
	ClientID     string
	ClientSecret string
	Code         string
	RedirectURI  string
	CodeVerifier string
	Username     string // username or e-mail address (password grant)
	Password     string
	Scope        string
	IP           string
}

// IssuedToken is a new access token; AccessToken is shown this once.
type IssuedToken struct {
	AccessToken string
	Scopes      Scopes
	CreatedAt   time.Time
}

// IssueToken runs the token endpoint: the authorization code, password
// and client credentials grants.
func (s *Service) IssueToken(ctx context.Context, in TokenInput) (*IssuedToken, error) {
	if in.GrantType == "" {
		return nil, oauthError("invalid_request", model.EINVALID, "grant_type is required")
	}
	app, err := s.authenticateClient(ctx, in.ClientID, in.ClientSecret)
	if err != nil {
		return nil, err
	}
	var userID int64
	var scopes Scopes
	switch in.GrantType {
	case "authorization_code":
		userID, scopes, err = s.redeemCode(ctx, app, in)
	case "password":
		userID, scopes, err = s.passwordGrant(ctx, app, in)
	case "client_credentials":
		scopes, err = requestedScopes(app, in.Scope)
	default:
		return nil, oauthError("unsupported_grant_type", model.EINVALID, "unsupported grant_type %q", truncateText(in.GrantType, 40))
	}
	if err != nil {
		return nil, err
	}
	token, err := randomToken()
	if err != nil {
		return nil, err
	}
	now := s.now()
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		return tx.InsertOAuthToken(ctx, store.OAuthToken{Hash: tokenHash(token), AppID: app.ID, UserID: userID,
			Scopes: scopes, CreatedAt: now, LastUsedAt: now})
	})
	if err != nil {
		return nil, wrap("issue token", err)
	}
	return &IssuedToken{AccessToken: token, Scopes: scopes, CreatedAt: now}, nil
}

// authenticateClient checks an application's credentials.
func (s *Service) authenticateClient(ctx context.Context, clientID, secret string) (*store.OAuthApp, error) {
	fail := oauthError("invalid_client", model.EUNAUTHORIZED, "client authentication failed (unknown client, or wrong client_secret)")
	if clientID == "" || secret == "" || len(clientID) > 100 || len(secret) > 100 {
		return nil, fail
	}
	app, err := s.db.Read().OAuthAppByClientID(ctx, clientID)
	if model.IsNotFound(err) {
		return nil, fail
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(tokenHash(secret)), []byte(app.SecretHash)) != 1 {
		return nil, fail
	}
	return app, nil
}

// requestedScopes reads the scopes asked for at the token endpoint ("read"
// when none) and checks the app registered them.
func requestedScopes(app *store.OAuthApp, scope string) (Scopes, error) {
	scopes, err := ParseScopes(scope)
	if err != nil {
		return nil, oauthError("invalid_scope", model.EINVALID, "%s", model.ErrorMessage(err))
	}
	if len(scopes) == 0 {
		scopes = Scopes{"read"}
	}
	if !Scopes(app.Scopes).Covers(scopes) {
		return nil, oauthError("invalid_scope", model.EINVALID, "the application did not register the scopes it asks for")
	}
	return scopes, nil
}

// redeemCode consumes an authorization code. The code is deleted before
// it is checked, so a wrong verifier or redirect URI burns it: a code can
// be tried once only.
func (s *Service) redeemCode(ctx context.Context, app *store.OAuthApp, in TokenInput) (int64, Scopes, error) {
	invalid := oauthError("invalid_grant", model.EINVALID, "the authorization code is invalid, expired or already used")
	if in.Code == "" || len(in.Code) > 100 {
		return 0, nil, invalid
	}
	var code *store.OAuthCode
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		code, err = tx.TakeOAuthCode(ctx, tokenHash(in.Code), s.now())
		if model.IsNotFound(err) {
			return nil
		}
		return err
	})
	if err != nil {
		return 0, nil, wrap("redeem code", err)
	}
	if code == nil || code.AppID != app.ID {
		return 0, nil, invalid
	}
	if in.RedirectURI != code.RedirectURI {
		return 0, nil, oauthError("invalid_grant", model.EINVALID, "the redirect URI differs from the authorization request's")
	}
	if code.Challenge != "" {
		sum := sha256.Sum256([]byte(in.CodeVerifier))
		want := base64.RawURLEncoding.EncodeToString(sum[:])
		if !pkceString(in.CodeVerifier) || subtle.ConstantTimeCompare([]byte(want), []byte(code.Challenge)) != 1 {
			return 0, nil, oauthError("invalid_grant", model.EINVALID, "the code verifier does not match the code challenge")
		}
	}
	uw, err := s.db.Read().UserWithAccountByID(ctx, code.UserID)
	if model.IsNotFound(err) {
		return 0, nil, invalid
	}
	if err != nil {
		return 0, nil, err
	}
	if !userMayUseAPI(uw.User, uw.Account) {
		return 0, nil, oauthError("invalid_grant", model.EINVALID, "this account is disabled")
	}
	return code.UserID, code.Scopes, nil
}

// passwordGrant checks a person's credentials (the username or the e-mail
// address, and the password).
func (s *Service) passwordGrant(ctx context.Context, app *store.OAuthApp, in TokenInput) (int64, Scopes, error) {
	if in.Username == "" || in.Password == "" {
		return 0, nil, oauthError("invalid_request", model.EINVALID, "username and password are required")
	}
	if len(in.Username) > 300 || len(in.Password) > model.MaxPasswordLen {
		return 0, nil, oauthError("invalid_grant", model.EINVALID, "wrong username or password")
	}
	scopes, err := requestedScopes(app, in.Scope)
	if err != nil {
		return 0, nil, err
	}
	// Failed attempts count against the account as on the web login, so
	// that guessing from many addresses is slowed too.
	accountKey := "login-account:" + strings.ToLower(strings.TrimSpace(in.Username))
	if err := s.over(ctx, accountKey, s.limits.LoginPerAccount); err != nil {
		return 0, nil, err
	}
	u, _, err := s.CheckCredentials(ctx, in.Username, in.Password, in.IP)
	switch model.ErrorCode(err) {
	case "":
	case model.EUNAUTHORIZED:
		if herr := s.hit(ctx, accountKey, s.limits.LoginPerAccount); herr != nil && model.ErrorCode(herr) != model.ERATELIMIT {
			return 0, nil, herr
		}
		return 0, nil, oauthError("invalid_grant", model.EINVALID, "%s", model.ErrorMessage(err))
	case model.EFORBIDDEN:
		return 0, nil, oauthError("invalid_grant", model.EINVALID, "%s", model.ErrorMessage(err))
	default:
		return 0, nil, err
	}
	return u.ID, scopes, nil
}

// RevokeToken revokes one of the client's tokens (RFC 7009). An unknown
// token is not an error: the outcome is the same.
func (s *Service) RevokeToken(ctx context.Context, clientID, clientSecret, token string) error {
	app, err := s.authenticateClient(ctx, clientID, clientSecret)
	if err != nil {
		return oauthError("unauthorized_client", model.EFORBIDDEN, "you are not authorized to revoke this token")
	}
	if token == "" {
		return oauthError("invalid_request", model.EINVALID, "token is required")
	}
	if len(token) > 200 {
		return nil
	}
	return wrap("revoke token", s.db.Tx(ctx, func(tx *store.Tx) error {
		_, err := tx.RevokeOAuthToken(ctx, tokenHash(token), app.ID, s.now())
		return err
	}))
}

// TokenAuth is who an API request acts for: a person through an app, or
// an app alone (Actor is then anonymous), within Scopes.
type TokenAuth struct {
	Actor  *Actor
	App    *store.OAuthApp
	Scopes Scopes
}

// errBadToken is the one answer for a token that is unknown, revoked,
// expired, or whose user may no longer log in: clients only need to know
// they must authorize again.
func errBadToken() error { return model.Errorf(model.EUNAUTHORIZED, "The access token is invalid") }

// AuthenticateToken returns who a bearer token acts for. It records the
// token's use and the user's activity at most hourly, which keeps their
// home feed flowing (see touchActive).
func (s *Service) AuthenticateToken(ctx context.Context, token string) (*TokenAuth, error) {
	if token == "" || len(token) > 200 {
		return nil, errBadToken()
	}
	hash := tokenHash(token)
	o, err := s.db.Read().OAuthTokenByHash(ctx, hash)
	if model.IsNotFound(err) {
		return nil, errBadToken()
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	last := o.Token.LastUsedAt
	if last.Before(o.Token.CreatedAt) {
		last = o.Token.CreatedAt
	}
	if !o.Token.RevokedAt.IsZero() || now.Sub(last) > TokenIdleExpiry {
		return nil, errBadToken()
	}
	auth := &TokenAuth{Actor: &Actor{}, App: o.App, Scopes: o.Token.Scopes}
	if o.User != nil {
		if !userMayUseAPI(o.User, o.Account) {
			return nil, errBadToken()
		}
		auth.Actor = &Actor{User: o.User, Account: o.Account}
	}
	if now.Sub(o.Token.LastUsedAt) > tokenTouchEvery {
		if err := s.db.Tx(ctx, func(tx *store.Tx) error { return tx.TouchOAuthToken(ctx, hash, now) }); err != nil {
			s.log.Warn("record token use", "err", err)
		}
	}
	if o.User != nil {
		s.touchActive(ctx, o.User)
	}
	return auth, nil
}

// userMayUseAPI reports whether a user may act: approved, neither
// disabled nor suspended.
func userMayUseAPI(u *model.User, a *model.Account) bool {
	return u.Approved && !u.Disabled && !a.Suspended()
}

// truncateText shortens s to n bytes for an error message.
func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
