package federation

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"parvis/internal/federation/ap"
	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// Local account deletion and moves, as Mastodon sends them: a deleted
// account's Delete of itself goes to its followers and to every server it
// interacted with; a moved account's Move goes to its followers. Local
// actors publish their aliases (alsoKnownAs) and where they moved
// (movedTo).

// registerAccountHooks makes the service tell federation about deleted
// and moved accounts, and lets it look accounts up for aliases and moves.
func (f *Federation) registerAccountHooks() {
	f.svc.OnAccountDeleted(f.onAccountDeleted)
	f.svc.OnAccountMoved(f.onAccountMoved)
	f.svc.SetAccountLookup(f.lookupAccount)
}

// onAccountDeleted queues the Delete of a deleted local account. It runs
// in the purge job's first transaction, while the follows still exist: the
// inboxes are computed here and travel in the job, since the purge removes
// the follows right after. The account's key stays (the row is kept), so
// every retry is signed.
func (f *Federation) onAccountDeleted(ctx context.Context, tx *store.Tx, a *model.Account) error {
	if !a.Local() {
		return nil
	}
	followers, err := tx.RemoteFollowers(ctx, a.ID)
	if err != nil {
		return err
	}
	others, err := tx.InteractedRemoteRecipients(ctx, a.ID)
	if err != nil {
		return err
	}
	inboxes := f.inboxes(ctx, append(followers, others...))
	if len(inboxes) == 0 {
		return nil
	}
	uri := f.actorURI(a)
	del := activity(ap.TypeDelete, uri+"#delete", uri, ap.Ref{ID: uri}, ap.Refs{{ID: ap.Public}}, nil, f.now())
	body, err := ap.Encode(del)
	if err != nil {
		return err
	}
	f.log.Info("federation: account deletion queued", "actor", uri, "inboxes", len(inboxes))
	return f.queue.Enqueue(ctx, tx.SQL(), FanOutArgs{ActorID: a.ID, Activity: json.RawMessage(body), Inboxes: inboxes}, nil)
}

// onAccountMoved sends Move{actor: old, object: old, target: new} to the
// old account's remote followers, then its new actor document (movedTo).
func (f *Federation) onAccountMoved(ctx context.Context, tx *store.Tx, from, to *model.Account) error {
	followers, err := tx.HasRemoteFollowers(ctx, from.ID)
	if err != nil || !followers {
		return err
	}
	uri := f.actorURI(from)
	move := activity(ap.TypeMove, f.idFor(uri, "moves"), uri, ap.Ref{ID: uri}, ap.Refs{{ID: f.followersOf(from)}}, nil, f.now())
	move.Target = ap.Ref{ID: f.actorURI(to)}
	return f.send(ctx, tx, from.ID, move, true, nil)
}

// lookupAccount finds the account a handle names for an alias or a move,
// reading its actor document afresh (its alsoKnownAs may have changed a
// minute ago).
func (f *Federation) lookupAccount(ctx context.Context, handle string) (*social.LookedUp, error) {
	h := strings.TrimPrefix(strings.TrimSpace(handle), "@")
	uri := h
	if !strings.HasPrefix(h, "https://") && !strings.HasPrefix(h, "http://") {
		user, domain, ok := strings.Cut(h, "@")
		if !ok || user == "" || domain == "" {
			return nil, model.Errorf(model.ENOTFOUND, "account not found")
		}
		domain = strings.ToLower(domain)
		if domain == f.domain {
			return f.lookupLocal(ctx, user)
		}
		var err error
		if uri, err = f.webfinger(ctx, user, domain); err != nil {
			return nil, model.Errorf(model.ENOTFOUND, "account not found: %v", err)
		}
	}
	if f.isLocal(uri) {
		a, err := f.localAccount(ctx, uri)
		if err != nil {
			return nil, err
		}
		return f.lookupLocal(ctx, a.Username)
	}
	o, err := f.fetchObject(ctx, uri)
	if err != nil {
		return nil, model.Errorf(model.ENOTFOUND, "account not found: %v", err)
	}
	if !o.Type.IsActor() {
		return nil, model.Errorf(model.ENOTFOUND, "account not found")
	}
	a, err := f.storeActor(ctx, o)
	if err != nil {
		return nil, model.Errorf(model.ENOTFOUND, "account not found: %v", err)
	}
	l := &social.LookedUp{Account: a, URI: o.ID}
	for _, r := range o.AlsoKnownAs {
		if r.ID != "" {
			l.AlsoKnownAs = append(l.AlsoKnownAs, r.ID)
		}
	}
	return l, nil
}

// lookupLocal is lookupAccount for an account of this server.
func (f *Federation) lookupLocal(ctx context.Context, name string) (*social.LookedUp, error) {
	a, err := f.db.Read().AccountByUsername(ctx, name, "")
	if err != nil {
		return nil, err
	}
	aliases, err := f.db.Read().Aliases(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	l := &social.LookedUp{Account: a, URI: f.actorURI(a)}
	for _, al := range aliases {
		l.AlsoKnownAs = append(l.AlsoKnownAs, al.URI)
	}
	return l, nil
}

// addAccountLinks puts a local actor's aliases and new account in its
// document.
func (f *Federation) addAccountLinks(ctx context.Context, o *ap.Object, a *model.Account) error {
	aliases, err := f.db.Read().Aliases(ctx, a.ID)
	if err != nil {
		return err
	}
	for _, al := range aliases {
		o.AlsoKnownAs = append(o.AlsoKnownAs, ap.Ref{ID: al.URI})
	}
	if a.MovedToID != 0 {
		to, err := f.db.Read().AccountByID(ctx, a.MovedToID)
		if err != nil && !model.IsNotFound(err) {
			return err
		}
		if to != nil {
			o.MovedTo = ap.Ref{ID: f.actorURI(to)}
		}
	}
	return nil
}

// writeTombstone answers a deleted local actor: 410 Gone with a
// Tombstone, as Mastodon does.
func (f *Federation) writeTombstone(w http.ResponseWriter, a *model.Account) {
	t := &ap.Object{ID: f.actorURI(a), Type: ap.TypeTombstone, FormerType: ap.TypePerson, Deleted: a.DeletedAt.UTC()}
	b, err := ap.Encode(t)
	if err != nil {
		http.Error(w, "gone", http.StatusGone)
		return
	}
	w.Header().Set("Content-Type", ap.MediaType+"; charset=utf-8")
	w.WriteHeader(http.StatusGone)
	_, _ = w.Write(b)
}
