package model

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a local user may do on the whole server.
type Role string

// The server-wide roles.
const (
	RoleUser      Role = "user"
	RoleModerator Role = "moderator"
	RoleAdmin     Role = "admin"
)

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case RoleUser, RoleModerator, RoleAdmin:
		return r, nil
	}
	return "", Errorf(EINVALID, "unknown role %q (want admin, moderator or user)", truncate(s, 20))
}

// AtLeast reports whether r includes the powers of min.
func (r Role) AtLeast(min Role) bool { return r.rank() >= min.rank() }

func (r Role) rank() int {
	switch r {
	case RoleAdmin:
		return 3
	case RoleModerator:
		return 2
	case RoleUser:
		return 1
	}
	return 0
}

// Account is a person, a bot or a community (group) that can publish, local or
// remote. Local people also have a User.
type Account struct {
	ID             int64
	Username       string
	Domain         string // "" for local accounts
	DisplayName    string
	Note           string // the bio as written (plain text)
	NoteHTML       string // the bio rendered and sanitised
	AvatarPath     string // path in the media store, "" when none
	HeaderPath     string
	Locked         bool // follow requests need approval
	Bot            bool
	Group          bool // a community's account
	Discoverable   bool
	URI            string // ActivityPub id
	URL            string // profile page
	Inbox          string
	SharedInbox    string
	FollowersURL   string
	PublicKeyPEM   string
	FollowersCount int64
	FollowingCount int64
	StatusesCount  int64
	LastStatusAt   time.Time // zero when the account never posted
	CreatedAt      time.Time
	UpdatedAt      time.Time
	SuspendedAt    time.Time // zero unless suspended
	Fields         []Field
	// DeletedAt is when a local account was deleted (zero otherwise): the
	// row stays, suspended, so that its username is never given again.
	DeletedAt time.Time
	// MovedToID is the account this one moved to (0: none).
	MovedToID int64
}

// Field is a profile metadata pair, as in Mastodon.
type Field struct {
	Name       string    `json:"name"`
	Value      string    `json:"value"`
	VerifiedAt time.Time `json:"verified_at,omitempty"`
}

// Local reports whether the account lives on this server.
func (a *Account) Local() bool { return a.Domain == "" }

// Acct is the account's address as the Mastodon API shows it: "user" for
// local accounts and "user@domain" for remote ones.
func (a *Account) Acct() string {
	if a.Domain == "" {
		return a.Username
	}
	return a.Username + "@" + a.Domain
}

// Suspended reports whether a moderator suspended the account.
func (a *Account) Suspended() bool { return !a.SuspendedAt.IsZero() }

// Deleted reports whether the account was deleted.
func (a *Account) Deleted() bool { return !a.DeletedAt.IsZero() }

// Name returns the display name, or the username when it is empty.
func (a *Account) Name() string {
	if a.DisplayName != "" {
		return a.DisplayName
	}
	return a.Username
}

// User is a local person who can log in.
type User struct {
	ID           int64
	AccountID    int64
	Email        string // "" when none was given
	Role         Role
	Approved     bool // false while a sign-up awaits approval
	Disabled     bool
	Locale       string // "" follows the browser
	CreatedAt    time.Time
	LastLoginAt  time.Time
	LastActiveAt time.Time
	SignupNote   string // why they want to join, for approval-only servers
}

// Limits on what people type.
const (
	MaxUsernameLen    = 30
	MinPasswordLen    = 8
	MaxPasswordLen    = 256
	MaxDisplayNameLen = 100
	MaxNoteLen        = 1000
	MaxEmailLen       = 254
)

// ValidateUsername checks a local username: 1 to 30 letters, digits or
// underscores, as Mastodon allows. Case is kept for display, and uniqueness
// is case-insensitive.
func ValidateUsername(s string) error {
	if s == "" {
		return Errorf(EINVALID, "username is required")
	}
	if len(s) > MaxUsernameLen {
		return Errorf(EINVALID, "username is longer than %d characters", MaxUsernameLen)
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return Errorf(EINVALID, "username may only contain letters, digits and underscores")
		}
	}
	return nil
}

// ValidatePassword checks a new password's length. Length beats composition
// rules (NIST SP 800-63B).
func ValidatePassword(s string) error {
	n := utf8.RuneCountInString(s)
	if n < MinPasswordLen {
		return Errorf(EINVALID, "password must have at least %d characters", MinPasswordLen)
	}
	if len(s) > MaxPasswordLen {
		return Errorf(EINVALID, "password is longer than %d bytes", MaxPasswordLen)
	}
	return nil
}

// NormalizeEmail validates an e-mail address and returns it trimmed, with the
// domain lowercased; "" stays "" (an e-mail address is optional).
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if len(s) > MaxEmailLen {
		return "", Errorf(EINVALID, "e-mail address is too long")
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || !strings.Contains(s, "@") {
		return "", Errorf(EINVALID, "%q is not an e-mail address", truncate(s, 60))
	}
	at := strings.LastIndexByte(s, '@')
	return s[:at] + "@" + strings.ToLower(s[at+1:]), nil
}

// ValidateProfile checks the editable profile texts.
func ValidateProfile(displayName, note string) error {
	if utf8.RuneCountInString(displayName) > MaxDisplayNameLen {
		return Errorf(EINVALID, "display name is longer than %d characters", MaxDisplayNameLen)
	}
	if utf8.RuneCountInString(note) > MaxNoteLen {
		return Errorf(EINVALID, "bio is longer than %d characters", MaxNoteLen)
	}
	if !utf8.ValidString(displayName) || !utf8.ValidString(note) {
		return Errorf(EINVALID, "text is not valid UTF-8")
	}
	return nil
}

// RegistrationMode says who may sign up.
type RegistrationMode string

// The registration modes an admin can choose.
const (
	RegistrationOpen     RegistrationMode = "open"
	RegistrationApproval RegistrationMode = "approval"
	RegistrationClosed   RegistrationMode = "closed"
)

// ParseRegistrationMode validates a registration mode.
func ParseRegistrationMode(s string) (RegistrationMode, error) {
	switch m := RegistrationMode(s); m {
	case RegistrationOpen, RegistrationApproval, RegistrationClosed:
		return m, nil
	}
	return "", Errorf(EINVALID, "unknown registration mode %q (want open, approval or closed)", truncate(s, 20))
}
