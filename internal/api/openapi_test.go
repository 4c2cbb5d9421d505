package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
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

	"parvis/internal/testshared"
)

// schemaValidator returns the response validator, loading the schema the
// first time (testshared skips the test when shared/ is absent, and fails
// it in CI).
func schemaValidator(t *testing.T) responses.ResponseBodyValidator {
	t.Helper()
	path := testshared.Path(t, "mastodon-openapi/schema.json")
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
	n    int // responses validated
}

// validating wraps a client's transport; the test fails at its end if a
// response did not match the schema.
func validating(t *testing.T, c *http.Client) *validatingTransport {
	t.Helper()
	vt := &validatingTransport{next: http.DefaultTransport, v: schemaValidator(t)}
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
	if ct != "application/json" || strings.HasPrefix(req.URL.Path, "/api/v1/streaming") {
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
	vt.mu.Lock()
	defer vt.mu.Unlock()
	if vt.v == nil {
		return resp, nil
	}
	vt.n++
	if ok, errs := vt.v.ValidateResponseBody(req, &check); !ok {
		errs = slices.DeleteFunc(errs, func(e *validationerrors.ValidationError) bool {
			// Mastodon answers some errors (403 for a scope, 400 for a
			// malformed parameter) on operations whose description omits
			// them; such an answer must still be an Error entity.
			return e.ValidationSubType == helpers.ResponseBodyResponseCode && resp.StatusCode >= 400 && isErrorEntity(body)
		})
		if len(errs) == 0 {
			return resp, nil
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s → %d does not match the Mastodon API schema:", req.Method, req.URL.Path, resp.StatusCode)
		for _, e := range errs {
			fmt.Fprintf(&b, "\n  %s: %s", e.Message, e.Reason)
			for _, se := range e.SchemaValidationErrors {
				fmt.Fprintf(&b, "\n    %s %s", se.FieldPath, se.Reason)
			}
		}
		fmt.Fprintf(&b, "\n  body: %.600s", body)
		vt.errs = append(vt.errs, b.String())
	}
	return resp, nil
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
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vt := &validatingTransport{next: stubTransport{tc.status, tc.body}, v: schemaValidator(t)}
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
