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

// MediaLimits are the upload limits (also shown by the instance endpoint).
var MediaLimits = media.Limits{MaxBytes: 16 << 20, MaxPixels: 33_177_600}

// MediaInput is an upload with its description.
type MediaInput struct {
	File        io.Reader
	Description string
	FocusX      float64
	FocusY      float64
}

func validateMediaMeta(description string, fx, fy float64) error {
	if utf8.RuneCountInString(description) > model.MaxAltTextChars {
		return model.Errorf(model.EUNPROCESS, "description is longer than %d characters", model.MaxAltTextChars)
	}
	if fx < -1 || fx > 1 || fy < -1 || fy > 1 {
		return model.Errorf(model.EUNPROCESS, "focus must be between -1.0 and 1.0")
	}
	return nil
}

// Upload stores an image for a future post: metadata stripped, a
// thumbnail made, limits enforced.
func (s *Service) Upload(ctx context.Context, actor *Actor, in MediaInput) (*model.Media, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	in.Description = strings.TrimSpace(in.Description)
	if err := validateMediaMeta(in.Description, in.FocusX, in.FocusY); err != nil {
		return nil, err
	}
	res, err := media.Process(in.File, MediaLimits)
	if err != nil {
		return nil, err
	}
	now := s.now()
	m := &model.Media{ID: s.db.NewID(now), AccountID: actor.Account.ID, Type: model.MediaImage,
		MIME: res.Original.Format.MIMEType(), Size: int64(len(res.Original.Data)), Width: res.Original.Width,
		Height: res.Original.Height, ThumbWidth: res.Thumbnail.Width, ThumbHeight: res.Thumbnail.Height,
		Blurhash: res.Blurhash, Description: in.Description, FocusX: in.FocusX, FocusY: in.FocusY, CreatedAt: now}
	if res.Animated() {
		m.Type = model.MediaGifv
	}
	m.Path = media.Key("attachments", m.ID, "original", res.Original.Format)
	m.ThumbPath = media.Key("attachments", m.ID, "small", res.Thumbnail.Format)
	if err := s.media.Put(ctx, m.Path, bytes.NewReader(res.Original.Data)); err != nil {
		return nil, err
	}
	if err := s.media.Put(ctx, m.ThumbPath, bytes.NewReader(res.Thumbnail.Data)); err != nil {
		_ = s.media.Delete(ctx, m.Path)
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error { return tx.InsertMedia(ctx, m) })
	if err != nil {
		_ = s.media.Delete(ctx, m.Path)
		_ = s.media.Delete(ctx, m.ThumbPath)
		return nil, wrap("upload", err)
	}
	return m, nil
}

// Media loads one of the actor's uploads.
func (s *Service) Media(ctx context.Context, actor *Actor, id int64) (*model.Media, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	m, err := s.db.Read().MediaByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.AccountID != actor.Account.ID {
		return nil, model.Errorf(model.ENOTFOUND, "media not found")
	}
	return m, nil
}

// UpdateMedia changes an upload's description (alt text) and focus point.
func (s *Service) UpdateMedia(ctx context.Context, actor *Actor, id int64, description *string, fx, fy *float64) (*model.Media, error) {
	m, err := s.Media(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if description != nil {
		m.Description = strings.TrimSpace(*description)
	}
	if fx != nil {
		m.FocusX = *fx
	}
	if fy != nil {
		m.FocusY = *fy
	}
	if err := validateMediaMeta(m.Description, m.FocusX, m.FocusY); err != nil {
		return nil, err
	}
	if err := s.db.Tx(ctx, func(tx *store.Tx) error { return tx.UpdateMediaMeta(ctx, m) }); err != nil {
		return nil, wrap("update media", err)
	}
	return m, nil
}

// MediaURL is where a stored file is served: by this server under
// /media/, or at the configured media base URL.
func (s *Service) MediaURL(key string) string {
	if key == "" {
		return ""
	}
	if s.cfg.MediaBaseURL != "" {
		return s.cfg.MediaBaseURL + "/" + key
	}
	return s.BaseURL() + "/media/" + key
}
