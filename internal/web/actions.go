package web

import (
	"bytes"
	"net/http"
	"slices"
	"strings"

	"parvis/internal/model"
	"parvis/internal/social"
)

// fragmentHeader is sent by parvis.js when it submits an action form
// with fetch: the answer is then the post's updated action bar instead of
// a redirect.
const fragmentHeader = "X-Parvis-Fragment"

// postAction favourites, boosts, bookmarks or pins a post (or undoes it),
// or deletes it.
func (h *Handler) postAction(w http.ResponseWriter, r *http.Request) {
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		h.notFound(w, r)
		return
	}
	ctx, actor := r.Context(), reqCtx(r).actor
	action := r.PathValue("action")
	switch action {
	case "favourite":
		err = h.svc.Favourite(ctx, actor, id)
	case "unfavourite":
		err = h.svc.Unfavourite(ctx, actor, id)
	case "reblog":
		_, err = h.svc.Reblog(ctx, actor, id, "")
	case "unreblog":
		err = h.svc.Unreblog(ctx, actor, id)
	case "bookmark", "unbookmark":
		err = h.svc.Bookmark(ctx, actor, id, action == "bookmark")
	case "pin", "unpin":
		err = h.svc.Pin(ctx, actor, id, action == "pin")
	case "delete":
		h.deletePost(w, r, id)
		return
	default:
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if r.Header.Get(fragmentHeader) != "" {
		h.actionsFragment(w, r, id)
		return
	}
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// actionsFragment answers parvis.js with the action bar of the listed
// post (form field item: a boost, or the post itself).
func (h *Handler) actionsFragment(w http.ResponseWriter, r *http.Request, id int64) {
	item := id
	if raw := r.PostFormValue("item"); raw != "" {
		if v, err := model.ParseID(raw); err == nil {
			item = v
		}
	}
	p := h.page(r, "")
	v, err := h.svc.View(r.Context(), p.Actor, item)
	if model.IsNotFound(err) {
		// The listed item is gone (one's own boost, undone): the script
		// removes it.
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	it := h.items(r.Context(), p, []*social.PostView{v}, safeNext(r.PostFormValue("next")))[0]
	var buf bytes.Buffer
	if err := h.pages["timeline"].ExecuteTemplate(&buf, "post_actions", it); err != nil {
		h.log.Error("render actions", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// deletePost deletes a post and goes back where the form was, unless that
// was the post's own page.
func (h *Handler) deletePost(w http.ResponseWriter, r *http.Request, id int64) {
	actor := reqCtx(r).actor
	v, err := h.svc.Delete(r.Context(), actor, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if r.Header.Get(fragmentHeader) != "" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	// The form came from the post's own page (or says nothing): that page
	// is gone, so the author's profile is next.
	raw := r.PostFormValue("next")
	next := safeNext(raw)
	if page, _, _ := strings.Cut(next, "#"); raw == "" || page == threadPath(v.Post, v.Account) {
		next = accountPath(v.Account)
	}
	h.redirectFlash(w, r, next, "flash.deleted")
}

// editForm is the state of the edit form.
type editForm struct {
	P                                 *Page
	Post                              *postItem
	Text, Spoiler, Lang               string
	Sensitive                         bool
	Max                               int
	Media                             []keptMedia
	Keep                              map[string]bool
	Languages                         []langOption
	CharactersLeft, CharactersTooMany string
}

// ownPost loads one of the viewer's posts for editing.
func (h *Handler) ownPost(w http.ResponseWriter, r *http.Request, p *Page) (*social.PostView, bool) {
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		h.notFound(w, r)
		return nil, false
	}
	v, err := h.svc.View(r.Context(), p.Actor, id)
	if err == nil && (v.Reblog != nil || v.Post.AccountID != p.Actor.Account.ID) {
		err = model.Errorf(model.ENOTFOUND, "post not found")
	}
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	return v, true
}

func (h *Handler) newEditForm(r *http.Request, p *Page, v *social.PostView) *editForm {
	f := &editForm{P: p, Post: h.items(r.Context(), p, []*social.PostView{v}, "")[0], Text: v.Post.Text,
		Spoiler: v.Post.SpoilerText, Lang: v.Post.Language, Sensitive: v.Post.Sensitive, Max: h.svc.MaxPostChars(),
		Keep: map[string]bool{}, Languages: languages,
		CharactersLeft: p.T("compose.left"), CharactersTooMany: p.T("compose.over")}
	for _, m := range v.Media {
		id := model.FormatID(m.ID)
		f.Media = append(f.Media, keptMedia{ID: id, Thumb: h.svc.MediaURL(m.ThumbPath), Alt: m.Description})
		f.Keep[id] = true
	}
	if f.Lang != "" && !slices.ContainsFunc(languages, func(l langOption) bool { return l.Code == f.Lang }) {
		f.Languages = append([]langOption{{f.Lang, f.Lang}}, languages...)
	}
	return f
}

// editPost shows the edit form of one's own post.
func (h *Handler) editPost(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "edit.title")
	v, ok := h.ownPost(w, r, p)
	if !ok {
		return
	}
	p.Data = h.newEditForm(r, p, v)
	h.render(w, r, http.StatusOK, "edit", p)
}

// saveEdit saves a new version of one's own post; the attachments left
// checked are kept.
func (h *Handler) saveEdit(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "edit.title")
	v, ok := h.ownPost(w, r, p)
	if !ok {
		return
	}
	f := h.newEditForm(r, p, v)
	f.Text, f.Spoiler, f.Lang = r.PostFormValue("text"), r.PostFormValue("spoiler_text"), r.PostFormValue("language")
	f.Sensitive = r.PostFormValue("sensitive") == "on"
	var keep []int64
	for _, m := range v.Media {
		id := model.FormatID(m.ID)
		f.Keep[id] = slices.Contains(r.PostForm["keep_media"], id)
		if f.Keep[id] {
			keep = append(keep, m.ID)
		}
	}
	_, err := h.svc.Edit(r.Context(), p.Actor, v.Post.ID, social.PostInput{Text: f.Text, SpoilerText: f.Spoiler,
		Sensitive: f.Sensitive, Language: f.Lang, MediaIDs: keep})
	if err != nil {
		p.Data = f
		h.formError(w, r, "edit", p, err)
		return
	}
	h.redirectFlash(w, r, threadPath(v.Post, v.Account), "flash.edited")
}
