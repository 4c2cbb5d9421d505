package social

import (
	"context"
	"net"
	"net/url"
	"strings"
	"unicode/utf8"

	"parvis/internal/insights"
	"parvis/internal/model"
	"parvis/internal/store"
)

// LinkHit is a request for a tracked link.
type LinkHit struct {
	Code      string
	IP        string
	UserAgent string
	// Prefetch is a browser's speculative fetch (Purpose: prefetch...).
	Prefetch bool
}

// FollowLink resolves a tracked link to where it leads, with the UTM tags
// that credit the post (utm_source=this server, utm_medium=social,
// utm_campaign=the post's id; tags the link already had are kept), and
// records the click. Fetches by bots and prefetches are recorded apart and
// never count as clicks. An unknown code is ENOTFOUND and records nothing;
// a link whose author turned tracking off leads to the link as written and
// records nothing.
func (r *InsightsRecorder) FollowLink(ctx context.Context, h LinkHit) (string, error) {
	if !insights.ValidLinkCode(h.Code) {
		return "", model.Errorf(model.ENOTFOUND, "link not found")
	}
	l, err := r.db.Read().TrackedLinkByCode(ctx, h.Code)
	if err != nil {
		return "", err
	}
	on, err := r.db.Read().LinkTracking(ctx, l.AccountID)
	if err != nil {
		return "", err
	}
	if !on {
		return l.URL, nil
	}
	target, ok := insights.TagLink(l.URL, r.svc.cfg.Domain, model.FormatID(l.PostID))
	if !ok {
		target = l.URL
	}
	kind := store.InsightClick
	if h.Prefetch || insights.IsBot(h.UserAgent) {
		kind = store.InsightClickFiltered
	}
	actor, err := r.anonKey(ctx, "", h.IP, h.UserAgent)
	if err != nil {
		// The click still counts; only who clicked stays unknown.
		r.svc.log.Warn("anonymous key of a click", "err", err)
	}
	r.record(store.InsightEvent{At: r.svc.now(), Kind: kind, AccountID: l.AccountID, PostID: l.PostID,
		CommunityID: l.CommunityID, RefID: l.ID, Actor: actor})
	return target, nil
}

// BeaconHit is one hit of the website beacon.
type BeaconHit struct {
	SiteKey string
	// Origin is the origin the browser says sent the hit: the Origin header
	// of the script's request, or the origin of the image's Referer.
	Origin string
	// Page is the URL of the page visited (for the image, its Referer).
	Page string
	// Referrer is the page's own referrer (document.referrer), "" if none.
	Referrer  string
	IP        string
	UserAgent string
	Prefetch  bool
}

// maxBeaconURL bounds the URLs a hit may carry.
const maxBeaconURL = 2048

// RecordHit counts a beacon hit on a registered website, without cookies:
// the visitor is a hash of today's random salt (shared by every node), the
// site, the address and the user agent, so the same person counts once a
// day and twice on two days. It attributes the visit (a tracked link, a
// post, this server, another site, nobody) and decides whether it starts a
// visit. A hit that
// is malformed (EINVALID), names no known site (ENOTFOUND) or comes from
// another origin than the site's (EFORBIDDEN) is refused and records
// nothing; a bot's hit is recorded apart and never counts as a visit.
func (r *InsightsRecorder) RecordHit(ctx context.Context, h BeaconHit) error {
	if !insights.ValidSiteKey(h.SiteKey) {
		return model.Errorf(model.EINVALID, "malformed site id")
	}
	if len(h.Page) > maxBeaconURL || len(h.Referrer) > maxBeaconURL || !utf8.ValidString(h.Page) || !utf8.ValidString(h.Referrer) {
		return model.Errorf(model.EINVALID, "malformed hit")
	}
	page, err := url.Parse(h.Page)
	if err != nil || (page.Scheme != "http" && page.Scheme != "https") || page.Host == "" {
		return model.Errorf(model.EINVALID, "malformed hit: the page is not an http(s) URL")
	}
	if h.Referrer != "" {
		if ref, err := url.Parse(h.Referrer); err != nil || (ref.Scheme != "http" && ref.Scheme != "https") {
			return model.Errorf(model.EINVALID, "malformed hit: the referrer is not an http(s) URL")
		}
	}
	site, err := r.db.Read().InsightSiteByKey(ctx, h.SiteKey)
	if err != nil {
		if model.IsNotFound(err) {
			return model.Errorf(model.ENOTFOUND, "unknown site")
		}
		return err
	}
	origin, err := SiteOrigin(h.Origin)
	if err != nil || origin != site.Origin {
		return model.Errorf(model.EFORBIDDEN, "this site does not accept hits from there")
	}
	if pageOrigin, err := SiteOrigin(page.Scheme + "://" + page.Host); err != nil || pageOrigin != site.Origin {
		return model.Errorf(model.EFORBIDDEN, "the page is not on the site")
	}
	now := r.svc.now()
	if h.Prefetch || insights.IsBot(h.UserAgent) {
		r.record(store.InsightEvent{At: now, Kind: store.InsightHitFiltered, AccountID: site.AccountID, RefID: site.ID})
		return nil
	}
	attr, detail, err := r.attribute(ctx, site, page, h.Referrer)
	if err != nil {
		return err
	}
	visitor, err := r.anonKey(ctx, site.Key, h.IP, h.UserAgent)
	if err != nil {
		return err
	}
	e := store.InsightEvent{At: now, Kind: store.InsightPageview, AccountID: site.AccountID, PostID: attr.PostID,
		RefID: site.ID, Actor: visitor, Source: int16(attr.Source), Detail: detail}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rotateLocked(now)
	first := r.firstTodayLocked(dedupeKey{store.InsightVisitor, site.ID, 0, visitor, ""})
	entry := false
	switch attr.Source {
	case insights.SourceDirect, insights.SourceInternal, insights.SourceUnknown:
	default:
		// An entry from a post, a link or another site starts a visit, once
		// a day for each (a reload does not).
		entry = r.firstTodayLocked(dedupeKey{store.InsightVisit, site.ID, attr.PostID, visitor, attr.Source.String() + " " + detail})
	}
	switch {
	case first:
		e.Kind = store.InsightVisitor
	case entry:
		e.Kind = store.InsightVisit
	}
	r.appendLocked(e)
	return nil
}

// attribute tells where a visit came from. A campaign naming a post of
// the site's owner credits that post (and its tracked link, when the page
// is one of its links); a post of someone else credits this server in
// general. detail is the referring host, or the tracked link's code.
func (r *InsightsRecorder) attribute(ctx context.Context, site *store.InsightSite, page *url.URL, referrer string) (insights.Attribution, string, error) {
	attr := insights.Attribute(page, referrer, r.svc.cfg.Domain)
	if attr.Source == insights.SourceReferral {
		return attr, attr.Host, nil
	}
	if attr.Source != insights.SourcePost {
		return attr, "", nil
	}
	p, err := r.db.Read().PostByID(ctx, attr.PostID)
	if model.IsNotFound(err) || (err == nil && p.AccountID != site.AccountID) {
		return insights.Attribution{Source: insights.SourceParvis}, "", nil
	}
	if err != nil {
		return attr, "", err
	}
	links, err := r.db.Read().TrackedLinksOf(ctx, []int64{p.ID})
	if err != nil {
		return attr, "", err
	}
	for _, l := range links {
		if insights.SamePage(page, l.URL) {
			attr.Source = insights.SourceLink
			return attr, l.Code, nil
		}
	}
	return attr, "", nil
}

// SiteAccepts reports whether the site of key takes hits from origin, for
// CORS preflights.
func (r *InsightsRecorder) SiteAccepts(ctx context.Context, key, origin string) bool {
	if !insights.ValidSiteKey(key) {
		return false
	}
	site, err := r.db.Read().InsightSiteByKey(ctx, key)
	if err != nil {
		return false
	}
	o, err := SiteOrigin(origin)
	return err == nil && o == site.Origin
}

// SiteOrigin reduces a website's address to its origin
// (scheme://host[:port], lowercased, default ports dropped), as sites are
// registered and hits compared. Anything but an http(s) URL with a host is
// EINVALID.
func SiteOrigin(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", model.Errorf(model.EINVALID, "a website is an http or https address, such as https://example.org")
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	if h, port, err := net.SplitHostPort(host); err == nil && (scheme == "https" && port == "443" || scheme == "http" && port == "80") {
		host = h
		if strings.Contains(h, ":") {
			host = "[" + h + "]"
		}
	}
	return scheme + "://" + host, nil
}
