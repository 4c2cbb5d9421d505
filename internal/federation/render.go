package federation

import (
	"context"
	"html"
	"strconv"
	"time"

	"parvis/internal/federation/ap"
	"parvis/internal/model"
	"parvis/internal/store"
)

// noteParts is everything a post's Note is built from.
type noteParts struct {
	post         *model.Post
	author       *model.Account
	mentions     []*model.Account
	tags         []string
	media        []*model.Media
	parent       *model.Post
	parentAuthor *model.Account
	group        *model.Account // the community's account, for a community post
}

// loadNote gathers a post's Note parts through q (a transaction's, inside
// a hook, so that the post being written is seen).
func (f *Federation) loadNote(ctx context.Context, q store.Q, p *model.Post, author *model.Account) (*noteParts, error) {
	np := &noteParts{post: p, author: author}
	mentionIDs := p.MentionedAccountIDs
	if mentionIDs == nil {
		ms, err := q.MentionsOf(ctx, []int64{p.ID})
		if err != nil {
			return nil, err
		}
		mentionIDs = ms[p.ID]
	}
	ids := append([]int64{}, mentionIDs...)
	if p.InReplyToID != 0 {
		parent, err := q.PostByID(ctx, p.InReplyToID)
		if err == nil {
			np.parent = parent
			ids = append(ids, parent.AccountID)
		} else if !model.IsNotFound(err) {
			return nil, err
		}
	}
	var community *model.Community
	if p.CommunityID != 0 {
		c, err := q.CommunityByID(ctx, p.CommunityID)
		if err == nil {
			community = c
			ids = append(ids, c.AccountID)
		} else if !model.IsNotFound(err) {
			return nil, err
		}
	}
	accs, err := q.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range mentionIDs {
		if a := accs[id]; a != nil {
			np.mentions = append(np.mentions, a)
		}
	}
	if np.parent != nil {
		np.parentAuthor = accs[np.parent.AccountID]
	}
	if community != nil {
		np.group = accs[community.AccountID]
	}
	tags, err := q.TagsOf(ctx, []int64{p.ID})
	if err != nil {
		return nil, err
	}
	np.tags = tags[p.ID]
	media, err := q.MediaOf(ctx, []int64{p.ID})
	if err != nil {
		return nil, err
	}
	np.media = media[p.ID]
	return np, nil
}

// postURI is a post's ActivityPub id.
func (f *Federation) postURI(p *model.Post, author *model.Account) string {
	return f.svc.PostURI(p, author)
}

// followersOf is the followers collection of an account.
func (f *Federation) followersOf(a *model.Account) string {
	if a.Local() {
		return f.actorURI(a) + "/followers"
	}
	return a.FollowersURL
}

// addressing returns the to and cc of a post of visibility vis, as
// Mastodon writes them.
func addressing(vis model.Visibility, followers string, named []string) (to, cc ap.Refs) {
	refs := func(ids ...string) ap.Refs {
		out := make(ap.Refs, 0, len(ids))
		for _, id := range ids {
			if id != "" && !out.Has(id) {
				out = append(out, ap.Ref{ID: id})
			}
		}
		return out
	}
	switch vis {
	case model.Public:
		return refs(ap.Public), refs(append([]string{followers}, named...)...)
	case model.Unlisted:
		return refs(followers), refs(append([]string{ap.Public}, named...)...)
	case model.Private:
		return refs(followers), refs(named...)
	}
	return refs(named...), nil
}

// noteObject builds a post's Note.
func (f *Federation) noteObject(np *noteParts) *ap.Object {
	p, author := np.post, np.author
	authorURI := f.actorURI(author)
	var named []string
	tags := ap.Refs{}
	for _, m := range np.mentions {
		uri := f.actorURI(m)
		named = append(named, uri)
		domain := m.Domain
		if domain == "" {
			domain = f.domain
		}
		tags = append(tags, ap.Ref{Object: &ap.Object{Type: ap.TypeMention, Href: uri, Name: "@" + m.Username + "@" + domain}})
	}
	if p.Visibility != model.Direct {
		if np.parentAuthor != nil && np.parentAuthor.ID != author.ID {
			named = append(named, f.actorURI(np.parentAuthor))
		}
		if np.group != nil {
			named = append(named, f.actorURI(np.group))
		}
	}
	for _, t := range np.tags {
		tags = append(tags, ap.Ref{Object: &ap.Object{Type: ap.TypeHashtag, Href: f.base + "/tags/" + t, Name: "#" + t}})
	}
	to, cc := addressing(p.Visibility, f.followersOf(author), named)
	o := &ap.Object{ID: f.postURI(p, author), Type: ap.TypeNote, AttributedTo: ap.Refs{{ID: authorURI}},
		Content: p.Content, Summary: p.SpoilerText, Sensitive: p.Sensitive, Published: p.CreatedAt.UTC(),
		To: to, Cc: cc, Tag: tags}
	if !p.EditedAt.IsZero() {
		o.Updated = p.EditedAt.UTC()
	}
	if u := f.svc.PostURL(p, author); u != "" {
		o.URL = ap.Refs{{ID: u}}
	}
	if p.Language != "" && p.Content != "" {
		o.ContentMap = map[string]string{p.Language: p.Content}
	}
	if np.parent != nil && np.parentAuthor != nil {
		o.InReplyTo = ap.Ref{ID: f.postURI(np.parent, np.parentAuthor)}
	}
	if np.group != nil {
		o.Audience = ap.Ref{ID: f.actorURI(np.group)}
	}
	for _, m := range np.media {
		u := m.RemoteURL
		if m.Path != "" {
			u = f.svc.MediaURL(m.Path)
		}
		if u == "" {
			continue
		}
		att := &ap.Object{Type: ap.TypeDocument, MediaType: m.MIME, URL: ap.Refs{{ID: u}}, Name: m.Description,
			Blurhash: m.Blurhash, Width: m.Width, Height: m.Height}
		if m.FocusX != 0 || m.FocusY != 0 {
			att.FocalPoint = []float64{m.FocusX, m.FocusY}
		}
		o.Attachment = append(o.Attachment, ap.Ref{Object: att})
	}
	return o
}

// wrap builds an activity of type typ by actor about object, addressed
// like the object.
func activity(typ ap.Type, id, actor string, object ap.Ref, to, cc ap.Refs, at time.Time) *ap.Object {
	return &ap.Object{ID: id, Type: typ, Actor: ap.Ref{ID: actor}, Object: ap.Refs{object}, To: to, Cc: cc,
		Published: at.UTC()}
}

// createOf wraps a Note in the Create its author sends. The id of a
// local post's Create is served at /activity; a remote post's (rebuilt
// for a community's Announce) stays on its author's host.
func (f *Federation) createOf(note *ap.Object, np *noteParts) *ap.Object {
	id := note.ID + "/activity"
	if !np.post.Local {
		id = note.ID + "#create"
	}
	return activity(ap.TypeCreate, id, f.actorURI(np.author), ap.Ref{ID: note.ID, Object: note}, note.To, note.Cc, note.Published)
}

// announceOf builds the Announce of a boost.
func (f *Federation) announceOf(boost *model.Post, booster *model.Account, origURI, origAuthorURI string) *ap.Object {
	to, cc := addressing(boost.Visibility, f.followersOf(booster), []string{origAuthorURI})
	return activity(ap.TypeAnnounce, f.postURI(boost, booster)+"/activity", f.actorURI(booster), ap.Ref{ID: origURI}, to, cc,
		boost.CreatedAt)
}

// actorObject builds the document of a local account: a Person, a Service
// for a bot, or a Group for a community.
func (f *Federation) actorObject(ctx context.Context, a *model.Account) (*ap.Object, error) {
	uri := f.actorURI(a)
	pk, err := f.publicKeyOf(ctx, a)
	if err != nil {
		return nil, err
	}
	o := &ap.Object{ID: uri, Type: ap.TypePerson, PreferredUsername: a.Username, Name: a.DisplayName,
		Summary: a.NoteHTML, URL: ap.Refs{{ID: f.svc.ProfileURL(a)}}, Inbox: ap.Ref{ID: uri + "/inbox"},
		Outbox: ap.Ref{ID: uri + "/outbox"}, Followers: ap.Ref{ID: uri + "/followers"},
		Following: ap.Ref{ID: uri + "/following"}, Featured: ap.Ref{ID: uri + "/collections/featured"},
		Endpoints: &ap.Endpoints{SharedInbox: f.base + "/inbox"}, ManuallyApprovesFollowers: a.Locked,
		Discoverable: a.Discoverable, Indexable: a.Discoverable, Published: a.CreatedAt.UTC(), PublicKey: pk}
	switch {
	case a.Group:
		o.Type = ap.TypeGroup
	case a.Bot:
		o.Type = ap.TypeService
	}
	if a.AvatarPath != "" {
		o.Icon = ap.Ref{Object: &ap.Object{Type: ap.TypeImage, URL: ap.Refs{{ID: f.svc.MediaURL(a.AvatarPath)}}}}
	}
	if a.HeaderPath != "" {
		o.Image = ap.Ref{Object: &ap.Object{Type: ap.TypeImage, URL: ap.Refs{{ID: f.svc.MediaURL(a.HeaderPath)}}}}
	}
	for _, fl := range a.Fields {
		o.Attachment = append(o.Attachment, ap.Ref{Object: &ap.Object{Type: ap.TypePropertyValue, Name: fl.Name,
			Value: html.EscapeString(fl.Value)}})
	}
	if !a.Group {
		if err := f.addAccountLinks(ctx, o, a); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// instanceObject builds the instance actor's document: an Application
// that signs fetches made for nobody in particular.
func (f *Federation) instanceObject(ctx context.Context) (*ap.Object, error) {
	_, pub, err := f.instanceSigner(ctx)
	if err != nil {
		return nil, err
	}
	uri := f.instanceURI()
	return &ap.Object{ID: uri, Type: ap.TypeApplication, PreferredUsername: f.instanceName(), Name: f.domain,
		URL: ap.Refs{{ID: f.base + "/about"}}, Inbox: ap.Ref{ID: uri + "/inbox"}, Outbox: ap.Ref{ID: uri + "/outbox"},
		Endpoints: &ap.Endpoints{SharedInbox: f.base + "/inbox"}, ManuallyApprovesFollowers: true,
		PublicKey: &ap.PublicKey{ID: uri + "#main-key", Owner: uri, PublicKeyPem: pub}}, nil
}

// idFor returns a fresh activity id under the actor's URI.
func (f *Federation) idFor(actorURI, kind string) string {
	return actorURI + "#" + kind + "/" + strconv.FormatInt(f.db.NewID(f.now()), 10)
}
