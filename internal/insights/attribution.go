package insights

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Source says where a website visit came from. The values are stored;
// never renumber them.
type Source int16

// The sources of a visit, from the most specific.
const (
	SourceUnknown Source = 0
	// SourceLink: a tracked link of a post (its UTM tags, and the landing
	// page one of the post's links).
	SourceLink Source = 1
	// SourcePost: UTM tags naming a post of this server.
	SourcePost Source = 2
	// SourceParvis: this server in general: its pages as referrer, or its
	// utm_source without a post.
	SourceParvis Source = 3
	// SourceCampaign: UTM tags from elsewhere (a newsletter, an ad).
	SourceCampaign Source = 4
	// SourceReferral: a link on another site.
	SourceReferral Source = 5
	// SourceDirect: no referrer (typed, bookmarked, or hidden).
	SourceDirect Source = 6
	// SourceInternal: a page of the site itself (a visit already under way).
	SourceInternal Source = 7
)

var sourceNames = [...]string{"unknown", "link", "post", "parvis", "campaign", "referral", "direct", "internal"}

// String returns the source's name, as the JSON and CSV show it.
func (s Source) String() string {
	if s < 0 || int(s) >= len(sourceNames) {
		return "unknown"
	}
	return sourceNames[s]
}

// Social reports whether a visit from s is credited to social work on this
// server.
func (s Source) Social() bool { return s == SourceLink || s == SourcePost || s == SourceParvis }

// Sources lists every source, in order, for tables.
func Sources() []Source {
	return []Source{SourceLink, SourcePost, SourceParvis, SourceCampaign, SourceReferral, SourceDirect, SourceInternal}
}

// Attribution is where a visit came from.
type Attribution struct {
	Source Source
	// PostID is the post named by the UTM campaign (SourceLink, SourcePost).
	PostID int64
	// Host is the referring host of a referral ("" otherwise).
	Host string
}

// Attribute tells where a hit on page came from, given the page's URL (with
// its query), the referrer the browser reported ("" when none) and this
// server's domain. UTM tags win over the referrer, because the referrer is
// often hidden; a tracked link carries utm_source=domain,
// utm_medium=social and utm_campaign=the post's id. It cannot tell a
// tracked link from hand-written tags: the caller upgrades SourcePost to
// SourceLink when the page is one of the post's links.
func Attribute(page *url.URL, referrer, domain string) Attribution {
	q := url.Values{}
	if page != nil {
		q = page.Query()
	}
	if src := q.Get("utm_source"); src != "" {
		if !sameHost(src, domain) {
			return Attribution{Source: SourceCampaign}
		}
		if id, err := strconv.ParseInt(q.Get("utm_campaign"), 10, 64); err == nil && id > 0 {
			return Attribution{Source: SourcePost, PostID: id}
		}
		return Attribution{Source: SourceParvis}
	}
	if referrer == "" {
		return Attribution{Source: SourceDirect}
	}
	ref, err := url.Parse(referrer)
	if err != nil || ref.Host == "" {
		return Attribution{Source: SourceDirect}
	}
	switch {
	case sameHost(ref.Host, domain):
		return Attribution{Source: SourceParvis}
	case page != nil && sameHost(ref.Host, page.Host):
		return Attribution{Source: SourceInternal}
	}
	host := strings.ToLower(ref.Hostname())
	if len(host) > 100 {
		host = host[:100]
	}
	return Attribution{Source: SourceReferral, Host: host}
}

// sameHost compares two hosts (with or without ports) case-insensitively;
// "www." does not matter.
func sameHost(a, b string) bool {
	norm := func(h string) string {
		h = strings.ToLower(strings.TrimSpace(h))
		return strings.TrimPrefix(h, "www.")
	}
	return a != "" && norm(a) == norm(b)
}

// SamePage reports whether a landing page is the target of a link: the same
// host and path once UTM tags and the fragment are set aside.
func SamePage(landing *url.URL, link string) bool {
	u, err := url.Parse(link)
	if err != nil || landing == nil {
		return false
	}
	clean := func(p string) string {
		if p == "" {
			return "/"
		}
		return p
	}
	return sameHost(u.Host, landing.Host) && clean(u.EscapedPath()) == clean(landing.EscapedPath())
}

// TagLink adds utm_source=domain, utm_medium=social and
// utm_campaign=campaign to a link's query, keeping every UTM tag (and
// everything else) the link already has, in its order and encoding. A link
// that does not parse as an absolute http(s) URL comes back unchanged and
// false.
func TagLink(raw, domain, campaign string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return raw, false
	}
	have := u.Query()
	var add []string
	for _, kv := range [][2]string{{"utm_source", domain}, {"utm_medium", "social"}, {"utm_campaign", campaign}} {
		if _, ok := have[kv[0]]; !ok {
			add = append(add, kv[0]+"="+url.QueryEscape(kv[1]))
		}
	}
	if len(add) == 0 {
		return raw, true
	}
	if u.RawQuery != "" {
		u.RawQuery += "&"
	}
	u.RawQuery += strings.Join(add, "&")
	u.ForceQuery = false
	return u.String(), true
}

// botMarks are pieces of the user agents of crawlers, link-preview
// fetchers (fediverse servers fetch every link of every post they receive)
// and HTTP libraries, lowercased.
var botMarks = []string{
	"bot", "crawl", "spider", "slurp", "scrap", "fetch", "preview", "monitor", "uptime", "pingdom", "lighthouse",
	"headless", "phantomjs", "curl/", "wget/", "httpie", "python-", "python/", "go-http-client", "java/", "okhttp",
	"libwww", "httpclient", "http.rb", "axios/", "node-fetch", "undici", "aiohttp", "ruby", "perl", "php/",
	"facebookexternalhit", "embedly", "whatsapp", "bitlybot", "vkshare", "w3c_validator",
	"mastodon/", "pleroma", "akkoma", "misskey", "gotosocial", "lemmy", "friendica", "peertube", "pixelfed",
	"parvis", "snac", "honk", "iframely", "feed", "rss", "validator", "archive", "proxy",
}

// IsBot reports whether a user agent is a crawler, a preview fetcher or a
// script rather than a person's browser. An empty user agent is a script.
func IsBot(userAgent string) bool {
	ua := strings.ToLower(strings.TrimSpace(userAgent))
	if ua == "" || !strings.Contains(ua, "/") {
		return true
	}
	for _, m := range botMarks {
		if strings.Contains(ua, m) {
			return true
		}
	}
	return false
}

// IsPrefetch reports whether a request is a browser's speculative fetch
// (prefetch or prerender) rather than a person following a link.
func IsPrefetch(h http.Header) bool {
	for _, name := range []string{"Sec-Purpose", "Purpose", "X-Purpose", "X-Moz"} {
		v := strings.ToLower(h.Get(name))
		if strings.Contains(v, "prefetch") || strings.Contains(v, "prerender") || strings.Contains(v, "preview") {
			return true
		}
	}
	return false
}
