package loadtest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTopLevelIDsMatchesDecoding compares the load tool's quick pass with
// encoding/json on pages shaped like the API's: ids in nested accounts and
// boosts, awkward strings, indented and compact forms.
func TestTopLevelIDsMatchesDecoding(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	awkward := []string{`say "id": "x"`, `back\slash\`, `{"id":"1"}`, "line\nbreak", "é ☃", `]}[{`, ""}
	pick := func() string { return awkward[rng.IntN(len(awkward))] }
	for n := range 300 {
		var page []map[string]any
		for i := range rng.IntN(6) {
			s := map[string]any{
				"content": pick(),
				"account": map[string]any{"id": fmt.Sprint(rng.Int64()), "note": pick()},
				"tags":    []any{map[string]any{"id": "7", "name": pick()}},
				"reblog":  nil,
			}
			if rng.IntN(3) == 0 {
				s["reblog"] = map[string]any{"id": fmt.Sprint(rng.Int64()), "content": pick()}
			}
			if rng.IntN(5) != 0 { // an object without an id is skipped
				s["id"] = fmt.Sprintf("%d%d", n, i)
			}
			page = append(page, s)
		}
		var doc []byte
		var err error
		if n%2 == 0 {
			doc, err = json.Marshal(page)
		} else {
			doc, err = json.MarshalIndent(page, "", "  ")
		}
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		var decoded []struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(doc, &decoded); err != nil {
			t.Fatal(err)
		}
		for _, s := range decoded {
			if s.ID != "" {
				want = append(want, s.ID)
			}
		}
		var got []string
		topLevelIDs(doc, 1, func(id string) { got = append(got, id) })
		if !slices.Equal(got, want) {
			t.Fatalf("page %s: got ids %q, want %q", doc, got, want)
		}
		if len(page) > 0 {
			one, _ := json.Marshal(page[0])
			got = nil
			topLevelIDs(one, 0, func(id string) { got = append(got, id) })
			if want := decoded[0].ID; (want == "") != (len(got) == 0) || (len(got) > 0 && got[0] != want) || len(got) > 1 {
				t.Fatalf("status %s: got ids %q, want %q", one, got, want)
			}
		}
	}
}

func TestTopLevelIDsMalformed(t *testing.T) {
	for _, doc := range []string{``, `[`, `[{"id"`, `[{"id":`, `[{"id":"12`, `[{"id":12}]`, `"unclosed`, `[{"id":"5"},{"id":"6`} {
		var got []string
		topLevelIDs([]byte(doc), 1, func(id string) { got = append(got, id) })
		want := []string(nil)
		if doc == `[{"id":"5"},{"id":"6` {
			want = []string{"5"}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: got %q, want %q", doc, got, want)
		}
	}
}
