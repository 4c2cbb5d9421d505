package social

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"parvis/internal/content"
	"parvis/internal/lang"
	"parvis/internal/model"
	"parvis/internal/store"
)

// PostInput is what someone writes.
type PostInput struct {
	Text           string
	SpoilerText    string
	Visibility     string
	Sensitive      bool
	Language       string
	InReplyToID    int64
	MediaIDs       []int64
	IdempotencyKey string
	ApplicationID  int64
	CommunityID    int64
}

// MaxPostChars is the length limit of posts on this server.
func (s *Service) MaxPostChars() int {
	if s.cfg.MaxPostChars > 0 {
		return s.cfg.MaxPostChars
	}
	return model.DefaultMaxPostChars
}

// draft is a validated, rendered post body.
type draft struct {
	text, html, spoiler, language string
	sensitive                     bool
	mentionIDs                    []int64
	tags                          map[string]string // normalised -> as written
	links                         []string
}

// prepare validates and renders text: mentions resolved to known accounts,
// hashtags normalised, links kept for the preview card.
func (s *Service) prepare(ctx context.Context, in PostInput, hasMedia bool, authorID, postID int64) (*draft, error) {
	text := strings.TrimSpace(strings.ReplaceAll(in.Text, "\r\n", "\n"))
	if !utf8.ValidString(text) || !utf8.ValidString(in.SpoilerText) {
		return nil, model.Errorf(model.EUNPROCESS, "text is not valid UTF-8")
	}
	if text == "" && !hasMedia {
		return nil, model.Errorf(model.EUNPROCESS, "text can't be blank")
	}
	if n := content.Length(text); n > s.MaxPostChars() {
		return nil, model.Errorf(model.EUNPROCESS, "text is too long (%d characters, at most %d)", n, s.MaxPostChars())
	}
	spoiler := strings.TrimSpace(in.SpoilerText)
	if utf8.RuneCountInString(spoiler) > model.MaxSpoilerChars {
		return nil, model.Errorf(model.EUNPROCESS, "content warning is longer than %d characters", model.MaxSpoilerChars)
	}
	d := &draft{text: text, spoiler: spoiler, sensitive: in.Sensitive || spoiler != "", tags: map[string]string{}}
	code := strings.ToLower(strings.TrimSpace(in.Language))
	switch {
	case code == "":
		if c, ok := lang.Detect(spoiler + " " + text); ok {
			code = c
		}
	case len(code) < 2 || len(code) > 8 || strings.Trim(code, "abcdefghijklmnopqrstuvwxyz-") != "":
		return nil, model.Errorf(model.EUNPROCESS, "language %q is not an ISO 639 code", in.Language)
	}
	d.language = code
	ents := content.Parse(text)
	var locals, remotes []string
	for _, e := range ents {
		switch e.Kind {
		case content.KindMention:
			if e.Domain == "" || strings.EqualFold(e.Domain, s.cfg.Domain) {
				locals = append(locals, e.Username)
			} else {
				remotes = append(remotes, e.Acct())
			}
		case content.KindHashtag:
			norm := content.NormalizeTag(e.Tag)
			if norm != "" {
				if _, ok := d.tags[norm]; !ok {
					d.tags[norm] = e.Tag
				}
			}
		}
	}
	known := map[string]*model.Account{}
	if len(locals) > 0 {
		ids, err := s.db.Read().AccountIDsByAcct(ctx, locals, "")
		if err != nil {
			return nil, err
		}
		for u, id := range ids {
			known[u] = &model.Account{ID: id, Username: u}
		}
	}
	for _, acct := range remotes {
		user, domain, _ := strings.Cut(acct, "@")
		a, err := s.db.Read().AccountByUsername(ctx, user, domain)
		if err == nil {
			known[strings.ToLower(acct)] = a
		}
	}
	r := content.Renderer{
		MentionURL: func(user, domain string) (string, bool) {
			key := strings.ToLower(user)
			if domain != "" && !strings.EqualFold(domain, s.cfg.Domain) {
				key = strings.ToLower(user + "@" + domain)
			}
			a, ok := known[key]
			if !ok {
				return "", false
			}
			if !slices.Contains(d.mentionIDs, a.ID) {
				d.mentionIDs = append(d.mentionIDs, a.ID)
			}
			return s.ProfileURL(a), true
		},
		HashtagURL: func(tag string) string { return s.BaseURL() + "/tags/" + content.NormalizeTag(tag) },
		LinkHref: func(raw string) string {
			i := len(d.links)
			d.links = append(d.links, raw)
			return s.linkHref(authorID, postID, i, raw)
		},
	}
	d.html = r.RenderEntities(text, ents)
	return d, nil
}

// linkHref is where the index-th link of a post points; insights replaces
// it with a tracked link.
func (s *Service) linkHref(authorID, postID int64, index int, raw string) string {
	if s.linkRewriter != nil {
		return s.linkRewriter(authorID, postID, index, raw)
	}
	return raw
}

// ProfileURL is an account's public page.
func (s *Service) ProfileURL(a *model.Account) string {
	if a.Domain != "" && a.URL != "" {
		return a.URL
	}
	if a.Domain != "" {
		return a.URI
	}
	return s.BaseURL() + "/@" + a.Username
}

// PostURL is a post's public page.
func (s *Service) PostURL(p *model.Post, author *model.Account) string {
	if !p.Local && p.URL != "" {
		return p.URL
	}
	if !p.Local {
		return p.URI
	}
	return s.BaseURL() + "/@" + author.Username + "/" + model.FormatID(p.ID)
}

// PostURI is a post's ActivityPub id.
func (s *Service) PostURI(p *model.Post, author *model.Account) string {
	if p.URI != "" {
		return p.URI
	}
	return s.BaseURL() + "/users/" + author.Username + "/statuses/" + model.FormatID(p.ID)
}

// Publish creates a post (or a reply) for the actor.
func (s *Service) Publish(ctx context.Context, actor *Actor, in PostInput) (*model.Post, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	vis, err := model.ParseVisibility(in.Visibility)
	if err != nil {
		return nil, err
	}
	if vis == model.NoneGiven {
		vis = model.Public
	}
	if len(in.MediaIDs) > model.MaxMediaPerPost {
		return nil, model.Errorf(model.EUNPROCESS, "a post can have at most %d attachments", model.MaxMediaPerPost)
	}
	if len(in.IdempotencyKey) > 200 {
		return nil, model.Errorf(model.EUNPROCESS, "idempotency key is too long")
	}
	if in.IdempotencyKey != "" {
		p, err := s.db.Read().PostByIdempotencyKey(ctx, actor.Account.ID, in.IdempotencyKey)
		if err == nil {
			return p, nil
		}
		if !model.IsNotFound(err) {
			return nil, err
		}
	}
	now := s.now()
	postID := s.db.NewID(now)
	d, err := s.prepare(ctx, in, len(in.MediaIDs) > 0, actor.Account.ID, postID)
	if err != nil {
		return nil, err
	}
	p := &model.Post{ID: postID, AccountID: actor.Account.ID, Text: d.text, Content: d.html, SpoilerText: d.spoiler,
		Language: d.language, Visibility: vis, Sensitive: d.sensitive, Local: true, ApplicationID: in.ApplicationID,
		CommunityID: in.CommunityID, CreatedAt: now, IdempotencyKey: in.IdempotencyKey}
	var parent *model.Post
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := s.checkRate(ctx, tx, actor, "post"); err != nil {
			return err
		}
		if in.InReplyToID != 0 {
			par, _, err := s.visibleIn(ctx, tx.Q, actor, in.InReplyToID)
			if err != nil {
				if model.IsNotFound(err) {
					return model.Errorf(model.ENOTFOUND, "the post you reply to does not exist or was deleted")
				}
				return err
			}
			parent = par
			p.InReplyToID, p.InReplyToAccountID, p.ThreadID = par.ID, par.AccountID, par.ThreadID
			if p.CommunityID == 0 {
				p.CommunityID = par.CommunityID
			}
		}
		if err := s.checkMedia(ctx, tx, actor, in.MediaIDs, 0); err != nil {
			return err
		}
		community, err := s.communityOf(ctx, tx, actor, p, d)
		if err != nil {
			return err
		}
		if err := tx.InsertPost(ctx, p); err != nil {
			if model.ErrorCode(err) == model.ECONFLICT && in.IdempotencyKey != "" {
				return model.Errorf(model.ECONFLICT, "a post with this idempotency key is being created")
			}
			return err
		}
		if err := s.writeBody(ctx, tx, p, d, in.MediaIDs); err != nil {
			return err
		}
		if err := tx.AddAccountCounter(ctx, p.AccountID, "statuses_count", 1); err != nil {
			return err
		}
		if err := tx.TouchLastStatus(ctx, p.AccountID, now); err != nil {
			return err
		}
		if parent != nil {
			if err := tx.AddPostCounter(ctx, parent.ID, "replies_count", 1); err != nil {
				return err
			}
		}
		// The author sees their post at once; followers get it from the fan-out job.
		if err := tx.AddToFeed(ctx, p.AccountID, p.ID, p.AccountID, 0); err != nil {
			return err
		}
		if err := s.notifyMentions(ctx, tx, p, d.mentionIDs); err != nil {
			return err
		}
		if err := s.afterPublish(ctx, tx, p, d); err != nil {
			return err
		}
		if community != nil && p.InReplyToID == 0 {
			return s.communityBoost(ctx, tx, community, p)
		}
		return nil
	})
	if err != nil {
		return nil, wrap("publish", err)
	}
	return p, nil
}

// communityOf decides which community a new post belongs to (the one it
// was written in, its parent's, or the first community it mentions) and
// checks that the author may post there.
func (s *Service) communityOf(ctx context.Context, tx *store.Tx, actor *Actor, p *model.Post, d *draft) (*model.Community, error) {
	mentioned := p.CommunityID == 0 && p.InReplyToID == 0
	id := p.CommunityID
	if mentioned && len(d.mentionIDs) > 0 {
		accs, err := tx.AccountsByIDs(ctx, d.mentionIDs)
		if err != nil {
			return nil, err
		}
		for _, m := range d.mentionIDs {
			if a := accs[m]; a != nil && a.Group && a.Local() {
				c, err := tx.CommunityByAccountID(ctx, a.ID)
				if err != nil {
					return nil, err
				}
				id = c.ID
				break
			}
		}
	}
	if id == 0 {
		return nil, nil
	}
	c, err := tx.CommunityByID(ctx, id)
	if err != nil {
		if model.IsNotFound(err) {
			return nil, model.Errorf(model.EUNPROCESS, "the community does not exist")
		}
		return nil, err
	}
	role, err := s.CommunityRoleOf(ctx, tx.Q, actor, c.ID)
	if err != nil {
		return nil, err
	}
	switch {
	case role == model.CommunityBanned:
		return nil, model.Errorf(model.EFORBIDDEN, "you are banned from this community")
	case role == model.CommunityNone && mentioned:
		// Mentioning a community one has not joined is just a mention.
		return nil, nil
	case role == model.CommunityNone && (p.InReplyToID == 0 || c.Membership != model.MembershipOpen):
		return nil, model.Errorf(model.EFORBIDDEN, "join the community to post in it")
	}
	if role != model.CommunityNone {
		m, err := tx.MemberOf(ctx, c.ID, actor.Account.ID)
		if err != nil {
			return nil, err
		}
		if m.Muted(s.now()) {
			return nil, model.Errorf(model.EFORBIDDEN, "a moderator muted you in this community until %s",
				m.MutedUntil.Format("2006-01-02 15:04 MST"))
		}
	}
	if p.Visibility == model.Direct {
		return nil, model.Errorf(model.EUNPROCESS, "a direct post can't be posted in a community")
	}
	p.CommunityID = c.ID
	return c, nil
}

// communityBoost shares a new community post with every member: the
// community's account boosts it, the way Lemmy's groups announce posts, so
// members see it in their home timeline in any Mastodon app.
func (s *Service) communityBoost(ctx context.Context, tx *store.Tx, c *model.Community, p *model.Post) error {
	vis := model.Public
	if c.Membership == model.MembershipPrivate || p.Visibility == model.Private {
		vis = model.Private
	}
	boost := &model.Post{AccountID: c.AccountID, Visibility: vis, Local: true, ReblogOfID: p.ID, CommunityID: c.ID,
		CreatedAt: s.now()}
	if err := tx.InsertPost(ctx, boost); err != nil {
		return err
	}
	if err := tx.AddPostCounter(ctx, p.ID, "reblogs_count", 1); err != nil {
		return err
	}
	if err := tx.AddAccountCounter(ctx, c.AccountID, "statuses_count", 1); err != nil {
		return err
	}
	return s.afterPublish(ctx, tx, boost, nil)
}

// writeBody stores a post's tags, mentions and attachments.
func (s *Service) writeBody(ctx context.Context, tx *store.Tx, p *model.Post, d *draft, mediaIDs []int64) error {
	if err := writeTagsAndMentions(ctx, tx, p, d.tags, d.mentionIDs); err != nil {
		return err
	}
	return tx.AttachMedia(ctx, p.ID, mediaIDs)
}

// writeTagsAndMentions stores a post's hashtags (normalised name → name as
// written) and mentioned accounts, and sets them on p (tags sorted).
func writeTagsAndMentions(ctx context.Context, tx *store.Tx, p *model.Post, tags map[string]string, mentionIDs []int64) error {
	tagIDs, err := tx.EnsureTagsNormalized(ctx, tags, p.CreatedAt)
	if err != nil {
		return err
	}
	if err := tx.SetPostTags(ctx, p.ID, tagIDs); err != nil {
		return err
	}
	if err := tx.SetMentions(ctx, p.ID, mentionIDs); err != nil {
		return err
	}
	p.MentionedAccountIDs = mentionIDs
	p.Tags = p.Tags[:0]
	for norm := range tags {
		p.Tags = append(p.Tags, norm)
	}
	slices.Sort(p.Tags)
	return nil
}

// checkMedia verifies that attachments belong to the actor and are not
// used by another post.
func (s *Service) checkMedia(ctx context.Context, tx *store.Tx, actor *Actor, ids []int64, postID int64) error {
	// Someone who asked for it may not post an image without a
	// description.
	requireAlt := false
	if len(ids) > 0 && actor.User != nil {
		on, err := tx.RequireAltText(ctx, actor.User.ID)
		if err != nil {
			return err
		}
		requireAlt = on
	}
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			return model.Errorf(model.EUNPROCESS, "attachment %d is listed twice", id)
		}
		seen[id] = true
		m, err := tx.MediaByID(ctx, id)
		if err != nil || m.AccountID != actor.Account.ID {
			return model.Errorf(model.EUNPROCESS, "attachment %d does not exist", id)
		}
		if m.PostID != 0 && m.PostID != postID {
			return model.Errorf(model.EUNPROCESS, "attachment %d already belongs to another post", id)
		}
		if requireAlt && strings.TrimSpace(m.Description) == "" {
			return model.Errorf(model.EUNPROCESS, "describe every image for those who cannot see it (your settings ask for it)")
		}
	}
	return nil
}

// notifyMentions tells local mentioned people, unless they blocked or muted
// the author.
func (s *Service) notifyMentions(ctx context.Context, tx *store.Tx, p *model.Post, mentionIDs []int64) error {
	for _, m := range mentionIDs {
		if m == p.AccountID {
			continue
		}
		if err := s.notify(ctx, tx, m, p.AccountID, model.NotifyMention, p.ID); err != nil {
			return err
		}
	}
	return nil
}

// notify records a notification for a local recipient who has not
// blocked or muted (with notifications) the actor, and streams it.
func (s *Service) notify(ctx context.Context, tx *store.Tx, recipient, from int64, typ string, postID int64) error {
	if recipient == from {
		return nil
	}
	// Remote accounts are told through federation; blocks either way and
	// mutes with notifications silence it.
	local, allowed, err := tx.NotifyAllowed(ctx, recipient, from, s.now())
	if err != nil || !local || !allowed {
		return err
	}
	n, err := tx.InsertNotification(ctx, model.Notification{AccountID: recipient, FromAccountID: from, Type: typ,
		PostID: postID, CreatedAt: s.now()})
	if err != nil || n == nil {
		return err
	}
	s.publishAfter(tx, Event{Kind: EventNotification, AccountID: recipient, NotifID: n.ID, PostID: postID})
	return nil
}

// afterPublish queues what follows a new post (fan-out, preview card,
// hooks of other packages) and announces it to live streams.
func (s *Service) afterPublish(ctx context.Context, tx *store.Tx, p *model.Post, d *draft) error {
	if err := s.fanOutWith(ctx, tx, p); err != nil {
		return err
	}
	if d != nil && len(d.links) > 0 && p.Visibility != model.Direct {
		if err := s.queue.Enqueue(ctx, tx.SQL(), FetchCardArgs{PostID: p.ID, URL: d.links[0]}, nil); err != nil {
			return err
		}
	}
	if err := s.trackConversation(ctx, tx, p); err != nil {
		return err
	}
	if err := s.fileInbox(ctx, tx, p); err != nil {
		return err
	}
	for _, h := range s.hooks.published {
		if err := h(ctx, tx, p); err != nil {
			return err
		}
	}
	s.publishAfter(tx, postEvent(EventPost, p))
	return nil
}

func postEvent(kind string, p *model.Post) Event {
	return Event{Kind: kind, PostID: p.ID, AuthorID: p.AccountID, ThreadID: p.ThreadID, Visibility: string(p.Visibility),
		Local: p.Local, Reply: p.InReplyToID != 0 && p.InReplyToAccountID != p.AccountID, Reblog: p.ReblogOfID != 0,
		Tags: p.Tags, Mentions: p.MentionedAccountIDs, Community: p.CommunityID}
}

// Edit changes a post's text, content warning, sensitivity, language or
// attachments, keeping the previous version in its history.
func (s *Service) Edit(ctx context.Context, actor *Actor, id int64, in PostInput) (*model.Post, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	if len(in.MediaIDs) > model.MaxMediaPerPost {
		return nil, model.Errorf(model.EUNPROCESS, "a post can have at most %d attachments", model.MaxMediaPerPost)
	}
	d, err := s.prepare(ctx, in, len(in.MediaIDs) > 0, actor.Account.ID, id)
	if err != nil {
		return nil, err
	}
	var p *model.Post
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		p, err = tx.PostByID(ctx, id)
		if err != nil {
			return err
		}
		if p.AccountID != actor.Account.ID {
			return model.Errorf(model.ENOTFOUND, "post not found")
		}
		if p.IsReblog() {
			return model.Errorf(model.EUNPROCESS, "a boost can't be edited")
		}
		if err := s.checkMedia(ctx, tx, actor, in.MediaIDs, p.ID); err != nil {
			return err
		}
		edits, err := tx.PostEdits(ctx, p.ID)
		if err != nil {
			return err
		}
		media, err := tx.MediaOf(ctx, []int64{p.ID})
		if err != nil {
			return err
		}
		mediaJSON, _ := json.Marshal(mediaIDsOf(media[p.ID]))
		if len(edits) == 0 {
			// The first edit also keeps the original, so the history starts
			// with what was first published.
			if err := tx.SavePostEdit(ctx, store.PostEdit{PostID: p.ID, Text: p.Text, Content: p.Content,
				SpoilerText: p.SpoilerText, Sensitive: p.Sensitive, MediaJSON: string(mediaJSON), CreatedAt: p.CreatedAt}); err != nil {
				return err
			}
		}
		now := s.now()
		p.Text, p.Content, p.SpoilerText, p.Sensitive, p.EditedAt = d.text, d.html, d.spoiler, d.sensitive, now
		if in.Language != "" || d.language != "" {
			p.Language = d.language
		}
		if err := tx.UpdatePostContent(ctx, p); err != nil {
			return err
		}
		if err := s.writeBody(ctx, tx, p, d, in.MediaIDs); err != nil {
			return err
		}
		newMedia, _ := json.Marshal(in.MediaIDs)
		if err := tx.SavePostEdit(ctx, store.PostEdit{PostID: p.ID, Text: p.Text, Content: p.Content,
			SpoilerText: p.SpoilerText, Sensitive: p.Sensitive, MediaJSON: string(newMedia), CreatedAt: now}); err != nil {
			return err
		}
		// People who boosted the post are told it changed.
		boosters, err := tx.RebloggedBy(ctx, p.ID, store.Page{Limit: 1000})
		if err != nil {
			return err
		}
		for _, b := range boosters {
			if err := s.notify(ctx, tx, b.ItemID, p.AccountID, model.NotifyUpdate, p.ID); err != nil {
				return err
			}
		}
		if len(d.links) > 0 {
			if err := s.queue.Enqueue(ctx, tx.SQL(), FetchCardArgs{PostID: p.ID, URL: d.links[0]}, nil); err != nil {
				return err
			}
		} else if err := tx.SetPostCard(ctx, p.ID, 0); err != nil {
			return err
		}
		for _, h := range s.hooks.updated {
			if err := h(ctx, tx, p); err != nil {
				return err
			}
		}
		s.publishAfter(tx, postEvent(EventPostUpdate, p))
		return nil
	})
	return p, wrap("edit", err)
}

func mediaIDsOf(ms []*model.Media) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// PostVersion is one version of an edited post.
type PostVersion struct {
	Text, Content, SpoilerText string
	Sensitive                  bool
	MediaIDs                   []int64
	CreatedAt                  time.Time
}

// History returns the versions of a post, oldest first (a post never
// edited has one version).
func (s *Service) History(ctx context.Context, viewer *Actor, id int64) (*PostView, []PostVersion, error) {
	v, err := s.View(ctx, viewer, id)
	if err != nil {
		return nil, nil, err
	}
	edits, err := s.db.Read().PostEdits(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if len(edits) == 0 {
		return v, []PostVersion{{Text: v.Post.Text, Content: v.Post.Content, SpoilerText: v.Post.SpoilerText,
			Sensitive: v.Post.Sensitive, MediaIDs: mediaIDsOf(v.Media), CreatedAt: v.Post.CreatedAt}}, nil
	}
	out := make([]PostVersion, 0, len(edits))
	for _, e := range edits {
		var ids []int64
		_ = json.Unmarshal([]byte(e.MediaJSON), &ids)
		out = append(out, PostVersion{Text: e.Text, Content: e.Content, SpoilerText: e.SpoilerText, Sensitive: e.Sensitive,
			MediaIDs: ids, CreatedAt: e.CreatedAt})
	}
	return v, out, nil
}

// Delete removes a post: its author may, and so may moderators. It returns
// the deleted post (with its text, for "delete and redraft").
func (s *Service) Delete(ctx context.Context, actor *Actor, id int64) (*PostView, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	v, err := s.View(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	p := v.Post
	if p.AccountID != actor.Account.ID && !actor.Is(model.RoleModerator) {
		return nil, model.Errorf(model.EFORBIDDEN, "only the author or a moderator can delete a post")
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		for _, h := range s.hooks.deleted {
			if err := h(ctx, tx, p); err != nil {
				return err
			}
		}
		if err := tx.DeletePost(ctx, p); err != nil {
			return err
		}
		if len(v.Media) > 0 {
			var keys []string
			for _, m := range v.Media {
				keys = append(keys, m.Path, m.ThumbPath)
			}
			if err := s.queue.Enqueue(ctx, tx.SQL(), DeleteFilesArgs{Keys: keys}, nil); err != nil {
				return err
			}
		}
		s.publishAfter(tx, Event{Kind: EventDelete, PostID: p.ID, AuthorID: p.AccountID, ThreadID: p.ThreadID})
		return nil
	})
	return v, wrap("delete", err)
}

// Reblog boosts a post; boosting twice returns the existing boost.
func (s *Service) Reblog(ctx context.Context, actor *Actor, id int64, visibility string) (*model.Post, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	vis, err := model.ParseVisibility(visibility)
	if err != nil {
		return nil, err
	}
	if vis == model.NoneGiven || vis == model.Direct {
		vis = model.Public
	}
	var boost *model.Post
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := s.checkRate(ctx, tx, actor, "reblog"); err != nil {
			return err
		}
		orig, _, err := s.visibleIn(ctx, tx.Q, actor, id)
		if err != nil {
			return err
		}
		if orig.IsReblog() {
			if orig, _, err = s.visibleIn(ctx, tx.Q, actor, orig.ReblogOfID); err != nil {
				return err
			}
		}
		if orig.Visibility == model.Direct || (orig.Visibility == model.Private && orig.AccountID != actor.Account.ID) {
			return model.Errorf(model.EUNPROCESS, "this post can't be boosted")
		}
		if existing, err := tx.ReblogOf(ctx, actor.Account.ID, orig.ID); err == nil {
			boost = existing
			return nil
		}
		now := s.now()
		boost = &model.Post{AccountID: actor.Account.ID, Visibility: vis, Local: true, ReblogOfID: orig.ID, CreatedAt: now}
		if err := tx.InsertPost(ctx, boost); err != nil {
			return err
		}
		if err := tx.AddPostCounter(ctx, orig.ID, "reblogs_count", 1); err != nil {
			return err
		}
		if err := tx.AddAccountCounter(ctx, actor.Account.ID, "statuses_count", 1); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, orig.AccountID, actor.Account.ID, model.NotifyReblog, orig.ID); err != nil {
			return err
		}
		if err := tx.AddToFeed(ctx, actor.Account.ID, boost.ID, actor.Account.ID, orig.ID); err != nil {
			return err
		}
		for _, h := range s.hooks.engaged {
			if err := h(ctx, tx, Engagement{Kind: "reblog", AccountID: actor.Account.ID, Post: orig, At: now}); err != nil {
				return err
			}
		}
		if err := s.scanSoon(ctx, tx); err != nil {
			return err
		}
		return s.afterPublish(ctx, tx, boost, nil)
	})
	return boost, wrap("boost", err)
}

// Unreblog removes the actor's boost of a post (a no-op when there is none).
func (s *Service) Unreblog(ctx context.Context, actor *Actor, id int64) error {
	if err := actor.require(); err != nil {
		return err
	}
	return wrap("unboost", s.db.Tx(ctx, func(tx *store.Tx) error {
		orig, _, err := s.visibleIn(ctx, tx.Q, actor, id)
		if err != nil {
			return err
		}
		boost, err := tx.ReblogOf(ctx, actor.Account.ID, orig.ID)
		if model.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := tx.DeleteNotificationsAbout(ctx, actor.Account.ID, model.NotifyReblog, orig.ID); err != nil {
			return err
		}
		for _, h := range s.hooks.disengaged {
			if err := h(ctx, tx, Engagement{Kind: "reblog", AccountID: actor.Account.ID, Post: orig, At: s.now()}); err != nil {
				return err
			}
		}
		if err := tx.DeletePost(ctx, boost); err != nil {
			return err
		}
		s.publishAfter(tx, Event{Kind: EventDelete, PostID: boost.ID, AuthorID: boost.AccountID})
		return nil
	}))
}

// Favourite likes a post (idempotent).
func (s *Service) Favourite(ctx context.Context, actor *Actor, id int64) error {
	if err := actor.require(); err != nil {
		return err
	}
	return wrap("favourite", s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := s.checkRate(ctx, tx, actor, "favourite"); err != nil {
			return err
		}
		p, _, err := s.visibleIn(ctx, tx.Q, actor, id)
		if err != nil {
			return err
		}
		if p.IsReblog() {
			if p, _, err = s.visibleIn(ctx, tx.Q, actor, p.ReblogOfID); err != nil {
				return err
			}
		}
		now := s.now()
		added, err := tx.InsertFavourite(ctx, actor.Account.ID, p.ID, "", now)
		if err != nil || !added {
			return err
		}
		if err := s.notify(ctx, tx, p.AccountID, actor.Account.ID, model.NotifyFavourite, p.ID); err != nil {
			return err
		}
		for _, h := range s.hooks.engaged {
			if err := h(ctx, tx, Engagement{Kind: "favourite", AccountID: actor.Account.ID, Post: p, At: now}); err != nil {
				return err
			}
		}
		return s.scanSoon(ctx, tx)
	}))
}

// Unfavourite takes a like back.
func (s *Service) Unfavourite(ctx context.Context, actor *Actor, id int64) error {
	if err := actor.require(); err != nil {
		return err
	}
	return wrap("unfavourite", s.db.Tx(ctx, func(tx *store.Tx) error {
		p, _, err := s.visibleIn(ctx, tx.Q, actor, id)
		if err != nil {
			return err
		}
		removed, err := tx.DeleteFavourite(ctx, actor.Account.ID, p.ID)
		if err != nil || !removed {
			return err
		}
		for _, h := range s.hooks.disengaged {
			if err := h(ctx, tx, Engagement{Kind: "favourite", AccountID: actor.Account.ID, Post: p, At: s.now()}); err != nil {
				return err
			}
		}
		return tx.DeleteNotificationsAbout(ctx, actor.Account.ID, model.NotifyFavourite, p.ID)
	}))
}

// Bookmark saves a post for later (or unsaves it).
func (s *Service) Bookmark(ctx context.Context, actor *Actor, id int64, on bool) error {
	if err := actor.require(); err != nil {
		return err
	}
	return wrap("bookmark", s.db.Tx(ctx, func(tx *store.Tx) error {
		p, _, err := s.visibleIn(ctx, tx.Q, actor, id)
		if err != nil {
			return err
		}
		if on {
			return tx.InsertBookmark(ctx, actor.Account.ID, p.ID, s.now())
		}
		return tx.DeleteBookmark(ctx, actor.Account.ID, p.ID)
	}))
}

// MaxPins is how many posts one can pin on a profile, as in Mastodon.
const MaxPins = 5

// Pin shows one's own post at the top of one's profile (or stops).
func (s *Service) Pin(ctx context.Context, actor *Actor, id int64, on bool) error {
	if err := actor.require(); err != nil {
		return err
	}
	return wrap("pin", s.db.Tx(ctx, func(tx *store.Tx) error {
		p, err := tx.PostByID(ctx, id)
		if err != nil {
			return err
		}
		if p.AccountID != actor.Account.ID {
			if on {
				return model.Errorf(model.EUNPROCESS, "you can only pin your own posts")
			}
			return model.Errorf(model.ENOTFOUND, "post not found")
		}
		if !on {
			return tx.DeletePin(ctx, actor.Account.ID, p.ID)
		}
		if p.IsReblog() || p.Visibility == model.Direct {
			return model.Errorf(model.EUNPROCESS, "boosts and direct posts can't be pinned")
		}
		n, err := tx.CountPins(ctx, actor.Account.ID)
		if err != nil {
			return err
		}
		if n >= MaxPins {
			return model.Errorf(model.EUNPROCESS, "you can pin at most %d posts", MaxPins)
		}
		return tx.InsertPin(ctx, actor.Account.ID, p.ID, s.now())
	}))
}

// Engagement is a favourite or boost, passed to the packages that watch
// them (insights, integrity).
type Engagement struct {
	Kind      string // favourite, reblog, reply
	AccountID int64
	Post      *model.Post
	At        time.Time
}

// hooks let other packages act inside the transaction of a use case
// without the use case knowing them.
type hooks struct {
	published    []func(ctx context.Context, tx *store.Tx, p *model.Post) error
	updated      []func(ctx context.Context, tx *store.Tx, p *model.Post) error
	deleted      []func(ctx context.Context, tx *store.Tx, p *model.Post) error
	engaged      []func(ctx context.Context, tx *store.Tx, e Engagement) error
	disengaged   []func(ctx context.Context, tx *store.Tx, e Engagement) error
	follow       []func(ctx context.Context, tx *store.Tx, e FollowEvent) error
	beforeFollow []func(ctx context.Context, tx *store.Tx, actor *Actor, target *model.Account) error
	// profileUpdated and reported tell federation (federation_hooks.go).
	profileUpdated []func(ctx context.Context, tx *store.Tx, a *model.Account) error
	reported       []func(ctx context.Context, tx *store.Tx, r *store.Report) error
	// accountDeleted and accountMoved tell federation (account_delete.go,
	// account_move.go).
	accountDeleted []func(ctx context.Context, tx *store.Tx, a *model.Account) error
	accountMoved   []func(ctx context.Context, tx *store.Tx, from, to *model.Account) error
	// viewed, profileViewed and connection feed insights (insights_hooks.go).
	viewed        []func(ctx context.Context, viewer *Actor, views []*PostView)
	profileViewed []func(ctx context.Context, viewer *Actor, accountID int64)
	connection    []func(ctx context.Context, tx *store.Tx, e ConnectionEvent) error
}

// OnPublished registers fn to run in the transaction of every new post
// (including boosts).
func (s *Service) OnPublished(fn func(ctx context.Context, tx *store.Tx, p *model.Post) error) {
	s.hooks.published = append(s.hooks.published, fn)
}

// OnUpdated registers fn to run in the transaction of every edit.
func (s *Service) OnUpdated(fn func(ctx context.Context, tx *store.Tx, p *model.Post) error) {
	s.hooks.updated = append(s.hooks.updated, fn)
}

// OnDeleted registers fn to run in the transaction of every deletion,
// before the rows go.
func (s *Service) OnDeleted(fn func(ctx context.Context, tx *store.Tx, p *model.Post) error) {
	s.hooks.deleted = append(s.hooks.deleted, fn)
}

// OnEngaged registers fn to run in the transaction of every favourite and
// boost.
func (s *Service) OnEngaged(fn func(ctx context.Context, tx *store.Tx, e Engagement) error) {
	s.hooks.engaged = append(s.hooks.engaged, fn)
}

// OnDisengaged registers fn to run when a favourite or boost is taken back.
func (s *Service) OnDisengaged(fn func(ctx context.Context, tx *store.Tx, e Engagement) error) {
	s.hooks.disengaged = append(s.hooks.disengaged, fn)
}

// SetLinkRewriter makes links in new posts point where fn says (tracked
// links); the displayed text stays the original URL.
func (s *Service) SetLinkRewriter(fn func(authorID, postID int64, index int, raw string) string) {
	s.linkRewriter = fn
}
