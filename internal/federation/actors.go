package federation

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"parvis/internal/federation/ap"
	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// collectionPage is how many items a collection page holds.
const collectionPage = 20

// Handler returns federation's routes: the documents other servers fetch
// and the inboxes they post to. Requests for /@name and /@name/id reach it
// only when they ask for ActivityPub (see WantsActivityPub); web pages
// asked at /users/... are redirected to their /@ address.
func (f *Federation) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /inbox", f.postInbox)
	mux.HandleFunc("POST /actor/inbox", f.postInbox)
	mux.HandleFunc("POST /users/{name}/inbox", f.postInbox)
	mux.HandleFunc("GET /actor", f.getInstanceActor)
	mux.HandleFunc("GET /users/{name}", f.getActor)
	mux.HandleFunc("GET /users/{name}/outbox", f.getOutbox)
	mux.HandleFunc("GET /users/{name}/followers", f.getFollows)
	mux.HandleFunc("GET /users/{name}/following", f.getFollows)
	mux.HandleFunc("GET /users/{name}/collections/featured", f.getFeatured)
	mux.HandleFunc("GET /users/{name}/statuses/{id}", f.getNote)
	mux.HandleFunc("GET /users/{name}/statuses/{id}/activity", f.getNote)
	mux.HandleFunc("GET /.well-known/webfinger", f.getWebFinger)
	mux.HandleFunc("GET /.well-known/host-meta", f.getHostMeta)
	mux.HandleFunc("GET /.well-known/host-meta.json", f.getHostMeta)
	mux.HandleFunc("GET /c/{name}", f.getCommunity)
	mux.HandleFunc("GET /", f.getAt)
	return mux
}

// getAt serves /@name and /@name/id to ActivityPub clients.
func (f *Federation) getAt(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/@")
	if !ok || rest == "" {
		http.NotFound(w, r)
		return
	}
	name, id, _ := strings.Cut(rest, "/")
	if strings.Contains(name, "@") || strings.Contains(id, "/") {
		http.NotFound(w, r)
		return
	}
	r.SetPathValue("name", name)
	if id == "" {
		f.getActor(w, r)
		return
	}
	r.SetPathValue("id", id)
	f.getNote(w, r)
}

// getCommunity serves a community's page (/c/name) to ActivityPub
// clients: its Group actor, as Lemmy serves its communities.
func (f *Federation) getCommunity(w http.ResponseWriter, r *http.Request) {
	a, err := f.localActor(r)
	if err == nil && !a.Group {
		err = model.Errorf(model.ENOTFOUND, "community not found")
	}
	if err != nil {
		f.fail(w, err)
		return
	}
	f.getActor(w, r)
}

// writeDoc answers an ActivityPub document.
func (f *Federation) writeDoc(w http.ResponseWriter, o *ap.Object, public bool) {
	b, err := ap.Encode(o)
	if err != nil {
		f.log.Error("federation: encode document", "id", o.ID, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ap.MediaType+"; charset=utf-8")
	h.Set("Vary", "Accept, Signature")
	if public {
		h.Set("Cache-Control", "public, max-age=60")
	} else {
		h.Set("Cache-Control", "private, no-store")
	}
	_, _ = w.Write(b)
}

// fail answers an error as a status.
func (f *Federation) fail(w http.ResponseWriter, err error) {
	status := model.HTTPStatus(err)
	if status >= 500 {
		f.log.Error("federation: request failed", "err", err)
	}
	http.Error(w, http.StatusText(status), status)
}

// localActor finds the local account of a {name} path.
func (f *Federation) localActor(r *http.Request) (*model.Account, error) {
	a, err := f.db.Read().AccountByUsername(r.Context(), r.PathValue("name"), "")
	if err != nil {
		return nil, err
	}
	if a.Suspended() {
		return nil, model.Errorf(model.ENOTFOUND, "account suspended")
	}
	return a, nil
}

// viewer returns who is asking: the remote actor whose signed GET
// verified (authorized fetch), or anonymous. A signature that does not
// verify, or a blocked domain, is refused.
func (f *Federation) viewer(r *http.Request) (*social.Actor, error) {
	if r.Header.Get("Signature") == "" {
		return &social.Actor{}, nil
	}
	who, err := f.verifier.Verify(r.Context(), r, nil)
	if err != nil {
		return nil, model.Errorf(model.EUNAUTHORIZED, "bad signature: %v", err)
	}
	if f.blocked(r.Context(), hostKey(who.ActorID)) {
		return nil, model.Errorf(model.EFORBIDDEN, "domain blocked")
	}
	if f.isLocal(who.ActorID) {
		return &social.Actor{}, nil
	}
	a, err := f.db.Read().AccountByURI(r.Context(), who.ActorID)
	if err != nil {
		return nil, err
	}
	return f.svc.RemoteActor(a), nil
}

func (f *Federation) getInstanceActor(w http.ResponseWriter, r *http.Request) {
	o, err := f.instanceObject(r.Context())
	if err != nil {
		f.fail(w, err)
		return
	}
	f.writeDoc(w, o, true)
}

func (f *Federation) getActor(w http.ResponseWriter, r *http.Request) {
	a, err := f.localActor(r)
	if err != nil {
		if model.IsNotFound(err) && strings.Contains(err.Error(), "suspended") {
			if d, derr := f.db.Read().AccountByUsername(r.Context(), r.PathValue("name"), ""); derr == nil && d.Deleted() {
				f.writeTombstone(w, d)
				return
			}
			http.Error(w, "gone", http.StatusGone)
			return
		}
		f.fail(w, err)
		return
	}
	if !WantsActivityPub(r) && strings.HasPrefix(r.URL.Path, "/users/") {
		http.Redirect(w, r, "/@"+url.PathEscape(a.Username), http.StatusFound)
		return
	}
	o, err := f.actorObject(r.Context(), a)
	if err != nil {
		f.fail(w, err)
		return
	}
	f.writeDoc(w, o, true)
}

// getNote serves a post as a Note, or its Create at .../activity, to
// whoever may see it: anyone for public and unlisted posts, the signed
// follower or mentioned actor for the others.
func (f *Federation) getNote(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, err := f.localActor(r)
	if err != nil {
		f.fail(w, err)
		return
	}
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if !WantsActivityPub(r) && strings.HasPrefix(r.URL.Path, "/users/") {
		http.Redirect(w, r, "/@"+url.PathEscape(a.Username)+"/"+model.FormatID(id), http.StatusFound)
		return
	}
	viewer, err := f.viewer(r)
	if err != nil {
		f.fail(w, err)
		return
	}
	v, err := f.svc.View(ctx, viewer, id)
	if err != nil {
		f.fail(w, err)
		return
	}
	p := v.Post
	if p.AccountID != a.ID || !p.Local {
		http.NotFound(w, r)
		return
	}
	public := p.Visibility == model.Public || p.Visibility == model.Unlisted
	if p.IsReblog() {
		orig := v.Reblog
		if orig == nil {
			http.NotFound(w, r)
			return
		}
		f.writeDoc(w, f.announceOf(p, a, f.postURI(orig.Post, orig.Account), f.actorURI(orig.Account)), public)
		return
	}
	np, err := f.loadNote(ctx, f.db.Read(), p, a)
	if err != nil {
		f.fail(w, err)
		return
	}
	note := f.noteObject(np)
	if strings.HasSuffix(r.URL.Path, "/activity") {
		f.writeDoc(w, f.createOf(note, np), public)
		return
	}
	f.writeDoc(w, note, public)
}

// getOutbox serves an account's public posts and boosts, newest first,
// in pages of Create and Announce activities.
func (f *Federation) getOutbox(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, err := f.localActor(r)
	if err != nil {
		f.fail(w, err)
		return
	}
	uri := f.actorURI(a) + "/outbox"
	if r.URL.Query().Get("page") == "" {
		n := int(a.StatusesCount)
		f.writeDoc(w, &ap.Object{ID: uri, Type: ap.TypeOrderedCollection, TotalItems: &n,
			First: ap.Ref{ID: uri + "?page=true"}}, true)
		return
	}
	page := store.Page{Limit: collectionPage}
	if max, err := strconv.ParseInt(r.URL.Query().Get("max_id"), 10, 64); err == nil {
		page.MaxID = max
	}
	ids, err := f.db.Read().AccountPostIDs(ctx, a.ID, store.AccountFilter{
		Visibilities: []model.Visibility{model.Public, model.Unlisted}}, page)
	if err != nil {
		f.fail(w, err)
		return
	}
	views, err := f.svc.Views(ctx, &social.Actor{}, ids, false)
	if err != nil {
		f.fail(w, err)
		return
	}
	out := &ap.Object{ID: uri + "?page=true", Type: ap.TypeOrderedCollectionPage, PartOf: ap.Ref{ID: uri}}
	if page.MaxID != 0 {
		out.ID = uri + "?page=true&max_id=" + strconv.FormatInt(page.MaxID, 10)
	}
	for _, v := range views {
		if v.Reblog != nil {
			out.OrderedItems = append(out.OrderedItems, ap.Ref{Object: f.announceOf(v.Post, a,
				f.postURI(v.Reblog.Post, v.Reblog.Account), f.actorURI(v.Reblog.Account))})
			continue
		}
		np, err := f.loadNote(ctx, f.db.Read(), v.Post, a)
		if err != nil {
			f.fail(w, err)
			return
		}
		out.OrderedItems = append(out.OrderedItems, ap.Ref{Object: f.createOf(f.noteObject(np), np)})
	}
	if len(ids) == collectionPage {
		out.Next = ap.Ref{ID: uri + "?page=true&max_id=" + strconv.FormatInt(ids[len(ids)-1], 10)}
	}
	f.writeDoc(w, out, true)
}

// getFollows serves an account's followers or following: the count, and
// pages of actor ids.
func (f *Federation) getFollows(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, err := f.localActor(r)
	if err != nil {
		f.fail(w, err)
		return
	}
	followers := strings.HasSuffix(r.URL.Path, "/followers")
	uri := f.actorURI(a) + "/following"
	n := int(a.FollowingCount)
	if followers {
		uri, n = f.actorURI(a)+"/followers", int(a.FollowersCount)
	}
	if r.URL.Query().Get("page") == "" {
		f.writeDoc(w, &ap.Object{ID: uri, Type: ap.TypeOrderedCollection, TotalItems: &n,
			First: ap.Ref{ID: uri + "?page=1"}}, true)
		return
	}
	page := store.Page{Limit: collectionPage * 2}
	if max, err := strconv.ParseInt(r.URL.Query().Get("max_id"), 10, 64); err == nil {
		page.MaxID = max
	}
	var pairs []store.IDPair
	if followers {
		pairs, err = f.db.Read().Followers(ctx, a.ID, page)
	} else {
		pairs, err = f.db.Read().Following(ctx, a.ID, page)
	}
	if err != nil {
		f.fail(w, err)
		return
	}
	ids := make([]int64, len(pairs))
	for i, p := range pairs {
		ids[i] = p.ItemID
	}
	accs, err := f.db.Read().AccountsByIDs(ctx, ids)
	if err != nil {
		f.fail(w, err)
		return
	}
	out := &ap.Object{ID: uri + "?" + r.URL.RawQuery, Type: ap.TypeOrderedCollectionPage, PartOf: ap.Ref{ID: uri},
		TotalItems: &n, OrderedItems: ap.Refs{}}
	for _, id := range ids {
		if acc := accs[id]; acc != nil && !acc.Suspended() {
			out.OrderedItems = append(out.OrderedItems, ap.Ref{ID: f.actorURI(acc)})
		}
	}
	if len(pairs) == page.Limit {
		out.Next = ap.Ref{ID: uri + "?page=1&max_id=" + strconv.FormatInt(pairs[len(pairs)-1].Cursor, 10)}
	}
	f.writeDoc(w, out, true)
}

// getFeatured serves an account's pinned public posts.
func (f *Federation) getFeatured(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, err := f.localActor(r)
	if err != nil {
		f.fail(w, err)
		return
	}
	ids, err := f.db.Read().PinnedIDs(ctx, a.ID)
	if err != nil {
		f.fail(w, err)
		return
	}
	views, err := f.svc.Views(ctx, &social.Actor{}, ids, false)
	if err != nil {
		f.fail(w, err)
		return
	}
	out := &ap.Object{ID: f.actorURI(a) + "/collections/featured", Type: ap.TypeOrderedCollection, OrderedItems: ap.Refs{}}
	for _, v := range views {
		if v.Reblog != nil || !v.Post.Local {
			continue
		}
		np, err := f.loadNote(ctx, f.db.Read(), v.Post, v.Account)
		if err != nil {
			f.fail(w, err)
			return
		}
		out.OrderedItems = append(out.OrderedItems, ap.Ref{Object: f.noteObject(np)})
	}
	n := len(out.OrderedItems)
	out.TotalItems = &n
	f.writeDoc(w, out, true)
}
