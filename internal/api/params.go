package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"parvis/internal/model"
	"parvis/internal/social"
)

// form is a request's parameters, from the query and the body alike, as
// Mastodon reads them: a form (urlencoded or multipart) or a JSON object,
// flattened the way Rails names nested form fields ("source[privacy]",
// "media_ids[]").
type form struct {
	v     url.Values
	files map[string][]*multipart.FileHeader
}

// maxMultipartMemory is how much of a multipart body is held in memory;
// the rest goes to temporary files. The server caps the body itself.
const maxMultipartMemory = 8 << 20

// readForm parses a request's parameters. A malformed body is EINVALID,
// one over the server's limit ETOOLARGE.
func readForm(r *http.Request) (*form, error) {
	f := &form{v: url.Values{}}
	if r.Body != nil && r.Method != http.MethodGet && r.Method != http.MethodHead {
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch ct {
		case "application/json":
			if err := f.readJSON(r.Body); err != nil {
				return nil, err
			}
		case "multipart/form-data":
			if err := r.ParseMultipartForm(maxMultipartMemory); err != nil {
				return nil, bodyError(err, "the multipart body is malformed")
			}
			for k, vs := range r.MultipartForm.Value {
				f.v[k] = append(f.v[k], vs...)
			}
			f.files = r.MultipartForm.File
		case "application/x-www-form-urlencoded":
			if err := r.ParseForm(); err != nil {
				return nil, bodyError(err, "the form body is malformed")
			}
			for k, vs := range r.PostForm {
				f.v[k] = append(f.v[k], vs...)
			}
		}
	}
	for k, vs := range r.URL.Query() {
		if _, inBody := f.v[k]; !inBody {
			f.v[k] = vs
		}
	}
	return f, nil
}

func bodyError(err error, msg string) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return model.Errorf(model.ETOOLARGE, "the request body is too large")
	}
	return model.Errorf(model.EINVALID, "%s", msg)
}

// readJSON flattens a JSON object body into f.
func (f *form) readJSON(body io.Reader) error {
	data, err := io.ReadAll(body)
	if err != nil {
		return bodyError(err, "the request body could not be read")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return model.Errorf(model.EINVALID, "the request body is not a JSON object")
	}
	for k, v := range obj {
		if err := f.flatten(k, v, 0); err != nil {
			return err
		}
	}
	return nil
}

func (f *form) flatten(key string, v any, depth int) error {
	if depth > 4 {
		return model.Errorf(model.EINVALID, "the JSON body is nested too deeply")
	}
	switch x := v.(type) {
	case nil:
		// null means "not given", as Rails reads it.
	case string:
		f.v.Add(key, x)
	case json.Number:
		f.v.Add(key, x.String())
	case bool:
		f.v.Add(key, strconv.FormatBool(x))
	case []any:
		for i, e := range x {
			if _, nested := e.(map[string]any); nested {
				if err := f.flatten(fmt.Sprintf("%s[%d]", key, i), e, depth+1); err != nil {
					return err
				}
				continue
			}
			if err := f.flatten(key+"[]", e, depth+1); err != nil {
				return err
			}
		}
		if len(x) == 0 {
			// An empty array is given, and empty (media_ids: [] removes
			// the attachments of an edited post).
			f.v[key+"[]"] = append(f.v[key+"[]"], []string{}...)
		}
	case map[string]any:
		for k, e := range x {
			if err := f.flatten(key+"["+k+"]", e, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// has reports whether the parameter was given (possibly empty).
func (f *form) has(key string) bool {
	_, ok := f.v[key]
	_, okList := f.v[key+"[]"]
	return ok || okList
}

// str returns a parameter's value, "" when absent.
func (f *form) str(key string) string { return f.v.Get(key) }

// optStr returns a pointer to a parameter's value, nil when absent.
func (f *form) optStr(key string) *string {
	if _, ok := f.v[key]; !ok {
		return nil
	}
	s := f.v.Get(key)
	return &s
}

// list returns the values of an array parameter, named "key[]" or
// repeated "key".
func (f *form) list(key string) []string {
	var out []string
	out = append(out, f.v[key+"[]"]...)
	out = append(out, f.v[key]...)
	return out
}

// boolean reads a boolean parameter the way Rails does ("true", "1",
// "on"...); nil when absent or empty.
func (f *form) boolean(key string) (*bool, error) {
	s := strings.ToLower(strings.TrimSpace(f.v.Get(key)))
	var b bool
	switch s {
	case "":
		return nil, nil
	case "true", "1", "t", "on", "yes":
		b = true
	case "false", "0", "f", "off", "no":
		b = false
	default:
		return nil, model.Errorf(model.EINVALID, "%s must be true or false", key)
	}
	return &b, nil
}

// flag reads a boolean parameter with a default.
func (f *form) flag(key string, def bool) (bool, error) {
	b, err := f.boolean(key)
	if err != nil || b == nil {
		return def, err
	}
	return *b, nil
}

// id reads an id parameter: 0 when absent, EINVALID when malformed.
func (f *form) id(key string) (int64, error) {
	s := strings.TrimSpace(f.v.Get(key))
	if s == "" {
		return 0, nil
	}
	id, err := model.ParseID(s)
	if err != nil {
		return 0, model.Errorf(model.EINVALID, "%s: %s", key, model.ErrorMessage(err))
	}
	return id, nil
}

// ids reads an array of ids.
func (f *form) ids(key string) ([]int64, error) {
	var out []int64
	for _, s := range f.list(key) {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		id, err := model.ParseID(s)
		if err != nil {
			return nil, model.Errorf(model.EINVALID, "%s: %s", key, model.ErrorMessage(err))
		}
		out = append(out, id)
	}
	return out, nil
}

// integer reads a non-negative integer parameter with a default.
func (f *form) integer(key string, def int) (int, error) {
	s := strings.TrimSpace(f.v.Get(key))
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, model.Errorf(model.EINVALID, "%s must be a non-negative integer", key)
	}
	return n, nil
}

// pathID reads the {id} (or another named) segment of the path.
func pathID(r *http.Request, name string) (int64, error) {
	return model.ParseID(r.PathValue(name))
}

// Page sizes, as Mastodon has them: statuses 20 by default and at most 40;
// accounts 40 and 80; notifications 40 and 80.
const (
	statusesLimit, statusesMax           = 20, 40
	accountsLimit, accountsMax           = 40, 80
	notificationsLimit, notificationsMax = 40, 80
)

// page reads max_id, since_id, min_id and limit. A limit above max is
// lowered to max, as Mastodon does; a malformed value is EINVALID.
func (f *form) page(def, max int) (social.Page, error) {
	var p social.Page
	var err error
	if p.MaxID, err = f.id("max_id"); err != nil {
		return p, err
	}
	if p.SinceID, err = f.id("since_id"); err != nil {
		return p, err
	}
	if p.MinID, err = f.id("min_id"); err != nil {
		return p, err
	}
	p.Limit = def
	if s := strings.TrimSpace(f.v.Get("limit")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return p, model.Errorf(model.EINVALID, "limit must be a positive integer")
		}
		p.Limit = min(n, max)
	}
	return p, nil
}

// file opens an uploaded file, nil when the field is absent.
func (f *form) file(key string) (multipart.File, error) {
	fhs := f.files[key]
	if len(fhs) == 0 {
		return nil, nil
	}
	file, err := fhs[0].Open()
	if err != nil {
		return nil, model.Errorf(model.EINVALID, "the uploaded %s could not be read", key)
	}
	return file, nil
}

// parse reads the request's parameters or answers the error; it reports
// whether the handler may go on.
func (h *Handler) parse(w http.ResponseWriter, r *http.Request) (*form, bool) {
	f, err := readForm(r)
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	return f, true
}
