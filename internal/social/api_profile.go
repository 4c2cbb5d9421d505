package social

import (
	"bytes"
	"context"
	"io"
	"strings"
	"unicode/utf8"

	"parvis/internal/media"
	"parvis/internal/model"
	"parvis/internal/store"
)

// Limits on profile metadata, as in Mastodon.
const (
	MaxProfileFields   = 4
	MaxFieldNameChars  = 255
	MaxFieldValueChars = 255
)

// CredentialsInput is a change of one's own profile and posting defaults
// through the Mastodon API (update_credentials). Nil fields keep their
// value.
type CredentialsInput struct {
	DisplayName  *string
	Note         *string
	Locked       *bool
	Bot          *bool
	Discoverable *bool
	Fields       *[]model.Field
	Avatar       io.Reader
	Header       io.Reader
	Privacy      *string
	Sensitive    *bool
	Language     *string
}

func (in *CredentialsInput) validate() error {
	name, note := "", ""
	if in.DisplayName != nil {
		name = strings.TrimSpace(*in.DisplayName)
		in.DisplayName = &name
	}
	if in.Note != nil {
		note = strings.TrimSpace(strings.ReplaceAll(*in.Note, "\r\n", "\n"))
		in.Note = &note
	}
	if err := model.ValidateProfile(name, note); err != nil {
		return model.Errorf(model.EUNPROCESS, "%s", model.ErrorMessage(err))
	}
	if in.Fields != nil {
		fs := *in.Fields
		if len(fs) > MaxProfileFields {
			return model.Errorf(model.EUNPROCESS, "a profile can have at most %d fields", MaxProfileFields)
		}
		kept := make([]model.Field, 0, len(fs))
		for _, f := range fs {
			f.Name, f.Value = strings.TrimSpace(f.Name), strings.TrimSpace(f.Value)
			switch {
			case !utf8.ValidString(f.Name) || !utf8.ValidString(f.Value):
				return model.Errorf(model.EUNPROCESS, "profile fields must be valid UTF-8")
			case utf8.RuneCountInString(f.Name) > MaxFieldNameChars || utf8.RuneCountInString(f.Value) > MaxFieldValueChars:
				return model.Errorf(model.EUNPROCESS, "profile field names and values have at most %d characters", MaxFieldValueChars)
			case f.Name == "" && f.Value == "":
				continue
			}
			kept = append(kept, model.Field{Name: f.Name, Value: f.Value})
		}
		in.Fields = &kept
	}
	if in.Privacy != nil {
		v, err := model.ParseVisibility(*in.Privacy)
		if err != nil {
			return err
		}
		if v == model.NoneGiven || v == model.Direct {
			return model.Errorf(model.EUNPROCESS, "the default visibility must be public, unlisted or private")
		}
		p := string(v)
		in.Privacy = &p
	}
	if in.Language != nil {
		code := strings.ToLower(strings.TrimSpace(*in.Language))
		if code != "" && (len(code) < 2 || len(code) > 8 || strings.Trim(code, "abcdefghijklmnopqrstuvwxyz-") != "") {
			return model.Errorf(model.EUNPROCESS, "language %q is not an ISO 639 code", truncateText(*in.Language, 20))
		}
		in.Language = &code
	}
	return nil
}

// UpdateCredentials changes the actor's profile, pictures and posting
// defaults. New pictures are processed and stored before the transaction;
// the replaced ones are deleted once it commits.
func (s *Service) UpdateCredentials(ctx context.Context, actor *Actor, in CredentialsInput) (*model.Account, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	var avatar, header string
	if in.Avatar != nil {
		key, err := s.storeAvatar(ctx, actor.Account.ID, in.Avatar)
		if err != nil {
			return nil, err
		}
		avatar = key
	}
	if in.Header != nil {
		key, err := s.storeHeader(ctx, in.Header)
		if err != nil {
			if avatar != "" {
				_ = s.media.Delete(ctx, avatar)
			}
			return nil, err
		}
		header = key
	}
	var out *model.Account
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		a, err := tx.AccountByID(ctx, actor.Account.ID)
		if err != nil {
			return err
		}
		var old []string
		if in.DisplayName != nil {
			a.DisplayName = *in.DisplayName
		}
		if in.Note != nil {
			a.Note, a.NoteHTML = *in.Note, s.renderBio(*in.Note)
		}
		if in.Locked != nil {
			a.Locked = *in.Locked
		}
		if in.Bot != nil {
			a.Bot = *in.Bot
		}
		if in.Discoverable != nil {
			a.Discoverable = *in.Discoverable
		}
		if in.Fields != nil {
			a.Fields = *in.Fields
		}
		if avatar != "" {
			old, a.AvatarPath = append(old, a.AvatarPath), avatar
		}
		if header != "" {
			old, a.HeaderPath = append(old, a.HeaderPath), header
		}
		if err := tx.UpdateProfile(ctx, a); err != nil {
			return err
		}
		if err := s.profileUpdated(ctx, tx, a); err != nil {
			return err
		}
		if in.Privacy != nil || in.Sensitive != nil || in.Language != nil {
			d, err := tx.PostingDefaults(ctx, actor.User.ID)
			if err != nil {
				return err
			}
			if in.Privacy != nil {
				d.Privacy = model.Visibility(*in.Privacy)
			}
			if in.Sensitive != nil {
				d.Sensitive = *in.Sensitive
			}
			if in.Language != nil {
				d.Language = *in.Language
			}
			if err := tx.SetPostingDefaults(ctx, actor.User.ID, d); err != nil {
				return err
			}
		}
		if keys := nonEmpty(old); len(keys) > 0 {
			if err := s.queue.Enqueue(ctx, tx.SQL(), DeleteFilesArgs{Keys: keys}, nil); err != nil {
				return err
			}
		}
		out = a
		return nil
	})
	if err != nil {
		for _, k := range []string{avatar, header} {
			if k != "" {
				_ = s.media.Delete(ctx, k)
			}
		}
		return nil, wrap("update credentials", err)
	}
	return out, nil
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// storeHeader processes an uploaded profile header (cropped to 3:1,
// metadata stripped) and stores it under a fresh name.
func (s *Service) storeHeader(ctx context.Context, r io.Reader) (string, error) {
	res, err := media.ProcessHeader(r, media.Limits{MaxBytes: 8 << 20})
	if err != nil {
		return "", err
	}
	key := media.Key("headers", s.db.NewID(s.now()), "", res.Original.Format)
	if err := s.media.Put(ctx, key, bytes.NewReader(res.Original.Data)); err != nil {
		return "", err
	}
	return key, nil
}

// PostingDefaults returns the actor's posting defaults.
func (s *Service) PostingDefaults(ctx context.Context, actor *Actor) (store.PostingDefaults, error) {
	if err := actor.require(); err != nil {
		return store.PostingDefaults{}, err
	}
	return s.db.Read().PostingDefaults(ctx, actor.User.ID)
}

// FollowRequestCount counts the requests waiting for the actor's answer.
func (s *Service) FollowRequestCount(ctx context.Context, actor *Actor) (int64, error) {
	if err := actor.require(); err != nil {
		return 0, err
	}
	return s.db.Read().CountFollowRequests(ctx, actor.Account.ID)
}
