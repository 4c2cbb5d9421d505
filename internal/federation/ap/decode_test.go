package ap_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parvis/internal/federation/ap"
)

func TestDecodeTolerates(t *testing.T) {
	tests := []struct {
		name  string
		json  string
		check func(t *testing.T, o *ap.Object)
	}{
		{"context as a string", `{"@context":"https://www.w3.org/ns/activitystreams","type":"Note"}`, func(t *testing.T, o *ap.Object) {
			eq(t, "context", string(o.Context), `"https://www.w3.org/ns/activitystreams"`)
		}},
		{"context as an object", `{"@context":{"@vocab":"https://www.w3.org/ns/activitystreams"},"type":"Note"}`, func(t *testing.T, o *ap.Object) {
			eq(t, "context", string(o.Context), `{"@vocab":"https://www.w3.org/ns/activitystreams"}`)
		}},
		{"attributedTo as an array of objects (PeerTube)", `{"type":"Video","attributedTo":[{"type":"Person","id":"https://tube.example/accounts/eve"},{"type":"Group","id":"https://tube.example/video-channels/bakes"}]}`, func(t *testing.T, o *ap.Object) {
			eq(t, "attributedTo", strings.Join(o.AttributedTo.IRIs(), " "), "https://tube.example/accounts/eve https://tube.example/video-channels/bakes")
			eq(t, "channel type", o.AttributedTo[1].Object.Type, ap.TypeGroup)
		}},
		{"type as an array", `{"type":["toot:Emoji","Emoji"]}`, func(t *testing.T, o *ap.Object) {
			eq(t, "type", o.Type, ap.TypeEmoji)
		}},
		{"unknown type kept", `{"type":"ChatMessage"}`, func(t *testing.T, o *ap.Object) {
			eq(t, "type", o.Type, ap.Type("ChatMessage"))
		}},
		{"nulls and empty strings in arrays dropped", `{"type":"Note","to":[null,"https://www.w3.org/ns/activitystreams#Public",""],"cc":null}`, func(t *testing.T, o *ap.Object) {
			eq(t, "to", strings.Join(o.To.IRIs(), " "), ap.Public)
			eq(t, "cc", len(o.Cc), 0)
		}},
		{"single-valued property given as an array", `{"type":"Note","inReplyTo":["https://a.example/1","https://a.example/2"]}`, func(t *testing.T, o *ap.Object) {
			eq(t, "inReplyTo", o.InReplyTo.IRI(), "https://a.example/1")
		}},
		{"embedded actor", `{"type":"Like","actor":{"type":"Person","id":"https://a.example/u/x"},"object":"https://b.example/1"}`, func(t *testing.T, o *ap.Object) {
			eq(t, "actor", o.ActorID(), "https://a.example/u/x")
		}},
		{"url as Link objects", `{"type":"Video","url":[{"type":"Link","mediaType":"text/html","href":"https://tube.example/w/1"},{"type":"Link","mediaType":"video/mp4","href":"https://tube.example/1.mp4"}]}`, func(t *testing.T, o *ap.Object) {
			eq(t, "url", strings.Join(o.URL.IRIs(), " "), "https://tube.example/w/1 https://tube.example/1.mp4")
		}},
		{"language as a bare tag", `{"type":"Note","language":"fr"}`, func(t *testing.T, o *ap.Object) {
			eq(t, "lang", o.Lang(), "fr")
		}},
		{"flag with several objects", `{"type":"Flag","actor":"https://a.example/actor","object":["https://b.example/u/x","https://b.example/s/1"],"content":"spam"}`, func(t *testing.T, o *ap.Object) {
			eq(t, "objects", strings.Join(o.Object.IRIs(), " "), "https://b.example/u/x https://b.example/s/1")
			eq(t, "ObjectID", o.ObjectID(), "https://b.example/u/x")
		}},
		{"question", `{"type":"Question","oneOf":[{"type":"Note","name":"rye","replies":{"type":"Collection","totalItems":3}},{"type":"Note","name":"spelt","replies":{"type":"Collection","totalItems":5}}],"endTime":"2024-09-01T00:00:00Z","votersCount":8,"closed":"2024-09-01T00:00:00Z"}`, func(t *testing.T, o *ap.Object) {
			eq(t, "options", len(o.OneOf), 2)
			eq(t, "votes", *o.OneOf[1].Object.Replies.Object.TotalItems, 5)
			eq(t, "voters", o.VotersCount, 8)
		}},
		{"ordered collection page", `{"type":"OrderedCollectionPage","partOf":"https://a.example/outbox","next":"https://a.example/outbox?page=2","orderedItems":[{"type":"Announce","id":"https://a.example/a/1","object":"https://b.example/1"},"https://a.example/a/2"]}`, func(t *testing.T, o *ap.Object) {
			eq(t, "collection", o.Type.IsCollection(), true)
			eq(t, "items", strings.Join(o.OrderedItems.IRIs(), " "), "https://a.example/a/1 https://a.example/a/2")
		}},
		{"extensions ignored", `{"type":"Note","_misskey_content":"x","_misskey_quote":"https://m.example/notes/1","quoteUrl":"https://m.example/notes/1","interactionPolicy":{"canLike":{"always":[]}}}`, func(t *testing.T, o *ap.Object) {
			eq(t, "type", o.Type, ap.TypeNote)
		}},
		{"white space around values", " \n{ \"type\" : \"Note\" , \"to\" : \"Public\" }\n", func(t *testing.T, o *ap.Object) {
			eq(t, "public", o.IsPublic(), true)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ap.Decode([]byte(tt.json))
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			tt.check(t, o)
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	deep := strings.Repeat(`{"type":"Note","inReplyTo":`, ap.MaxDepth+1) + `"x"` + strings.Repeat("}", ap.MaxDepth+1)
	long := `{"type":"Note","to":[` + strings.Repeat(`"x",`, ap.MaxArrayLen) + `"x"]}`
	large := `{"type":"Note","content":"` + strings.Repeat("a", ap.MaxBodyBytes) + `"}`
	tests := []struct {
		name string
		json string
		want error
	}{
		{"empty", "", ap.ErrInvalid},
		{"not JSON", "type: Note", ap.ErrInvalid},
		{"truncated", `{"type":"Note"`, ap.ErrInvalid},
		{"array at top level", `[{"type":"Note"}]`, ap.ErrInvalid},
		{"string at top level", `"Note"`, ap.ErrInvalid},
		{"no type", `{"id":"https://a.example/1"}`, ap.ErrInvalid},
		{"number as IRI", `{"type":"Note","to":5}`, ap.ErrInvalid},
		{"boolean as object", `{"type":"Like","object":true}`, ap.ErrInvalid},
		{"type of numbers", `{"type":[1,2]}`, ap.ErrInvalid},
		{"bad context", `{"@context":5,"type":"Note"}`, ap.ErrInvalid},
		{"bad date", `{"type":"Note","published":"yesterday"}`, ap.ErrInvalid},
		{"bad language", `{"type":"Note","language":3}`, ap.ErrInvalid},
		{"too deep", deep, ap.ErrTooDeep},
		{"too deep in arrays", `{"type":"Note","x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, ap.ErrTooDeep},
		{"array too long", long, ap.ErrTooManyItems},
		{"too large", large, ap.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ap.Decode([]byte(tt.json))
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, %v; want %v", o, err, tt.want)
			}
		})
	}
}

func TestDecodeLimitsAtTheEdge(t *testing.T) {
	// Exactly at each limit is accepted.
	deep := strings.Repeat(`{"type":"Note","inReplyTo":`, ap.MaxDepth-1) + `{"type":"Note"}` + strings.Repeat("}", ap.MaxDepth-1)
	long := `{"type":"Note","to":[` + strings.Repeat(`"x",`, ap.MaxArrayLen-1) + `"x"]}`
	for name, doc := range map[string]string{"depth": deep, "array": long} {
		if _, err := ap.Decode([]byte(doc)); err != nil {
			t.Errorf("%s at the limit: got %v, want nil", name, err)
		}
	}
	// Brackets inside strings are not structure.
	if _, err := ap.Decode([]byte(`{"type":"Note","content":"` + strings.Repeat("[{", 100) + `\"]"}`)); err != nil {
		t.Errorf("brackets in a string: got %v, want nil", err)
	}
	// Custom limits.
	l := ap.Limits{MaxBytes: 64, MaxDepth: 2, MaxArrayLen: 2}
	for doc, want := range map[string]error{
		`{"type":"Note","to":["a","b"]}`:                              nil,
		`{"type":"Note","to":["a","b","c"]}`:                          ap.ErrTooManyItems,
		`{"type":"Note","inReplyTo":{"type":"Note","to":[]}}`:         ap.ErrTooDeep,
		`{"type":"Note","content":"` + strings.Repeat("a", 64) + `"}`: ap.ErrTooLarge,
	} {
		if _, err := l.Decode([]byte(doc)); !errors.Is(err, want) && !(want == nil && err == nil) {
			t.Errorf("Limits%+v.Decode(%.40s): got %v, want %v", l, doc, err, want)
		}
	}
}

func TestReadBody(t *testing.T) {
	b, err := ap.ReadBody(strings.NewReader(`{"type":"Note"}`))
	if err != nil || string(b) != `{"type":"Note"}` {
		t.Fatalf("got %q, %v; want the body", b, err)
	}
	_, err = ap.ReadBody(bytes.NewReader(make([]byte, ap.MaxBodyBytes+1)))
	if !errors.Is(err, ap.ErrTooLarge) {
		t.Fatalf("oversized body: got %v, want ErrTooLarge", err)
	}
}

// FuzzDecode checks that no input makes Decode panic, and that whatever it
// accepts encodes, decodes again and then encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	for _, fx := range fixtures {
		data, err := os.ReadFile(filepath.Join("testdata", fx.file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := ap.Decode(data)
		if err != nil {
			return
		}
		enc, err := ap.Encode(o)
		if err != nil {
			t.Fatalf("encode of a decoded object: %v", err)
		}
		// Encoding may turn a bare value into a one-element array, one
		// level deeper, so the second decode allows more depth.
		again, err := ap.Limits{MaxDepth: 2 * ap.MaxDepth}.Decode(enc)
		if err != nil {
			t.Fatalf("decode of %s: %v", enc, err)
		}
		enc2, err := ap.Encode(again)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not stable:\nfirst:  %s\nsecond: %s", enc, enc2)
		}
	})
}
