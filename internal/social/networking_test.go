package social_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"parvis/internal/model"
	"parvis/internal/server/servertest"
	"parvis/internal/social"
	"parvis/internal/store"
)

// stepClock is a clock the test moves by hand.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stepClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newWorldAt(t *testing.T, clock model.Clock) *world {
	env := servertest.New(t, servertest.Options{Clock: clock})
	return &world{t: t, svc: env.App.Service, ctx: context.Background()}
}

func TestCommunitiesJoinPostAndPrivacy(t *testing.T) {
	w := newWorld(t)
	owner, member, outsider := w.user("owner"), w.user("member"), w.user("outsider")
	garden, err := w.svc.CreateCommunity(w.ctx, owner, social.CommunityInput{Name: "gardening", DisplayName: "Gardening",
		Description: "Vegetables and flowers", Membership: "open", Topics: []string{"#Potager", "fleurs"}, Rules: []string{"Be kind"}})
	if err != nil {
		t.Fatal(err)
	}
	// Joining through the group account, as a Mastodon app would.
	if _, err := w.svc.Follow(w.ctx, member, garden.AccountID, social.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Join(w.ctx, member, garden.ID); model.ErrorCode(err) != model.ECONFLICT {
		t.Fatalf("joining twice: got %v, want a conflict", err)
	}
	c, role, err := w.svc.Community(w.ctx, member, garden.ID)
	if err != nil || role != model.CommunityMember || c.MembersCount != 2 {
		t.Fatalf("after joining: role %q, members %d, err %v", role, c.MembersCount, err)
	}
	// A post that mentions the community is shared with every member by the
	// community's account.
	p := w.post(owner, social.PostInput{Text: "@gardening what do you plant in March?"})
	eventually(t, "the community's boost in the member's home", func() bool {
		home, _ := w.svc.Home(w.ctx, member, social.Page{Limit: 20})
		for _, v := range home {
			if v.Reblog != nil && v.Reblog.Post.ID == p.ID && v.Account.ID == garden.AccountID {
				return true
			}
		}
		return false
	})
	reply := w.post(member, social.PostInput{Text: "@owner tomatoes!", InReplyToID: p.ID})
	if reply.CommunityID != garden.ID {
		t.Fatalf("a reply in a community thread belongs to the community: got %d", reply.CommunityID)
	}
	_, posts, err := w.svc.CommunityTimeline(w.ctx, outsider, garden.ID, social.Page{Limit: 20})
	if err != nil || len(posts) != 1 || posts[0].Post.ID != p.ID {
		t.Fatalf("open community timeline for an outsider: %v %d posts", err, len(posts))
	}

	// A private community: members only, everywhere.
	club, err := w.svc.CreateCommunity(w.ctx, owner, social.CommunityInput{Name: "secret_club", Membership: "private"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.svc.Join(w.ctx, member, club.ID)
	if err != nil || !res.Requested {
		t.Fatalf("asking to join a private community: %+v %v", res, err)
	}
	if err := w.svc.DecideJoin(w.ctx, member, club.ID, member.Account.ID, true); model.ErrorCode(err) != model.EFORBIDDEN {
		t.Fatalf("a requester approving themself: got %v", err)
	}
	if err := w.svc.DecideJoin(w.ctx, owner, club.ID, member.Account.ID, true); err != nil {
		t.Fatal(err)
	}
	secret := w.post(member, social.PostInput{Text: "members only #secret", CommunityID: club.ID})
	if _, err := w.svc.View(w.ctx, owner, secret.ID); err != nil {
		t.Fatalf("a member cannot see the private post: %v", err)
	}
	for name, viewer := range map[string]*social.Actor{"outsider": outsider, "anonymous": {}} {
		if _, err := w.svc.View(w.ctx, viewer, secret.ID); !model.IsNotFound(err) {
			t.Errorf("%s sees a private community's post: %v", name, err)
		}
		if _, _, err := w.svc.CommunityTimeline(w.ctx, viewer, club.ID, social.Page{Limit: 20}); !model.IsNotFound(err) {
			t.Errorf("%s reads a private community's timeline: %v", name, err)
		}
		acct, _ := w.svc.AccountPosts(w.ctx, viewer, member.Account.ID, social.AccountPostsOptions{}, social.Page{Limit: 20})
		if slices.Contains(ids(acct), secret.ID) {
			t.Errorf("%s sees the private post on the author's profile", name)
		}
		pub, _ := w.svc.PublicTimeline(w.ctx, viewer, store.PublicFilter{}, social.Page{Limit: 40})
		if slices.Contains(ids(pub), secret.ID) {
			t.Errorf("%s sees the private post on the public timeline", name)
		}
		tag, _ := w.svc.TagTimeline(w.ctx, viewer, "secret", store.PublicFilter{}, social.Page{Limit: 40})
		if slices.Contains(ids(tag), secret.ID) {
			t.Errorf("%s sees the private post on its hashtag", name)
		}
		found, _ := w.svc.Search(w.ctx, viewer, "members", social.SearchOptions{})
		if found != nil && slices.Contains(ids(found.Posts), secret.ID) {
			t.Errorf("%s finds the private post by search", name)
		}
	}
	if _, err := w.svc.Publish(w.ctx, outsider, social.PostInput{Text: "let me in", InReplyToID: secret.ID}); !model.IsNotFound(err) {
		t.Fatalf("an outsider replying to a private community post: %v", err)
	}
}

func TestCommunityModerationRules(t *testing.T) {
	w := newWorld(t)
	owner, mod, mod2, member := w.user("owner"), w.user("mod"), w.user("mod2"), w.user("member")
	c, err := w.svc.CreateCommunity(w.ctx, owner, social.CommunityInput{Name: "cycling", Membership: "open"})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []*social.Actor{mod, mod2, member} {
		if _, err := w.svc.Join(w.ctx, a, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []*social.Actor{mod, mod2} {
		if err := w.svc.SetCommunityRole(w.ctx, owner, c.ID, a.Account.ID, "moderator"); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.svc.SetCommunityRole(w.ctx, mod, c.ID, member.Account.ID, "moderator"); model.ErrorCode(err) != model.EFORBIDDEN {
		t.Fatalf("a moderator handing out roles: %v", err)
	}
	if err := w.svc.Leave(w.ctx, owner, c.ID); model.ErrorCode(err) != model.ECONFLICT {
		t.Fatalf("the last owner leaving: %v", err)
	}
	if err := w.svc.Ban(w.ctx, member, c.ID, mod.Account.ID, "no"); model.ErrorCode(err) != model.EFORBIDDEN {
		t.Fatalf("a member banning a moderator: %v", err)
	}
	if err := w.svc.Ban(w.ctx, mod, c.ID, mod2.Account.ID, "coup"); model.ErrorCode(err) != model.EFORBIDDEN {
		t.Fatalf("a moderator banning a moderator: %v", err)
	}
	if err := w.svc.Ban(w.ctx, mod, c.ID, owner.Account.ID, "coup"); model.ErrorCode(err) != model.EFORBIDDEN {
		t.Fatalf("a moderator banning the owner: %v", err)
	}
	root := w.post(owner, social.PostInput{Text: "Sunday ride?", CommunityID: c.ID})
	if err := w.svc.Ban(w.ctx, mod, c.ID, member.Account.ID, "spam"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Publish(w.ctx, member, social.PostInput{Text: "me too", InReplyToID: root.ID}); model.ErrorCode(err) != model.EFORBIDDEN {
		t.Fatalf("a banned member replying in the community: %v", err)
	}
	if _, err := w.svc.Join(w.ctx, member, c.ID); model.ErrorCode(err) != model.EFORBIDDEN {
		t.Fatalf("a banned member rejoining: %v", err)
	}
	if _, err := w.svc.Follow(w.ctx, member, c.AccountID, social.FollowOptions{}); model.ErrorCode(err) != model.EFORBIDDEN {
		t.Fatalf("a banned member rejoining by following: %v", err)
	}
	// Removing a post hides it from others; the log shows it to moderators.
	bad := w.post(mod2, social.PostInput{Text: "off topic", CommunityID: c.ID})
	if err := w.svc.RemovePost(w.ctx, mod, bad.ID, true, "off topic"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.View(w.ctx, &social.Actor{}, bad.ID); !model.IsNotFound(err) {
		t.Fatalf("a removed post is still visible: %v", err)
	}
	log, err := w.svc.ModerationLog(w.ctx, mod, c.ID, social.Page{Limit: 20})
	if err != nil || len(log) < 3 || log[0].Action != "remove_post" {
		t.Fatalf("moderation log: %v %+v", err, log)
	}
	if _, err := w.svc.ModerationLog(w.ctx, member, c.ID, social.Page{Limit: 20}); model.ErrorCode(err) != model.EFORBIDDEN {
		t.Fatalf("a banned member reading the log: %v", err)
	}
	r, err := w.svc.Report(w.ctx, owner, social.ReportInput{PostID: root.ID, Comment: "test"})
	if err != nil || r.CommunityID != c.ID {
		t.Fatalf("report: %+v %v", r, err)
	}
	if err := w.svc.ResolveReport(w.ctx, mod, r.ID, "dismissed"); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.ResolveReport(w.ctx, mod, r.ID, "resolved"); model.ErrorCode(err) != model.ECONFLICT {
		t.Fatalf("closing a report twice: %v", err)
	}
}

func TestConnectionsAndIntroductions(t *testing.T) {
	w := newWorld(t)
	ana, ben, cleo, dan := w.user("ana"), w.user("ben"), w.user("cleo"), w.user("dan")
	if _, err := w.svc.RequestConnection(w.ctx, ana, ben.Account.ID, "met at the market"); err != nil {
		t.Fatal(err)
	}
	if st, err := w.svc.AnswerConnection(w.ctx, ben, ana.Account.ID, true); err != nil || !st.Connected {
		t.Fatalf("accept: %+v %v", st, err)
	}
	// Two requests crossing each other connect at once.
	if _, err := w.svc.RequestConnection(w.ctx, cleo, ana.Account.ID, ""); err != nil {
		t.Fatal(err)
	}
	if st, err := w.svc.RequestConnection(w.ctx, ana, cleo.Account.ID, ""); err != nil || !st.Connected {
		t.Fatalf("crossing requests: %+v %v", st, err)
	}
	if _, err := w.svc.Introduce(w.ctx, ana, ben.Account.ID, dan.Account.ID, "you both cycle"); model.ErrorCode(err) != model.EUNPROCESS {
		t.Fatalf("introducing someone who is not a connection: %v", err)
	}
	in, err := w.svc.Introduce(w.ctx, ana, ben.Account.ID, cleo.Account.ID, "you both grow tomatoes")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Introduce(w.ctx, ana, cleo.Account.ID, ben.Account.ID, "again"); model.ErrorCode(err) != model.ECONFLICT {
		t.Fatalf("introducing twice: %v", err)
	}
	if _, err := w.svc.AnswerIntroduction(w.ctx, dan, in.ID, true); !model.IsNotFound(err) {
		t.Fatalf("a stranger answering an introduction: %v", err)
	}
	if _, err := w.svc.AnswerIntroduction(w.ctx, ben, in.ID, true); err != nil {
		t.Fatal(err)
	}
	st, _ := w.svc.ConnectionWith(w.ctx, ben, cleo.Account.ID)
	if st.Connected {
		t.Fatalf("connected after one answer")
	}
	got, err := w.svc.AnswerIntroduction(w.ctx, cleo, in.ID, true)
	if err != nil || got.Status != "connected" {
		t.Fatalf("second answer: %+v %v", got, err)
	}
	mutual, _ := w.svc.MutualConnections(w.ctx, ben, cleo.Account.ID)
	if len(mutual) != 1 || mutual[0].ID != ana.Account.ID {
		t.Fatalf("mutual connections of ben and cleo: %v", mutual)
	}
	net, err := w.svc.Network(w.ctx, cleo)
	if err != nil || len(net.Connections) != 2 || net.Introduced != 1 {
		t.Fatalf("cleo's network: %+v %v", net, err)
	}
	// Suggestions: friends of friends first, dismissable.
	w.follow(dan, ben)
	sug, err := w.svc.Suggestions(w.ctx, dan, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(sug) == 0 || (sug[0].Account.ID != ana.Account.ID && sug[0].Account.ID != cleo.Account.ID) {
		t.Fatalf("dan's suggestions: %+v", sug)
	}
	if err := w.svc.DismissSuggestion(w.ctx, dan, sug[0].Account.ID); err != nil {
		t.Fatal(err)
	}
	again, _ := w.svc.Suggestions(w.ctx, dan, 10)
	for _, s := range again {
		if s.Account.ID == sug[0].Account.ID {
			t.Fatalf("a dismissed suggestion came back")
		}
	}
}

// A scripted history with known answers: waiting times and response figures
// come out exactly.
func TestInboxAndResponseTimes(t *testing.T) {
	clock := &stepClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	w := newWorldAt(t, clock)
	alice, bob, carol, dave := w.user("alice"), w.user("bob"), w.user("carol"), w.user("dave")
	start := clock.Now()
	own := w.post(alice, social.PostInput{Text: "My new blog is up"})
	mention := w.post(bob, social.PostInput{Text: "@alice welcome back"}) // 09:00
	clock.Advance(30 * time.Minute)
	w.post(alice, social.PostInput{Text: "@bob thanks!", InReplyToID: mention.ID}) // answered after 30 min
	clock.Advance(30 * time.Minute)
	question := w.post(carol, social.PostInput{Text: "How do I subscribe?", InReplyToID: own.ID}) // 10:00, a question
	w.post(carol, social.PostInput{Text: "Nice design", InReplyToID: own.ID})                     // not a question
	clock.Advance(time.Hour)
	w.post(dave, social.PostInput{Text: "@alice can we talk privately?", Visibility: "direct"}) // 11:00
	clock.Advance(25 * time.Hour)
	w.post(alice, social.PostInput{Text: "@carol with the RSS link", InReplyToID: question.ID}) // answered after 26 h
	clock.Advance(time.Hour)

	inbox, err := w.svc.Inbox(w.ctx, alice, social.InboxCursor{}, 40)
	if err != nil {
		t.Fatal(err)
	}
	if len(inbox) != 1 || inbox[0].Item.Kind != social.InboxDirect || inbox[0].Waited != 26*time.Hour {
		t.Fatalf("alice's inbox: %+v", inbox)
	}
	st, err := w.svc.Responses(w.ctx, alice.Account.ID, 0, start, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := social.ResponseStats{Items: 3, Answered: 2, ResponseRate: 2.0 / 3, MedianFirstReplySec: 1800,
		P90FirstReplySec: 26 * 3600, AnsweredWithin1h: 1.0 / 3, AnsweredWithin24h: 1.0 / 3}
	if st != want {
		t.Fatalf("response figures:\n got %+v\nwant %+v", st, want)
	}
	// Done and snoozed items leave the inbox; a snooze ends.
	if err := w.svc.MarkInbox(w.ctx, alice, inbox[0].Item.PostID, false, time.Hour); err != nil {
		t.Fatal(err)
	}
	if n, _ := w.svc.InboxCount(w.ctx, alice); n != 0 {
		t.Fatalf("snoozed item still counted: %d", n)
	}
	clock.Advance(2 * time.Hour)
	if n, _ := w.svc.InboxCount(w.ctx, alice); n != 1 {
		t.Fatalf("the snooze did not end: %d", n)
	}
	// A reply in the direct conversation answers it.
	dm, _ := w.svc.Conversations(w.ctx, alice, social.Page{Limit: 10})
	if len(dm) != 1 || !dm[0].Conversation.Unread {
		t.Fatalf("alice's conversations: %+v", dm)
	}
	w.post(alice, social.PostInput{Text: "@dave sure", Visibility: "direct", InReplyToID: dm[0].LastPost.Post.ID})
	if n, _ := w.svc.InboxCount(w.ctx, alice); n != 0 {
		t.Fatalf("replying did not clear the inbox: %d", n)
	}
	posts, err := w.svc.ConversationPosts(w.ctx, dave, dm[0].Conversation.ThreadID)
	if err != nil || len(posts) != 2 {
		t.Fatalf("dave's conversation: %d posts, %v", len(posts), err)
	}
	// Community items: any reply answers them for the moderators.
	c, err := w.svc.CreateCommunity(w.ctx, alice, social.CommunityInput{Name: "blog_readers"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Join(w.ctx, bob, c.ID); err != nil {
		t.Fatal(err)
	}
	cstart := clock.Now()
	q := w.post(bob, social.PostInput{Text: "First post here", CommunityID: c.ID})
	if n, _ := w.svc.InboxCount(w.ctx, alice); n != 1 {
		t.Fatalf("the community post is not in the moderator's inbox: %d", n)
	}
	clock.Advance(10 * time.Minute)
	w.post(carol, social.PostInput{Text: "welcome", InReplyToID: q.ID})
	if n, _ := w.svc.InboxCount(w.ctx, alice); n != 0 {
		t.Fatalf("a reply by anyone does not answer a community post: %d", n)
	}
	cs, _ := w.svc.Responses(w.ctx, 0, c.ID, cstart, clock.Now().Add(time.Second))
	if cs.Items != 1 || cs.Answered != 1 || cs.MedianFirstReplySec != 600 {
		t.Fatalf("community response figures: %+v", cs)
	}
}
