package federation

import (
	"context"
	"encoding/json"
	"strconv"

	"parvis/internal/federation/ap"
	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// The hooks below run inside the transaction of a local use case. They
// build the activity at once (so that it says what the change said, even if
// the post is edited or deleted before delivery) and queue a fan-out job
// in the same transaction: the activity leaves if and only if the change
// commits. They read only through the transaction, never open another
// one, and queue nothing when no remote server is concerned.

// registerHooks makes the service tell federation about every change.
func (f *Federation) registerHooks() {
	f.svc.OnPublished(f.onPublished)
	f.svc.OnUpdated(f.onUpdated)
	f.svc.OnDeleted(f.onDeleted)
	f.svc.OnEngaged(f.onEngaged)
	f.svc.OnDisengaged(f.onDisengaged)
	f.svc.OnFollow(f.onFollow)
	f.svc.OnProfileUpdated(f.onProfileUpdated)
	f.svc.OnReported(f.onReported)
	f.registerAccountHooks()
}

// send queues the delivery of act, by the local account actorID, to the
// account's remote followers (when followers) and to the remote accounts
// to.
func (f *Federation) send(ctx context.Context, tx *store.Tx, actorID int64, act *ap.Object, followers bool, to []int64) error {
	body, err := ap.Encode(act)
	if err != nil {
		return err
	}
	return f.queue.Enqueue(ctx, tx.SQL(), FanOutArgs{ActorID: actorID, Activity: json.RawMessage(body),
		Followers: followers, To: idList(to)}, nil)
}

// audience returns who, besides the author's followers, receives a local
// post: the remote people it mentions and the remote author it replies to,
// except those who block the author or are blocked by them. followers
// reports whether the author's remote followers receive it too.
func (f *Federation) audience(ctx context.Context, tx *store.Tx, p *model.Post, author *model.Account) (to []int64, followers bool, err error) {
	ids := append([]int64{}, p.MentionedAccountIDs...)
	if p.InReplyToID != 0 && p.Visibility != model.Direct {
		if parent, err := tx.PostByID(ctx, p.InReplyToID); err == nil {
			ids = append(ids, parent.AccountID)
		} else if !model.IsNotFound(err) {
			return nil, false, err
		}
	}
	accs, err := tx.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, false, err
	}
	for _, id := range ids {
		a := accs[id]
		if a == nil || a.Local() || a.Suspended() || containsID(to, id) {
			continue
		}
		blocked, err := tx.IsBlockedEitherWay(ctx, author.ID, id)
		if err != nil {
			return nil, false, err
		}
		if !blocked {
			to = append(to, id)
		}
	}
	if p.Visibility != model.Direct {
		if followers, err = tx.HasRemoteFollowers(ctx, author.ID); err != nil {
			return nil, false, err
		}
	}
	return to, followers, nil
}

// localAuthor returns the author of a post when the post and its author
// are local.
func localAuthor(ctx context.Context, tx *store.Tx, p *model.Post) (*model.Account, error) {
	if !p.Local {
		return nil, nil
	}
	a, err := tx.AccountByID(ctx, p.AccountID)
	if err != nil || !a.Local() {
		return nil, err
	}
	return a, nil
}

// onPublished federates a new local post (Create) or boost (Announce).
func (f *Federation) onPublished(ctx context.Context, tx *store.Tx, p *model.Post) error {
	author, err := localAuthor(ctx, tx, p)
	if err != nil || author == nil {
		return err
	}
	if p.IsReblog() {
		return f.publishBoost(ctx, tx, author, p)
	}
	to, followers, err := f.audience(ctx, tx, p, author)
	if err != nil || (!followers && len(to) == 0) {
		return err
	}
	np, err := f.loadNote(ctx, tx.Q, p, author)
	if err != nil {
		return err
	}
	return f.send(ctx, tx, author.ID, f.createOf(f.noteObject(np), np), followers, to)
}

// publishBoost federates a local boost: an Announce of the boosted post's
// id. A community's boost of a member's post also goes as an Announce of
// the post's Create, the form Lemmy reads (FEP-1b12); Mastodon and
// GoToSocial read the first.
func (f *Federation) publishBoost(ctx context.Context, tx *store.Tx, booster *model.Account, boost *model.Post) error {
	orig, err := tx.PostByID(ctx, boost.ReblogOfID)
	if err != nil {
		return err
	}
	origAuthor, err := tx.AccountByID(ctx, orig.AccountID)
	if err != nil {
		return err
	}
	var to []int64
	if !origAuthor.Local() {
		to = []int64{origAuthor.ID}
	}
	followers, err := tx.HasRemoteFollowers(ctx, booster.ID)
	if err != nil || (!followers && len(to) == 0) {
		return err
	}
	ann := f.announceOf(boost, booster, f.postURI(orig, origAuthor), f.actorURI(origAuthor))
	if err := f.send(ctx, tx, booster.ID, ann, followers, to); err != nil {
		return err
	}
	if !booster.Group {
		return nil
	}
	np, err := f.loadNote(ctx, tx.Q, orig, origAuthor)
	if err != nil {
		return err
	}
	create := f.createOf(f.noteObject(np), np)
	wrapped := activity(ap.TypeAnnounce, ann.ID+"#create", ann.Actor.ID, ap.Ref{ID: create.ID, Object: create},
		ann.To, ann.Cc, boost.CreatedAt)
	return f.send(ctx, tx, booster.ID, wrapped, followers, to)
}

// onUpdated federates the edit of a local post (Update).
func (f *Federation) onUpdated(ctx context.Context, tx *store.Tx, p *model.Post) error {
	author, err := localAuthor(ctx, tx, p)
	if err != nil || author == nil || p.IsReblog() {
		return err
	}
	to, followers, err := f.audience(ctx, tx, p, author)
	if err != nil || (!followers && len(to) == 0) {
		return err
	}
	np, err := f.loadNote(ctx, tx.Q, p, author)
	if err != nil {
		return err
	}
	note := f.noteObject(np)
	at := p.EditedAt
	if at.IsZero() {
		at = f.now()
	}
	upd := activity(ap.TypeUpdate, note.ID+"#updates/"+strconv.FormatInt(at.UnixMilli(), 10), note.AttributedTo.First().ID,
		ap.Ref{ID: note.ID, Object: note}, note.To, note.Cc, at)
	return f.send(ctx, tx, author.ID, upd, followers, to)
}

// onDeleted federates the deletion of a local post (Delete) or boost (Undo
// of its Announce).
func (f *Federation) onDeleted(ctx context.Context, tx *store.Tx, p *model.Post) error {
	author, err := localAuthor(ctx, tx, p)
	if err != nil || author == nil {
		return err
	}
	if p.IsReblog() {
		return f.undoBoost(ctx, tx, author, p)
	}
	to, followers, err := f.audience(ctx, tx, p, author)
	if err != nil || (!followers && len(to) == 0) {
		return err
	}
	uri := f.postURI(p, author)
	accs, err := tx.AccountsByIDs(ctx, to)
	if err != nil {
		return err
	}
	var named []string
	for _, id := range to {
		if a := accs[id]; a != nil {
			named = append(named, a.URI)
		}
	}
	adTo, adCc := addressing(p.Visibility, f.followersOf(author), named)
	del := activity(ap.TypeDelete, uri+"#delete", f.actorURI(author),
		ap.Ref{ID: uri, Object: &ap.Object{ID: uri, Type: ap.TypeTombstone}}, adTo, adCc, f.now())
	return f.send(ctx, tx, author.ID, del, followers, to)
}

// undoBoost federates the withdrawal of a local boost.
func (f *Federation) undoBoost(ctx context.Context, tx *store.Tx, booster *model.Account, boost *model.Post) error {
	orig, err := tx.PostByID(ctx, boost.ReblogOfID)
	if model.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	origAuthor, err := tx.AccountByID(ctx, orig.AccountID)
	if err != nil {
		return err
	}
	var to []int64
	if !origAuthor.Local() {
		to = []int64{origAuthor.ID}
	}
	followers, err := tx.HasRemoteFollowers(ctx, booster.ID)
	if err != nil || (!followers && len(to) == 0) {
		return err
	}
	ann := f.announceOf(boost, booster, f.postURI(orig, origAuthor), f.actorURI(origAuthor))
	undo := activity(ap.TypeUndo, ann.ID+"/undo", ann.Actor.ID, ap.Ref{ID: ann.ID, Object: ann}, ann.To, ann.Cc, f.now())
	return f.send(ctx, tx, booster.ID, undo, followers, to)
}

// likeID is the id of a local account's Like of a post: one per account
// and post, so that the Undo names the same id.
func (f *Federation) likeID(liker *model.Account, postID int64) string {
	return f.actorURI(liker) + "#likes/" + strconv.FormatInt(postID, 10)
}

// onEngaged federates a local favourite of a remote post (Like). Boosts go
// as Announce through onPublished.
func (f *Federation) onEngaged(ctx context.Context, tx *store.Tx, e social.Engagement) error {
	if e.Kind != "favourite" || e.Post == nil || e.Post.Local {
		return nil
	}
	liker, author, err := f.engagementParties(ctx, tx, e)
	if err != nil || liker == nil {
		return err
	}
	like := activity(ap.TypeLike, f.likeID(liker, e.Post.ID), f.actorURI(liker), ap.Ref{ID: e.Post.URI},
		ap.Refs{{ID: author.URI}}, nil, e.At)
	return f.send(ctx, tx, liker.ID, like, false, []int64{author.ID})
}

// onDisengaged federates the withdrawal of a local favourite (Undo Like)
// or boost (Undo Announce).
func (f *Federation) onDisengaged(ctx context.Context, tx *store.Tx, e social.Engagement) error {
	if e.Post == nil {
		return nil
	}
	switch e.Kind {
	case "favourite":
		if e.Post.Local {
			return nil
		}
		liker, author, err := f.engagementParties(ctx, tx, e)
		if err != nil || liker == nil {
			return err
		}
		like := activity(ap.TypeLike, f.likeID(liker, e.Post.ID), f.actorURI(liker), ap.Ref{ID: e.Post.URI},
			ap.Refs{{ID: author.URI}}, nil, e.At)
		undo := activity(ap.TypeUndo, like.ID+"/undo", like.Actor.ID, ap.Ref{ID: like.ID, Object: like}, like.To, nil, e.At)
		return f.send(ctx, tx, liker.ID, undo, false, []int64{author.ID})
	case "reblog":
		booster, err := tx.AccountByID(ctx, e.AccountID)
		if err != nil || !booster.Local() {
			return err
		}
		boost, err := tx.ReblogOf(ctx, booster.ID, e.Post.ID)
		if model.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return f.undoBoost(ctx, tx, booster, boost)
	}
	return nil
}

// engagementParties returns the local account that engaged with a remote
// post and the post's remote author; liker is nil when the engagement is
// not one to federate.
func (f *Federation) engagementParties(ctx context.Context, tx *store.Tx, e social.Engagement) (liker, author *model.Account, err error) {
	accs, err := tx.AccountsByIDs(ctx, []int64{e.AccountID, e.Post.AccountID})
	if err != nil {
		return nil, nil, err
	}
	liker, author = accs[e.AccountID], accs[e.Post.AccountID]
	if liker == nil || author == nil || !liker.Local() || author.Local() || author.Suspended() || e.Post.URI == "" {
		return nil, nil, nil
	}
	return liker, author, nil
}

// onFollow federates follow changes between local and remote accounts:
// Follow, Undo Follow, Block and Undo Block from local people, and the
// Accept or Reject of remote people's follows.
func (f *Federation) onFollow(ctx context.Context, tx *store.Tx, e social.FollowEvent) error {
	if e.Target == nil {
		return nil
	}
	follower, err := tx.AccountByID(ctx, e.AccountID)
	if err != nil {
		return err
	}
	target := e.Target
	switch {
	case follower.Local() && !target.Local():
		if target.Suspended() {
			return tx.DeleteFollowActivity(ctx, follower.ID, target.ID)
		}
		return f.followOut(ctx, tx, e.Kind, follower, target)
	case !follower.Local() && target.Local():
		switch e.Kind {
		case "follow", "join":
			return f.answerFollow(ctx, tx, ap.TypeAccept, follower, target)
		case "reject":
			return f.answerFollow(ctx, tx, ap.TypeReject, follower, target)
		}
	}
	return nil
}

// followOut federates a local account's follow change towards a remote
// one.
func (f *Federation) followOut(ctx context.Context, tx *store.Tx, kind string, follower, target *model.Account) error {
	actor, object := f.actorURI(follower), target.URI
	to := ap.Refs{{ID: object}}
	switch kind {
	case "request":
		uri := f.base + "/activities/follows/" + strconv.FormatInt(f.db.NewID(f.now()), 10)
		if err := tx.PutFollowActivity(ctx, store.FollowActivity{AccountID: follower.ID, TargetID: target.ID, URI: uri,
			CreatedAt: f.now()}); err != nil {
			return err
		}
		follow := activity(ap.TypeFollow, uri, actor, ap.Ref{ID: object}, to, nil, f.now())
		return f.send(ctx, tx, follower.ID, follow, false, []int64{target.ID})
	case "unfollow", "unrequest":
		fa, err := tx.FollowActivityOf(ctx, follower.ID, target.ID)
		uri := ""
		switch {
		case err == nil:
			uri = fa.URI
		case model.IsNotFound(err):
			uri = f.idFor(actor, "follows")
		default:
			return err
		}
		follow := activity(ap.TypeFollow, uri, actor, ap.Ref{ID: object}, to, nil, f.now())
		undo := activity(ap.TypeUndo, uri+"/undo", actor, ap.Ref{ID: uri, Object: follow}, to, nil, f.now())
		if err := tx.DeleteFollowActivity(ctx, follower.ID, target.ID); err != nil {
			return err
		}
		return f.send(ctx, tx, follower.ID, undo, false, []int64{target.ID})
	case "block", "unblock":
		block := activity(ap.TypeBlock, actor+"#blocks/"+strconv.FormatInt(target.ID, 10), actor, ap.Ref{ID: object}, to, nil, f.now())
		act := block
		if kind == "unblock" {
			act = activity(ap.TypeUndo, block.ID+"/undo", actor, ap.Ref{ID: block.ID, Object: block}, to, nil, f.now())
		}
		return f.send(ctx, tx, follower.ID, act, false, []int64{target.ID})
	}
	return nil
}

// answerFollow sends the Accept or Reject of a remote account's Follow of
// a local one, naming the Follow's id when it is known.
func (f *Federation) answerFollow(ctx context.Context, tx *store.Tx, typ ap.Type, follower, target *model.Account) error {
	uri := ""
	fa, err := tx.FollowActivityOf(ctx, follower.ID, target.ID)
	switch {
	case err == nil:
		uri = fa.URI
	case !model.IsNotFound(err):
		return err
	}
	act := f.followAnswer(typ, uri, follower, target)
	if typ == ap.TypeReject {
		if err := tx.DeleteFollowActivity(ctx, follower.ID, target.ID); err != nil {
			return err
		}
	}
	return f.send(ctx, tx, target.ID, act, false, []int64{follower.ID})
}

// followAnswer builds an Accept or Reject of the Follow uri.
func (f *Federation) followAnswer(typ ap.Type, uri string, follower, target *model.Account) *ap.Object {
	actor := f.actorURI(target)
	to := ap.Refs{{ID: follower.URI}}
	follow := &ap.Object{ID: uri, Type: ap.TypeFollow, Actor: ap.Ref{ID: follower.URI}, Object: ap.Refs{{ID: actor}}}
	kind := "accepts"
	if typ == ap.TypeReject {
		kind = "rejects"
	}
	return activity(typ, f.idFor(actor, kind), actor, ap.Ref{ID: uri, Object: follow}, to, nil, f.now())
}

// containsID reports whether ids holds id.
func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
