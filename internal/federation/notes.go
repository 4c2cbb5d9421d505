package federation

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"

	"parvis/internal/content"
	"parvis/internal/federation/ap"
	"parvis/internal/federation/httpsign"
	"parvis/internal/model"
	"parvis/internal/social"
)

// errReplyLoop means a chain of replies comes back on itself: such a
// chain is refused whole.
var errReplyLoop = fmt.Errorf("%w: reply chain loops", errPermanent)

// importNote stores a remote post and, first, the parents it replies to
// that are not here yet, fetched up to the depth limit. A chain that
// loops is refused and nothing of it is stored; a parent that cannot be
// fetched, or is past the limit, leaves its reply waiting for it.
func (f *Federation) importNote(ctx context.Context, obj *ap.Object, author *model.Account) (*model.Post, error) {
	chain := []*ap.Object{obj}
	authors := []*model.Account{author}
	seen := map[string]bool{obj.ID: true}
	for cur := obj; ; {
		parentURI := cur.InReplyTo.IRI()
		if parentURI == "" || f.isLocal(parentURI) {
			break
		}
		if seen[parentURI] {
			return nil, fmt.Errorf("%w at %s", errReplyLoop, clip(parentURI))
		}
		if _, err := f.db.Read().PostByURI(ctx, parentURI); err == nil {
			break
		}
		if len(chain) > f.cfg.MaxThreadDepth {
			f.log.Info("federation: thread depth limit reached", "post", obj.ID, "parent", parentURI)
			break
		}
		parent, pauthor, err := f.fetchNote(ctx, parentURI)
		if err != nil {
			if isPermanent(err) && !errors.Is(err, errGone) {
				f.log.Info("federation: parent not fetched", "post", cur.ID, "parent", parentURI, "err", err)
			}
			break
		}
		if seen[parent.ID] {
			return nil, fmt.Errorf("%w at %s", errReplyLoop, clip(parent.ID))
		}
		seen[parentURI], seen[parent.ID] = true, true
		chain = append(chain, parent)
		authors = append(authors, pauthor)
		cur = parent
	}
	var p *model.Post
	for i := len(chain) - 1; i >= 0; i-- {
		in, err := f.remotePost(ctx, chain[i], authors[i])
		if err != nil {
			if i == 0 {
				return nil, err
			}
			f.log.Info("federation: parent not stored", "post", chain[i].ID, "err", err)
			continue
		}
		if p, _, err = f.svc.ReceivePost(ctx, in); err != nil {
			if i == 0 {
				return nil, err
			}
			f.log.Info("federation: parent not stored", "post", chain[i].ID, "err", err)
		}
	}
	return p, nil
}

// fetchNote fetches a post and its author, checking that the author is on
// the post's host.
func (f *Federation) fetchNote(ctx context.Context, uri string) (*ap.Object, *model.Account, error) {
	o, err := f.fetchObject(ctx, uri)
	if err != nil {
		return nil, nil, err
	}
	if !isNote(o.Type) {
		return nil, nil, permanent(fmt.Errorf("%s is a %s, not a post", clip(uri), o.Type))
	}
	authorURI := o.AttributedTo.First().IRI()
	if !httpsign.SameHost(authorURI, o.ID) {
		return nil, nil, permanent(fmt.Errorf("%w: post %s is attributed to %s", httpsign.ErrWrongOrigin, clip(o.ID), clip(authorURI)))
	}
	a, err := f.account(ctx, authorURI, true)
	if err != nil {
		return nil, nil, err
	}
	return o, a, nil
}

// remotePost maps a Note, Page, Article or Question to a post: its HTML
// sanitised, its plain text for search, a Lemmy title shown first, its
// mentions, hashtags, attachments (referenced by URL), content warning,
// language, visibility and parent.
func (f *Federation) remotePost(ctx context.Context, o *ap.Object, author *model.Account) (social.RemotePost, error) {
	if o.ID == "" || !f.validID(o.ID) || !httpsign.SameHost(o.ID, author.URI) {
		return social.RemotePost{}, permanent(fmt.Errorf("post id %q is not on its author's host", clip(o.ID)))
	}
	body := o.Content
	if body == "" && len(o.ContentMap) > 0 {
		for _, v := range o.ContentMap {
			body = v
			break
		}
	}
	if body == "" && o.Source != nil && o.Source.Content != "" {
		body = "<p>" + html.EscapeString(o.Source.Content) + "</p>"
	}
	var b strings.Builder
	if o.Type != ap.TypeNote && o.Name != "" {
		// A Lemmy post, or an article: its title first, as Mastodon shows it.
		b.WriteString("<p><strong>" + html.EscapeString(o.Name) + "</strong></p>")
	}
	b.WriteString(body)
	var media []*model.Media
	for _, r := range o.Attachment {
		a := r.Object
		if a == nil {
			continue
		}
		m := f.attachment(a)
		switch {
		case m != nil && len(media) < model.MaxMediaPerPost:
			media = append(media, m)
		case a.Type == ap.TypeLink && f.validID(a.Href):
			// A Lemmy link post: the link goes under the text.
			b.WriteString(`<p><a href="` + html.EscapeString(a.Href) + `">` + html.EscapeString(a.Href) + "</a></p>")
		}
	}
	clean := f.sanitizer.Sanitize(b.String())
	in := social.RemotePost{URI: o.ID, URL: f.firstURL(o.URL), Author: author, Content: clean,
		Text: content.PlainText(clean), Language: language(o.Lang()), Sensitive: o.Sensitive, Media: media,
		CreatedAt: o.Published, EditedAt: o.Updated, Tags: map[string]string{}}
	if o.Type == ap.TypeNote || o.Type == ap.TypeQuestion {
		in.SpoilerText = truncateRunes(content.PlainText(f.sanitizer.Sanitize(o.Summary)), 1000)
	}
	in.Visibility = visibility(o.Visibility(author.FollowersURL))
	if in.Visibility == model.Public && f.silenced(ctx, author.Domain) {
		in.Visibility = model.Unlisted
	}
	if parentURI := o.InReplyTo.IRI(); parentURI != "" {
		parent, err := f.knownPost(ctx, parentURI)
		if err != nil && !model.IsNotFound(err) {
			return social.RemotePost{}, err
		}
		if parent != nil {
			in.Parent = parent
		} else {
			in.ParentURI = parentURI
		}
	}
	if err := f.addressees(ctx, o, &in); err != nil {
		return social.RemotePost{}, err
	}
	return in, nil
}

// knownPost returns the post an id names when it is here (local or
// stored), or ENOTFOUND.
func (f *Federation) knownPost(ctx context.Context, uri string) (*model.Post, error) {
	if f.isLocal(uri) {
		return f.localPost(ctx, uri)
	}
	return f.db.Read().PostByURI(ctx, uri)
}

// addressees fills in a post's mentions (known accounts, and local ones
// it is addressed to), hashtags, and the local communities it is
// addressed to.
func (f *Federation) addressees(ctx context.Context, o *ap.Object, in *social.RemotePost) error {
	seen := map[int64]bool{}
	add := func(a *model.Account) {
		if seen[a.ID] {
			return
		}
		seen[a.ID] = true
		in.MentionIDs = append(in.MentionIDs, a.ID)
		if a.Group && a.Local() {
			in.Groups = append(in.Groups, a)
		}
	}
	find := func(uri string) (*model.Account, error) {
		if uri == "" || ap.IsPublic(uri) {
			return nil, nil
		}
		if f.isLocal(uri) {
			a, err := f.localAccount(ctx, uri)
			if model.IsNotFound(err) {
				return nil, nil
			}
			return a, err
		}
		a, err := f.db.Read().AccountByURI(ctx, uri)
		if model.IsNotFound(err) {
			return nil, nil
		}
		return a, err
	}
	for _, t := range o.Tag {
		tag := t.Object
		if tag == nil {
			continue
		}
		switch tag.Type {
		case ap.TypeMention:
			a, err := find(tag.Href)
			if err != nil {
				return err
			}
			if a != nil && len(in.MentionIDs) < 50 {
				add(a)
			}
		case ap.TypeHashtag:
			name := strings.TrimPrefix(strings.TrimSpace(tag.Name), "#")
			if norm := content.NormalizeTag(name); norm != "" && len(in.Tags) < 30 && len(norm) <= 100 {
				if _, ok := in.Tags[norm]; !ok {
					in.Tags[norm] = name
				}
			}
		}
	}
	// Local people a post is addressed to (a direct message without a
	// Mention tag) and the communities it is posted to count as mentioned.
	for _, rs := range []ap.Refs{o.To, o.Cc, {o.Audience}} {
		for _, r := range rs {
			if uri := r.IRI(); f.isLocal(uri) {
				a, err := find(uri)
				if err != nil {
					return err
				}
				if a != nil {
					add(a)
				}
			}
		}
	}
	return nil
}

// attachment maps an attachment to remote media, or nil when it is not a
// file (a Link, a PropertyValue).
func (f *Federation) attachment(a *ap.Object) *model.Media {
	switch a.Type {
	case ap.TypeDocument, ap.TypeImage, ap.TypeVideo, ap.TypeAudio:
	case ap.TypeLink:
		if !strings.HasPrefix(a.MediaType, "image/") {
			return nil
		}
	default:
		return nil
	}
	u := f.firstURL(a.URL)
	if u == "" && f.validID(a.Href) {
		u = a.Href
	}
	if u == "" {
		return nil
	}
	m := &model.Media{RemoteURL: u, MIME: a.MediaType, Description: truncateRunes(a.Name, model.MaxAltTextChars),
		Width: max(a.Width, 0), Height: max(a.Height, 0)}
	if len(a.Blurhash) <= 100 {
		m.Blurhash = a.Blurhash
	}
	if len(a.FocalPoint) == 2 && inUnit(a.FocalPoint[0]) && inUnit(a.FocalPoint[1]) {
		m.FocusX, m.FocusY = a.FocalPoint[0], a.FocalPoint[1]
	}
	switch {
	case strings.HasPrefix(a.MediaType, "image/gif") || a.Type == ap.TypeImage || strings.HasPrefix(a.MediaType, "image/"):
		m.Type = model.MediaImage
	case strings.HasPrefix(a.MediaType, "video/") || a.Type == ap.TypeVideo:
		m.Type = model.MediaVideo
	case strings.HasPrefix(a.MediaType, "audio/") || a.Type == ap.TypeAudio:
		m.Type = model.MediaAudio
	default:
		m.Type = model.MediaUnknown
	}
	return m
}

func inUnit(v float64) bool { return v >= -1 && v <= 1 }

// language keeps a language tag that looks like one.
func language(code string) string {
	c := strings.ToLower(strings.TrimSpace(code))
	if len(c) < 2 || len(c) > 8 || strings.Trim(c, "abcdefghijklmnopqrstuvwxyz-") != "" || c == "und" {
		return ""
	}
	return c
}
