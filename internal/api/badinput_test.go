package api_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"

	"parvis/internal/server/servertest"
)

// multipartBody builds a multipart form with fields and one file.
func multipartBody(t *testing.T, fields map[string]string, fileField string, file []byte) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if fileField != "" {
		fw, err := mw.CreateFormFile(fileField, "upload.bin")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

// TestBadInput sends malformed and forbidden requests: each gets
// Mastodon's status code and a clear error, and nothing is half-written.
func TestBadInput(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	alice, bob := w.person("alice"), w.person("bob")
	readOnly := w.token("alice", "read")
	gone, err := alice.c.PostStatus(w.ctx, &mastodon.Toot{Status: "soon deleted"})
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.c.DeleteStatus(w.ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	bobsPost, err := bob.c.PostStatus(w.ctx, &mastodon.Toot{Status: "bob's"})
	if err != nil {
		t.Fatal(err)
	}
	bobsPic, err := bob.c.UploadMediaFromBytes(w.ctx, testPNG(t, 8, 8))
	if err != nil {
		t.Fatal(err)
	}
	var pics []string
	for range 5 {
		a, err := alice.c.UploadMediaFromBytes(w.ctx, testPNG(t, 8, 8))
		if err != nil {
			t.Fatal(err)
		}
		pics = append(pics, string(a.ID))
	}
	textFile, textType := multipartBody(t, nil, "file", []byte("just some text, not a picture"))
	huge := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 17<<20)...)
	hugeFile, hugeType := multipartBody(t, nil, "file", huge)
	noFile, noFileType := multipartBody(t, map[string]string{"description": "nothing attached"}, "", nil)
	badFocus, badFocusType := multipartBody(t, map[string]string{"focus": "left,up"}, "file", testPNG(t, 8, 8))
	status := func(v url.Values) url.Values {
		if !v.Has("status") {
			v.Set("status", "hello")
		}
		return v
	}

	cases := []struct {
		name, method, path, token string
		body                      any
		ctype                     string
		status                    int
		error                     string // a part of the error message
	}{
		{"text over 500 characters", "POST", "/api/v1/statuses", alice.token, status(url.Values{"status": {strings.Repeat("é", 501)}}), "", 422, "too long"},
		{"no text and no media", "POST", "/api/v1/statuses", alice.token, url.Values{"status": {"  "}}, "", 422, "can't be blank"},
		{"unknown visibility", "POST", "/api/v1/statuses", alice.token, status(url.Values{"visibility": {"everyone"}}), "", 422, "unknown visibility"},
		{"malformed in_reply_to_id", "POST", "/api/v1/statuses", alice.token, status(url.Values{"in_reply_to_id": {"12ab"}}), "", 400, "malformed id"},
		{"reply to a deleted post", "POST", "/api/v1/statuses", alice.token, status(url.Values{"in_reply_to_id": {string(gone.ID)}}), "", 404, "reply to does not exist"},
		{"malformed media id", "POST", "/api/v1/statuses", alice.token, status(url.Values{"media_ids[]": {"x"}}), "", 400, "malformed id"},
		{"someone else's attachment", "POST", "/api/v1/statuses", alice.token, status(url.Values{"media_ids[]": {string(bobsPic.ID)}}), "", 422, "does not exist"},
		{"five attachments", "POST", "/api/v1/statuses", alice.token, status(url.Values{"media_ids[]": pics}), "", 422, "at most 4"},
		{"a poll", "POST", "/api/v1/statuses", alice.token, status(url.Values{"poll[options][]": {"yes", "no"}}), "", 422, "polls are not supported"},
		{"not a boolean", "POST", "/api/v1/statuses", alice.token, status(url.Values{"sensitive": {"maybe"}}), "", 400, "true or false"},
		{"malformed JSON", "POST", "/api/v1/statuses", alice.token, `{"status": "hi"`, "application/json", 400, "not a JSON object"},
		{"JSON array", "POST", "/api/v1/statuses", alice.token, `["hi"]`, "application/json", 400, "not a JSON object"},
		{"JSON wrong type", "POST", "/api/v1/statuses", alice.token, `{"status": "hi", "media_ids": "x"}`, "application/json", 400, "malformed id"},
		{"malformed status id", "GET", "/api/v1/statuses/abc", "", nil, "", 400, "malformed id"},
		{"negative status id", "GET", "/api/v1/statuses/-5", "", nil, "", 400, "malformed id"},
		{"id beyond 64 bits", "GET", "/api/v1/statuses/99999999999999999999", "", nil, "", 400, "malformed id"},
		{"unknown status", "GET", "/api/v1/statuses/12345", "", nil, "", 404, "Record not found"},
		{"unknown account", "GET", "/api/v1/accounts/12345", "", nil, "", 404, "Record not found"},
		{"unknown notification", "GET", "/api/v1/notifications/12345", alice.token, nil, "", 404, "Record not found"},
		{"favourite an unknown status", "POST", "/api/v1/statuses/12345/favourite", alice.token, nil, "", 404, "Record not found"},
		{"limit=abc", "GET", "/api/v1/timelines/public?limit=abc", "", nil, "", 400, "limit"},
		{"limit=0", "GET", "/api/v1/timelines/public?limit=0", "", nil, "", 400, "limit"},
		{"max_id=abc", "GET", "/api/v1/timelines/public?max_id=abc", "", nil, "", 400, "max_id"},
		{"since_id=1.5", "GET", "/api/v1/accounts/" + string(alice.id) + "/statuses?since_id=1.5", "", nil, "", 400, "since_id"},
		{"min_id on followers", "GET", "/api/v1/accounts/" + string(alice.id) + "/followers?min_id=-1", "", nil, "", 400, "min_id"},
		{"malformed relationship id", "GET", "/api/v1/accounts/relationships?id[]=me", alice.token, nil, "", 400, "malformed id"},
		{"unknown media type", "POST", "/api/v2/media", alice.token, textFile, textType, 422, "unsupported file type"},
		{"oversized media", "POST", "/api/v2/media", alice.token, hugeFile, hugeType, 422, "too large"},
		{"no file", "POST", "/api/v2/media", alice.token, noFile, noFileType, 422, "file can't be blank"},
		{"malformed focus", "POST", "/api/v2/media", alice.token, badFocus, badFocusType, 400, "focus"},
		{"read-only token posting", "POST", "/api/v1/statuses", readOnly, status(url.Values{}), "", 403, "outside the authorized scopes"},
		{"no token", "POST", "/api/v1/statuses", "", status(url.Values{}), "", 401, "The access token is invalid"},
		{"wrong token on a public endpoint", "GET", "/api/v1/timelines/public", "wrong", nil, "", 401, "The access token is invalid"},
		{"no reading position", "POST", "/api/v1/markers", alice.token, url.Values{}, "", 400, "last_read_id"},
		{"unknown timeline marker", "POST", "/api/v1/markers", alice.token, `{"home": {"last_read_id": "x"}}`, "application/json", 400, "malformed id"},
		{"negative mute duration", "POST", "/api/v1/accounts/" + string(bob.id) + "/mute", alice.token, url.Values{"duration": {"-1"}}, "", 400, "duration"},
		{"follow oneself", "POST", "/api/v1/accounts/" + string(alice.id) + "/follow", alice.token, nil, "", 422, "yourself"},
		{"search without q", "GET", "/api/v2/search", alice.token, nil, "", 400, "q is required"},
		{"search of an unknown type", "GET", "/api/v2/search?q=x&type=planets", alice.token, nil, "", 422, "unknown search type"},
		{"app without a name", "POST", "/api/v1/apps", "", url.Values{"redirect_uris": {"urn:ietf:wg:oauth:2.0:oob"}}, "", 422, "client_name"},
		{"app redirecting to javascript:", "POST", "/api/v1/apps", "", url.Values{"client_name": {"x"}, "redirect_uris": {"javascript:alert(1)"}}, "", 422, "not an absolute URI"},
		{"app with an unknown scope", "POST", "/api/v1/apps", "", url.Values{"client_name": {"x"}, "redirect_uris": {"urn:ietf:wg:oauth:2.0:oob"}, "scopes": {"read all"}}, "", 422, "unknown scope"},
		{"display name too long", "PATCH", "/api/v1/accounts/update_credentials", alice.token, url.Values{"display_name": {strings.Repeat("a", 101)}}, "", 422, "display name"},
		{"avatar that is not a picture", "PATCH", "/api/v1/accounts/update_credentials", alice.token, url.Values{"avatar": {"data:image/png;base64,aGVsbG8="}}, "", 422, "unsupported file type"},
		{"avatar that is not base64", "PATCH", "/api/v1/accounts/update_credentials", alice.token, url.Values{"avatar": {"data:image/png;base64,!!"}}, "", 422, "base64"},
		{"unknown default visibility", "PATCH", "/api/v1/accounts/update_credentials", alice.token, url.Values{"source[privacy]": {"secret"}}, "", 422, "unknown visibility"},
		{"edit someone else's post", "PUT", "/api/v1/statuses/" + string(bobsPost.ID), alice.token, status(url.Values{}), "", 404, "Record not found"},
		{"unknown route", "GET", "/api/v1/nothing/here", "", nil, "", 404, "Record not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := w.call(tc.method, tc.path, tc.token, tc.body, tc.ctype)
			if r.status != tc.status {
				t.Fatalf("got %d %s, want %d", r.status, r.body, tc.status)
			}
			if msg := r.errorText(t); !strings.Contains(msg, tc.error) {
				t.Errorf("error: got %q, want it to mention %q", msg, tc.error)
			}
		})
	}

	// Nothing was written by the refused requests.
	me, err := alice.c.GetAccountCurrentUser(w.ctx)
	if err != nil || me.StatusesCount != 0 || me.DisplayName != "" || strings.Contains(me.Avatar, "/media/") {
		t.Errorf("alice after refused requests: got %d statuses, name %q, avatar %q (%v), want nothing changed",
			me.StatusesCount, me.DisplayName, me.Avatar, err)
	}
	for _, id := range pics {
		r := w.call("GET", "/api/v1/media/"+id, alice.token, nil, "")
		var m struct{ ID string }
		r.json(t, &m)
		if r.status != http.StatusOK || m.ID != id {
			t.Errorf("attachment %s after refused posts: got %d %s", id, r.status, r.body)
		}
	}
	// The limit is 500 characters: 500 pass.
	if r := w.call("POST", "/api/v1/statuses", alice.token, url.Values{"status": {strings.Repeat("é", 500)}}, ""); r.status != http.StatusOK {
		t.Errorf("500 characters: got %d %s, want 200", r.status, r.body)
	}
	// A limit over the maximum is lowered, not refused.
	if r := w.call("GET", "/api/v1/timelines/public?limit=1000", "", nil, ""); r.status != http.StatusOK {
		t.Errorf("limit=1000: got %d %s, want 200", r.status, r.body)
	}
}
