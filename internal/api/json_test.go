package api

import (
	"bytes"
	stdjson "encoding/json"
	"math"
	"reflect"
	"testing"
)

// The API encodes with goccy/go-json for speed (errors.go); clients must
// get the bytes encoding/json would have written. Every entity the API
// writes is filled, field by field, with the same awkward values and
// encoded both ways.

// apiEntities are the types the API writes.
var apiEntities = []any{
	Conversation{}, Emoji{}, Field{}, AccountRole{}, Account{}, Source{}, Role{}, CredentialAccount{},
	MetaDetails{}, Focus{}, MediaMeta{}, MediaAttachment{}, PreviewCardAuthor{}, PreviewCard{}, Mention{},
	StatusTag{}, StatusApplication{}, Status{}, TagHistory{}, Tag{}, Relationship{}, Notification{},
	Application{}, CredentialApplication{}, Marker{}, Token{}, Community{}, Member{}, Ban{}, LogEntry{},
	ParvisReport{}, ConnectionState{}, ConnectionRequest{}, Introduction{}, InboxItem{}, ResponseStats{},
	Report{}, Search{}, Context{}, StatusEdit{}, StatusSource{}, Suggestion{}, errorBody{},
	map[string]any{}, []Status{},
}

// fillValue sets every field reachable from v (pointers allocated, one
// element in slices and maps, nested entities two levels deep) to s, f,
// n and b.
func fillValue(v reflect.Value, s string, f float64, n int64, b bool, depth int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(f)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(n))
	case reflect.Bool:
		v.SetBool(b)
	case reflect.Pointer:
		if depth > 2 {
			return
		}
		p := reflect.New(v.Type().Elem())
		fillValue(p.Elem(), s, f, n, b, depth+1)
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillValue(v.Field(i), s, f, n, b, depth)
			}
		}
	case reflect.Slice:
		if depth > 2 {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			return
		}
		sl := reflect.MakeSlice(v.Type(), 1, 1)
		fillValue(sl.Index(0), s, f, n, b, depth+1)
		v.Set(sl)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		if v.Type().Key().Kind() == reflect.String {
			for _, k := range []string{s, "b", "a"} {
				e := reflect.New(v.Type().Elem()).Elem()
				if e.Kind() == reflect.Interface {
					e.Set(reflect.ValueOf([]any{s, f, n, b, nil, map[string]any{"k": s}}))
				} else {
					fillValue(e, s, f, n, b, depth+1)
				}
				m.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), e)
			}
		}
		v.Set(m)
	case reflect.Interface:
		v.Set(reflect.ValueOf(s))
	}
}

func standardJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := stdjson.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return b.Bytes(), err
}

func checkSameJSON(t *testing.T, s string, f float64, n int64, b bool) {
	t.Helper()
	for _, e := range apiEntities {
		for _, empty := range []bool{true, false} {
			v := reflect.New(reflect.TypeOf(e)).Elem()
			if !empty {
				fillValue(v, s, f, n, b, 0)
			}
			want, wantErr := standardJSON(v.Interface())
			var got bytes.Buffer
			gotErr := encodeJSON(&got, v.Interface())
			if (wantErr != nil) != (gotErr != nil) {
				t.Fatalf("%T with %q %v: encoding/json error %v, ours %v", e, s, f, wantErr, gotErr)
			}
			if wantErr == nil && !bytes.Equal(want, got.Bytes()) {
				t.Fatalf("%T with %q %v %d differs:\nencoding/json: %s\nours:          %s", e, s, f, n, want, got.Bytes())
			}
		}
	}
}

var awkwardStrings = []string{
	"", "plain", `<p>Le parvis &amp; "la" place</p>`, "line\nbreak\ttab\r\x00\x1f\x7f",
	"back\\slash/slash", "\u2028\u2029", "é à ç 🙂 日本", "\xff\xfeinvalid\xc3", "\ufffd", "<script>alert(1)</script>",
	"a\u0080b\u00a0c", "\U0010ffff",
}

var awkwardFloats = []float64{0, 1, -1, 0.5, 1.0 / 3, 16.0 / 9, 1e20, 1e21, 1e-6, 1e-7, -0.0, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64}

func TestJSONEncoderMatchesStandard(t *testing.T) {
	for i, s := range awkwardStrings {
		checkSameJSON(t, s, awkwardFloats[i%len(awkwardFloats)], int64(i)*-987654321, i%2 == 0)
	}
	for i, f := range awkwardFloats {
		checkSameJSON(t, "x", f, math.MaxInt64-int64(i), true)
	}
	// What neither can encode fails on both.
	checkSameJSON(t, "nan", math.NaN(), 0, false)
	checkSameJSON(t, "inf", math.Inf(1), 0, false)
}

func FuzzJSONEncoderMatchesStandard(f *testing.F) {
	for i, s := range awkwardStrings {
		f.Add(s, awkwardFloats[i%len(awkwardFloats)], int64(i), i%2 == 0)
	}
	f.Fuzz(func(t *testing.T, s string, fl float64, n int64, b bool) {
		checkSameJSON(t, s, fl, n, b)
	})
}
