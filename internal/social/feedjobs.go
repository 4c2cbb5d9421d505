package social

import (
	"context"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"parvis/internal/model"
	"parvis/internal/store"
)

// Home feeds are written on post (fan-out on write): a home timeline page
// is then one index range scan, whatever the number of accounts followed.
// docs/ARCHITECTURE.md gives the measurements behind the choice. Only
// followers active in the last AwayAfter get the post; the feed of someone
// who comes back after longer is rebuilt from the follow graph.
const (
	AwayAfter = 14 * 24 * time.Hour
	// FeedKeep is how long feed entries are kept; older pages are computed
	// from the follow graph.
	FeedKeep = 30 * 24 * time.Hour
	// feedRebuild is how many entries a rebuilt feed starts with.
	feedRebuild = 800
)

// FanOutArgs delivers new posts to the home feeds of their authors'
// followers: the posts of one write transaction (a batch of requests
// shares one, see store.Gather). Jobs queued before the batches name one
// post in PostID.
type FanOutArgs struct {
	PostID  int64   `json:"post_id,omitempty"`
	PostIDs []int64 `json:"post_ids,omitempty"`
}

// Kind names the job.
func (FanOutArgs) Kind() string { return "fan_out" }

type fanOutWorker struct {
	river.WorkerDefaults[FanOutArgs]
	s *Service
}

// fanOutBatch is how many home feeds one transaction of a fan-out writes.
const fanOutBatch = 100

// Work fans out each post in turn. A retried job writes again what it
// wrote for the posts before the one that failed (no duplicates).
func (w *fanOutWorker) Work(ctx context.Context, job *river.Job[FanOutArgs]) error {
	ids := job.Args.PostIDs
	if job.Args.PostID != 0 {
		ids = append([]int64{job.Args.PostID}, ids...)
	}
	for _, id := range ids {
		if err := w.s.fanOut(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// fanOut delivers one post to the home feeds it belongs in.
func (s *Service) fanOut(ctx context.Context, postID int64) error {
	p, err := s.db.Read().PostByID(ctx, postID)
	if model.IsNotFound(err) {
		return nil // deleted before it was delivered
	}
	if err != nil {
		return err
	}
	if p.Visibility != model.Direct {
		// The audience is read outside any transaction, then written in
		// short batches: the write lock (SQLite has one) is never held for
		// long, so posting is not kept waiting by a popular author's
		// fan-out. A retried job writes again what it wrote (no
		// duplicates); a follower active only since the read gets the post
		// through their feed's rebuild.
		since := s.now().Add(-AwayAfter)
		fromReaders, err := s.fewerReaders(ctx, p.AccountID, since)
		if err != nil {
			return err
		}
		readers, err := s.db.Read().ActiveFollowers(ctx, p.AccountID, since, fromReaders)
		if err != nil {
			return err
		}
		for len(readers) > 0 {
			batch := readers[:min(fanOutBatch, len(readers))]
			readers = readers[len(batch):]
			if err := s.db.Tx(ctx, func(tx *store.Tx) error {
				_, err := tx.FanOutTo(ctx, p.ID, p.AccountID, p.ReblogOfID, batch)
				return err
			}); err != nil {
				return err
			}
		}
		return nil
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error { return fanOutDirect(ctx, tx, p) })
}

// InlineFanOut is the largest audience (followers) whose home feeds are
// written with the post itself: a job costs the one SQLite writer more
// than a few feed rows (River's insert, fetch and completion, and a
// transaction of its own that yields to requests), and under load the
// jobs fell behind the posts.
const InlineFanOut = 50

// fanOutWith delivers a new post in its own transaction when its audience
// is small, and gathers it for a fan-out job otherwise.
func (s *Service) fanOutWith(ctx context.Context, tx *store.Tx, p *model.Post) error {
	if p.Visibility == model.Direct {
		return fanOutDirect(ctx, tx, p)
	}
	author, err := tx.AccountByID(ctx, p.AccountID)
	if err != nil {
		return err
	}
	if author.FollowersCount > InlineFanOut {
		tx.Gather(s.fanOuts, p.ID)
		return nil
	}
	readers, err := tx.ActiveFollowers(ctx, p.AccountID, s.now().Add(-AwayAfter), false)
	if err != nil {
		return err
	}
	_, err = tx.FanOutTo(ctx, p.ID, p.AccountID, p.ReblogOfID, readers)
	return err
}

// fanOutDirect puts a direct post in the homes of the mentioned people
// who follow its author, as in Mastodon; the others see it in their
// notifications and conversations.
func fanOutDirect(ctx context.Context, tx *store.Tx, p *model.Post) error {
	ms, err := tx.MentionsOf(ctx, []int64{p.ID})
	if err != nil {
		return err
	}
	for _, m := range ms[p.ID] {
		if ok, err := tx.IsFollowing(ctx, m, p.AccountID); err != nil {
			return err
		} else if ok {
			if err := tx.AddToFeed(ctx, m, p.ID, p.AccountID, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// readerCount is the number of people whose home feed is kept, counted
// again once a minute: it only chooses how a fan-out reads its audience.
type readerCount struct {
	mu sync.Mutex
	n  int64
	at time.Time
}

// fewerReaders reports whether fewer people keep a home feed than the
// author has followers: the fan-out's audience is then found from the
// readers' side (a handful of readers, a popular author: a few lookups
// instead of one per follower).
func (s *Service) fewerReaders(ctx context.Context, authorID int64, since time.Time) (bool, error) {
	a, err := s.db.Read().AccountByID(ctx, authorID)
	if err != nil {
		return false, err
	}
	if a.FollowersCount < 100 {
		return false, nil
	}
	c := s.readers
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := s.now(); c.at.IsZero() || now.Sub(c.at) > time.Minute || now.Before(c.at) {
		if c.n, err = s.db.Read().FeedReaders(ctx, since); err != nil {
			return false, err
		}
		c.at = now
	}
	return c.n < a.FollowersCount, nil
}

// RebuildFeedArgs refills the home feed of someone back after a long
// absence.
type RebuildFeedArgs struct {
	AccountID int64 `json:"account_id"`
}

// Kind names the job.
func (RebuildFeedArgs) Kind() string { return "rebuild_feed" }

// InsertOpts makes one rebuild per account at a time enough.
func (RebuildFeedArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

type rebuildFeedWorker struct {
	river.WorkerDefaults[RebuildFeedArgs]
	s *Service
}

func (w *rebuildFeedWorker) Work(ctx context.Context, job *river.Job[RebuildFeedArgs]) error {
	// The follow graph is read on a read connection first: on SQLite the
	// one writer is then held for the writes only, not for the walk.
	ids, err := w.s.db.Read().HomeIDsFromGraph(ctx, job.Args.AccountID, store.Page{Limit: feedRebuild})
	if err != nil {
		return err
	}
	return w.s.db.Tx(ctx, func(tx *store.Tx) error { return tx.ReplaceFeed(ctx, job.Args.AccountID, ids, feedRebuild) })
}

// MergeFeedArgs adds a newly followed account's recent posts to a feed.
type MergeFeedArgs struct {
	ReaderID int64 `json:"reader_id"`
	AuthorID int64 `json:"author_id"`
}

// Kind names the job.
func (MergeFeedArgs) Kind() string { return "merge_feed" }

type mergeFeedWorker struct {
	river.WorkerDefaults[MergeFeedArgs]
	s *Service
}

func (w *mergeFeedWorker) Work(ctx context.Context, job *river.Job[MergeFeedArgs]) error {
	q := w.s.db.Read()
	ids, err := q.AccountPostIDs(ctx, job.Args.AuthorID, store.AccountFilter{
		Visibilities: []model.Visibility{model.Public, model.Unlisted, model.Private}}, store.Page{Limit: 40})
	if err != nil {
		return err
	}
	posts, err := q.PostsByIDs(ctx, ids)
	if err != nil {
		return err
	}
	return w.s.db.Tx(ctx, func(tx *store.Tx) error {
		if ok, err := tx.IsFollowing(ctx, job.Args.ReaderID, job.Args.AuthorID); err != nil || !ok {
			return err
		}
		for _, id := range ids {
			if p := posts[id]; p != nil {
				if err := tx.AddToFeed(ctx, job.Args.ReaderID, p.ID, p.AccountID, p.ReblogOfID); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// TrimFeedsArgs drops feed entries older than FeedKeep.
type TrimFeedsArgs struct{}

// Kind names the job.
func (TrimFeedsArgs) Kind() string { return "trim_feeds" }

type trimFeedsWorker struct {
	river.WorkerDefaults[TrimFeedsArgs]
	s *Service
}

func (w *trimFeedsWorker) Work(ctx context.Context, job *river.Job[TrimFeedsArgs]) error {
	return w.s.db.Tx(ctx, func(tx *store.Tx) error {
		n, err := tx.TrimFeeds(ctx, model.IDAt(w.s.now().Add(-FeedKeep)))
		if err == nil && n > 0 {
			w.s.log.Info("trimmed home feeds", "rows", n)
		}
		return err
	})
}

// DeleteFilesArgs removes stored files of deleted posts or attachments.
type DeleteFilesArgs struct {
	Keys []string `json:"keys"`
}

// Kind names the job.
func (DeleteFilesArgs) Kind() string { return "delete_files" }

type deleteFilesWorker struct {
	river.WorkerDefaults[DeleteFilesArgs]
	s *Service
}

func (w *deleteFilesWorker) Work(ctx context.Context, job *river.Job[DeleteFilesArgs]) error {
	for _, k := range job.Args.Keys {
		if k == "" {
			continue
		}
		if err := w.s.media.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// touchActive records activity at most hourly and starts a feed rebuild
// for someone back from a long absence.
func (s *Service) touchActive(ctx context.Context, u *model.User) {
	now := s.now()
	if now.Sub(u.LastActiveAt) < time.Hour {
		return
	}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		act, err := tx.TouchActive(ctx, u.AccountID, now, AwayAfter)
		if err != nil {
			return err
		}
		if act.WasAway {
			return s.queue.Enqueue(ctx, tx.SQL(), RebuildFeedArgs{AccountID: u.AccountID}, nil)
		}
		return nil
	})
	if err != nil {
		s.log.Warn("record activity", "account_id", u.AccountID, "err", err)
		return
	}
	u.LastActiveAt = now
}
