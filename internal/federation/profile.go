package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/riverqueue/river"

	"parvis/internal/federation/ap"
	"parvis/internal/jobs"
	"parvis/internal/model"
	"parvis/internal/store"
)

// onProfileUpdated queues the sending of a local account's new actor
// document (Update{Person} or Update{Group}) to its remote followers or
// members. The document is built when the job runs: its key may need
// making, which takes a transaction of its own.
func (f *Federation) onProfileUpdated(ctx context.Context, tx *store.Tx, a *model.Account) error {
	if !a.Local() {
		return nil
	}
	if ok, err := tx.HasRemoteFollowers(ctx, a.ID); err != nil || !ok {
		return err
	}
	return f.queue.Enqueue(ctx, tx.SQL(), UpdateActorArgs{AccountID: a.ID}, nil)
}

// UpdateActorArgs sends a local account's current actor document to its
// remote followers.
type UpdateActorArgs struct {
	AccountID int64 `json:"account_id,string"`
}

// Kind names the job.
func (UpdateActorArgs) Kind() string { return "federation_update_actor" }

// InsertOpts puts the job on the delivery queue.
func (UpdateActorArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueDelivery, MaxAttempts: 5}
}

type updateActorWorker struct {
	river.WorkerDefaults[UpdateActorArgs]
	f *Federation
}

func (w *updateActorWorker) Work(ctx context.Context, job *river.Job[UpdateActorArgs]) error {
	f := w.f
	a, err := f.db.Read().AccountByID(ctx, job.Args.AccountID)
	if model.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !a.Local() || a.Suspended() {
		return nil
	}
	doc, err := f.actorObject(ctx, a)
	if err != nil {
		return err
	}
	uri := f.actorURI(a)
	act := activity(ap.TypeUpdate, f.idFor(uri, "updates"), uri, ap.Ref{ID: uri, Object: doc},
		ap.Refs{{ID: ap.Public}}, ap.Refs{{ID: uri + "/followers"}}, f.now())
	return f.db.Tx(ctx, func(tx *store.Tx) error { return f.send(ctx, tx, a.ID, act, true, nil) })
}

// onReported forwards a report that a local person filed about a remote
// account to that account's server, as a Flag from the instance actor
// (the reporter stays anonymous, as with Mastodon's forwarded reports),
// naming the account and the reported post.
func (f *Federation) onReported(ctx context.Context, tx *store.Tx, r *store.Report) error {
	reporter, err := tx.AccountByID(ctx, r.ReporterID)
	if err != nil || !reporter.Local() {
		return err
	}
	target, err := tx.AccountByID(ctx, r.TargetAccountID)
	if err != nil || target.Local() || target.Suspended() || target.URI == "" {
		return err
	}
	objects := ap.Refs{{ID: target.URI}}
	if r.PostID != 0 {
		p, err := tx.PostByID(ctx, r.PostID)
		if err != nil && !model.IsNotFound(err) {
			return err
		}
		if p != nil && !p.Local && p.AccountID == target.ID && p.URI != "" {
			objects = append(objects, ap.Ref{ID: p.URI})
		}
	}
	comment := strings.TrimSpace(r.Comment)
	if r.Category != "" && r.Category != "other" {
		comment = strings.TrimSpace("[" + r.Category + "] " + comment)
	}
	flag := &ap.Object{ID: f.idFor(f.instanceURI(), "flags"), Type: ap.TypeFlag, Actor: ap.Ref{ID: f.instanceURI()},
		Object: objects, Content: comment, Published: f.now().UTC()}
	body, err := ap.Encode(flag)
	if err != nil {
		return fmt.Errorf("encode flag: %w", err)
	}
	return f.queue.Enqueue(ctx, tx.SQL(), FanOutArgs{ActorID: 0, Activity: json.RawMessage(body),
		To: idList{target.ID}}, nil)
}
