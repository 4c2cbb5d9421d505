package api

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"

	json "github.com/goccy/go-json"

	"parvis/internal/model"
	"parvis/internal/social"
)

// errorBody is Mastodon's error entity. Details is the per-field detail
// of a 422 (Mastodon's ValidationError); Parvis's messages name the field
// in Error, so it is empty, but present, as the API description requires.
type errorBody struct {
	Error       string                   `json:"error"`
	Description string                   `json:"error_description,omitempty"`
	Details     map[string][]fieldDetail `json:"details,omitempty"`
}

// fieldDetail is one problem with one field of a 422.
type fieldDetail struct {
	Error       string `json:"error"`
	Description string `json:"description"`
}

// Messages that Mastodon apps recognise.
const (
	msgNotFound     = "Record not found"
	msgBadToken     = "The access token is invalid"
	msgOutsideScope = "This action is outside the authorized scopes"
	msgNeedsUser    = "This method requires an authenticated user"
)

// fail answers err with the status model.HTTPStatus gives its code and a
// message safe to show. Unknown records all read "Record not found", as
// in Mastodon; internal errors are logged, never shown.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := model.HTTPStatus(err)
	msg := model.ErrorMessage(err)
	switch {
	case status >= 500:
		h.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		msg = "internal error"
	case status == http.StatusNotFound:
		msg = msgNotFound
	case status == http.StatusUnauthorized:
		msg = msgBadToken
	}
	writeJSON(w, status, errorBody{Error: msg})
}

// failOAuth answers an error of the OAuth endpoints in the shape of RFC
// 6749 §5.2: the error code and a description.
func (h *Handler) failOAuth(w http.ResponseWriter, r *http.Request, err error) {
	var oe *social.OAuthError
	if !errors.As(err, &oe) {
		status := model.HTTPStatus(err)
		if status >= 500 {
			h.fail(w, r, err)
			return
		}
		writeJSON(w, status, errorBody{Error: model.ErrorMessage(err)})
		return
	}
	status := model.HTTPStatus(err)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="parvis"`)
	}
	writeJSON(w, status, errorBody{Error: oe.Name, Description: oe.Err.Message})
}

// notFound answers a path no route serves.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, errorBody{Error: msgNotFound})
}

// writeJSON encodes v fully before writing anything, so an encoding error
// becomes a clean 500 rather than half a body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	writeJSONWith(w, status, v, new(bytes.Buffer))
}

// writeJSONWith is writeJSON encoding into b, which the caller may reuse
// once it returns.
func writeJSONWith(w http.ResponseWriter, status int, v any, b *bytes.Buffer) {
	if e, ok := v.(errorBody); ok && status == http.StatusUnprocessableEntity && e.Details == nil {
		// Present even when empty: Mastodon's ValidationError requires it.
		e.Details = map[string][]fieldDetail{}
		v = struct {
			errorBody
			Details map[string][]fieldDetail `json:"details"`
		}{e, e.Details}
	}
	if err := encodeJSON(b, v); err != nil {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error":"internal error"}` + "\n"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// With its length known the body goes out in one piece, not in chunks.
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// encodeJSON writes v and a newline to b as encoding/json would, without
// escaping HTML (the byte-for-byte equality is TestJSONEncoderMatchesStandard's).
// goccy/go-json encodes a page of statuses in a third of the standard
// library's time: a tenth of the server's CPU under parvis bench was
// encoding/json's reflection.
func encodeJSON(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// reply answers 200 with v.
func reply(w http.ResponseWriter, v any) { writeJSON(w, http.StatusOK, v) }

// replyStatuses answers 200 with statuses, the largest and most frequent
// answers, encoded in a buffer kept for the next one: growing a fresh
// buffer to a page's 30 KB cost a few per cent of the server's CPU under
// parvis bench.
func (h *Handler) replyStatuses(w http.ResponseWriter, v any) {
	b, _ := h.bufs.Get().(*bytes.Buffer)
	if b == nil {
		b = new(bytes.Buffer)
	}
	b.Reset()
	writeJSONWith(w, http.StatusOK, v, b)
	if b.Cap() <= maxPooledBuffer {
		h.bufs.Put(b)
	}
}

// maxPooledBuffer bounds the buffers kept: a rare huge answer is not kept.
const maxPooledBuffer = 256 << 10
