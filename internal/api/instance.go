package api

import (
	"encoding/json"
	"net/http"
	"strings"

	"parvis/internal/media"
	"parvis/internal/model"
	"parvis/internal/social"
)

// Limits the instance endpoints announce besides the service's own.
const (
	// charactersPerURL is what a link counts for in a post's length, as
	// in Mastodon (content.Length counts links so).
	charactersPerURL = 23
	apiVersion       = 2 // Mastodon's api_versions.mastodon of 4.4
)

// supportedMIMETypes are the uploads Parvis accepts (images only; the
// media package recognises them by content).
var supportedMIMETypes = []string{"image/jpeg", "image/png", "image/webp", "image/gif"}

type mediaConfig struct {
	SupportedMIMETypes  []string `json:"supported_mime_types"`
	ImageSizeLimit      int64    `json:"image_size_limit"`
	ImageMatrixLimit    int64    `json:"image_matrix_limit"`
	VideoSizeLimit      int64    `json:"video_size_limit"`
	VideoFrameRateLimit int64    `json:"video_frame_rate_limit"`
	VideoMatrixLimit    int64    `json:"video_matrix_limit"`
	DescriptionLimit    int      `json:"description_limit"`
}

type statusesConfig struct {
	MaxCharacters            int `json:"max_characters"`
	MaxMediaAttachments      int `json:"max_media_attachments"`
	CharactersReservedPerURL int `json:"characters_reserved_per_url"`
}

type pollsConfig struct {
	MaxOptions             int `json:"max_options"`
	MaxCharactersPerOption int `json:"max_characters_per_option"`
	MinExpiration          int `json:"min_expiration"`
	MaxExpiration          int `json:"max_expiration"`
}

type accountsConfig struct {
	MaxFeaturedTags          int  `json:"max_featured_tags"`
	MaxPinnedStatuses        *int `json:"max_pinned_statuses,omitempty"`
	MaxDisplayNameLength     *int `json:"max_display_name_length,omitempty"`
	MaxNoteLength            *int `json:"max_note_length,omitempty"`
	MaxProfileFields         *int `json:"max_profile_fields,omitempty"`
	ProfileFieldNameLimit    *int `json:"profile_field_name_limit,omitempty"`
	ProfileFieldValueLimit   *int `json:"profile_field_value_limit,omitempty"`
	MaxAvatarDescriptionSize *int `json:"max_avatar_description_length,omitempty"`
}

// configuration is what apps need to know to compose (the v2 shape; v1
// has a subset).
func (h *Handler) configuration(v2 bool) map[string]any {
	lim := social.MediaLimits
	maxBytes, maxPixels := lim.MaxBytes, lim.MaxPixels
	if maxBytes == 0 {
		maxBytes = media.DefaultMaxBytes
	}
	if maxPixels == 0 {
		maxPixels = media.DefaultMaxPixels
	}
	accounts := accountsConfig{}
	if v2 {
		accounts = accountsConfig{MaxPinnedStatuses: ptr(social.MaxPins), MaxDisplayNameLength: ptr(model.MaxDisplayNameLen),
			MaxNoteLength: ptr(model.MaxNoteLen), MaxProfileFields: ptr(social.MaxProfileFields),
			ProfileFieldNameLimit: ptr(social.MaxFieldNameChars), ProfileFieldValueLimit: ptr(social.MaxFieldValueChars)}
	}
	cfg := map[string]any{
		"accounts": accounts,
		"statuses": statusesConfig{MaxCharacters: h.svc.MaxPostChars(), MaxMediaAttachments: model.MaxMediaPerPost,
			CharactersReservedPerURL: charactersPerURL},
		"media_attachments": mediaConfig{SupportedMIMETypes: supportedMIMETypes, ImageSizeLimit: maxBytes,
			ImageMatrixLimit: maxPixels, DescriptionLimit: model.MaxAltTextChars},
		// Polls are not supported yet; the numbers are those apps expect,
		// and a poll in a post is refused with a clear error.
		"polls": pollsConfig{MaxOptions: model.MaxPollOptions, MaxCharactersPerOption: 50, MinExpiration: 300,
			MaxExpiration: 2629746},
	}
	if v2 {
		cfg["translation"] = map[string]bool{"enabled": false}
		cfg["urls"] = map[string]string{"streaming": h.streamingURL()}
	}
	return cfg
}

// streamingURL is where apps open their WebSocket.
func (h *Handler) streamingURL() string {
	base := h.svc.BaseURL()
	if rest, ok := strings.CutPrefix(base, "https://"); ok {
		return "wss://" + rest
	}
	return "ws://" + strings.TrimPrefix(base, "http://")
}

// instanceV2 describes the server (GET /api/v2/instance).
func (h *Handler) instanceV2(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	mode, err := h.svc.RegistrationMode(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	usage, err := h.svc.InstanceUsage(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	domain := h.svc.Config().Domain
	reply(w, map[string]any{
		"domain":        domain,
		"title":         domain,
		"version":       Version,
		"source_url":    h.svc.BaseURL() + "/about",
		"description":   "A Parvis server.",
		"usage":         map[string]any{"users": map[string]int64{"active_month": usage.ActiveMonth}},
		"thumbnail":     map[string]any{"url": h.svc.BaseURL() + "/static/favicon.svg"},
		"icon":          []struct{}{},
		"languages":     []string{"en", "fr"},
		"configuration": h.configuration(true),
		"registrations": map[string]any{"enabled": mode != model.RegistrationClosed,
			"approval_required": mode == model.RegistrationApproval, "message": nil, "url": nil},
		"api_versions": map[string]int{"mastodon": apiVersion},
		"contact":      map[string]any{"email": "", "account": nil},
		"rules":        []struct{}{},
	})
}

// instanceV1 describes the server in Mastodon 3's shape (GET
// /api/v1/instance), which older apps and libraries still read.
func (h *Handler) instanceV1(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	mode, err := h.svc.RegistrationMode(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	usage, err := h.svc.InstanceUsage(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	domain := h.svc.Config().Domain
	reply(w, map[string]any{
		"uri":               domain,
		"title":             domain,
		"short_description": "A Parvis server.",
		"description":       "A Parvis server.",
		"email":             "",
		"version":           Version,
		"urls":              map[string]string{"streaming_api": h.streamingURL()},
		"stats": map[string]int64{"user_count": usage.Users, "status_count": usage.LocalPosts,
			"domain_count": usage.Domains},
		"thumbnail":         h.svc.BaseURL() + "/static/favicon.svg",
		"languages":         []string{"en", "fr"},
		"registrations":     mode != model.RegistrationClosed,
		"approval_required": mode == model.RegistrationApproval,
		"invites_enabled":   false,
		"configuration":     h.configuration(false),
		"contact_account":   nil,
		"rules":             []struct{}{},
	})
}

// NodeInfo's schema identifiers.
const (
	nodeinfo20 = "http://nodeinfo.diaspora.software/ns/schema/2.0"
	nodeinfo21 = "http://nodeinfo.diaspora.software/ns/schema/2.1"
)

// nodeinfoLinks points to the NodeInfo documents (GET /.well-known/nodeinfo).
func (h *Handler) nodeinfoLinks(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	reply(w, map[string]any{"links": []map[string]string{
		{"rel": nodeinfo20, "href": h.svc.BaseURL() + "/nodeinfo/2.0"},
		{"rel": nodeinfo21, "href": h.svc.BaseURL() + "/nodeinfo/2.1"},
	}})
}

// nodeinfo is the NodeInfo 2.0 or 2.1 document (GET /nodeinfo/{version}).
func (h *Handler) nodeinfo(w http.ResponseWriter, r *http.Request) {
	version := strings.TrimSuffix(r.PathValue("version"), ".json")
	if version != "2.0" && version != "2.1" {
		h.notFound(w, r)
		return
	}
	ctx := r.Context()
	mode, err := h.svc.RegistrationMode(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	usage, err := h.svc.InstanceUsage(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	software := map[string]string{"name": "parvis", "version": SoftwareVersion}
	if version == "2.1" {
		software["homepage"] = h.svc.BaseURL() + "/about"
	}
	doc := map[string]any{
		"version":           version,
		"software":          software,
		"protocols":         []string{"activitypub"},
		"services":          map[string][]string{"inbound": {}, "outbound": {}},
		"openRegistrations": mode == model.RegistrationOpen,
		"usage": map[string]any{
			"users":      map[string]int64{"total": usage.Users, "activeMonth": usage.ActiveMonth, "activeHalfyear": usage.ActiveHalfYear},
			"localPosts": usage.LocalPosts,
		},
		"metadata": map[string]any{"nodeName": h.svc.Config().Domain},
	}
	body, err := json.Marshal(doc)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	schema := nodeinfo21
	if version == "2.0" {
		schema = nodeinfo20
	}
	w.Header().Set("Content-Type", `application/json; profile="`+schema+`#"`)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(append(body, '\n'))
}

// preferences are the person's posting defaults in the shape of GET
// /api/v1/preferences.
func (h *Handler) preferences(w http.ResponseWriter, r *http.Request) {
	d, err := h.svc.PostingDefaults(r.Context(), actor(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, map[string]any{
		"posting:default:visibility": string(d.Privacy),
		"posting:default:sensitive":  d.Sensitive,
		"posting:default:language":   optString(d.Language),
		"reading:expand:media":       "default",
		"reading:expand:spoilers":    false,
	})
}
