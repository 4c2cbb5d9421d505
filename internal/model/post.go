package model

import (
	"strings"
	"time"
)

// Visibility says who may see a post.
type Visibility string

// The four visibilities of the Mastodon API.
const (
	Public    Visibility = "public"   // everyone, on public timelines too
	Unlisted  Visibility = "unlisted" // everyone, but not on public timelines
	Private   Visibility = "private"  // followers (and mentioned people) only
	Direct    Visibility = "direct"   // mentioned people only
	NoneGiven Visibility = ""
)

// ParseVisibility validates a visibility; "" is allowed and means the
// author's default.
func ParseVisibility(s string) (Visibility, error) {
	switch v := Visibility(strings.ToLower(strings.TrimSpace(s))); v {
	case Public, Unlisted, Private, Direct, NoneGiven:
		return v, nil
	}
	return "", Errorf(EUNPROCESS, "unknown visibility %q (want public, unlisted, private or direct)", truncate(s, 20))
}

// Rank orders visibilities from the widest (0) to the narrowest (3).
func (v Visibility) Rank() int {
	switch v {
	case Public:
		return 0
	case Unlisted:
		return 1
	case Private:
		return 2
	}
	return 3
}

// Post is a status: an original post, a reply, or a boost (ReblogOfID set,
// no text of its own).
type Post struct {
	ID                  int64
	AccountID           int64
	URI                 string // ActivityPub id; "" for local posts
	URL                 string
	Text                string // plain text (the source for local posts)
	Content             string // sanitised HTML
	SpoilerText         string // the content warning
	Language            string
	Visibility          Visibility
	Sensitive           bool
	Local               bool
	InReplyToID         int64
	InReplyToAccountID  int64
	ThreadID            int64
	ReblogOfID          int64
	CommunityID         int64
	ApplicationID       int64
	CardID              int64
	RepliesCount        int64
	ReblogsCount        int64
	FavouritesCount     int64
	CreatedAt           time.Time
	EditedAt            time.Time
	RemovedAt           time.Time // removed by a moderator
	IdempotencyKey      string
	DiscountedFavs      int64 // favourites flagged by integrity, left out of FavouritesCount
	DiscountedReblogs   int64 // boosts flagged by integrity, left out of ReblogsCount
	MentionedAccountIDs []int64
	Tags                []string
}

// IsReblog reports whether the post is a boost of another.
func (p *Post) IsReblog() bool { return p.ReblogOfID != 0 }

// Media types of the Mastodon API.
const (
	MediaImage   = "image"
	MediaGifv    = "gifv"
	MediaVideo   = "video"
	MediaAudio   = "audio"
	MediaUnknown = "unknown"
)

// Media is an attachment.
type Media struct {
	ID          int64
	AccountID   int64
	PostID      int64
	Position    int
	Type        string
	MIME        string
	Path        string
	ThumbPath   string
	RemoteURL   string
	Size        int64
	Width       int
	Height      int
	ThumbWidth  int
	ThumbHeight int
	Blurhash    string
	Description string
	FocusX      float64
	FocusY      float64
	CreatedAt   time.Time
}

// Card is a link preview.
type Card struct {
	ID           int64
	URL          string
	Title        string
	Description  string
	Type         string
	AuthorName   string
	AuthorURL    string
	ProviderName string
	ProviderURL  string
	HTML         string
	Width        int
	Height       int
	ImageURL     string
	EmbedURL     string
	Language     string
	Blurhash     string
	PublishedAt  time.Time
	FetchedAt    time.Time
	Error        string
}

// Notification types.
const (
	NotifyMention       = "mention"
	NotifyStatus        = "status"
	NotifyReblog        = "reblog"
	NotifyFollow        = "follow"
	NotifyFollowRequest = "follow_request"
	NotifyFavourite     = "favourite"
	NotifyUpdate        = "update"
)

// Notification tells an account that someone did something.
type Notification struct {
	ID            int64
	AccountID     int64
	FromAccountID int64
	Type          string
	PostID        int64
	CreatedAt     time.Time
}

// Limits on posts.
const (
	DefaultMaxPostChars = 500
	MaxSpoilerChars     = 500
	MaxMediaPerPost     = 4
	MaxAltTextChars     = 1500
	MaxPollOptions      = 4
)
