package federation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"sync"

	"github.com/riverqueue/river"

	"parvis/internal/federation/ap"
	"parvis/internal/federation/httpsign"
	"parvis/internal/model"
	"parvis/internal/store"
)

// postInbox receives an activity in the shared inbox or a person's inbox:
// the checks run in the request, the work in a job.
func (f *Federation) postInbox(w http.ResponseWriter, r *http.Request) {
	if name := r.PathValue("name"); name != "" {
		if _, err := f.db.Read().AccountByUsername(r.Context(), name, ""); err != nil {
			http.Error(w, "no such actor", http.StatusNotFound)
			return
		}
	}
	status, err := f.receive(r.Context(), r)
	if err != nil {
		f.log.Warn("federation: inbox refused an activity", "status", status, "remote", r.RemoteAddr,
			"path", r.URL.Path, "err", err)
		http.Error(w, http.StatusText(status), status)
		return
	}
	w.WriteHeader(status)
}

// receive checks a delivered activity and queues it. It answers 202 for an
// activity queued, a duplicate, or one ignored on purpose, and an error
// status for a refused one (with nothing stored).
func (f *Federation) receive(ctx context.Context, r *http.Request) (int, error) {
	body, err := ap.ReadBody(r.Body)
	if err != nil {
		if errors.Is(err, ap.ErrTooLarge) {
			return http.StatusRequestEntityTooLarge, err
		}
		return http.StatusBadRequest, err
	}
	// The cheap checks come before any cryptography or fetch: a blocked or
	// flooding server costs a header parse.
	sig := r.Header.Get("Signature")
	if sig == "" {
		return http.StatusUnauthorized, httpsign.ErrMissingSignature
	}
	p, err := httpsign.ParseSignature(sig)
	if err != nil {
		return http.StatusUnauthorized, err
	}
	host := hostKey(p.KeyID)
	if host == "" || f.blocked(ctx, host) {
		return http.StatusForbidden, errors.New("the signing domain is blocked or invalid")
	}
	n, err := f.db.Read().Hits(ctx, "inbox:"+host, f.cfg.InboxWindow, f.now())
	if err != nil {
		return http.StatusServiceUnavailable, err
	}
	if n >= f.cfg.InboxLimit {
		return http.StatusTooManyRequests, errors.New("too many activities from " + host)
	}
	act, err := f.limits.Decode(body)
	if err != nil {
		return http.StatusBadRequest, err
	}
	if act.Type == ap.TypeDelete && act.ActorID() != "" && act.ObjectID() == act.ActorID() {
		// Servers announce deleted accounts to everyone they ever talked
		// to; one we never knew needs no key fetch (which would fail).
		if _, err := f.db.Read().AccountByURI(ctx, act.ActorID()); model.IsNotFound(err) {
			return http.StatusAccepted, nil
		}
	}
	who, err := f.verifier.Verify(ctx, r, body)
	if err != nil {
		return http.StatusUnauthorized, err
	}
	if err := httpsign.CheckOrigin(act, who.ActorID); err != nil {
		return http.StatusUnauthorized, err
	}
	if act.ID != "" && !f.validID(act.ID) {
		return http.StatusForbidden, errors.New("the activity id is not an https URL")
	}
	if f.blocked(ctx, hostKey(who.ActorID)) {
		return http.StatusForbidden, errors.New("the actor's domain is blocked")
	}
	if !handled(act.Type) {
		return http.StatusAccepted, nil
	}
	id := act.ID
	if id == "" {
		sum := sha256.Sum256(body)
		id = "sha256:" + hex.EncodeToString(sum[:])
	}
	if err := f.inbox.submit(ctx, f, &inboxWrite{host: host, id: id, actor: who.ActorID, body: body}); err != nil {
		return http.StatusServiceUnavailable, err
	}
	return http.StatusAccepted, nil
}

// handled reports whether Parvis does something with activities of type t;
// others are acknowledged and dropped.
func handled(t ap.Type) bool {
	switch t {
	case ap.TypeFollow, ap.TypeAccept, ap.TypeReject, ap.TypeUndo, ap.TypeCreate, ap.TypeUpdate, ap.TypeDelete,
		ap.TypeLike, ap.TypeAnnounce, ap.TypeBlock, ap.TypeFlag, ap.TypeMove:
		return true
	}
	return false
}

// inboxWrite is an accepted activity waiting to be recorded and queued.
type inboxWrite struct {
	host, id, actor string
	body            []byte
	done            chan error
}

// inboxBatcher records accepted activities with group commit: the
// requests that arrive while a transaction is being written wait for the
// next one, and go in it together. The first request finding no
// transaction under way writes it (and then the next ones, while others
// keep arriving), so no goroutine runs when the inbox is idle. Each
// request still answers only once its activity is committed.
type inboxBatcher struct {
	mu      sync.Mutex
	pending []*inboxWrite
	busy    bool
}

// maxInboxBatch bounds one transaction.
const maxInboxBatch = 256

// submit records w, in a batch, and returns once it is committed.
func (b *inboxBatcher) submit(ctx context.Context, f *Federation, w *inboxWrite) error {
	w.done = make(chan error, 1)
	b.mu.Lock()
	b.pending = append(b.pending, w)
	if b.busy {
		b.mu.Unlock()
		select {
		case err := <-w.done:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	b.busy = true
	b.mu.Unlock()
	// This request writes for the others too: their requests must not be
	// cut short by its own cancellation.
	wctx := context.WithoutCancel(ctx)
	for {
		b.mu.Lock()
		n := min(len(b.pending), maxInboxBatch)
		batch := b.pending[:n:n]
		b.pending = b.pending[n:]
		if n == 0 {
			b.busy = false
			b.mu.Unlock()
			break
		}
		b.mu.Unlock()
		err := f.recordActivities(wctx, batch)
		for _, x := range batch {
			x.done <- err
		}
	}
	return <-w.done
}

// recordActivities counts a batch against its servers' limits, records
// each activity id once, and queues the new ones, in one transaction.
func (f *Federation) recordActivities(ctx context.Context, batch []*inboxWrite) error {
	now := f.now()
	return f.db.Tx(ctx, func(tx *store.Tx) error {
		params := make([]river.InsertManyParams, 0, len(batch))
		for _, w := range batch {
			if _, err := tx.Hit(ctx, "inbox:"+w.host, f.cfg.InboxWindow, now); err != nil {
				return err
			}
			fresh, err := tx.MarkActivitySeen(ctx, w.id, now)
			if err != nil {
				return err
			}
			if fresh {
				params = append(params, river.InsertManyParams{Args: ProcessArgs{Actor: w.actor, Activity: json.RawMessage(w.body)}})
			}
		}
		return f.queue.EnqueueMany(ctx, tx.SQL(), params)
	})
}
