package federation

import (
	"encoding/json"
	"html"
	"net"
	"net/http"
	"strings"

	"parvis/internal/federation/ap"
	"parvis/internal/model"
)

// jrdLink is one link of a WebFinger answer.
type jrdLink struct {
	Rel      string `json:"rel"`
	Type     string `json:"type,omitempty"`
	Href     string `json:"href,omitempty"`
	Template string `json:"template,omitempty"`
}

// getWebFinger answers GET /.well-known/webfinger?resource=...: the actor
// of a local account or community, named acct:name@domain (Lemmy's
// !name@domain form too) or by the URL of its actor or profile page; the
// instance actor answers to acct:domain@domain, as Mastodon's does.
func (f *Federation) getWebFinger(w http.ResponseWriter, r *http.Request) {
	resource := strings.TrimSpace(r.URL.Query().Get("resource"))
	if resource == "" {
		jsonError(w, http.StatusBadRequest, "the resource parameter is required")
		return
	}
	var name string
	switch {
	case strings.HasPrefix(resource, "http://") || strings.HasPrefix(resource, "https://"):
		if !f.isLocal(resource) {
			jsonError(w, http.StatusNotFound, "not an account of this server")
			return
		}
		if strings.TrimSuffix(resource, "#main-key") == f.instanceURI() {
			f.writeJRD(w, "acct:"+f.instanceName()+"@"+f.domain, f.instanceURI(), "")
			return
		}
		path := resource[strings.Index(resource, "//")+2:]
		path = path[strings.Index(path+"/", "/"):]
		if rest, ok := strings.CutPrefix(path, "/users/"); ok {
			name = rest
		} else if rest, ok := strings.CutPrefix(path, "/@"); ok {
			name = rest
		}
		if strings.Contains(name, "/") {
			name = ""
		}
	default:
		acct := strings.TrimPrefix(strings.TrimPrefix(resource, "acct:"), "@")
		acct = strings.TrimPrefix(acct, "!")
		at := strings.LastIndex(acct, "@")
		if at <= 0 || !strings.EqualFold(acct[at+1:], f.domain) {
			jsonError(w, http.StatusNotFound, "not an account of this server")
			return
		}
		name = acct[:at]
		if strings.EqualFold(name, f.instanceName()) || strings.EqualFold(name, f.domain) {
			f.writeJRD(w, "acct:"+f.instanceName()+"@"+f.domain, f.instanceURI(), "")
			return
		}
	}
	if name == "" {
		jsonError(w, http.StatusNotFound, "no such account")
		return
	}
	a, err := f.db.Read().AccountByUsername(r.Context(), name, "")
	if err != nil || a.Suspended() {
		if err != nil && !model.IsNotFound(err) {
			f.fail(w, err)
			return
		}
		jsonError(w, http.StatusNotFound, "no such account")
		return
	}
	f.writeJRD(w, "acct:"+a.Username+"@"+f.domain, f.actorURI(a), f.base+"/@"+a.Username)
}

// instanceName is the instance actor's preferredUsername: the host name.
func (f *Federation) instanceName() string {
	if h, _, err := net.SplitHostPort(f.domain); err == nil {
		return h
	}
	return f.domain
}

// writeJRD answers a WebFinger document.
func (f *Federation) writeJRD(w http.ResponseWriter, subject, actor, profile string) {
	doc := struct {
		Subject string    `json:"subject"`
		Aliases []string  `json:"aliases"`
		Links   []jrdLink `json:"links"`
	}{Subject: subject, Aliases: []string{actor}}
	if profile != "" {
		doc.Aliases = append(doc.Aliases, profile)
		doc.Links = append(doc.Links, jrdLink{Rel: "http://webfinger.net/rel/profile-page", Type: "text/html", Href: profile})
	}
	doc.Links = append(doc.Links, jrdLink{Rel: "self", Type: ap.MediaType, Href: actor})
	h := w.Header()
	h.Set("Content-Type", "application/jrd+json; charset=utf-8")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cache-Control", "public, max-age=300")
	_ = json.NewEncoder(w).Encode(doc)
}

// getHostMeta answers /.well-known/host-meta (XRD) and host-meta.json
// (JRD): where WebFinger is, for the servers that look it up this way.
func (f *Federation) getHostMeta(w http.ResponseWriter, r *http.Request) {
	template := f.base + "/.well-known/webfinger?resource={uri}"
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	if strings.HasSuffix(r.URL.Path, ".json") {
		w.Header().Set("Content-Type", "application/jrd+json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(map[string][]jrdLink{"links": {{Rel: "lrdd", Template: template}}})
		return
	}
	w.Header().Set("Content-Type", "application/xrd+xml; charset=utf-8")
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">` + "\n" +
		`  <Link rel="lrdd" template="` + html.EscapeString(template) + `"/>` + "\n</XRD>\n"))
}

// jsonError answers {"error": msg} with status.
func jsonError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
