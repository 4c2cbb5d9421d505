package web

import (
	"bytes"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"

	"parvis/internal/media"
	"parvis/internal/model"
	"parvis/internal/social"
)

// mediaSlots is how many images one post takes, as in Mastodon.
const mediaSlots = model.MaxMediaPerPost

// composeForm is the compose form's state: empty, or what was typed when
// the server refused it.
type composeForm struct {
	P                                 *Page
	Text, Spoiler, Visibility, Lang   string
	Sensitive                         bool
	InReplyTo                         string
	Community                         string // the id of the community posted in, if any
	Next                              string
	Idempotency                       string
	Max                               int
	Kept                              []keptMedia // uploads that survived a refused submission
	Slots                             []int       // the free file inputs, numbered from 1
	Alts                              map[int]string
	ReplyTo                           *postItem // the post answered, on the compose page
	Legend                            string
	Languages                         []langOption
	Visibilities                      []string
	CharactersLeft, CharactersTooMany string
}

// keptMedia is an attachment already uploaded, shown again with its
// description when the form comes back.
type keptMedia struct {
	ID    string
	Thumb string
	Alt   string
}

// langOption is an option of the language menu, named in itself so that
// it needs no translation.
type langOption struct{ Code, Name string }

// languages are those the compose form offers; the server detects the
// language when none is chosen.
var languages = []langOption{
	{"ar", "العربية"}, {"br", "Brezhoneg"}, {"ca", "Català"}, {"de", "Deutsch"}, {"en", "English"},
	{"es", "Español"}, {"eu", "Euskara"}, {"fr", "Français"}, {"it", "Italiano"}, {"ja", "日本語"},
	{"nl", "Nederlands"}, {"oc", "Occitan"}, {"pl", "Polski"}, {"pt", "Português"}, {"ru", "Русский"},
	{"sv", "Svenska"}, {"uk", "Українська"}, {"zh", "中文"},
}

// visibilities are the choices of the visibility menu, widest first.
var visibilities = []string{string(model.Public), string(model.Unlisted), string(model.Private), string(model.Direct)}

// newCompose returns an empty form.
func (h *Handler) newCompose(p *Page, next string) *composeForm {
	f := &composeForm{P: p, Visibility: string(model.Public), Next: next, Idempotency: newToken(),
		Max: h.svc.MaxPostChars(), Alts: map[int]string{}, Legend: p.T("compose.title")}
	f.finish()
	return f
}

// finish fills what the template needs beyond the typed values.
func (f *composeForm) finish() {
	f.Slots = f.Slots[:0]
	for i := 1; i <= mediaSlots-len(f.Kept); i++ {
		f.Slots = append(f.Slots, i)
	}
	f.Languages = languages
	if f.Lang != "" && !slices.ContainsFunc(languages, func(l langOption) bool { return l.Code == f.Lang }) {
		f.Languages = append([]langOption{{f.Lang, f.Lang}}, languages...)
	}
	f.Visibilities = visibilities
	f.CharactersLeft = f.P.T("compose.left")
	f.CharactersTooMany = f.P.T("compose.over")
}

// composePage is the compose page's data.
type composePage struct {
	Form *composeForm
}

// compose shows the form alone; with ?in_reply_to=id it answers a post.
func (h *Handler) compose(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "compose.title")
	f := h.newCompose(p, "")
	if raw := r.URL.Query().Get("in_reply_to"); raw != "" {
		id, err := model.ParseID(raw)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		v, err := h.svc.View(r.Context(), p.Actor, id)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.prepareReply(r, p, f, v, true)
	}
	p.Data = composePage{Form: f}
	h.render(w, r, http.StatusOK, "compose", p)
}

// prepareReply turns the form into an answer to v. A fresh form also
// mentions the people in the conversation, takes the post's content
// warning, and a visibility no wider than the post's; a form that comes
// back keeps what was typed.
func (h *Handler) prepareReply(r *http.Request, p *Page, f *composeForm, v *social.PostView, fresh bool) {
	s := v.Shown()
	f.InReplyTo = model.FormatID(s.Post.ID)
	f.ReplyTo = h.items(r.Context(), p, []*social.PostView{s}, "")[0]
	f.Legend = p.T("compose.reply_to", s.Account.Name())
	if !fresh {
		return
	}
	var mentions []string
	add := func(a *model.Account) {
		m := "@" + a.Acct()
		if a.ID != p.Actor.Account.ID && !slices.Contains(mentions, m) {
			mentions = append(mentions, m)
		}
	}
	add(s.Account)
	for _, a := range s.Mentions {
		add(a)
	}
	if len(mentions) > 0 {
		f.Text = strings.Join(mentions, " ") + " "
	}
	if model.Visibility(f.Visibility).Rank() < s.Post.Visibility.Rank() {
		f.Visibility = string(s.Post.Visibility)
	}
	f.Spoiler = s.Post.SpoilerText
}

// publish handles the compose form: it uploads the images, then
// publishes. When anything is refused the form comes back with what was
// typed and the images already uploaded.
func (h *Handler) publish(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "compose.title")
	ctx := r.Context()
	f := h.newCompose(p, safeNextOrEmpty(r.PostFormValue("next")))
	f.Text, f.Spoiler = r.PostFormValue("text"), r.PostFormValue("spoiler_text")
	f.Visibility, f.Lang = r.PostFormValue("visibility"), r.PostFormValue("language")
	f.Sensitive = r.PostFormValue("sensitive") == "on"
	f.InReplyTo = r.PostFormValue("in_reply_to")
	f.Community = r.PostFormValue("community")
	if k := r.PostFormValue("idempotency"); k != "" && len(k) <= 64 {
		f.Idempotency = k
	}
	for i := 1; i <= mediaSlots; i++ {
		f.Alts[i] = r.PostFormValue(fmt.Sprintf("alt_%d", i))
	}
	fail := func(err error) {
		f.finish()
		p.Data = composePage{Form: f}
		if f.InReplyTo != "" {
			if id, perr := model.ParseID(f.InReplyTo); perr == nil {
				if v, verr := h.svc.View(ctx, p.Actor, id); verr == nil {
					h.prepareReply(r, p, f, v, false)
				}
			}
		}
		status := model.HTTPStatus(err)
		if status >= 500 {
			h.log.Error("publish failed", "err", err)
		}
		p.Error = h.errorText(p.Lang, err)
		h.render(w, r, status, "compose", p)
	}
	var replyTo int64
	if f.InReplyTo != "" {
		id, err := model.ParseID(f.InReplyTo)
		if err != nil {
			f.InReplyTo = ""
			fail(err)
			return
		}
		replyTo = id
	}
	var community int64
	if f.Community != "" {
		id, err := model.ParseID(f.Community)
		if err != nil {
			f.Community = ""
			fail(err)
			return
		}
		community = id
	}
	if _, err := model.ParseVisibility(f.Visibility); err != nil {
		fail(err)
		return
	}
	// Images uploaded by an earlier, refused submission come back as ids.
	var mediaIDs []int64
	for _, raw := range r.PostForm["kept_id"] {
		id, err := model.ParseID(raw)
		if err != nil || slices.Contains(mediaIDs, id) {
			continue
		}
		alt := r.PostFormValue("kept_alt_" + raw)
		m, err := h.svc.UpdateMedia(ctx, p.Actor, id, &alt, nil, nil)
		if err != nil {
			fail(err)
			return
		}
		mediaIDs = append(mediaIDs, m.ID)
		f.Kept = append(f.Kept, keptMedia{ID: raw, Thumb: h.svc.MediaURL(m.ThumbPath), Alt: m.Description})
	}
	files := uploadedFiles(r)
	if len(mediaIDs)+len(files) > mediaSlots {
		fail(model.Errorf(model.EUNPROCESS, "a post can have at most %d attachments", mediaSlots))
		return
	}
	for _, up := range files {
		m, err := h.upload(r, p.Actor, up.header, f.Alts[up.slot])
		if err != nil {
			fail(uploadError{name: up.header.Filename, err: err})
			return
		}
		mediaIDs = append(mediaIDs, m.ID)
		id := model.FormatID(m.ID)
		f.Kept = append(f.Kept, keptMedia{ID: id, Thumb: h.svc.MediaURL(m.ThumbPath), Alt: m.Description})
		f.Alts[up.slot] = ""
	}
	post, err := h.svc.Publish(ctx, p.Actor, social.PostInput{Text: f.Text, SpoilerText: f.Spoiler,
		Visibility: f.Visibility, Sensitive: f.Sensitive, Language: f.Lang, InReplyToID: replyTo,
		CommunityID: community, MediaIDs: mediaIDs, IdempotencyKey: f.Idempotency})
	if err != nil {
		fail(err)
		return
	}
	if r.Header.Get(fragmentHeader) == "post" {
		h.publishedFragment(w, r, p, post)
		return
	}
	next := f.Next
	if next == "" {
		next = threadPath(post, p.Actor.Account)
	}
	h.redirectFlash(w, r, next, "flash.published")
}

// publishedFragment answers parvis.js, which sent the compose form with
// fetch, with the new post's HTML (201, its page in Location), so the
// script shows it where the form was without a reload. A refused form
// gets the whole page back as without the script, and the script takes
// the message and the form from it.
func (h *Handler) publishedFragment(w http.ResponseWriter, r *http.Request, p *Page, post *model.Post) {
	loc := threadPath(post, p.Actor.Account)
	v, err := h.svc.View(r.Context(), p.Actor, post.ID)
	if err != nil {
		// Published all the same: the script goes to the post's page.
		h.log.Warn("view the published post", "err", err)
		w.Header().Set("Location", loc)
		w.WriteHeader(http.StatusCreated)
		return
	}
	next := nextOr(r, loc)
	it := h.items(r.Context(), p, []*social.PostView{v}, next)[0]
	var buf bytes.Buffer
	if err := h.pages["thread"].ExecuteTemplate(&buf, "post", it); err != nil {
		h.log.Error("render the published post", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", loc)
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(buf.Bytes())
}

// slotFile is a file chosen in one of the form's file inputs.
type slotFile struct {
	slot   int
	header *multipart.FileHeader
}

// uploadedFiles lists the files of the form's inputs media_1..media_4, in
// order; empty inputs send no file.
func uploadedFiles(r *http.Request) []slotFile {
	if r.MultipartForm == nil {
		return nil
	}
	var out []slotFile
	for i := 1; i <= mediaSlots; i++ {
		for _, fh := range r.MultipartForm.File[fmt.Sprintf("media_%d", i)] {
			if fh.Size > 0 || fh.Filename != "" {
				out = append(out, slotFile{slot: i, header: fh})
			}
		}
	}
	return out
}

// upload stores one file of the form through the upload use case.
func (h *Handler) upload(r *http.Request, actor *social.Actor, fh *multipart.FileHeader, alt string) (*model.Media, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, model.Errorf(model.EINVALID, "the file could not be read")
	}
	defer f.Close()
	return h.svc.Upload(r.Context(), actor, social.MediaInput{File: f, Description: alt})
}

// uploadError names the file that an upload error is about.
type uploadError struct {
	name string
	err  error
}

func (e uploadError) Error() string { return e.name + ": " + e.err.Error() }
func (e uploadError) Unwrap() error { return e.err }

// errorText is the message of err for the person who caused it, in their
// language. Refused uploads get a sentence per reason, naming the file.
func (h *Handler) errorText(lang string, err error) string {
	var me *media.Error
	if errors.As(err, &me) {
		key := "upload.invalid"
		switch me.Kind {
		case media.ErrUnsupportedType:
			key = "upload.unsupported"
		case media.ErrTooLarge:
			key = "upload.too_large"
		case media.ErrTooManyPixels:
			key = "upload.too_many_pixels"
		case media.ErrCorrupt:
			key = "upload.corrupt"
		}
		name := ""
		var ue uploadError
		if errors.As(err, &ue) {
			name = ue.name
		}
		return h.tr.T(lang, key, name)
	}
	return h.tr.Error(lang, err)
}

// safeNextOrEmpty is safeNext that keeps "no destination" apart from "/".
func safeNextOrEmpty(next string) string {
	if next == "" {
		return ""
	}
	return safeNext(next)
}

// nextOr is where a form's next field sends the browser (kept on this
// site), or fallback when the form gives none.
func nextOr(r *http.Request, fallback string) string {
	if next := safeNextOrEmpty(r.PostFormValue("next")); next != "" {
		return next
	}
	return fallback
}
