package social

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"parvis/internal/media"
	"parvis/internal/model"
)

// storeAvatar processes an uploaded avatar (square crop, metadata stripped)
// and stores it under a fresh name, so caches never serve the old one.
func (s *Service) storeAvatar(ctx context.Context, accountID int64, r io.Reader) (string, error) {
	res, err := media.ProcessAvatar(r, media.Limits{MaxBytes: 8 << 20})
	if err != nil {
		return "", err
	}
	key := media.Key("avatars", s.db.NewID(s.now()), "", res.Original.Format)
	if err := s.media.Put(ctx, key, bytes.NewReader(res.Original.Data)); err != nil {
		return "", err
	}
	return key, nil
}

// MediaHandler serves stored files under /media/, from whichever store
// the node has (a directory, or an S3 bucket it streams from). A missing
// file is a 404; a store that fails (an object store unreachable) is a 503
// and a log line.
func (s *Service) MediaHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.URL.Path, "/media/")
		if err := media.ValidateKey(key); err != nil {
			http.NotFound(w, r)
			return
		}
		f, err := s.media.Open(r.Context(), key)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || model.IsNotFound(err) {
				http.NotFound(w, r)
				return
			}
			if r.Context().Err() == nil {
				s.log.Error("open media", "key", key, "err", err)
			}
			http.Error(w, "the media store is unavailable; try again later", http.StatusServiceUnavailable)
			return
		}
		defer f.Close()
		ctype := mime.TypeByExtension(path.Ext(key))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		h := w.Header()
		h.Set("Content-Type", ctype)
		// Names are never reused, so files can be cached forever.
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		if e, ok := f.(interface{ ETag() string }); ok && e.ETag() != "" {
			// An object store's entity tag: ServeContent answers a
			// matching If-None-Match with 304.
			h.Set("ETag", `"`+strings.Trim(e.ETag(), `"`)+`"`)
		}
		if rs, ok := f.(io.ReadSeeker); ok {
			http.ServeContent(w, r, "", time.Time{}, rs)
			return
		}
		_, _ = io.Copy(w, f)
	})
}
