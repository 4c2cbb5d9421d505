// Package preview builds link preview cards: the title, description and
// image shown under a post that links to a web page. It reads the page's
// OpenGraph and Twitter card tags, its JSON-LD metadata, and falls back on
// the HTML <title> and meta description, the way Mastodon does, so that
// Mastodon clients show Parvis cards as they show their own.
package preview

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"

	"parvis/internal/outbound"
)

// Card is a preview card, in the shape of Mastodon's PreviewCard entity.
// Empty strings, zero numbers and a zero time mean "absent"; the API layer
// renders image, blurhash, language and published_at as null then.
type Card struct {
	URL              string    `json:"url"` // the page's same-site canonical URL, or the URL fetched
	Title            string    `json:"title"`
	Description      string    `json:"description"`
	Type             string    `json:"type"` // TypeLink, TypePhoto or TypeVideo
	AuthorName       string    `json:"author_name"`
	AuthorURL        string    `json:"author_url"`
	ProviderName     string    `json:"provider_name"`
	ProviderURL      string    `json:"provider_url"`
	HTML             string    `json:"html"` // an <iframe> of the video player, for video cards
	Width            int       `json:"width"`
	Height           int       `json:"height"`
	Image            string    `json:"image,omitempty"`
	ImageDescription string    `json:"image_description,omitempty"`
	EmbedURL         string    `json:"embed_url"`
	Blurhash         string    `json:"blurhash,omitempty"`
	Language         string    `json:"language,omitempty"` // an ISO 639 code such as "fr"
	PublishedAt      time.Time `json:"published_at,omitzero"`
	// FediverseCreator is the fediverse account, "user@domain", that the
	// page names in <meta name="fediverse:creator">; the API layer turns
	// it into the account of the card's authors.
	FediverseCreator string `json:"fediverse_creator,omitempty"`
}

// The card types, as Mastodon names them.
const (
	TypeLink  = "link"
	TypePhoto = "photo"
	TypeVideo = "video"
)

// Errors returned by Fetch, besides those of the outbound client.
var (
	// ErrNotHTML means the response is not an HTML page.
	ErrNotHTML = errors.New("preview: the response is not HTML")
	// ErrNoTitle means the page gives no title, without which a card is
	// not worth showing.
	ErrNoTitle = errors.New("preview: the page has no title")
	// ErrInvalidURL means the URL is not an absolute http or https URL.
	ErrInvalidURL = errors.New("preview: invalid URL")
)

// StatusError is the error for a response whose status is not 2xx. Callers
// may retry on 429 and 5xx statuses, but not on others.
type StatusError struct {
	StatusCode int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("preview: the server answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
}

// Fetch downloads the page at rawURL with client and returns its card.
// Only text/html and application/xhtml+xml responses are accepted. Relative
// URLs in the page are resolved against the URL reached after redirects.
func Fetch(ctx context.Context, client *outbound.Client, rawURL string) (Card, error) {
	u, err := url.Parse(rawURL)
	if err != nil || !isHTTP(u) {
		return Card{}, fmt.Errorf("%w: %q", ErrInvalidURL, rawURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Card{}, fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	req.Header.Set("Accept", "text/html, application/xhtml+xml;q=0.9")
	resp, err := client.Do(req)
	if err != nil {
		return Card{}, fmt.Errorf("preview: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return Card{}, &StatusError{StatusCode: resp.StatusCode}
	}
	contentType := resp.Header.Get("Content-Type")
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil || (mediaType != "text/html" && mediaType != "application/xhtml+xml") {
		return Card{}, fmt.Errorf("%w: Content-Type %q", ErrNotHTML, contentType)
	}
	card, err := Extract(endAtLimit{resp.Body}, contentType, resp.Request.URL)
	if err != nil {
		return Card{}, err
	}
	if card.Title == "" {
		return Card{}, ErrNoTitle
	}
	return card, nil
}

// endAtLimit ends the body where the client's size limit stops it: a page
// longer than the limit still has a usable head.
type endAtLimit struct {
	r io.Reader
}

func (e endAtLimit) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if errors.Is(err, outbound.ErrBodyTooLarge) {
		err = io.EOF
	}
	return n, err
}
