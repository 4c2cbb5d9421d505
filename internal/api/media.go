package api

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"parvis/internal/media"
	"parvis/internal/model"
	"parvis/internal/social"
)

// uploadError maps a refused upload to Mastodon's answer: a file that is
// too large, of an unknown type or damaged fails validation (422).
func uploadError(err error) error {
	var me *media.Error
	if errors.As(err, &me) && me.Kind != media.ErrRead {
		return model.Errorf(model.EUNPROCESS, "%s", model.ErrorMessage(err))
	}
	return err
}

// focus reads a focal point "x,y"; nil when absent.
func focus(f *form) (*float64, *float64, error) {
	s := strings.TrimSpace(f.str("focus"))
	if s == "" {
		return nil, nil, nil
	}
	xs, ys, found := strings.Cut(s, ",")
	x, errX := strconv.ParseFloat(strings.TrimSpace(xs), 64)
	y, errY := strconv.ParseFloat(strings.TrimSpace(ys), 64)
	if !found || errX != nil || errY != nil || math.IsNaN(x) || math.IsNaN(y) {
		return nil, nil, model.Errorf(model.EINVALID, "focus must be two numbers, \"x,y\", between -1.0 and 1.0")
	}
	return &x, &y, nil
}

// uploadMedia stores an attachment for a future post (POST /api/v1/media
// and /api/v2/media). Images are processed at once, so the answer is 200
// with the URLs, never 202.
func (h *Handler) uploadMedia(w http.ResponseWriter, r *http.Request) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	file, err := f.file("file")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if file == nil {
		h.fail(w, r, model.Errorf(model.EUNPROCESS, "file can't be blank (send it as the multipart field \"file\")"))
		return
	}
	defer file.Close()
	x, y, err := focus(f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in := social.MediaInput{File: file, Description: f.str("description")}
	if x != nil {
		in.FocusX, in.FocusY = *x, *y
	}
	m, err := h.svc.Upload(r.Context(), actor(r), in)
	if err != nil {
		h.fail(w, r, uploadError(err))
		return
	}
	reply(w, h.mediaAttachment(m))
}

// getMedia shows one of the person's uploads (GET /api/v1/media/{id}).
func (h *Handler) getMedia(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	m, err := h.svc.Media(r.Context(), actor(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, h.mediaAttachment(m))
}

// updateMedia changes an upload's description and focal point (PUT
// /api/v1/media/{id}).
func (h *Handler) updateMedia(w http.ResponseWriter, r *http.Request) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	x, y, err := focus(f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	m, err := h.svc.UpdateMedia(r.Context(), actor(r), id, f.optStr("description"), x, y)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, h.mediaAttachment(m))
}
