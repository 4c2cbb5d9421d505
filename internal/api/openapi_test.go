package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi-validator/config"
	validationerrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"
	"github.com/pb33f/libopenapi-validator/radix"
	"github.com/pb33f/libopenapi-validator/responses"

	"parvis/internal/server/servertest"
	"parvis/internal/testshared"
)

// schemaValidator returns the response validator, loading the schema the
// first time (testshared skips the test when shared/ is absent, and fails
// it in CI).
func schemaValidator(t *testing.T) responses.ResponseBodyValidator {
	t.Helper()
	path := testshared.Path(t, schemaPath)
	v, err := loadValidator(path)
	if err != nil {
		t.Fatalf("load the Mastodon OpenAPI description: %v", err)
	}
	return v
}

// validatorOnce holds the Mastodon OpenAPI description, loaded once per
// test binary: it takes a tenth of a second and tens of MiB, and every
// scenario shares it.
var validatorOnce = struct {
	sync.Once
	v   responses.ResponseBodyValidator
	err error
}{}

func loadValidator(path string) (responses.ResponseBodyValidator, error) {
	validatorOnce.Do(func() {
		data, err := os.ReadFile(path)
		if err != nil {
			validatorOnce.err = err
			return
		}
		data, err = patchSchema(data)
		if err != nil {
			validatorOnce.err = err
			return
		}
		doc, err := libopenapi.NewDocument(data)
		if err != nil {
			validatorOnce.err = err
			return
		}
		m, err := doc.BuildV3Model()
		if err != nil {
			validatorOnce.err = err
			return
		}
		validatorOnce.v = responses.NewResponseBodyValidator(&m.Model, config.WithPathTree(radix.BuildPathTree(&m.Model)))
	})
	return validatorOnce.v, validatorOnce.err
}

// patchSchema fixes the description's two known bugs before loading it
// (shared/docs/OPENAPI-VALIDATION.md): a oneOf whose object branches both
// match any quote, and "$ref" beside a nullable type, which rejects null.
// Both become anyOf.
func patchSchema(data []byte) ([]byte, error) {
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse schema: %w", err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if one, ok := x["oneOf"].([]any); ok && refsQuote(one) {
				delete(x, "oneOf")
				x["anyOf"] = one
			}
			if ref, ok := x["$ref"]; ok {
				if types, ok := x["type"].([]any); ok && containsNull(types) {
					delete(x, "$ref")
					delete(x, "type")
					x["anyOf"] = []any{map[string]any{"$ref": ref}, map[string]any{"type": "null"}}
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(doc)
	return json.Marshal(doc)
}

func refsQuote(branches []any) bool {
	for _, b := range branches {
		if m, ok := b.(map[string]any); ok && m["$ref"] == "#/components/schemas/ShallowQuote" {
			return true
		}
	}
	return false
}

func containsNull(types []any) bool {
	for _, t := range types {
		if t == "null" {
			return true
		}
	}
	return false
}

// validatingTransport checks every JSON response against the Mastodon
// OpenAPI description. Failures are collected and reported when the test
// ends, because streaming clients make requests from their own goroutines.
type validatingTransport struct {
	next http.RoundTripper
	v    responses.ResponseBodyValidator
	mu   sync.Mutex
	errs []string
	n    int  // responses validated
	on   bool // whether the schema was loaded (v is dropped when the test ends)
}

// schemaPath is where the Mastodon OpenAPI description is, inside
// ../shared.
const schemaPath = "mastodon-openapi/schema.json"

// schemaIfShared returns the validator when the description is there. The
// client scenarios still run without it (they check behaviour on their
// own), with validation off and a line in the log saying so; with
// PARVIS_REQUIRE_SHARED set (CI) its absence fails the test.
func schemaIfShared(t *testing.T) responses.ResponseBodyValidator {
	t.Helper()
	if dir := testshared.Dir(); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, schemaPath)); err == nil {
			return schemaValidator(t)
		}
	}
	if os.Getenv("PARVIS_REQUIRE_SHARED") != "" {
		return schemaValidator(t) // fails, saying why
	}
	t.Logf("responses NOT validated against the Mastodon OpenAPI description: ../shared/%s not found "+
		"(TestSchemaValidatorCatchesMistakes is skipped for the same reason)", schemaPath)
	return nil
}

// validating wraps a client's transport; the test fails at its end if a
// response did not match the schema.
func validating(t *testing.T, c *http.Client) *validatingTransport {
	t.Helper()
	vt := &validatingTransport{next: http.DefaultTransport, v: schemaIfShared(t)}
	vt.on = vt.v != nil
	if c.Transport != nil {
		vt.next = c.Transport
	}
	c.Transport = vt
	t.Cleanup(func() {
		vt.mu.Lock()
		defer vt.mu.Unlock()
		for _, e := range vt.errs {
			t.Error(e)
		}
		vt.errs = nil
		vt.v = nil
	})
	return vt
}

func (vt *validatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := vt.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ct != "application/json" || strings.HasPrefix(req.URL.Path, "/api/v1/streaming") || !mastodonPath(req.URL.Path) {
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	check := *resp
	check.Body = io.NopCloser(bytes.NewReader(body))
	vt.check(req, &check, body, fmt.Sprintf("%s %s → %d", req.Method, req.URL.Path, resp.StatusCode))
	return resp, nil
}

// check validates one response body and records what is wrong with it.
func (vt *validatingTransport) check(req *http.Request, resp *http.Response, body []byte, what string) {
	vt.mu.Lock()
	defer vt.mu.Unlock()
	if vt.v == nil {
		return
	}
	vt.n++
	if ok, errs := vt.v.ValidateResponseBody(req, resp); !ok {
		errs = slices.DeleteFunc(errs, func(e *validationerrors.ValidationError) bool {
			// Mastodon answers some errors (403 for a scope, 400 for a
			// malformed parameter) on operations whose description omits
			// them, and 404 on paths it does not have at all; such an
			// answer must still be an Error entity.
			undocumented := e.ValidationSubType == helpers.ResponseBodyResponseCode ||
				(e.ValidationType == helpers.PathValidation && resp.StatusCode == http.StatusNotFound)
			return undocumented && resp.StatusCode >= 400 && isErrorEntity(body)
		})
		if len(errs) == 0 {
			return
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s does not match the Mastodon API schema:", what)
		for _, e := range errs {
			fmt.Fprintf(&b, "\n  %s: %s", e.Message, e.Reason)
			for _, se := range e.SchemaValidationErrors {
				fmt.Fprintf(&b, "\n    %s %s", se.FieldPath, se.Reason)
			}
		}
		fmt.Fprintf(&b, "\n  body: %.600s", body)
		vt.errs = append(vt.errs, b.String())
	}
}

// mastodonPath reports whether path belongs to the Mastodon API, which the
// description covers (NodeInfo and Parvis's own /api/parvis/ do not).
func mastodonPath(path string) bool {
	return (strings.HasPrefix(path, "/api/v1/") || strings.HasPrefix(path, "/api/v2/") || strings.HasPrefix(path, "/oauth/")) &&
		!strings.HasPrefix(path, "/api/parvis/")
}

// validatePayload checks a streamed event's payload: an update is the
// Status entity, a notification the Notification entity, as the REST API
// answers them (GET /api/v1/statuses/{id} and /api/v1/notifications/{id}).
// Other events (delete carries a bare id) are not entities.
func (vt *validatingTransport) validatePayload(event, payload string) {
	var path string
	switch event {
	case "update", "status.update":
		path = "/api/v1/statuses/1"
	case "notification":
		path = "/api/v1/notifications/1"
	default:
		return
	}
	req, _ := http.NewRequest("GET", "http://parvis.test"+path, nil)
	resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(payload)), Request: req}
	vt.check(req, resp, []byte(payload), "streamed "+event)
}

// validated returns how many responses were checked.
func (vt *validatingTransport) validated() int {
	vt.mu.Lock()
	defer vt.mu.Unlock()
	return vt.n
}

// isErrorEntity reports whether body is Mastodon's Error entity: an object
// with a non-empty "error" string.
func isErrorEntity(body []byte) bool {
	var e struct {
		Error string `json:"error"`
	}
	return json.Unmarshal(body, &e) == nil && e.Error != ""
}

// stubTransport answers every request with one canned JSON body.
type stubTransport struct {
	status int
	body   string
}

func (s stubTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: s.status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(s.body)), Request: req}, nil
}

// TestSchemaValidatorCatchesMistakes makes sure the validation of the
// other tests is not vacuous: wrong answers are reported.
func TestSchemaValidatorCatchesMistakes(t *testing.T) {
	v := schemaValidator(t) // skips without ../shared
	cases := []struct {
		name, path string
		status     int
		body       string
		wantErr    bool
	}{
		{"status without account", "/api/v1/statuses/1", 200, `{"id":"1","content":""}`, true},
		{"count as a string", "/api/v1/notifications/unread_count", 200, `{"count":"3"}`, true},
		{"number where a string or null goes", "/api/v1/markers", 200, `{"home":{"last_read_id":5,"version":1,"updated_at":"2024-01-01T00:00:00.000Z"}}`, true},
		{"error without its message", "/api/v1/statuses/1", 404, `{"message":"gone"}`, true},
		{"undocumented 403 with an error", "/api/v1/statuses", 403, `{"error":"This action is outside the authorized scopes"}`, false},
		{"right count", "/api/v1/notifications/unread_count", 200, `{"count":3}`, false},
		{"422 without details", "/api/v1/timelines/home", 422, `{"error":"Validation failed"}`, true},
		{"422 with details", "/api/v1/timelines/home", 422, `{"error":"Validation failed","details":{}}`, false},
		{"404 on a path Mastodon lacks", "/api/v1/nowhere", 404, `{"error":"Record not found"}`, false},
		{"200 on a path Mastodon lacks", "/api/v1/nowhere", 200, `{"error":"Record not found"}`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vt := &validatingTransport{next: stubTransport{tc.status, tc.body}, v: v}
			req, _ := http.NewRequest("GET", "http://parvis.test"+tc.path, nil)
			if strings.HasSuffix(tc.path, "/statuses") {
				req.Method = "POST"
			}
			if _, err := vt.RoundTrip(req); err != nil {
				t.Fatal(err)
			}
			if got := len(vt.errs) > 0; got != tc.wantErr {
				t.Errorf("reported %v, want %v: %v", got, tc.wantErr, vt.errs)
			}
		})
	}
}

// TestSchemaCatchesBrokenEntities takes a status the server answered, which
// validates, and breaks one thing at a time: each broken copy must be
// reported.
func TestSchemaCatchesBrokenEntities(t *testing.T) {
	v := schemaValidator(t) // skips without ../shared
	w := newWorld(t, servertest.Options{})
	alice := w.person("alice")
	r := w.call("POST", "/api/v1/statuses", alice.token, url.Values{"status": {"a #tagged post for @alice"}}, "")
	if r.status != http.StatusOK {
		t.Fatalf("post: got %d %s", r.status, r.body)
	}
	check := func(body []byte) []string {
		vt := &validatingTransport{next: stubTransport{200, string(body)}, v: v}
		req, _ := http.NewRequest("GET", w.env.URL+"/api/v1/statuses/1", nil)
		if _, err := vt.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
		return vt.errs
	}
	if errs := check(r.body); len(errs) != 0 {
		t.Fatalf("the server's own status does not validate: %v", errs)
	}
	breaks := []struct {
		name  string
		spoil func(s map[string]any)
	}{
		{"id as a number", func(s map[string]any) { s["id"] = 12345 }},
		{"no account", func(s map[string]any) { delete(s, "account") }},
		{"favourites_count as a string", func(s map[string]any) { s["favourites_count"] = "3" }},
		{"unknown visibility", func(s map[string]any) { s["visibility"] = "everyone" }},
		{"account without username", func(s map[string]any) { delete(s["account"].(map[string]any), "username") }},
		{"tags as an object", func(s map[string]any) { s["tags"] = map[string]any{"name": "tagged"} }},
		{"in_reply_to_id as a number", func(s map[string]any) { s["in_reply_to_id"] = 7 }},
	}
	for _, b := range breaks {
		t.Run(b.name, func(t *testing.T) {
			var s map[string]any
			if err := json.Unmarshal(r.body, &s); err != nil {
				t.Fatal(err)
			}
			b.spoil(s)
			body, _ := json.Marshal(s)
			if errs := check(body); len(errs) == 0 {
				t.Errorf("a status with %s passed the validator", b.name)
			}
		})
	}
}
