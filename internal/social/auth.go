package social

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"parvis/internal/model"
	"parvis/internal/store"
)

// SignupInput is what a person gives to join.
type SignupInput struct {
	Username string
	Email    string
	Password string
	Locale   string
	Note     string // why they want to join (approval-only servers)
	Role     model.Role
	// Request facts, hashed before storage, never kept raw.
	IP        string
	UserAgent string
}

func (in *SignupInput) validate() error {
	in.Username = strings.TrimSpace(in.Username)
	if err := model.ValidateUsername(in.Username); err != nil {
		return err
	}
	email, err := model.NormalizeEmail(in.Email)
	if err != nil {
		return err
	}
	in.Email = email
	if err := model.ValidatePassword(in.Password); err != nil {
		return err
	}
	if len(in.Note) > 1000 {
		return model.Errorf(model.EINVALID, "the reason to join is longer than 1000 characters")
	}
	if in.Role == "" {
		in.Role = model.RoleUser
	}
	return nil
}

// reservedUsernames cannot be taken by people: they would shadow paths or
// mislead.
var reservedUsernames = map[string]bool{"root": true, "parvis": true, "instance": true,
	"support": true, "postmaster": true, "webmaster": true, "www": true, "api": true, "oauth": true}

// RegistrationMode returns who may sign up now.
func (s *Service) RegistrationMode(ctx context.Context) (model.RegistrationMode, error) {
	settings, err := s.db.Read().Settings(ctx)
	if err != nil {
		return "", err
	}
	if m, err := model.ParseRegistrationMode(settings["registrations"]); err == nil {
		return m, nil
	}
	return model.RegistrationOpen, nil
}

// SetRegistrationMode lets an admin open, restrict or close sign-ups.
func (s *Service) SetRegistrationMode(ctx context.Context, actor *Actor, mode string) error {
	if err := actor.requireRole(model.RoleAdmin); err != nil {
		return err
	}
	m, err := model.ParseRegistrationMode(mode)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error { return tx.SetSetting(ctx, "registrations", string(m)) })
}

// NeedsFirstAdmin reports whether no admin exists yet, in which case the web
// UI offers to create one.
func (s *Service) NeedsFirstAdmin(ctx context.Context) (bool, error) {
	has, err := s.db.Read().HasAdmin(ctx)
	return !has, err
}

// CreateFirstAdmin creates the admin account on a fresh server. It refuses
// once an admin exists, even when two visitors race for it.
func (s *Service) CreateFirstAdmin(ctx context.Context, in SignupInput) (*model.User, error) {
	in.Role = model.RoleAdmin
	if err := in.validate(); err != nil {
		return nil, err
	}
	var u *model.User
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		has, err := tx.HasAdmin(ctx)
		if err != nil {
			return err
		}
		if has {
			return model.Errorf(model.ECONFLICT, "this server already has an admin")
		}
		u, _, err = s.createUser(ctx, tx, in, true)
		return err
	})
	return u, wrap("create first admin", err)
}

// Signup registers a person according to the registration mode: open
// servers approve at once, approval-only servers hold the sign-up for an
// admin, closed servers refuse.
func (s *Service) Signup(ctx context.Context, in SignupInput) (*model.User, error) {
	in.Role = model.RoleUser
	if err := in.validate(); err != nil {
		return nil, err
	}
	mode, err := s.RegistrationMode(ctx)
	if err != nil {
		return nil, err
	}
	if mode == model.RegistrationClosed {
		return nil, model.Errorf(model.EFORBIDDEN, "sign-ups are closed on this server")
	}
	if reservedUsernames[strings.ToLower(in.Username)] {
		return nil, model.Errorf(model.EINVALID, "the username %q is reserved", in.Username)
	}
	if err := s.hit(ctx, "signup:"+networkKey(in.IP, false), s.limits.SignupPerIP); err != nil {
		return nil, err
	}
	var u *model.User
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		u, _, err = s.createUser(ctx, tx, in, mode == model.RegistrationOpen)
		return err
	})
	return u, wrap("sign up", err)
}

// CreateUser creates a user directly (the admin command line), with any role,
// approved.
func (s *Service) CreateUser(ctx context.Context, in SignupInput) (*model.User, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var u *model.User
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		u, _, err = s.createUser(ctx, tx, in, true)
		return err
	})
	return u, wrap("create user", err)
}

func (s *Service) createUser(ctx context.Context, tx *store.Tx, in SignupInput, approved bool) (*model.User, *model.Account, error) {
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, nil, err
	}
	// Local accounts keep no URIs: they are derived from the domain when
	// needed, so the command line can create users without knowing it.
	a := &model.Account{Username: in.Username, Discoverable: true}
	if err := tx.CreateAccount(ctx, a); err != nil {
		return nil, nil, err
	}
	var network, client string
	if in.IP != "" {
		network = s.hashKeyed("net", networkKey(in.IP, true))
	}
	if in.UserAgent != "" {
		client = s.hashKeyed("ua", in.UserAgent)
	}
	u, err := tx.CreateUser(ctx, a.ID, store.NewUser{Email: in.Email, PasswordHash: hash, Role: in.Role,
		Approved: approved, Locale: in.Locale, SignupNote: in.Note, SignupNetwork: network, SignupClient: client})
	if err != nil {
		return nil, nil, err
	}
	return u, a, nil
}

// networkKey reduces an address to what rate limits and the integrity scans
// compare: the address itself, or with wide set, its /24 (IPv4) or /48
// (IPv6) network. IPv6 clients rotate addresses within a /64 at will, so the
// narrow key for IPv6 is the /64.
func networkKey(ip string, wide bool) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return "unknown"
	}
	addr = addr.Unmap()
	bits := 32
	switch {
	case addr.Is4() && wide:
		bits = 24
	case addr.Is6() && wide:
		bits = 48
	case addr.Is6():
		bits = 64
	}
	p, err := addr.Prefix(bits)
	if err != nil {
		return "unknown"
	}
	return p.String()
}

// LoginInput is a login attempt.
type LoginInput struct {
	Login     string // username or e-mail address
	Password  string
	IP        string
	UserAgent string
}

// Session is a new web session; Token goes into the cookie and nowhere else.
type Session struct {
	Token     string
	CSRFToken string
	User      *model.User
	Account   *model.Account
}

// dummyHash is checked against when the login is unknown, so that a
// response's timing does not reveal whether an account exists.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Dl2dGKFkLr0vJ1S8zc2I7mJ1dJ4u1G3y+qXbB3N3pE"

// Login checks credentials and opens a web session. Attempts are limited
// per address and per account, and every failure looks the same from
// outside.
func (s *Service) Login(ctx context.Context, in LoginInput) (*Session, error) {
	login := strings.ToLower(strings.TrimSpace(in.Login))
	if login == "" || in.Password == "" {
		return nil, model.Errorf(model.EINVALID, "enter your username or e-mail address and your password")
	}
	if len(login) > 300 || len(in.Password) > model.MaxPasswordLen {
		return nil, model.Errorf(model.EINVALID, "wrong username or password")
	}
	if err := s.hit(ctx, "login-ip:"+networkKey(in.IP, false), s.limits.LoginPerIP); err != nil {
		return nil, err
	}
	accountKey := "login-account:" + login
	if err := s.over(ctx, accountKey, s.limits.LoginPerAccount); err != nil {
		return nil, err
	}
	user, acc, err := s.checkCredentials(ctx, login, in.Password)
	if err != nil {
		if model.ErrorCode(err) == model.EUNAUTHORIZED {
			if herr := s.hit(ctx, accountKey, s.limits.LoginPerAccount); herr != nil && model.ErrorCode(herr) != model.ERATELIMIT {
				return nil, herr
			}
		}
		return nil, err
	}
	sess, err := s.openSession(ctx, user, acc, in.UserAgent)
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// checkCredentials verifies a login and password and that the user may log
// in; it is shared by the web login and OAuth's password grant.
func (s *Service) checkCredentials(ctx context.Context, login, password string) (*model.User, *model.Account, error) {
	c, err := s.db.Read().CredentialsByLogin(ctx, login)
	if model.IsNotFound(err) {
		CheckPassword(dummyHash, password)
		return nil, nil, model.Errorf(model.EUNAUTHORIZED, "wrong username or password")
	}
	if err != nil {
		return nil, nil, err
	}
	if !CheckPassword(c.PasswordHash, password) {
		return nil, nil, model.Errorf(model.EUNAUTHORIZED, "wrong username or password")
	}
	switch {
	case c.User.Disabled || c.Account.Suspended():
		return nil, nil, model.Errorf(model.EFORBIDDEN, "this account is disabled")
	case !c.User.Approved:
		return nil, nil, model.Errorf(model.EFORBIDDEN, "your sign-up is awaiting approval by an admin")
	}
	return c.User, c.Account, nil
}

// CheckCredentials verifies a login and password (OAuth's password grant).
func (s *Service) CheckCredentials(ctx context.Context, login, password, ip string) (*model.User, *model.Account, error) {
	if err := s.hit(ctx, "login-ip:"+networkKey(ip, false), s.limits.LoginPerIP); err != nil {
		return nil, nil, err
	}
	return s.checkCredentials(ctx, strings.ToLower(strings.TrimSpace(login)), password)
}

func (s *Service) openSession(ctx context.Context, u *model.User, a *model.Account, userAgent string) (*Session, error) {
	token, err := randomToken()
	if err != nil {
		return nil, err
	}
	csrf, err := randomToken()
	if err != nil {
		return nil, err
	}
	now := s.now()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateSession(ctx, &store.Session{ID: tokenHash(token), UserID: u.ID, CSRFToken: csrf,
			UserAgent: userAgent, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL)}); err != nil {
			return err
		}
		return tx.TouchLogin(ctx, u.ID)
	})
	if err != nil {
		return nil, wrap("open session", err)
	}
	return &Session{Token: token, CSRFToken: csrf, User: u, Account: a}, nil
}

// SessionActor is the actor behind a web session cookie.
type SessionActor struct {
	Actor     *Actor
	SessionID string
	CSRFToken string
}

// Authenticate returns the actor of a session token, sliding its expiry at
// most once an hour (a write per page view would be wasteful). An unknown or
// expired token is EUNAUTHORIZED.
func (s *Service) Authenticate(ctx context.Context, token string) (*SessionActor, error) {
	if token == "" || len(token) > 100 {
		return nil, model.Errorf(model.EUNAUTHORIZED, "not logged in")
	}
	id := tokenHash(token)
	now := s.now()
	sw, err := s.db.Read().SessionByID(ctx, id, now)
	if model.IsNotFound(err) {
		return nil, model.Errorf(model.EUNAUTHORIZED, "your session has expired; log in again")
	}
	if err != nil {
		return nil, err
	}
	if sw.User.Disabled || sw.Account.Suspended() || !sw.User.Approved {
		return nil, model.Errorf(model.EUNAUTHORIZED, "this account is disabled")
	}
	s.touchActive(ctx, sw.User)
	if now.Sub(sw.Session.LastSeenAt) > time.Hour {
		if err := s.db.Tx(ctx, func(tx *store.Tx) error {
			return tx.TouchSession(ctx, id, now, now.Add(s.cfg.SessionTTL))
		}); err != nil {
			s.log.Warn("touch session", "err", err)
		}
	}
	return &SessionActor{Actor: &Actor{User: sw.User, Account: sw.Account}, SessionID: id, CSRFToken: sw.Session.CSRFToken}, nil
}

// Logout ends the session of token.
func (s *Service) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error { return tx.DeleteSession(ctx, tokenHash(token)) })
}

// ChangePassword replaces the actor's password after checking the current
// one, and ends their other sessions.
func (s *Service) ChangePassword(ctx context.Context, actor *Actor, current, next, keepSessionID string) error {
	if err := actor.require(); err != nil {
		return err
	}
	if err := model.ValidatePassword(next); err != nil {
		return err
	}
	if err := s.hit(ctx, fmt.Sprintf("password-change:%d", actor.User.ID), s.limits.LoginPerAccount); err != nil {
		return err
	}
	stored, err := s.db.Read().PasswordHash(ctx, actor.User.ID)
	if err != nil {
		return err
	}
	if !CheckPassword(stored, current) {
		return model.Errorf(model.EINVALID, "the current password is wrong")
	}
	hash, err := HashPassword(next)
	if err != nil {
		return err
	}
	return wrap("change password", s.db.Tx(ctx, func(tx *store.Tx) error {
		return tx.SetPassword(ctx, actor.User.ID, hash, keepSessionID)
	}))
}

// ErrMailDisabled is returned when a password reset is asked for but no SMTP
// server is configured.
var ErrMailDisabled = model.Errorf(model.EUNAVAILABLE, "password reset by e-mail is not available on this server; ask an admin")

// MailEnabled reports whether the server can send e-mail.
func (s *Service) MailEnabled() bool { return s.mailer.Enabled() }

// RequestPasswordReset e-mails a one-time link to the user with that
// address, if there is one. It answers the same either way, so that nobody
// can probe which addresses have accounts.
func (s *Service) RequestPasswordReset(ctx context.Context, email, ip, locale string) error {
	if !s.mailer.Enabled() {
		return ErrMailDisabled
	}
	addr, err := model.NormalizeEmail(email)
	if err != nil || addr == "" {
		return model.Errorf(model.EINVALID, "enter the e-mail address of your account")
	}
	if err := s.hit(ctx, "reset:"+networkKey(ip, false), s.limits.ResetPerIP); err != nil {
		return err
	}
	c, err := s.db.Read().CredentialsByLogin(ctx, addr)
	if model.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	token, err := randomToken()
	if err != nil {
		return err
	}
	now := s.now()
	link := s.BaseURL() + "/password/reset/" + token
	msg := resetMail(locale, c.Account.Username, link, s.cfg.Domain, s.cfg.ResetTTL)
	msg.To = c.User.Email
	return wrap("request password reset", s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.CreatePasswordReset(ctx, store.PasswordReset{TokenHash: tokenHash(token), UserID: c.User.ID,
			CreatedAt: now, ExpiresAt: now.Add(s.cfg.ResetTTL)}); err != nil {
			return err
		}
		return s.queue.Enqueue(ctx, tx.SQL(), SendMailArgs{To: msg.To, Subject: msg.Subject, Body: msg.Body}, nil)
	}))
}

// ResetPassword sets a new password with a one-time token and ends every
// session of the user.
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	if err := model.ValidatePassword(password); err != nil {
		return err
	}
	if token == "" || len(token) > 100 {
		return model.Errorf(model.EINVALID, "this password reset link is invalid or has expired")
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return wrap("reset password", s.db.Tx(ctx, func(tx *store.Tx) error {
		userID, err := tx.UsePasswordReset(ctx, tokenHash(token), s.now())
		if err != nil {
			return err
		}
		if err := tx.SetPassword(ctx, userID, hash, ""); err != nil {
			return err
		}
		// A reset recovers the account: apps that whoever held it
		// granted access lose it, as every session does.
		return tx.RevokeUserTokens(ctx, userID, s.now())
	}))
}

// SetRole changes a user's server role (admins only; the command line acts
// as an admin).
func (s *Service) SetRole(ctx context.Context, actor *Actor, username string, role model.Role) error {
	if err := actor.requireRole(model.RoleAdmin); err != nil {
		return err
	}
	return wrap("set role", s.db.Tx(ctx, func(tx *store.Tx) error {
		a, err := tx.AccountByUsername(ctx, username, "")
		if err != nil {
			return err
		}
		u, err := tx.UserByAccountID(ctx, a.ID)
		if err != nil {
			return err
		}
		if u.Role == model.RoleAdmin && role != model.RoleAdmin {
			admins, err := tx.ListUsers(ctx, false, 1<<20)
			if err != nil {
				return err
			}
			n := 0
			for _, x := range admins {
				if x.User.Role == model.RoleAdmin {
					n++
				}
			}
			if n <= 1 {
				return model.Errorf(model.ECONFLICT, "%s is the last admin; make someone else admin first", username)
			}
		}
		return tx.SetRole(ctx, u.ID, role)
	}))
}

// ReviewSignup approves or rejects a pending sign-up (admins and
// moderators).
func (s *Service) ReviewSignup(ctx context.Context, actor *Actor, userID int64, approve bool) error {
	if err := actor.requireRole(model.RoleModerator); err != nil {
		return err
	}
	return wrap("review sign-up", s.db.Tx(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		if u.Approved {
			return model.Errorf(model.ECONFLICT, "this sign-up was already approved")
		}
		if approve {
			return tx.SetApproved(ctx, userID, true)
		}
		return tx.DeleteUnapprovedUser(ctx, userID)
	}))
}

// SystemActor acts for the command line, with admin powers.
func SystemActor() *Actor {
	return &Actor{User: &model.User{Role: model.RoleAdmin}, Account: &model.Account{Username: "system"}}
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// IsRateLimited reports whether err is a rate-limit refusal.
func IsRateLimited(err error) bool {
	var e *model.Error
	return errors.As(err, &e) && e.Code == model.ERATELIMIT
}
