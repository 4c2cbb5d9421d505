package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"parvis/internal/insights"
	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// InsightsEndpoints serves what insights needs beside the pages: tracked
// links (/l/CODE), the website beacon (/beacon.js, /beacon/KEY and its
// image /beacon/KEY.gif) and the JSON API under /api/parvis/v1/insights/.
// None of them uses the session cookie: the beacon and the links are
// public, the API takes the Mastodon API's bearer tokens.
type InsightsEndpoints struct {
	svc *social.Service
	rec *social.InsightsRecorder
	log *slog.Logger
	mux *http.ServeMux
}

// InsightsPrefixes are the paths to mount InsightsEndpoints under.
func InsightsPrefixes() []string {
	return []string{"/l/", "/beacon.js", "/beacon/", "/api/parvis/v1/insights/"}
}

// NewInsightsEndpoints returns the handler.
func NewInsightsEndpoints(svc *social.Service, rec *social.InsightsRecorder, log *slog.Logger) *InsightsEndpoints {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &InsightsEndpoints{svc: svc, rec: rec, log: log, mux: http.NewServeMux()}
	m := e.mux
	m.HandleFunc("GET /l/{code}", e.followLink)
	m.HandleFunc("HEAD /l/{code}", e.followLink)
	m.HandleFunc("GET /beacon.js", e.beaconScript)
	m.HandleFunc("POST /beacon/{key}", e.beaconHit)
	m.HandleFunc("OPTIONS /beacon/{key}", e.beaconPreflight)
	m.HandleFunc("GET /beacon/{key}", e.beaconImage)

	m.HandleFunc("GET /api/parvis/v1/insights/accounts/{id}", e.api("read:accounts", e.accountReport))
	m.HandleFunc("GET /api/parvis/v1/insights/communities/{id}", e.api("read:accounts", e.communityReport))
	m.HandleFunc("GET /api/parvis/v1/insights/posts/{id}", e.api("read:accounts", e.postReport))
	m.HandleFunc("GET /api/parvis/v1/insights/sites", e.api("read:accounts", e.listSites))
	m.HandleFunc("POST /api/parvis/v1/insights/sites", e.api("write:accounts", e.addSite))
	m.HandleFunc("DELETE /api/parvis/v1/insights/sites/{id}", e.api("write:accounts", e.removeSite))
	m.HandleFunc("GET /api/parvis/v1/insights/settings", e.api("read:accounts", e.settings))
	m.HandleFunc("PUT /api/parvis/v1/insights/settings", e.api("write:accounts", e.saveSettings))
	m.HandleFunc("/api/parvis/v1/insights/", func(w http.ResponseWriter, r *http.Request) {
		writeJSONError(w, model.Errorf(model.ENOTFOUND, "no such insights endpoint"))
	})
	m.HandleFunc("/", http.NotFound)
	return e
}

// ServeHTTP answers a request.
func (e *InsightsEndpoints) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		// Bearer tokens, never cookies: any origin may call, as with the
		// Mastodon API.
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept")
			h.Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	e.mux.ServeHTTP(w, r)
}

// ViewerKeys puts an anonymous viewer's daily key in each request's
// context, so that the posts shown to people who are not logged in count
// as impressions (once a day each). Bots get none.
func ViewerKeys(rec *social.InsightsRecorder, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") || strings.HasPrefix(r.URL.Path, "/media/") {
			next.ServeHTTP(w, r)
			return
		}
		key := rec.AnonymousKey(r.Context(), clientIP(r), r.UserAgent())
		next.ServeHTTP(w, r.WithContext(social.WithViewerKey(r.Context(), key)))
	})
}

// followLink redirects a tracked link to its target and counts the click.
func (e *InsightsEndpoints) followLink(w http.ResponseWriter, r *http.Request) {
	target, err := e.rec.FollowLink(r.Context(), social.LinkHit{Code: r.PathValue("code"), IP: clientIP(r),
		UserAgent: r.UserAgent(), Prefetch: r.Method == http.MethodHead || insights.IsPrefetch(r.Header)})
	if err != nil {
		e.plainError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	// The site reached sees this server as the referrer even when the UTM
	// tags are stripped; never the page the link was on.
	h.Set("Referrer-Policy", "origin")
	h.Set("Location", target)
	w.WriteHeader(http.StatusFound)
}

// beaconJS is the beacon: it sends the page's address and referrer once,
// when the page is shown (not while it is prerendered), without cookies.
const beaconJS = `(function () {
  var s = document.currentScript;
  if (!s || navigator.webdriver) return;
  var key = s.getAttribute("data-site");
  var base = s.src.replace(/\/beacon\.js(\?.*)?$/, "");
  if (!key) return;
  function send() {
    var body = JSON.stringify({ p: location.href, r: document.referrer });
    try {
      fetch(base + "/beacon/" + encodeURIComponent(key), { method: "POST", body: body, keepalive: true,
        credentials: "omit", mode: "cors", headers: { "Content-Type": "text/plain" } });
    } catch (e) {}
  }
  if (document.visibilityState === "prerender") {
    document.addEventListener("visibilitychange", function once() {
      if (document.visibilityState !== "visible") return;
      document.removeEventListener("visibilitychange", once);
      send();
    });
  } else {
    send();
  }
})();
`

func (e *InsightsEndpoints) beaconScript(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	// Loaded by other sites' pages, including those that isolate
	// themselves (Cross-Origin-Embedder-Policy).
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	_, _ = io.WriteString(w, beaconJS)
}

// maxBeaconBody bounds a hit's body: two URLs and some JSON.
const maxBeaconBody = 8 << 10

// beaconHit counts a hit sent by the script. Only the registered origin
// gets the CORS header that lets the browser complete the request.
func (e *InsightsEndpoints) beaconHit(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Page     string `json:"p"`
		Referrer string `json:"r"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBeaconBody))
	if err := dec.Decode(&body); err != nil {
		e.plainError(w, r, model.Errorf(model.EINVALID, "malformed hit"))
		return
	}
	err := e.rec.RecordHit(r.Context(), social.BeaconHit{SiteKey: r.PathValue("key"), Origin: r.Header.Get("Origin"),
		Page: body.Page, Referrer: body.Referrer, IP: clientIP(r), UserAgent: r.UserAgent(),
		Prefetch: insights.IsPrefetch(r.Header)})
	if err != nil {
		e.plainError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
	h.Set("Vary", "Origin")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// beaconPreflight answers a CORS preflight (browsers send none for the
// script's plain-text POST, but a page's own policies may make them) for
// the site's registered origin only.
func (e *InsightsEndpoints) beaconPreflight(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if !e.rec.SiteAccepts(r.Context(), r.PathValue("key"), origin) {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Methods", "POST")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "86400")
	h.Set("Vary", "Origin")
	w.WriteHeader(http.StatusNoContent)
}

// pixel is a transparent 1×1 GIF.
var pixel = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// beaconImage counts a hit from the image of browsers without JavaScript:
// its Referer is the page (and gives the origin); the page's own referrer
// is not known.
func (e *InsightsEndpoints) beaconImage(w http.ResponseWriter, r *http.Request) {
	key, ok := strings.CutSuffix(r.PathValue("key"), ".gif")
	if !ok {
		http.NotFound(w, r)
		return
	}
	page := r.Referer()
	origin := ""
	if i := strings.Index(page, "://"); i > 0 {
		if j := strings.IndexByte(page[i+3:], '/'); j >= 0 {
			origin = page[:i+3+j]
		} else {
			origin = page
		}
	}
	err := e.rec.RecordHit(r.Context(), social.BeaconHit{SiteKey: key, Origin: origin, Page: page, IP: clientIP(r),
		UserAgent: r.UserAgent(), Prefetch: insights.IsPrefetch(r.Header)})
	if err != nil {
		e.plainError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/gif")
	h.Set("Cache-Control", "no-store")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	_, _ = w.Write(pixel)
}

// plainError answers a tracked link or beacon error in plain text.
func (e *InsightsEndpoints) plainError(w http.ResponseWriter, r *http.Request, err error) {
	status := model.HTTPStatus(err)
	if status >= 500 {
		e.log.Error("insights endpoint failed", "path", r.URL.Path, "err", err)
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, model.ErrorMessage(err), status)
}

// api wraps an API handler: it needs a valid bearer token of a person,
// holding scope.
func (e *InsightsEndpoints) api(scope string, next func(w http.ResponseWriter, r *http.Request, actor *social.Actor)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := ""
		if h := r.Header.Get("Authorization"); h != "" {
			if scheme, t, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
				tok = strings.TrimSpace(t)
			}
		} else {
			tok = r.URL.Query().Get("access_token")
		}
		if tok == "" {
			writeJSONError(w, model.Errorf(model.EUNAUTHORIZED, "The access token is invalid"))
			return
		}
		auth, err := e.svc.AuthenticateToken(r.Context(), tok)
		if err != nil {
			e.jsonError(w, r, err)
			return
		}
		if !auth.Actor.LoggedIn() {
			writeJSONError(w, model.Errorf(model.EUNPROCESS, "This method requires an authenticated user"))
			return
		}
		if !auth.Scopes.Allows(scope) {
			writeJSONError(w, model.Errorf(model.EFORBIDDEN, "This action is outside the authorized scopes"))
			return
		}
		next(w, r.WithContext(social.WithActor(r.Context(), auth.Actor)), auth.Actor)
	}
}

func (e *InsightsEndpoints) jsonError(w http.ResponseWriter, r *http.Request, err error) {
	if model.HTTPStatus(err) >= 500 {
		e.log.Error("insights API failed", "path", r.URL.Path, "err", err)
	}
	writeJSONError(w, err)
}

func writeJSONError(w http.ResponseWriter, err error) {
	writeJSONStatus(w, model.HTTPStatus(err), map[string]string{"error": model.ErrorMessage(err)})
}

func writeJSONStatus(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// period reads ?since= and ?until=.
func (e *InsightsEndpoints) period(r *http.Request) (insights.Period, error) {
	p, err := insights.ParsePeriod(r.URL.Query().Get("since"), r.URL.Query().Get("until"), e.svc.DB().Now())
	if err != nil {
		return p, model.Errorf(model.EINVALID, "%s", err.Error())
	}
	return p, nil
}

// pathID reads an id from the path; "me" is the actor's account.
func pathID(r *http.Request, actor *social.Actor) (int64, error) {
	if r.PathValue("id") == "me" {
		return actor.Account.ID, nil
	}
	return model.ParseID(r.PathValue("id"))
}

func (e *InsightsEndpoints) accountReport(w http.ResponseWriter, r *http.Request, actor *social.Actor) {
	e.report(w, r, actor, e.svc.AccountInsights)
}

func (e *InsightsEndpoints) communityReport(w http.ResponseWriter, r *http.Request, actor *social.Actor) {
	e.report(w, r, actor, e.svc.CommunityInsights)
}

func (e *InsightsEndpoints) report(w http.ResponseWriter, r *http.Request, actor *social.Actor,
	fn func(ctx context.Context, actor *social.Actor, id int64, p insights.Period) (*insights.Report, error)) {
	id, err := pathID(r, actor)
	if err != nil {
		e.jsonError(w, r, err)
		return
	}
	p, err := e.period(r)
	if err != nil {
		e.jsonError(w, r, err)
		return
	}
	rep, err := fn(r.Context(), actor, id, p)
	if err != nil {
		e.jsonError(w, r, err)
		return
	}
	writeJSONStatus(w, http.StatusOK, rep)
}

func (e *InsightsEndpoints) postReport(w http.ResponseWriter, r *http.Request, actor *social.Actor) {
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		e.jsonError(w, r, err)
		return
	}
	p, err := e.period(r)
	if err != nil {
		e.jsonError(w, r, err)
		return
	}
	f, err := e.svc.PostInsights(r.Context(), actor, id, p)
	if err != nil {
		e.jsonError(w, r, err)
		return
	}
	writeJSONStatus(w, http.StatusOK, f)
}

// siteJSON is a registered website as the API shows it.
type siteJSON struct {
	ID      string `json:"id"`
	Origin  string `json:"origin"`
	Key     string `json:"site"`
	Snippet string `json:"snippet"`
}

func (e *InsightsEndpoints) siteJSON(s *store.InsightSite) siteJSON {
	return siteJSON{ID: model.FormatID(s.ID), Origin: s.Origin, Key: s.Key, Snippet: e.svc.BeaconSnippet(*s)}
}

func (e *InsightsEndpoints) listSites(w http.ResponseWriter, r *http.Request, actor *social.Actor) {
	sites, err := e.svc.Sites(r.Context(), actor)
	if err != nil {
		e.jsonError(w, r, err)
		return
	}
	out := []siteJSON{}
	for i := range sites {
		out = append(out, e.siteJSON(&sites[i]))
	}
	writeJSONStatus(w, http.StatusOK, out)
}

func (e *InsightsEndpoints) addSite(w http.ResponseWriter, r *http.Request, actor *social.Actor) {
	address := r.FormValue("url")
	if address == "" && strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var body struct {
			URL string `json:"url"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			e.jsonError(w, r, model.Errorf(model.EINVALID, "malformed JSON body"))
			return
		}
		address = body.URL
	}
	site, err := e.svc.RegisterSite(r.Context(), actor, address)
	if err != nil {
		e.jsonError(w, r, err)
		return
	}
	writeJSONStatus(w, http.StatusOK, e.siteJSON(site))
}

func (e *InsightsEndpoints) removeSite(w http.ResponseWriter, r *http.Request, actor *social.Actor) {
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		e.jsonError(w, r, err)
		return
	}
	if err := e.svc.DeleteSite(r.Context(), actor, id); err != nil {
		e.jsonError(w, r, err)
		return
	}
	writeJSONStatus(w, http.StatusOK, map[string]any{})
}

type settingsJSON struct {
	TrackLinks bool `json:"track_links"`
}

func (e *InsightsEndpoints) settings(w http.ResponseWriter, r *http.Request, actor *social.Actor) {
	on, err := e.svc.LinkTracking(r.Context(), actor)
	if err != nil {
		e.jsonError(w, r, err)
		return
	}
	writeJSONStatus(w, http.StatusOK, settingsJSON{TrackLinks: on})
}

func (e *InsightsEndpoints) saveSettings(w http.ResponseWriter, r *http.Request, actor *social.Actor) {
	var on bool
	switch v := r.FormValue("track_links"); v {
	case "true", "1", "on":
		on = true
	case "false", "0", "off":
	case "":
		var body settingsJSON
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			e.jsonError(w, r, model.Errorf(model.EINVALID, "track_links must be true or false"))
			return
		}
		on = body.TrackLinks
	default:
		e.jsonError(w, r, model.Errorf(model.EINVALID, "track_links must be true or false"))
		return
	}
	if err := e.svc.SetLinkTracking(r.Context(), actor, on); err != nil {
		e.jsonError(w, r, err)
		return
	}
	writeJSONStatus(w, http.StatusOK, settingsJSON{TrackLinks: on})
}
