// Package api serves the Mastodon client API, so that existing Mastodon
// apps work with Parvis unchanged, and Parvis's own endpoints under
// /api/parvis/v1/. routes.go is the route table; each resource has its own
// file; entities.go shapes the JSON exactly as Mastodon does. Handlers only
// parse, call a use case of package social, and serialise: visibility,
// validation and permissions live in the use cases.
package api

import (
	"bytes"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"parvis/internal/social"
)

// Version is the Mastodon API version Parvis speaks, in the form apps
// parse to decide which features to use, followed by Parvis's own.
const Version = "4.4.0 (compatible; Parvis 0.1.0)"

// SoftwareVersion is Parvis's version, as NodeInfo reports it.
const SoftwareVersion = "0.1.0"

// Options configure the API.
type Options struct {
	Logger *slog.Logger
	// Done is closed when the server shuts down; open streams end then, so
	// that a graceful shutdown does not wait for them.
	Done <-chan struct{}
	// Heartbeat is the interval of the keep-alives sent on streams (15 s
	// when zero).
	Heartbeat time.Duration
}

// Handler serves the API. It is an http.Handler.
type Handler struct {
	svc       *social.Service
	log       *slog.Logger
	done      <-chan struct{}
	heartbeat time.Duration
	consent   *template.Template
	// Pictures for accounts without an avatar or a header: Mastodon apps
	// expect a URL that serves an image.
	defaultAvatar, defaultHeader []byte
	mux                          http.Handler
	// reads admits a few reads at a time (see ServeHTTP).
	reads chan struct{}
	// bufs keeps encoding buffers for statuses answers (replyStatuses).
	bufs sync.Pool
}

// New returns the API handler.
func New(svc *social.Service, opt Options) *Handler {
	h := &Handler{svc: svc, log: opt.Logger, done: opt.Done, heartbeat: opt.Heartbeat}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.heartbeat <= 0 {
		h.heartbeat = 15 * time.Second
	}
	h.consent = template.Must(template.New("consent").Parse(consentPage))
	h.defaultAvatar = flatPNG(1, 1, color.RGBA{0x9a, 0xa5, 0xb1, 0xff})
	h.defaultHeader = flatPNG(3, 1, color.RGBA{0xd5, 0xdb, 0xe1, 0xff})
	h.mux = h.routes()
	h.reads = make(chan struct{}, 8*runtime.GOMAXPROCS(0))
	return h
}

// ServeHTTP answers an API request: CORS first (apps running in browsers
// call the API from their own origin with bearer tokens, never cookies, so
// every origin is allowed), then the route table.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if cors(r.URL.Path) {
		hdr := w.Header()
		hdr.Set("Access-Control-Allow-Origin", "*")
		hdr.Set("Access-Control-Expose-Headers", "Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id, Idempotency-Key")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			hdr.Set("Access-Control-Allow-Methods", "POST, PUT, DELETE, GET, PATCH, OPTIONS")
			hdr.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, Accept")
			hdr.Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	// Reads are admitted a few at a time, eight per core. Under load,
	// dozens of timeline reads running at once left the goroutine holding
	// the database's one writer waiting its turn for a core, so every
	// write waited longer; waiting here costs a read nothing it would not
	// have waited for a core anyway. Live streams (open for hours) and
	// searches (which may wait on other servers) are not counted.
	if admitted(r) {
		select {
		case h.reads <- struct{}{}:
			defer func() { <-h.reads }()
		case <-r.Context().Done():
			return
		}
	}
	h.mux.ServeHTTP(w, r)
}

// admitted reports whether a request waits for one of the read slots.
func admitted(r *http.Request) bool {
	p := r.URL.Path
	return r.Method == http.MethodGet && !strings.HasPrefix(p, "/api/v1/streaming") &&
		!strings.HasSuffix(p, "/search") && p != "/api/v1/accounts/lookup"
}

// cors reports whether path may be called from any origin: everything but
// the consent page, which only the browser of the person consenting loads.
func cors(path string) bool { return path != "/oauth/authorize" }

// flatPNG encodes a w×h picture of one colour (apps scale it).
func flatPNG(w, h int, c color.Color) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

func (h *Handler) serveDefaultPicture(w http.ResponseWriter, r *http.Request) {
	data := h.defaultAvatar
	if r.PathValue("name") == "header.png" {
		data = h.defaultHeader
	} else if r.PathValue("name") != "avatar.png" {
		h.notFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(data)
}
