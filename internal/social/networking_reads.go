package social

import (
	"context"
	"time"

	"parvis/internal/model"
	"parvis/internal/store"
)

// The networking reads Parvis's own API needs beyond those the web pages
// use: one conversation, and response figures behind their permissions.

// Conversation returns one of the actor's direct conversations.
func (s *Service) Conversation(ctx context.Context, actor *Actor, threadID int64) (ConversationView, error) {
	if err := actor.require(); err != nil {
		return ConversationView{}, err
	}
	q := s.db.Read()
	c, err := q.ConversationByThread(ctx, actor.Account.ID, threadID)
	if err != nil {
		return ConversationView{}, err
	}
	cv := ConversationView{Conversation: *c}
	views, err := s.Views(ctx, actor, []int64{c.LastPostID}, false)
	if err != nil {
		return ConversationView{}, err
	}
	if len(views) == 1 {
		cv.LastPost = views[0]
	}
	cv.Accounts, err = s.accountsInOrder(ctx, c.Participants)
	return cv, err
}

// maxStatsPeriod bounds the period of response figures, which are computed
// from every item that arrived in it.
const maxStatsPeriod = 366 * 24 * time.Hour

func checkPeriod(since, until time.Time) error {
	if !until.After(since) {
		return model.Errorf(model.EUNPROCESS, "the period ends before it starts")
	}
	if until.Sub(since) > maxStatsPeriod {
		return model.Errorf(model.EUNPROCESS, "the period is longer than 366 days")
	}
	return nil
}

// MyResponses computes the actor's own response figures over [since, until).
func (s *Service) MyResponses(ctx context.Context, actor *Actor, since, until time.Time) (ResponseStats, error) {
	if err := actor.require(); err != nil {
		return ResponseStats{}, err
	}
	if err := checkPeriod(since, until); err != nil {
		return ResponseStats{}, err
	}
	return s.Responses(ctx, actor.Account.ID, 0, since, until)
}

// CommunityResponses computes a community's response figures over [since,
// until), for its moderators.
func (s *Service) CommunityResponses(ctx context.Context, actor *Actor, communityID int64, since, until time.Time) (ResponseStats, error) {
	if _, err := s.moderated(ctx, s.db.Read(), actor, communityID); err != nil {
		return ResponseStats{}, err
	}
	if err := checkPeriod(since, until); err != nil {
		return ResponseStats{}, err
	}
	return s.Responses(ctx, 0, communityID, since, until)
}

// ReportFor loads one report for its reporter or someone who may handle it: the community's
// moderators, or the server's for the server's reports.
func (s *Service) ReportFor(ctx context.Context, actor *Actor, reportID int64) (*store.Report, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	q := s.db.Read()
	r, err := q.ReportByID(ctx, reportID)
	if err != nil {
		return nil, err
	}
	if r.ReporterID == actor.Account.ID {
		return r, nil
	}
	if r.CommunityID == 0 {
		if !actor.Is(model.RoleModerator) {
			return nil, model.Errorf(model.ENOTFOUND, "report not found")
		}
		return r, nil
	}
	if _, err := s.moderated(ctx, q, actor, r.CommunityID); err != nil {
		if model.ErrorCode(err) == model.EFORBIDDEN {
			return nil, model.Errorf(model.ENOTFOUND, "report not found")
		}
		return nil, err
	}
	return r, nil
}

// AccountsByIDs loads accounts keyed by id, for lists that name people
// (moderation logs, reports, introductions).
func (s *Service) AccountsByIDs(ctx context.Context, ids []int64) (map[int64]*model.Account, error) {
	return s.db.Read().AccountsByIDs(ctx, ids)
}

// Now is the service's clock (for the periods of figures that callers
// leave open).
func (s *Service) Now() time.Time { return s.now() }

// CheckCommunityPost checks that the actor moderates a community and that
// a post (removed ones included) belongs to it.
func (s *Service) CheckCommunityPost(ctx context.Context, actor *Actor, communityID, postID int64) error {
	q := s.db.Read()
	if _, err := s.moderated(ctx, q, actor, communityID); err != nil {
		return err
	}
	p, err := q.PostByID(ctx, postID)
	if err != nil {
		return err
	}
	if p.CommunityID != communityID {
		return model.Errorf(model.EUNPROCESS, "this post is not in the community")
	}
	return nil
}
