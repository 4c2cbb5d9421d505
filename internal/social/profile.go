package social

import (
	"context"
	"html"
	"io"
	"strings"

	"parvis/internal/model"
	"parvis/internal/store"
)

// ProfileInput is an edit of one's own profile.
type ProfileInput struct {
	DisplayName  string
	Note         string
	Locked       bool
	Bot          bool
	Avatar       io.Reader // nil: keep the current one
	RemoveAvatar bool
}

// UpdateProfile saves the actor's profile.
func (s *Service) UpdateProfile(ctx context.Context, actor *Actor, in ProfileInput) (*model.Account, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Note = strings.TrimSpace(strings.ReplaceAll(in.Note, "\r\n", "\n"))
	if err := model.ValidateProfile(in.DisplayName, in.Note); err != nil {
		return nil, err
	}
	var avatarPath string
	if in.Avatar != nil {
		p, err := s.storeAvatar(ctx, actor.Account.ID, in.Avatar)
		if err != nil {
			return nil, err
		}
		avatarPath = p
	}
	var out *model.Account
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		a, err := tx.AccountByID(ctx, actor.Account.ID)
		if err != nil {
			return err
		}
		a.DisplayName, a.Note, a.Locked, a.Bot = in.DisplayName, in.Note, in.Locked, in.Bot
		a.NoteHTML = s.renderBio(in.Note)
		if avatarPath != "" {
			a.AvatarPath = avatarPath
		} else if in.RemoveAvatar {
			a.AvatarPath = ""
		}
		if err := tx.UpdateProfile(ctx, a); err != nil {
			return err
		}
		if err := s.profileUpdated(ctx, tx, a); err != nil {
			return err
		}
		out = a
		return nil
	})
	return out, wrap("update profile", err)
}

// renderBio turns a plain-text bio into safe HTML paragraphs.
func (s *Service) renderBio(note string) string {
	if note == "" {
		return ""
	}
	var b strings.Builder
	for _, para := range strings.Split(note, "\n\n") {
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(strings.TrimSpace(para)), "\n", "<br />"))
		b.WriteString("</p>")
	}
	return b.String()
}

// SetLocale stores the actor's interface language ("" follows the browser).
func (s *Service) SetLocale(ctx context.Context, actor *Actor, locale string) error {
	if err := actor.require(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error { return tx.SetLocale(ctx, actor.User.ID, locale) })
}

// LookupAccount finds an account by "user" or "user@domain".
func (s *Service) LookupAccount(ctx context.Context, acct string) (*model.Account, error) {
	acct = strings.TrimPrefix(strings.TrimSpace(acct), "@")
	user, domain, _ := strings.Cut(acct, "@")
	if strings.EqualFold(domain, s.cfg.Domain) {
		domain = ""
	}
	if user == "" || len(acct) > 300 {
		return nil, model.Errorf(model.ENOTFOUND, "account not found")
	}
	return s.db.Read().AccountByUsername(ctx, user, domain)
}
