package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"parvis/internal/content"
	"parvis/internal/federation/ap"
	"parvis/internal/federation/httpsign"
	"parvis/internal/jobs"
	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// ProcessArgs applies one activity an inbox accepted. Actor is the id of
// the actor whose signature was verified; the activity's origin was
// checked against it before the job was queued.
type ProcessArgs struct {
	Actor    string          `json:"actor"`
	Activity json.RawMessage `json:"activity"`
}

// Kind names the job.
func (ProcessArgs) Kind() string { return "federation_process" }

// InsertOpts keeps inbound work off the default queue: a slow remote
// server must not hold up local work.
func (ProcessArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueDelivery, MaxAttempts: 6}
}

type processWorker struct {
	river.WorkerDefaults[ProcessArgs]
	f *Federation
}

// Timeout leaves room for a thread's parents to be fetched.
func (w *processWorker) Timeout(*river.Job[ProcessArgs]) time.Duration { return 90 * time.Second }

func (w *processWorker) Work(ctx context.Context, job *river.Job[ProcessArgs]) error {
	err := w.f.Process(ctx, job.Args.Actor, job.Args.Activity)
	if err == nil {
		return nil
	}
	if isPermanent(err) {
		w.f.log.Warn("federation: activity rejected", "actor", clip(job.Args.Actor), "err", err)
		return river.JobCancel(err)
	}
	return err
}

// Process applies an activity whose signature by actorURI was verified.
// Errors that retrying will not cure are permanent (isPermanent).
func (f *Federation) Process(ctx context.Context, actorURI string, body []byte) error {
	act, err := f.limits.Decode(body)
	if err != nil {
		return permanent(err)
	}
	if err := httpsign.CheckOrigin(act, actorURI); err != nil {
		return permanent(err)
	}
	actor, err := f.account(ctx, actorURI, true)
	if err != nil {
		return err
	}
	if actor.Local() {
		return permanent(errors.New("an activity of a local actor came through an inbox"))
	}
	if actor.Suspended() && act.Type != ap.TypeUpdate {
		return permanent(fmt.Errorf("actor %s is suspended", clip(actorURI)))
	}
	f.touch(ctx, actor)
	switch act.Type {
	case ap.TypeFollow:
		return f.onFollowIn(ctx, actor, act)
	case ap.TypeAccept, ap.TypeReject:
		return f.onAnswer(ctx, actor, act)
	case ap.TypeUndo:
		return f.onUndo(ctx, actor, act)
	case ap.TypeCreate:
		return f.onCreate(ctx, actor, act)
	case ap.TypeUpdate:
		return f.onUpdate(ctx, actor, act)
	case ap.TypeDelete:
		return f.onDelete(ctx, actor, act)
	case ap.TypeLike:
		return f.onLike(ctx, actor, act)
	case ap.TypeAnnounce:
		return f.onAnnounce(ctx, actor, act)
	case ap.TypeBlock:
		return f.onBlock(ctx, actor, act)
	case ap.TypeFlag:
		return f.onFlag(ctx, actor, act)
	case ap.TypeMove:
		return f.onMove(ctx, actor, act)
	}
	return nil
}

// touch records that the actor's server is alive, and refreshes an actor
// whose copy is old, in the background.
func (f *Federation) touch(ctx context.Context, actor *model.Account) {
	host := hostKey(actor.URI)
	if f.servers.unreachable(host) {
		if err := f.db.Tx(ctx, func(tx *store.Tx) error { return tx.RecordServerAlive(ctx, host, f.now()) }); err == nil {
			f.servers.setUnreachable(host, false)
		}
	}
	ra, err := f.db.Read().RemoteActorOf(ctx, actor.ID)
	if err != nil || f.now().Sub(ra.FetchedAt) < refreshAfter {
		return
	}
	if err := f.db.Tx(ctx, func(tx *store.Tx) error {
		return f.queue.Enqueue(ctx, tx.SQL(), RefreshArgs{URI: actor.URI}, nil)
	}); err != nil {
		f.log.Warn("federation: queue actor refresh", "actor", actor.URI, "err", err)
	}
}

// onFollowIn answers a remote account's Follow of a local one.
func (f *Federation) onFollowIn(ctx context.Context, actor *model.Account, act *ap.Object) error {
	target, err := f.localAccount(ctx, act.ObjectID())
	if err != nil {
		return permanent(fmt.Errorf("follow of %s: %w", clip(act.ObjectID()), err))
	}
	out, err := f.svc.ReceiveFollow(ctx, actor, target, act.ID, f.silenced(ctx, actor.Domain))
	if err != nil {
		return err
	}
	switch out {
	case social.FollowAlready:
		return f.sendNow(ctx, target.ID, f.followAnswer(ap.TypeAccept, act.ID, actor, target), actor.ID)
	case social.FollowRefused:
		return f.sendNow(ctx, target.ID, f.followAnswer(ap.TypeReject, act.ID, actor, target), actor.ID)
	}
	return nil
}

// sendNow queues an activity to one remote account outside a use case.
func (f *Federation) sendNow(ctx context.Context, actorID int64, act *ap.Object, to int64) error {
	return f.db.Tx(ctx, func(tx *store.Tx) error { return f.send(ctx, tx, actorID, act, false, []int64{to}) })
}

// onAnswer applies a remote account's Accept or Reject of a local
// account's Follow.
func (f *Federation) onAnswer(ctx context.Context, actor *model.Account, act *ap.Object) error {
	obj := act.Object.First()
	var followerID int64
	if fa, err := f.db.Read().FollowActivityByURI(ctx, obj.IRI()); err == nil {
		if fa.TargetID != actor.ID {
			return permanent(fmt.Errorf("%w: %s answers a follow of another account", httpsign.ErrWrongOrigin, clip(actor.URI)))
		}
		followerID = fa.AccountID
	} else if inner := obj.Object; inner != nil && inner.Type == ap.TypeFollow && inner.ObjectID() == actor.URI {
		follower, err := f.localAccount(ctx, inner.ActorID())
		if err != nil {
			return permanent(err)
		}
		followerID = follower.ID
	} else {
		return permanent(fmt.Errorf("%s of an unknown follow %s", act.Type, clip(obj.IRI())))
	}
	return f.svc.ReceiveFollowAnswer(ctx, followerID, actor, act.Type == ap.TypeAccept)
}

// onUndo takes back a Follow, Like, Announce or Block.
func (f *Federation) onUndo(ctx context.Context, actor *model.Account, act *ap.Object) error {
	obj := act.Object.First()
	inner := obj.Object
	if inner == nil {
		// Only an id: find what it names.
		if fa, err := f.db.Read().FollowActivityByURI(ctx, obj.IRI()); err == nil && fa.AccountID == actor.ID {
			target, err := f.db.Read().AccountByID(ctx, fa.TargetID)
			if err != nil {
				return err
			}
			return f.svc.ReceiveUnfollow(ctx, actor, target)
		}
		if liker, postID, err := f.db.Read().FavouriteByURI(ctx, obj.IRI()); err == nil && liker == actor.ID {
			p, err := f.db.Read().PostByID(ctx, postID)
			if err != nil {
				return err
			}
			return f.svc.ReceiveUnlike(ctx, actor, p)
		}
		if p, err := f.db.Read().PostByURI(ctx, obj.IRI()); err == nil && p.AccountID == actor.ID && p.IsReblog() {
			return f.svc.ReceiveDelete(ctx, p)
		}
		return nil
	}
	switch inner.Type {
	case ap.TypeFollow:
		target, err := f.localAccount(ctx, inner.ObjectID())
		if err != nil {
			return nil // an Undo of a follow of someone else
		}
		return f.svc.ReceiveUnfollow(ctx, actor, target)
	case ap.TypeLike:
		p, err := f.localPost(ctx, inner.ObjectID())
		if err != nil {
			return nil
		}
		return f.svc.ReceiveUnlike(ctx, actor, p)
	case ap.TypeAnnounce:
		p, err := f.db.Read().PostByURI(ctx, inner.ID)
		if err != nil {
			if model.IsNotFound(err) {
				return nil
			}
			return err
		}
		if p.AccountID != actor.ID || !p.IsReblog() {
			return permanent(fmt.Errorf("%w: Undo of an Announce %s that is not %s's", httpsign.ErrWrongOrigin, clip(inner.ID), clip(actor.URI)))
		}
		return f.svc.ReceiveDelete(ctx, p)
	case ap.TypeBlock:
		target, err := f.localAccount(ctx, inner.ObjectID())
		if err != nil {
			return nil
		}
		return f.svc.ReceiveUnblock(ctx, actor, target)
	}
	return nil
}

// localPost returns the local post an id names.
func (f *Federation) localPost(ctx context.Context, uri string) (*model.Post, error) {
	id, ok := f.localPostID(uri)
	if !ok {
		return nil, model.Errorf(model.ENOTFOUND, "post not found")
	}
	return f.db.Read().PostByID(ctx, id)
}

// onLike records a remote favourite of a local post; likes of remote
// posts are their servers' business.
func (f *Federation) onLike(ctx context.Context, actor *model.Account, act *ap.Object) error {
	p, err := f.localPost(ctx, act.ObjectID())
	if err != nil {
		return nil
	}
	v, err := f.svc.View(ctx, f.svc.RemoteActor(actor), p.ID)
	if err != nil {
		return permanent(fmt.Errorf("like of %s: %w", clip(act.ObjectID()), err))
	}
	return f.svc.ReceiveLike(ctx, actor, v.Post, act.ID)
}

// onBlock applies a remote account's Block of a local one.
func (f *Federation) onBlock(ctx context.Context, actor *model.Account, act *ap.Object) error {
	target, err := f.localAccount(ctx, act.ObjectID())
	if err != nil {
		return nil
	}
	return f.svc.ReceiveBlock(ctx, actor, target, act.ID)
}

// onFlag files a remote server's report about a local account (and one of
// its posts) for the moderators.
func (f *Federation) onFlag(ctx context.Context, actor *model.Account, act *ap.Object) error {
	var target *model.Account
	var posts []*model.Post
	for _, r := range act.Object {
		uri := r.IRI()
		if a, err := f.localAccount(ctx, uri); err == nil && target == nil {
			target = a
			continue
		}
		if p, err := f.localPost(ctx, uri); err == nil {
			posts = append(posts, p)
		}
	}
	if target == nil && len(posts) > 0 {
		a, err := f.db.Read().AccountByID(ctx, posts[0].AccountID)
		if err != nil {
			return err
		}
		target = a
	}
	if target == nil {
		return permanent(errors.New("a report about no local account"))
	}
	in := social.ReportInput{AccountID: target.ID, Category: "other",
		Comment: truncateRunes(strings.TrimSpace(content.PlainText(f.sanitizer.Sanitize(act.Content))), 1000)}
	for _, p := range posts {
		if p.AccountID == target.ID {
			in.PostID = p.ID
			break
		}
	}
	if !utf8.ValidString(in.Comment) {
		in.Comment = ""
	}
	_, err := f.svc.ReceiveReport(ctx, actor, in)
	return err
}

// onMove moves the local followers of an actor to its new account, once
// the new account confirms the move (it lists the old one as an alias).
func (f *Federation) onMove(ctx context.Context, actor *model.Account, act *ap.Object) error {
	targetURI := act.Target.IRI()
	if targetURI == "" || targetURI == actor.URI {
		return permanent(errors.New("a Move without a target"))
	}
	var to *model.Account
	if f.isLocal(targetURI) {
		// The new account is here: its aliases are in the database.
		a, err := f.localAccount(ctx, targetURI)
		if err != nil {
			return permanent(fmt.Errorf("move to %s: %w", clip(targetURI), err))
		}
		l, err := f.lookupLocal(ctx, a.Username)
		if err != nil {
			return err
		}
		if !slices.Contains(l.AlsoKnownAs, actor.URI) || a.Suspended() {
			return permanent(fmt.Errorf("move to %s: the new account does not list %s as an alias", clip(targetURI), clip(actor.URI)))
		}
		to = a
	} else {
		o, err := f.fetchObject(ctx, targetURI)
		if err != nil {
			return err
		}
		if !o.AlsoKnownAs.Has(actor.URI) {
			return permanent(fmt.Errorf("move to %s: the new account does not list %s as an alias", clip(targetURI), clip(actor.URI)))
		}
		if to, err = f.storeActor(ctx, o); err != nil {
			return err
		}
	}
	n, err := f.svc.ReceiveMove(ctx, actor, to)
	f.log.Info("federation: account moved", "from", actor.URI, "to", targetURI, "followers", n)
	return err
}

// onDelete applies the deletion of a remote post, or of the actor itself.
func (f *Federation) onDelete(ctx context.Context, actor *model.Account, act *ap.Object) error {
	uri := act.ObjectID()
	if uri == actor.URI {
		return f.svc.ReceiveActorDelete(ctx, actor)
	}
	p, err := f.db.Read().PostByURI(ctx, uri)
	if model.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if p.AccountID != actor.ID {
		return permanent(fmt.Errorf("%w: %s deletes a post of another account", httpsign.ErrWrongOrigin, clip(actor.URI)))
	}
	return f.svc.ReceiveDelete(ctx, p)
}

// onUpdate applies the edit of a remote post, or a new version of the
// actor's document.
func (f *Federation) onUpdate(ctx context.Context, actor *model.Account, act *ap.Object) error {
	obj := act.EmbeddedObject()
	if obj == nil {
		var err error
		if obj, err = f.fetchObject(ctx, act.ObjectID()); err != nil {
			return err
		}
	}
	switch {
	case obj.Type.IsActor():
		if obj.ID != actor.URI {
			return permanent(fmt.Errorf("%w: %s updates another actor", httpsign.ErrWrongOrigin, clip(actor.URI)))
		}
		_, err := f.storeActor(ctx, obj)
		return err
	case isNote(obj.Type):
		p, err := f.db.Read().PostByURI(ctx, obj.ID)
		if model.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if p.AccountID != actor.ID {
			return permanent(fmt.Errorf("%w: %s edits a post of another account", httpsign.ErrWrongOrigin, clip(actor.URI)))
		}
		if !obj.Updated.IsZero() && !p.EditedAt.IsZero() && !obj.Updated.After(p.EditedAt) {
			return nil // an older version than the one stored
		}
		in, err := f.remotePost(ctx, obj, actor)
		if err != nil {
			return err
		}
		return f.svc.ReceiveEdit(ctx, p, in)
	}
	return nil
}

// onCreate stores a new remote post, when someone here has a reason to see
// it.
func (f *Federation) onCreate(ctx context.Context, actor *model.Account, act *ap.Object) error {
	ref := act.Object.First()
	obj := ref.Object
	if obj == nil {
		var err error
		if obj, err = f.fetchObject(ctx, ref.IRI()); err != nil {
			return err
		}
	}
	if !isNote(obj.Type) {
		return nil
	}
	if !obj.AttributedTo.Has(actor.URI) {
		return permanent(fmt.Errorf("%w: %s creates a post attributed to %v", httpsign.ErrWrongOrigin, clip(actor.URI), obj.AttributedTo.IRIs()))
	}
	if _, err := f.db.Read().PostByURI(ctx, obj.ID); err == nil {
		return nil
	}
	wanted, err := f.wanted(ctx, actor, obj)
	if err != nil || !wanted {
		if err == nil {
			f.log.Debug("federation: unsolicited post dropped", "id", obj.ID)
		}
		return err
	}
	_, err = f.importNote(ctx, obj, actor)
	return err
}

// onAnnounce stores a remote boost of a post, or a community's Announce of
// a member's post (FEP-1b12: the Announce carries the post's Create).
func (f *Federation) onAnnounce(ctx context.Context, actor *model.Account, act *ap.Object) error {
	ref := act.Object.First()
	if inner := ref.Object; inner != nil && inner.Type.IsActivity() {
		if inner.Type != ap.TypeCreate {
			// A community forwards votes, edits and deletions too; their
			// authors' own deliveries are what Parvis acts on.
			return nil
		}
		ref = inner.Object.First()
	}
	uri := ref.IRI()
	if uri == "" {
		return permanent(errors.New("an Announce of nothing"))
	}
	var embedded *ap.Object
	if ref.Object != nil && httpsign.SameHost(uri, actor.URI) && ref.Object.ID == uri {
		// The announcer vouches for its own host's objects only; another
		// server's post is fetched from its origin.
		embedded = ref.Object
	}
	p, err := f.resolvePost(ctx, uri, embedded, func() (bool, error) {
		return f.db.Read().HasLocalFollowers(ctx, actor.ID)
	})
	if err != nil || p == nil {
		return err
	}
	if !p.Local {
		if ok, err := f.db.Read().HasLocalFollowers(ctx, actor.ID); err != nil || !ok {
			return err
		}
	}
	if p.IsReblog() {
		return permanent(fmt.Errorf("an Announce of a boost %s", clip(uri)))
	}
	_, err = f.svc.ReceiveBoost(ctx, actor, p, act.ID, visibility(act.Visibility(actor.FollowersURL)), act.Published)
	return err
}

// resolvePost returns the post uri names: a local one, one already
// stored, or (when wanted says so) one fetched and stored now. It returns
// nil, nil for a remote post nobody here wants.
func (f *Federation) resolvePost(ctx context.Context, uri string, embedded *ap.Object, wanted func() (bool, error)) (*model.Post, error) {
	if f.isLocal(uri) {
		p, err := f.localPost(ctx, uri)
		if err != nil {
			return nil, permanent(err)
		}
		return p, nil
	}
	if p, err := f.db.Read().PostByURI(ctx, uri); err == nil {
		return p, nil
	} else if !model.IsNotFound(err) {
		return nil, err
	}
	ok, err := wanted()
	if err != nil || !ok {
		return nil, err
	}
	obj := embedded
	if obj == nil {
		if obj, err = f.fetchObject(ctx, uri); err != nil {
			return nil, err
		}
	}
	if !isNote(obj.Type) {
		return nil, permanent(fmt.Errorf("%s is a %s, not a post", clip(uri), obj.Type))
	}
	author, err := f.account(ctx, obj.AttributedTo.First().IRI(), true)
	if err != nil {
		return nil, err
	}
	if !httpsign.SameHost(author.URI, obj.ID) {
		return nil, permanent(fmt.Errorf("%w: post %s is attributed to %s", httpsign.ErrWrongOrigin, clip(obj.ID), clip(author.URI)))
	}
	return f.importNote(ctx, obj, author)
}

// wanted reports whether a remote post concerns someone here: its author
// has local followers, or it addresses or mentions a local account, or it
// replies to a post stored here.
func (f *Federation) wanted(ctx context.Context, author *model.Account, obj *ap.Object) (bool, error) {
	q := f.db.Read()
	if ok, err := q.HasLocalFollowers(ctx, author.ID); err != nil || ok {
		return ok, err
	}
	for _, rs := range []ap.Refs{obj.To, obj.Cc, obj.Bto, obj.Bcc, {obj.Audience}} {
		for _, r := range rs {
			if f.isLocal(r.IRI()) {
				return true, nil
			}
		}
	}
	for _, t := range obj.Tag {
		if t.Object != nil && t.Object.Type == ap.TypeMention && f.isLocal(t.Object.Href) {
			return true, nil
		}
	}
	if parent := obj.InReplyTo.IRI(); parent != "" {
		if f.isLocal(parent) {
			return true, nil
		}
		if _, err := q.PostByURI(ctx, parent); err == nil {
			return true, nil
		}
	}
	return false, nil
}

// isNote reports whether t is a type of post Parvis shows.
func isNote(t ap.Type) bool {
	switch t {
	case ap.TypeNote, ap.TypePage, ap.TypeArticle, ap.TypeQuestion:
		return true
	}
	return false
}

// visibility maps an ActivityPub visibility to Parvis's.
func visibility(v ap.Visibility) model.Visibility {
	switch v {
	case ap.VisibilityPublic:
		return model.Public
	case ap.VisibilityUnlisted:
		return model.Unlisted
	case ap.VisibilityPrivate:
		return model.Private
	}
	return model.Direct
}

// RefreshArgs fetches a remote actor again.
type RefreshArgs struct {
	URI string `json:"uri"`
}

// Kind names the job.
func (RefreshArgs) Kind() string { return "federation_refresh_actor" }

// InsertOpts makes one pending refresh per actor enough.
func (RefreshArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueDelivery, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

type refreshWorker struct {
	river.WorkerDefaults[RefreshArgs]
	f *Federation
}

func (w *refreshWorker) Work(ctx context.Context, job *river.Job[RefreshArgs]) error {
	o, err := w.f.fetchObject(ctx, job.Args.URI)
	if errors.Is(err, errGone) {
		a, aerr := w.f.db.Read().AccountByURI(ctx, job.Args.URI)
		if aerr == nil {
			return w.f.svc.ReceiveActorDelete(ctx, a)
		}
		return nil
	}
	if err != nil {
		if isPermanent(err) {
			return river.JobCancel(err)
		}
		return err
	}
	if o.ID != job.Args.URI {
		return river.JobCancel(fmt.Errorf("refresh %s: the document is %s", clip(job.Args.URI), clip(o.ID)))
	}
	_, err = w.f.storeActor(ctx, o)
	return err
}

// SweepArgs forgets old received-activity ids.
type SweepArgs struct{}

// Kind names the job.
func (SweepArgs) Kind() string { return "federation_sweep" }

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	f *Federation
}

// activityMemory is how long received activity ids are remembered:
// senders stop retrying after a few days.
const activityMemory = 14 * 24 * time.Hour

func (w *sweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) error {
	return w.f.db.Tx(ctx, func(tx *store.Tx) error {
		n, err := tx.SweepActivities(ctx, w.f.now().Add(-activityMemory))
		if err == nil && n > 0 {
			w.f.log.Info("federation: forgot old activity ids", "rows", n)
		}
		return err
	})
}
