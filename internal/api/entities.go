package api

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"strings"
	"time"

	"parvis/internal/content"
	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// The entities of the Mastodon API, as the OpenAPI description of
// Mastodon 4.7 shapes them. Ids are strings, times ISO 8601 in UTC with
// milliseconds, and a field the schema allows to be null is a pointer.

// isoTime formats a time as Mastodon does.
func isoTime(t time.Time) string {
	t = t.UTC()
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		return t.Format("2006-01-02T15:04:05.000Z")
	}
	// By hand: time.Format took a tenth of rendering a timeline page.
	h, mi, sec := t.Clock()
	b := [24]byte{4: '-', 7: '-', 10: 'T', 13: ':', 16: ':', 19: '.', 23: 'Z'}
	digits := func(at, n, v int) {
		for i := at + n - 1; i >= at; i-- {
			b[i] = byte('0' + v%10)
			v /= 10
		}
	}
	digits(0, 4, y)
	digits(5, 2, int(mo))
	digits(8, 2, d)
	digits(11, 2, h)
	digits(14, 2, mi)
	digits(17, 2, sec)
	digits(20, 3, t.Nanosecond()/1e6)
	return string(b[:])
}

// optTime is isoTime, or nil for the zero time.
func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := isoTime(t)
	return &s
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optID(id int64) *string {
	if id == 0 {
		return nil
	}
	s := model.FormatID(id)
	return &s
}

func ptr[T any](v T) *T { return &v }

// Emoji is a custom emoji; Parvis has none, so lists of them are empty.
type Emoji struct {
	Shortcode       string `json:"shortcode"`
	URL             string `json:"url"`
	StaticURL       string `json:"static_url"`
	VisibleInPicker bool   `json:"visible_in_picker"`
}

// Field is a profile metadata pair.
type Field struct {
	Name       string  `json:"name"`
	Value      string  `json:"value"`
	VerifiedAt *string `json:"verified_at"`
}

// AccountRole is a role badge shown on a profile.
type AccountRole struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color"`
}

// Account is a profile.
type Account struct {
	ID              string        `json:"id"`
	Username        string        `json:"username"`
	Acct            string        `json:"acct"`
	DisplayName     string        `json:"display_name"`
	Locked          bool          `json:"locked"`
	Bot             bool          `json:"bot"`
	Discoverable    bool          `json:"discoverable"`
	Indexable       bool          `json:"indexable"`
	Group           bool          `json:"group"`
	HideCollections bool          `json:"hide_collections"`
	Noindex         bool          `json:"noindex"`
	CreatedAt       string        `json:"created_at"`
	Note            string        `json:"note"`
	URL             string        `json:"url"`
	URI             string        `json:"uri"`
	Avatar          string        `json:"avatar"`
	AvatarStatic    string        `json:"avatar_static"`
	Header          string        `json:"header"`
	HeaderStatic    string        `json:"header_static"`
	FollowersCount  int64         `json:"followers_count"`
	FollowingCount  int64         `json:"following_count"`
	StatusesCount   int64         `json:"statuses_count"`
	LastStatusAt    *string       `json:"last_status_at"`
	Emojis          []Emoji       `json:"emojis"`
	Fields          []Field       `json:"fields"`
	Roles           []AccountRole `json:"roles"`
	// Moved is the account this one moved to, present only after a move.
	Moved *Account `json:"moved,omitempty"`
}

// Source is what a person typed, for editing: the profile's plain text and
// the posting defaults.
type Source struct {
	Privacy             string   `json:"privacy"`
	Sensitive           bool     `json:"sensitive"`
	Language            *string  `json:"language"`
	Note                string   `json:"note"`
	Fields              []Field  `json:"fields"`
	FollowRequestsCount int64    `json:"follow_requests_count"`
	Indexable           bool     `json:"indexable"`
	Discoverable        bool     `json:"discoverable"`
	HideCollections     bool     `json:"hide_collections"`
	AttributionDomains  []string `json:"attribution_domains"`
}

// Role is the server role of the authenticated person.
type Role struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Color       string `json:"color"`
	Permissions string `json:"permissions"`
	Highlighted bool   `json:"highlighted"`
}

// CredentialAccount is the authenticated person's own account.
type CredentialAccount struct {
	Account
	Source Source `json:"source"`
	Role   Role   `json:"role"`
}

// account shapes an account.
func (h *Handler) account(a *model.Account) Account {
	out := Account{ID: model.FormatID(a.ID), Username: a.Username, Acct: a.Acct(), DisplayName: a.DisplayName,
		Locked: a.Locked, Bot: a.Bot, Discoverable: a.Discoverable, Indexable: a.Discoverable, Group: a.Group,
		CreatedAt: isoTime(a.CreatedAt.Truncate(24 * time.Hour)), Note: a.NoteHTML, URL: h.svc.ProfileURL(a),
		URI: h.accountURI(a), FollowersCount: a.FollowersCount, FollowingCount: a.FollowingCount,
		StatusesCount: a.StatusesCount, Emojis: []Emoji{}, Fields: []Field{}, Roles: []AccountRole{}}
	out.Avatar = h.svc.BaseURL() + "/api/parvis/v1/static/avatar.png"
	if a.AvatarPath != "" {
		out.Avatar = h.svc.MediaURL(a.AvatarPath)
	}
	out.Header = h.svc.BaseURL() + "/api/parvis/v1/static/header.png"
	if a.HeaderPath != "" {
		out.Header = h.svc.MediaURL(a.HeaderPath)
	}
	out.AvatarStatic, out.HeaderStatic = out.Avatar, out.Header
	if !a.LastStatusAt.IsZero() {
		out.LastStatusAt = ptr(a.LastStatusAt.UTC().Format("2006-01-02"))
	}
	for _, f := range a.Fields {
		out.Fields = append(out.Fields, Field{Name: f.Name, Value: fieldHTML(f.Value), VerifiedAt: optTime(f.VerifiedAt)})
	}
	if a.MovedToID != 0 {
		// Rare (moved accounts only), so read here rather than preloaded.
		if to, err := h.svc.DB().Read().AccountByID(context.Background(), a.MovedToID); err == nil {
			to.MovedToID = 0 // one level, as Mastodon shows it
			m := h.account(to)
			out.Moved = &m
		}
	}
	return out
}

// accountURI is an account's ActivityPub id.
func (h *Handler) accountURI(a *model.Account) string {
	if a.Domain != "" && a.URI != "" {
		return a.URI
	}
	return h.svc.BaseURL() + "/users/" + a.Username
}

// fieldHTML renders a profile field's value: escaped text, and a link when
// it is an http(s) URL.
func fieldHTML(v string) string {
	if u, err := url.Parse(v); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.ContainsAny(v, " \t\n") {
		e := html.EscapeString(v)
		return `<a href="` + e + `" rel="nofollow noopener" target="_blank">` + e + `</a>`
	}
	return html.EscapeString(v)
}

// roleOf describes a server role with Mastodon's permission bits: 1 is
// "administrator"; moderators get the reports, users and dashboard bits.
func roleOf(r model.Role) Role {
	switch r {
	case model.RoleAdmin:
		return Role{ID: "3", Name: "Admin", Permissions: "1", Highlighted: true}
	case model.RoleModerator:
		return Role{ID: "2", Name: "Moderator", Permissions: "1052", Highlighted: true}
	}
	return Role{ID: "-99", Name: "", Permissions: "0"}
}

// credentialAccount shapes the authenticated person's account.
func (h *Handler) credentialAccount(ctx context.Context, viewer *social.Actor, a *model.Account) (CredentialAccount, error) {
	defaults, err := h.svc.PostingDefaults(ctx, viewer)
	if err != nil {
		return CredentialAccount{}, err
	}
	requests, err := h.svc.FollowRequestCount(ctx, viewer)
	if err != nil {
		return CredentialAccount{}, err
	}
	out := CredentialAccount{Account: h.account(a), Role: roleOf(viewer.User.Role)}
	out.Source = Source{Privacy: string(defaults.Privacy), Sensitive: defaults.Sensitive,
		Language: optString(defaults.Language), Note: a.Note, Fields: []Field{}, FollowRequestsCount: requests,
		Indexable: a.Discoverable, Discoverable: a.Discoverable, AttributionDomains: []string{}}
	for _, f := range a.Fields {
		out.Source.Fields = append(out.Source.Fields, Field{Name: f.Name, Value: f.Value, VerifiedAt: optTime(f.VerifiedAt)})
	}
	return out, nil
}

// MetaDetails are the dimensions of one version of an attachment.
type MetaDetails struct {
	Width  int     `json:"width"`
	Height int     `json:"height"`
	Size   string  `json:"size"`
	Aspect float64 `json:"aspect"`
}

// Focus is an attachment's focal point, from -1 to 1 on each axis.
type Focus struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// MediaMeta describes an attachment's versions.
type MediaMeta struct {
	Original *MetaDetails `json:"original,omitempty"`
	Small    *MetaDetails `json:"small,omitempty"`
	Focus    *Focus       `json:"focus,omitempty"`
}

// MediaAttachment is an attachment.
type MediaAttachment struct {
	ID               string     `json:"id"`
	Type             string     `json:"type"`
	URL              *string    `json:"url"`
	PreviewURL       *string    `json:"preview_url"`
	RemoteURL        *string    `json:"remote_url"`
	PreviewRemoteURL *string    `json:"preview_remote_url"`
	TextURL          *string    `json:"text_url"`
	Meta             *MediaMeta `json:"meta"`
	Description      *string    `json:"description"`
	Blurhash         *string    `json:"blurhash"`
}

func details(w, h int) *MetaDetails {
	if w == 0 || h == 0 {
		return nil
	}
	return &MetaDetails{Width: w, Height: h, Size: fmt.Sprintf("%dx%d", w, h), Aspect: float64(w) / float64(h)}
}

// mediaAttachment shapes an attachment.
func (h *Handler) mediaAttachment(m *model.Media) MediaAttachment {
	typ := m.Type
	switch typ {
	case model.MediaImage, model.MediaGifv, model.MediaVideo, model.MediaAudio:
	default:
		typ = model.MediaUnknown
	}
	out := MediaAttachment{ID: model.FormatID(m.ID), Type: typ, Description: optString(m.Description),
		Blurhash: optString(m.Blurhash), RemoteURL: optString(m.RemoteURL),
		Meta: &MediaMeta{Original: details(m.Width, m.Height), Small: details(m.ThumbWidth, m.ThumbHeight),
			Focus: &Focus{X: m.FocusX, Y: m.FocusY}}}
	if m.Path != "" {
		out.URL = ptr(h.svc.MediaURL(m.Path))
	} else if m.RemoteURL != "" {
		out.URL = ptr(m.RemoteURL)
	}
	if m.ThumbPath != "" {
		out.PreviewURL = ptr(h.svc.MediaURL(m.ThumbPath))
	} else {
		out.PreviewURL = out.URL
	}
	return out
}

// PreviewCardAuthor is the author of a linked page.
type PreviewCardAuthor struct {
	Name    string   `json:"name"`
	URL     string   `json:"url"`
	Account *Account `json:"account"`
}

// PreviewCard is the preview of a post's first link.
type PreviewCard struct {
	URL          string              `json:"url"`
	Title        string              `json:"title"`
	Description  string              `json:"description"`
	Type         string              `json:"type"`
	AuthorName   string              `json:"author_name"`
	AuthorURL    string              `json:"author_url"`
	Authors      []PreviewCardAuthor `json:"authors"`
	ProviderName string              `json:"provider_name"`
	ProviderURL  string              `json:"provider_url"`
	HTML         string              `json:"html"`
	Width        int                 `json:"width"`
	Height       int                 `json:"height"`
	Image        *string             `json:"image"`
	EmbedURL     string              `json:"embed_url"`
	Blurhash     *string             `json:"blurhash"`
	PublishedAt  *string             `json:"published_at"`
	Language     *string             `json:"language"`
}

func previewCard(c *model.Card) *PreviewCard {
	if c == nil {
		return nil
	}
	typ := c.Type
	switch typ {
	case "link", "photo", "video", "rich":
	default:
		typ = "link"
	}
	out := &PreviewCard{URL: c.URL, Title: c.Title, Description: c.Description, Type: typ, AuthorName: c.AuthorName,
		AuthorURL: c.AuthorURL, Authors: []PreviewCardAuthor{}, ProviderName: c.ProviderName, ProviderURL: c.ProviderURL,
		HTML: c.HTML, Width: c.Width, Height: c.Height, Image: optString(c.ImageURL), EmbedURL: c.EmbedURL,
		Blurhash: optString(c.Blurhash), PublishedAt: optTime(c.PublishedAt), Language: optString(c.Language)}
	if c.AuthorName != "" {
		out.Authors = append(out.Authors, PreviewCardAuthor{Name: c.AuthorName, URL: c.AuthorURL})
	}
	return out
}

// Mention is an account a status mentions.
type Mention struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	URL      string `json:"url"`
	Acct     string `json:"acct"`
}

// StatusTag is a hashtag a status carries.
type StatusTag struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// StatusApplication is the app a status was written with.
type StatusApplication struct {
	Name    string  `json:"name"`
	Website *string `json:"website"`
}

// Status is a post.
type Status struct {
	ID                 string             `json:"id"`
	URI                string             `json:"uri"`
	URL                *string            `json:"url"`
	CreatedAt          string             `json:"created_at"`
	EditedAt           *string            `json:"edited_at"`
	Account            Account            `json:"account"`
	Content            string             `json:"content"`
	Text               *string            `json:"text,omitempty"`
	Visibility         string             `json:"visibility"`
	Sensitive          bool               `json:"sensitive"`
	SpoilerText        string             `json:"spoiler_text"`
	MediaAttachments   []MediaAttachment  `json:"media_attachments"`
	Application        *StatusApplication `json:"application,omitempty"`
	Mentions           []Mention          `json:"mentions"`
	Tags               []StatusTag        `json:"tags"`
	Emojis             []Emoji            `json:"emojis"`
	ReblogsCount       int64              `json:"reblogs_count"`
	FavouritesCount    int64              `json:"favourites_count"`
	RepliesCount       int64              `json:"replies_count"`
	InReplyToID        *string            `json:"in_reply_to_id"`
	InReplyToAccountID *string            `json:"in_reply_to_account_id"`
	Reblog             *Status            `json:"reblog"`
	Poll               *struct{}          `json:"poll"`
	Card               *PreviewCard       `json:"card"`
	Language           *string            `json:"language"`
	Favourited         *bool              `json:"favourited,omitempty"`
	Reblogged          *bool              `json:"reblogged,omitempty"`
	Muted              *bool              `json:"muted,omitempty"`
	Bookmarked         *bool              `json:"bookmarked,omitempty"`
	Pinned             *bool              `json:"pinned,omitempty"`
}

// statusRenderer shapes statuses for one viewer; it knows the apps the
// viewer's own statuses were written with (Mastodon shows the app only to
// the author).
type statusRenderer struct {
	h      *Handler
	viewer *social.Actor
	apps   map[int64]*store.OAuthApp
}

// renderer prepares a statusRenderer for views.
func (h *Handler) renderer(ctx context.Context, viewer *social.Actor, views ...*social.PostView) (*statusRenderer, error) {
	sr := &statusRenderer{h: h, viewer: viewer, apps: map[int64]*store.OAuthApp{}}
	if !viewer.LoggedIn() {
		return sr, nil
	}
	var ids []int64
	for _, v := range views {
		for _, x := range []*social.PostView{v, v.Reblog} {
			if x != nil && x.Post.ApplicationID != 0 && x.Post.AccountID == viewer.Account.ID {
				ids = append(ids, x.Post.ApplicationID)
			}
		}
	}
	if len(ids) > 0 {
		apps, err := h.svc.Apps(ctx, ids)
		if err != nil {
			return nil, err
		}
		sr.apps = apps
	}
	return sr, nil
}

// statuses renders views in a request; it is the usual way to shape a
// list.
func (h *Handler) statuses(ctx context.Context, viewer *social.Actor, views []*social.PostView) ([]Status, error) {
	sr, err := h.renderer(ctx, viewer, views...)
	if err != nil {
		return nil, err
	}
	out := make([]Status, 0, len(views))
	for _, v := range views {
		out = append(out, sr.status(v))
	}
	return out, nil
}

// status renders one view.
func (h *Handler) status(ctx context.Context, viewer *social.Actor, v *social.PostView) (Status, error) {
	sr, err := h.renderer(ctx, viewer, v)
	if err != nil {
		return Status{}, err
	}
	return sr.status(v), nil
}

func (sr *statusRenderer) status(v *social.PostView) Status {
	h, p := sr.h, v.Post
	s := Status{ID: model.FormatID(p.ID), CreatedAt: isoTime(p.CreatedAt), EditedAt: optTime(p.EditedAt),
		Account: h.account(v.Account), Visibility: string(p.Visibility), Sensitive: p.Sensitive,
		SpoilerText: p.SpoilerText, MediaAttachments: []MediaAttachment{}, Mentions: []Mention{}, Tags: []StatusTag{},
		Emojis: []Emoji{}, ReblogsCount: v.ReblogsShown, FavouritesCount: v.FavouritesShown,
		RepliesCount: p.RepliesCount, InReplyToID: optID(p.InReplyToID), InReplyToAccountID: optID(p.InReplyToAccountID),
		Language: optString(p.Language)}
	if s.Visibility == "" {
		s.Visibility = string(model.Public)
	}
	if v.Reblog != nil {
		s.URI = h.svc.PostURI(p, v.Account) + "/activity"
		inner := sr.status(v.Reblog)
		s.Reblog = &inner
		s.Sensitive, s.Language = false, nil
	} else {
		s.URI = h.svc.PostURI(p, v.Account)
		s.URL = ptr(h.svc.PostURL(p, v.Account))
		s.Content = p.Content
		for _, m := range v.Media {
			s.MediaAttachments = append(s.MediaAttachments, h.mediaAttachment(m))
		}
		for _, a := range v.Mentions {
			s.Mentions = append(s.Mentions, Mention{ID: model.FormatID(a.ID), Username: a.Username, Acct: a.Acct(),
				URL: h.svc.ProfileURL(a)})
		}
		for _, t := range v.Tags {
			s.Tags = append(s.Tags, StatusTag{Name: t, URL: h.tagURL(t)})
		}
		s.Card = previewCard(v.Card)
		if app := sr.apps[p.ApplicationID]; app != nil && sr.viewer.LoggedIn() && p.AccountID == sr.viewer.Account.ID {
			s.Application = &StatusApplication{Name: app.Name, Website: optString(app.Website)}
		}
	}
	if sr.viewer.LoggedIn() {
		// A boost shows what the viewer did to the boosted post.
		shown := v.Shown()
		s.Favourited, s.Reblogged = ptr(shown.Favourited), ptr(shown.Reblogged)
		s.Bookmarked, s.Muted = ptr(shown.Bookmarked), ptr(shown.Muted)
		if v.Reblog == nil && p.AccountID == sr.viewer.Account.ID && p.Visibility != model.Direct {
			s.Pinned = ptr(v.Pinned)
		}
	}
	return s
}

// tagURL is a hashtag's page.
func (h *Handler) tagURL(tag string) string {
	return h.svc.BaseURL() + "/tags/" + url.PathEscape(content.NormalizeTag(tag))
}

// TagHistory is one day of a hashtag's use; Mastodon writes the numbers as
// strings.
type TagHistory struct {
	Day      string `json:"day"`
	Uses     string `json:"uses"`
	Accounts string `json:"accounts"`
}

// Tag is a hashtag.
type Tag struct {
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	URL       string       `json:"url"`
	History   []TagHistory `json:"history"`
	Following *bool        `json:"following,omitempty"`
}

func (h *Handler) tag(t store.Tag, days []store.TagDay) Tag {
	out := Tag{ID: model.FormatID(t.ID), Name: t.Name, URL: h.tagURL(t.Name), History: []TagHistory{}}
	for _, d := range days {
		out.History = append(out.History, TagHistory{Day: fmt.Sprint(d.Day.Unix()), Uses: fmt.Sprint(d.Uses),
			Accounts: fmt.Sprint(d.Accounts)})
	}
	return out
}

// Relationship is how the viewer stands towards an account.
type Relationship struct {
	ID                  string   `json:"id"`
	Following           bool     `json:"following"`
	ShowingReblogs      bool     `json:"showing_reblogs"`
	Notifying           bool     `json:"notifying"`
	Languages           []string `json:"languages"`
	FollowedBy          bool     `json:"followed_by"`
	Blocking            bool     `json:"blocking"`
	BlockedBy           bool     `json:"blocked_by"`
	Muting              bool     `json:"muting"`
	MutingNotifications bool     `json:"muting_notifications"`
	MutingExpiresAt     *string  `json:"muting_expires_at"`
	Requested           bool     `json:"requested"`
	RequestedBy         bool     `json:"requested_by"`
	DomainBlocking      bool     `json:"domain_blocking"`
	Endorsed            bool     `json:"endorsed"`
	Note                string   `json:"note"`
}

func relationship(r *store.Relationship) Relationship {
	return Relationship{ID: model.FormatID(r.TargetID), Following: r.Following, ShowingReblogs: r.ShowingReblogs,
		Notifying: r.Notifying, FollowedBy: r.FollowedBy, Blocking: r.Blocking, BlockedBy: r.BlockedBy,
		Muting: r.Muting, MutingNotifications: r.MutingNotifications, Requested: r.Requested,
		RequestedBy: r.RequestedBy}
}

// Notification tells that someone did something.
type Notification struct {
	ID        string  `json:"id"`
	Type      string  `json:"type"`
	CreatedAt string  `json:"created_at"`
	GroupKey  string  `json:"group_key"`
	Account   Account `json:"account"`
	Status    *Status `json:"status,omitempty"`
}

func (h *Handler) notifications(ctx context.Context, viewer *social.Actor, ns []social.NotificationView) ([]Notification, error) {
	var views []*social.PostView
	for _, n := range ns {
		if n.Post != nil {
			views = append(views, n.Post)
		}
	}
	sr, err := h.renderer(ctx, viewer, views...)
	if err != nil {
		return nil, err
	}
	out := make([]Notification, 0, len(ns))
	for _, n := range ns {
		id := model.FormatID(n.Notification.ID)
		x := Notification{ID: id, Type: n.Notification.Type, CreatedAt: isoTime(n.Notification.CreatedAt),
			GroupKey: "ungrouped-" + id, Account: h.account(n.From)}
		if n.Post != nil {
			x.Status = ptr(sr.status(n.Post))
		}
		out = append(out, x)
	}
	return out, nil
}

// Application is a registered app as others see it.
type Application struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Website      *string  `json:"website"`
	Scopes       []string `json:"scopes"`
	RedirectURI  string   `json:"redirect_uri"`
	RedirectURIs []string `json:"redirect_uris"`
	VapidKey     string   `json:"vapid_key"`
}

// CredentialApplication is a registered app as its owner sees it, once.
type CredentialApplication struct {
	Application
	ClientID              string `json:"client_id"`
	ClientSecret          string `json:"client_secret"`
	ClientSecretExpiresAt int64  `json:"client_secret_expires_at"`
}

func application(a *store.OAuthApp) Application {
	return Application{ID: model.FormatID(a.ID), Name: a.Name, Website: optString(a.Website), Scopes: a.Scopes,
		RedirectURI: strings.Join(a.RedirectURIs, "\n"), RedirectURIs: a.RedirectURIs}
}
