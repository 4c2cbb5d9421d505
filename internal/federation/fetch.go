package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"parvis/internal/content"
	"parvis/internal/federation/ap"
	"parvis/internal/federation/httpsign"
	"parvis/internal/model"
	"parvis/internal/outbound"
	"parvis/internal/store"
)

// acceptHeader asks for ActivityPub documents in both forms servers serve.
const acceptHeader = ap.MediaType + ", " + ap.LDMediaType

// refreshAfter is how old a remote actor's copy may get before it is
// fetched again.
const refreshAfter = 24 * time.Hour

// Errors of fetches, which the jobs tell apart: a permanent failure is not
// retried.
var (
	// errPermanent marks a failure that no retry will cure: the object is
	// gone, refused by a rule, or malformed.
	errPermanent = errors.New("permanent failure")
	// errGone means the remote server answered 404 or 410.
	errGone = fmt.Errorf("%w: object gone", errPermanent)
)

// permanent marks err as not worth retrying.
func permanent(err error) error {
	if err == nil || errors.Is(err, errPermanent) {
		return err
	}
	return fmt.Errorf("%w: %w", errPermanent, err)
}

// isPermanent reports whether a failure will not go away by retrying.
func isPermanent(err error) bool {
	return errors.Is(err, errPermanent) || errors.Is(err, outbound.ErrForbiddenAddress) ||
		errors.Is(err, outbound.ErrForbiddenScheme) || errors.Is(err, outbound.ErrInvalidURL) ||
		errors.Is(err, outbound.ErrTooManyRedirects) || errors.Is(err, outbound.ErrBodyTooLarge) ||
		errors.Is(err, ap.ErrInvalid) || errors.Is(err, ap.ErrTooLarge) || errors.Is(err, ap.ErrTooDeep) ||
		errors.Is(err, ap.ErrTooManyItems) || errors.Is(err, httpsign.ErrWrongOrigin) ||
		errors.Is(err, httpsign.ErrKeyNotOwned) || model.ErrorCode(err) == model.EUNPROCESS ||
		model.ErrorCode(err) == model.EFORBIDDEN || model.IsNotFound(err)
}

// fetchObject fetches an ActivityPub document with a GET signed by the
// instance actor (authorized fetch), through the SSRF-safe client, and
// checks that the document's id is on the host that served it.
func (f *Federation) fetchObject(ctx context.Context, uri string) (*ap.Object, error) {
	if !f.validID(uri) {
		return nil, permanent(fmt.Errorf("fetch %q: not an https URL", clip(uri)))
	}
	if f.isLocal(uri) {
		return nil, permanent(fmt.Errorf("fetch %s: a local URL is not fetched", clip(uri)))
	}
	if f.blocked(ctx, hostKey(uri)) {
		return nil, permanent(fmt.Errorf("fetch %s: the domain is blocked", clip(uri)))
	}
	body, final, err := f.get(ctx, uri, acceptHeader)
	if err != nil {
		return nil, err
	}
	o, err := f.limits.Decode(body)
	if err != nil {
		return nil, permanent(fmt.Errorf("fetch %s: %w", clip(uri), err))
	}
	if o.ID == "" || !f.validID(o.ID) {
		return nil, permanent(fmt.Errorf("fetch %s: the document has no valid id", clip(uri)))
	}
	if !httpsign.SameHost(o.ID, final) {
		return nil, permanent(fmt.Errorf("%w: %s served a document whose id %s is on another host",
			httpsign.ErrWrongOrigin, clip(final), clip(o.ID)))
	}
	return o, nil
}

// get sends a signed GET and returns the body and the final URL after
// redirects.
func (f *Federation) get(ctx context.Context, uri, accept string) ([]byte, string, error) {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return nil, "", permanent(fmt.Errorf("fetch %s: %w", clip(uri), err))
	}
	req.Header.Set("Accept", accept)
	s, _, err := f.instanceSigner(ctx)
	if err != nil {
		return nil, "", err
	}
	if err := s.Sign(req, nil); err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", clip(uri), err)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", clip(uri), err)
	}
	defer resp.Body.Close()
	final := uri
	if resp.Request != nil && resp.Request.URL != nil {
		final = resp.Request.URL.String()
	}
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return nil, final, fmt.Errorf("fetch %s: %w (%d)", clip(uri), errGone, resp.StatusCode)
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests &&
		resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusUnauthorized:
		return nil, final, permanent(fmt.Errorf("fetch %s: status %d", clip(uri), resp.StatusCode))
	case resp.StatusCode != http.StatusOK:
		return nil, final, fmt.Errorf("fetch %s: status %d", clip(uri), resp.StatusCode)
	}
	body, err := ap.ReadBody(resp.Body)
	if err != nil {
		return nil, final, fmt.Errorf("fetch %s: %w", clip(uri), err)
	}
	return body, final, nil
}

// storeActor creates or refreshes the account of a remote actor document.
func (f *Federation) storeActor(ctx context.Context, o *ap.Object) (*model.Account, error) {
	a, ra, err := f.accountFromActor(o)
	if err != nil {
		return nil, permanent(err)
	}
	if f.blocked(ctx, a.Domain) {
		return nil, permanent(fmt.Errorf("actor %s: the domain is blocked", clip(o.ID)))
	}
	err = f.db.Tx(ctx, func(tx *store.Tx) error { return tx.UpsertRemoteAccount(ctx, a, ra) })
	if model.ErrorCode(err) == model.ECONFLICT {
		// Another job stored the same actor a moment ago.
		if existing, gerr := f.db.Read().AccountByURI(ctx, a.URI); gerr == nil {
			return existing, nil
		}
	}
	if err != nil {
		return nil, err
	}
	if ra.KeyID != "" {
		f.keys.forget(ra.KeyID)
	}
	return a, nil
}

// accountFromActor maps an actor document to an account.
func (f *Federation) accountFromActor(o *ap.Object) (*model.Account, *store.RemoteActor, error) {
	if !o.Type.IsActor() {
		return nil, nil, fmt.Errorf("%s is a %s, not an actor", clip(o.ID), o.Type)
	}
	if !f.validID(o.ID) || f.isLocal(o.ID) {
		return nil, nil, fmt.Errorf("actor id %q is not a remote https URL", clip(o.ID))
	}
	inbox := o.Inbox.IRI()
	if !f.validID(inbox) {
		return nil, nil, fmt.Errorf("actor %s has no valid inbox", clip(o.ID))
	}
	username := o.PreferredUsername
	if !usableUsername(username) {
		// An instance actor may be named after its host and port; its
		// id's last segment does as well.
		u, _ := url.Parse(o.ID)
		username = u.Path[strings.LastIndexByte(u.Path, '/')+1:]
	}
	if !usableUsername(username) {
		return nil, nil, fmt.Errorf("actor %s has an unusable username %q", clip(o.ID), clip(o.PreferredUsername))
	}
	noteHTML := f.sanitizer.Sanitize(o.Summary)
	a := &model.Account{
		Username: username, Domain: hostKey(o.ID), DisplayName: truncateRunes(content.PlainText(o.Name), model.MaxDisplayNameLen),
		Note: truncateRunes(content.PlainText(noteHTML), 5000), NoteHTML: noteHTML,
		Locked: o.ManuallyApprovesFollowers, Bot: o.Type == ap.TypeService || o.Type == ap.TypeApplication,
		Group: o.Type == ap.TypeGroup, Discoverable: o.Discoverable, URI: o.ID, URL: f.firstURL(o.URL),
		Inbox: inbox, FollowersURL: o.Followers.IRI(),
	}
	if s := o.SharedInbox(); f.validID(s) {
		a.SharedInbox = s
	}
	ra := &store.RemoteActor{Type: string(o.Type), Outbox: o.Outbox.IRI(), Following: o.Following.IRI(),
		Featured: o.Featured.IRI(), AvatarURL: f.imageURL(o.Icon), HeaderURL: f.imageURL(o.Image),
		MovedTo: o.MovedTo.IRI(), AlsoKnownAs: o.AlsoKnownAs.IRIs()}
	if pk := o.PublicKey; pk != nil && (pk.Owner == "" || pk.Owner == o.ID) && httpsign.SameHost(pk.ID, o.ID) {
		if _, err := httpsign.DecodePublicKeyPEM([]byte(pk.PublicKeyPem)); err == nil {
			a.PublicKeyPEM, ra.KeyID = pk.PublicKeyPem, pk.ID
		}
	}
	for _, r := range o.Attachment {
		if p := r.Object; p != nil && p.Type == ap.TypePropertyValue && len(a.Fields) < 16 {
			a.Fields = append(a.Fields, model.Field{Name: truncateRunes(content.PlainText(p.Name), 255),
				Value: f.sanitizer.Sanitize(truncateRunes(p.Value, 2000))})
		}
	}
	return a, ra, nil
}

// usableUsername reports whether a remote actor's name can be the user
// part of user@domain.
func usableUsername(s string) bool {
	return s != "" && len(s) <= 100 && utf8.ValidString(s) && !strings.ContainsAny(s, "@/ \t\n:?#")
}

// firstURL returns the first http(s) URL among refs (a url property).
func (f *Federation) firstURL(refs ap.Refs) string {
	for _, r := range refs {
		u := r.IRI()
		if r.Object != nil && r.Object.Href != "" {
			u = r.Object.Href
		}
		if f.validID(u) {
			return u
		}
	}
	return ""
}

// imageURL returns the URL of an icon or image property.
func (f *Federation) imageURL(r ap.Ref) string {
	if r.Object != nil {
		return f.firstURL(r.Object.URL)
	}
	if f.validID(r.ID) {
		return r.ID
	}
	return ""
}

// localAccount returns the local account an ActivityPub id or profile URL
// of this instance names.
func (f *Federation) localAccount(ctx context.Context, uri string) (*model.Account, error) {
	if !f.isLocal(uri) {
		return nil, model.Errorf(model.ENOTFOUND, "account not found")
	}
	u, err := url.Parse(uri)
	if err != nil {
		return nil, model.Errorf(model.ENOTFOUND, "account not found")
	}
	var name string
	switch {
	case strings.HasPrefix(u.Path, "/users/"):
		name = strings.TrimPrefix(u.Path, "/users/")
	case strings.HasPrefix(u.Path, "/@"):
		name = strings.TrimPrefix(u.Path, "/@")
	}
	if name == "" || strings.ContainsAny(name, "/@") {
		return nil, model.Errorf(model.ENOTFOUND, "account not found")
	}
	return f.db.Read().AccountByUsername(ctx, name, "")
}

// localPostID returns the id of the local post an ActivityPub id or page
// URL of this instance names.
func (f *Federation) localPostID(uri string) (int64, bool) {
	if !f.isLocal(uri) {
		return 0, false
	}
	u, err := url.Parse(uri)
	if err != nil {
		return 0, false
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	var raw string
	switch {
	case len(parts) == 4 && parts[0] == "users" && parts[2] == "statuses":
		raw = parts[3]
	case len(parts) == 2 && strings.HasPrefix(parts[0], "@"):
		raw = parts[1]
	default:
		return 0, false
	}
	id, err := model.ParseID(raw)
	return id, err == nil
}

// account returns the account an ActivityPub id names: a local one, a
// known remote one, or (with fetch) a remote one fetched now. A remote
// account whose copy is old is refreshed in the background.
func (f *Federation) account(ctx context.Context, uri string, fetch bool) (*model.Account, error) {
	if uri == "" {
		return nil, permanent(errors.New("no actor"))
	}
	if f.isLocal(uri) {
		return f.localAccount(ctx, uri)
	}
	a, err := f.db.Read().AccountByURI(ctx, uri)
	if err == nil {
		return a, nil
	}
	if !model.IsNotFound(err) || !fetch {
		return nil, err
	}
	o, err := f.fetchObject(ctx, uri)
	if err != nil {
		return nil, err
	}
	if o.ID != uri {
		if a, err := f.db.Read().AccountByURI(ctx, o.ID); err == nil {
			return a, nil
		}
	}
	return f.storeActor(ctx, o)
}

// Resolve finds a remote account from a search: "user@domain" (through
// WebFinger) or the URL of an actor or profile. It is the service's remote
// resolver.
func (f *Federation) Resolve(ctx context.Context, query string) (*model.Account, error) {
	q := strings.TrimSpace(query)
	if strings.HasPrefix(q, "https://") || strings.HasPrefix(q, "http://") {
		if f.isLocal(q) {
			return f.localAccount(ctx, q)
		}
		if a, err := f.db.Read().AccountByURI(ctx, q); err == nil {
			return a, nil
		}
		o, err := f.fetchObject(ctx, q)
		if err != nil {
			f.log.Info("federation: resolve failed", "query", clip(q), "err", err)
			return nil, model.Errorf(model.ENOTFOUND, "account not found")
		}
		if !o.Type.IsActor() {
			return nil, model.Errorf(model.ENOTFOUND, "account not found")
		}
		return f.storeActor(ctx, o)
	}
	user, domain, ok := strings.Cut(strings.TrimPrefix(q, "@"), "@")
	if !ok || user == "" || domain == "" {
		return nil, model.Errorf(model.ENOTFOUND, "account not found")
	}
	domain = strings.ToLower(domain)
	if domain == f.domain {
		return f.db.Read().AccountByUsername(ctx, user, "")
	}
	if a, err := f.db.Read().AccountByUsername(ctx, user, domain); err == nil {
		return a, nil
	}
	href, err := f.webfinger(ctx, user, domain)
	if err != nil {
		f.log.Info("federation: webfinger failed", "acct", clip(user+"@"+domain), "err", err)
		return nil, model.Errorf(model.ENOTFOUND, "account not found")
	}
	a, err := f.account(ctx, href, true)
	if err != nil {
		f.log.Info("federation: resolve failed", "acct", clip(user+"@"+domain), "err", err)
		return nil, model.Errorf(model.ENOTFOUND, "account not found")
	}
	return a, nil
}

// ResolveAccount finds username@domain on its server (WebFinger, then its
// actor) and stores it; it is a social.ResolveRemote, for imports of
// follows. An account that cannot be found is ENOTFOUND.
func (f *Federation) ResolveAccount(ctx context.Context, username, domain string) (*model.Account, error) {
	return f.Resolve(ctx, username+"@"+domain)
}

// webfinger asks domain for the actor of user@domain, over https (and
// then plain http with AllowHTTP).
func (f *Federation) webfinger(ctx context.Context, user, domain string) (string, error) {
	if f.blocked(ctx, domain) {
		return "", errors.New("the domain is blocked")
	}
	if strings.ContainsAny(domain, "/?#@ ") {
		return "", fmt.Errorf("bad domain %q", clip(domain))
	}
	schemes := []string{"https"}
	if f.cfg.AllowHTTP {
		schemes = append(schemes, "http")
	}
	var lastErr error
	for _, scheme := range schemes {
		u := scheme + "://" + domain + "/.well-known/webfinger?resource=" + url.QueryEscape("acct:"+user+"@"+domain)
		body, _, err := f.get(ctx, u, "application/jrd+json, application/json")
		if err != nil {
			lastErr = err
			continue
		}
		var jrd struct {
			Links []struct {
				Rel  string `json:"rel"`
				Type string `json:"type"`
				Href string `json:"href"`
			} `json:"links"`
		}
		if err := json.Unmarshal(body, &jrd); err != nil {
			return "", fmt.Errorf("webfinger %s: %w", domain, err)
		}
		for _, l := range jrd.Links {
			mt, _, _ := strings.Cut(l.Type, ";")
			if l.Rel == "self" && (mt == ap.MediaType || mt == "application/ld+json") && f.validID(l.Href) {
				return l.Href, nil
			}
		}
		return "", fmt.Errorf("webfinger %s: no ActivityPub link for %s", domain, clip(user))
	}
	return "", lastErr
}

// truncateRunes cuts s to at most n runes.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// drain reads and discards what is left of a response body, so that the
// connection can be reused.
func drain(r io.Reader) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r, 64<<10))
}
