package api

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"parvis/internal/model"
	"parvis/internal/social"
)

// unsupportedStatusParams are parameters of features Parvis does not have
// yet: a post using one is refused rather than published without it.
var unsupportedStatusParams = map[string]string{
	"poll":                  "polls are not supported on this server",
	"scheduled_at":          "scheduled posts are not supported on this server",
	"quoted_status_id":      "quote posts are not supported on this server",
	"quote_approval_policy": "quote posts are not supported on this server",
}

// statusInput reads the fields shared by creating and editing a status.
func (h *Handler) statusInput(r *http.Request, f *form) (social.PostInput, error) {
	for key := range f.v {
		base, _, _ := strings.Cut(key, "[")
		if msg, bad := unsupportedStatusParams[base]; bad && strings.Join(f.v[key], "") != "" {
			return social.PostInput{}, model.Errorf(model.EUNPROCESS, "%s", msg)
		}
	}
	in := social.PostInput{Text: f.str("status"), SpoilerText: f.str("spoiler_text"), Visibility: f.str("visibility"),
		Language: f.str("language")}
	var err error
	if in.MediaIDs, err = f.ids("media_ids"); err != nil {
		return in, err
	}
	sensitive, err := f.boolean("sensitive")
	if err != nil {
		return in, err
	}
	// What the post does not say comes from the person's defaults.
	d, err := h.svc.PostingDefaults(r.Context(), actor(r))
	if err != nil {
		return in, err
	}
	if in.Visibility == "" {
		in.Visibility = string(d.Privacy)
	}
	if in.Language == "" {
		in.Language = d.Language
	}
	switch {
	case sensitive != nil:
		in.Sensitive = *sensitive
	case len(in.MediaIDs) > 0:
		in.Sensitive = d.Sensitive
	}
	return in, nil
}

// createStatus publishes a post (POST /api/v1/statuses). The
// Idempotency-Key header makes a retried request return the first post.
func (h *Handler) createStatus(w http.ResponseWriter, r *http.Request) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	in, err := h.statusInput(r, f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if in.InReplyToID, err = f.id("in_reply_to_id"); err != nil {
		h.fail(w, r, err)
		return
	}
	in.IdempotencyKey = r.Header.Get("Idempotency-Key")
	if auth := tokenAuth(r); auth != nil {
		in.ApplicationID = auth.App.ID
	}
	p, err := h.svc.Publish(r.Context(), actor(r), in)
	if err != nil {
		if model.IsNotFound(err) && in.InReplyToID != 0 {
			// Say which record is missing: the post replied to.
			writeJSON(w, http.StatusNotFound, errorBody{Error: model.ErrorMessage(err)})
			return
		}
		h.fail(w, r, err)
		return
	}
	h.writeStatus(w, r, p.ID)
}

// writeStatus answers the status id as the person sees it.
func (h *Handler) writeStatus(w http.ResponseWriter, r *http.Request, id int64) {
	v, err := h.svc.View(r.Context(), actor(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out, err := h.status(r.Context(), actor(r), v)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.replyStatuses(w, out)
}

// getStatus shows a status (GET /api/v1/statuses/{id}).
func (h *Handler) getStatus(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeStatus(w, r, id)
}

// editStatus changes a post (PUT /api/v1/statuses/{id}); alt texts of its
// attachments can change with it (media_attributes).
func (h *Handler) editStatus(w http.ResponseWriter, r *http.Request) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in, err := h.statusInput(r, f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// The alt texts are checked before the edit and saved after it, so a
	// refused edit changes nothing.
	attrs := mediaAttributes(f)
	for i, ma := range attrs {
		if attrs[i].mediaID, err = model.ParseID(ma.id); err != nil {
			h.fail(w, r, err)
			return
		}
		if _, err := h.svc.Media(r.Context(), actor(r), attrs[i].mediaID); err != nil {
			h.fail(w, r, err)
			return
		}
		if ma.description != nil && utf8.RuneCountInString(*ma.description) > model.MaxAltTextChars {
			h.fail(w, r, model.Errorf(model.EUNPROCESS, "description is longer than %d characters", model.MaxAltTextChars))
			return
		}
	}
	if _, err := h.svc.Edit(r.Context(), actor(r), id, in); err != nil {
		h.fail(w, r, err)
		return
	}
	for _, ma := range attrs {
		if _, err := h.svc.UpdateMedia(r.Context(), actor(r), ma.mediaID, ma.description, nil, nil); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	h.writeStatus(w, r, id)
}

type mediaAttribute struct {
	id          string
	mediaID     int64
	description *string
}

// mediaAttributes reads media_attributes, indexed (flattened JSON) or as
// parallel lists (forms).
func mediaAttributes(f *form) []mediaAttribute {
	var out []mediaAttribute
	for i := 0; i < model.MaxMediaPerPost*2; i++ {
		idx := "media_attributes[" + itoa(i) + "]"
		if id := f.str(idx + "[id]"); id != "" {
			out = append(out, mediaAttribute{id: id, description: f.optStr(idx + "[description]")})
		}
	}
	ids, descs := f.v["media_attributes[][id]"], f.v["media_attributes[][description]"]
	for i, id := range ids {
		ma := mediaAttribute{id: id}
		if i < len(descs) {
			ma.description = &descs[i]
		}
		out = append(out, ma)
	}
	return out
}

// deleteStatus deletes a post and returns it with its source text, so the
// app can offer to redraft it (DELETE /api/v1/statuses/{id}).
func (h *Handler) deleteStatus(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := h.svc.Delete(r.Context(), actor(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out, err := h.status(r.Context(), actor(r), v)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out.Text = ptr(v.Post.Text)
	reply(w, out)
}

// Context is a status's thread.
type Context struct {
	Ancestors   []Status `json:"ancestors"`
	Descendants []Status `json:"descendants"`
}

// statusContext shows a status's thread (GET /api/v1/statuses/{id}/context).
func (h *Handler) statusContext(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	_, c, err := h.svc.ThreadContext(r.Context(), actor(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	anc, err := h.statuses(r.Context(), actor(r), c.Ancestors)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	desc, err := h.statuses(r.Context(), actor(r), c.Descendants)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, Context{Ancestors: anc, Descendants: desc})
}

// StatusEdit is one version of an edited status.
type StatusEdit struct {
	Content          string            `json:"content"`
	SpoilerText      string            `json:"spoiler_text"`
	Sensitive        bool              `json:"sensitive"`
	CreatedAt        string            `json:"created_at"`
	Account          Account           `json:"account"`
	Poll             *struct{}         `json:"poll"`
	MediaAttachments []MediaAttachment `json:"media_attachments"`
	Emojis           []Emoji           `json:"emojis"`
}

// statusHistory lists a status's versions, oldest first (GET
// /api/v1/statuses/{id}/history).
func (h *Handler) statusHistory(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, versions, err := h.svc.History(r.Context(), actor(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var mediaIDs []int64
	for _, ver := range versions {
		mediaIDs = append(mediaIDs, ver.MediaIDs...)
	}
	media, err := h.svc.MediaByIDs(r.Context(), mediaIDs)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	author := h.account(v.Account)
	out := make([]StatusEdit, 0, len(versions))
	for _, ver := range versions {
		e := StatusEdit{Content: ver.Content, SpoilerText: ver.SpoilerText, Sensitive: ver.Sensitive,
			CreatedAt: isoTime(ver.CreatedAt), Account: author, MediaAttachments: []MediaAttachment{}, Emojis: []Emoji{}}
		for _, mid := range ver.MediaIDs {
			if m := media[mid]; m != nil {
				e.MediaAttachments = append(e.MediaAttachments, h.mediaAttachment(m))
			}
		}
		out = append(out, e)
	}
	reply(w, out)
}

// StatusSource is what the author typed.
type StatusSource struct {
	ID          string `json:"id"`
	Text        string `json:"text"`
	SpoilerText string `json:"spoiler_text"`
}

// statusSource shows a status as typed, for editing (GET
// /api/v1/statuses/{id}/source).
func (h *Handler) statusSource(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := h.svc.View(r.Context(), actor(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := v.Shown().Post
	// As in Mastodon, a post's source is for its author, who edits it.
	if a := actor(r); a.Account == nil || p.AccountID != a.Account.ID {
		h.fail(w, r, model.Errorf(model.ENOTFOUND, "status not found"))
		return
	}
	reply(w, StatusSource{ID: model.FormatID(p.ID), Text: p.Text, SpoilerText: p.SpoilerText})
}

func (h *Handler) favouritedBy(w http.ResponseWriter, r *http.Request) {
	h.listOfPath(w, r, social.ListFavouritedBy)
}

func (h *Handler) rebloggedBy(w http.ResponseWriter, r *http.Request) {
	h.listOfPath(w, r, social.ListRebloggedBy)
}

// statusAction runs an action on the path's status, then answers the
// status shown (the boosted post, for a boost) as the person now sees it.
func (h *Handler) statusAction(w http.ResponseWriter, r *http.Request, do func(a *social.Actor, id int64) error) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := do(actor(r), id); err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := h.svc.View(r.Context(), actor(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out, err := h.status(r.Context(), actor(r), v.Shown())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.replyStatuses(w, out)
}

func (h *Handler) favourite(w http.ResponseWriter, r *http.Request) {
	h.statusAction(w, r, func(a *social.Actor, id int64) error { return h.svc.Favourite(r.Context(), a, id) })
}

func (h *Handler) unfavourite(w http.ResponseWriter, r *http.Request) {
	h.statusAction(w, r, func(a *social.Actor, id int64) error { return h.svc.Unfavourite(r.Context(), a, id) })
}

func (h *Handler) unreblog(w http.ResponseWriter, r *http.Request) {
	h.statusAction(w, r, func(a *social.Actor, id int64) error { return h.svc.Unreblog(r.Context(), a, id) })
}

func (h *Handler) bookmark(w http.ResponseWriter, r *http.Request) {
	h.statusAction(w, r, func(a *social.Actor, id int64) error { return h.svc.Bookmark(r.Context(), a, id, true) })
}

func (h *Handler) unbookmark(w http.ResponseWriter, r *http.Request) {
	h.statusAction(w, r, func(a *social.Actor, id int64) error { return h.svc.Bookmark(r.Context(), a, id, false) })
}

func (h *Handler) pin(w http.ResponseWriter, r *http.Request) {
	h.statusAction(w, r, func(a *social.Actor, id int64) error { return h.svc.Pin(r.Context(), a, id, true) })
}

func (h *Handler) unpin(w http.ResponseWriter, r *http.Request) {
	h.statusAction(w, r, func(a *social.Actor, id int64) error { return h.svc.Pin(r.Context(), a, id, false) })
}

// reblog boosts a post and answers the boost, which wraps the post (POST
// /api/v1/statuses/{id}/reblog).
func (h *Handler) reblog(w http.ResponseWriter, r *http.Request) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	boost, err := h.svc.Reblog(r.Context(), actor(r), id, f.str("visibility"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeStatus(w, r, boost.ID)
}
